"""FastGaze, Twitter's saliency network for cropping, rebuilt in torch from its weight file.

Theis et al., *Faster gaze prediction with dense networks and Fisher pruning* (2018): a pruned
DeepGaze-II-style network. The file holds a VGG-like trunk (ten 3x3 convolutions with ReLU,
2x2 max pooling after every second one but the last) and a 1x1 readout with leaky ReLUs; the
output is a logit map at stride 16. Input: the image resized so its longer side is 320 px,
as raw bytes minus per-channel means, no scaling. The channel order that scores best on
human fixations is blue-green-red (Caffe's), and a centre prior improves it further.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import WeightsUnavailableError
from ..imaging import resize_longer_side
from ..weights import WeightsSource, fetch
from .priors import centre_log_prior, softmax_density
from .vxm import VxmFile

__all__ = ["FASTGAZE_WEIGHTS", "FastGazeSaliency", "build_fastgaze_network"]

FASTGAZE_WEIGHTS = WeightsSource(
    filename="fastgaze.vxm",
    url=(
        "https://github.com/twitter-research/image-crop-analysis/raw/"
        "d66ad3bb3881fdbd12a27e04c3e57cc8fd772dd1/bin/fastgaze.vxm"
    ),
    sha256="b76cefc218ec8969cc62b26ad0f41111800421287e7f2725d808da1d90afbdf7",
    licence="Apache-2.0",
)

_CONV, _POOL, _BLUR = 0, 2, 3
_RELU, _LEAKY_RELU = 1, 4
# Subtracted from input channels 0, 1, 2, whatever their order (the file's convention).
_CHANNEL_MEANS = (103.939, 116.779, 123.68)
INPUT_SIZE = 320
STRIDE = 16


def build_fastgaze_network(path: str | Path):
    """A ``torch.nn.Sequential`` with the layers and weights of a FastGaze ``.vxm`` file."""
    import torch
    from torch import nn

    weights = VxmFile(path)
    layers: list[nn.Module] = []
    channels = 3
    for index in range(weights.int32("layerCount")):
        kind = weights.int32(f"{index}Type")
        if kind == _CONV:
            shape = tuple(weights.int32(f"{index}w.shape[{axis}]") for axis in range(4))
            out_channels, in_channels, kernel_h, kernel_w = shape
            if in_channels != channels:
                raise WeightsUnavailableError(
                    f"{path}: layer {index} expects {in_channels} input channels, "
                    f"the layer before gives {channels}"
                )
            conv = nn.Conv2d(
                in_channels,
                out_channels,
                (kernel_h, kernel_w),
                padding=(kernel_h // 2, kernel_w // 2),
            )
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(weights.float32(f"{index}w", shape)))
                conv.bias.copy_(torch.from_numpy(weights.float32(f"{index}b", (out_channels,))))
            layers.append(conv)
            activation = weights.int32(f"{index}Act")
            if activation == _RELU:
                layers.append(nn.ReLU(inplace=True))
            elif activation == _LEAKY_RELU:
                slope = float(weights.float32(f"{index}alpha", (1,))[0])
                layers.append(nn.LeakyReLU(slope, inplace=True))
            else:
                raise WeightsUnavailableError(f"{path}: layer {index} has activation {activation}")
            channels = out_channels
        elif kind == _POOL:
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        elif kind == _BLUR:
            # Stored but never applied by Twitter's own runtime; applying it lowers the scores.
            continue
        else:
            raise WeightsUnavailableError(f"{path}: layer {index} has unknown type {kind}")
    return nn.Sequential(*layers).eval()


class FastGazeSaliency:
    """Saliency from Twitter's FastGaze network, optionally with a centre prior.

    Parameters
    ----------
    weights : str or os.PathLike, optional
        A local ``fastgaze.vxm``; by default it is fetched (see :mod:`smartcrop_core.weights`).
    centre_prior : float
        Strength of the centre prior added to the logits (0 disables it).
    bgr : bool
        Feed channels in blue-green-red order, which fits human fixations better.
    input_size : int
        Longer side of the image fed to the network.
    """

    def __init__(
        self,
        weights: str | os.PathLike | None = None,
        *,
        centre_prior: float = 1.0,
        bgr: bool = True,
        input_size: int = INPUT_SIZE,
    ) -> None:
        self.network = build_fastgaze_network(fetch(FASTGAZE_WEIGHTS, weights))
        self.centre_prior = centre_prior
        self.bgr = bgr
        self.input_size = input_size

    def logits(self, rgb: np.ndarray) -> np.ndarray:
        """The network's logit map for ``rgb``, upsampled to ``rgb``'s size (float32)."""
        import torch
        from torch.nn import functional

        height, width = rgb.shape[:2]
        resized = resize_longer_side(rgb, self.input_size, Image.Resampling.LANCZOS)
        size = (resized.shape[1], resized.shape[0])
        pixels = resized[:, :, ::-1] if self.bgr else resized
        tensor = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
        tensor = (tensor - torch.tensor(_CHANNEL_MEANS)).permute(2, 0, 1)[None]
        with torch.inference_mode():
            cells = self.network(tensor)
            # Cell (i, j) stands for the 16x16 block it pools; upsample over the whole
            # padded grid, then cut the grid back to the input and resize to the caller's.
            grid_h, grid_w = cells.shape[-2:]
            full = functional.interpolate(
                cells, size=(grid_h * STRIDE, grid_w * STRIDE), mode="bilinear", align_corners=False
            )
            full = full[..., : size[1], : size[0]]
            out = functional.interpolate(
                full, size=(height, width), mode="bilinear", align_corners=False
            )
        return out[0, 0].numpy().astype(np.float32)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Density over the pixels of ``rgb`` (``(h, w)`` float32 summing to 1)."""
        logits = self.logits(rgb)
        if self.centre_prior:
            logits = logits + centre_log_prior(*logits.shape, strength=self.centre_prior)
        return softmax_density(logits)


def raw_fastgaze() -> FastGazeSaliency:
    """FastGaze as Twitter runs it: red-green-blue input, no centre prior."""
    return FastGazeSaliency(centre_prior=0.0, bgr=False)
