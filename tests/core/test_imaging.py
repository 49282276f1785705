"""Turning Pillow images, numpy arrays and files into the RGB copy the stages analyse."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from smartcrop_core import InvalidImageError
from smartcrop_core.imaging import (
    WorkingImage,
    array_to_rgb,
    open_image,
    pil_to_rgb,
    prepare,
)
from tests.support import ORIENTATION, save_jpeg_with_orientation


def _palette_image(transparent: bool = False) -> Image.Image:
    image = Image.new("P", (4, 3), 1)
    image.putpalette([0, 0, 0, 200, 10, 10] + [0] * (254 * 3))
    if transparent:
        image.info["transparency"] = 1
    return image


def _state(image: Image.Image) -> tuple:
    return image.mode, image.size, image.tobytes(), dict(image.info)


# --- Pillow modes ---------------------------------------------------------------------------

PIL_CASES = {
    "1": (Image.new("1", (4, 3), 1), (255, 255, 255)),
    "L": (Image.new("L", (4, 3), 100), (100, 100, 100)),
    "LA opaque": (Image.new("LA", (4, 3), (100, 255)), (100, 100, 100)),
    "LA transparent": (Image.new("LA", (4, 3), (100, 0)), (255, 255, 255)),
    "P": (_palette_image(), (200, 10, 10)),
    "P transparency": (_palette_image(transparent=True), (255, 255, 255)),
    "PA transparent": (Image.new("PA", (4, 3), (1, 0)), (255, 255, 255)),
    "RGB": (Image.new("RGB", (4, 3), (10, 20, 30)), (10, 20, 30)),
    "RGBA opaque": (Image.new("RGBA", (4, 3), (10, 20, 30, 255)), (10, 20, 30)),
    "RGBA transparent": (Image.new("RGBA", (4, 3), (10, 20, 30, 0)), (255, 255, 255)),
    "RGBA half": (Image.new("RGBA", (4, 3), (0, 0, 0, 128)), (127, 127, 127)),
    "RGBa transparent": (Image.new("RGBa", (4, 3), (0, 0, 0, 0)), (255, 255, 255)),
    "RGBX": (Image.new("RGBX", (4, 3), (10, 20, 30, 0)), (10, 20, 30)),
    "CMYK white": (Image.new("CMYK", (4, 3), (0, 0, 0, 0)), (255, 255, 255)),
    "CMYK red": (Image.new("CMYK", (4, 3), (0, 255, 255, 0)), (255, 0, 0)),
    "YCbCr": (Image.new("RGB", (4, 3), (200, 30, 40)).convert("YCbCr"), (200, 30, 40)),
    "HSV": (Image.new("RGB", (4, 3), (200, 30, 40)).convert("HSV"), (200, 30, 40)),
}


@pytest.mark.parametrize("case", list(PIL_CASES))
def test_every_pillow_mode_becomes_rgb_uint8_with_the_colour_shown(case):
    image, colour = PIL_CASES[case]
    rgb = pil_to_rgb(image)
    assert rgb.shape == (3, 4, 3)
    assert rgb.dtype == np.uint8
    np.testing.assert_allclose(rgb.reshape(-1, 3), [colour] * 12, atol=4)


def test_premultiplied_la_mode_becomes_rgb():
    rgb = pil_to_rgb(Image.new("La", (4, 3), (100, 255)))
    np.testing.assert_array_equal(rgb, np.full((3, 4, 3), 100, np.uint8))


@pytest.mark.parametrize(("mode", "byte_order"), [("I;16", "<u2"), ("I;16B", ">u2")])
def test_16_bit_images_are_stretched_from_their_minimum_to_their_maximum(mode, byte_order):
    values = np.linspace(0, 4095, 12).astype(np.uint16).reshape(3, 4)
    image = Image.frombytes(mode, (4, 3), values.astype(byte_order).tobytes())
    rgb = pil_to_rgb(image)
    assert rgb.shape == (3, 4, 3)
    expected = np.round(values / 4095 * 255).astype(np.uint8)
    np.testing.assert_array_equal(rgb[:, :, 0], expected)
    np.testing.assert_array_equal(rgb[:, :, 0], rgb[:, :, 2])
    assert (rgb.min(), rgb.max()) == (0, 255)


def test_32_bit_integer_and_float_images_are_stretched():
    integers = Image.fromarray(np.array([[-1000, 0], [500, 1000]], np.int32))
    floats = Image.fromarray(np.array([[0.0, 0.25], [0.5, 1.0]], np.float32))
    assert (integers.mode, floats.mode) == ("I", "F")
    np.testing.assert_array_equal(pil_to_rgb(integers)[:, :, 1], [[0, 128], [191, 255]])
    np.testing.assert_array_equal(pil_to_rgb(floats)[:, :, 1], [[0, 64], [128, 255]])


def test_constant_high_bit_depth_image_becomes_black_not_nan():
    rgb = pil_to_rgb(Image.new("I;16", (4, 3), 1000))
    np.testing.assert_array_equal(rgb, np.zeros((3, 4, 3), np.uint8))


def test_float_pillow_image_with_nan_is_rejected():
    values = np.ones((3, 4), np.float32)
    values[1, 1] = np.nan
    with pytest.raises(InvalidImageError, match="NaN"):
        pil_to_rgb(Image.fromarray(values))


@pytest.mark.parametrize("case", list(PIL_CASES))
def test_pillow_input_is_never_modified(case):
    image, _ = PIL_CASES[case]
    before = _state(image)
    prepare(image, analysis_size=2)
    assert _state(image) == before


# --- numpy arrays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([[0, 128], [255, 7]], np.uint8), [[0, 128], [255, 7]]),
        (np.array([[0, 65535], [32768, 257]], np.uint16), [[0, 255], [128, 1]]),
        (np.array([[-32768, 32767], [0, -1]], np.int16), [[0, 255], [128, 127]]),
        (np.array([[0.0, 1.0], [0.5, 0.25]], np.float32), [[0, 255], [128, 64]]),
        (np.array([[-1.0, 1.0], [0.0, 0.5]], np.float64), [[0, 255], [128, 191]]),
        (np.array([[0.0, 2.0], [0.5, 1.0]], np.float64), [[0, 255], [128, 255]]),
        (np.array([[False, True], [True, False]]), [[0, 255], [255, 0]]),
    ],
    ids=["uint8", "uint16", "int16", "float32 [0,1]", "float64 [-1,1]", "float >1 clipped", "bool"],
)
def test_array_dtypes_map_to_uint8_as_scikit_image_does(values, expected):
    rgb = array_to_rgb(values, channel_axis=None)
    assert rgb.shape == (2, 2, 3)
    assert rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[:, :, 0], expected)
    np.testing.assert_array_equal(rgb[:, :, 0], rgb[:, :, 2])


def test_channel_axis_first_and_last_give_the_same_image():
    rng = np.random.default_rng(0)
    last = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    first = np.moveaxis(last, -1, 0).copy()
    np.testing.assert_array_equal(array_to_rgb(first, channel_axis=0), last)
    np.testing.assert_array_equal(array_to_rgb(last, channel_axis=-1), last)
    np.testing.assert_array_equal(array_to_rgb(last, channel_axis=2), last)


def test_2d_array_is_grayscale_whatever_the_channel_axis():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    for axis in (None, -1, 0):
        rgb = array_to_rgb(gray, channel_axis=axis)
        assert rgb.shape == (3, 4, 3)
        np.testing.assert_array_equal(rgb[:, :, 1], gray)


def test_single_channel_array_is_grayscale():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    np.testing.assert_array_equal(array_to_rgb(gray)[:, :, 2], gray[:, :, 0])


def test_three_dimensional_array_needs_a_channel_axis():
    with pytest.raises(InvalidImageError, match="channel_axis"):
        array_to_rgb(np.zeros((4, 4, 3), np.uint8), channel_axis=None)


def test_channel_axis_out_of_range_is_an_invalid_image():
    with pytest.raises(InvalidImageError, match="out of range"):
        array_to_rgb(np.zeros((4, 4, 3), np.uint8), channel_axis=5)


def test_gray_plus_alpha_array_is_composited_over_white():
    pixels = np.zeros((2, 3, 2), np.uint8)
    pixels[..., 0] = 60
    pixels[0, :, 1] = 255  # top row opaque, bottom row transparent
    rgb = array_to_rgb(pixels)
    np.testing.assert_array_equal(rgb[0], np.full((3, 3), 60))
    np.testing.assert_array_equal(rgb[1], np.full((3, 3), 255))


def test_rgba_array_is_composited_over_white():
    pixels = np.zeros((2, 2, 4), np.float32)
    pixels[..., 0] = 1.0  # red
    pixels[0, :, 3] = 1.0
    pixels[1, :, 3] = 0.5
    rgb = array_to_rgb(pixels)
    np.testing.assert_array_equal(rgb[0], [[255, 0, 0]] * 2)
    np.testing.assert_array_equal(rgb[1], [[255, 128, 128]] * 2)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(60, dtype=np.uint8).reshape(4, 5, 3),
        np.linspace(0, 1, 60, dtype=np.float32).reshape(4, 5, 3),
        np.linspace(-1, 1, 20).reshape(4, 5),
        np.arange(80, dtype=np.uint16).reshape(4, 5, 4),
        np.eye(4, 5, dtype=bool),
    ],
    ids=["uint8", "float32", "float64 signed", "uint16 rgba", "bool"],
)
def test_array_input_is_never_modified_nor_shared(array):
    before = array.copy()
    flags = array.flags.writeable
    working = prepare(array)
    np.testing.assert_array_equal(array, before)
    assert array.dtype == before.dtype
    assert array.flags.writeable == flags
    assert not np.shares_memory(working.pixels, array)


# --- files and orientation ------------------------------------------------------------------


@pytest.fixture
def turned_jpeg(tmp_path):
    """A 300x200 JPEG, red on its left third, stored with EXIF orientation 6 (turn right)."""
    image = Image.new("RGB", (300, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 100, 200))
    return save_jpeg_with_orientation(tmp_path / "turned.jpg", image, 6)


def test_exif_orientation_is_applied_when_reading_a_path(turned_jpeg):
    working = prepare(turned_jpeg)
    assert working.original_size == (200, 300)
    assert working.size == (200, 300)
    # Turned right, the stored left side (red) becomes the top.
    assert working.pixels[:90, :, 0].mean() > 200
    assert working.pixels[:90, :, 2].mean() < 60
    assert working.pixels[-150:, :, 2].mean() > 200


def test_exif_orientation_is_applied_to_a_pillow_image_without_changing_it(turned_jpeg):
    with Image.open(turned_jpeg) as image:
        image.load()
        before = _state(image)
        working = prepare(image)
        assert _state(image) == before
        assert image.getexif()[ORIENTATION] == 6
    assert working.original_size == (200, 300)
    assert working.pixels[:90, :, 0].mean() > 200


def test_prepare_reports_the_full_upright_size_of_a_draft_decoded_turned_jpeg(turned_jpeg):
    working = prepare(turned_jpeg, analysis_size=60)
    assert working.original_size == (200, 300)
    assert max(working.size) == 60


def test_open_image_returns_an_upright_independent_image(turned_jpeg):
    image = open_image(turned_jpeg)
    assert image.size == (200, 300)
    assert image.getpixel((100, 20))[0] > 200


@pytest.fixture(scope="module")
def large_jpeg(tmp_path_factory):
    """A 2400x1600 JPEG with a white square on its right half."""
    image = Image.new("RGB", (2400, 1600), (30, 60, 90))
    image.paste((255, 255, 255), (1800, 600, 2000, 800))
    path = tmp_path_factory.mktemp("large") / "large.jpg"
    image.save(path, quality=90)
    return path


def test_large_jpeg_from_a_path_is_decoded_at_reduced_scale(large_jpeg, monkeypatch):
    calls = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        calls.append((mode, size))
        return original_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    working = prepare(large_jpeg, analysis_size=300)
    assert calls == [("RGB", (270, 180))]  # the image's shape, 10 % slack on the size
    assert working.original_size == (2400, 1600)
    assert working.size == (300, 200)
    assert working.scale == (8.0, 8.0)
    # The white square (1800-2000, 600-800) lands at 225-250, 75-100.
    assert working.pixels[80:95, 230:245].min() > 200


def test_open_image_with_draft_size_decodes_a_jpeg_at_a_fraction_of_its_size(large_jpeg):
    # 1/8 keeps the longer side at 300 px; 1/4 keeps it at 600.
    assert open_image(large_jpeg, draft_size=300).size == (300, 200)
    assert open_image(large_jpeg, draft_size=301).size == (600, 400)
    assert open_image(large_jpeg).size == (2400, 1600)


@pytest.mark.parametrize(
    ("analysis_size", "copy_size"),
    [
        (256, (250, 188)),  # 1/8 scale falls 2 % short: taken as it is
        (300, (300, 225)),  # 1/8 would fall 17 % short: 1/4 scale, then shrunk
    ],
)
def test_a_jpeg_file_is_decoded_small_when_it_falls_a_little_short(
    tmp_path, analysis_size, copy_size
):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (2000, 1500), "gray").save(path, quality=90)
    working = prepare(path, analysis_size=analysis_size)
    assert working.size == copy_size
    assert working.original_size == (2000, 1500)


def test_large_turned_jpeg_keeps_its_displayed_size(tmp_path):
    path = save_jpeg_with_orientation(
        tmp_path / "big_turned.jpg", Image.new("RGB", (2400, 1600), "gray"), 6
    )
    working = prepare(path, analysis_size=300)
    assert working.original_size == (1600, 2400)
    assert working.size == (200, 300)


def test_analysis_copy_is_shrunk_to_analysis_size_keeping_the_aspect():
    working = prepare(np.zeros((1000, 2000, 3), np.uint8), analysis_size=512)
    assert working.size == (512, 256)
    assert working.original_size == (2000, 1000)
    assert working.scale == pytest.approx((3.90625, 3.90625))


@pytest.mark.parametrize("size", [(100, 50), (512, 384), (2, 2)])
def test_analysis_copy_is_never_upsampled(size):
    working = prepare(Image.new("RGB", size), analysis_size=512)
    assert working.size == size
    assert working.original_size == size
    assert working.scale == (1.0, 1.0)


def test_working_image_size_and_scale():
    working = WorkingImage(np.zeros((50, 80, 3), np.uint8), (160, 100))
    assert working.size == (80, 50)
    assert working.scale == (2.0, 2.0)


def test_analysis_size_below_two_is_rejected():
    with pytest.raises(ValueError, match="analysis_size"):
        prepare(np.zeros((4, 4, 3), np.uint8), analysis_size=1)


def test_unsupported_object_is_an_invalid_image():
    with pytest.raises(InvalidImageError, match="cannot crop a list"):
        prepare([[0, 1], [2, 3]])  # type: ignore[arg-type]


def test_open_image_reports_missing_files_folders_and_non_images(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such image"):
        open_image(tmp_path / "missing.jpg")
    with pytest.raises(InvalidImageError, match="folder"):
        open_image(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    with pytest.raises(InvalidImageError, match="not an image"):
        open_image(text)


def test_prepare_reports_a_missing_path_as_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        prepare(tmp_path / "missing.jpg")
