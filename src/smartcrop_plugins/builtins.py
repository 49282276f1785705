"""The built-in models, detectors and adapters, registered as an ordinary plugin."""

from __future__ import annotations

from typing import Any

from smartcrop_core.faces import BUILTIN_DETECTORS
from smartcrop_core.saliency import BUILTIN_MODELS

from .hookspecs import hookimpl


@hookimpl
def smartcrop_register_saliency_models(register) -> None:
    for name, factory in BUILTIN_MODELS.items():
        register(name, factory)


@hookimpl
def smartcrop_register_face_detectors(register) -> None:
    for name, factory in BUILTIN_DETECTORS.items():
        register(name, factory)


@hookimpl(trylast=True)
def smartcrop_image_to_array(image: Any) -> Any:
    # Objects exposing the numpy array interface (imageio arrays, dask-free xarray data,
    # memory maps) become arrays; anything else is left to other plugins.
    if hasattr(image, "__array_interface__") or hasattr(image, "__array__"):
        import numpy as np

        return np.asarray(image)
    return None
