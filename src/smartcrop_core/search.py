"""Finding the best window of one size: a coarse grid, then finer grids around the leaders.

Scoring every pixel position of a large photo would cost tens of thousands of windows per
aspect. Window scores change smoothly with position (saliency maps are smooth), so the
search scores a coarse grid of :data:`COARSE_POSITIONS` positions per axis, keeps the few
best, and twice scores a grid four times finer around each, down to one pixel: about 1,500
windows in all, with the best box within a pixel of where the full grid would put it.

``zoom="auto"`` (:func:`auto_zoom_window`) searches each of :data:`AUTO_ZOOMS` and keeps the
tightest window that still holds :data:`AUTO_KEEP` of what the full-size window keeps,
without cutting more faces: a compact subject gets a close crop, a spread scene stays wide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .candidates import generate_candidates
from .params import target_size
from .window_features import FEATURE_NAMES

__all__ = [
    "AUTO_KEEP",
    "AUTO_ZOOMS",
    "COARSE_POSITIONS",
    "WindowChoice",
    "auto_zoom_window",
    "best_window",
]

COARSE_POSITIONS = 32
#: How many leaders of each grid are refined.
LEADERS = 3
#: Each refinement samples this many positions per axis across two steps of the last grid.
_REFINE_POSITIONS = 9
#: Zooms ``zoom="auto"`` chooses from, widest first.
AUTO_ZOOMS: tuple[float, ...] = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
#: Share of the full-size window's predicted attention a tighter auto-zoom crop must keep.
AUTO_KEEP = 0.9
_MASS = FEATURE_NAMES.index("mass")
_FACES_KEPT = FEATURE_NAMES.index("faces_kept")
_FACES_CUT = FEATURE_NAMES.index("faces_cut")
#: Faces cut may not grow by more than this (a share of face importance) when zooming in.
_FACE_TOLERANCE = 0.01

Scorer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class WindowChoice:
    """The best window of one size, with what was scored to find it.

    Attributes
    ----------
    box : numpy.ndarray
        ``(4,)`` int64 ``left, upper, right, lower`` in original pixels.
    score : float
        Its ranking score.
    features : numpy.ndarray
        Its feature row.
    zoom : float
        The zoom of its size.
    scored : numpy.ndarray
        ``(n, 5)`` every window scored on the way: the box and its score.
    """

    box: np.ndarray
    score: float
    features: np.ndarray
    zoom: float
    scored: np.ndarray


def best_window(
    score: Scorer,
    image_size: tuple[int, int],
    aspect: float,
    zoom: float,
    *,
    coarse_positions: int = COARSE_POSITIONS,
) -> WindowChoice:
    """The best-scored window of ``aspect`` and ``zoom``, searched coarse to fine.

    Parameters
    ----------
    score : callable
        ``boxes (n, 4) -> (scores (n,), features (n, d))``.
    image_size : tuple of int
        ``(width, height)`` of the original image.
    aspect, zoom : float
        The window's shape and size (see :func:`~smartcrop_core.params.target_size`).
    coarse_positions : int
        Positions per axis of the first grid.

    Examples
    --------
    >>> import numpy as np
    >>> def score(boxes):  # prefer windows whose left edge is near x = 137
    ...     return -np.abs(boxes[:, 0] - 137.0), np.zeros((len(boxes), 10))
    >>> choice = best_window(score, (1000, 300), aspect=1.0, zoom=1.0)
    >>> choice.box.tolist()
    [137, 0, 437, 300]
    """
    width, height = image_size
    box_width, box_height = target_size(width, height, aspect, zoom)
    free_x, free_y = width - box_width, height - box_height
    boxes = generate_candidates(image_size, aspect, zoom, max_positions=coarse_positions).boxes
    steps = np.array([_step(free_x, coarse_positions), _step(free_y, coarse_positions)])
    scores, features = score(boxes)
    while steps.max() > 1:
        # Leaders are the best of every window scored so far.
        leaders = boxes[_leaders(scores)]
        refined = _refined(leaders, steps, (free_x, free_y), (box_width, box_height))
        refined_scores, refined_features = score(refined)
        boxes = np.concatenate([boxes, refined])
        scores = np.concatenate([scores, refined_scores])
        features = np.concatenate([features, refined_features])
        steps = np.maximum(steps / 4, 1) if steps.max() > 4 else np.zeros(2)
    best = int(np.argmax(scores))
    return WindowChoice(
        box=boxes[best],
        score=float(scores[best]),
        features=features[best],
        zoom=zoom,
        scored=np.column_stack([boxes.astype(np.float64), scores]),
    )


def auto_zoom_window(
    score: Scorer,
    image_size: tuple[int, int],
    aspect: float,
    *,
    zooms: tuple[float, ...] = AUTO_ZOOMS,
    keep: float = AUTO_KEEP,
    coarse_positions: int = COARSE_POSITIONS,
) -> WindowChoice:
    """The tightest best window that keeps ``keep`` of the widest one's attention.

    Faces the widest window keeps must stay kept: a tighter window may neither hold less
    face importance nor cut more of it than the widest does.
    """
    choices = [
        best_window(score, image_size, aspect, zoom, coarse_positions=coarse_positions)
        for zoom in sorted(zooms, reverse=True)
    ]
    widest = choices[0]
    chosen = widest
    for choice in choices[1:]:
        keeps_enough = choice.features[_MASS] >= keep * widest.features[_MASS]
        keeps_faces = (
            choice.features[_FACES_KEPT] >= widest.features[_FACES_KEPT] - _FACE_TOLERANCE
            and choice.features[_FACES_CUT] <= widest.features[_FACES_CUT] + _FACE_TOLERANCE
        )
        if keeps_enough and keeps_faces:
            chosen = choice
    return chosen


def _step(free: int, positions: int) -> float:
    return free / max(1, min(free + 1, positions) - 1) if free > 0 else 0.0


def _leaders(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    return order[:LEADERS]


def _refined(
    leaders: np.ndarray,
    steps: np.ndarray,
    free: tuple[int, int],
    size: tuple[int, int],
) -> np.ndarray:
    """Windows on a finer grid spanning one step of the last grid around each leader."""
    boxes = []
    for left, upper, _, _ in leaders:
        lefts = _around(left, steps[0], free[0])
        uppers = _around(upper, steps[1], free[1])
        grid_left, grid_upper = np.meshgrid(lefts, uppers)
        boxes.append(np.stack([grid_left.ravel(), grid_upper.ravel()], axis=1))
    origins = np.unique(np.concatenate(boxes), axis=0)
    return np.column_stack(
        [origins[:, 0], origins[:, 1], origins[:, 0] + size[0], origins[:, 1] + size[1]]
    ).astype(np.int64)


def _around(position: int, step: float, free: int) -> np.ndarray:
    if step <= 0:
        return np.array([position], dtype=np.int64)
    offsets = np.linspace(-step, step, _REFINE_POSITIONS)
    return np.unique(np.clip(np.round(position + offsets), 0, free).astype(np.int64))
