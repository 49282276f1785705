"""The compact student: a small network trained from scratch to predict where people look.

Twitter's own route to a fast cropper (Theis et al., 2018) was to distil a DeepGaze II
teacher into a small, pruned network; this follows that idea with a network designed small
from the start. Depthwise-separable convolutions take the image to stride 16; dilated
blocks there widen the context to most of a 256 px image; a readout fuses stride-8 detail
with stride-16 context into one map, blurred and added to a learned centre bias.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from .common import CentreBias, FixedBlur

__all__ = ["StudentNet"]


def _separable(
    in_channels: int, out_channels: int, *, stride: int = 1, dilation: int = 1
) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            in_channels,
            3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            groups=in_channels,
            bias=False,
        ),
        nn.BatchNorm2d(in_channels),
        nn.ReLU6(inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(inplace=True),
    )


class _Residual(nn.Module):
    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class StudentNet(nn.Module):
    """The student: RGB in ``[0, 1]`` -> log-density at stride 8.

    Parameters
    ----------
    width : int
        Channels of the first stage; later stages scale from it.
    blur_sigma : float
        Width, in output cells, of the fixed blur on the readout.

    Examples
    --------
    >>> import torch
    >>> network = StudentNet()
    >>> network(torch.rand(2, 3, 192, 256)).shape
    torch.Size([2, 24, 32])
    """

    stride = 8

    def __init__(self, width: int = 16, blur_sigma: float = 1.0) -> None:
        super().__init__()
        c1, c2, c3, c4 = width, int(width * 1.5), int(width * 2.5), width * 4
        self.stem = nn.Sequential(
            nn.Conv2d(3, c1, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(c1),
            nn.ReLU6(inplace=True),
        )
        self.stage4 = nn.Sequential(_separable(c1, c2, stride=2), _Residual(_separable(c2, c2)))
        self.stage8 = nn.Sequential(_separable(c2, c3, stride=2), _Residual(_separable(c3, c3)))
        self.stage16 = nn.Sequential(
            _separable(c3, c4, stride=2),
            _Residual(_separable(c4, c4, dilation=2)),
            _Residual(_separable(c4, c4, dilation=4)),
        )
        self.readout = nn.Sequential(
            nn.Conv2d(c3 + c4, 16, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 1, 1),
        )
        self.blur = FixedBlur(blur_sigma)
        self.centre_bias = CentreBias()
        self.register_buffer(
            "mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), persistent=False
        )
        self.register_buffer(
            "std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1), persistent=False
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.stem((images - self.mean) / self.std)
        at8 = self.stage8(self.stage4(x))
        at16 = self.stage16(at8)
        context = functional.interpolate(
            at16, size=at8.shape[-2:], mode="bilinear", align_corners=False
        )
        logits = self.blur(self.readout(torch.cat([at8, context], dim=1)))
        height, width = logits.shape[-2:]
        return logits[:, 0] + self.centre_bias(height, width)
