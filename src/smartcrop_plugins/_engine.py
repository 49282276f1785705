"""Shared by the faces: one place that turns options into a configured engine call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from smartcrop_core import CropResult, SmartCropper
from smartcrop_core.faces import DETECTORS
from smartcrop_core.imaging import ImageInput
from smartcrop_core.saliency import MODELS, SaliencyModel, default_model_name

from .manager import get_plugin_manager, image_from_plugins, plugins_generation, resolve_stages

__all__ = ["crop_results", "make_cropper", "normalise_input"]


def make_cropper(
    *,
    model: str | SaliencyModel | None = None,
    faces: bool = True,
    stages: Sequence[str] | None = None,
) -> SmartCropper:
    """A :class:`SmartCropper` with plugins loaded: named stages and models resolve.

    Croppers configured by names are kept and reused, so their analysis cache serves
    successive calls on the same image.
    """
    if model is None or isinstance(model, str):
        get_plugin_manager()  # load plugins first: they may register the named model
        # Registering anything changes a generation number, which retires stale croppers.
        generations = (MODELS.generation, DETECTORS.generation, plugins_generation())
        # The default is resolved here so that a changed $SMARTCROP_MODEL takes effect.
        name = model or default_model_name()
        return _named_cropper(name, faces, tuple(stages or ()), generations)
    return SmartCropper(model=model, faces=faces, stages=resolve_stages(stages))


@lru_cache(maxsize=16)
def _named_cropper(
    model: str | None, faces: bool, stages: tuple[str, ...], generations: tuple[int, ...]
) -> SmartCropper:
    return SmartCropper(model=model, faces=faces, stages=resolve_stages(stages))


def normalise_input(image: Any) -> ImageInput:
    """``image`` itself when the engine reads it, else what a plugin turns it into."""
    from pathlib import PurePath

    import numpy as np
    from PIL import Image

    if isinstance(image, (Image.Image, np.ndarray, str, PurePath)):
        return image
    converted = image_from_plugins(image)
    if converted is None:
        from smartcrop_core import InvalidImageError

        raise InvalidImageError(
            f"cannot crop a {type(image).__name__}: give a PIL image, a numpy array or a "
            "file path (or install a plugin that converts this type)"
        )
    return converted


def crop_results(
    image: Any,
    aspects: Iterable,
    *,
    zooms: Iterable[float] = (1.0,),
    model: str | SaliencyModel | None = None,
    faces: bool = True,
    stages: Sequence[str] | None = None,
    details: bool = False,
    channel_axis: int | None = -1,
) -> list[CropResult]:
    """Run the engine on ``image`` for every aspect and zoom."""
    cropper = make_cropper(model=model, faces=faces, stages=stages)
    return cropper.crop_many(
        normalise_input(image), aspects, zooms=zooms, details=details, channel_axis=channel_axis
    )
