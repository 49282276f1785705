"""Checking and normalising the user's crop parameters: aspect ratios, zooms, box sizes."""

from __future__ import annotations

import math
from numbers import Real

from .errors import InvalidAspectError, InvalidZoomError

__all__ = ["AUTO_ZOOM", "format_aspect", "parse_aspect", "parse_zoom", "target_size"]


def parse_aspect(aspect: float | str | tuple[float, float]) -> float:
    """Turn an aspect ratio given as a number, ``"W:H"``, ``"W/H"`` or ``(W, H)`` into W / H.

    Examples
    --------
    >>> parse_aspect("16:9")
    1.7777777777777777
    >>> parse_aspect("1.5"), parse_aspect(2), parse_aspect((4, 5))
    (1.5, 2.0, 0.8)
    >>> parse_aspect("abc")
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidAspectError: aspect 'abc' is not a number or 'W:H' ratio such as '16:9' or '1.5'
    """
    value = _aspect_value(aspect)
    if not math.isfinite(value) or value <= 0:
        raise InvalidAspectError(
            f"aspect {aspect!r} must be a finite number greater than 0 (width / height)"
        )
    return value


def _aspect_value(aspect: float | str | tuple[float, float]) -> float:
    if isinstance(aspect, bool):
        raise InvalidAspectError(f"aspect {aspect!r} must be a number, not a bool")
    if isinstance(aspect, Real):
        return _finite_float(aspect)
    if isinstance(aspect, tuple) and len(aspect) == 2:
        width, height = (_aspect_value(part) for part in aspect)
        return _ratio(width, height)
    if isinstance(aspect, str):
        text = aspect.strip()
        for separator in (":", "/", "x"):
            if separator in text:
                parts = text.split(separator)
                if len(parts) == 2:
                    try:
                        width, height = float(parts[0]), float(parts[1])
                    except ValueError:
                        break
                    return _ratio(width, height)
                break
        else:
            try:
                return float(text)
            except ValueError:
                pass
    raise InvalidAspectError(
        f"aspect {aspect!r} is not a number or 'W:H' ratio such as '16:9' or '1.5'"
    )


def _finite_float(value: Real) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond float range
        return math.inf


def _ratio(width: float, height: float) -> float:
    # Both sides must be positive: "-16:-9" is not a 16:9 box.
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        return math.nan
    return width / height


def format_aspect(aspect: float) -> str:
    """A short label for an aspect ratio: ``"16x9"`` for common ratios, else ``"1.333"``.

    Examples
    --------
    >>> format_aspect(16 / 9), format_aspect(1.0), format_aspect(1.2345)
    ('16x9', '1x1', '1.234')
    """
    for height in range(1, 21):
        width = aspect * height
        if abs(width - round(width)) < 1e-6 and round(width) <= 64:
            return f"{round(width)}x{height}"
    return f"{aspect:.3f}".rstrip("0").rstrip(".")


#: The zoom that lets the ranker choose how tight to crop.
AUTO_ZOOM = "auto"


def parse_zoom(zoom: float | str) -> float | str:
    """Check a zoom: a number in ``(0, 1]``, where 1 is the largest box that fits, or
    ``"auto"`` (:data:`AUTO_ZOOM`) to let the ranker choose a tighter crop when it keeps
    the subject.

    Examples
    --------
    >>> parse_zoom(0.6)
    0.6
    >>> parse_zoom("Auto")
    'auto'
    >>> parse_zoom(1.5)
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidZoomError: zoom 1.5 must be in (0, 1]: 1.0 is the largest box of the aspect that fits, 0.5 half of that in each side
    """
    if isinstance(zoom, bool):
        raise InvalidZoomError(f"zoom {zoom!r} must be a number, not a bool")
    if isinstance(zoom, str) and zoom.strip().lower() == AUTO_ZOOM:
        return AUTO_ZOOM
    try:
        value = float(zoom)
    except OverflowError:
        value = math.inf
    except (TypeError, ValueError):
        raise InvalidZoomError(
            f"zoom {zoom!r} is not a number in (0, 1] or {AUTO_ZOOM!r}"
        ) from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise InvalidZoomError(
            f"zoom {zoom!r} must be in (0, 1]: 1.0 is the largest box of the aspect that fits, "
            "0.5 half of that in each side"
        )
    return value


def target_size(width: int, height: int, aspect: float, zoom: float = 1.0) -> tuple[int, int]:
    """Size ``(w, h)`` of the largest box of ``aspect`` inside ``width x height``, times zoom.

    Each side is rounded to whole pixels and kept between 1 and the image's side.

    Examples
    --------
    >>> target_size(640, 480, 1.0)
    (480, 480)
    >>> target_size(640, 480, 16 / 9, zoom=0.5)
    (320, 180)
    """
    if width / height > aspect:
        box_width, box_height = height * aspect, float(height)
    else:
        box_width, box_height = float(width), width / aspect
    return (
        max(1, min(width, round(box_width * zoom))),
        max(1, min(height, round(box_height * zoom))),
    )
