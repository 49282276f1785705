"""Smart crop and saliency as scikit-image filters: image first, keyword-only options.

Both accept any dtype scikit-image takes, grayscale (``channel_axis=None``) or colour,
and never modify their input.

Hints follow scikit-image's ``(row, col)`` convention, and their names say so:
``focus_rc=(row, col)`` is a focal point and ``boosts_rc`` takes boxes as
``(min_row, min_col, max_row, max_col)`` (the order of ``regionprops``' ``bbox``), so
what :mod:`skimage.measure` finds can be passed on as it is. Only
:class:`~smartcrop_core.Boost` and :class:`~smartcrop_core.Focus` objects, whose fields
are named ``x`` and ``y``, are in ``(x, y) = (col, row)`` order.

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
>>> rows, cols = smartcrop_box(astronaut, "1:2", focus_rc=(256, 480))  # (row, col)
>>> cols.start <= 480 < cols.stop
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

import numpy as np

from smartcrop_core import Boost, Focus, InvalidBoxError
from smartcrop_core.imaging import resize_float_map
from smartcrop_core.saliency import SaliencyModel

from ._engine import crop_results, make_cropper, normalise_input, read_point

__all__ = ["saliency", "smartcrop", "smartcrop_box"]

_RC_FORMS = (
    "give a box (min_row, min_col, max_row, max_col), a pair of slices (rows, cols), a point "
    "(row, col), any of these with a weight as (hint, weight), or a Boost / Focus object"
)


def smartcrop_box(
    image: np.ndarray,
    aspect: float | str = 1.0,
    *,
    zoom: float | str = 1.0,
    boosts_rc: Iterable[Any] | None = None,
    focus_rc: tuple[float, float] | None = None,
    channel_axis: int | None = -1,
    faces: bool = True,
    model: str | SaliencyModel | None = None,
    stages: Sequence[str] | None = None,
) -> tuple[slice, slice]:
    """The best crop as ``(rows, cols)`` slices of the spatial axes.

    Parameters are those of :func:`smartcrop`.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data, measure
    >>> coffee = data.coffee()                            # 400 x 600 RGB
    >>> mask = np.zeros(coffee.shape[:2], int)
    >>> mask[300:380, 20:120] = 1                         # a region to keep, lower left
    >>> region = measure.regionprops(mask)[0]
    >>> rows, cols = smartcrop_box(coffee, "1:1", boosts_rc=[region.bbox])
    >>> cols.start <= 20 and 120 <= cols.stop
    True
    """
    converted = normalise_input(image)
    shape = _spatial_shape_or_none(converted, channel_axis)
    (result,) = crop_results(
        converted,
        [aspect],
        zooms=[zoom],
        boosts=_rc_hints(boosts_rc, focus_rc, shape),
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
    zoom: float | str = 1.0,
    boosts_rc: Iterable[Any] | None = None,
    focus_rc: tuple[float, float] | None = None,
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
    zoom : float or "auto"
        In ``(0, 1]``: 1.0 is the largest box of that aspect that fits, 0.6 makes each side
        60 % of that. ``"auto"`` (any case) lets the ranker pick the tightest of
        :data:`smartcrop_core.search.AUTO_ZOOMS` that still keeps the subject.
    boosts_rc : iterable, optional
        What the crop should keep, in ``(row, col)`` order like the rest of scikit-image:
        boxes ``(min_row, min_col, max_row, max_col)`` with the max exclusive (a
        ``regionprops`` ``bbox``), ``(rows, cols)`` slice pairs (what
        :func:`smartcrop_box` returns), points ``(row, col)``, any of these as
        ``(hint, weight)``, or :class:`~smartcrop_core.Boost` /
        :class:`~smartcrop_core.Focus` objects (these in their own ``x``, ``y`` fields). A
        weight of 1 (the default) matters as much as all the predicted attention together.
    focus_rc : tuple of float, optional
        A focal point ``(row, col)`` to keep near the crop's centre (a ``regionprops``
        ``centroid``, a ``peak_local_max`` row).
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

    Raises
    ------
    InvalidBoxError
        A hint that is not one of the forms above, has a weight that is not positive, or
        lies outside the image; the message gives it in the order it was given in.

    Examples
    --------
    >>> from skimage import data
    >>> smartcrop(data.coffee(), "1:1").shape
    (400, 400, 3)
    >>> smartcrop(data.camera(), 2.0, zoom=0.5, channel_axis=None).shape
    (128, 256)
    >>> smartcrop(data.coffee(), "1:1", zoom="auto").shape[0] in (400, 360, 320, 280, 240, 200)
    True
    >>> smartcrop(data.coffee(), "1:2", focus_rc=(200, 590)).shape  # around row 200, col 590
    (400, 200, 3)
    """
    image = np.asarray(normalise_input(image))
    rows, cols = smartcrop_box(
        image,
        aspect,
        zoom=zoom,
        boosts_rc=boosts_rc,
        focus_rc=focus_rc,
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


def _spatial_shape_or_none(image: Any, channel_axis: int | None) -> tuple[int, int] | None:
    """``(rows, cols)`` of an array the engine will take, else None (the engine explains)."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        return None
    if image.ndim == 3 and (channel_axis is None or not -3 <= channel_axis < 3):
        return None
    return _spatial_shape(image, channel_axis)


def _rc_hints(
    boosts_rc: Iterable[Any] | None,
    focus_rc: tuple[float, float] | None,
    shape: tuple[int, int] | None,
) -> tuple[Boost | Focus, ...]:
    """The engine's ``(x, y)`` hints from ``(row, col)`` ones, checked against ``shape``."""
    if boosts_rc is None:
        items: list[Any] = []
    elif isinstance(boosts_rc, (Boost, Focus)):
        items = [boosts_rc]
    else:
        items = list(boosts_rc)
    hints = [_rc_hint(item, shape) for item in items]
    if focus_rc is not None:
        row, col = read_point(focus_rc, name="focus_rc", order="(row, col)")
        hints.append(_rc_point(row, col, 1.0, shape, name="focus_rc"))
    return tuple(hints)


def _rc_hint(
    item: Any, shape: tuple[int, int] | None, weight: float | None = None
) -> Boost | Focus:
    """One ``boosts_rc`` entry as a Boost or Focus (``weight`` from an outer pair)."""
    if isinstance(item, (Boost, Focus)) and weight is None:
        return item
    if isinstance(item, np.ndarray):
        item = item.tolist()
    if isinstance(item, (tuple, list)):
        if len(item) == 2 and all(isinstance(part, slice) for part in item):
            return _rc_box(_slice_bounds(*item), weight, shape)
        if _numbers(item) and len(item) == 4:
            return _rc_box(tuple(float(value) for value in item), weight, shape)
        if _numbers(item) and len(item) == 2:
            return _rc_point(float(item[0]), float(item[1]), weight, shape, name="boosts_rc")
        if len(item) == 2 and weight is None and _numbers(item[1:]):
            return _rc_hint(item[0], shape, _rc_weight(item[1], item))
    raise InvalidBoxError(f"boosts_rc: cannot read {item!r} as a hint; {_RC_FORMS}")


def _rc_box(
    bounds: tuple[float, ...], weight: float | None, shape: tuple[int, int] | None
) -> Boost:
    min_row, min_col, max_row, max_col = bounds
    if not all(math.isfinite(value) for value in bounds):
        raise InvalidBoxError(f"boosts_rc: box {_plain(bounds)} is not finite")
    if shape is not None:
        rows, cols = shape
        if not (0 <= min_row < max_row <= rows and 0 <= min_col < max_col <= cols):
            raise InvalidBoxError(
                "boosts_rc: box (min_row, min_col, max_row, max_col) = "
                f"{_plain(bounds)} is empty or outside the image's {rows} rows x {cols} cols"
            )
    return Boost((min_col, min_row, max_col, max_row), 1.0 if weight is None else weight)


def _rc_point(
    row: float, col: float, weight: float | None, shape: tuple[int, int] | None, *, name: str
) -> Focus:
    if not (math.isfinite(row) and math.isfinite(col)):
        raise InvalidBoxError(f"{name}: point (row, col) = {_plain((row, col))} is not finite")
    if shape is not None and not (0 <= row <= shape[0] and 0 <= col <= shape[1]):
        raise InvalidBoxError(
            f"{name}: point (row, col) = {_plain((row, col))} is outside the image's "
            f"{shape[0]} rows x {shape[1]} cols"
        )
    return Focus(col, row, 1.0 if weight is None else weight)


def _slice_bounds(rows: slice, cols: slice) -> tuple[float, float, float, float]:
    ends = (rows.start, cols.start, rows.stop, cols.stop)
    if not _numbers(ends) or rows.step not in (None, 1) or cols.step not in (None, 1):
        raise InvalidBoxError(
            f"boosts_rc: slices {rows!r}, {cols!r} need a start and a stop, and no step"
        )
    return tuple(float(end) for end in ends)  # type: ignore[return-value]


def _rc_weight(weight: Any, item: Any) -> float:
    value = float(weight)
    if not (math.isfinite(value) and value > 0):
        raise InvalidBoxError(f"boosts_rc: the weight of {item!r} must be a positive number")
    return value


def _numbers(values: Sequence[Any]) -> bool:
    return all(isinstance(value, Real) and not isinstance(value, bool) for value in values)


def _plain(values: Sequence[float]) -> tuple[float | int, ...]:
    return tuple(int(value) if float(value).is_integer() else value for value in values)
