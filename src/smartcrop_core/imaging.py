"""Turning whatever the caller holds into the small RGB image the stages analyse.

Accepted: Pillow images of every mode, numpy arrays of any dtype scikit-image takes (2-D
grayscale or 3-D with a channel axis of 1-4 channels), and file paths. The caller's object
is never modified. Large JPEGs read from a path are decoded at reduced scale (Pillow's
``draft``) when only the analysis needs them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidImageError

__all__ = [
    "DEFAULT_ANALYSIS_SIZE",
    "ImageInput",
    "WorkingImage",
    "array_to_rgb",
    "open_image",
    "pil_to_rgb",
    "prepare",
    "resize_float_map",
    "resize_longer_side",
]

ImageInput = Union[Image.Image, np.ndarray, str, os.PathLike]

#: Longest side, in pixels, of the image the stages analyse.
DEFAULT_ANALYSIS_SIZE = 512
#: A file's analysis copy may be this much smaller than the analysis size when that lets a
#: JPEG be decoded at a smaller scale (see :func:`prepare`).
DRAFT_SLACK = 0.9
MIN_SIDE = 2
# Orientations 5-8 of the EXIF tag turn the image by 90 degrees.
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112
_PREMULTIPLIED = {"La": "LA", "RGBa": "RGBA"}


@dataclass(frozen=True)
class WorkingImage:
    """The analysis copy of an image and how it maps to the original.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``(h, w, 3)`` uint8 RGB at analysis size (never larger than the original).
    original_size : tuple of int
        ``(width, height)`` of the original image as displayed (EXIF orientation applied).
    """

    pixels: np.ndarray
    original_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the analysis copy."""
        return self.pixels.shape[1], self.pixels.shape[0]

    @property
    def scale(self) -> tuple[float, float]:
        """Factors ``(x, y)`` from analysis pixels to original pixels."""
        return (
            self.original_size[0] / self.pixels.shape[1],
            self.original_size[1] / self.pixels.shape[0],
        )


def open_image(path: str | os.PathLike, *, draft_size: int | None = None) -> Image.Image:
    """Read an image file, fully decoded and turned upright by its EXIF orientation.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    draft_size : int, optional
        When given, a JPEG may be decoded at 1/2, 1/4 or 1/8 scale as long as its longer
        side stays at least this large: much faster for large photos when only a box is
        wanted.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InvalidImageError
        The file is not an image Pillow can read, or it is truncated or corrupt.
    """
    return _read_image_file(path, draft_size)[0]


