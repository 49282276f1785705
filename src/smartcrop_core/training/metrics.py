"""Fixation metrics: how well a saliency map predicts where people looked.

The standard measures of the MIT/Tuebingen saliency benchmark (AUC-Judd, shuffled AUC, NSS,
CC, KLD, SIM) and information gain over a baseline, the measure the project trains for.

Every metric takes a saliency map already in the pixel grid of the image the fixations were
recorded on (bring it there with :func:`resize_map`) and fixations as an ``(n, 2)`` or
``(n, 3)`` array of ``x, y[, subject]`` float pixel coordinates, 0-based. The conventions
are those of the shared benchmark (``shared/eval/saliency_bench.py``), so that figures
taken here and there compare:

* a fixation at ``(x, y)`` counts on the pixel ``(row, col) = (floor(y), floor(x))``,
  clipped into the map;
* AUC-Judd and shuffled AUC score each fixated pixel once; NSS and information gain average
  over every fixation, so a pixel looked at twice counts twice;
* CC, KLD and SIM compare the map with the empirical density: fixation counts per pixel
  blurred with a Gaussian whose sigma is 3 % of the map's long side (borders reflected,
  kernel cut at 4 sigma);
* KLD and SIM turn a map into a density by rescaling it to ``[0, 1]`` (min-max) and dividing
  by its sum; a constant map becomes the uniform density.

Examples
--------
>>> import numpy as np
>>> saliency_map = np.array([[0.0, 1.0], [0.0, 0.0]])
>>> fixations = np.array([[1.5, 0.5]])  # x, y: the top-right pixel
>>> auc_judd(saliency_map, fixations), round(nss(saliency_map, fixations), 4)
(1.0, 1.7321)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..imaging import resize_float_map

__all__ = [
    "DENSITY_SIGMA_SHARE",
    "METRIC_NAMES",
    "auc_judd",
    "cc",
    "fixation_density",
    "fixation_metrics",
    "fixation_pixels",
    "information_gain",
    "kld",
    "nss",
    "resize_map",
    "shuffled_auc",
    "sim",
]

#: Sigma of the Gaussian that turns fixations into the empirical density, as a share of
#: the long side of the image (the shared benchmark's choice, about one degree of view).
DENSITY_SIGMA_SHARE = 0.03
#: The metrics :func:`fixation_metrics` returns, in table order (IG only with a baseline).
METRIC_NAMES = ("AUC", "sAUC", "NSS", "CC", "KLD", "SIM", "IG")

# Guards divisions and logs, as the MIT benchmark code does (MATLAB's eps).
_EPSILON = float(np.finfo(np.float64).eps)
# The Gaussian kernel is cut at this many sigmas (scipy.ndimage's default).
_GAUSSIAN_TRUNCATE = 4.0
# How far (pixels) a fixation may lie outside the map before we call it a size mismatch:
# eye trackers report positions on the very edge of the image.
_OUTSIDE_TOLERANCE_PX = 1.0


def resize_map(saliency_map: ArrayLike, height: int, width: int) -> np.ndarray:
    """A saliency map in the pixel grid of a ``(height, width)`` image, as float64.

    Models may predict at another size than the image's; the metrics need the image's own
    grid, since that is the frame of the fixations. Resizing is bilinear (Pillow, as the
    shared benchmark does); a map of the right size is only converted.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map, any real values.
    height, width : int
        Size of the image the fixations were recorded on.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float64 map.

    Raises
    ------
    ValueError
        The map is not 2-D, is empty, or holds NaN or infinite values; or the size is not
        positive.

    Examples
    --------
    >>> resize_map(np.ones((2, 3)), 4, 6).shape
    (4, 6)
    >>> resize_map(np.array([[1.0, 2.0]]), 1, 2)
    array([[1., 2.]])
    """
    values = _checked_map(saliency_map)
    if height < 1 or width < 1:
        raise ValueError(f"the image size must be positive, got height={height}, width={width}")
    if values.shape == (height, width):
        return values
    return resize_float_map(values, width, height).astype(np.float64)


def fixation_pixels(fixations: ArrayLike, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the pixel each fixation falls on, in a ``(height, width)`` grid.

    Parameters
    ----------
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` in 0-based pixel coordinates.
    height, width : int
        Size of the map (that of the image the fixations were recorded on).

    Returns
    -------
    rows, cols : numpy.ndarray
        Integer indices, ``floor`` of the coordinates, clipped into the grid.

    Raises
    ------
    ValueError
        No fixations, a wrong shape, NaN coordinates, or fixations more than a pixel
        outside the grid (fixations of another image size).

    Examples
    --------
    >>> fixation_pixels(np.array([[0.2, 1.9, 0], [2.0, 0.0, 1]]), 2, 2)
    (array([1, 0]), array([0, 1]))
    """
    points = np.asarray(fixations, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] < 2:
        raise ValueError(
            f"fixations must be an (n, 2) or (n, 3) array of x, y[, subject]; "
            f"got shape {points.shape}"
        )
    if points.shape[0] == 0:
        raise ValueError("there are no fixations: every metric needs at least one")
    xs, ys = points[:, 0], points[:, 1]
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("fixations hold NaN or infinite coordinates")
    tolerance = _OUTSIDE_TOLERANCE_PX
    outside = (
        (xs < -tolerance) | (ys < -tolerance) | (xs > width + tolerance) | (ys > height + tolerance)
    )
    if np.any(outside):
        x, y = points[np.argmax(outside), :2]
        raise ValueError(
            f"fixation ({x:g}, {y:g}) lies outside the {height}x{width} map: fixations are "
            f"pixels of the stored image, so bring the map to its size with resize_map()"
        )
    rows = np.clip(np.floor(ys).astype(np.int64), 0, height - 1)
    cols = np.clip(np.floor(xs).astype(np.int64), 0, width - 1)
    return rows, cols


