"""Human crop annotations of the public benchmarks GAICD, FCDB and FLMS, in one form.

Each image becomes a :class:`CropAnnotation`: its boxes ``(x0, y0, x1, y1)`` in pixels of
the original image, a score per box, and preference pairs between boxes. The folder layouts
(as in ``shared/data/crops/``; images are optional, in ``images/`` beside the annotations):

``gaicd/`` (Zeng et al., CVPR 2019)
    ``image_crop.json``: ``{"211958.jpg": {"bbox": [[x1, y1, x2, y2], ...], "score": [MOS,
    ...]}}``, ~86 candidate crops per image with mean opinion scores 1-5; ``split.json``:
    ``{"train": [names], "test": [names]}``; images in ``images/NAME``.
``fcdb/`` (Chen et al., WACV 2017)
    ``cropping_training_set.json`` and ``cropping_testing_set.json``: lists of ``{"url",
    "flickr_photo_id", "crop": [x, y, w, h]}``, one expert crop per image;
    ``ranking_annotation.json`` (optional): lists of ``{"url", "crops": [{"crop_0": [x, y,
    w, h], "crop_1": [...], "vote_for_0": int, "vote_for_1": int}, ...]}``. An image is
    named by the last part of its url and looked for in ``images/NAME``: download
    ``https://farm5.staticflickr.com/4096/4910188666_04cf9f487d_b.jpg`` to
    ``fcdb/images/4910188666_04cf9f487d_b.jpg``.
``flms/`` (Fang et al., ACM MM 2014)
    ``image_crop.json``: ``{"name.jpg": [[x1, y1, x2, y2], ...]}``, up to 10 expert crops
    per image; all images are test images; images in ``images/NAME``.

Boxes of zero or negative size are dropped, as are boxes outside the image when its file
is there to tell its size (a box that overhangs by at most :data:`EDGE_TOLERANCE_PX` is
clipped instead). Every dropped box is logged at debug level, summed per load at info
level, and counted in :attr:`CropAnnotation.dropped`.

:func:`preference_pairs` turns an annotation into ``(better, worse, weight)`` box pairs for
training a ranker.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..imaging import open_image, pil_to_rgb
from .crop_metrics import iou

__all__ = [
    "DATASETS",
    "SPLITS",
    "CropAnnotation",
    "detect_crop_dataset",
    "load_crop_dataset",
    "load_fcdb",
    "load_flms",
    "load_gaicd",
    "preference_pairs",
]

logger = logging.getLogger(__name__)

DATASETS = ("gaicd", "fcdb", "flms")
SPLITS = ("train", "test")
#: Where a dataset folder keeps its images, if it has them.
IMAGES_FOLDER = "images"
GAICD_FILES = ("image_crop.json", "split.json")
FCDB_FILES = ("cropping_training_set.json", "cropping_testing_set.json")
FCDB_RANKING_FILE = "ranking_annotation.json"
FLMS_FILES = ("image_crop.json",)
#: How far (pixels) a box may overhang a known image and still be kept, clipped to it.
EDGE_TOLERANCE_PX = 1.0
#: Random negatives of an expert crop: aspect within this share of the expert's...
NEGATIVE_ASPECT_TOLERANCE = 0.02
#: ... overlap below this IoU with every expert crop ...
NEGATIVE_MAX_IOU = 0.5
#: ... and sides at least this share of the largest box of that aspect the image holds.
NEGATIVE_MIN_SCALE = 0.3
_NEGATIVE_ROUNDS = 20
_NEGATIVE_DRAWS = 32
# MOS are given to two decimals: a difference of exactly min_margin must not be lost to
# floating-point error.
_MARGIN_SLACK = 1e-9
_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


@dataclass(frozen=True, eq=False)
class CropAnnotation:
    """One image of a crop benchmark and what people made of its crops.

    Compared by identity (its arrays make value equality ambiguous); the arrays are
    read-only.

    Attributes
    ----------
    dataset : str
        ``gaicd``, ``fcdb`` or ``flms``.
    name : str
        The image's file name, e.g. ``211958.jpg``.
    image_path : Path
        Where the image is (or would be): ``<folder>/images/<name>``.
    boxes : numpy.ndarray
        ``(n, 4)`` float64 ``x0, y0, x1, y1`` in pixels of the original image (EXIF
        orientation applied).
    scores : numpy.ndarray
        ``(n,)`` float64: the MOS of each candidate (GAICD), 1.0 for an expert crop (FCDB,
        FLMS), NaN for a box that only appears in FCDB's ranking pairs.
    pairs : numpy.ndarray
        ``(m, 2)`` int64 indices into ``boxes``, ``(better, worse)``: FCDB's voted pairs.
    pair_weights : numpy.ndarray
        ``(m,)`` float64 in ``(0, 1]``: the share of voters that preferred the better box
        beyond those that did not, ``|votes_1 - votes_0| / votes``.
    split : str
        ``train`` or ``test``.
    image_size : tuple of int, optional
        ``(width, height)`` of the image as displayed, when its file is there.
    dropped : int
        How many of the image's annotated boxes were dropped as degenerate or outside it.
    """

    dataset: str
    name: str
    image_path: Path
    boxes: np.ndarray = field(repr=False)
    scores: np.ndarray = field(repr=False)
    pairs: np.ndarray = field(repr=False)
    pair_weights: np.ndarray = field(repr=False)
    split: str
    image_size: tuple[int, int] | None = None
    dropped: int = 0

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {self.dataset!r}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {self.split!r}")
        boxes = _frozen(np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4))
        scores = _frozen(np.asarray(self.scores, dtype=np.float64).reshape(-1))
        pairs = _frozen(np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2))
        weights = _frozen(np.asarray(self.pair_weights, dtype=np.float64).reshape(-1))
        if len(scores) != len(boxes):
            raise ValueError(f"{self.name}: {len(boxes)} boxes but {len(scores)} scores")
        if len(weights) != len(pairs):
            raise ValueError(f"{self.name}: {len(pairs)} pairs but {len(weights)} weights")
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(boxes)):
            raise ValueError(f"{self.name}: pair indices outside 0..{len(boxes) - 1}")
        for name, value in (("boxes", boxes), ("scores", scores), ("pairs", pairs)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "pair_weights", weights)
        object.__setattr__(self, "image_path", Path(self.image_path))

    @property
    def has_image(self) -> bool:
        """Whether the image file is there."""
        return self.image_path.is_file()

    @property
    def expert_boxes(self) -> np.ndarray:
        """``(k, 4)`` the experts' crops (FCDB, FLMS), first ones first; empty for GAICD."""
        if self.dataset == "gaicd":
            return np.zeros((0, 4))
        return self.boxes[np.isfinite(self.scores)]

    @property
    def frame(self) -> tuple[float, float]:
        """``(width, height)`` that surely lies inside the image.

        The image's size when known, else the extent from the origin to the furthest box
        edge (every box lies in the image, so the image is at least that large).
        """
        if self.image_size is not None:
            return float(self.image_size[0]), float(self.image_size[1])
        return float(self.boxes[:, 2].max()), float(self.boxes[:, 3].max())

    def rgb(self) -> np.ndarray:
        """The image as ``(height, width, 3)`` uint8 RGB, turned upright by its EXIF tag.

        Raises
        ------
        FileNotFoundError
            The image is not there; the message says where it belongs.
        """
        if not self.has_image:
            raise FileNotFoundError(
                f"{self.image_path} is missing: the {self.dataset} annotations come without "
                f"images; put the image {self.name!r} there to use it"
            )
        return pil_to_rgb(open_image(self.image_path))


