"""Smart crop and saliency as scikit-image filters: image first, keyword-only options.

Both accept any dtype scikit-image takes, grayscale (``channel_axis=None``) or colour,
and never modify their input.

Examples
--------
>>> from skimage import data, filters as skfilters
>>> from smartcrop_plugins.filters import saliency, smartcrop
>>> astronaut = data.astronaut()                      # 512 x 512 RGB
>>> crop = smartcrop(astronaut, aspect=16 / 9, zoom=0.5)
>>> crop.shape
(144, 256, 3)
>>> heat = saliency(astronaut)
>>> heat.shape, heat.dtype, float(heat.max())
((512, 512), dtype('float32'), 1.0)
>>> smoothed = skfilters.gaussian(smartcrop(data.camera(), channel_axis=None), sigma=2)
>>> smoothed.shape
(512, 512)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from smartcrop_core.imaging import resize_float_map
from smartcrop_core.saliency import SaliencyModel

from ._engine import crop_results, make_cropper, normalise_input

__all__ = ["saliency", "smartcrop", "smartcrop_box"]


def smartcrop_box(
    image: np.ndarray,
    aspect: float | str = 1.0,
    *,
    zoom: float = 1.0,
    channel_axis: int | None = -1,
    faces: bool = True,
    model: str | SaliencyModel | None = None,
    stages: Sequence[str] | None = None,
) -> tuple[slice, slice]:
    """The best crop as ``(rows, cols)`` slices of the spatial axes.

    Parameters are those of :func:`smartcrop`.
    """
    (result,) = crop_results(
        image,
        [aspect],
        zooms=[zoom],
        model=model,
        faces=faces,
        stages=stages,
        channel_axis=channel_axis,
    )
    return result.box.to_slices()


def smartcrop(
    image: np.ndarray,
    aspect: float | str = 1.0,
    *,
    zoom: float = 1.0,
    channel_axis: int | None = -1,
    faces: bool = True,
    model: str | SaliencyModel | None = None,
    stages: Sequence[str] | None = None,
) -> np.ndarray:
    """Crop ``image`` to ``aspect`` where people will look.

    Parameters
    ----------
    image : ndarray
        2-D grayscale or 3-D colour image of any scikit-image dtype.
    aspect : float or str
        Width / height of the crop: ``1.5``, ``"16:9"``.
    zoom : float
        In ``(0, 1]``: 1.0 is the largest box of that aspect that fits, 0.6 makes each side
        60 % of that.
    channel_axis : int or None
        Axis of the colour channels; ``None`` for grayscale.
    faces : bool
        Detect faces and avoid cutting them.
    model : str or SaliencyModel, optional
        Saliency model (default: the package's default model).
    stages : sequence of str, optional
        Names of extra analysis stages registered by plugins.

    Returns
    -------
    ndarray
        A view of ``image`` (same dtype, same channel axis) holding the crop.

    Examples
    --------
    >>> from skimage import data
    >>> smartcrop(data.coffee(), "1:1").shape
    (400, 400, 3)
    >>> smartcrop(data.camera(), 2.0, zoom=0.5, channel_axis=None).shape
    (128, 256)
    """
    image = np.asarray(normalise_input(image))
    rows, cols = smartcrop_box(
        image,
        aspect,
        zoom=zoom,
        channel_axis=channel_axis,
        faces=faces,
        model=model,
        stages=stages,
    )
    index: list[slice] = [slice(None)] * image.ndim
    spatial = _spatial_axes(image.ndim, channel_axis)
    index[spatial[0]], index[spatial[1]] = rows, cols
    return image[tuple(index)]


def saliency(
    image: np.ndarray,
    *,
    channel_axis: int | None = -1,
    model: str | SaliencyModel | None = None,
) -> np.ndarray:
    """Where people will look: a float32 map in ``[0, 1]`` of the image's spatial shape.

    The map is the model's density scaled so that its maximum is 1.

    Parameters
    ----------
    image : ndarray
        2-D grayscale or 3-D colour image of any scikit-image dtype.
    channel_axis : int or None
        Axis of the colour channels; ``None`` for grayscale.
    model : str or SaliencyModel, optional
        Saliency model (default: the package's default model).

    Examples
    --------
    >>> from skimage import data
    >>> heat = saliency(data.camera(), channel_axis=None)
    >>> heat.shape, 0.0 <= float(heat.min()) <= float(heat.max()) <= 1.0
    ((512, 512), True)
    """
    array = np.asarray(normalise_input(image))
    analysis = make_cropper(model=model, faces=False).analyze(array, channel_axis=channel_axis)
    density = analysis.saliency
    height, width = _spatial_shape(array, channel_axis)
    if density.shape != (height, width):
        density = resize_float_map(density, width, height)
    peak = float(density.max())
    return (density / peak if peak > 0 else density).astype(np.float32)


def _spatial_axes(ndim: int, channel_axis: int | None) -> tuple[int, int]:
    if ndim == 2 or channel_axis is None:
        return 0, 1
    channel = channel_axis % ndim
    return tuple(axis for axis in range(ndim) if axis != channel)  # type: ignore[return-value]


def _spatial_shape(array: np.ndarray, channel_axis: int | None) -> tuple[int, int]:
    rows, cols = _spatial_axes(array.ndim, channel_axis)
    return array.shape[rows], array.shape[cols]
