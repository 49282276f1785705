"""Saliency models: where people will look, as a density over the pixels of an image.

A model is any object with a ``predict(rgb) -> density`` method (see :class:`SaliencyModel`).
Models are registered by name with a factory and built once, on first use; registering
a model imports nothing heavy.

Examples
--------
>>> from smartcrop_core import saliency
>>> "fastgaze" in saliency.available_models()
True
>>> import numpy as np
>>> density = saliency.get_model("spectral").predict(np.zeros((40, 60, 3), np.uint8))
>>> density.shape, density.dtype, round(float(density.sum()), 3)
((40, 60), dtype('float32'), 1.0)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from ..registry import Registry

__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODEL",
    "FALLBACK_MODEL",
    "MODELS",
    "SaliencyModel",
    "available_models",
    "default_model_name",
    "get_model",
    "register_model",
]

#: The model used when none is named (``$SMARTCROP_MODEL`` overrides it): the project's
#: own student network, shipped in the package, so the default needs no download.
DEFAULT_MODEL = "student"
#: The classical model used when the weights of the asked one cannot be had.
FALLBACK_MODEL = "spectral"


@runtime_checkable
class SaliencyModel(Protocol):
    """What the pipeline needs of a saliency model."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Saliency of an ``(h, w, 3)`` uint8 RGB image.

        Returns an ``(h, w)`` float32 array of non-negative values that sums to 1: the
        probability that a look lands on each pixel.
        """
        ...


#: Every registered saliency model, by name.
MODELS: Registry[SaliencyModel] = Registry("saliency model", "predict")


def register_model(
    name: str, factory: Callable[[], SaliencyModel], *, replace: bool = False
) -> None:
    """Make a saliency model available as ``model=name``; built on first use."""
    MODELS.register(name, factory, replace=replace)


def default_model_name() -> str:
    """The model used when none is named: ``$SMARTCROP_MODEL``, else :data:`DEFAULT_MODEL`."""
    return os.environ.get("SMARTCROP_MODEL") or DEFAULT_MODEL


def available_models() -> list[str]:
    """Names of the registered saliency models, sorted."""
    return MODELS.names()


def get_model(model: str | SaliencyModel | None = None) -> SaliencyModel:
    """A ready model: the one registered as ``model``, the default, or ``model`` itself.

    When the weights of a named model cannot be had, logs a warning once and returns the
    classical :data:`FALLBACK_MODEL` instead of failing: a crop without a trained model is
    better than no crop.

    Raises
    ------
    UnknownModelError
        No model of that name is registered.
    """
    default = default_model_name()
    name = model or default
    fallback = None if name == FALLBACK_MODEL else (lambda: MODELS.load(FALLBACK_MODEL))
    return MODELS.resolve(
        model,
        default=default,
        fallback=fallback,
        consequence=f"using the classical {FALLBACK_MODEL!r} model instead",
    )


def _builtin_models() -> dict[str, Callable[[], SaliencyModel]]:
    from functools import partial

    from . import fastgaze, spectral, trained

    return {
        "student": partial(trained.shipped_model, "student"),
        # One pass instead of the image and its mirror: half the saliency time, a little
        # less accurate (see benchmarks/README.md).
        "student-fast": partial(trained.shipped_model, "student", mirror=False),
        "deepgaze-mobilenet-v2": partial(trained.shipped_model, "deepgaze-mobilenet-v2"),
        "fastgaze": fastgaze.FastGazeSaliency,
        "fastgaze-raw": fastgaze.raw_fastgaze,
        "spectral": spectral.SpectralResidualSaliency,
        "centre": spectral.CentrePriorSaliency,
    }


#: The models this package brings, by name; registered at import so the engine works alone.
BUILTIN_MODELS = _builtin_models()
for _name, _factory in BUILTIN_MODELS.items():
    register_model(_name, _factory)
