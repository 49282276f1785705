"""Training lists for the window ranker: candidate windows with what people kept in them.

For every image of an eye-tracking set, every aspect ratio and zoom asked, the candidate
windows (a coarser grid than at inference) are measured with
:func:`~smartcrop_core.window_features.window_features` on the pipeline's own analysis
(saliency model and face detector), and labelled with what humans say about them:

* ``retention``: the share of all recorded fixations inside the window, exactly as the
  shared crop benchmark counts them;
* ``faces_cut``: the share of hand-labelled faces (EyeCrowd) the window cuts, between 10 %
  and 90 % inside, back-of-head and faces under 12 px left out, as the benchmark does.

A request whose full-size window covers more than 90 % of the image is skipped, as the
benchmark skips it: there is hardly any choice left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..candidates import generate_candidates
from ..geometry import share_inside
from ..params import target_size
from ..pipeline import SmartCropper
from ..window_features import WindowMeasurer
from .data import FixationSample

__all__ = [
    "TRAINING_ASPECTS",
    "TRAINING_ZOOMS",
    "RankingList",
    "build_ranking_lists",
    "fixation_counter",
    "labelled_faces_cut",
]

logger = logging.getLogger(__name__)

#: Aspect ratios the ranker learns from: portrait, square and landscape, mild to extreme.
TRAINING_ASPECTS: tuple[float, ...] = (1.0, 4 / 5, 2 / 3, 9 / 16, 3 / 2, 16 / 9, 2.0)
#: Zooms the ranker learns from.
TRAINING_ZOOMS: tuple[float, ...] = (1.0, 0.8, 0.6)
#: Grid positions per axis of the training candidates.
TRAINING_POSITIONS = 24
_MAX_COVER = 0.9
_MIN_FACE_PX = 12


@dataclass(frozen=True)
class RankingList:
    """The candidate windows of one image for one aspect and zoom, measured and labelled.

    Attributes
    ----------
    dataset, name : str
        Where the image comes from.
    aspect, zoom : float
        The request.
    boxes : numpy.ndarray
        ``(n, 4)`` int64 windows in pixels of the image.
    features : numpy.ndarray
        ``(n, len(FEATURE_NAMES))`` float32 window features.
    retention : numpy.ndarray
        ``(n,)`` share of the image's fixations inside each window.
    faces_cut : numpy.ndarray
        ``(n,)`` share of its labelled faces each window cuts (0 without labels).
    centre : int
        Index of the centred window (the benchmark's zero).
    """

    dataset: str
    name: str
    aspect: float
    zoom: float
    boxes: np.ndarray
    features: np.ndarray
    retention: np.ndarray
    faces_cut: np.ndarray
    centre: int


def build_ranking_lists(
    samples: Sequence[FixationSample],
    cropper: SmartCropper,
    *,
    aspects: Iterable[float] = TRAINING_ASPECTS,
    zooms: Iterable[float] = TRAINING_ZOOMS,
    max_positions: int = TRAINING_POSITIONS,
) -> list[RankingList]:
    """Measure and label the candidate windows of every sample, aspect and zoom.

    Parameters
    ----------
    samples : sequence of FixationSample
        Images with fixations (train split only, for training).
    cropper : SmartCropper
        Its analysis (saliency model, faces, stages) is what the features are measured on:
        the same as at inference.
    aspects, zooms : iterable of float
        Requests per image.
    max_positions : int
        Grid positions per axis of the candidate windows.

    Returns
    -------
    list of RankingList
    """
    aspects, zooms = tuple(aspects), tuple(zooms)
    lists = []
    for index, sample in enumerate(samples):
        measure = WindowMeasurer(cropper.analyze(sample.rgb()))
        count = fixation_counter(sample)
        for aspect in aspects:
            full_width, full_height = target_size(sample.width, sample.height, aspect, 1.0)
            if full_width * full_height > _MAX_COVER * sample.width * sample.height:
                continue
            for zoom in zooms:
                candidates = generate_candidates(
                    (sample.width, sample.height), aspect, zoom, max_positions=max_positions
                )
                boxes = candidates.boxes
                lists.append(
                    RankingList(
                        dataset=sample.dataset,
                        name=sample.name,
                        aspect=aspect,
                        zoom=zoom,
                        boxes=boxes,
                        features=measure(boxes).astype(np.float32),
                        retention=count(boxes),
                        faces_cut=labelled_faces_cut(sample, boxes),
                        centre=_centred_index(boxes, sample.width, sample.height),
                    )
                )
        if (index + 1) % 100 == 0:
            logger.info("measured %d/%d images", index + 1, len(samples))
    return lists


def fixation_counter(sample: FixationSample):
    """A function ``boxes (n, 4) -> (n,)`` share of the sample's fixations inside each box.

    Fixations are binned to whole pixels as the shared crop benchmark bins them.

    Examples
    --------
    >>> import numpy as np
    >>> from pathlib import Path
    >>> sample = FixationSample("demo", "a", Path("a.jpg"), 10, 10,
    ...                         np.array([[1.5, 1.5, 0], [8.2, 8.9, 1]]))
    >>> fixation_counter(sample)(np.array([[0, 0, 5, 5], [0, 0, 10, 10]])).tolist()
    [0.5, 1.0]
    """
    grid = np.zeros((sample.height, sample.width), dtype=np.int64)
    xs = np.clip(np.floor(sample.fixations[:, 0]).astype(int), 0, sample.width - 1)
    ys = np.clip(np.floor(sample.fixations[:, 1]).astype(int), 0, sample.height - 1)
    np.add.at(grid, (ys, xs), 1)
    integral = np.zeros((sample.height + 1, sample.width + 1), dtype=np.int64)
    integral[1:, 1:] = grid.cumsum(0).cumsum(1)
    total = max(1, len(xs))

    def count(boxes: np.ndarray) -> np.ndarray:
        left, upper, right, lower = (np.asarray(boxes, dtype=np.int64)[:, i] for i in range(4))
        inside = (
            integral[lower, right]
            - integral[upper, right]
            - integral[lower, left]
            + integral[upper, left]
        )
        return inside / total

    return count


def labelled_faces_cut(sample: FixationSample, boxes: np.ndarray) -> np.ndarray:
    """Share of the sample's labelled faces that each box cuts (10-90 % inside)."""
    faces = np.array(
        [
            face["box"]
            for face in sample.faces
            if not face.get("back") and face["box"][2] - face["box"][0] >= _MIN_FACE_PX
        ],
        dtype=np.float64,
    ).reshape(-1, 4)
    if not len(faces):
        return np.zeros(len(boxes))
    inside = share_inside(boxes, faces)
    return ((inside > 0.1) & (inside < 0.9)).mean(axis=1)


def _centred_index(boxes: np.ndarray, width: int, height: int) -> int:
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2 - width / 2
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2 - height / 2
    return int(np.argmin(np.hypot(centre_x, centre_y)))
