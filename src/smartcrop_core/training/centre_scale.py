"""Choosing how strong a trained model's centre bias is at inference, on held-out train images.

A learned centre bias raises AUC and NSS (people look at the middle of photos) and lowers the
shuffled AUC, which scores fixations of this image against those of other images: the very
centre bias is then no help. :func:`sweep_centre_scale` scores a finished run's network with
its bias scaled by each factor, on the run's held-out train images, next to reference models
on the same images; :func:`choose_centre_scale` keeps the bias whose smallest margin over
the project's targets against those references is largest (the saliency issue's targets:
AUC and NSS above the centre-primed FastGaze's by 0.01 and 0.15, shuffled AUC above the
plain FastGaze's by 0.02), so that the choice holds on images it was not made on. The
``val`` split is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..saliency import get_model
from ..saliency.nets.common import CentreBias, NetworkSaliency
from .evaluate import OVERALL, EvaluationReport, evaluate_samples
from .train import TrainConfig, load_run, split_samples

__all__ = ["TARGETS", "CentreScaleSweep", "choose_centre_scale", "sweep_centre_scale"]

#: Reference model and margin each metric must beat: (metric, reference, margin).
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("AUC", "fastgaze", 0.01),
    ("NSS", "fastgaze", 0.15),
    ("sAUC", "fastgaze-raw", 0.02),
)
DEFAULT_SCALES: tuple[float, ...] = (1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)


@dataclass(frozen=True)
class CentreScaleSweep:
    """Held-out scores of a run's network at several centre-bias scales, and references.

    Attributes
    ----------
    scales : dict
        Scale -> overall scores (metric -> value).
    references : dict
        Reference model name -> overall scores.
    images : int
        Held-out images scored.
    """

    scales: dict[float, dict[str, float]]
    references: dict[str, dict[str, float]]
    images: int

    def margins(self, scale: float) -> dict[str, float]:
        """How far each target metric is above its reference plus margin at ``scale``."""
        scores = self.scales[scale]
        return {
            metric: scores[metric] - (self.references[reference][metric] + margin)
            for metric, reference, margin in TARGETS
        }


def sweep_centre_scale(
    run: str | Path,
    scales: Sequence[float] = DEFAULT_SCALES,
    *,
    mirror: bool = False,
    input_size: int | None = None,
) -> CentreScaleSweep:
    """Score a finished run's network at each centre-bias scale on its held-out images.

    ``mirror`` scores it with test-time mirroring (see
    :class:`~smartcrop_core.saliency.nets.common.NetworkSaliency`), ``input_size`` at
    another input size than it was trained at.
    """
    network, config_dict = load_run(run)
    config = TrainConfig(**config_dict)
    _, holdout = split_samples(config)
    groups = _by_dataset(holdout)
    model = NetworkSaliency(network, input_size or config.input_size, mirror=mirror)
    results = {}
    for scale in scales:
        for module in network.modules():
            if isinstance(module, CentreBias):
                module.scale = scale
        results[scale] = _overall(evaluate_samples(model, groups, name=str(scale), split="train"))
    references = {
        name: _overall(evaluate_samples(get_model(name), groups, name=name, split="train"))
        for name in sorted({reference for _, reference, _ in TARGETS})
    }
    return CentreScaleSweep(results, references, len(holdout))


def choose_centre_scale(sweep: CentreScaleSweep) -> float:
    """The scale whose smallest margin over the targets is largest (ties: the stronger bias).

    Examples
    --------
    >>> scores = {"AUC": 0.87, "NSS": 2.2, "sAUC": 0.76}
    >>> sweep = CentreScaleSweep(
    ...     scales={1.0: {**scores, "sAUC": 0.74}, 0.5: scores, 0.2: {**scores, "AUC": 0.85}},
    ...     references={"fastgaze": {"AUC": 0.85, "NSS": 1.9}, "fastgaze-raw": {"sAUC": 0.73}},
    ...     images=10,
    ... )
    >>> choose_centre_scale(sweep)
    0.5
    """
    return max(sweep.scales, key=lambda scale: (min(sweep.margins(scale).values()), scale))


def format_sweep(sweep: CentreScaleSweep) -> str:
    """A table of the sweep: one row per scale and per reference."""
    metrics = [metric for metric, _, _ in TARGETS]
    lines = [
        f"{sweep.images} held-out train images",
        f"{'':16}" + "".join(f"{m:>8}" for m in metrics),
    ]
    for name, scores in sweep.references.items():
        lines.append(f"{name:16}" + "".join(f"{scores[m]:8.4f}" for m in metrics))
    for scale, scores in sweep.scales.items():
        margins = sweep.margins(scale)
        ok = "meets targets" if min(margins.values()) >= 0 else ""
        row = f"{'scale ' + format(scale, 'g'):16}" + "".join(f"{scores[m]:8.4f}" for m in metrics)
        lines.append(f"{row}  {ok}")
    return "\n".join(lines)


def _by_dataset(samples) -> list[list]:
    groups: dict[str, list] = {}
    for sample in samples:
        groups.setdefault(sample.dataset, []).append(sample)
    return list(groups.values())


def _overall(report: EvaluationReport) -> dict[str, float]:
    return report.scores[OVERALL]