def fixation_density(
    fixations: ArrayLike, height: int, width: int, *, sigma_share: float = DENSITY_SIGMA_SHARE
) -> np.ndarray:
    """The empirical fixation density: fixation counts blurred with a Gaussian, summing to 1.

    Parameters
    ----------
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.
    height, width : int
        Size of the image.
    sigma_share : float
        Sigma of the Gaussian as a share of ``max(height, width)``.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float64 density summing to 1.

    Examples
    --------
    On a tiny grid, sigma (3 % of 3 px) is too small to spread anything: the density is
    the share of fixations on each pixel.

    >>> fixation_density(np.array([[0.5, 0.5], [0.5, 0.5], [2.5, 0.5], [1.0, 1.0]]), 2, 3)
    array([[0.5 , 0.  , 0.25],
           [0.  , 0.25, 0.  ]])
    """
    rows, cols = fixation_pixels(fixations, height, width)
    sigma = sigma_share * max(height, width)
    # The blur is separable, so the blurred counts are a sum of outer products of one
    # column and one row of the 1-D blur matrices per fixation: exact, fast for a few
    # hundred fixations, and numpy needs no scipy for it.
    vertical = _gaussian_matrix(height, sigma)[:, rows]
    horizontal = _gaussian_matrix(width, sigma)[:, cols]
    blurred = vertical @ horizontal.T
    return blurred / blurred.sum()


def auc_judd(saliency_map: ArrayLike, fixations: ArrayLike) -> float:
    """AUC-Judd: the area under the ROC curve of fixated pixels against all pixels.

    The map is thresholded at the value of each fixated pixel; at each threshold the true
    positive rate is the share of fixated pixels above it and the false positive rate the
    share of the other pixels above it. Pixels tied at a threshold count together, so a
    constant map scores 0.5 (chance), as the MIT benchmark's code does on average with its
    random jitter; the shared benchmark, without jitter, gives a constant map about
    ``0.5 / n`` (its curve walks back along the tie).

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.

    Returns
    -------
    float
        In ``[0, 1]``; 1 when every fixated pixel outranks every other pixel. NaN when
        every pixel is fixated (no negatives).

    Examples
    --------
    >>> saliency_map = np.array([[4.0, 3.0], [2.0, 1.0]])
    >>> auc_judd(saliency_map, [[0.5, 0.5]])  # the top pixel: a perfect ranking
    1.0
    >>> # The third pixel: 2 of the 3 others are above it; ROC (0, 0), (2/3, 1), (1, 1)
    >>> round(auc_judd(saliency_map, [[0.5, 1.5]]), 4)
    0.6667
    >>> auc_judd(np.ones((2, 2)), [[0.5, 0.5]])
    0.5
    """
    values = _checked_map(saliency_map)
    positives = _unique_fixated_values(values, fixations)
    n_pixels, n_positives = values.size, positives.size
    if n_pixels == n_positives:
        return float("nan")
    thresholds = np.unique(positives)[::-1]
    all_ascending = np.sort(values.ravel())
    positives_above = n_positives - np.searchsorted(positives, thresholds, side="left")
    pixels_above = n_pixels - np.searchsorted(all_ascending, thresholds, side="left")
    true_positive_rate = np.concatenate([[0.0], positives_above / n_positives, [1.0]])
    false_positive_rate = np.concatenate(
        [[0.0], (pixels_above - positives_above) / (n_pixels - n_positives), [1.0]]
    )
    return _trapezoid_area(false_positive_rate, true_positive_rate)


