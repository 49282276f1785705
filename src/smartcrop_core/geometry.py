"""Boxes, faces and crop results: small frozen value types shared by every stage.

Coordinates follow Pillow: ``x`` to the right, ``y`` down, ``left``/``upper`` inclusive and
``right``/``lower`` exclusive, in pixels of the image as displayed (EXIF orientation applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidBoxError

__all__ = ["Box", "CropResult", "Face", "as_box_array", "box_rows", "share_inside"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``(left, upper, right, lower)``, as Pillow's ``Image.crop`` takes.

    Examples
    --------
    >>> box = Box(10, 20, 110, 70)
    >>> box.width, box.height, box.aspect
    (100, 50, 2.0)
    >>> box.to_pillow()
    (10, 20, 110, 70)
    >>> box.to_slices()
    (slice(20, 70, None), slice(10, 110, None))
    >>> box.to_napari()
    ((20, 10), (20, 110), (70, 110), (70, 10))
    """

    left: int
    upper: int
    right: int
    lower: int

    def __post_init__(self) -> None:
        if self.right < self.left or self.lower < self.upper:
            raise ValueError(f"box {self.to_pillow()} has negative width or height")

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.lower - self.upper

    @property
    def aspect(self) -> float:
        """Width divided by height."""
        return self.width / self.height if self.height else float("inf")

    @property
    def center(self) -> tuple[float, float]:
        """``(x, y)`` of the box centre."""
        return (self.left + self.right) / 2, (self.upper + self.lower) / 2

    def to_pillow(self) -> tuple[int, int, int, int]:
        """``(left, upper, right, lower)`` for ``Image.crop`` and ``Image.resize(box=...)``."""
        return (self.left, self.upper, self.right, self.lower)

    def to_slices(self) -> tuple[slice, slice]:
        """``(rows, cols)`` slices that index a numpy image: ``image[box.to_slices()]``."""
        return slice(self.upper, self.lower), slice(self.left, self.right)

    def to_napari(self) -> tuple[tuple[int, int], ...]:
        """The four ``(row, col)`` corners, clockwise from top-left, as napari's Shapes take."""
        return (
            (self.upper, self.left),
            (self.upper, self.right),
            (self.lower, self.right),
            (self.lower, self.left),
        )

    def scaled(self, factor_x: float, factor_y: float | None = None) -> Box:
        """The box with every coordinate multiplied and rounded to whole pixels."""
        factor_y = factor_x if factor_y is None else factor_y
        return Box(
            round(self.left * factor_x),
            round(self.upper * factor_y),
            round(self.right * factor_x),
            round(self.lower * factor_y),
        )

    def intersection_area(self, other: Box) -> int:
        """Area shared with ``other`` (0 when they do not overlap)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.lower, other.lower) - max(self.upper, other.upper)
        return max(0, width) * max(0, height)


@dataclass(frozen=True)
class Face:
    """A detected face: its box, five landmarks and the detector's confidence.

    ``box`` is in float pixels ``(left, upper, right, lower)``; ``landmarks`` holds five
    ``(x, y)`` points: right eye, left eye, nose tip, right and left mouth corner (as seen
    by the viewer, YuNet's order).
    """

    box: tuple[float, float, float, float]
    landmarks: tuple[tuple[float, float], ...]
    score: float

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def scaled(self, factor_x: float, factor_y: float | None = None) -> Face:
        """The face with its box and landmarks multiplied by the factors."""
        factor_y = factor_x if factor_y is None else factor_y
        left, upper, right, lower = self.box
        return Face(
            box=(left * factor_x, upper * factor_y, right * factor_x, lower * factor_y),
            landmarks=tuple((x * factor_x, y * factor_y) for x, y in self.landmarks),
            score=self.score,
        )

    def fraction_inside(self, box: Box) -> float:
        """Share of the face's area that lies inside ``box``."""
        left, upper, right, lower = self.box
        area = max((right - left) * (lower - upper), 1e-9)
        width = min(right, box.right) - max(left, box.left)
        height = min(lower, box.lower) - max(upper, box.upper)
        return max(0.0, width) * max(0.0, height) / area


@dataclass(frozen=True)
class CropResult:
    """The chosen crop for one aspect ratio and zoom.

    Attributes
    ----------
    box : Box
        The crop, in pixels of the (EXIF-oriented) original image.
    score : float
        The ranking score of the box; comparable between boxes of one call only.
    aspect : float
        The requested aspect ratio (width / height).
    zoom : float
        The requested zoom: 1.0 is the largest box of that aspect that fits.
    image_size : tuple of int
        ``(width, height)`` of the image the box refers to.
    saliency : numpy.ndarray or None
        The saliency model's map at analysis size (float32, sums to 1), when asked for;
        boosts steer the ranking but are not blended into it.
    faces : tuple of Face
        Detected faces in original pixels.
    candidates : numpy.ndarray or None
        All scored windows as rows ``(left, upper, right, lower, score)`` in original pixels,
        when asked for.
    """

    box: Box
    score: float
    aspect: float
    zoom: float
    image_size: tuple[int, int]
    faces: tuple[Face, ...] = ()
    saliency: np.ndarray | None = field(default=None, repr=False, compare=False)
    candidates: np.ndarray | None = field(default=None, repr=False, compare=False)


def box_rows(boxes, *, name: str = "boxes") -> np.ndarray:
    """One box or a sequence of them as a ``(n, 4)`` float64 array, shape checked only.

    :class:`Box` objects are accepted; values are not checked (see :func:`as_box_array`).

    Raises
    ------
    InvalidBoxError
        Not numbers, or not of shape ``(4,)`` or ``(n, 4)`` with ``n >= 1``.

    Examples
    --------
    >>> box_rows((0, 0, 5, 5)).shape
    (1, 4)
    >>> box_rows([(0, 0, 5)])
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidBoxError: boxes: expected boxes (left, upper, right, lower) ...
    """
    rows = [boxes] if isinstance(boxes, Box) else boxes
    if isinstance(rows, (list, tuple)):
        rows = [row.to_pillow() if isinstance(row, Box) else row for row in rows]
    try:
        array = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidBoxError(
            f"{name}: expected (left, upper, right, lower) numbers ({exc})"
        ) from None
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != 4 or not len(array):
        raise InvalidBoxError(
            f"{name}: expected boxes (left, upper, right, lower) of shape (4,) or (n, 4), "
            f"got shape {np.shape(rows)}"
        )
    return array


def as_box_array(boxes, image_size: tuple[int, int], *, name: str = "boxes") -> np.ndarray:
    """Check boxes against an image and return them as a ``(n, 4)`` float64 array.

    Parameters
    ----------
    boxes : array-like
        One box ``(left, upper, right, lower)`` or a sequence of them, in pixels of the image
        (:class:`Box` objects are accepted too).
    image_size : tuple of int
        ``(width, height)`` of the image the boxes belong to.
    name : str
        What the boxes are, for error messages.

    Raises
    ------
    InvalidBoxError
        Not numbers of shape ``(4,)`` or ``(n, 4)``, not finite, empty, or not inside the image.

    Examples
    --------
    >>> as_box_array([(0, 0, 50, 40), Box(10, 10, 20, 20)], (100, 80)).tolist()
    [[0.0, 0.0, 50.0, 40.0], [10.0, 10.0, 20.0, 20.0]]
    >>> as_box_array((0, 0, 150, 40), (100, 80))
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidBoxError: boxes: (0, 0, 150, 40) is empty or outside the ...
    """
    array = box_rows(boxes, name=name)
    if not np.all(np.isfinite(array)):
        raise InvalidBoxError(f"{name}: boxes must be finite numbers")
    width, height = image_size
    bad = (
        (array[:, 0] < 0)
        | (array[:, 1] < 0)
        | (array[:, 2] > width)
        | (array[:, 3] > height)
        | (array[:, 2] <= array[:, 0])
        | (array[:, 3] <= array[:, 1])
    )
    if bad.any():
        first = tuple(int(v) if v.is_integer() else v for v in array[np.argmax(bad)].tolist())
        raise InvalidBoxError(f"{name}: {first} is empty or outside the {width}x{height} image")
    return array


def share_inside(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Share of each region's area inside each box: ``(len(boxes), len(regions))``.

    Both are ``(n, 4)`` arrays of ``(left, upper, right, lower)``; an empty region counts as
    a tiny one, so the share stays finite.

    Examples
    --------
    >>> share_inside(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 15, 10], [20, 0, 30, 5]]))
    array([[0.5, 0. ]])
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    regions = np.asarray(regions, dtype=np.float64)
    area = np.maximum((regions[:, 2] - regions[:, 0]) * (regions[:, 3] - regions[:, 1]), 1e-9)
    overlap_w = np.minimum(boxes[:, None, 2], regions[None, :, 2]) - np.maximum(
        boxes[:, None, 0], regions[None, :, 0]
    )
    overlap_h = np.minimum(boxes[:, None, 3], regions[None, :, 3]) - np.maximum(
        boxes[:, None, 1], regions[None, :, 1]
    )
    return np.clip(overlap_w, 0, None) * np.clip(overlap_h, 0, None) / area