def load_gaicd(folder: str | Path, split: str | None = None) -> list[CropAnnotation]:
    """The images of a GAICD folder (``image_crop.json``, ``split.json``), in file order.

    Parameters
    ----------
    folder : path-like
        The folder holding the two files (and, optionally, ``images/``).
    split : str, optional
        ``train`` or ``test``; both when not given.

    Raises
    ------
    FileNotFoundError
        A file is missing.
    ValueError
        An unknown split, a file that is not GAICD's format, or an image in neither split.
    """
    folder = Path(folder)
    _check_split(split)
    crops = _read_json(folder / GAICD_FILES[0], dict, "GAICD")
    parts = _read_json(folder / GAICD_FILES[1], dict, "GAICD")
    split_of = {}
    for part in SPLITS:
        names = parts.get(part)
        if not isinstance(names, list):
            raise ValueError(f"{folder / GAICD_FILES[1]} has no {part!r} list of image names")
        split_of.update(dict.fromkeys(names, part))
    unsplit = [name for name in crops if name not in split_of]
    if unsplit:
        raise ValueError(
            f"{len(unsplit)} images of {folder / GAICD_FILES[0]} are in neither split of "
            f"{GAICD_FILES[1]} (first: {unsplit[0]!r}): are the two files from one release?"
        )
    builder = _Builder("gaicd", folder)
    for name, record in crops.items():
        if split is not None and split_of[name] != split:
            continue
        if not isinstance(record, dict) or "bbox" not in record or "score" not in record:
            raise ValueError(
                f"{folder / GAICD_FILES[0]}: {name!r} should map to {{'bbox': [...], "
                f"'score': [...]}}; is this GAICD's image_crop.json?"
            )
        boxes = _box_rows(record["bbox"], f"{name} bbox")
        scores = np.asarray(record["score"], dtype=np.float64).reshape(-1)
        if len(scores) != len(boxes):
            raise ValueError(f"{name}: {len(boxes)} boxes but {len(scores)} scores")
        builder.add(name, split_of[name], boxes, scores)
    return builder.finish()