def shuffled_auc(
    saliency_map: ArrayLike, fixations: ArrayLike, negative_fixations: ArrayLike
) -> float:
    """Shuffled AUC: fixated pixels against pixels fixated on other images.

    Negatives drawn from the fixations of other images of the same dataset share their
    centre bias, so a map that only knows "people look at the middle" scores about 0.5.
    The score is the probability that a fixated pixel outranks a negative one, ties
    counting half (the Mann-Whitney statistic). Each pixel counts once; negatives on a
    pixel this image's observers fixated are dropped.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]``: this image's fixations.
    negative_fixations : array_like
        ``(m, 2+)`` array of ``x, y``: other images' fixations, already mapped into this
        image's pixel grid (scaled by the ratio of the sizes).

    Returns
    -------
    float
        In ``[0, 1]``; NaN when there are no negatives, or all fall on fixated pixels.

    Examples
    --------
    >>> saliency_map = np.array([[4.0, 3.0], [2.0, 1.0]])
    >>> # Fixated 3 outranks the negative 1 but not the negative 4
    >>> shuffled_auc(saliency_map, [[1.5, 0.5]], [[0.5, 0.5], [1.5, 1.5]])
    0.5
    >>> shuffled_auc(saliency_map, [[0.5, 0.5]], [[1.5, 0.5], [0.2, 1.2]])
    1.0
    """
    values = _checked_map(saliency_map)
    height, width = values.shape
    fixated = np.zeros(values.shape, dtype=bool)
    fixated[fixation_pixels(fixations, height, width)] = True
    negative = np.zeros(values.shape, dtype=bool)
    negative_points = np.asarray(negative_fixations, dtype=np.float64)
    if negative_points.ndim == 2 and negative_points.shape[0] == 0:
        # A dataset of one image has no other fixations: the score is undefined, not wrong.
        return float("nan")
    negative[fixation_pixels(negative_points, height, width)] = True
    negative &= ~fixated
    positives, negatives = values[fixated], np.sort(values[negative])
    if negatives.size == 0:
        return float("nan")
    below = np.searchsorted(negatives, positives, side="left")
    tied = np.searchsorted(negatives, positives, side="right") - below
    return float((below.sum() + 0.5 * tied.sum()) / (positives.size * negatives.size))


def nss(saliency_map: ArrayLike, fixations: ArrayLike) -> float:
    """Normalised scanpath saliency: the mean of the standardised map at the fixations.

    The map is shifted to mean 0 and scaled to standard deviation 1 (over all pixels), then
    read at every fixation. 0 is chance; a constant map scores 0.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.

    Returns
    -------
    float
        In standard deviations above the map's mean.

    Examples
    --------
    Map mean 1, standard deviation sqrt(3): the pixel of 4 is sqrt(3) above the mean.

    >>> saliency_map = np.array([[0.0, 0.0], [0.0, 4.0]])
    >>> round(nss(saliency_map, [[1.5, 1.5]]), 4), round(nss(saliency_map, [[0.5, 0.5]]), 4)
    (1.7321, -0.5774)
    """
    values = _checked_map(saliency_map)
    rows, cols = fixation_pixels(fixations, *values.shape)
    spread = values.std()
    if spread == 0:
        return 0.0
    return float(((values[rows, cols] - values.mean()) / spread).mean())


def cc(
    saliency_map: ArrayLike,
    fixations: ArrayLike,
    *,
    empirical_density: np.ndarray | None = None,
) -> float:
    """Pearson's correlation coefficient of the map with the empirical fixation density.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.
    empirical_density : numpy.ndarray, optional
        :func:`fixation_density` of ``fixations``, when already computed.

    Returns
    -------
    float
        In ``[-1, 1]``; 0 for a constant map.

    Examples
    --------
    On a tiny grid the density is the fixation counts (see :func:`fixation_density`).

    >>> cc(np.array([[0.0, 1.0], [0.0, 0.0]]), [[1.5, 0.5]])
    1.0
    >>> round(cc(np.array([[1.0, 0.0], [0.0, 0.0]]), [[1.5, 0.5]]), 4)  # -(1/16) / (3/16)
    -0.3333
    """
    values = _checked_map(saliency_map)
    density = _empirical_density(values.shape, fixations, empirical_density)
    if values.std() == 0 or density.std() == 0:
        return 0.0
    return float(np.corrcoef(values.ravel(), density.ravel())[0, 1])


