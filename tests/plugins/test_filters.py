"""The scikit-image face: ``smartcrop``, ``smartcrop_box`` and ``saliency`` as filters."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core import target_size
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
