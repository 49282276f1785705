"""Pieces shared by the saliency networks: centre bias, fixed blur, the inference wrapper."""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ...imaging import resize_longer_side

_log = logging.getLogger(__name__)
#: Held while a network is traced and frozen (see :func:`freeze_for_inference`).
_FREEZING = threading.Lock()

__all__ = [
    "CentreBias",
    "FixedBlur",
    "NetworkSaliency",
    "freeze_for_inference",
    "fuse_batch_norms",
    "normalised_grid",
]


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


def fuse_batch_norms(network: nn.Module) -> nn.Module:
    """Fold every batch norm that follows a convolution into it, for inference.

    A frozen batch norm is an affine map per channel, so the convolution before it can
    absorb it: the network computes the same maps (up to float rounding) with one layer
    fewer per pair, about a tenth faster for the student. Only ``Conv2d -> BatchNorm2d``
    pairs that are neighbours inside an ``nn.Sequential`` are folded; the network is
    changed in place, put in eval mode and returned. Train a fused network no further.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> network = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).eval()
    >>> images = torch.rand(1, 3, 8, 8)
    >>> before = network(images)
    >>> fused = fuse_batch_norms(network)
    >>> len(fused), torch.allclose(before, fused(images), atol=1e-6)
    (2, True)
    """
    network.eval()
    for child in network.children():
        fuse_batch_norms(child)
    if isinstance(network, nn.Sequential):
        layers = list(network)
        kept: list[nn.Module] = []
        index = 0
        while index < len(layers):
            layer = layers[index]
            following = layers[index + 1] if index + 1 < len(layers) else None
            if isinstance(layer, nn.Conv2d) and isinstance(following, nn.BatchNorm2d):
                kept.append(nn.utils.fusion.fuse_conv_bn_eval(layer, following))
                index += 2
            else:
                kept.append(layer)
                index += 1
        if len(kept) < len(layers):
            for name in list(network._modules):
                del network._modules[name]
            for position, layer in enumerate(kept):
                network.add_module(str(position), layer)
    return network


def freeze_for_inference(
    network: nn.Module, example: torch.Tensor
) -> Callable[[torch.Tensor], torch.Tensor]:
    """A faster, frozen copy of ``network`` for inference on CPU, or the network itself.

    The network is traced on ``example``, frozen (weights become constants) and optimised
    for inference, which on CPU runs the convolutions with pre-packed oneDNN weights and
    fuses their activations: the student runs about 1.7 times faster. The trace follows
    every input size the network handles, because the networks here take all their sizes
    from the input's shape. Where this torch build cannot trace or optimise (the TorchScript
    route is deprecated in recent releases), the eager network is returned, with a debug
    log, so inference only ever gets faster.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> network = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).eval()
    >>> fast = freeze_for_inference(network, torch.rand(1, 3, 16, 16))
    >>> images = torch.rand(1, 3, 24, 20)
    >>> torch.allclose(fast(images), network(images), atol=1e-5)
    True
    """
    try:
        # One network at a time: warnings.catch_warnings changes the process's filters, and
        # threads freezing at once would restore each other's (letting trace notices out).
        with _FREEZING, warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # deprecation notices of the TorchScript route
            traced = torch.jit.trace(network.eval(), example.clone(), check_trace=False)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    except Exception as exc:  # any failure leaves the eager network
        _log.debug("running %s eagerly: it could not be frozen (%s)", type(network).__name__, exc)
        return network


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
    frozen : bool
        Run a frozen, inference-optimised copy of the network (see
        :func:`freeze_for_inference`), built at the first call; the network itself is left
        as it is. Use it for a network that will not change any more.
    """

    def __init__(
        self, network: nn.Module, input_size: int, *, mirror: bool = False, frozen: bool = False
    ) -> None:
        self.network = network.eval()
        self.input_size = input_size
        self.mirror = mirror
        self.frozen = frozen
        self._runner: Callable[[torch.Tensor], torch.Tensor] | None = None
        self._runner_lock = threading.Lock()

    def _run(self, batch: torch.Tensor) -> torch.Tensor:
        if not self.frozen:
            return self.network(batch)
        if self._runner is None:
            with self._runner_lock:
                if self._runner is None:
                    self._runner = freeze_for_inference(self.network, batch)
        return self._runner(batch)

    def log_density(self, rgb: np.ndarray) -> torch.Tensor:
        """Log-density map of ``rgb`` at the network's output resolution."""
        # Networks halve the input several times: keep a few pixels per side at least.
        resized = resize_longer_side(rgb, self.input_size, min_side=8)
        tensor = torch.from_numpy(resized).permute(2, 0, 1)[None]
        with torch.inference_mode():
            batch = tensor.float() / 255.0
            log_density = self._run(batch)[0]
            if not self.mirror:
                return log_density
            # Two passes of one image are quicker on a CPU than one pass of two.
            mirrored = self._run(batch.flip(-1))[0].flip(-1)
            return (log_density + mirrored) / 2

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Density over the pixels of ``rgb`` (``(h, w)`` float32 summing to 1)."""
        height, width = rgb.shape[:2]
        logits = self.log_density(rgb)
        with torch.inference_mode():
            full = functional.interpolate(
                logits[None, None], size=(height, width), mode="bilinear", align_corners=False
            )[0, 0]
            density = torch.exp(full - full.max())
            density /= density.sum()
        return density.numpy()
