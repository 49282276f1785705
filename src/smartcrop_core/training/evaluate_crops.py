"""Evaluate a cropper on the public crop benchmarks GAICD, FCDB and FLMS.

:func:`evaluate_crops` scores the images of some :class:`~.crop_datasets.CropAnnotation`
whose files are there (the others are counted as skipped), with the benchmarks' usual
metrics (:mod:`.crop_metrics`), averaged over images per dataset:

* GAICD ranks each image's candidate crops: Acc_1/5, Acc_4/5, Acc_1/10, Acc_4/10, SRCC and
  PCC of the predicted scores against the mean opinion scores, and the IoU and boundary
  displacement (BDE, lower is better) of the top-scored candidate against the best one by
  MOS (against the best-matching one, when several share the best MOS).
* FCDB and FLMS ask for one crop per image, of the aspect of the (first) expert crop: its
  IoU and BDE against the best-matching expert crop. FCDB images with ranked pairs only
  have no expert crop and are skipped.

From the command line, with the default :class:`~smartcrop_core.SmartCropper`::

    python -m smartcrop_core.training.evaluate_crops --data ../shared/data/crops/gaicd \\
        --split test --json gaicd.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import SmartcropError
from ..saliency import default_model_name
from .crop_datasets import IMAGES_FOLDER, CropAnnotation, load_crop_dataset
from .crop_metrics import acc_k_n, best_match, pcc, srcc

__all__ = [
    "EXPERT_METRICS",
    "GAICD_METRICS",
    "METRIC_NAMES",
    "CropEvaluation",
    "evaluate_crops",
    "main",
]

ScoreBoxes = Callable[[np.ndarray, np.ndarray], np.ndarray]
ChooseBox = Callable[[np.ndarray, float], Sequence[float]]

#: ``(K, N)`` of the Acc_K/N that GAICD reports.
ACC_SETTINGS = ((1, 5), (4, 5), (1, 10), (4, 10))
GAICD_METRICS = (*(f"Acc{k}/{n}" for k, n in ACC_SETTINGS), "SRCC", "PCC", "IoU", "BDE")
EXPERT_METRICS = ("IoU", "BDE")
#: Every metric, in the order of the table's columns.
METRIC_NAMES = GAICD_METRICS


@dataclass(frozen=True)
class CropEvaluation:
    """Scores of one cropper on some crop benchmarks.

    Attributes
    ----------
    split : str
        The split scored: ``train``, ``test`` or ``all``.
    scores : dict
        Dataset -> metric -> mean over its images (GAICD: :data:`GAICD_METRICS`; FCDB and
        FLMS: :data:`EXPERT_METRICS`).
    images : dict
        Dataset -> number of images scored.
    skipped : dict
        Dataset -> number of annotations not scored: no image file, or (FCDB) no expert crop.
    timings_ms : dict
        Dataset -> median milliseconds of scoring or cropping one image, decoded.
    per_image : dict
        Dataset -> one ``{"name": ..., metric: value}`` per image scored.
    """

    split: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    per_image: dict[str, list[dict]] = field(default_factory=dict, repr=False)

    @property
    def datasets(self) -> list[str]:
        """The datasets evaluated, in the order met."""
        return list(self.images)

    def to_dict(self) -> dict:
        """Plain data for JSON: per dataset its counts, timing, mean scores and images."""
        return {
            "split": self.split,
            "datasets": {
                name: {
                    "images": self.images[name],
                    "skipped": self.skipped[name],
                    "ms": self.timings_ms[name],
                    **self.scores[name],
                    "per_image": self.per_image[name],
                }
                for name in self.datasets
            },
        }

    def table_rows(self) -> list[str]:
        """One line per dataset, under :func:`table_header`; ``-`` where a metric is n/a."""
        return [self._row(name) for name in self.datasets]

    def _row(self, dataset: str) -> str:
        scores = self.scores[dataset]
        values = " ".join(
            f"{scores[metric]:7.3f}" if metric in scores else f"{'-':>7}" for metric in METRIC_NAMES
        )
        return (
            f"{dataset:8} {self.split:5} {self.images[dataset]:6d} {self.skipped[dataset]:7d} "
            f"{values} {self.timings_ms[dataset]:8.1f}"
        )


def table_header() -> str:
    """Column titles of :meth:`CropEvaluation.table_rows`."""
    metrics = " ".join(f"{metric:>7}" for metric in METRIC_NAMES)
    return f"{'dataset':8} {'split':5} {'images':>6} {'skipped':>7} {metrics} {'ms':>8}"


def evaluate_crops(
    annotations: Sequence[CropAnnotation],
    score_boxes: ScoreBoxes,
    choose_box: ChooseBox,
    *,
    limit: int | None = None,
) -> CropEvaluation:
    """Score a cropper on the annotated images whose files are there.

    Parameters
    ----------
    annotations : sequence of CropAnnotation
        Images of one or more benchmarks (see :func:`.crop_datasets.load_crop_dataset`).
    score_boxes : callable
        ``score_boxes(rgb, boxes) -> (n,) scores``, higher is better, for the ``(n, 4)``
        boxes ``x0, y0, x1, y1`` of the ``(h, w, 3)`` uint8 image; used on GAICD.
    choose_box : callable
        ``choose_box(rgb, aspect) -> (left, upper, right, lower)``: the crop of width /
        height ``aspect`` to make; used on FCDB and FLMS.
    limit : int, optional
        Score at most this many images of each dataset (the first ones that have files).

    Returns
    -------
    CropEvaluation
        Mean metrics, counts and timings per dataset.

    Raises
    ------
    ValueError
        No annotation has its image, ``limit`` is below 1, ``score_boxes`` returns other
        than one finite score per box, or ``choose_box`` other than four numbers.

    Examples
    --------
    An FLMS-style image with one expert crop, its right half, and a cropper that always
    takes the left half:

    >>> import tempfile
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "a.png"
    >>> Image.new("RGB", (40, 20)).save(path)
    >>> annotation = CropAnnotation("flms", "a.png", path, [[20, 0, 40, 20]], [1.0],
    ...                             np.zeros((0, 2)), [], "test", image_size=(40, 20))
    >>> def left_half(rgb, aspect):
    ...     return (0, 0, round(rgb.shape[0] * aspect), rgb.shape[0])
    >>> evaluation = evaluate_crops([annotation], None, left_half)
    >>> evaluation.scores["flms"], evaluation.images["flms"]
    ({'IoU': 0.0, 'BDE': 0.25}, 1)
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    scorable = [annotation for annotation in annotations if _has_reference(annotation)]
    if not any(annotation.has_image for annotation in scorable):
        raise ValueError(_no_images_message(annotations))
    per_image: dict[str, list[dict]] = {}
    times_s: dict[str, list[float]] = {}
    skipped: dict[str, int] = {}
    for annotation in annotations:
        dataset = annotation.dataset
        per_image.setdefault(dataset, [])
        times_s.setdefault(dataset, [])
        skipped.setdefault(dataset, 0)
        if not annotation.has_image or not _has_reference(annotation):
            skipped[dataset] += 1
            continue
        if limit is not None and len(per_image[dataset]) >= limit:
            continue
        rgb = annotation.rgb()
        started = time.perf_counter()
        if dataset == "gaicd":
            metrics = _score_candidates(annotation, rgb, score_boxes)
        else:
            metrics = _score_choice(annotation, rgb, choose_box)
        times_s[dataset].append(time.perf_counter() - started)
        per_image[dataset].append({"name": annotation.name, **metrics})
    scored = [dataset for dataset in per_image if per_image[dataset]]
    return CropEvaluation(
        split=_split_name(annotations),
        scores={dataset: _means(per_image[dataset]) for dataset in scored},
        images={dataset: len(per_image[dataset]) for dataset in scored},
        skipped={dataset: skipped[dataset] for dataset in scored},
        timings_ms={dataset: 1000 * statistics.median(times_s[dataset]) for dataset in scored},
        per_image={dataset: per_image[dataset] for dataset in scored},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print a table of the benchmark metrics per dataset; 0 on success."""
    parser = argparse.ArgumentParser(
        prog="python -m smartcrop_core.training.evaluate_crops",
        description=(
            "Score smartcrop on crop benchmarks (GAICD, FCDB, FLMS folders, recognised by "
            "their annotation files; only images present in <folder>/images/ are scored). "
            "GAICD: Acc_K/N, SRCC, PCC of box scores against MOS, IoU and BDE of the "
            "top-scored candidate; FCDB, FLMS: IoU and BDE (lower is better) of the crop "
            "against the best-matching expert crop. Means over images; ms = median time."
        ),
    )
    parser.add_argument(
        "--data",
        action="append",
        required=True,
        type=Path,
        help="a GAICD, FCDB or FLMS folder; repeatable",
    )
    parser.add_argument("--split", default=None, choices=("train", "test"), help="default: all")
    parser.add_argument("--model", default=None, help="saliency model (default: the default)")
    parser.add_argument("--no-faces", action="store_true", help="do not detect faces")
    parser.add_argument("--limit", type=int, default=None, help="first N images per dataset")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores here")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")

    # Plugins may register more models; core must not need them to be imported.
    from smartcrop_plugins.manager import get_plugin_manager

    # The pipeline (and its models' code) is only needed here, not to evaluate a scorer.
    from ..pipeline import SmartCropper

    get_plugin_manager()
    try:
        annotations = _load_all(args.data, args.split)
        if not any(annotation.has_image for annotation in annotations):
            raise ValueError(_no_images_message(annotations, args.data))
        cropper = SmartCropper(model=args.model, faces=not args.no_faces)

        def choose_box(rgb: np.ndarray, aspect: float) -> tuple[int, int, int, int]:
            # Expert crops come in every size: let the ranker choose how tight, too.
            return cropper.crop(rgb, aspect, zoom="auto").box.to_pillow()

        evaluation = evaluate_crops(annotations, cropper.score_boxes, choose_box, limit=args.limit)
    except (SmartcropError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = args.model or default_model_name()
    print(f"model: {model} ({type(cropper.saliency_model).__name__}), faces: {not args.no_faces}")
    print(table_header())
    for row in evaluation.table_rows():
        print(row)
    if args.json is not None:
        document = {"model": model, "faces": not args.no_faces, **evaluation.to_dict()}
        args.json.write_text(json.dumps(document, indent=1))
    return 0


def _score_candidates(
    annotation: CropAnnotation, rgb: np.ndarray, score_boxes: ScoreBoxes
) -> dict[str, float]:
    """GAICD's metrics of one image's predicted candidate scores."""
    predicted = np.asarray(score_boxes(rgb, annotation.boxes.copy()), dtype=np.float64)
    if predicted.shape != (len(annotation.boxes),) or not np.isfinite(predicted).all():
        raise ValueError(
            f"score_boxes must return {len(annotation.boxes)} finite scores for "
            f"{annotation.name}, got shape {predicted.shape}"
        )
    mos = annotation.scores
    metrics = {
        f"Acc{k}/{n}": acc_k_n([predicted], [mos], k, n)
        for k, n in ACC_SETTINGS
        if len(mos) >= max(k, n)
    }
    metrics["SRCC"] = srcc(predicted, mos)
    metrics["PCC"] = pcc(predicted, mos)
    top = annotation.boxes[int(np.argmax(predicted))]
    best = annotation.boxes[mos == mos.max()]
    metrics["IoU"], metrics["BDE"] = best_match(top, best, rgb.shape[1], rgb.shape[0])
    return metrics


def _score_choice(
    annotation: CropAnnotation, rgb: np.ndarray, choose_box: ChooseBox
) -> dict[str, float]:
    """IoU and BDE of the chosen crop of one image against its expert crops."""
    experts = annotation.expert_boxes
    first = experts[0]
    aspect = float((first[2] - first[0]) / (first[3] - first[1]))
    chosen = np.asarray(choose_box(rgb, aspect), dtype=np.float64)
    if chosen.shape != (4,) or not np.isfinite(chosen).all():
        raise ValueError(
            f"choose_box must return (left, upper, right, lower) for {annotation.name}, "
            f"got {chosen.tolist()}"
        )
    overlap, displacement = best_match(chosen, experts, rgb.shape[1], rgb.shape[0])
    return {"IoU": overlap, "BDE": displacement}


def _has_reference(annotation: CropAnnotation) -> bool:
    return annotation.dataset == "gaicd" or len(annotation.expert_boxes) > 0


def _means(rows: list[dict]) -> dict[str, float]:
    """Mean of each metric over the images where it is finite (NaN when it never is)."""
    metrics = [metric for metric in METRIC_NAMES if any(metric in row for row in rows)]
    means = {}
    for metric in metrics:
        values = [row[metric] for row in rows if metric in row and np.isfinite(row[metric])]
        means[metric] = float(np.mean(values)) if values else float("nan")
    return means


def _split_name(annotations: Sequence[CropAnnotation]) -> str:
    splits = {annotation.split for annotation in annotations}
    return splits.pop() if len(splits) == 1 else "all"


def _load_all(folders: Sequence[Path], split: str | None) -> list[CropAnnotation]:
    annotations: list[CropAnnotation] = []
    seen: dict[str, Path] = {}
    for folder in folders:
        loaded = load_crop_dataset(folder, split)
        for dataset in {annotation.dataset for annotation in loaded}:
            if dataset in seen:
                raise ValueError(f"dataset {dataset!r} is given twice ({seen[dataset]}, {folder})")
            seen[dataset] = folder
        annotations.extend(loaded)
    return annotations


def _no_images_message(
    annotations: Sequence[CropAnnotation], folders: Sequence[Path] | None = None
) -> str:
    if folders is None:
        folders = sorted({str(annotation.image_path.parent) for annotation in annotations})
        where = ", ".join(str(folder) for folder in folders) or "their folders"
    else:
        where = ", ".join(str(Path(folder) / IMAGES_FOLDER) for folder in folders)
    return (
        f"none of the {len(annotations)} annotated images is there to score (the benchmarks' "
        f"annotations come without images): put the images in {where}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
