"""Shared by the faces: one place that turns options into a configured engine call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from numbers import Real
from typing import Any

from smartcrop_core import Boost, CropResult, Focus, InvalidBoxError, SmartCropper
from smartcrop_core.boosts import BoostLike, as_boosts
from smartcrop_core.faces import DETECTORS
from smartcrop_core.imaging import ImageInput
from smartcrop_core.saliency import MODELS, SaliencyModel, default_model_name

from .manager import get_plugin_manager, image_from_plugins, plugins_generation, resolve_stages

__all__ = [
    "crop_results",
    "hints",
    "make_cropper",
    "make_thread_cropper",
    "normalise_input",
    "read_point",
]


def make_cropper(
    *,
    model: str | SaliencyModel | None = None,
    faces: bool = True,
    stages: Sequence[str] | None = None,
) -> SmartCropper:
    """A :class:`SmartCropper` with plugins loaded: named stages and models resolve.

    Croppers configured by names are kept and reused, so their analysis cache serves
    successive calls on the same image. Boosts are not part of a cropper: they are given to
    each call (:func:`crop_results`), so calls with different boosts share one cropper and
    one analysis of the image.
    """
    if model is None or isinstance(model, str):
        get_plugin_manager()  # load plugins first: they may register the named model
        # Registering anything changes a generation number, which retires stale croppers.
        generations = (MODELS.generation, DETECTORS.generation, plugins_generation())
        # The default is resolved here so that a changed $SMARTCROP_MODEL takes effect.
        name = model or default_model_name()
        return _named_cropper(name, faces, tuple(stages or ()), generations)
    return SmartCropper(model=model, faces=faces, stages=resolve_stages(stages))


def make_thread_cropper(
    *,
    model: str | SaliencyModel | None = None,
    faces: bool = True,
    stages: Sequence[str] | None = None,
) -> SmartCropper:
    """A new :class:`SmartCropper` configured as :func:`make_cropper`'s, for one thread.

    The croppers of :func:`make_cropper` are shared, and so are the models the registries
    build once per name: this one gets a saliency model and a face detector built afresh
    from the same factories (OpenCV's face detector is not thread-safe). Where
    :func:`make_cropper`'s cropper fell back on another model or on no faces because
    weights were missing, this one does the same, without a second warning. A model given
    as an object, and the stages plugins register, are shared as they are.
    """
    shared = make_cropper(model=model, faces=faces, stages=stages)
    return SmartCropper(
        model=MODELS.rebuild(shared.saliency_model),
        faces=faces,
        face_detector=DETECTORS.rebuild(shared.face_detector) if faces else None,
        stages=resolve_stages(stages),
    )


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
    zooms: Iterable[float | str] = (1.0,),
    boosts: Iterable[BoostLike] | None = None,
    model: str | SaliencyModel | None = None,
    faces: bool = True,
    stages: Sequence[str] | None = None,
    details: bool = False,
    channel_axis: int | None = -1,
) -> list[CropResult]:
    """Run the engine on ``image`` for every aspect and zoom, honouring ``boosts``.

    ``boosts`` are what :meth:`SmartCropper.crop_many` takes, in pixels of the image as
    displayed; they go to the call, never into the cached cropper.
    """
    cropper = make_cropper(model=model, faces=faces, stages=stages)
    return cropper.crop_many(
        normalise_input(image),
        aspects,
        zooms=zooms,
        boosts=boosts,
        details=details,
        channel_axis=channel_axis,
    )


def read_point(point: Any, *, name: str, order: str) -> tuple[float, float]:
    """Two pixel coordinates from ``point`` (numpy numbers too), in the order given.

    Raises
    ------
    InvalidBoxError
        ``point`` is not two finite numbers; the message names the argument and its order.

    Examples
    --------
    >>> import numpy as np
    >>> read_point(np.array([3, 4]), name="focus", order="(x, y)")
    (3.0, 4.0)
    >>> read_point((1, 2, 3), name="focus", order="(x, y)")
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidBoxError: focus must be a point (x, y) in pixels, got (1, 2, 3)
    """
    try:
        first, second = point
    except (TypeError, ValueError):
        first = second = None
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (first, second)):
        raise InvalidBoxError(f"{name} must be a point {order} in pixels, got {point!r}")
    return float(first), float(second)


def hints(
    boosts: Iterable[BoostLike] | None, focus: tuple[float, float] | Focus | None
) -> tuple[Boost | Focus, ...]:
    """``boosts`` as the engine's objects, with ``focus`` (a point ``(x, y)``) added.

    Examples
    --------
    >>> hints([(0, 0, 10, 10)], (5, 6))
    (Boost(box=(0.0, 0.0, 10.0, 10.0), weight=1.0), Focus(x=5.0, y=6.0, weight=1.0))
    """
    listed = as_boosts(boosts)
    if focus is None:
        return listed
    if not isinstance(focus, Focus):
        focus = Focus(*read_point(focus, name="focus", order="(x, y)"))
    return (*listed, focus)
