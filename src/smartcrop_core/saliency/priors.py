"""Centre prior and density helpers shared by the saliency models.

People look at the middle of a photo more than at its edges. The prior is a Gaussian
centred on the image with a standard deviation of a quarter of each side, as in the MIT
saliency benchmark's centre baseline; models add it to their log-density.
"""

from __future__ import annotations

import numpy as np

__all__ = ["centre_log_prior", "softmax_density"]


def centre_log_prior(height: int, width: int, strength: float = 1.0) -> np.ndarray:
    """Log of an unnormalised centred Gaussian, ``(height, width)`` float32.

    ``strength`` multiplies the log-prior: 0 disables it, 1 is the benchmark's Gaussian.

    Examples
    --------
    >>> prior = centre_log_prior(5, 5)
    >>> float(prior[2, 2]) == float(prior.max())
    True
    """
    rows = (np.arange(height, dtype=np.float32) + 0.5 - height / 2) / (height / 4)
    cols = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / (width / 4)
    return (-0.5 * strength * (rows[:, None] ** 2 + cols[None, :] ** 2)).astype(np.float32)


def softmax_density(log_density: np.ndarray) -> np.ndarray:
    """Normalise a log-density map into a float32 density summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> float(softmax_density(np.zeros((2, 2))).sum())
    1.0
    """
    shifted = np.exp(log_density.astype(np.float64) - float(np.max(log_density)))
    return (shifted / shifted.sum()).astype(np.float32)
