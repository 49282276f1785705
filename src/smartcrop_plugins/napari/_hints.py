"""User hints drawn in napari: a Shapes or Points layer read as boosts and focal points.

* a rectangle (and a polygon, path or line, by its bounding box) is a
  :class:`~smartcrop_core.Boost`: the crop should keep that region;
* an ellipse is a :class:`~smartcrop_core.Focus` at its centre, and so is every point of a
  Points layer: the crop should keep that spot near its middle.

A ``weight`` column in the layer's features (``layer.features["weight"]``) weights each
hint; without it every hint weighs 1, as much as all the predicted attention together.

Coordinates go through the hint layer's and the image layer's ``scale`` and ``translate``
(rotation, shear and affine transforms of either layer are not applied to hints). napari
puts pixel centres on whole coordinates, the engine puts pixel *edges* there: a napari
coordinate ``c`` is the engine's ``c + 0.5``. A hint drawn on one frame of a stack (its
layer has as many leading axes as the image) steers that frame only; a 2-D hint layer
steers every frame. Hints partly outside the image are clipped to it, hints wholly outside
are skipped with a message.

Examples
--------
>>> import numpy as np
>>> rectangle = np.array([[9.5, 19.5], [9.5, 59.5], [29.5, 59.5], [29.5, 19.5]])
>>> hint_from_vertices(rectangle, "rectangle", 1.0, frame_shape=(100, 200))
Boost(box=(20.0, 10.0, 60.0, 30.0), weight=1.0)
>>> hint_from_vertices(np.array([[49.5, 99.5]]), "point", 2.0, frame_shape=(100, 200))
Focus(x=100.0, y=50.0, weight=2.0)
>>> hint_from_vertices(np.array([[500.0, 500.0]]), "point", 1.0, frame_shape=(100, 200)) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smartcrop_core import Boost, Focus, InvalidBoxError

__all__ = ["FrameHints", "hint_from_vertices", "hints_from_layer"]

_FOCUS_SHAPES = ("ellipse", "point")


@dataclass(frozen=True)
class FrameHints:
    """The hints of one hint layer, sorted by the frames they steer.

    Attributes
    ----------
    common : tuple
        Hints for every frame.
    by_frame : dict
        Hints for one frame, keyed by the frame's index into the image's leading axes.
    skipped : tuple of str
        One message per hint that lies wholly outside the image.
    """

    common: tuple[Boost | Focus, ...] = ()
    by_frame: dict[tuple[int, ...], tuple[Boost | Focus, ...]] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()

    def for_frame(self, index: tuple[int, ...]) -> tuple[Boost | Focus, ...]:
        """The hints that steer the frame at ``index``."""
        return self.common + self.by_frame.get(tuple(index), ())

    def merged(self, other: FrameHints) -> FrameHints:
        """The hints of both."""
        by_frame = dict(self.by_frame)
        for frame, hints in other.by_frame.items():
            by_frame[frame] = by_frame.get(frame, ()) + hints
        return FrameHints(self.common + other.common, by_frame, self.skipped + other.skipped)

    def __len__(self) -> int:
        return len(self.common) + sum(len(hints) for hints in self.by_frame.values())


def hint_from_vertices(
    vertices_rc: np.ndarray,
    shape_type: str,
    weight: float,
    *,
    frame_shape: tuple[int, int],
) -> Boost | Focus | None:
    """One hint from ``(row, col)`` vertices in napari's image-data coordinates.

    Parameters
    ----------
    vertices_rc : numpy.ndarray
        ``(n, 2)`` vertices, pixel centres on whole numbers (napari's convention).
    shape_type : str
        napari's shape type (``"rectangle"``, ``"ellipse"``, ``"polygon"``...) or ``"point"``.
    weight : float
        The hint's weight (positive).
    frame_shape : tuple of int
        ``(rows, cols)`` of the image, to clip against.

    Returns
    -------
    Boost, Focus or None
        None when the hint lies wholly outside the image.

    Raises
    ------
    InvalidBoxError
        A weight that is not a positive number.
    """
    rows, cols = frame_shape
    # napari's pixel centres sit on whole numbers; the engine's pixel edges do.
    ys = np.asarray(vertices_rc, dtype=float)[:, 0] + 0.5
    xs = np.asarray(vertices_rc, dtype=float)[:, 1] + 0.5
    if shape_type in _FOCUS_SHAPES:
        x, y = float(xs.mean()), float(ys.mean())
        if not (0 <= x <= cols and 0 <= y <= rows):
            return None
        return Focus(x, y, weight=weight)
    left, right = max(float(xs.min()), 0.0), min(float(xs.max()), float(cols))
    upper, lower = max(float(ys.min()), 0.0), min(float(ys.max()), float(rows))
    if right <= left or lower <= upper:
        return None
    return Boost((left, upper, right, lower), weight=weight)


def hints_from_layer(hint_layer: Any, image_layer: Any, frame_shape: tuple[int, int]) -> FrameHints:
    """The hints drawn in ``hint_layer`` (Shapes or Points), in ``image_layer``'s pixels.

    Raises
    ------
    InvalidBoxError
        ``hint_layer`` is neither a Shapes nor a Points layer, or a weight is not positive.
    """
    from napari.layers import Points, Shapes

    if isinstance(hint_layer, Shapes):
        vertices = list(hint_layer.data)
        shape_types = list(hint_layer.shape_type)
    elif isinstance(hint_layer, Points):
        vertices = [point[None, :] for point in np.asarray(hint_layer.data)]
        shape_types = ["point"] * len(vertices)
    else:
        raise InvalidBoxError(
            f"hints come from a Shapes or Points layer; {hint_layer.name!r} is a "
            f"{hint_layer.__class__.__name__} layer"
        )
    weights = _weights(hint_layer, len(vertices))
    image_leading = image_layer.ndim - 2
    common: list[Boost | Focus] = []
    by_frame: dict[tuple[int, ...], list[Boost | Focus]] = {}
    skipped: list[str] = []
    for number, (points, shape_type, weight) in enumerate(
        zip(vertices, shape_types, weights, strict=True), start=1
    ):
        image_points = _to_image_data(np.asarray(points, dtype=float), hint_layer, image_layer)
        hint = hint_from_vertices(image_points[:, -2:], shape_type, weight, frame_shape=frame_shape)
        if hint is None:
            skipped.append(
                f"{shape_type} {number} of {hint_layer.name!r} lies outside image "
                f"{image_layer.name!r}; it is ignored"
            )
            continue
        leading = image_points.shape[1] - 2
        if leading == image_leading and leading > 0:
            frame = tuple(int(v) for v in np.round(image_points[0, :leading]))
            by_frame.setdefault(frame, []).append(hint)
        else:
            common.append(hint)
    return FrameHints(
        common=tuple(common),
        by_frame={frame: tuple(hints) for frame, hints in by_frame.items()},
        skipped=tuple(skipped),
    )


def _weights(layer: Any, count: int) -> Sequence[float]:
    features = getattr(layer, "features", None)
    if features is not None and "weight" in getattr(features, "columns", ()):
        values = [float(v) for v in features["weight"]]
        for value in values:
            if not (np.isfinite(value) and value > 0):
                raise InvalidBoxError(
                    f"layer {layer.name!r}: every value of its 'weight' feature must be a "
                    f"positive number, got {value!r}"
                )
        return values
    return [1.0] * count


def _to_image_data(points: np.ndarray, hint_layer: Any, image_layer: Any) -> np.ndarray:
    """``points`` (hint-layer data) in image-layer data coordinates, axes aligned from the end.

    Only the axes both layers have are kept, so a 2-D hint layer over a stack gives 2-D points.
    """
    ndim = min(points.shape[1], image_layer.ndim)
    points = points[:, -ndim:]
    world = points * np.asarray(hint_layer.scale)[-ndim:] + np.asarray(hint_layer.translate)[-ndim:]
    return (world - np.asarray(image_layer.translate)[-ndim:]) / np.asarray(image_layer.scale)[
        -ndim:
    ]