def kld(
    saliency_map: ArrayLike,
    fixations: ArrayLike,
    *,
    empirical_density: np.ndarray | None = None,
) -> float:
    """Kullback-Leibler divergence of the map's density from the empirical density, in nats.

    ``sum(p * log(eps + p / (q + eps)))`` with ``p`` the empirical density and ``q`` the map
    rescaled to ``[0, 1]`` and normalised (the MIT benchmark's regularisation; the min-max
    rescaling is the shared benchmark's). Lower is better; 0 when they agree.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.
    empirical_density : numpy.ndarray, optional
        :func:`fixation_density` of ``fixations``, when already computed.

    Returns
    -------
    float
        Non-negative up to the regularisation.

    Examples
    --------
    Fixations split between the two top pixels, ``p = [[.5, .5], [0, 0]]``; the map
    rescales to ``[[1, 1/3], [1/3, 0]]``, so ``q = [[.6, .2], [.2, 0]]`` and the divergence
    is ``.5 log(.5 / .6) + .5 log(.5 / .2) = .5 log(25 / 12)``.

    >>> import math
    >>> fixations = [[0.5, 0.5], [1.5, 0.5]]
    >>> divergence = kld(np.array([[3.0, 1.0], [1.0, 0.0]]), fixations)
    >>> round(divergence, 5), round(0.5 * math.log(25 / 12), 5)
    (0.36698, 0.36698)
    >>> abs(kld(np.array([[1.0, 1.0], [0.0, 0.0]]), fixations)) < 1e-12
    True
    """
    values = _checked_map(saliency_map)
    empirical = _empirical_density(values.shape, fixations, empirical_density)
    predicted = _map_as_density(values)
    return float(np.sum(empirical * np.log(_EPSILON + empirical / (predicted + _EPSILON))))


def sim(
    saliency_map: ArrayLike,
    fixations: ArrayLike,
    *,
    empirical_density: np.ndarray | None = None,
) -> float:
    """Similarity (histogram intersection) of the map's density with the empirical density.

    ``sum(min(p, q))`` with ``p`` the empirical density and ``q`` the map rescaled to
    ``[0, 1]`` and normalised: 1 when they are the same, 0 when they do not overlap.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid.
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.
    empirical_density : numpy.ndarray, optional
        :func:`fixation_density` of ``fixations``, when already computed.

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    With ``p = [[.5, .5], [0, 0]]`` and ``q = [[.6, .2], [.2, 0]]`` (see :func:`kld`), the
    intersection is ``.5 + .2``.

    >>> round(sim(np.array([[3.0, 1.0], [1.0, 0.0]]), [[0.5, 0.5], [1.5, 0.5]]), 6)
    0.7
    """
    values = _checked_map(saliency_map)
    empirical = _empirical_density(values.shape, fixations, empirical_density)
    return float(np.minimum(empirical, _map_as_density(values)).sum())


def information_gain(
    saliency_map: ArrayLike, baseline_map: ArrayLike, fixations: ArrayLike
) -> float:
    """Information gain over a baseline, in bits per fixation.

    Both maps are densities over pixels (normalised here to sum to 1); the gain is the mean
    over fixations of ``log2 p_model(fixation) - log2 p_baseline(fixation)``: how much
    better than the baseline the model predicts where each look lands. 0 for the baseline
    itself; a pixel of zero density costs about 52 bits (``eps`` guards the logarithm).

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` non-negative map of the model, in the image's pixel grid.
    baseline_map : array_like
        ``(h, w)`` non-negative map of the baseline (the centre prior, usually).
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.

    Returns
    -------
    float
        Bits per fixation; positive when the model beats the baseline.

    Raises
    ------
    ValueError
        The maps differ in shape, have negative values, or sum to 0.

    Examples
    --------
    Against a uniform baseline, a model that puts all its mass on the half of the pixels
    that holds the fixation doubles its probability: one bit.

    >>> half = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> round(information_gain(half, np.ones((2, 2)), [[0.5, 0.5]]), 9)
    1.0
    >>> information_gain(np.ones((2, 2)), np.ones((2, 2)), [[0.5, 0.5]])
    0.0
    """
    model = _checked_density(saliency_map, "saliency map")
    baseline = _checked_density(baseline_map, "baseline map")
    if model.shape != baseline.shape:
        raise ValueError(
            f"the saliency map is {model.shape} but the baseline map is {baseline.shape}: "
            f"bring both to the image's size with resize_map()"
        )
    rows, cols = fixation_pixels(fixations, *model.shape)
    gains = np.log2(model[rows, cols] + _EPSILON) - np.log2(baseline[rows, cols] + _EPSILON)
    return float(gains.mean())


