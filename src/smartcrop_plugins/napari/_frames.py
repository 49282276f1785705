"""An Image layer's data as the engine reads it: 2-D frames, one per index of the leading axes.

napari's last two axes (after the colour axis of an RGB layer is set aside) are the rows
and columns on screen; every axis before them (time, z, channel stacks) is a frame index.
Frames are read one at a time, so a dask- or zarr-backed stack is never loaded whole, and
through the layer's contrast limits, so the engine sees what the user sees: a 12-bit
microscope image displayed between 100 and 900 is analysed as displayed, not as a nearly
black uint16 array.

Examples
--------
>>> import numpy as np
>>> frames = LayerFrames(np.arange(24, dtype=float).reshape(2, 3, 4), rgb=False,
...                      contrast_limits=(0.0, 23.0), name="stack")
>>> frames.leading_shape, frames.frame_shape, frames.indices
((2,), (3, 4), [(0,), (1,)])
>>> frames.frame((1,)).dtype, int(frames.frame((1,))[-1, -1])
(dtype('uint8'), 255)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from smartcrop_core import InvalidImageError

__all__ = ["LayerFrames", "UnsupportedLayerError", "frames_of_layer"]


class UnsupportedLayerError(InvalidImageError):
    """A layer smartcrop cannot crop: not an Image layer, empty, or of a non-numeric dtype."""


@dataclass(frozen=True)
class LayerFrames:
    """The frames of an image layer's data.

    Parameters
    ----------
    data : array-like
        The layer's data (numpy, dask, zarr...): ``(..., rows, cols)`` or, when ``rgb``,
        ``(..., rows, cols, channels)``.
    rgb : bool
        The last axis holds colour channels (napari's ``layer.rgb``).
    contrast_limits : tuple of float or None
        The values shown as black and white; ``None`` hands uint8 data to the engine as it is.
    name : str
        The layer's name, for messages.
    """

    data: Any
    rgb: bool
    contrast_limits: tuple[float, float] | None
    name: str = "image"

    @property
    def spatial_ndim(self) -> int:
        """Axes of one frame: 2, or 3 with the colour axis."""
        return 3 if self.rgb else 2

    @property
    def leading_shape(self) -> tuple[int, ...]:
        """Shape of the frame axes (``()`` for a single 2-D image)."""
        return tuple(self.data.shape[: len(self.data.shape) - self.spatial_ndim])

    @property
    def frame_shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of every frame."""
        rows, cols = self.data.shape[len(self.leading_shape) :][:2]
        return int(rows), int(cols)

    @property
    def indices(self) -> list[tuple[int, ...]]:
        """Every frame's index into the leading axes, in C order."""
        return list(np.ndindex(*self.leading_shape))

    def raw_frame(self, index: tuple[int, ...]) -> np.ndarray:
        """The frame at ``index`` as stored (its dtype, no contrast limits applied)."""
        return np.asarray(self.data[tuple(index)])

    def frame(self, index: tuple[int, ...]) -> np.ndarray:
        """The frame at ``index`` as displayed: uint8, ``(rows, cols)`` or ``(rows, cols, c)``."""
        return self.displayed(self.raw_frame(index))

    def displayed(self, raw: np.ndarray) -> np.ndarray:
        """A raw frame through the contrast limits, as uint8 (float32 if it holds NaN)."""
        if self.contrast_limits is None:
            return raw
        low, high = self.contrast_limits
        if raw.dtype == np.uint8 and (low, high) == (0, 255):
            return raw
        span = high - low if high > low else 1.0
        unit = np.clip((raw.astype(np.float32) - np.float32(low)) / np.float32(span), 0, 1)
        if self.rgb and raw.shape[-1] == 4:
            # Alpha is opacity, not intensity: napari does not stretch it.
            unit[..., 3] = _alpha_unit(raw[..., 3])
        if np.isnan(unit).any():
            return unit  # NaN survives the clip; the engine names the problem
        return np.round(unit * 255).astype(np.uint8)


def _alpha_unit(alpha: np.ndarray) -> np.ndarray:
    if np.issubdtype(alpha.dtype, np.integer):
        return alpha.astype(np.float32) / np.iinfo(alpha.dtype).max
    return np.clip(alpha.astype(np.float32), 0, 1)


def frames_of_layer(layer: Any) -> LayerFrames:
    """The frames of a napari Image layer, checked.

    Multiscale layers are read at their finest level.

    Raises
    ------
    UnsupportedLayerError
        ``layer`` is not an Image layer (Labels, Shapes, Points... are refused by name), is
        empty, or does not hold numbers.
    """
    from napari.layers import Image

    if layer is None:
        raise UnsupportedLayerError(
            "no image layer is selected: open a photo (File > Open Files) or a sample "
            "(File > Open Sample > smartcrop), then select it"
        )
    if not isinstance(layer, Image):
        # __class__, not type(): napari hands plugins layers wrapped in a proxy.
        raise UnsupportedLayerError(
            f"layer {layer.name!r} is a {layer.__class__.__name__} layer; smartcrop crops Image "
            "layers: select one in the layer list"
        )
    data = layer.data[0] if layer.multiscale else layer.data
    frames = LayerFrames(
        data=data,
        rgb=bool(layer.rgb),
        contrast_limits=tuple(float(v) for v in layer.contrast_limits),
        name=layer.name,
    )
    shape = tuple(data.shape)
    if len(shape) < frames.spatial_ndim or 0 in shape:
        raise UnsupportedLayerError(f"layer {layer.name!r} is empty (shape {shape})")
    dtype = np.dtype(getattr(data, "dtype", np.float64))
    if dtype.kind not in "biuf":
        raise UnsupportedLayerError(
            f"layer {layer.name!r} holds {dtype} values; smartcrop needs numbers"
        )
    return frames
