"""User hints the ranking honours: boxes to keep (with weights) and focal points.

A boost adds attention where the user says it belongs. Its ``weight`` is measured against
everything the saliency model predicted: a boost of weight 1 matters as much as all the
predicted looks together, 0.2 about as much as a small subject. The map the windows are
measured on becomes ``(saliency + sum(weight * boost)) / (1 + sum(weight))``, where a box
boost spreads its weight evenly over the box and a focal point over a small Gaussian spot,
so every ranking feature (mass kept, cuts at the edges, balance) honours it. The ranker
learned its taste on unhinted photos (it also likes the middle), so the pipeline adds one
more term of its own to each window's score: :data:`HINT_STRENGTH` times
``total / (1 + total)`` times the share of the boosts' weight the window keeps, where
``total`` is the boosts' summed weight; a weight-1 hint then outweighs any preference the
ranker has among windows of a photo.

Examples
--------
>>> import numpy as np
>>> from smartcrop_core import find_crop
>>> from smartcrop_core.boosts import Boost, Focus
>>> image = np.zeros((100, 300, 3), np.uint8)
>>> box = find_crop(image, "1:1", model="centre", faces=False, boosts=[Focus(270, 50)]).box
>>> box.left <= 270 < box.right  # the centred crop would be 100-200
True
>>> box = find_crop(image, "1:1", model="centre", faces=False,
...                 boosts=[Boost((10, 10, 60, 60), weight=2)]).box
>>> box.left <= 10 and box.right >= 60  # the whole boosted box is kept
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .analysis import Analysis
from .errors import InvalidBoxError
from .geometry import Box, as_box_array

__all__ = [
    "Boost",
    "BoostLike",
    "Focus",
    "apply_boosts",
    "as_boosts",
    "blend_hints",
    "hint_map",
]

#: Width of a focal point's spot, as a share of the image's longer side.
FOCUS_SIGMA = 0.03
#: Score, in the ranker's units, of keeping all of the boosts' weight when that weight is
#: very large. The shipped ranker's scores spread by 1 to 3 units across a photo's windows.
HINT_STRENGTH = 20.0


@dataclass(frozen=True)
class Boost:
    """A region the crop should keep: ``box`` ``(left, upper, right, lower)`` in pixels.

    Parameters
    ----------
    box : tuple of float
        The region, in pixels of the image as displayed.
    weight : float
        How much it matters, against all the predicted attention (1); must be positive.
    """

    box: tuple[float, float, float, float]
    weight: float = 1.0

    def __post_init__(self) -> None:
        box = self.box.to_pillow() if isinstance(self.box, Box) else self.box
        try:
            box = tuple(float(v) for v in box)
        except (TypeError, ValueError):
            raise InvalidBoxError(
                f"boost box {self.box!r} is not four numbers (left, upper, right, lower)"
            ) from None
        if len(box) != 4:
            raise InvalidBoxError(
                f"boost box {self.box!r} is not four numbers (left, upper, right, lower)"
            )
        object.__setattr__(self, "box", box)
        _check_weight(self.weight, f"boost {box}")


@dataclass(frozen=True)
class Focus:
    """A focal point ``(x, y)`` in pixels that the crop should keep.

    Parameters
    ----------
    x, y : float
        The point, in pixels of the image as displayed.
    weight : float
        How much it matters, against all the predicted attention (1); must be positive.
    """

    x: float
    y: float
    weight: float = 1.0

    def __post_init__(self) -> None:
        for name in ("x", "y"):
            value = getattr(self, name)
            if not _is_number(value):
                raise InvalidBoxError(f"focus {name} must be a number of pixels, got {value!r}")
            if not math.isfinite(value):
                raise InvalidBoxError(f"focus {name} must be finite, got {value!r}")
        _check_weight(self.weight, f"focus ({self.x}, {self.y})")


BoostLike = Boost | Focus | tuple


def as_boosts(boosts: Iterable[BoostLike] | None) -> tuple[Boost | Focus, ...]:
    """Boosts from objects or plain tuples.

    A 4-tuple is a :class:`Boost` box of weight 1, ``(box, weight)`` a weighted one, and a
    2-tuple of numbers a :class:`Focus` point.

    Examples
    --------
    >>> as_boosts([(0, 0, 10, 10), ((5, 5, 20, 20), 0.5), (3, 4)])
    (Boost(box=(0.0, 0.0, 10.0, 10.0), weight=1.0), Boost(box=(5.0, 5.0, 20.0, 20.0), \
weight=0.5), Focus(x=3, y=4, weight=1.0))
    """
    if boosts is None:
        return ()
    if isinstance(boosts, (Boost, Focus, Box)):
        return (_as_boost(boosts),)
    items = list(boosts)
    if items and all(_is_number(v) for v in items):
        # One bare box (left, upper, right, lower) or point (x, y), not wrapped in a list.
        return (_as_boost(tuple(items)),)
    return tuple(_as_boost(item) for item in items)


def hint_map(analysis: Analysis, boosts: Sequence[Boost | Focus]) -> np.ndarray | None:
    """Where the boosts put their weight: ``sum(weight * spot)`` at analysis size, or None.

    Each spot sums to 1 (a box spreads evenly over its cells, a focal point over a small
    Gaussian), so the map sums to the boosts' total weight.

    Raises
    ------
    InvalidBoxError
        A boost box or focal point outside the image.
    """
    if not boosts:
        return None
    if analysis.saliency is None:
        raise ValueError("the analysis has no saliency map yet; run a saliency stage first")
    height, width = analysis.saliency.shape
    scale_x, scale_y = analysis.image.scale
    original_size = analysis.image.original_size
    rows = np.arange(height) + 0.5
    cols = np.arange(width) + 0.5
    hints = np.zeros((height, width))
    for boost in boosts:
        if isinstance(boost, Focus):
            _check_point(boost, original_size)
            x, y = boost.x / scale_x, boost.y / scale_y
            sigma = FOCUS_SIGMA * max(height, width)
            spot = np.exp(-0.5 * (((rows[:, None] - y) / sigma) ** 2 + ((cols - x) / sigma) ** 2))
        else:
            left, upper, right, lower = as_box_array(boost.box, original_size, name="boost")[0]
            spot = (
                _coverage(cols, left / scale_x, right / scale_x)[None, :]
                * _coverage(rows, upper / scale_y, lower / scale_y)[:, None]
            )
        hints += boost.weight * spot / max(spot.sum(), 1e-300)
    return hints


def apply_boosts(analysis: Analysis, boosts: Sequence[Boost | Focus]) -> Analysis:
    """The analysis with its saliency map blended with the boosts (see the module's text).

    Raises
    ------
    InvalidBoxError
        A boost box or focal point outside the image.
    """
    return blend_hints(analysis, hint_map(analysis, boosts))


def blend_hints(analysis: Analysis, hints: np.ndarray | None) -> Analysis:
    """The analysis with a :func:`hint_map` blended into its saliency map (None: unchanged)."""
    if hints is None:
        return analysis
    saliency = analysis.saliency.astype(np.float64) / max(float(analysis.saliency.sum()), 1e-300)
    blended = (saliency + hints) / (1.0 + hints.sum())
    return analysis.evolve(saliency=blended.astype(np.float32))


def _coverage(centres: np.ndarray, start: float, stop: float) -> np.ndarray:
    """Share of each unit cell (centred at ``centres``) inside ``[start, stop]``."""
    return np.clip(np.minimum(centres + 0.5, stop) - np.maximum(centres - 0.5, start), 0, 1)


def _as_boost(item: BoostLike) -> Boost | Focus:
    if isinstance(item, (Boost, Focus)):
        return item
    if isinstance(item, Box):
        return Boost(item)
    if isinstance(item, tuple | list):
        if len(item) == 2 and all(_is_number(v) for v in item):
            return Focus(*item)
        if len(item) == 2:
            return Boost(item[0], item[1])
        if len(item) == 4:
            return Boost(tuple(item))
    raise InvalidBoxError(
        f"cannot read {item!r} as a boost: give a Boost, a Focus, a box (left, upper, right, "
        "lower), (box, weight) or a point (x, y)"
    )


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_weight(weight: float, what: str) -> None:
    if not _is_number(weight):
        raise InvalidBoxError(f"{what}: weight must be a positive number, got {weight!r}")
    if not math.isfinite(weight) or weight <= 0:
        raise InvalidBoxError(f"{what}: weight must be a positive number, got {weight!r}")


def _check_point(focus: Focus, image_size: tuple[int, int]) -> None:
    width, height = image_size
    if not (0 <= focus.x <= width and 0 <= focus.y <= height):
        raise InvalidBoxError(f"focus ({focus.x}, {focus.y}) is outside the {width}x{height} image")
