"""The hooks smartcrop plugins implement, and the markers to implement them with.

A plugin is a module or object with functions marked ``@hookimpl``, registered through the
entry-point group ``smartcrop`` (third parties) or by :mod:`smartcrop_plugins.manager`
(built-ins). Registration hooks hand the plugin a ``register`` callback, so that checking
and error messages stay in the host.

Examples
--------
A plugin that adds a saliency model and a stage (``pyproject.toml`` of the plugin's
package: ``[project.entry-points.smartcrop] my_plugin = "my_plugin"``):

>>> from smartcrop_plugins.hookspecs import hookimpl
>>> class FlatSaliency:
...     def predict(self, rgb):
...         import numpy as np
...         return np.full(rgb.shape[:2], 1 / (rgb.shape[0] * rgb.shape[1]), np.float32)
>>> @hookimpl
... def smartcrop_register_saliency_models(register):
...     register("flat", FlatSaliency)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "smartcrop"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def smartcrop_register_saliency_models(register: Callable[..., None]) -> None:
    """Register saliency models.

    Call ``register(name, factory, *, replace=False)`` once per model. ``factory()`` builds
    an object with ``predict(rgb: ndarray (h, w, 3) uint8) -> ndarray (h, w) float32`` that
    sums to 1; it is called once, on first use, so it may load weights.
    """


@hookspec
def smartcrop_register_face_detectors(register: Callable[..., None]) -> None:
    """Register face detectors.

    Call ``register(name, factory, *, replace=False)``. ``factory()`` builds an object with
    ``detect(rgb) -> tuple[smartcrop_core.Face, ...]`` in the pixels of ``rgb``.
    """


@hookspec
def smartcrop_register_stages(register: Callable[..., None]) -> None:
    """Register analysis stages.

    Call ``register(name, stage, *, default=False)``. ``stage(analysis) -> analysis`` takes a
    :class:`smartcrop_core.Analysis` and returns a new one (``analysis.evolve(...)``), for
    example with a reweighted saliency map or extra faces. Stages named by the caller run
    after saliency and faces; ``default=True`` stages run in every crop.
    """


@hookspec(firstresult=True)
def smartcrop_image_to_array(image: Any) -> Any:
    """Turn an image object smartcrop does not know into something it does.

    Return a numpy array (``(h, w)`` or ``(h, w, c)`` with channels last) or a PIL image,
    or ``None`` when the object is not yours. The first non-``None`` answer wins.
    """
