"""The project's own trained saliency models, shipped inside the package.

Each ``weights/NAME.pt`` was trained by the project on the shared eye-tracking data (train
splits) with ``smartcrop-train``; ``weights/NAME.json`` beside it records the architecture,
the command, data, seed and held-out scores that reproduce it. A frozen-backbone model
(DeepGaze) ships its readout only: the ImageNet backbone is third-party and comes from its
own package or a verified download. ``centre_bias_scale`` in the JSON, when present, weakens
the learned centre bias at inference (chosen on the train split, see the JSON's note);
``mirror`` averages the map of the image with that of its mirror image.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import WeightsUnavailableError

__all__ = ["shipped_info", "shipped_model"]


def _shipped(filename: str) -> Path:
    return Path(str(resources.files("smartcrop_core.saliency.weights").joinpath(filename)))


def shipped_info(name: str) -> dict[str, Any]:
    """How the shipped ``name`` weights were made (``weights/NAME.json``)."""
    path = _shipped(f"{name}.json")
    if not path.is_file():
        raise WeightsUnavailableError(
            f"the package has no trained model {name!r} ({path} is missing); reinstall "
            "smartcrop, or train one with 'smartcrop-train saliency'"
        )
    return json.loads(path.read_text())


def shipped_model(name: str, weights: str | Path | None = None, *, mirror: bool | None = None):
    """The shipped model ``name`` as a saliency model (``predict(rgb) -> density``).

    Parameters
    ----------
    name : str
        ``student`` or another file stem in ``smartcrop_core/saliency/weights``.
    weights : str or Path, optional
        Other trained weights of the same architecture to use instead.
    mirror : bool, optional
        Override the JSON's ``mirror`` setting: ``False`` runs one pass instead of two.
    """
    info = shipped_info(name)
    from .nets.architectures import load_trained
    from .nets.common import CentreBias, NetworkSaliency, fuse_batch_norms

    path = Path(weights) if weights is not None else _shipped(f"{name}.pt")
    if not path.is_file():
        raise WeightsUnavailableError(f"trained weights {path} are missing; reinstall smartcrop")
    network = load_trained(info["architecture"], path, **info.get("network", {}))
    scale = info.get("centre_bias_scale", 1.0)
    for module in network.modules():
        if isinstance(module, CentreBias):
            module.scale = scale
    return NetworkSaliency(
        fuse_batch_norms(network),
        info["input_size"],
        mirror=info.get("mirror", False) if mirror is None else mirror,
        frozen=True,
    )