def _read_image_file(
    path: str | os.PathLike, draft_size: int | None
) -> tuple[Image.Image, tuple[int, int]]:
    """The upright image and the full ``(width, height)`` it has as displayed.

    With ``draft_size`` the returned image may be smaller than that size (reduced-scale
    JPEG decoding); the size returned is always the full one.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such image file: {path}")
    if path.is_dir():
        raise InvalidImageError(f"{path} is a folder, not an image file")
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            if draft_size is not None and image.format == "JPEG":
                # Pillow keeps both sides at least as large as asked: ask for the shape.
                factor = min(1.0, draft_size / max(width, height))
                image.draft("RGB", (math.ceil(width * factor), math.ceil(height * factor)))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        raise InvalidImageError(f"{path} is not an image file Pillow can read") from None
    except Image.DecompressionBombError as exc:
        raise InvalidImageError(f"{path} is too large to decode safely: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageError(f"{path} is truncated or corrupt: {exc}") from None
    # exif_transpose may hand back the same object when nothing needs turning; a copy keeps
    # the returned image independent of the closed file.
    upright = upright if upright is not image else image.copy()
    swapped = orientation in _SWAPPING_ORIENTATIONS
    return upright, ((height, width) if swapped else (width, height))


def pil_to_rgb(image: Image.Image) -> np.ndarray:
    """An ``(h, w, 3)`` uint8 RGB array of any Pillow image, the input left untouched.

    Transparent pixels are composited over white. High-bit-depth modes (``I;16``, ``I``,
    ``F``) are stretched from their minimum to their maximum, as a viewer would show them.

    Examples
    --------
    >>> from PIL import Image
    >>> pil_to_rgb(Image.new("LA", (4, 3), (0, 0))).shape
    (3, 4, 3)
    >>> int(pil_to_rgb(Image.new("LA", (4, 3), (0, 0)))[0, 0, 0])  # transparent -> white
    255
    """
    _check_size(image.width, image.height)
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        gray = _stretch_to_uint8(values)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode in _PREMULTIPLIED:
        # Pillow converts premultiplied modes only to their straight-alpha twins.
        image, mode = image.convert(_PREMULTIPLIED[mode]), _PREMULTIPLIED[mode]
    has_alpha = "A" in image.getbands()
    if mode == "P" and "transparency" in image.info:
        has_alpha = True
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        return _composite_over_white(rgba[:, :, :3] / 255.0, rgba[:, :, 3] / 255.0)
    return np.asarray(image.convert("RGB"))


def array_to_rgb(array: np.ndarray, *, channel_axis: int | None = -1) -> np.ndarray:
    """An ``(h, w, 3)`` uint8 RGB copy of a numpy image of any scikit-image dtype.

    Parameters
    ----------
    array : numpy.ndarray
        2-D grayscale, or 3-D with 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels
        along ``channel_axis``. Floats are taken as scikit-image does: ``[0, 1]``, or
        ``[-1, 1]`` when negative values occur; integers span their dtype's range.
    channel_axis : int or None
        The axis holding the channels; ``None`` for a 2-D grayscale image.

    Raises
    ------
    InvalidImageError
        Wrong number of dimensions or channels, an empty or 1-pixel image, NaN or infinite
        pixels, or a dtype that is not a number.

    Examples
    --------
    >>> import numpy as np
    >>> array_to_rgb(np.ones((2, 3), dtype=float), channel_axis=None)[0, 0]
    array([255, 255, 255], dtype=uint8)
    """
    array = np.asarray(array)
    if array.dtype.kind in "USO" and array.ndim == 0:
        raise InvalidImageError(
            f"got {array.item()!r}, not an image array; read files with skimage.io.imread, "
            "or use smartcrop_plugins.imageops, which takes paths"
        )
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise InvalidImageError(f"image array has dtype {array.dtype}; expected numbers")
    if array.ndim == 2:
        if channel_axis is not None:
            # A 2-D array cannot hold channels; taking it as grayscale is what skimage does.
            channel_axis = None
        gray = array
        _check_size(gray.shape[1], gray.shape[0])
        channels = gray[:, :, None]
    elif array.ndim == 3:
        if channel_axis is None:
            raise InvalidImageError(
                f"image array has 3 dimensions {array.shape} but channel_axis=None; "
                "give the axis that holds the colour channels (usually -1)"
            )
        try:
            channels = np.moveaxis(array, channel_axis, -1)
        except np.exceptions.AxisError:
            raise InvalidImageError(
                f"channel_axis={channel_axis} is out of range for an array of shape {array.shape}"
            ) from None
        if channels.shape[2] not in (1, 2, 3, 4):
            raise InvalidImageError(
                f"image array has {channels.shape[2]} channels along axis {channel_axis} "
                f"(shape {array.shape}); expected 1, 2, 3 or 4: is channel_axis right?"
            )
        _check_size(channels.shape[1], channels.shape[0])
    else:
        raise InvalidImageError(
            f"image array must be 2-D (grayscale) or 3-D (with channels), got shape {array.shape}"
        )
    if channels.dtype == np.uint8 and channels.shape[2] == 3:
        return np.array(channels, order="C")  # already what the analysis needs
    unit = _to_unit_float(channels)
    if unit.shape[2] in (2, 4):
        color, alpha = unit[:, :, :-1], unit[:, :, -1]
        if color.shape[2] == 1:
            color = np.repeat(color, 3, axis=2)
        return _composite_over_white(color, alpha)
    if unit.shape[2] == 1:
        unit = np.repeat(unit, 3, axis=2)
    return np.round(unit * 255).astype(np.uint8)


def prepare(
    image: ImageInput,
    *,
    analysis_size: int = DEFAULT_ANALYSIS_SIZE,
    channel_axis: int | None = -1,
) -> WorkingImage:
    """The analysis copy of ``image``: RGB uint8, longest side at most ``analysis_size``.

    A JPEG file is decoded at reduced scale where it can be; its copy may then fall up to
    :data:`DRAFT_SLACK` short of ``analysis_size``, which costs the analysis nothing and
    saves most of the decoding.

    Examples
    --------
    >>> from PIL import Image
    >>> working = prepare(Image.new("RGB", (2000, 1000)), analysis_size=512)
    >>> working.size, working.original_size, working.scale
    ((512, 256), (2000, 1000), (3.90625, 3.90625))
    """
    if analysis_size < MIN_SIDE:
        raise ValueError(f"analysis_size must be at least {MIN_SIDE}, got {analysis_size}")
    if isinstance(image, (str, os.PathLike)):
        # A JPEG decoded at 1/8 scale is much quicker than at 1/4 and then shrunk: take it
        # when it falls a little short of the analysis size (a 12 MP photo gives 500 px).
        pil, original_size = _read_image_file(image, math.ceil(analysis_size * DRAFT_SLACK))
        rgb = pil_to_rgb(pil)
    elif isinstance(image, Image.Image):
        upright = ImageOps.exif_transpose(image)  # a copy when it turns; never in place
        original_size = upright.size
        rgb = pil_to_rgb(upright)
    elif isinstance(image, np.ndarray):
        rgb = array_to_rgb(image, channel_axis=channel_axis)
        original_size = (rgb.shape[1], rgb.shape[0])
    else:
        raise InvalidImageError(
            f"cannot crop a {type(image).__name__}: give a PIL image, a numpy array or a file path"
        )
    pixels = _shrink(rgb, analysis_size)
    if pixels is rgb and isinstance(image, np.ndarray) and np.shares_memory(pixels, image):
        pixels = pixels.copy()
    # Analyses are cached and shared: their pixels must stay as they were.
    pixels.flags.writeable = False
    return WorkingImage(pixels, original_size)


def resize_longer_side(
    rgb: np.ndarray,
    longer_side: int,
    resample: Image.Resampling = Image.Resampling.BILINEAR,
    *,
    min_side: int = 1,
) -> np.ndarray:
    """A writable copy of ``rgb`` resized (up or down) so its longer side is ``longer_side``.

    The aspect ratio is kept up to rounding; neither side drops below ``min_side``.

    Examples
    --------
    >>> import numpy as np
    >>> resize_longer_side(np.zeros((30, 60, 3), np.uint8), 256).shape
    (128, 256, 3)
    """
    height, width = rgb.shape[:2]
    factor = longer_side / max(width, height)
    size = (max(min_side, round(width * factor)), max(min_side, round(height * factor)))
    return np.array(Image.fromarray(rgb).resize(size, resample))


def resize_float_map(
    values: np.ndarray,
    width: int,
    height: int,
    *,
    box: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """A float map (saliency, density) resized bilinearly to ``width x height``, float32.

    ``box`` (``left, upper, right, lower`` in the map's own cells) resizes only that part.
    The map's values are not renormalised.

    Examples
    --------
    >>> import numpy as np
    >>> resize_float_map(np.ones((2, 3)), 6, 4).shape
    (4, 6)
    """
    image = Image.fromarray(np.asarray(values, dtype=np.float32), mode="F")
    resized = image.resize((width, height), Image.Resampling.BILINEAR, box=box)
    return np.asarray(resized, dtype=np.float32)


def _shrink(rgb: np.ndarray, longest_side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    factor = longest_side / max(width, height)
    if factor >= 1:
        return rgb
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(resized)


def _check_size(width: int, height: int) -> None:
    if width == 0 or height == 0:
        raise InvalidImageError(f"image is empty ({width}x{height} px)")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise InvalidImageError(
            f"image is {width}x{height} px; smartcrop needs at least {MIN_SIDE} px on each side"
        )


def _to_unit_float(array: np.ndarray) -> np.ndarray:
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float32)
        if not np.isfinite(values).all():
            bad = int(np.size(values) - np.count_nonzero(np.isfinite(values)))
            raise InvalidImageError(
                f"image has {bad} NaN or infinite pixel value(s); replace them first "
                "(for example with numpy.nan_to_num)"
            )
        if values.min() < 0:
            values = (values + 1) / 2  # scikit-image's signed float range [-1, 1]
        return np.clip(values, 0, 1)
    if np.issubdtype(array.dtype, np.complexfloating):
        raise InvalidImageError("image array is complex; take its magnitude or real part first")
    info = np.iinfo(array.dtype)
    values = array.astype(np.float64)
    return ((values - info.min) / (info.max - info.min)).astype(np.float32)


def _stretch_to_uint8(values: np.ndarray) -> np.ndarray:
    if not np.isfinite(values).all():
        raise InvalidImageError("image has NaN or infinite pixel values; replace them first")
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    return np.round((values - low) / (high - low) * 255).astype(np.uint8)


def _composite_over_white(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    alpha = alpha[:, :, None]
    blended = color * alpha + (1.0 - alpha)
    return np.round(np.clip(blended, 0, 1) * 255).astype(np.uint8)
