"""The trainable saliency architectures by name, and loading their trained weights."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

__all__ = ["ARCHITECTURES", "EUCLIDEAN_LOSS", "load_trained", "trainable_state"]


def _student(**options) -> nn.Module:
    from .student import StudentNet

    return StudentNet(**options)


def _deepgaze(backbone: str) -> Callable[..., nn.Module]:
    def build(**options) -> nn.Module:
        from .deepgaze import DeepGazeNet

        return DeepGazeNet(backbone, **options)

    return build


def _pan(**options) -> nn.Module:
    from .pan import PanDeepNet

    return PanDeepNet(**options)


#: Architecture name -> constructor of an untrained network (keyword options allowed).
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "student": _student,
    "deepgaze-mobilenet-v2": _deepgaze("mobilenet_v2"),
    "deepgaze-mobilenet-v1": _deepgaze("mobilenet_v1_025"),
    "pan": _pan,
}
#: Architectures trained with Pan et al.'s Euclidean loss on blurred fixation maps; the
#: others with the fixation log-likelihood.
EUCLIDEAN_LOSS = frozenset({"pan"})


def trainable_state(network: nn.Module) -> dict[str, torch.Tensor]:
    """The weights training changes: the readout alone for a frozen-backbone network, so
    that third-party backbone weights never end up in our files."""
    if hasattr(network, "readout_state_dict"):
        return network.readout_state_dict()
    return network.state_dict()


def load_trained(architecture: str, weights: str | Path, **options) -> nn.Module:
    """A network of ``architecture`` with trained weights (as saved by :func:`train`)."""
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}"
        )
    network = ARCHITECTURES[architecture](**options)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    if hasattr(network, "load_readout_state_dict"):
        network.load_readout_state_dict(state)
    else:
        network.load_state_dict(state)
    return network.eval()
