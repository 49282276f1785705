"""Metrics of the public crop benchmarks: box overlap, boundary displacement, Acc_K/N, SRCC, PCC.

Boxes are ``(x0, y0, x1, y1)`` (``left, upper, right, lower``) in pixels of one image.

* FCDB and FLMS compare one predicted crop with the experts' crops: the intersection over
  union (:func:`iou`, higher is better) and the boundary displacement error
  (:func:`boundary_displacement`, lower is better) against the best-matching expert crop
  (:func:`best_match`).
* GAICD compares predicted scores of ~86 candidate crops per image with their mean opinion
  scores (MOS): :func:`acc_k_n` (are the top-predicted crops among the best by MOS?) and the
  rank and linear correlations :func:`srcc` and :func:`pcc`.

Only numpy is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..geometry import box_rows

__all__ = ["acc_k_n", "best_match", "boundary_displacement", "iou", "pcc", "srcc"]


def iou(box, boxes) -> np.ndarray:
    """Intersection over union of one box with each of some boxes.

    Parameters
    ----------
    box : array-like
        ``(x0, y0, x1, y1)``.
    boxes : array-like
        One box ``(4,)`` or several ``(n, 4)``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64 in ``[0, 1]`` (``(1,)`` for a single box); 0 where the union is
        empty.

    Examples
    --------
    Overlapping half of a 10 x 10 box: 50 shared pixels out of 150.

    >>> iou([0, 0, 10, 10], [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    array([1.        , 0.33333333, 0.        ])
    """
    one = _as_box(box, "box")
    many = box_rows(boxes, name="boxes")
    width = np.minimum(one[2], many[:, 2]) - np.maximum(one[0], many[:, 0])
    height = np.minimum(one[3], many[:, 3]) - np.maximum(one[1], many[:, 1])
    shared = np.clip(width, 0, None) * np.clip(height, 0, None)
    union = _area(one[None])[0] + _area(many) - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, shared / union, 0.0)


def boundary_displacement(box, reference, width: float, height: float) -> float | np.ndarray:
    """Boundary displacement error: mean distance of the four edges, relative to the image.

    The left and right edges' distances are divided by the image's width, the upper and
    lower edges' by its height, and the four averaged.

    Parameters
    ----------
    box : array-like
        The predicted ``(x0, y0, x1, y1)``.
    reference : array-like
        One reference box ``(4,)``, or several ``(n, 4)``.
    width, height : float
        Size of the image, in the boxes' pixels.

    Returns
    -------
    float or numpy.ndarray
        A float for one reference, else ``(n,)`` float64; 0 for identical boxes.

    Raises
    ------
    ValueError
        ``width`` or ``height`` is not positive.

    Examples
    --------
    Moved right by 5 pixels in a 20 x 10 image: two edges move by 5 / 20, two not at all.

    >>> boundary_displacement([0, 0, 10, 10], [5, 0, 15, 10], width=20, height=10)
    0.125
    >>> boundary_displacement([0, 0, 10, 10], [[0, 0, 10, 10], [0, 5, 10, 15]], 20, 10)
    array([0.  , 0.25])
    """
    if not (width > 0 and height > 0):
        raise ValueError(f"image size must be positive, got width={width}, height={height}")
    one = _as_box(box, "box")
    single = np.ndim(reference) == 1
    many = box_rows(reference, name="reference")
    scale = np.array([width, height, width, height], dtype=np.float64)
    errors = (np.abs(many - one) / scale).mean(axis=1)
    return float(errors[0]) if single else errors


def best_match(box, references, width: float, height: float) -> tuple[float, float]:
    """IoU and boundary displacement of ``box`` against the best-matching reference crop.

    As the FCDB and FLMS benchmarks score a crop: the highest IoU and the lowest boundary
    displacement over the references, each taken on its own (they may come from different
    references).

    Examples
    --------
    >>> experts = [[0, 0, 10, 10], [10, 0, 20, 10]]
    >>> best_match([5, 0, 15, 10], experts, width=20, height=10)
    (0.3333333333333333, 0.125)
    """
    overlaps = iou(box, references)
    displacements = boundary_displacement(
        box, box_rows(references, name="references"), width, height
    )
    return float(overlaps.max()), float(np.min(displacements))


def acc_k_n(predicted_scores_per_image: Sequence, mos_per_image: Sequence, k: int, n: int) -> float:
    """GAICD's Acc_K/N: share of the K top-predicted crops that are among the N best by MOS.

    Per image, the ``k`` candidates with the highest predicted scores are taken (ties kept
    in index order) and each counts as a hit when its MOS is at least the ``n``-th highest
    MOS of the image (so crops tied with the ``n``-th best count as among the ``n`` best,
    whatever their order). The share of hits is averaged over images.

    Parameters
    ----------
    predicted_scores_per_image : sequence of array-like
        Per image, the predicted score of each candidate (higher is better).
    mos_per_image : sequence of array-like
        Per image, the candidates' mean opinion scores, in the same order.
    k, n : int
        How many top-predicted crops, and how many best crops by MOS.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        No images, the two sequences differ in length or in any image's number of
        candidates, ``k`` or ``n`` is below 1, or an image has fewer than ``max(k, n)``
        candidates.

    Examples
    --------
    Image 1 predicts its best crop first, image 2 its worst.

    >>> predicted = [[0.9, 0.1, 0.5], [0.2, 0.8, 0.1]]
    >>> mos = [[3.0, 1.0, 2.0], [3.0, 1.0, 2.0]]
    >>> acc_k_n(predicted, mos, k=1, n=1)
    0.5
    >>> acc_k_n(predicted, mos, k=2, n=2)  # image 1: 2 of 2 hits, image 2: 1 of 2
    0.75
    """
    if k < 1 or n < 1:
        raise ValueError(f"k and n must be at least 1, got k={k}, n={n}")
    pairs = _paired_images(predicted_scores_per_image, mos_per_image)
    shares = []
    for index, (predicted, mos) in enumerate(pairs):
        if len(mos) < max(k, n):
            raise ValueError(f"image {index} has {len(mos)} candidates, fewer than k={k} or n={n}")
        top_predicted = np.argsort(-predicted, kind="stable")[:k]
        threshold = np.sort(mos)[::-1][n - 1]
        shares.append(np.count_nonzero(mos[top_predicted] >= threshold) / k)
    return float(np.mean(shares))


def srcc(a, b) -> float:
    """Spearman's rank correlation, tied values given the average of their ranks.

    Returns NaN when either input is constant (the correlation is undefined).

    Raises
    ------
    ValueError
        Inputs of different lengths, fewer than two values, or values that are not finite.

    Examples
    --------
    Ranks ``[1, 2.5, 2.5, 4]`` against ``[1, 2, 3, 4]``: ``4.5 / sqrt(4.5 * 5) = sqrt(0.9)``.

    >>> round(srcc([1, 2, 2, 3], [1, 2, 3, 4]), 6)
    0.948683
    >>> srcc([1, 2, 3], [30, 20, 10])
    -1.0
    """
    first, second = _paired_vectors(a, b)
    return pcc(_average_ranks(first), _average_ranks(second))


def pcc(a, b) -> float:
    """Pearson's linear correlation; NaN when either input is constant.

    Raises
    ------
    ValueError
        Inputs of different lengths, fewer than two values, or values that are not finite.

    Examples
    --------
    Deviations ``[-1, 0, 1]`` and ``[-7/3, -1/3, 8/3]``: ``5 / sqrt(2 * 114 / 9)``.

    >>> round(pcc([1, 2, 3], [2, 4, 7]), 6)
    0.993399
    """
    first, second = _paired_vectors(a, b)
    first = first - first.mean()
    second = second - second.mean()
    spread = np.sqrt(np.sum(first * first) * np.sum(second * second))
    if spread == 0:
        return float("nan")
    return float(np.clip(np.sum(first * second) / spread, -1.0, 1.0))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(ordered)) + 1])
    ends = np.concatenate([starts[1:], [len(values)]])
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def _paired_vectors(a, b) -> tuple[np.ndarray, np.ndarray]:
    first = np.asarray(a, dtype=np.float64).ravel()
    second = np.asarray(b, dtype=np.float64).ravel()
    if len(first) != len(second):
        raise ValueError(f"inputs differ in length: {len(first)} and {len(second)} values")
    if len(first) < 2:
        raise ValueError(f"a correlation needs at least two values, got {len(first)}")
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        raise ValueError("inputs must be finite numbers (found NaN or infinity)")
    return first, second


def _paired_images(predicted: Sequence, mos: Sequence) -> list[tuple[np.ndarray, np.ndarray]]:
    if len(predicted) != len(mos):
        raise ValueError(
            f"{len(predicted)} images of predicted scores but {len(mos)} images of MOS"
        )
    if not len(predicted):
        raise ValueError("no images to score")
    pairs = []
    for index, (given_scores, given_mos) in enumerate(zip(predicted, mos, strict=True)):
        scores = np.asarray(given_scores, dtype=np.float64).ravel()
        opinions = np.asarray(given_mos, dtype=np.float64).ravel()
        if len(scores) != len(opinions):
            raise ValueError(
                f"image {index}: {len(scores)} predicted scores but {len(opinions)} MOS"
            )
        if not (np.isfinite(scores).all() and np.isfinite(opinions).all()):
            raise ValueError(f"image {index}: scores and MOS must be finite numbers")
        pairs.append((scores, opinions))
    return pairs


def _as_box(box, name: str) -> np.ndarray:
    array = np.asarray(box, dtype=np.float64)
    if array.shape != (4,):
        raise ValueError(f"{name}: expected one box (x0, y0, x1, y1), got shape {array.shape}")
    return array


def _area(boxes: np.ndarray) -> np.ndarray:
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
