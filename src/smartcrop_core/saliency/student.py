"""The project's own saliency model: the student network with the weights shipped inside.

The weights were trained by the project on the shared eye-tracking data (train splits);
``weights/student.json`` beside them records the command, data, seed and held-out scores
that reproduce them. No network access and no third-party weights are needed.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import WeightsUnavailableError

__all__ = ["STUDENT_INPUT_SIZE", "StudentSaliency", "shipped_student_info"]

#: Longer side of the image the student sees, as in training.
STUDENT_INPUT_SIZE = 256
_WEIGHTS = "student.pt"
_INFO = "student.json"


def _shipped(name: str) -> Path:
    return Path(str(resources.files("smartcrop_core.saliency.weights").joinpath(name)))


def shipped_student_info() -> dict[str, Any]:
    """How the shipped weights were made: command, data, seed, scores (``student.json``)."""
    path = _shipped(_INFO)
    if not path.is_file():
        raise WeightsUnavailableError(f"the package has no {_INFO}; reinstall smartcrop")
    return json.loads(path.read_text())


def StudentSaliency(weights: str | Path | None = None):  # noqa: N802 - a factory, used as a class
    """The student network as a saliency model (``predict(rgb) -> density``).

    Parameters
    ----------
    weights : str or Path, optional
        A ``.pt`` state dict of :class:`~smartcrop_core.saliency.nets.student.StudentNet`;
        by default the weights shipped in the package.
    """
    import torch

    from .nets.common import NetworkSaliency
    from .nets.student import StudentNet

    path = Path(weights) if weights is not None else _shipped(_WEIGHTS)
    if not path.is_file():
        raise WeightsUnavailableError(
            f"student weights {path} are missing; reinstall smartcrop or train them with "
            "'smartcrop-train saliency --arch student' (see weights/student.json)"
        )
    info = shipped_student_info() if weights is None else {}
    network = StudentNet(**info.get("network", {}))
    network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return NetworkSaliency(network, info.get("input_size", STUDENT_INPUT_SIZE))
