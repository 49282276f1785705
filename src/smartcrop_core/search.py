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

from collections.abc import Callable, Sequence
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
    "best_windows",
    "tightest_keeping",
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
    return best_windows(score, image_size, [(aspect, zoom)], coarse_positions=coarse_positions)[0]


def best_windows(
    score: Scorer,
    image_size: tuple[int, int],
    shapes: Sequence[tuple[float, float]],
    *,
    coarse_positions: int = COARSE_POSITIONS,
) -> list[WindowChoice]:
    """The best window of each ``(aspect, zoom)`` in ``shapes``, all searched together.

    Each search runs as :func:`best_window` does, but every round scores the windows of all
    the searches in one call: numpy pays its per-call cost once per round, not once per
    shape, so each extra aspect or zoom costs little.

    Examples
    --------
    >>> import numpy as np
    >>> def score(boxes):  # prefer windows whose left edge is near x = 137
    ...     return -np.abs(boxes[:, 0] - 137.0), np.zeros((len(boxes), 10))
    >>> [c.box.tolist() for c in best_windows(score, (1000, 300), [(1.0, 1.0), (2.0, 0.5)])]
    [[137, 0, 437, 300], [137, 0, 437, 150]]
    """
    searches = [_Search(image_size, aspect, zoom, coarse_positions) for aspect, zoom in shapes]
    rounds = [search.coarse for search in searches]
    active = searches
    while active:
        _score_round(score, active, rounds)
        active = [search for search in active if search.refining]
        rounds = [search.refined() for search in active]
    return [search.choice() for search in searches]


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
    widest_first = sorted(zooms, reverse=True)
    choices = best_windows(
        score,
        image_size,
        [(aspect, zoom) for zoom in widest_first],
        coarse_positions=coarse_positions,
    )
    return tightest_keeping(choices, keep=keep)


def tightest_keeping(choices: Sequence[WindowChoice], *, keep: float = AUTO_KEEP) -> WindowChoice:
    """Of the best windows of one aspect at zooms widest first, the one ``zoom="auto"`` takes.

    That is the tightest that keeps ``keep`` of the widest one's attention, with no less
    face importance kept and no more cut (see :func:`auto_zoom_window`).
    """
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


class _Search:
    """The state of one coarse-to-fine search: every window scored so far, the grid step."""

    def __init__(
        self, image_size: tuple[int, int], aspect: float, zoom: float, coarse_positions: int
    ) -> None:
        width, height = image_size
        self.zoom = zoom
        self.size = target_size(width, height, aspect, zoom)
        self.free = (width - self.size[0], height - self.size[1])
        self.coarse = generate_candidates(
            image_size, aspect, zoom, max_positions=coarse_positions
        ).boxes
        self.steps = np.array(
            [_step(self.free[0], coarse_positions), _step(self.free[1], coarse_positions)]
        )
        self._boxes: list[np.ndarray] = []
        self._scores: list[np.ndarray] = []
        self._features: list[np.ndarray] = []

    @property
    def refining(self) -> bool:
        """Whether a finer grid is still to be searched."""
        return bool(self.steps.max() > 1)

    def add(self, boxes: np.ndarray, scores: np.ndarray, features: np.ndarray) -> None:
        self._boxes.append(boxes)
        self._scores.append(scores)
        self._features.append(features)

    def refined(self) -> np.ndarray:
        """The next, finer windows around the leaders so far; the step shrinks."""
        boxes, scores = np.concatenate(self._boxes), np.concatenate(self._scores)
        # Leaders are the best of every window scored so far.
        refined = _refined(boxes[_leaders(scores)], self.steps, self.free, self.size)
        self.steps = np.maximum(self.steps / 4, 1) if self.steps.max() > 4 else np.zeros(2)
        return refined

    def choice(self) -> WindowChoice:
        boxes, scores = np.concatenate(self._boxes), np.concatenate(self._scores)
        features = np.concatenate(self._features)
        best = int(np.argmax(scores))
        return WindowChoice(
            box=boxes[best],
            score=float(scores[best]),
            features=features[best],
            zoom=self.zoom,
            scored=np.column_stack([boxes.astype(np.float64), scores]),
        )


def _score_round(score: Scorer, searches: list[_Search], rounds: list[np.ndarray]) -> None:
    """Score the windows of every search in one call and hand each search its own."""
    scores, features = score(np.concatenate(rounds))
    start = 0
    for search, boxes in zip(searches, rounds, strict=True):
        stop = start + len(boxes)
        search.add(boxes, scores[start:stop], features[start:stop])
        start = stop


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
    lefts = _around(leaders[:, 0], steps[0], free[0])
    uppers = _around(leaders[:, 1], steps[1], free[1])
    # Every leader's lefts with every one of its uppers: (leaders, lefts, uppers) pairs.
    grid_left = np.broadcast_to(lefts[:, :, None], (len(leaders), lefts.shape[1], uppers.shape[1]))
    grid_upper = np.broadcast_to(uppers[:, None, :], grid_left.shape)
    origins = np.unique(np.stack([grid_left.ravel(), grid_upper.ravel()], axis=1), axis=0)
    return np.column_stack(
        [origins[:, 0], origins[:, 1], origins[:, 0] + size[0], origins[:, 1] + size[1]]
    ).astype(np.int64)


def _around(positions: np.ndarray, step: float, free: int) -> np.ndarray:
    """Positions across one step either side of each of ``positions``: ``(n, k)``."""
    if step <= 0:
        return positions[:, None].astype(np.int64)
    offsets = np.linspace(-step, step, _REFINE_POSITIONS)
    return np.clip(np.round(positions[:, None] + offsets), 0, free).astype(np.int64)