def load_fcdb(folder: str | Path, split: str | None = None) -> list[CropAnnotation]:
    """The images of an FCDB folder: expert crops and, where voted on, ranked crop pairs.

    The expert crops of ``cropping_training_set.json`` (split ``train``) and
    ``cropping_testing_set.json`` (split ``test``) come first in each image's boxes, score
    1.0. For the images of ``ranking_annotation.json`` the boxes of their crop pairs follow
    (each distinct box once, score NaN) with the pairs themselves: the crop most voters chose
    is the better one, weighted by ``|votes_1 - votes_0| / votes``; tied votes are skipped.
    Images that only have ranked pairs are training images (FCDB tests on expert crops).

    Raises
    ------
    FileNotFoundError
        One of the two expert-crop files is missing (the ranking file is optional).
    ValueError
        An unknown split, a file that is not FCDB's format, or an image in both the
        training and the testing set.
    """
    folder = Path(folder)
    _check_split(split)
    experts: dict[str, tuple[str, list]] = {}
    for part, filename in zip(SPLITS, FCDB_FILES, strict=True):
        for record in _read_json(folder / filename, list, "FCDB"):
            name = _url_name(record, folder / filename)
            if name in experts and experts[name][0] != part:
                raise ValueError(f"FCDB image {name!r} is in both the training and testing set")
            experts.setdefault(name, (part, []))[1].append(_xywh(record.get("crop"), name))
    ranking_path = folder / FCDB_RANKING_FILE
    ranked: dict[str, list] = {}
    if ranking_path.is_file():
        for record in _read_json(ranking_path, list, "FCDB"):
            ranked.setdefault(_url_name(record, ranking_path), []).extend(record.get("crops", []))
    else:
        logger.info("%s is not there: FCDB without ranked crop pairs", ranking_path)
    builder = _Builder("fcdb", folder)
    ties = 0
    for name in [*experts, *(name for name in ranked if name not in experts)]:
        part, expert_boxes = experts.get(name, ("train", []))
        if split is not None and part != split:
            continue
        boxes, pairs, weights, skipped = _ranked_pairs(name, expert_boxes, ranked.get(name, []))
        ties += skipped
        scores = np.r_[np.ones(len(expert_boxes)), np.full(len(boxes) - len(expert_boxes), np.nan)]
        builder.add(name, part, boxes, scores, pairs=pairs, weights=weights)
    if ties:
        logger.info("fcdb: skipped %d crop pairs with tied votes or identical crops", ties)
    return builder.finish()


