"""A DeepGaze-II-style network: a frozen ImageNet backbone read out by a few 1x1 convolutions.

Kümmerer, Wallis and Bethge, *DeepGaze II: Reading fixations from deep features trained on
object recognition* (2016): features from several depths of a frozen classifier are brought
to one grid and concatenated; a small stack of 1x1 convolutions with softplus between them
maps them to one channel; the map is upsampled, blurred with a fixed Gaussian, and a learned
centre bias is added. The result is an unnormalised log-density: a softmax over its pixels is
the probability that a look lands there.

Here the backbone is a small MobileNet (see :mod:`.backbones`), the feature grid has stride
16 and the output stride 4. Training can compute the frozen features once per image with
:meth:`DeepGazeNet.extract` and train :meth:`DeepGazeNet.readout` on them; only the readout
(:meth:`DeepGazeNet.readout_state_dict`) is ours to save and ship, never the backbone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from .backbones import load_backbone
from .common import CentreBias, FixedBlur

__all__ = [
    "FEATURE_STRIDE",
    "OUTPUT_STRIDE",
    "DeepGazeNet",
    "ReadoutHead",
    "grid_size",
    "resample_to_grid",
]

FEATURE_STRIDE = 16
OUTPUT_STRIDE = 4


def grid_size(height: int, width: int, stride: int) -> tuple[int, int]:
    """Cells of a stride-``stride`` grid over a ``height x width`` image (rounded up, as the
    stride-2 convolutions with padding 1 of the backbones round)."""
    return math.ceil(height / stride), math.ceil(width / stride)


def resample_to_grid(feature: torch.Tensor, stride: int, size: tuple[int, int]) -> torch.Tensor:
    """Resample a stride-``stride`` map bilinearly onto the stride-16 grid of ``size`` cells.

    The map is scaled by ``stride / 16`` so that its cells keep their place in the image,
    then cut to ``size``: a stride-32 map of ``n`` cells spans ``32 n`` pixels, two cells of
    the grid each, which can be one more than the image needs.
    """
    if stride == FEATURE_STRIDE and tuple(feature.shape[-2:]) == size:
        return feature
    scaled = (
        max(size[0], math.ceil(feature.shape[-2] * stride / FEATURE_STRIDE)),
        max(size[1], math.ceil(feature.shape[-1] * stride / FEATURE_STRIDE)),
    )
    resampled = functional.interpolate(feature, size=scaled, mode="bilinear", align_corners=False)
    return resampled[..., : size[0], : size[1]]


class ReadoutHead(nn.Module):
    """The trainable part: 1x1 convolutions, fixed blur and centre bias.

    Parameters
    ----------
    in_channels : int
        Channels of the concatenated backbone features.
    hidden_channels : sequence of int
        Widths of the hidden 1x1 convolutions before the last one to a single channel
        (DeepGaze II: 16, 32, 2).
    blur_sigma : float
        Width of the fixed Gaussian blur, in output cells (stride 4: 1 cell = 4 input px).
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: Sequence[int] = (16, 32, 2),
        blur_sigma: float = 2.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for width in hidden_channels:
            # Softplus rather than ReLU, as DeepGaze II: no unit of so small a readout may die.
            layers += [nn.Conv2d(channels, width, 1), nn.Softplus()]
            channels = width
        layers.append(nn.Conv2d(channels, 1, 1))
        self.layers = nn.Sequential(*layers)
        self.blur = FixedBlur(blur_sigma)
        self.centre_bias = CentreBias()

    def forward(self, features: torch.Tensor, out_size: tuple[int, int]) -> torch.Tensor:
        """Log-densities ``(b, h', w')`` at stride 4 from stride-16 features ``(b, C, h, w)``."""
        cells = self.layers(features)
        grid_h, grid_w = cells.shape[-2:]
        scale = FEATURE_STRIDE // OUTPUT_STRIDE
        if out_size[0] > grid_h * scale or out_size[1] > grid_w * scale:
            raise ValueError(
                f"output size {out_size} exceeds the {grid_h}x{grid_w} feature grid times {scale}"
            )
        # Upsample the whole grid (each cell stands for a 16x16 block), then cut it back to
        # the image, so that cells keep their place when the image is not a multiple of 16.
        upsampled = functional.interpolate(
            cells, size=(grid_h * scale, grid_w * scale), mode="bilinear", align_corners=False
        )[..., : out_size[0], : out_size[1]]
        blurred = self.blur(upsampled)[:, 0]
        return blurred + self.centre_bias(*out_size)


