"""Classical saliency that needs no weights: the fallback when no trained model is at hand.

Spectral residual saliency (Hou & Zhang, CVPR 2007): the parts of an image's log amplitude
spectrum that a smooth spectrum does not explain mark what stands out. Combined with the
centre prior, it is a reasonable guess of where people look.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from .priors import centre_log_prior, softmax_density

__all__ = ["CentrePriorSaliency", "SpectralResidualSaliency"]

_SPECTRUM_SIZE = 64
_FLOOR = 1e-6
# Share of the peak below which spectral saliency counts as background.
_FLOOR_SHARE = 0.01


class SpectralResidualSaliency:
    """Spectral residual saliency with a centre prior.

    Parameters
    ----------
    centre_prior : float
        Strength of the centre prior (0 disables it).
    """

    def __init__(self, *, centre_prior: float = 1.0) -> None:
        self.centre_prior = centre_prior

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Density over the pixels of ``rgb`` (``(h, w)`` float32 summing to 1)."""
        height, width = rgb.shape[:2]
        gray = Image.fromarray(rgb).convert("L")
        factor = _SPECTRUM_SIZE / max(width, height)
        small_size = (max(2, round(width * factor)), max(2, round(height * factor)))
        small = np.asarray(gray.resize(small_size, Image.Resampling.BILINEAR), dtype=np.float64)
        spectrum = np.fft.fft2(small)
        log_amplitude = np.log(np.abs(spectrum) + _FLOOR)
        smooth = _box_mean(log_amplitude, 3)
        residual = np.exp(log_amplitude - smooth) * np.exp(1j * np.angle(spectrum))
        saliency = np.abs(np.fft.ifft2(residual)) ** 2
        saliency_image = Image.fromarray((saliency / saliency.max() * 255).astype(np.uint8))
        blurred = saliency_image.filter(ImageFilter.GaussianBlur(radius=small_size[0] / 24))
        upsampled = np.asarray(
            blurred.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32
        )
        log_density = np.log(upsampled / 255.0 + _FLOOR_SHARE)
        if self.centre_prior:
            log_density = log_density + centre_log_prior(height, width, self.centre_prior)
        return softmax_density(log_density)


class CentrePriorSaliency:
    """The centre prior alone: the baseline every model must beat."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Density over the pixels of ``rgb`` (``(h, w)`` float32 summing to 1)."""
        return softmax_density(centre_log_prior(*rgb.shape[:2]))


def _box_mean(values: np.ndarray, size: int) -> np.ndarray:
    padded = np.pad(values, size // 2, mode="wrap")
    total = np.zeros_like(values)
    for row in range(size):
        for col in range(size):
            total += padded[row : row + values.shape[0], col : col + values.shape[1]]
    return total / (size * size)