def load_flms(folder: str | Path, split: str | None = None) -> list[CropAnnotation]:
    """The images of an FLMS folder (``image_crop.json``), all in the ``test`` split.

    ``split="train"`` gives an empty list: FLMS is a test set only.

    Raises
    ------
    FileNotFoundError
        ``image_crop.json`` is missing.
    ValueError
        An unknown split, or a file that is not FLMS's format.
    """
    folder = Path(folder)
    _check_split(split)
    path = folder / FLMS_FILES[0]
    crops = _read_json(path, dict, "FLMS")
    builder = _Builder("flms", folder)
    for name, boxes in crops.items():
        if not isinstance(boxes, list):
            raise ValueError(
                f"{path}: {name!r} should map to a list of [x1, y1, x2, y2] boxes; a GAICD "
                f"image_crop.json ({{'bbox': ..., 'score': ...}}) needs its split.json beside it"
            )
        if split in (None, "test"):
            rows = _box_rows(boxes, name)
            builder.add(name, "test", rows, np.ones(len(rows)))
    return builder.finish()


def detect_crop_dataset(folder: str | Path) -> str:
    """Which benchmark a folder holds, by its files: ``gaicd``, ``fcdb`` or ``flms``.

    Raises
    ------
    FileNotFoundError
        The folder does not exist or holds none of the benchmarks' annotation files.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    if (folder / GAICD_FILES[1]).is_file():
        return "gaicd"
    if any((folder / name).is_file() for name in (*FCDB_FILES, FCDB_RANKING_FILE)):
        return "fcdb"
    if (folder / FLMS_FILES[0]).is_file():
        return "flms"
    raise FileNotFoundError(
        f"{folder} holds no crop benchmark annotations: expected GAICD's "
        f"{' and '.join(GAICD_FILES)}, FCDB's {' and '.join(FCDB_FILES)} (and optionally "
        f"{FCDB_RANKING_FILE}), or FLMS's {FLMS_FILES[0]}"
    )


def load_crop_dataset(
    folder: str | Path, split: str | None = None, *, with_images_only: bool = False
) -> list[CropAnnotation]:
    """The annotations of a GAICD, FCDB or FLMS folder, recognised by its files.

    Parameters
    ----------
    folder : path-like
        A dataset folder (see the module's description of the layouts).
    split : str, optional
        ``train`` or ``test``; all images when not given.
    with_images_only : bool
        Keep only the images whose file is in ``<folder>/images/``.

    Raises
    ------
    FileNotFoundError
        The folder does not exist, holds none of the expected files, or lacks one of them.
    ValueError
        An unknown split or a file that is not in the format its name promises.

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> crops = {"a.jpg": [[0, 0, 40, 30], [10, 10, 10, 20]]}  # the second box is empty
    >>> _ = (folder / "image_crop.json").write_text(json.dumps(crops))
    >>> [annotation] = load_crop_dataset(folder)
    >>> annotation.dataset, annotation.split, annotation.boxes.tolist(), annotation.dropped
    ('flms', 'test', [[0.0, 0.0, 40.0, 30.0]], 1)
    """
    loaders = {"gaicd": load_gaicd, "fcdb": load_fcdb, "flms": load_flms}
    annotations = loaders[detect_crop_dataset(folder)](folder, split)
    if with_images_only:
        annotations = [annotation for annotation in annotations if annotation.has_image]
    return annotations


def preference_pairs(
    annotation: CropAnnotation,
    *,
    min_margin: float = 0.25,
    negatives: int = 8,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Box pairs ``(better, worse, weight)`` of one image, for training a ranker.

    * GAICD: every two candidates whose MOS differ by at least ``min_margin``, weighted by
      the difference.
    * FCDB's voted pairs as they are, with their weights.
    * Each expert crop (FCDB, FLMS) against ``negatives`` random boxes of its aspect (within
      :data:`NEGATIVE_ASPECT_TOLERANCE`) that lie inside the image (its :attr:`~CropAnnotation.
      frame`) and overlap every expert crop by an IoU below :data:`NEGATIVE_MAX_IOU`, weight
      1. Fewer are drawn (and a debug message logged) where such boxes are too rare to find.

    Parameters
    ----------
    annotation : CropAnnotation
        One image.
    min_margin : float
        Smallest MOS difference that makes a GAICD pair; must be positive.
    negatives : int
        Random boxes per expert crop; 0 for none.
    rng : numpy.random.Generator or int, optional
        Source or seed of the random boxes. By default a seed made from the dataset and
        image name, so that every call gives the same pairs.

    Returns
    -------
    better, worse : numpy.ndarray
        ``(k, 4)`` float64 boxes; ``better[i]`` was preferred to ``worse[i]``.
    weights : numpy.ndarray
        ``(k,)`` float64, positive.

    Raises
    ------
    ValueError
        ``min_margin`` is not positive or ``negatives`` is negative.

    Examples
    --------
    >>> gaicd = CropAnnotation("gaicd", "a.jpg", Path("a.jpg"), [[0, 0, 8, 6], [0, 0, 4, 3],
    ...     [2, 2, 6, 5]], [4.0, 3.5, 3.9], np.zeros((0, 2)), [], "test")
    >>> better, worse, weights = preference_pairs(gaicd)
    >>> better.tolist(), worse.tolist(), weights.round(2).tolist()
    ([[0.0, 0.0, 8.0, 6.0], [2.0, 2.0, 6.0, 5.0]], [[0.0, 0.0, 4.0, 3.0], [0.0, 0.0, 4.0, 3.0]], [0.5, 0.4])
    """  # noqa: E501
    if not min_margin > 0:
        raise ValueError(f"min_margin must be positive, got {min_margin}")
    if negatives < 0:
        raise ValueError(f"negatives must be 0 or more, got {negatives}")
    parts = [_mos_pairs(annotation, min_margin)]
    if len(annotation.pairs):
        parts.append(
            (
                annotation.boxes[annotation.pairs[:, 0]],
                annotation.boxes[annotation.pairs[:, 1]],
                annotation.pair_weights.copy(),
            )
        )
    experts = annotation.expert_boxes
    if negatives and len(experts):
        generator = _generator(rng, annotation)
        for expert in experts:
            worse = _random_negatives(expert, experts, annotation.frame, negatives, generator)
            if len(worse) < negatives:
                logger.debug(
                    "%s/%s: found %d of %d negatives for expert crop %s",
                    annotation.dataset, annotation.name, len(worse), negatives, expert.tolist(),
                )  # fmt: skip
            parts.append((np.repeat(expert[None], len(worse), axis=0), worse, np.ones(len(worse))))
    return (
        np.concatenate([part[0] for part in parts]).reshape(-1, 4),
        np.concatenate([part[1] for part in parts]).reshape(-1, 4),
        np.concatenate([part[2] for part in parts]),
    )


class _Builder:
    """Cleans the boxes of one dataset's images and collects their annotations."""

    def __init__(self, dataset: str, folder: Path) -> None:
        self.dataset = dataset
        self.images = folder / IMAGES_FOLDER
        self.annotations: list[CropAnnotation] = []
        self.dropped = 0
        self.emptied = 0

    def add(
        self,
        name: str,
        split: str,
        boxes: np.ndarray,
        scores: np.ndarray,
        *,
        pairs: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> None:
        path = self.images / name
        size = _image_size(path)
        boxes, keep = _clean_boxes(boxes, size, f"{self.dataset}/{name}")
        pairs = np.zeros((0, 2), np.int64) if pairs is None else pairs.reshape(-1, 2)
        weights = np.zeros(0) if weights is None else weights
        # Renumber the pairs' indices to the kept boxes, dropping pairs that lost a box.
        new_index = np.cumsum(keep) - 1
        whole = keep[pairs].all(axis=1) if len(pairs) else np.zeros(0, bool)
        dropped = int(np.count_nonzero(~keep))
        self.dropped += dropped
        if not keep.any():
            self.emptied += 1
            logger.debug("%s/%s: no valid box left, image skipped", self.dataset, name)
            return
        self.annotations.append(
            CropAnnotation(
                dataset=self.dataset,
                name=name,
                image_path=path,
                boxes=boxes[keep],
                scores=scores[keep],
                pairs=new_index[pairs[whole]],
                pair_weights=weights[whole],
                split=split,
                image_size=size,
                dropped=dropped,
            )
        )

    def finish(self) -> list[CropAnnotation]:
        if self.dropped:
            logger.info(
                "%s: dropped %d boxes of zero or negative size or outside their image "
                "(%d images left without any box)",
                self.dataset, self.dropped, self.emptied,
            )  # fmt: skip
        return self.annotations


def _clean_boxes(
    boxes: np.ndarray, size: tuple[int, int] | None, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes clipped to the image where they overhang slightly, and which of them to keep."""
    far = np.array([np.inf, np.inf]) if size is None else np.asarray(size, dtype=np.float64)
    overhang = np.max(
        np.column_stack([-boxes[:, 0], -boxes[:, 1], boxes[:, 2] - far[0], boxes[:, 3] - far[1]]),
        axis=1,
    )
    clipped = np.column_stack(
        [
            np.clip(boxes[:, 0], 0, far[0]),
            np.clip(boxes[:, 1], 0, far[1]),
            np.clip(boxes[:, 2], 0, far[0]),
            np.clip(boxes[:, 3], 0, far[1]),
        ]
    )
    finite = np.isfinite(boxes).all(axis=1)
    positive = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    inside = overhang <= EDGE_TOLERANCE_PX
    keep = finite & positive & inside
    for index in np.flatnonzero(~keep):
        reason = "is not a box of positive size" if not positive[index] else "leaves the image"
        box = boxes[index].tolist()
        logger.debug("%s: box %s %s (image size %s), dropped", where, box, reason, size)
    return clipped, keep


def _ranked_pairs(
    name: str, expert_boxes: list, crops: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """All boxes of an FCDB image (experts first), its voted pairs, their weights, skips."""
    index = {tuple(box): position for position, box in enumerate(expert_boxes)}
    boxes = list(expert_boxes)
    pairs, weights, skipped = [], [], 0
    for crop in crops:
        try:
            first, second = _xywh(crop["crop_0"], name), _xywh(crop["crop_1"], name)
            votes_0, votes_1 = int(crop["vote_for_0"]), int(crop["vote_for_1"])
        except (KeyError, TypeError) as exc:
            raise ValueError(
                f"FCDB ranking of {name!r}: expected crop_0, crop_1, vote_for_0, vote_for_1 "
                f"in each pair ({exc!r})"
            ) from None
        if votes_0 == votes_1 or first == second:
            skipped += 1
            continue
        for box in (first, second):
            if tuple(box) not in index:
                index[tuple(box)] = len(boxes)
                boxes.append(box)
        better, worse = (first, second) if votes_0 > votes_1 else (second, first)
        pairs.append((index[tuple(better)], index[tuple(worse)]))
        weights.append(abs(votes_1 - votes_0) / (votes_0 + votes_1))
    return (
        np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
        np.asarray(weights, dtype=np.float64),
        skipped,
    )


def _mos_pairs(
    annotation: CropAnnotation, min_margin: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if annotation.dataset != "gaicd":
        return np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0)
    scores = annotation.scores
    margins = scores[:, None] - scores[None, :]
    better, worse = np.nonzero(margins >= min_margin - _MARGIN_SLACK)
    return annotation.boxes[better], annotation.boxes[worse], margins[better, worse]


def _random_negatives(
    expert: np.ndarray,
    experts: np.ndarray,
    frame: tuple[float, float],
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Up to ``count`` boxes of the expert's aspect, inside ``frame``, unlike every expert."""
    width, height = frame
    aspect = (expert[2] - expert[0]) / (expert[3] - expert[1])
    found: list[np.ndarray] = []
    wanted = count
    for _ in range(_NEGATIVE_ROUNDS):
        draws = _NEGATIVE_DRAWS * count
        spread = NEGATIVE_ASPECT_TOLERANCE
        aspects = aspect * rng.uniform(1 - spread, 1 + spread, draws)
        widths = np.minimum(width, height * aspects) * rng.uniform(NEGATIVE_MIN_SCALE, 1, draws)
        heights = widths / aspects
        lefts = rng.uniform(0, 1, draws) * (width - widths)
        uppers = rng.uniform(0, 1, draws) * (height - heights)
        boxes = np.column_stack(
            [lefts, uppers, np.minimum(lefts + widths, width), np.minimum(uppers + heights, height)]
        )
        overlap = np.max([iou(other, boxes) for other in experts], axis=0)
        chosen = boxes[overlap < NEGATIVE_MAX_IOU][:wanted]
        found.append(chosen)
        wanted -= len(chosen)
        if not wanted:
            break
    return np.concatenate(found).reshape(-1, 4)


def _generator(rng: np.random.Generator | int | None, annotation: CropAnnotation):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        rng = zlib.crc32(f"{annotation.dataset}/{annotation.name}".encode())
    return np.random.default_rng(rng)


def _check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; the crop benchmarks have {SPLITS}")


def _read_json(path: Path, kind: type, dataset: str):
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: a {dataset} folder holds {_expected_files(dataset)}"
        )
    try:
        document = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, kind):
        raise ValueError(
            f"{path} holds a JSON {type(document).__name__}, but {dataset}'s {path.name} is a "
            f"{'list' if kind is list else 'object'}: is it the right file?"
        )
    return document


def _expected_files(dataset: str) -> str:
    return {
        "GAICD": " and ".join(GAICD_FILES),
        "FCDB": f"{' and '.join(FCDB_FILES)} (and optionally {FCDB_RANKING_FILE})",
        "FLMS": FLMS_FILES[0],
    }[dataset]


def _url_name(record, source: Path) -> str:
    """The image's file name: the last part of its url's path."""
    url = record.get("url") if isinstance(record, dict) else None
    name = Path(urlparse(url).path).name if isinstance(url, str) else ""
    if not name:
        raise ValueError(f"{source}: a record without an image url: {str(record)[:200]}")
    return name


def _xywh(crop, name: str) -> list[float]:
    """``[x, y, w, h]`` as ``[x0, y0, x1, y1]``."""
    try:
        x, y, width, height = (float(value) for value in crop)
    except (TypeError, ValueError):
        raise ValueError(f"FCDB image {name!r}: a crop is not [x, y, w, h]: {crop!r}") from None
    return [x, y, x + width, y + height]


def _box_rows(boxes, where: str) -> np.ndarray:
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: boxes are not lists of 4 numbers") from None
    if array.size == 0:
        return np.zeros((0, 4))
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{where}: expected [x1, y1, x2, y2] boxes, got shape {array.shape}")
    return array


def _image_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` of an image file as displayed, from its header; None if absent."""
    if not path.is_file():
        return None
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path} is not an image Pillow can read ({exc})") from None
    return (height, width) if orientation in _SWAPPING_ORIENTATIONS else (width, height)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = array.copy()
    array.setflags(write=False)
    return array
