"""The analysis an image goes through, and the stages that add to it.

A stage is a callable ``Analysis -> Analysis``. It returns a new analysis (built with
:meth:`Analysis.evolve`) and never mutates the one it got, so stages compose freely and a
third-party stage cannot corrupt what the others see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .faces import FaceDetector
from .geometry import Face
from .imaging import WorkingImage
from .saliency import SaliencyModel

__all__ = ["Analysis", "DetectFaces", "PredictSaliency", "Stage", "run_stages"]


@dataclass(frozen=True)
class Analysis:
    """What is known about an image, in the pixels of its analysis copy.

    Attributes
    ----------
    image : WorkingImage
        The analysis copy and its relation to the original.
    saliency : numpy.ndarray or None
        ``(h, w)`` float32 density of looks, summing to 1, once a saliency stage ran.
    faces : tuple of Face
        Faces found so far, in analysis pixels.
    extras : dict
        Free room for third-party stages to pass data on; keys should be namespaced.
    """

    image: WorkingImage
    saliency: np.ndarray | None = field(default=None, repr=False)
    faces: tuple[Face, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict, repr=False)

    def evolve(self, **changes: Any) -> Analysis:
        """A copy with ``changes`` applied; the original stays as it was."""
        # A shallow copy, so that a later stage adding a key does not touch this analysis.
        changes.setdefault("extras", dict(self.extras))
        if "saliency" in changes and changes["saliency"] is not None:
            changes["saliency"] = _checked_density(changes["saliency"], self.image.pixels.shape)
        return dataclasses.replace(self, **changes)


Stage = Callable[[Analysis], Analysis]


class PredictSaliency:
    """Stage: the saliency density of the analysis image, from ``model``."""

    def __init__(self, model: SaliencyModel) -> None:
        self.model = model

    def __call__(self, analysis: Analysis) -> Analysis:
        return analysis.evolve(saliency=self.model.predict(analysis.image.pixels))


class DetectFaces:
    """Stage: faces in the analysis image, from ``detector``."""

    def __init__(self, detector: FaceDetector) -> None:
        self.detector = detector

    def __call__(self, analysis: Analysis) -> Analysis:
        return analysis.evolve(faces=tuple(self.detector.detect(analysis.image.pixels)))


def run_stages(analysis: Analysis, stages: list[Stage] | tuple[Stage, ...]) -> Analysis:
    """Apply ``stages`` in order, checking that each returns an :class:`Analysis`."""
    for stage in stages:
        result = stage(analysis)
        if not isinstance(result, Analysis):
            name = getattr(stage, "__name__", type(stage).__name__)
            raise TypeError(f"stage {name} returned {type(result).__name__}, not an Analysis")
        analysis = result
    return analysis


def _checked_density(saliency: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    saliency = np.asarray(saliency, dtype=np.float32)
    if saliency.shape != shape[:2]:
        raise ValueError(f"saliency map has shape {saliency.shape}, the analysis image {shape[:2]}")
    if not np.isfinite(saliency).all() or (saliency < 0).any():
        raise ValueError("saliency map must be finite and non-negative")
    total = float(saliency.sum())
    if total <= 0:
        density = np.full(saliency.shape, 1.0 / saliency.size, dtype=np.float32)
    else:
        density = saliency / np.float32(total)
    # Analyses are shared (cached, handed out in results): nobody may write into them.
    density.flags.writeable = False
    return density
