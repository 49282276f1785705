"""Smart crop for Pillow, in the style of :func:`PIL.ImageOps.fit`.

Examples
--------
>>> from PIL import Image
>>> from smartcrop_plugins.imageops import smartcrop, smartcrop_box
>>> image = Image.new("RGB", (400, 300), "white")
>>> image.paste((200, 0, 0), (300, 120, 340, 160))  # a red square on the right
>>> smartcrop(image, aspect=1.0, model="spectral", faces=False).size
(300, 300)
>>> smartcrop(image, size=(160, 90), model="spectral", faces=False).size
(160, 90)
>>> left, upper, right, lower = smartcrop_box(image, "16:9", zoom=0.5, model="spectral")
>>> (right - left, lower - upper)
(200, 112)

A focal point ``(x, y)`` (pixels of the image as displayed) pulls the crop to the left,
away from the red square:

>>> left, upper, right, lower = smartcrop_box(image, "1:1", focus=(20, 150), model="spectral")
>>> left <= 20 < right
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image, ImageOps

from smartcrop_core import Focus, InvalidAspectError, parse_aspect
from smartcrop_core.boosts import BoostLike
from smartcrop_core.imaging import array_to_rgb, open_image
from smartcrop_core.saliency import SaliencyModel

from ._engine import crop_results, hints, normalise_input

__all__ = ["smartcrop", "smartcrop_box"]

_ASPECT_TOLERANCE = 0.01


def smartcrop_box(
    image: Image.Image | str | os.PathLike,
    aspect: float | str = 1.0,
    *,
    zoom: float | str = 1.0,
    boosts: Iterable[BoostLike] | None = None,
    focus: tuple[float, float] | Focus | None = None,
    faces: bool = True,
    model: str | SaliencyModel | None = None,
    stages: Sequence[str] | None = None,
) -> tuple[int, int, int, int]:
    """The box of the best crop: ``(left, upper, right, lower)``, as ``Image.crop`` takes.

    Parameters
    ----------
    image : PIL.Image.Image or path
        The image (any mode). A path is read with reduced-scale JPEG decoding, which is
        much faster for large photos. The image is not modified.
    aspect : float or str
        Width / height of the crop: ``1.5``, ``"16:9"``, ``"4:5"``.
    zoom : float or "auto"
        In ``(0, 1]``: 1.0 is the largest box of that aspect that fits, 0.6 makes each side
        60 % of that. ``"auto"`` (any case) lets the ranker pick the tightest of
        :data:`smartcrop_core.search.AUTO_ZOOMS` that still keeps the subject.
    boosts : iterable, optional
        What the crop should keep, in pixels of the image as displayed (after its EXIF
        orientation is applied: the frame of the returned box): boxes ``(left, upper,
        right, lower)``, ``(box, weight)`` pairs, points ``(x, y)``, or
        :class:`~smartcrop_core.Boost` / :class:`~smartcrop_core.Focus` objects. A weight
        of 1 (the default) matters as much as all the predicted attention together.
    focus : tuple of float or Focus, optional
        A focal point ``(x, y)`` in the same pixels, to keep near the crop's centre; short
        for ``boosts=[Focus(x, y)]`` (use that form for a weight other than 1).
    faces : bool
        Detect faces and avoid cutting them.
    model : str or SaliencyModel, optional
        Saliency model (default: the package's default model).
    stages : sequence of str, optional
        Names of extra analysis stages registered by plugins.

    Returns
    -------
    tuple of int
        In pixels of the image as displayed, i.e. after its EXIF orientation is applied.

    Raises
    ------
    InvalidBoxError
        A boost or focus that is not a box or point, has a weight that is not positive, or
        lies outside the image.

    Examples
    --------
    >>> from PIL import Image
    >>> from smartcrop_core import Boost, target_size
    >>> from smartcrop_core.search import AUTO_ZOOMS
    >>> image = Image.new("RGB", (400, 300), "gray")
    >>> hint = Boost((330, 40, 390, 100), weight=2)  # keep this corner
    >>> left, upper, right, lower = smartcrop_box(image, "1:1", boosts=[hint], model="spectral")
    >>> left <= 330 and right >= 390
    True
    >>> left, upper, right, lower = smartcrop_box(image, "16:9", zoom="auto")
    >>> (right - left, lower - upper) in {target_size(400, 300, 16 / 9, z) for z in AUTO_ZOOMS}
    True
    """
    (result,) = crop_results(
        image,
        [aspect],
        zooms=[zoom],
        boosts=hints(boosts, focus),
        model=model,
        faces=faces,
        stages=stages,
    )
    return result.box.to_pillow()


def smartcrop(
    image: Image.Image | str | os.PathLike,
    aspect: float | str | None = None,
    size: tuple[int, int] | None = None,
    method: int = Image.Resampling.BICUBIC,
    *,
    zoom: float | str = 1.0,
    boosts: Iterable[BoostLike] | None = None,
    focus: tuple[float, float] | Focus | None = None,
    faces: bool = True,
    model: str | SaliencyModel | None = None,
    stages: Sequence[str] | None = None,
) -> Image.Image:
    """A smart crop of ``image``: a new image of the asked aspect (and size), input untouched.

    Parameters
    ----------
    image : PIL.Image.Image or path
        The image (any mode); EXIF orientation is applied first.
    aspect : float or str, optional
        Width / height of the crop. Defaults to ``size``'s ratio when a size is given,
        else 1:1.
    size : tuple of int, optional
        ``(width, height)`` to resize the crop to, in one resampling step.
    method : int
        Resampling filter for ``size``, as in ``PIL.ImageOps.fit``.
    zoom, boosts, focus, faces, model, stages
        As in :func:`smartcrop_box`; ``boosts`` and ``focus`` are in pixels of the image as
        displayed (upright), as that function's box is.

    Raises
    ------
    InvalidAspectError
        ``aspect`` and ``size`` disagree, or either is not a positive finite ratio.
    InvalidBoxError
        A bad boost or focus (see :func:`smartcrop_box`).

    Examples
    --------
    >>> from PIL import Image
    >>> image = Image.new("RGB", (400, 300), "gray")
    >>> image.paste((200, 0, 0), (10, 130, 40, 160))  # a red square on the left ...
    >>> crop = smartcrop(image, "2:3", focus=(380, 150), model="spectral", faces=False)
    >>> crop.size, crop.getpixel((150, 150))  # ... but the focus keeps the right side
    ((200, 300), (128, 128, 128))
    >>> smartcrop(image, size=(160, 90), zoom="auto").size
    (160, 90)
    """
    aspect_value = _resolve_aspect(aspect, size)
    upright = _upright_pil(image)
    box = smartcrop_box(
        upright,
        aspect_value,
        zoom=zoom,
        boosts=boosts,
        focus=focus,
        faces=faces,
        model=model,
        stages=stages,
    )
    if size is None:
        return upright.crop(box)
    return upright.resize(size, method, box=box)


def _upright_pil(image: object) -> Image.Image:
    """A Pillow image, upright, of whatever the caller gave (the input is not modified)."""
    if isinstance(image, (str, os.PathLike)):
        return open_image(image)
    converted = normalise_input(image)
    if isinstance(converted, Image.Image):
        return ImageOps.exif_transpose(converted)
    if isinstance(converted, (str, os.PathLike)):
        return open_image(converted)
    # An array (or what a plugin turned into one): crop its RGB rendering.
    return Image.fromarray(array_to_rgb(np.asarray(converted)))


def _resolve_aspect(aspect: float | str | None, size: tuple[int, int] | None) -> float:
    if size is None:
        return parse_aspect(1.0 if aspect is None else aspect)
    try:
        width, height = (int(side) for side in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height) in whole pixels, got {size!r}") from None
    if width < 1 or height < 1:
        raise ValueError(f"size must be at least 1x1 px, got {width}x{height}")
    size_aspect = width / height
    if aspect is None:
        return size_aspect
    value = parse_aspect(aspect)
    if not math.isclose(value, size_aspect, rel_tol=_ASPECT_TOLERANCE):
        raise InvalidAspectError(
            f"aspect {aspect!r} ({value:.3f}) does not match size {width}x{height} "
            f"({size_aspect:.3f}); give one of them, or both in agreement"
        )
    return value
