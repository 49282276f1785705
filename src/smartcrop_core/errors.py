"""Exceptions raised by smartcrop, each naming what was wrong and how to fix it.

Every exception derives from :class:`SmartcropError`; those about a bad argument also derive
from :class:`ValueError` (and unknown names from :class:`KeyError`) so that callers who catch
the built-in types keep working.
"""

from __future__ import annotations

__all__ = [
    "InvalidAspectError",
    "InvalidBoxError",
    "InvalidImageError",
    "InvalidZoomError",
    "SmartcropError",
    "UnknownModelError",
    "WeightsUnavailableError",
]


class SmartcropError(Exception):
    """Base class of every error smartcrop raises on purpose."""


class InvalidImageError(SmartcropError, ValueError):
    """The image cannot be analysed: empty, too small, not an image, truncated, NaN pixels..."""


class InvalidAspectError(SmartcropError, ValueError):
    """An aspect ratio that is not a finite positive number (or a ``"W:H"`` string)."""


class InvalidZoomError(SmartcropError, ValueError):
    """A zoom outside ``(0, 1]``."""


class InvalidBoxError(SmartcropError, ValueError):
    """A box (to score, or a boost) that is not ``(left, upper, right, lower)`` inside the image."""


class UnknownModelError(SmartcropError, KeyError):
    """A saliency model, face detector or stage name that nothing registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class WeightsUnavailableError(SmartcropError, RuntimeError):
    """Model weights that could not be found, downloaded or verified."""
