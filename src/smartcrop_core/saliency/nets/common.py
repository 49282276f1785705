"""Pieces shared by the saliency networks: centre bias, fixed blur, the inference wrapper."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ...imaging import resize_longer_side

__all__ = ["CentreBias", "FixedBlur", "NetworkSaliency", "normalised_grid"]


def normalised_grid(height: int, width: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates in ``[-1, 1]``: ``(rows (h, 1), cols (1, w))``."""
    rows = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height * 2 - 1
    cols = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width * 2 - 1
    return rows[:, None], cols[None, :]


class CentreBias(nn.Module):
    """A learned log-prior over normalised image positions, independent of the content.

    A Gaussian with learned widths and strength plus a coarse learned residual grid,
    resampled to any output size, so that one bias serves every aspect ratio.

    :attr:`scale` (not learned, default 1) multiplies the bias at inference: a weaker centre
    bias trades a little AUC and NSS for a better shuffled AUC, which discounts it.
    """

    def __init__(self, grid: tuple[int, int] = (6, 8)) -> None:
        super().__init__()
        self.scale = 1.0
        # Widths start at half the half-side (a quarter of the side), the benchmark prior.
        self.log_sigma = nn.Parameter(torch.log(torch.tensor([0.5, 0.5])))
        self.strength = nn.Parameter(torch.tensor(1.0))
        self.residual = nn.Parameter(torch.zeros(1, 1, *grid))

    def forward(self, height: int, width: int) -> torch.Tensor:
        rows, cols = normalised_grid(height, width, self.residual.device)
        sigma_y, sigma_x = torch.exp(self.log_sigma)
        gaussian = -0.5 * ((rows / sigma_y) ** 2 + (cols / sigma_x) ** 2)
        residual = functional.interpolate(
            self.residual, size=(height, width), mode="bilinear", align_corners=False
        )[0, 0]
        return self.scale * (self.strength * gaussian + residual)


class FixedBlur(nn.Module):
    """A separable Gaussian blur with a fixed width, as DeepGaze applies to its readout."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        radius = max(1, math.ceil(3 * sigma))
        offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
        self.register_buffer("kernel", kernel / kernel.sum(), persistent=False)
        self.radius = radius

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        """Blur ``(b, 1, h, w)`` maps, replicating the border."""
        padded = functional.pad(maps, (self.radius,) * 4, mode="replicate")
        horizontal = functional.conv2d(padded, self.kernel.view(1, 1, 1, -1))
        return functional.conv2d(horizontal, self.kernel.view(1, 1, -1, 1))


class NetworkSaliency:
    """A saliency model (``predict(rgb) -> density``) around a network of this package.

    Parameters
    ----------
    network : torch.nn.Module
        Maps ``(b, 3, h, w)`` RGB in ``[0, 1]`` to log-densities ``(b, h', w')``.
    input_size : int
        Longer side, in pixels, of the image fed to the network.
    mirror : bool
        Also run the network on the mirrored image and average the two log-densities
        (test-time augmentation: twice the time, a steadier map).
    """

    def __init__(self, network: nn.Module, input_size: int, *, mirror: bool = False) -> None:
        self.network = network.eval()
        self.input_size = input_size
        self.mirror = mirror

    def log_density(self, rgb: np.ndarray) -> torch.Tensor:
        """Log-density map of ``rgb`` at the network's output resolution."""
        # Networks halve the input several times: keep a few pixels per side at least.
        resized = resize_longer_side(rgb, self.input_size, min_side=8)
        tensor = torch.from_numpy(resized).permute(2, 0, 1)[None]
        with torch.inference_mode():
            batch = tensor.float() / 255.0
            if not self.mirror:
                return self.network(batch)[0]
            both = self.network(torch.cat([batch, batch.flip(-1)]))
            return (both[0] + both[1].flip(-1)) / 2

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Density over the pixels of ``rgb`` (``(h, w)`` float32 summing to 1)."""
        height, width = rgb.shape[:2]
        logits = self.log_density(rgb)
        with torch.inference_mode():
            full = functional.interpolate(
                logits[None, None], size=(height, width), mode="bilinear", align_corners=False
            )[0, 0]
            density = torch.softmax(full.flatten().double(), 0).view(height, width)
        return density.float().numpy()
