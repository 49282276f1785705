"""smartcrop-horizon: a smartcrop stage that pays less attention to the sky.

Saliency models like bright areas, and a bright sky (clouds, the sun) can draw more of the
predicted attention than the beach or the people below it. The ``horizon`` stage finds a
level horizon under a bright, smooth, blue or grey sky (see :func:`find_horizon`) and
multiplies the saliency above that line by a weight below 1 (``sky_weight``), so that crops
keep the ground. An image without such a horizon passes through unchanged.

The package is a complete smartcrop plugin: its ``pyproject.toml`` declares the module in
the ``smartcrop`` entry-point group, and :func:`smartcrop_register_stages` registers the
stage, which users then name: ``smartcrop(image, "1:1", stages=["horizon"])`` (Pillow) or
``smartcrop photo.jpg --stage horizon`` (command line).

Examples
--------
A bright sky over a dark sea, the horizon at row 40 of 100:

>>> import numpy as np
>>> pixels = np.zeros((100, 120, 3), np.uint8)
>>> pixels[:40] = (200, 220, 250)
>>> pixels[40:] = (20, 40, 70)
>>> find_horizon(pixels)
40
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from smartcrop_core import Analysis
from smartcrop_plugins.hookspecs import hookimpl

__all__ = [
    "EXTRA_KEY",
    "STAGE_NAME",
    "HorizonStage",
    "find_horizon",
    "horizon",
    "smartcrop_register_stages",
]

#: The name users give to select the stage (``stages=["horizon"]``, ``--stage horizon``).
STAGE_NAME = "horizon"
#: The key of ``Analysis.extras`` where the stage leaves the row it found (or ``None``).
EXTRA_KEY = "smartcrop_horizon.row"

# ITU-R BT.601 luma weights.
_LUMA = np.array([0.299, 0.587, 0.114])
# What tells a sky line from the edge of a table (see find_horizon's Notes):
_STEP_ROWS = 0.02  # "at the line": within this share of the height (at least one row)
_MIN_STEP_SHARE = 0.5  # share of the sky-ground contrast that happens at the line
_STRIPS = 8  # vertical strips the line is checked in ...
_MIN_STRIP_SHARE = 0.75  # ... and the share of them it must cross
_MAX_SKY_TEXTURE = 0.02  # mean luma difference between neighbouring sky pixels
_MIN_SKY_LUMA = 0.45  # mean luma of the sky


def _check_pixels(pixels: object) -> None:
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8:
        kind = getattr(pixels, "dtype", type(pixels).__name__)
        raise TypeError(f"pixels must be a uint8 numpy array, got {kind}")
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.shape[0] < 2:
        raise ValueError(f"pixels must be (h, w, 3) RGB with h >= 2, got shape {pixels.shape}")


def _checked_settings(min_contrast: float, search: tuple[float, float]) -> tuple[float, float]:
    """``search`` as two floats, once both settings of :func:`find_horizon` are checked."""
    if not isinstance(min_contrast, (int, float)) or not 0 < min_contrast <= 1:
        raise ValueError(f"min_contrast must be in (0, 1], got {min_contrast!r}")
    try:
        top, bottom = (float(share) for share in search)
    except (TypeError, ValueError):
        top = bottom = math.nan
    if not 0 <= top < bottom <= 1:
        raise ValueError(
            f"search must be (top, bottom) with 0 <= top < bottom <= 1, got {search!r}"
        )
    return top, bottom


def find_horizon(
    pixels: np.ndarray,
    *,
    min_contrast: float = 0.15,
    search: tuple[float, float] = (0.1, 0.9),
) -> int | None:
    """The row where a bright sky meets the darker ground, or ``None`` if there is none.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(h, w, 3)`` uint8 RGB image, as ``analysis.image.pixels`` is.
    min_contrast : float
        In ``(0, 1]``: how much brighter (in the 0-1 luma scale) the sky must be on average.
    search : tuple of float
        ``(top, bottom)``: the band of the height, as shares in ``[0, 1]``, where the horizon
        may lie.

    Returns
    -------
    int or None
        The first row of the ground (rows above it are sky), or ``None``.

    Raises
    ------
    TypeError
        ``pixels`` is not a numpy array of uint8.
    ValueError
        ``pixels`` is not ``(h, w, 3)`` with at least two rows, or a parameter is out of
        range.

    Notes
    -----
    The row is the split of the rows' mean brightness by Otsu's method: the row that best
    separates a bright top from a dark bottom. It is taken for a horizon only if

    * the top is brighter than the bottom by at least ``min_contrast`` on average;
    * at least half of that step happens within a few rows of the line (2 % of the
      height), in at least 6 of 8 vertical strips of the image: a sharp line across the
      width, not a gradient from top to bottom nor the edge of a single object;
    * the top looks like a daylight sky: smooth (neighbouring pixels differ by less than
      0.02 luma on average), bright (mean luma at least 0.45) and blue or grey (no
      redder than it is blue).

    The test is deliberately strict: a missed horizon leaves the crop as smartcrop would
    have made it, whereas a wrong one (a white wall above a desk) would push the crop
    away from the subject. It finds level horizons only; sunsets and night skies fail
    the colour and brightness tests.

    Examples
    --------
    >>> import numpy as np
    >>> sky_over_sea = np.zeros((100, 120, 3), np.uint8)
    >>> sky_over_sea[:40] = (200, 220, 250)
    >>> find_horizon(sky_over_sea)
    40
    >>> gradient = np.repeat(np.linspace(250, 0, 100, dtype=np.uint8), 120 * 3)
    >>> print(find_horizon(gradient.reshape(100, 120, 3)))  # darkens, but no line
    None
    >>> print(find_horizon(np.full((100, 120, 3), 128, np.uint8)))  # flat grey
    None
    """
    _check_pixels(pixels)
    top, bottom = _checked_settings(min_contrast, search)
    height = pixels.shape[0]
    luma = pixels.astype(np.float64) @ _LUMA / 255.0  # (h, w) in [0, 1]
    profile = luma.mean(axis=1)

    # Candidate horizons y: rows [0, y) are sky, rows [y, h) ground; both keep a row.
    first = max(1, math.ceil(top * height))
    last = min(height - 1, math.floor(bottom * height))
    if first > last:
        return None
    splits = np.arange(first, last + 1)
    cumulative = np.cumsum(profile)
    above = cumulative[splits - 1] / splits
    below = (cumulative[-1] - cumulative[splits - 1]) / (height - splits)
    share = splits / height
    # Otsu's between-class variance, for bright-over-dark splits only.
    contrast = above - below
    separation = np.where(contrast > 0, share * (1 - share) * contrast**2, -1.0)
    best = int(np.argmax(separation))
    if contrast[best] < min_contrast:
        return None
    row = int(splits[best])

    near = max(1, round(_STEP_ROWS * height))
    # The step at the line, per vertical strip: mean of a few rows above minus below.
    step = luma[max(0, row - near) : row].mean(axis=0) - luma[row : row + near].mean(axis=0)
    strips = np.array([part.mean() for part in np.array_split(step, _STRIPS) if part.size])
    if np.mean(strips >= _MIN_STEP_SHARE * contrast[best]) < _MIN_STRIP_SHARE:
        return None

    sky = luma[:row]
    texture = np.abs(np.diff(sky, axis=1)).mean() if sky.shape[1] > 1 else 0.0
    if row > 1:
        texture = (texture + np.abs(np.diff(sky, axis=0)).mean()) / 2
    red, _, blue = pixels[:row].reshape(-1, 3).mean(axis=0) / 255.0
    if texture > _MAX_SKY_TEXTURE or above[best] < _MIN_SKY_LUMA or red > blue:
        return None
    return row


class HorizonStage:
    """Stage ``Analysis -> Analysis``: lowers the saliency of the sky above a horizon.

    Parameters
    ----------
    sky_weight : float
        In ``(0, 1]``: the factor the saliency of the sky is multiplied by before the map
        is normalised again. 1 changes nothing; it cannot be 0, so that an image whose
        whole saliency lies in the sky still has a density.
    feather : float
        In ``[0, 1)``: the height, as a share of the image height, of the band around the
        horizon over which the weight rises from ``sky_weight`` to 1 (no hard edge).
    min_contrast, search
        How the horizon is found: see :func:`find_horizon`.

    Raises
    ------
    ValueError
        A parameter is out of range.

    Notes
    -----
    Only the saliency map changes: faces found in the sky are still protected, and the
    analysis image is untouched. The row found (``None`` when there is no horizon) is left
    in ``analysis.extras["smartcrop_horizon.row"]``, in pixels of the analysis image.

    Examples
    --------
    >>> import numpy as np
    >>> from smartcrop_core import Analysis
    >>> from smartcrop_core.imaging import WorkingImage
    >>> pixels = np.zeros((100, 120, 3), np.uint8)
    >>> pixels[:40] = (200, 220, 250)
    >>> flat = np.ones((100, 120))  # the same attention everywhere
    >>> analysis = Analysis(WorkingImage(pixels, (120, 100))).evolve(saliency=flat)
    >>> result = HorizonStage(sky_weight=0.25, feather=0)(analysis)
    >>> result.extras["smartcrop_horizon.row"]
    40
    >>> float(result.saliency[:40].sum() / result.saliency[40:].sum())  # 0.25 * 40 / 60
    0.16666...
    >>> round(float(result.saliency.sum()), 6)
    1.0
    """

    def __init__(
        self,
        *,
        sky_weight: float = 0.3,
        feather: float = 0.04,
        min_contrast: float = 0.15,
        search: tuple[float, float] = (0.1, 0.9),
    ) -> None:
        if not 0 < sky_weight <= 1:
            raise ValueError(f"sky_weight must be in (0, 1], got {sky_weight!r}")
        if not 0 <= feather < 1:
            raise ValueError(f"feather must be in [0, 1), got {feather!r}")
        self.sky_weight = float(sky_weight)
        self.feather = float(feather)
        self.min_contrast = min_contrast
        self.search = search
        _checked_settings(min_contrast, search)  # now, rather than on the first crop

    def __repr__(self) -> str:
        return (
            f"HorizonStage(sky_weight={self.sky_weight}, feather={self.feather}, "
            f"min_contrast={self.min_contrast}, search={self.search})"
        )

    def row_weights(self, height: int, horizon_row: int) -> np.ndarray:
        """``(height,)`` factors for the rows: ``sky_weight`` above the horizon, 1 below.

        Parameters
        ----------
        height : int
            Rows of the saliency map.
        horizon_row : int
            The first row of the ground, as :func:`find_horizon` gives it; the weight rises
            over ``feather * height`` rows centred on it.

        Returns
        -------
        numpy.ndarray
            float64 factors, from ``sky_weight`` at the top to 1 at the bottom.

        Examples
        --------
        >>> HorizonStage(sky_weight=0.5, feather=0.4).row_weights(5, 2).tolist()
        [0.5, 0.625, 0.875, 1.0, 1.0]
        """
        centres = np.arange(height) + 0.5
        band = self.feather * height
        if band == 0:
            rise = (centres >= horizon_row).astype(np.float64)
        else:
            rise = np.clip((centres - (horizon_row - band / 2)) / band, 0.0, 1.0)
        return self.sky_weight + (1.0 - self.sky_weight) * rise

    def __call__(self, analysis: Analysis) -> Analysis:
        """A new analysis whose saliency puts less weight on the sky.

        Parameters
        ----------
        analysis : smartcrop_core.Analysis
            An analysis that already has a saliency map (stages named by the caller run
            after the saliency model, so it has).

        Returns
        -------
        smartcrop_core.Analysis
            With the reweighted saliency (a density: non-negative, summing to 1) and the
            horizon row in its extras; the saliency is unchanged when there is no horizon.

        Raises
        ------
        TypeError
            ``analysis`` is not an :class:`~smartcrop_core.Analysis`.
        ValueError
            ``analysis`` has no saliency map yet.
        """
        if not isinstance(analysis, Analysis):
            raise TypeError(f"the horizon stage takes an Analysis, got {type(analysis).__name__}")
        if analysis.saliency is None:
            raise ValueError(
                "the horizon stage reweights the saliency map, but this analysis has none: "
                "run it after a saliency stage"
            )
        row = find_horizon(
            analysis.image.pixels, min_contrast=self.min_contrast, search=self.search
        )
        extras = {**analysis.extras, EXTRA_KEY: row}
        if row is None:
            return analysis.evolve(extras=extras)
        saliency = np.asarray(analysis.saliency, dtype=np.float64)
        weighted = saliency * self.row_weights(saliency.shape[0], row)[:, np.newaxis]
        # sky_weight > 0: the total stays positive, since the saliency it came from summed to 1.
        density = (weighted / weighted.sum()).astype(np.float32)
        return analysis.evolve(saliency=density, extras=extras)


#: The stage registered as ``"horizon"``, with the default settings.
horizon = HorizonStage()


@hookimpl
def smartcrop_register_stages(register: Callable[..., None]) -> None:
    """Register :data:`horizon` under :data:`STAGE_NAME` (the smartcrop hook)."""
    register(STAGE_NAME, horizon)
