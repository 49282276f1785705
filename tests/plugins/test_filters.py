"""The scikit-image face: ``smartcrop``, ``smartcrop_box`` and ``saliency`` as filters."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core import Boost, Focus, InvalidBoxError, parse_aspect, target_size
from smartcrop_core.search import AUTO_ZOOMS
from smartcrop_plugins.filters import saliency, smartcrop, smartcrop_box
from tests.support import ColumnSaliency

FAST = {"model": "spectral", "faces": False}


def _image(dtype, shape=(120, 200, 3)) -> np.ndarray:
    unit = np.random.default_rng(3).random(shape)
    if dtype is bool:
        return unit > 0.5
    if dtype == "signed":
        return unit * 2 - 1
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return (info.min + unit * (float(info.max) - info.min)).astype(dtype)
    return unit.astype(dtype)


@pytest.mark.parametrize(
    "dtype",
    [np.uint8, np.uint16, np.int16, np.float32, np.float64, "signed", bool],
    ids=["uint8", "uint16", "int16", "float32", "float64", "float64 signed", "bool"],
)
def test_crop_keeps_the_dtype_and_is_a_view_of_the_input(dtype):
    image = _image(dtype)
    before = image.copy()
    crop = smartcrop(image, "1:1", **FAST)
    assert crop.dtype == image.dtype
    assert crop.shape == (120, 120, 3)
    assert np.shares_memory(crop, image)
    np.testing.assert_array_equal(image, before)


def test_crop_is_the_box_of_smartcrop_box():
    image = _image(np.uint8)
    rows, cols = smartcrop_box(image, "16:9", zoom=0.5, **FAST)
    assert isinstance(rows, slice)
    assert isinstance(cols, slice)
    assert (cols.stop - cols.start, rows.stop - rows.start) == target_size(200, 120, 16 / 9, 0.5)
    np.testing.assert_array_equal(smartcrop(image, "16:9", zoom=0.5, **FAST), image[rows, cols])


def test_channel_axis_first_crops_the_spatial_axes():
    last = _image(np.uint8)
    first = np.ascontiguousarray(np.moveaxis(last, -1, 0))
    crop = smartcrop(first, "1:1", zoom=0.5, channel_axis=0, **FAST)
    assert crop.shape == (3, 60, 60)
    assert np.shares_memory(crop, first)
    expected = smartcrop(last, "1:1", zoom=0.5, **FAST)
    np.testing.assert_array_equal(np.moveaxis(crop, 0, -1), expected)


def test_grayscale_with_channel_axis_none():
    image = _image(np.float32, shape=(90, 160))
    crop = smartcrop(image, 2.0, channel_axis=None, **FAST)
    assert crop.shape == (80, 160)
    assert crop.dtype == np.float32
    assert np.shares_memory(crop, image)


def test_model_object_steers_the_crop():
    image = _image(np.uint8)
    _, cols = smartcrop_box(image, "1:1", model=ColumnSaliency(0.9, 1.0), faces=False)
    assert cols.stop == 200
    _, cols = smartcrop_box(image, "1:1", model=ColumnSaliency(0.0, 0.1), faces=False)
    assert cols.start == 0


@pytest.mark.parametrize(
    ("shape", "channel_axis", "spatial"),
    [
        ((120, 200, 3), -1, (120, 200)),
        ((3, 120, 200), 0, (120, 200)),
        ((120, 200), None, (120, 200)),
        ((700, 900, 3), -1, (700, 900)),  # larger than the analysis: resized back
    ],
)
def test_saliency_is_a_unit_map_of_the_spatial_shape(shape, channel_axis, spatial):
    image = _image(np.float32, shape=shape)
    before = image.copy()
    heat = saliency(image, channel_axis=channel_axis, model="spectral")
    assert heat.shape == spatial
    assert heat.dtype == np.float32
    assert float(heat.min()) >= 0.0
    assert float(heat.max()) == 1.0
    assert np.isfinite(heat).all()
    np.testing.assert_array_equal(image, before)


def test_saliency_of_the_default_model_peaks_where_the_model_says():
    image = _image(np.uint8)
    heat = saliency(image, model=ColumnSaliency(0.5, 0.6))
    assert heat[:, 100:120].min() == 1.0
    assert heat[:, :90].max() == 0.0


def test_crop_and_saliency_feed_scikit_image_functions():
    from skimage import filters as skfilters
    from skimage import transform

    image = _image(np.uint8)
    crop = smartcrop(image, "4:3", **FAST)
    thumbnail = transform.resize(crop, (30, 40), anti_aliasing=True)
    assert thumbnail.shape == (30, 40, 3)
    assert 0.0 <= thumbnail.min() <= thumbnail.max() <= 1.0
    smoothed = skfilters.gaussian(saliency(image, model="spectral"), sigma=2)
    assert smoothed.shape == (120, 200)


def test_real_photo_crop_with_default_model_keeps_the_faces(face_photo_path):
    from skimage import io

    image = io.imread(face_photo_path)
    crop = smartcrop(image, "16:9")
    assert crop.shape == (288, 512, 3)
    rows, _ = smartcrop_box(image, "16:9")
    assert rows.start <= 71  # the top of the highest labelled face
    assert rows.stop >= 148  # the bottom of the lowest


# --- auto zoom and (row, col) hints ---------------------------------------------------------

CENTRE = {"model": "centre", "faces": False}


@pytest.fixture(scope="module")
def tall() -> np.ndarray:
    """A flat 200 rows x 120 cols image: a 1:1 crop can only move up or down."""
    return np.full((200, 120, 3), 90, np.uint8)


@pytest.fixture(scope="module")
def real_photo(face_photo_path) -> np.ndarray:
    from skimage import io

    return io.imread(face_photo_path)


@pytest.mark.parametrize("aspect", ["1:1", "16:9", "9:16"])
def test_auto_zoom_gives_a_box_of_one_of_the_auto_zoom_sizes(real_photo, aspect):
    rows, cols = smartcrop_box(real_photo, aspect, zoom="auto")
    sizes = {target_size(512, 384, parse_aspect(aspect), zoom) for zoom in AUTO_ZOOMS}
    assert (cols.stop - cols.start, rows.stop - rows.start) in sizes
    crop = smartcrop(real_photo, aspect, zoom="Auto")
    assert crop.shape == (rows.stop - rows.start, cols.stop - cols.start, 3)
    assert np.shares_memory(crop, real_photo)


@pytest.mark.parametrize("col", [20, 492], ids=["left", "right"])
def test_a_focus_on_one_side_moves_the_crop_to_include_it(real_photo, col):
    before = real_photo.copy()
    _, plain = smartcrop_box(real_photo, "9:16")
    assert not plain.start <= col < plain.stop
    rows, cols = smartcrop_box(real_photo, "9:16", focus_rc=(192, col))
    assert cols.start <= col < cols.stop
    crop = smartcrop(real_photo, "9:16", focus_rc=(192, col))
    np.testing.assert_array_equal(crop, real_photo[rows, cols])
    np.testing.assert_array_equal(real_photo, before)


def test_focus_rc_is_row_then_col(tall):
    low, _ = smartcrop_box(tall, "1:1", focus_rc=(190, 60), **CENTRE)
    assert low.start > 40 and low.stop > 190  # down from the centred rows 40-160
    high, _ = smartcrop_box(tall, "1:1", focus_rc=(10, 60), **CENTRE)
    assert high.start <= 10 and high.stop < 160  # up
    # (x, y) = (60, 190) taken as (row, col) would be outside the 120 columns.
    with pytest.raises(InvalidBoxError, match=r"\(row, col\) = \(60, 190\) is outside"):
        smartcrop_box(tall, "1:1", focus_rc=(60, 190), **CENTRE)


@pytest.mark.parametrize(
    "hint",
    [
        (170, 10, 200, 50),  # (min_row, min_col, max_row, max_col)
        [170, 10, 200, 50],
        np.array([170, 10, 200, 50]),
        (slice(170, 200), slice(10, 50)),  # what smartcrop_box returns
        ((170, 10, 200, 50), 2.0),  # weighted
        (np.int64(185), np.int64(30)),  # a point (row, col), e.g. from peak_local_max
        ((185, 30), 0.5),
        Boost((10, 170, 50, 200)),  # x, y fields: taken as they are
        Focus(30, 185),
    ],
    ids=[
        "bbox",
        "list",
        "array",
        "slices",
        "weighted bbox",
        "point",
        "weighted point",
        "Boost",
        "Focus",
    ],
)
def test_boosts_rc_forms_pull_the_crop_down(tall, hint):
    before = tall.copy()
    plain_rows = smartcrop_box(tall, "1:1", **CENTRE)[0]
    # About centred (rows 40-160): the learned ranker likes a window a little high.
    assert abs(plain_rows.start - 40) <= 6
    rows, _ = smartcrop_box(tall, "1:1", boosts_rc=[hint], **CENTRE)
    # Down from the plain crop, far enough to keep the hint's rows (170-200, or 185).
    assert rows.start > plain_rows.start
    assert rows.stop >= (185 if isinstance(hint, Focus) or _is_point(hint) else 200)
    np.testing.assert_array_equal(tall, before)


def _is_point(hint) -> bool:
    if isinstance(hint, tuple) and len(hint) == 2 and isinstance(hint[0], tuple):
        hint = hint[0]  # (hint, weight)
    return isinstance(hint, tuple) and len(hint) == 2 and not isinstance(hint[0], slice)


def test_regionprops_bbox_and_centroid_pass_straight_through(tall):
    from skimage import measure

    mask = np.zeros(tall.shape[:2], int)
    mask[150:195, 20:100] = 1
    (region,) = measure.regionprops(mask)
    rows, _ = smartcrop_box(tall, "1:1", boosts_rc=[region.bbox], **CENTRE)
    assert rows.start <= 150 and rows.stop >= 195 and rows.start > 40
    rows, _ = smartcrop_box(tall, "1:1", focus_rc=region.centroid, **CENTRE)
    assert rows.start <= region.centroid[0] < rows.stop and rows.start > 40


def test_hints_on_a_grayscale_and_a_channels_first_image(tall):
    rows, cols = smartcrop_box(tall, "1:1", focus_rc=(190, 60), **CENTRE)
    gray = np.ascontiguousarray(tall[..., 0])
    crop = smartcrop(gray, "1:1", focus_rc=(190, 60), channel_axis=None, **CENTRE)
    np.testing.assert_array_equal(crop, gray[rows, cols])
    first = np.ascontiguousarray(np.moveaxis(tall, -1, 0))
    crop = smartcrop(first, "1:1", focus_rc=(190, 60), channel_axis=0, **CENTRE)
    np.testing.assert_array_equal(crop, first[:, rows, cols])