class DeepGazeNet(nn.Module):
    """Frozen MobileNet features, a DeepGaze II readout, blur and centre bias: log-densities.

    Maps RGB ``(b, 3, h, w)`` in ``[0, 1]`` to unnormalised log-densities
    ``(b, ceil(h / 4), ceil(w / 4))`` (:attr:`stride` 4).

    Parameters
    ----------
    backbone : str
        ``"mobilenet_v2"`` (torchvision's weights) or ``"mobilenet_v1_025"`` (a 0.47 M
        parameter MobileNet-V1 from Pytorch_Retinaface).
    layers : sequence of int, optional
        Backbone blocks to read (see the backbone classes); by default its
        ``default_blocks``: depths of stride 8, 16 and 32.
    hidden_channels : sequence of int
        Hidden widths of the 1x1 readout.
    blur_sigma : float
        Fixed blur width in output cells.
    weights : str or os.PathLike, optional
        A local backbone weights file instead of the default one.
    pretrained : bool
        Load the backbone's ImageNet weights; ``False`` leaves them random (for tests of
        shapes without the weight files).
    """

    stride = OUTPUT_STRIDE

    def __init__(
        self,
        backbone: str = "mobilenet_v2",
        layers: Sequence[int] | None = None,
        *,
        hidden_channels: Sequence[int] = (16, 32, 2),
        blur_sigma: float = 2.0,
        weights: str | os.PathLike | None = None,
        pretrained: bool = True,
    ) -> None:
        super().__init__()
        self.backbone_name = backbone
        self.backbone = load_backbone(backbone, weights, pretrained=pretrained)
        self.layers = tuple(self.backbone.default_blocks if layers is None else layers)
        strides = self.backbone.block_strides
        self.layer_strides = tuple(strides[index] for index in self.layers)
        in_channels = sum(self.backbone.block_channels[index] for index in self.layers)
        self.hidden_channels = tuple(hidden_channels)
        self.blur_sigma = float(blur_sigma)
        self.head = ReadoutHead(in_channels, self.hidden_channels, self.blur_sigma)

    @property
    def feature_channels(self) -> int:
        """Channels of :meth:`extract`'s output."""
        return self.head.layers[0].in_channels

    @property
    def config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this architecture (to save beside the readout)."""
        return {
            "backbone": self.backbone_name,
            "layers": list(self.layers),
            "hidden_channels": list(self.hidden_channels),
            "blur_sigma": self.blur_sigma,
        }

    def train(self, mode: bool = True) -> DeepGazeNet:
        """Set the readout's mode; the frozen backbone stays in eval mode (its batch norms
        must keep their ImageNet statistics)."""
        super().train(mode)
        self.backbone.eval()
        return self

    def extract(self, images: torch.Tensor) -> torch.Tensor:
        """Concatenated frozen features ``(b, C, ceil(h / 16), ceil(w / 16))`` of RGB in [0, 1].

        Computed without gradients: the backbone is frozen, so training may compute these
        once per image and feed them to :meth:`readout`.
        """
        size = grid_size(images.shape[-2], images.shape[-1], FEATURE_STRIDE)
        with torch.no_grad():
            maps = self.backbone.features(images, self.layers)
            resampled = [
                resample_to_grid(feature, stride, size)
                for feature, stride in zip(maps, self.layer_strides, strict=True)
            ]
            return torch.cat(resampled, dim=1)

    def readout(
        self, features: torch.Tensor, out_size: tuple[int, int] | None = None
    ) -> torch.Tensor:
        """Log-densities ``(b, h', w')`` at stride 4 from :meth:`extract`'s features.

        Parameters
        ----------
        features : torch.Tensor
            ``(b, C, gh, gw)`` stride-16 features.
        out_size : (int, int), optional
            ``(ceil(h / 4), ceil(w / 4))`` for an ``h x w`` input; by default the whole
            grid, ``(4 gh, 4 gw)``.
        """
        if out_size is None:
            out_size = (features.shape[-2] * 4, features.shape[-1] * 4)
        return self.head(features, tuple(out_size))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Log-densities ``(b, ceil(h / 4), ceil(w / 4))`` of RGB ``images`` in ``[0, 1]``."""
        out_size = grid_size(images.shape[-2], images.shape[-1], OUTPUT_STRIDE)
        return self.readout(self.extract(images), out_size)

    def readout_state_dict(self) -> dict[str, torch.Tensor]:
        """The trainable weights only (readout and centre bias), without the backbone's."""
        return self.head.state_dict()

    def load_readout_state_dict(
        self, state: Mapping[str, torch.Tensor], strict: bool = True
    ) -> None:
        """Load weights saved by :meth:`readout_state_dict`."""
        self.head.load_state_dict(state, strict=strict)
