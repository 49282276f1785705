"""Scoring candidate windows: keep what people look at, do not cut it, never cut a face.

The score of a window is

* the saliency mass inside it (the share of looks it keeps, 0-1),
* minus ``border`` times the mass in a thin band just inside each edge that cuts the image,
  beyond what the band would hold at the image's average density (an edge lying on the
  image's own border cuts nothing),
* plus ``face_kept`` times the share of faces it keeps,
* minus ``face_cut`` times the share of faces it cuts (between 10 % and 90 % inside, ramping
  to zero at 0 % and 100 %),

where a face's share is its detector confidence times the square root of its area, so that
one cut face in a portrait costs the whole ``face_cut`` and one in a crowd a little,
* minus a tiny distance-to-centre term, so that featureless images get centred crops.

Every term is computed for all windows at once from integral images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import Analysis
from .candidates import Candidates

__all__ = ["RankingWeights", "WindowFeatures", "score_windows", "window_features"]

_CUT_RAMP = 0.1
_CENTRE_TIEBREAK = 1e-4


@dataclass(frozen=True)
class RankingWeights:
    """Weights of the ranking terms (see the module's description).

    The defaults come from a grid search on the train split of the four eye-tracking sets
    (``benchmarks/tune_ranking.py --limit 80``): the face terms trade a little fixation
    retention for a quarter fewer cut faces; a strong border term only lowered retention.
    """

    border: float = 0.1
    border_band: float = 0.03
    face_kept: float = 0.1
    face_cut: float = 0.15
    #: Detectors box the face tightly; people's idea of a face includes hair and chin.
    #: The protected box grows by these shares of the face's width (sides) and height.
    face_margin_side: float = 0.3
    face_margin_top: float = 0.45
    face_margin_bottom: float = 0.15


@dataclass(frozen=True)
class WindowFeatures:
    """Per-window measurements, one value per candidate box."""

    mass: np.ndarray
    border_mass: np.ndarray
    faces_kept: np.ndarray
    faces_cut: np.ndarray
    centre_distance: np.ndarray


def window_features(
    analysis: Analysis, candidates: Candidates | np.ndarray, weights: RankingWeights | None = None
) -> WindowFeatures:
    """Measure every window of ``candidates`` (or an ``(n, 4)`` box array) on ``analysis``."""
    weights = weights or RankingWeights()
    border_band = weights.border_band
    margins = (weights.face_margin_side, weights.face_margin_top, weights.face_margin_bottom)
    if analysis.saliency is None:
        raise ValueError("the analysis has no saliency map yet; run a saliency stage first")
    scale_x, scale_y = analysis.image.scale
    original_width, original_height = analysis.image.original_size
    boxes = _boxes_of(candidates)
    # Window edges in analysis pixels.
    left, right = boxes[:, 0] / scale_x, boxes[:, 2] / scale_x
    upper, lower = boxes[:, 1] / scale_y, boxes[:, 3] / scale_y
    integral = _integral(analysis.saliency)
    mass = _box_sums(integral, left, upper, right, lower)

    band = border_band * np.minimum(right - left, lower - upper)
    band = np.maximum(band, 1.0)
    mean_density = 1.0 / analysis.saliency.size
    edges = (
        (boxes[:, 0] > 0, (left, upper, left + band, lower)),
        (boxes[:, 2] < original_width, (right - band, upper, right, lower)),
        (boxes[:, 1] > 0, (left, upper, right, upper + band)),
        (boxes[:, 3] < original_height, (left, lower - band, right, lower)),
    )
    border_mass = np.zeros(len(boxes))
    for cuts_image, (band_left, band_upper, band_right, band_lower) in edges:
        band_mass = _box_sums(integral, band_left, band_upper, band_right, band_lower)
        # Only what the band holds beyond the image's average counts: on a flat map no
        # edge cuts anything, so hugging the image border gains a window nothing.
        expected = mean_density * (band_right - band_left) * (band_lower - band_upper)
        border_mass += cuts_image * np.clip(band_mass - expected, 0, None)

    faces_kept, faces_cut = _face_terms(analysis, boxes, margins)
    centre_x = (boxes[:, 0] + boxes[:, 2]) / (2 * original_width) - 0.5
    centre_y = (boxes[:, 1] + boxes[:, 3]) / (2 * original_height) - 0.5
    return WindowFeatures(
        mass=mass,
        border_mass=border_mass,
        faces_kept=faces_kept,
        faces_cut=faces_cut,
        centre_distance=np.hypot(centre_x, centre_y),
    )


def score_windows(
    analysis: Analysis, candidates: Candidates | np.ndarray, weights: RankingWeights | None = None
) -> np.ndarray:
    """The ranking score of every window of ``candidates`` (higher is better).

    ``candidates`` may also be an ``(n, 4)`` array of boxes in original pixels, of any sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from smartcrop_core.analysis import Analysis
    >>> from smartcrop_core.candidates import generate_candidates
    >>> from smartcrop_core.imaging import WorkingImage
    >>> saliency = np.zeros((100, 200), np.float32)
    >>> saliency[40:60, 150:170] = 1 / 400  # something people look at, on the right
    >>> analysis = Analysis(WorkingImage(np.zeros((100, 200, 3), np.uint8), (200, 100)))
    >>> analysis = analysis.evolve(saliency=saliency)
    >>> candidates = generate_candidates((200, 100), aspect=1.0)
    >>> best = candidates.boxes[np.argmax(score_windows(analysis, candidates))]
    >>> bool(best[0] <= 150 and best[2] >= 170)
    True
    """
    weights = weights or RankingWeights()
    features = window_features(analysis, candidates, weights)
    return (
        features.mass
        - weights.border * features.border_mass
        + weights.face_kept * features.faces_kept
        - weights.face_cut * features.faces_cut
        - _CENTRE_TIEBREAK * features.centre_distance
    )


def _boxes_of(candidates: Candidates | np.ndarray) -> np.ndarray:
    boxes = candidates.boxes if isinstance(candidates, Candidates) else candidates
    return np.asarray(boxes, dtype=np.float64)


def _integral(values: np.ndarray) -> np.ndarray:
    integral = np.zeros((values.shape[0] + 1, values.shape[1] + 1), dtype=np.float64)
    integral[1:, 1:] = values.astype(np.float64).cumsum(0).cumsum(1)
    return integral


def _box_sums(
    integral: np.ndarray,
    left: np.ndarray,
    upper: np.ndarray,
    right: np.ndarray,
    lower: np.ndarray,
) -> np.ndarray:
    """Sums over boxes with fractional edges, by bilinear reading of the integral image."""
    return (
        _read(integral, lower, right)
        - _read(integral, upper, right)
        - _read(integral, lower, left)
        + _read(integral, upper, left)
    )


def _read(integral: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    rows = np.clip(rows, 0, integral.shape[0] - 1)
    cols = np.clip(cols, 0, integral.shape[1] - 1)
    row0 = np.minimum(np.floor(rows).astype(np.int64), integral.shape[0] - 2)
    col0 = np.minimum(np.floor(cols).astype(np.int64), integral.shape[1] - 2)
    row_weight, col_weight = rows - row0, cols - col0
    top = integral[row0, col0] * (1 - col_weight) + integral[row0, col0 + 1] * col_weight
    bottom = integral[row0 + 1, col0] * (1 - col_weight) + integral[row0 + 1, col0 + 1] * col_weight
    return top * (1 - row_weight) + bottom * row_weight


def _face_terms(
    analysis: Analysis, boxes: np.ndarray, margins: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Shares of face importance kept and cut, importance = confidence x sqrt(area)."""
    if not analysis.faces:
        zeros = np.zeros(len(boxes))
        return zeros, zeros
    scale_x, scale_y = analysis.image.scale
    side, top, bottom = margins
    width, height = analysis.image.original_size
    faces = np.array(
        [
            (
                max(0.0, (f.box[0] - side * f.width) * scale_x),
                max(0.0, (f.box[1] - top * f.height) * scale_y),
                min(width, (f.box[2] + side * f.width) * scale_x),
                min(height, (f.box[3] + bottom * f.height) * scale_y),
            )
            for f in analysis.faces
        ]
    )
    face_area = np.maximum((faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1]), 1e-9)
    # A big, sure face matters more than a small, doubtful one in a crowd.
    importance = np.array([f.score for f in analysis.faces]) * np.sqrt(face_area)
    importance = importance / importance.sum()
    overlap_w = np.minimum(boxes[:, None, 2], faces[None, :, 2]) - np.maximum(
        boxes[:, None, 0], faces[None, :, 0]
    )
    overlap_h = np.minimum(boxes[:, None, 3], faces[None, :, 3]) - np.maximum(
        boxes[:, None, 1], faces[None, :, 1]
    )
    inside = np.clip(overlap_w, 0, None) * np.clip(overlap_h, 0, None) / face_area
    cut = np.clip(np.minimum(inside, 1 - inside) / _CUT_RAMP, 0, 1)
    return inside @ importance, cut @ importance
