"""Bad input through the public faces: a specific error that names the problem, input intact."""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from smartcrop_core import (
    Boost,
    InvalidAspectError,
    InvalidBoxError,
    InvalidImageError,
    InvalidZoomError,
)
from smartcrop_plugins import filters, imageops

OPTIONS = {"model": "spectral", "faces": False}

FACES = {
    "imageops.smartcrop": lambda image: imageops.smartcrop(image, "1:1", **OPTIONS),
    "imageops.smartcrop_box": lambda image: imageops.smartcrop_box(image, "1:1", **OPTIONS),
    "filters.smartcrop": lambda image: filters.smartcrop(image, "1:1", **OPTIONS),
    "filters.saliency": lambda image: filters.saliency(image, model="spectral"),
}
ARRAY_FACES = ["imageops.smartcrop_box", "filters.smartcrop", "filters.saliency"]
PATH_FACES = ["imageops.smartcrop", "imageops.smartcrop_box"]

CROP_FACES = {
    "imageops.smartcrop": lambda image, aspect, zoom: imageops.smartcrop(
        image, aspect, zoom=zoom, **OPTIONS
    ),
    "imageops.smartcrop_box": lambda image, aspect, zoom: imageops.smartcrop_box(
        image, aspect, zoom=zoom, **OPTIONS
    ),
    "filters.smartcrop": lambda image, aspect, zoom: filters.smartcrop(
        np.asarray(image), aspect, zoom=zoom, **OPTIONS
    ),
    "filters.smartcrop_box": lambda image, aspect, zoom: filters.smartcrop_box(
        np.asarray(image), aspect, zoom=zoom, **OPTIONS
    ),
}


def _snapshot(value):
    if isinstance(value, Image.Image):
        return ("pil", value.mode, value.size, value.tobytes(), dict(value.info))
    if isinstance(value, np.ndarray):
        data = value.tolist() if value.dtype == object else value.tobytes()
        return ("array", value.dtype.str, value.shape, value.flags.writeable, data)
    return ("other", value)


def _check(face: str, image, error: type[Exception], pattern: str) -> None:
    before = _snapshot(image)
    with pytest.raises(error, match=pattern):
        FACES[face](image)
    assert _snapshot(image) == before, "the caller's image was changed"


# --- Pillow images --------------------------------------------------------------------------

PIL_CASES = {
    "0x0": (lambda: Image.new("RGB", (0, 0)), "empty"),
    "1x1": (lambda: Image.new("RGB", (1, 1)), "at least 2 px"),
    "1x50": (lambda: Image.new("RGB", (1, 50)), "1x50 px"),
    "50x1 gray": (lambda: Image.new("L", (50, 1)), "50x1 px"),
}


@pytest.mark.parametrize("face", list(FACES))
@pytest.mark.parametrize("case", list(PIL_CASES))
def test_too_small_pillow_images_are_invalid(face, case):
    make, pattern = PIL_CASES[case]
    _check(face, make(), InvalidImageError, pattern)


# --- numpy arrays ---------------------------------------------------------------------------


def _with(value, position=(1, 1, 0), shape=(4, 4, 3)):
    array = np.full(shape, 0.5)
    array[position] = value
    return array


ARRAY_CASES = {
    "empty rows": (lambda: np.zeros((0, 5, 3), np.uint8), "empty"),
    "empty cols": (lambda: np.zeros((5, 0), np.uint8), "empty"),
    "1x1": (lambda: np.zeros((1, 1, 3), np.uint8), "at least 2 px"),
    "1x50": (lambda: np.zeros((50, 1, 3), np.uint8), "1x50 px"),
    "50x1 gray": (lambda: np.zeros((1, 50), np.float32), "50x1 px"),
    "ndim 0": (lambda: np.array(7.0), "2-D.*got shape"),
    "ndim 1": (lambda: np.zeros(10, np.uint8), "2-D.*got shape"),
    "ndim 4": (lambda: np.zeros((2, 8, 8, 3), np.uint8), "2-D.*got shape"),
    "5 channels": (lambda: np.zeros((8, 8, 5), np.uint8), "5 channels"),
    "NaN": (lambda: _with(np.nan), "NaN"),
    "inf": (lambda: _with(np.inf), "infinite"),
    "-inf float32": (lambda: _with(-np.inf).astype(np.float32), "infinite"),
    "NaN gray": (lambda: _with(np.nan, (2, 2), (4, 4)), "NaN"),
    "object": (lambda: np.full((4, 4, 3), None, dtype=object), "dtype object"),
    "object numbers": (lambda: np.ones((4, 4, 3)).astype(object), "dtype object"),
    "complex": (lambda: np.ones((4, 4, 3), np.complex128), "complex"),
    "strings": (lambda: np.full((4, 4, 3), "a"), "dtype <U1"),
    "datetimes": (lambda: np.zeros((4, 4, 3), "datetime64[s]"), "expected numbers"),
}


