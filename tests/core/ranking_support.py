"""Helpers for the tests of window features, rankers and the window search."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from smartcrop_core.analysis import Analysis
from smartcrop_core.geometry import Box, Face
from smartcrop_core.imaging import WorkingImage
from smartcrop_core.ranking import HAND_SET, Ranker
from smartcrop_core.window_features import FEATURE_NAMES, FeatureSettings, WindowMeasurer

Scorer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def analysis_of(
    saliency: np.ndarray,
    original_size: tuple[int, int] | None = None,
    faces: tuple[Face, ...] = (),
) -> Analysis:
    """An analysis of a black image whose saliency map is ``saliency`` (made a density)."""
    height, width = saliency.shape
    working = WorkingImage(np.zeros((height, width, 3), np.uint8), original_size or (width, height))
    return Analysis(working).evolve(saliency=saliency, faces=faces)


def gaussian(height: int, width: int, x: float, y: float, sigma: float) -> np.ndarray:
    """A round Gaussian bump centred on ``(x, y)`` (pixel centres at half-integers)."""
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    return np.exp(-0.5 * (((cols - x) / sigma) ** 2 + ((rows - y) / sigma) ** 2)).astype(np.float32)


def column(features: np.ndarray, name: str) -> np.ndarray:
    """One named feature of every window."""
    return features[:, FEATURE_NAMES.index(name)]


def scorer(
    analysis: Analysis, ranker: Ranker = HAND_SET, settings: FeatureSettings | None = None
) -> Scorer:
    """``boxes -> (scores, features)``, as :class:`SmartCropper` builds it."""
    measure = WindowMeasurer(analysis, settings)

    def score(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        features = measure(boxes)
        return ranker.score(features), features

    return score


def best_of(
    analysis: Analysis,
    boxes: np.ndarray,
    ranker: Ranker = HAND_SET,
    settings: FeatureSettings | None = None,
) -> np.ndarray:
    """The best-scored of ``boxes`` (first on ties)."""
    scores, _ = scorer(analysis, ranker, settings)(boxes)
    return boxes[int(np.argmax(scores))]


def as_box(row) -> Box:
    return Box(*(int(value) for value in row[:4]))


def share_inside(box, left: float, right: float) -> float:
    """Share of the columns ``left:right`` inside ``box``'s columns."""
    return max(0.0, min(box[2], right) - max(box[0], left)) / (right - left)
