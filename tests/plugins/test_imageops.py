"""The Pillow face: ``smartcrop`` in the style of ``ImageOps.fit``, and ``smartcrop_box``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from smartcrop_core import (
    Boost,
    Box,
    Focus,
    InvalidAspectError,
    InvalidBoxError,
    find_crop,
    parse_aspect,
    target_size,
)
from smartcrop_core.saliency import MODELS
from smartcrop_core.search import AUTO_ZOOMS
from smartcrop_plugins.imageops import smartcrop, smartcrop_box
from tests.support import ColumnSaliency, preserved_registries, save_jpeg_with_orientation

FAST = {"model": "spectral", "faces": False}


def _state(image: Image.Image) -> tuple:
    return image.mode, image.size, image.tobytes(), dict(image.info)


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (240, 400, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


@pytest.mark.parametrize(
    ("aspect", "expected_size"),
    [("1:1", (240, 240)), ("16:9", (400, 225)), (0.5, (120, 240)), ((4, 5), (192, 240))],
)
def test_smartcrop_returns_a_new_image_of_the_asked_aspect(photo, aspect, expected_size):
    before = _state(photo)
    result = smartcrop(photo, aspect, **FAST)
    assert isinstance(result, Image.Image)
    assert result is not photo
    assert result.size == expected_size
    assert _state(photo) == before


def test_smartcrop_pixels_are_those_of_the_box(photo):
    box = smartcrop_box(photo, "1:1", zoom=0.5, **FAST)
    result = smartcrop(photo, "1:1", zoom=0.5, **FAST)
    assert result.tobytes() == photo.crop(box).tobytes()


def test_default_aspect_is_square(photo):
    assert smartcrop(photo, **FAST).size == (240, 240)


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (300, 200), 90),
        Image.new("RGBA", (300, 200), (10, 20, 30, 128)),
        Image.new("RGB", (300, 200), (200, 30, 40)).convert("P"),
        Image.new("1", (300, 200), 1),
        Image.new("CMYK", (300, 200), (0, 10, 20, 30)),
        Image.new("I;16", (300, 200), 4000),
    ],
    ids=lambda image: image.mode,
)
def test_mode_is_preserved(image):
    before = _state(image)
    result = smartcrop(image, "1:1", **FAST)
    assert result.mode == image.mode
    assert result.size == (200, 200)
    assert _state(image) == before
    if image.mode == "P":
        assert result.getpalette() == image.getpalette()


def test_transparent_palette_image_keeps_its_transparency():
    image = Image.new("P", (300, 200), 1)
    image.putpalette([0, 0, 0, 200, 10, 10] + [0] * (254 * 3))
    image.info["transparency"] = 1
    result = smartcrop(image, "1:1", **FAST)
    assert result.mode == "P"
    assert result.info.get("transparency") == 1


@pytest.mark.parametrize("method", [Image.Resampling.NEAREST, Image.Resampling.LANCZOS])
def test_size_resizes_the_box_in_one_step_with_the_given_method(photo, method):
    result = smartcrop(photo, "16:9", size=(160, 90), method=method, **FAST)
    assert result.size == (160, 90)
    box = smartcrop_box(photo, "16:9", **FAST)
    assert result.tobytes() == photo.resize((160, 90), method, box=box).tobytes()


def test_size_alone_sets_the_aspect(photo):
    result = smartcrop(photo, size=(100, 50), **FAST)
    assert result.size == (100, 50)
    box = smartcrop_box(photo, 2.0, **FAST)
    expected = photo.resize((100, 50), Image.Resampling.BICUBIC, box=box)
    assert result.tobytes() == expected.tobytes()


def test_aspect_and_size_that_agree_are_accepted(photo):
    assert smartcrop(photo, "16:9", size=(320, 180), **FAST).size == (320, 180)


def test_aspect_and_size_that_disagree_are_an_invalid_aspect(photo):
    with pytest.raises(InvalidAspectError, match="does not match size 160x90"):
        smartcrop(photo, "1:1", size=(160, 90), **FAST)


@pytest.mark.parametrize("size", [(0, 10), (10, -1), ("wide", 3), (5,)])
def test_bad_sizes_are_rejected(photo, size):
    with pytest.raises(ValueError, match="size"):
        smartcrop(photo, size=size, **FAST)


@pytest.fixture
def turned_jpeg(tmp_path):
    """A 300x200 JPEG, red on its left third, stored with EXIF orientation 6 (turn right)."""
    image = Image.new("RGB", (300, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 100, 200))
    return save_jpeg_with_orientation(tmp_path / "turned.jpg", image, 6)


def test_exif_turned_image_gives_an_upright_crop(turned_jpeg):
    with Image.open(turned_jpeg) as image:
        image.load()
        before = _state(image)
        result = smartcrop(image, "2:3", **FAST)
        assert _state(image) == before
        upright = ImageOps.exif_transpose(image)
    assert result.size == (200, 300)
    assert result.tobytes() == upright.tobytes()
    red_top = np.asarray(result)[:90]
    assert red_top[..., 0].mean() > 200
    assert red_top[..., 2].mean() < 60


def test_path_input_is_read_upright(turned_jpeg):
    result = smartcrop(turned_jpeg, "1:1", **FAST)
    assert result.size == (200, 200)
    assert smartcrop(str(turned_jpeg), "2:3", **FAST).size == (200, 300)
    left, upper, right, lower = smartcrop_box(turned_jpeg, "2:3", **FAST)
    assert (left, upper, right, lower) == (0, 0, 200, 300)


@pytest.mark.parametrize("aspect", ["1:1", "16:9", "9:16", 1.5])
def test_smartcrop_box_returns_ints_of_the_target_size_at_zoom(photo, aspect):
    box = smartcrop_box(photo, aspect, zoom=0.6, **FAST)
    assert isinstance(box, tuple)
    assert len(box) == 4
    assert all(type(value) is int for value in box)
    left, upper, right, lower = box
    assert 0 <= left < right <= 400
    assert 0 <= upper < lower <= 240
    assert (right - left, lower - upper) == target_size(400, 240, parse_aspect(aspect), 0.6)


def test_model_object_steers_the_box(photo):
    right = smartcrop_box(photo, "1:1", model=ColumnSaliency(0.9, 1.0), faces=False)
    left = smartcrop_box(photo, "1:1", model=ColumnSaliency(0.0, 0.1), faces=False)
    assert right[2] == 400
    assert left[0] == 0


def test_real_photo_box_is_the_engines_and_cuts_no_detected_face(face_photo_path):
    box = smartcrop_box(face_photo_path, "9:16", zoom=0.6)
    engine = find_crop(face_photo_path, "9:16", zoom=0.6)
    assert box == engine.box.to_pillow()
    assert len(engine.faces) == 3
    for face in engine.faces:
        assert not 0.1 < face.fraction_inside(engine.box) < 0.9


# --- auto zoom and hints --------------------------------------------------------------------


def _auto_sizes(width: int, height: int, aspect) -> set[tuple[int, int]]:
    return {target_size(width, height, parse_aspect(aspect), zoom) for zoom in AUTO_ZOOMS}


def _contains(box: tuple[int, int, int, int], point: tuple[float, float]) -> bool:
    left, upper, right, lower = box
    return left <= point[0] <= right and upper <= point[1] <= lower


@pytest.mark.parametrize("aspect", ["1:1", "16:9", "9:16"])
@pytest.mark.parametrize("zoom", ["auto", "AUTO", " Auto "])
def test_auto_zoom_gives_a_box_of_one_of_the_auto_zoom_sizes(face_photo_path, aspect, zoom):
    left, upper, right, lower = smartcrop_box(face_photo_path, aspect, zoom=zoom)
    assert (right - left, lower - upper) in _auto_sizes(512, 384, aspect)
    with Image.open(face_photo_path) as image:
        before = _state(image)
        crop = smartcrop(image, aspect, zoom=zoom)
        assert _state(image) == before
    assert crop.size == (right - left, lower - upper)


def test_auto_zoom_with_size_resizes_to_the_size(photo_path):
    assert smartcrop(photo_path, size=(90, 160), zoom="auto").size == (90, 160)


@pytest.mark.parametrize("point", [(20, 192), (492, 192)], ids=["left", "right"])
@pytest.mark.parametrize("which", ["photo", "faces"])
def test_a_focus_on_one_side_moves_the_crop_to_include_it(
    photo_path, face_photo_path, which, point
):
    path = photo_path if which == "photo" else face_photo_path
    assert not _contains(smartcrop_box(path, "9:16"), point)  # the plain crop leaves it out
    with Image.open(path) as image:
        before = _state(image)
        box = smartcrop_box(image, "9:16", focus=point)
        crop = smartcrop(image, "9:16", focus=point)
        assert _state(image) == before
        assert crop.tobytes() == image.crop(box).tobytes()
    assert _contains(box, point)
    assert smartcrop_box(path, "9:16", boosts=[Focus(*point)]) == box


def test_boosts_are_honoured_in_every_form(photo):
    right_heavy = {"model": ColumnSaliency(0.9, 1.0), "faces": False}
    assert smartcrop_box(photo, "1:1", **right_heavy)[2] == 400
    left_strip = (0, 0, 40, 240)
    for boosts in (
        [Boost(left_strip, weight=3)],
        [(left_strip, 3)],
        [Boost(Box(*left_strip), weight=3)],
        Boost(left_strip, weight=3),
        [(20, 120), (10, 60), (30, 200)],  # three points of weight 1
    ):
        before = _state(photo)
        # At the left edge, give or take the search's last pixel.
        assert smartcrop_box(photo, "1:1", boosts=boosts, **right_heavy)[0] <= 1, boosts
        assert _state(photo) == before


def test_focus_and_boosts_add_up(photo):
    right_heavy = {"model": ColumnSaliency(0.9, 1.0), "faces": False}
    box = smartcrop_box(photo, "1:1", focus=(15, 120), boosts=[(5, 100)], **right_heavy)
    assert box[0] <= 1


def test_focus_takes_numpy_numbers_and_a_focus_object(photo):
    from_numpy = smartcrop_box(photo, "1:1", focus=np.array([15, 120]), **FAST)
    assert from_numpy == smartcrop_box(photo, "1:1", focus=Focus(15, 120), **FAST)
    assert from_numpy[0] == 0


def test_hints_are_in_the_upright_frame_of_an_exif_turned_image(turned_jpeg):
    # Stored 300x200 and turned upright to 200x300: y=290 exists only upright.
    with Image.open(turned_jpeg) as image:
        image.load()
        before = _state(image)
        for source in (image, turned_jpeg):
            low = smartcrop_box(source, "1:1", focus=(100, 290), **FAST)
            high = smartcrop_box(source, "1:1", focus=(100, 10), **FAST)
            assert low[0] == 0 and low[3] >= 290  # a 200x200 box holding y=290
            assert high[0] == 0 and high[1] <= 10
        box = smartcrop_box(image, "1:1", boosts=[(0, 250, 200, 300)], **FAST)
        bottom = smartcrop(image, "1:1", boosts=[(0, 250, 200, 300)], **FAST)
        assert _state(image) == before
        upright = ImageOps.exif_transpose(image)
    assert box[3] > 250  # below the centred box (0, 50, 200, 250)
    assert bottom.tobytes() == upright.crop(box).tobytes()
    with pytest.raises(InvalidBoxError, match="outside the 200x300 image"):
        smartcrop_box(turned_jpeg, "1:1", focus=(290, 100), **FAST)  # x=290 only in storage


def test_hinted_calls_reuse_one_cropper_and_one_analysis():
    model = ColumnSaliency(0.4, 0.6)
    with preserved_registries():
        MODELS.register("hint-counting-test", lambda: model)
        options = {"model": "hint-counting-test", "faces": False}
        image = Image.new("RGB", (180, 120), "gray")
        boxes = {
            smartcrop_box(image, "1:1", **options),
            smartcrop_box(image, "1:1", focus=(5, 60), **options),
            smartcrop_box(image, "1:1", focus=(175, 60), **options),
            smartcrop_box(image, "1:1", boosts=[((0, 0, 30, 120), 2)], **options),
        }
    assert model.calls == 1  # one analysis: the named cropper and its cache were reused
    lefts = sorted(box[0] for box in boxes)
    assert lefts[0] <= 5 and lefts[-1] >= 55  # and the hints still steered each call