@pytest.mark.parametrize("face", ARRAY_FACES)
@pytest.mark.parametrize("case", list(ARRAY_CASES))
def test_bad_arrays_are_invalid_images(face, case):
    make, pattern = ARRAY_CASES[case]
    _check(face, make(), InvalidImageError, pattern)


def test_grayscale_array_with_channel_axis_none_and_3d_array_is_explained():
    array = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(InvalidImageError, match="channel_axis=None"):
        filters.smartcrop(array, channel_axis=None, **OPTIONS)
    with pytest.raises(InvalidImageError, match="channel_axis=3 is out of range"):
        filters.saliency(array, channel_axis=3, model="spectral")


# --- files ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_files")
    text = folder / "notes.jpg"
    text.write_text("this is text, not a JPEG\n")
    empty = folder / "empty.png"
    empty.write_bytes(b"")
    full = folder / "full.jpg"
    pixels = np.random.default_rng(0).integers(0, 256, (384, 512, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(full, quality=90)
    data = full.read_bytes()
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    bomb = folder / "bomb.png"  # a valid PNG header claiming 60000 x 60000 pixels
    bomb.write_bytes(_png_header(60_000, 60_000))
    subfolder = folder / "a_folder.jpg"
    subfolder.mkdir()
    return {
        "text": text,
        "empty": empty,
        "truncated": truncated,
        "bomb": bomb,
        "folder": subfolder,
        "missing": folder / "missing.jpg",
    }


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


PATH_CASES = [
    ("text", InvalidImageError, "not an image"),
    ("empty", InvalidImageError, "not an image"),
    ("truncated", InvalidImageError, "truncated"),
    ("folder", InvalidImageError, "folder|directory"),
    ("missing", FileNotFoundError, "missing.jpg"),
    ("bomb", InvalidImageError, "exceeds limit"),
]


@pytest.mark.parametrize(
    ("face", "case", "error", "pattern"),
    [
        pytest.param(
            face,
            case,
            error,
            pattern,
            id=f"{face}-{case}",
        )
        for face in PATH_FACES
        for case, error, pattern in PATH_CASES
    ],
)
def test_bad_files_raise_a_specific_error(files, face, case, error, pattern):
    path = files[case]
    _check(face, path, error, pattern)
    _check(face, str(path), error, pattern)


# --- objects nobody can read ----------------------------------------------------------------


@pytest.mark.parametrize(
    "face", ["imageops.smartcrop_box", "filters.smartcrop", "filters.saliency"]
)
@pytest.mark.parametrize("value", [None, 42, {"pixels": []}], ids=["None", "int", "dict"])
def test_objects_that_are_not_images_are_invalid(face, value):
    _check(face, value, InvalidImageError, "cannot crop a")


@pytest.mark.parametrize("value", [None, np.zeros(10, np.uint8)], ids=["None", "ndim 1 array"])
def test_imageops_smartcrop_rejects_non_images_as_invalid_images(value):
    _check("imageops.smartcrop", value, InvalidImageError, "cannot crop|2-D")


# --- aspect and zoom ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid_image() -> Image.Image:
    return Image.fromarray(np.full((60, 90, 3), 120, np.uint8))


@pytest.mark.parametrize("face", list(CROP_FACES))
@pytest.mark.parametrize("aspect", [0, -1, -0.5, math.nan, math.inf, "abc", "", "1:0", "0:1", True])
def test_bad_aspects_are_invalid_aspects(valid_image, face, aspect):
    before = _snapshot(valid_image)
    with pytest.raises(InvalidAspectError, match="aspect"):
        CROP_FACES[face](valid_image, aspect, 1.0)
    assert _snapshot(valid_image) == before


@pytest.mark.parametrize("face", [name for name in CROP_FACES if name != "imageops.smartcrop"])
def test_a_missing_aspect_is_an_invalid_aspect(valid_image, face):
    with pytest.raises(InvalidAspectError, match="aspect"):
        CROP_FACES[face](valid_image, None, 1.0)


def test_imageops_smartcrop_takes_a_missing_aspect_as_square(valid_image):
    # Its aspect=None means "1:1, or the ratio of size=", as documented.
    assert CROP_FACES["imageops.smartcrop"](valid_image, None, 1.0).size == (60, 60)


@pytest.mark.parametrize("face", list(CROP_FACES))
@pytest.mark.parametrize("zoom", [0, -0.5, 1.5, math.nan, math.inf, "x"])
def test_bad_zooms_are_invalid_zooms(valid_image, face, zoom):
    before = _snapshot(valid_image)
    with pytest.raises(InvalidZoomError, match="zoom"):
        CROP_FACES[face](valid_image, "1:1", zoom)
    assert _snapshot(valid_image) == before


def test_smallest_valid_image_still_crops():
    tiny = np.zeros((2, 2, 3), np.uint8)
    assert filters.smartcrop(tiny, "1:1", **OPTIONS).shape == (2, 2, 3)
    assert imageops.smartcrop(Image.new("RGB", (2, 3)), "1:1", **OPTIONS).size == (2, 2)
    assert filters.saliency(tiny, model="spectral").shape == (2, 2)


# --- hints (boosts and focal points) --------------------------------------------------------

PIL_HINT_FACES = {
    "imageops.smartcrop": lambda image, **hints: imageops.smartcrop(
        image, "1:1", **hints, **OPTIONS
    ),
    "imageops.smartcrop_box": lambda image, **hints: imageops.smartcrop_box(
        image, "1:1", **hints, **OPTIONS
    ),
}
ARRAY_HINT_FACES = {
    "filters.smartcrop": lambda image, **hints: filters.smartcrop(image, "1:1", **hints, **OPTIONS),
    "filters.smartcrop_box": lambda image, **hints: filters.smartcrop_box(
        image, "1:1", **hints, **OPTIONS
    ),
}

# The valid image is 90 wide, 60 high.
XY_HINT_CASES = {
    "focus outside": ({"focus": (200, 10)}, r"focus \(200.*outside the 90x60 image"),
    "focus negative": ({"focus": (-1, 10)}, "outside the 90x60 image"),
    "focus NaN": ({"focus": (math.nan, 10)}, "finite"),
    "focus not a point": ({"focus": (1, 2, 3)}, r"focus must be a point \(x, y\)"),
    "focus a word": ({"focus": "centre"}, r"focus must be a point \(x, y\)"),
    "focus a bool": ({"focus": (True, 3)}, r"focus must be a point \(x, y\)"),
    "box outside": ({"boosts": [(0, 0, 100, 10)]}, "outside the 90x60 image"),
    "box empty": ({"boosts": [(10, 10, 10, 20)]}, "empty"),
    "box of three": ({"boosts": [(1, 2, 3)]}, "cannot read"),
    "box of words": ({"boosts": [("a", "b", "c", "d")]}, "four numbers"),
    "weight negative": ({"boosts": [((0, 0, 10, 10), -1)]}, "weight"),
    "weight zero": ({"boosts": [((0, 0, 10, 10), 0)]}, "weight"),
    "point outside": ({"boosts": [(95, 10)]}, "outside"),
}
RC_HINT_CASES = {
    "focus outside": ({"focus_rc": (100, 10)}, r"\(row, col\) = \(100, 10\) is outside.*60 rows"),
    "focus negative": ({"focus_rc": (10, -1)}, "outside the image's 60 rows x 90 cols"),
    "focus NaN": ({"focus_rc": (math.nan, 10)}, "not finite"),
    "focus not a point": ({"focus_rc": (1, 2, 3)}, r"focus_rc must be a point \(row, col\)"),
    "focus a word": ({"focus_rc": "top"}, r"focus_rc must be a point \(row, col\)"),
    "bbox outside": ({"boosts_rc": [(0, 0, 70, 10)]}, r"max_col\) = \(0, 0, 70, 10\) is empty"),
    "bbox empty": ({"boosts_rc": [(10, 10, 10, 20)]}, "empty or outside"),
    "bbox NaN": ({"boosts_rc": [(0, 0, math.nan, 10)]}, "not finite"),
    "bbox of three": ({"boosts_rc": [(1, 2, 3)]}, "cannot read.*min_row"),
    "weight negative": ({"boosts_rc": [((0, 0, 10, 10), -1)]}, "weight.*positive"),
    "slices open": ({"boosts_rc": [(slice(None), slice(0, 10))]}, "need a start and a stop"),
    "slices stepped": ({"boosts_rc": [(slice(0, 9, 2), slice(0, 10))]}, "no step"),
    "point outside": ({"boosts_rc": [(61, 10)]}, "outside the image's 60 rows"),
    "a Boost outside": ({"boosts_rc": [Boost((0, 0, 100, 10))]}, "outside the 90x60 image"),
}


@pytest.mark.parametrize("face", list(PIL_HINT_FACES))
@pytest.mark.parametrize("case", list(XY_HINT_CASES))
def test_bad_hints_are_invalid_boxes_for_pillow(valid_image, face, case):
    hints, pattern = XY_HINT_CASES[case]
    before = _snapshot(valid_image)
    with pytest.raises(InvalidBoxError, match=pattern):
        PIL_HINT_FACES[face](valid_image, **hints)
    assert _snapshot(valid_image) == before


@pytest.mark.parametrize("face", list(ARRAY_HINT_FACES))
@pytest.mark.parametrize("case", list(RC_HINT_CASES))
def test_bad_hints_are_invalid_boxes_for_scikit_image(valid_image, face, case):
    hints, pattern = RC_HINT_CASES[case]
    array = np.asarray(valid_image).copy()
    before = _snapshot(array)
    with pytest.raises(InvalidBoxError, match=pattern):
        ARRAY_HINT_FACES[face](array, **hints)
    assert _snapshot(array) == before


def test_scikit_image_faces_take_no_xy_keywords(valid_image):
    # Only the _rc names exist, so an (x, y) point can never be read as (row, col).
    with pytest.raises(TypeError, match="focus"):
        filters.smartcrop(np.asarray(valid_image), focus=(10, 20), **OPTIONS)
