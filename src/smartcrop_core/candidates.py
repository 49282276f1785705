"""Candidate crop windows: every box of the asked size on a fine grid over the image.

Boxes are placed in original pixels, so each has exactly the asked size; they are scored on
the analysis copy. The grid keeps at most ``max_positions`` positions per axis (1 px apart
on images up to that size), fine enough that the best box is never more than a fraction of a
percent of the image away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import target_size

__all__ = ["DEFAULT_MAX_POSITIONS", "Candidates", "generate_candidates"]

DEFAULT_MAX_POSITIONS = 192


@dataclass(frozen=True)
class Candidates:
    """All windows of one aspect and zoom.

    Attributes
    ----------
    aspect, zoom : float
        What was asked.
    boxes : numpy.ndarray
        ``(n, 4)`` int64 rows ``(left, upper, right, lower)`` in original pixels, all of the
        same size.
    """

    aspect: float
    zoom: float
    boxes: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` shared by every box."""
        left, upper, right, lower = self.boxes[0]
        return int(right - left), int(lower - upper)


def generate_candidates(
    image_size: tuple[int, int],
    aspect: float,
    zoom: float = 1.0,
    *,
    max_positions: int = DEFAULT_MAX_POSITIONS,
) -> Candidates:
    """Every box of ``aspect`` and ``zoom`` inside an image of ``image_size``, on a grid.

    Examples
    --------
    >>> candidates = generate_candidates((400, 300), aspect=1.0)
    >>> candidates.size, len(candidates.boxes)
    ((300, 300), 101)
    >>> candidates.boxes[0].tolist(), candidates.boxes[-1].tolist()
    ([0, 0, 300, 300], [100, 0, 400, 300])
    """
    width, height = image_size
    box_width, box_height = target_size(width, height, aspect, zoom)
    lefts = _positions(width - box_width, max_positions)
    uppers = _positions(height - box_height, max_positions)
    grid_left, grid_upper = np.meshgrid(lefts, uppers)
    grid_left, grid_upper = grid_left.ravel(), grid_upper.ravel()
    boxes = np.stack(
        [grid_left, grid_upper, grid_left + box_width, grid_upper + box_height], axis=1
    )
    return Candidates(aspect=aspect, zoom=zoom, boxes=boxes.astype(np.int64))


def _positions(free_space: int, max_positions: int) -> np.ndarray:
    count = min(free_space + 1, max(2, max_positions))
    return np.unique(np.round(np.linspace(0, free_space, count)).astype(np.int64))