def fixation_metrics(
    saliency_map: ArrayLike,
    fixations: ArrayLike,
    negative_fixations: ArrayLike,
    baseline_map: ArrayLike | None = None,
) -> dict[str, float]:
    """Every metric of one map, keyed by the names of :data:`METRIC_NAMES`.

    Parameters
    ----------
    saliency_map : array_like
        ``(h, w)`` map in the image's pixel grid (non-negative when ``baseline_map`` is given).
    fixations : array_like
        ``(n, 2+)`` array of ``x, y[, subject]`` pixel coordinates.
    negative_fixations : array_like
        Other images' fixations in this image's pixel grid, for the shuffled AUC.
    baseline_map : array_like, optional
        Baseline density for the information gain; without it ``IG`` is left out.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> scores = fixation_metrics(np.array([[0.0, 1.0], [0.0, 0.0]]), [[1.5, 0.5]],
    ...                           [[0.5, 0.5]], baseline_map=np.ones((2, 2)))
    >>> {name: round(value, 3) for name, value in scores.items()}
    {'AUC': 1.0, 'sAUC': 1.0, 'NSS': 1.732, 'CC': 1.0, 'KLD': 0.0, 'SIM': 1.0, 'IG': 2.0}
    """
    values = _checked_map(saliency_map)
    density = fixation_density(fixations, *values.shape)
    scores = {
        "AUC": auc_judd(values, fixations),
        "sAUC": shuffled_auc(values, fixations, negative_fixations),
        "NSS": nss(values, fixations),
        "CC": cc(values, fixations, empirical_density=density),
        "KLD": kld(values, fixations, empirical_density=density),
        "SIM": sim(values, fixations, empirical_density=density),
    }
    if baseline_map is not None:
        scores["IG"] = information_gain(values, baseline_map, fixations)
    return scores


def _checked_map(saliency_map: ArrayLike) -> np.ndarray:
    values = np.asarray(saliency_map, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"a saliency map must be a non-empty 2-D array, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("the saliency map holds NaN or infinite values")
    return values


def _checked_density(saliency_map: ArrayLike, what: str) -> np.ndarray:
    values = _checked_map(saliency_map)
    if values.min() < 0:
        raise ValueError(
            f"the {what} has negative values ({values.min():g}): information gain needs "
            f"densities, e.g. a model's predict() output"
        )
    total = values.sum()
    if total <= 0:
        raise ValueError(f"the {what} is zero everywhere: it is no density")
    return values / total


def _unique_fixated_values(values: np.ndarray, fixations: ArrayLike) -> np.ndarray:
    """Map values at the fixated pixels, each pixel once, ascending."""
    fixated = np.zeros(values.shape, dtype=bool)
    fixated[fixation_pixels(fixations, *values.shape)] = True
    return np.sort(values[fixated])


def _empirical_density(
    shape: tuple[int, ...], fixations: ArrayLike, empirical_density: np.ndarray | None
) -> np.ndarray:
    if empirical_density is None:
        return fixation_density(fixations, *shape)
    density = np.asarray(empirical_density, dtype=np.float64)
    if density.shape != shape:
        raise ValueError(
            f"the empirical density is {density.shape} but the saliency map is {shape}"
        )
    return density / density.sum()


def _map_as_density(values: np.ndarray) -> np.ndarray:
    """Min-max rescaled and normalised; uniform for a constant map (it says nothing)."""
    shifted = values - values.min()
    total = shifted.sum()
    if total == 0:
        return np.full(values.shape, 1.0 / values.size)
    return shifted / total


def _gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """``(size, size)`` matrix that blurs a vector with a Gaussian, borders reflected.

    The reflection repeats the edge sample (``d c b a | a b c d``), as ``scipy.ndimage``'s
    ``mode="reflect"``; kernels wider than the vector reflect again, with period ``2 size``.
    """
    radius = int(_GAUSSIAN_TRUNCATE * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2) if sigma > 0 else np.ones(1)
    kernel /= kernel.sum()
    targets = np.arange(size)[:, None]
    sources = np.mod(targets + offsets[None, :], 2 * size)
    sources = np.where(sources >= size, 2 * size - 1 - sources, sources)
    matrix = np.zeros((size, size))
    np.add.at(matrix, (np.broadcast_to(targets, sources.shape), sources), kernel[None, :])
    return matrix


def _trapezoid_area(xs: np.ndarray, ys: np.ndarray) -> float:
    return float(np.sum(np.diff(xs) * (ys[1:] + ys[:-1]) / 2.0))
