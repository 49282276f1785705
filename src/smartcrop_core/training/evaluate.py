"""Evaluate a saliency model on eye-tracking data: every fixation metric, per dataset.

:func:`evaluate_model` runs a model over the images of one split of some datasets of the
shared format (``shared/data/fixations/*``) and scores each map with
:func:`~smartcrop_core.training.metrics.fixation_metrics`: AUC-Judd, shuffled AUC, NSS, CC,
KLD, SIM, and the information gain over the centre prior. Scores are means over images, per
dataset and over all images together, as the shared benchmark reports them; the shuffled
AUC draws its negatives the way that benchmark does (the fixations of 10 other images of the
same dataset, picked with a seeded generator), so both tools give the same figures.

From the command line::

    python -m smartcrop_core.training.evaluate --model centre --model fastgaze \\
        --data ../shared/data/fixations/osie --limit 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import UnknownModelError, WeightsUnavailableError
from ..saliency import FALLBACK_MODEL, SaliencyModel, get_model
from .data import FixationSample, load_fixation_dataset
from .metrics import METRIC_NAMES, fixation_metrics, resize_map

__all__ = [
    "EvaluationReport",
    "evaluate_model",
    "evaluate_samples",
    "main",
    "shuffled_negatives",
]

#: The baseline of the information gain: what a model knows beyond "look at the middle".
BASELINE_MODEL = "centre"
#: How many other images lend their fixations to the shuffled AUC's negatives.
SHUFFLE_IMAGES = 10
#: Name of the row that pools every image of every dataset.
OVERALL = "overall"


@dataclass(frozen=True)
class EvaluationReport:
    """Scores of one model on some datasets.

    Attributes
    ----------
    model : str
        The model's name.
    split : str
        The split scored (``val`` or ``train``).
    scores : dict
        Dataset name (and :data:`OVERALL`) -> metric name -> mean over its images.
    images : dict
        Dataset name (and :data:`OVERALL`) -> number of images scored.
    timings_ms : dict
        Dataset name (and :data:`OVERALL`) -> median milliseconds of one ``predict`` call,
        image already decoded.
    """

    model: str
    split: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        """Median milliseconds per ``predict`` call over all images."""
        return self.timings_ms[OVERALL]

    @property
    def datasets(self) -> list[str]:
        """The datasets scored, in the order given, without the overall row."""
        return [name for name in self.scores if name != OVERALL]

    def to_dict(self) -> dict:
        """Plain data for JSON: model, split, and per dataset its n, ms and mean scores."""
        return {
            "model": self.model,
            "split": self.split,
            "datasets": {
                name: {"n": self.images[name], "ms": self.timings_ms[name], **scores}
                for name, scores in self.scores.items()
            },
        }

    def table_rows(self) -> list[str]:
        """One line per dataset and one overall line, as :func:`table_header` lays them out."""
        return [self._row(name) for name in [*self.datasets, OVERALL]]

    def _row(self, dataset: str) -> str:
        values = " ".join(f"{self.scores[dataset][metric]:7.3f}" for metric in METRIC_NAMES)
        return (
            f"{self.model[-24:]:24} {dataset:10} {self.images[dataset]:5d} {values} "
            f"{self.timings_ms[dataset]:8.1f}"
        )


def table_header() -> str:
    """Column titles of :meth:`EvaluationReport.table_rows`."""
    metrics = " ".join(f"{metric:>7}" for metric in METRIC_NAMES)
    return f"{'model':24} {'dataset':10} {'n':>5} {metrics} {'ms':>8}"


def shuffled_negatives(
    samples: Sequence[FixationSample],
    index: int,
    rng: np.random.Generator,
    n_images: int = SHUFFLE_IMAGES,
) -> np.ndarray:
    """Fixations of other images of the dataset, mapped into the pixels of ``samples[index]``.

    The negatives of the shuffled AUC: ``n_images`` other images are drawn at random (as
    the shared benchmark draws them: the first ``n_images + 1`` of a permutation, this image
    left out), and their fixations scaled by the ratio of the image sizes.

    Parameters
    ----------
    samples : sequence of FixationSample
        All images of one dataset.
    index : int
        The image whose negatives are wanted.
    rng : numpy.random.Generator
        Source of the draw; one generator for a whole evaluation makes it reproducible.
    n_images : int
        How many other images lend their fixations.

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` float ``x, y`` in pixels of ``samples[index]``; empty when the dataset
        has a single image.

    Examples
    --------
    >>> from pathlib import Path
    >>> def sample(width, height, fixations):
    ...     return FixationSample("toy", "a", Path("a.jpg"), width, height, np.array(fixations))
    >>> samples = [sample(100, 50, [[50, 25, 0]]), sample(10, 10, [[1, 9, 0], [5, 5, 1]])]
    >>> shuffled_negatives(samples, 0, np.random.default_rng(0))
    array([[10., 45.],
           [50., 25.]])
    """
    picked = rng.permutation(len(samples))[: n_images + 1]
    others = [int(other) for other in picked if other != index][:n_images]
    target = samples[index]
    scaled = [
        samples[other].fixations[:, :2]
        / [samples[other].width, samples[other].height]
        * [target.width, target.height]
        for other in others
    ]
    return np.concatenate(scaled) if scaled else np.zeros((0, 2))


def evaluate_model(
    model: str | SaliencyModel,
    datasets: Sequence[str | Path],
    split: str = "val",
    limit: int | None = None,
    *,
    name: str | None = None,
    seed: int = 0,
) -> EvaluationReport:
    """Score a saliency model on the images of one split of some eye-tracking datasets.

    Parameters
    ----------
    model : str or SaliencyModel
        A registered model's name (see :func:`smartcrop_core.saliency.get_model`) or any
        object with ``predict(rgb) -> (h, w) map``; maps of another size than the image are
        resized to it.
    datasets : sequence of path-like
        Dataset folders, each holding ``annotations.json`` and ``images/``.
    split : str
        Which public split to score: ``val`` (to report on) or ``train``.
    limit : int, optional
        Score only the first ``limit`` images of each dataset, for a quick look.
    name : str, optional
        The model's name in the report; by default ``model`` itself when it is a name, else
        its class name.
    seed : int
        Seed of the draw of the shuffled AUC's negatives (0, as the shared benchmark).

    Returns
    -------
    EvaluationReport
        Mean scores per dataset and overall, with the information gain over the centre
        prior as ``IG``, and the median time of ``predict``.

    Raises
    ------
    ValueError
        No datasets, a split other than ``train`` or ``val``, a dataset with no image in
        the split, or a model that returns a bad map (NaN values, not 2-D).
    FileNotFoundError
        A folder without ``annotations.json``.
    UnknownModelError
        No model of that name is registered.
    WeightsUnavailableError
        The named model's weights cannot be had (rather than scoring the fallback model
        :func:`~smartcrop_core.saliency.get_model` would give in its place).
    """
    if not datasets:
        raise ValueError("no dataset to evaluate on: pass at least one dataset folder")
    if name is None:
        name = model if isinstance(model, str) else type(model).__name__
    predictor = get_model(model)
    # get_model falls back to the classical model when weights are missing; scoring that
    # under the asked name would mislead.
    if (
        isinstance(model, str)
        and model != FALLBACK_MODEL
        and predictor is get_model(FALLBACK_MODEL)
    ):
        raise WeightsUnavailableError(
            f"the weights of model {model!r} are unavailable, so it cannot be evaluated; "
            f"set SMARTCROP_WEIGHTS_DIR to the folder that holds them"
        )
    groups = []
    for folder in datasets:
        samples = load_fixation_dataset(folder, splits=(split,), limit=limit)
        if not samples:
            raise ValueError(f"{folder} has no images in the {split!r} split")
        groups.append(samples)
    return evaluate_samples(predictor, groups, name=name, split=split, seed=seed)


def evaluate_samples(
    model: SaliencyModel,
    groups: Sequence[Sequence[FixationSample]],
    *,
    name: str,
    split: str,
    seed: int = 0,
) -> EvaluationReport:
    """Score a saliency model on groups of samples, one group per dataset.

    The shuffled AUC of an image draws its negatives from the other images of its group.
    :func:`evaluate_model` is this on the images of dataset folders; this form scores any
    chosen images, such as the held-out part of a training split.
    """
    baseline = get_model(BASELINE_MODEL)
    rng = np.random.default_rng(seed)
    per_image: dict[str, list[dict[str, float]]] = {}
    times_s: dict[str, list[float]] = {}
    for samples in groups:
        dataset = samples[0].dataset
        if dataset in per_image:
            raise ValueError(f"dataset {dataset!r} is given twice")
        per_image[dataset], times_s[dataset] = [], []
        for index, sample in enumerate(samples):
            negatives = shuffled_negatives(samples, index, rng)
            rgb = _load_rgb(sample.path)
            started = time.perf_counter()
            predicted = model.predict(rgb)
            times_s[dataset].append(time.perf_counter() - started)
            saliency_map = resize_map(predicted, sample.height, sample.width)
            baseline_map = resize_map(baseline.predict(rgb), sample.height, sample.width)
            per_image[dataset].append(
                fixation_metrics(saliency_map, sample.fixations, negatives, baseline_map)
            )
    per_image[OVERALL] = [scores for dataset in list(per_image) for scores in per_image[dataset]]
    times_s[OVERALL] = [seconds for dataset in list(times_s) for seconds in times_s[dataset]]
    return EvaluationReport(
        model=name,
        split=split,
        scores={
            dataset: {metric: _mean([s[metric] for s in scores]) for metric in METRIC_NAMES}
            for dataset, scores in per_image.items()
        },
        images={dataset: len(scores) for dataset, scores in per_image.items()},
        timings_ms={dataset: 1000 * statistics.median(t) for dataset, t in times_s.items()},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print a table of every metric per model and dataset; 0 on success."""
    parser = argparse.ArgumentParser(
        prog="python -m smartcrop_core.training.evaluate",
        description=(
            "Score saliency models on eye-tracking data: AUC-Judd, shuffled AUC, NSS, CC, "
            "KLD (lower is better), SIM, and IG, the information gain over the centre prior "
            "in bits per fixation; means over images, ms = median time of one prediction."
        ),
    )
    parser.add_argument(
        "--model",
        action="append",
        required=True,
        help="a registered saliency model (centre, spectral, fastgaze, ...); repeatable",
    )
    parser.add_argument(
        "--data",
        action="append",
        required=True,
        type=Path,
        help="a dataset folder holding annotations.json and images/; repeatable",
    )
    parser.add_argument("--split", default="val", choices=("val", "train"))
    parser.add_argument("--limit", type=int, default=None, help="first N images of each dataset")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores here")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")

    # Plugins may register more models; core must not need them to be imported.
    from smartcrop_plugins.manager import get_plugin_manager

    get_plugin_manager()
    reports = []
    for name in args.model:
        try:
            report = evaluate_model(name, args.data, args.split, args.limit)
        except (UnknownModelError, WeightsUnavailableError, FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not reports:
            print(table_header())
        reports.append(report)
        for row in report.table_rows():
            print(row)
    if args.json is not None:
        args.json.write_text(json.dumps([report.to_dict() for report in reports], indent=1))
    return 0


def _load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _mean(values: Sequence[float]) -> float:
    """Mean of the finite values (a shuffled AUC may be NaN); NaN when there are none."""
    finite = [value for value in values if not np.isnan(value)]
    return float(np.mean(finite)) if finite else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
