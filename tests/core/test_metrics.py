"""Fixation metrics: hand-checked values, invariances, errors, and the shared benchmark."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smartcrop_core.saliency import get_model
from smartcrop_core.training.metrics import (
    METRIC_NAMES,
    auc_judd,
    cc,
    fixation_density,
    fixation_metrics,
    fixation_pixels,
    information_gain,
    kld,
    nss,
    resize_map,
    shuffled_auc,
    sim,
)
from tests.conftest import FIXATIONS

HEIGHT, WIDTH = 30, 40


@pytest.fixture
def fixations() -> np.ndarray:
    """Twelve fixations ``x, y, subject`` spread over a 30x40 image, none on the same pixel."""
    rng = np.random.default_rng(7)
    cells = rng.choice(HEIGHT * WIDTH, size=12, replace=False)
    xs, ys = cells % WIDTH + 0.5, cells // WIDTH + 0.5
    return np.column_stack([xs, ys, np.arange(12) % 3]).astype(float)


@pytest.fixture
def random_map() -> np.ndarray:
    return np.random.default_rng(3).random((HEIGHT, WIDTH))


def on_fixations(fixations: np.ndarray) -> np.ndarray:
    """A map that is 1 exactly on the fixated pixels and 0 elsewhere."""
    saliency_map = np.zeros((HEIGHT, WIDTH))
    saliency_map[fixation_pixels(fixations, HEIGHT, WIDTH)] = 1.0
    return saliency_map


def mann_whitney(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(positive > negative) + P(tie) / 2, by brute force."""
    greater = (positives[:, None] > negatives[None, :]).mean()
    tied = (positives[:, None] == negatives[None, :]).mean()
    return float(greater + 0.5 * tied)


# --- hand-checked values ---------------------------------------------------------------


def test_a_map_that_is_one_exactly_on_the_fixations_is_perfect(fixations):
    perfect = on_fixations(fixations)
    negatives = np.random.default_rng(0).random((50, 2)) * [WIDTH, HEIGHT]
    assert auc_judd(perfect, fixations) == 1.0
    assert shuffled_auc(perfect, fixations, negatives) == 1.0
    # 12 of 1200 pixels: mean 0.01, std sqrt(0.01 * 0.99); (1 - 0.01) / std = sqrt(99)
    assert nss(perfect, fixations) == pytest.approx(math.sqrt(99))
    assert cc(perfect, fixations) > 0.3


def test_a_constant_map_scores_chance(fixations):
    constant = np.full((HEIGHT, WIDTH), 0.25)
    negatives = np.random.default_rng(0).random((50, 2)) * [WIDTH, HEIGHT]
    assert auc_judd(constant, fixations) == 0.5
    assert shuffled_auc(constant, fixations, negatives) == 0.5
    assert nss(constant, fixations) == 0.0
    assert cc(constant, fixations) == 0.0
    # A constant map says nothing: it is scored as the uniform density.
    eps, uniform = np.finfo(float).eps, 1.0 / (HEIGHT * WIDTH)
    empirical = fixation_density(fixations, HEIGHT, WIDTH)
    expected_kld = np.sum(empirical * np.log(eps + empirical / (uniform + eps)))
    assert kld(constant, fixations) == pytest.approx(expected_kld)
    assert sim(constant, fixations) == pytest.approx(np.minimum(empirical, uniform).sum())


def test_auc_judd_is_the_ranking_probability_plus_the_interpolation(fixations, random_map):
    """Without ties, the trapezoids between thresholds add exactly ``fp_n / 2n`` to the
    Mann-Whitney statistic, ``fp_n`` being the false positive rate at the lowest fixation."""
    fixated = on_fixations(fixations).astype(bool)
    positives, negatives = random_map[fixated], random_map[~fixated]
    last_false_positive_rate = (negatives >= positives.min()).mean()
    expected = mann_whitney(positives, negatives) + last_false_positive_rate / (2 * len(positives))
    assert auc_judd(random_map, fixations) == pytest.approx(expected, abs=1e-12)


def test_auc_judd_interpolates_between_thresholds():
    # Fixated pixel 2 has 2 of the 3 other pixels above it: ROC (0, 0), (2/3, 1), (1, 1).
    saliency_map = np.array([[4.0, 3.0], [2.0, 1.0]])
    assert auc_judd(saliency_map, [[0.5, 1.5]]) == pytest.approx(2 / 3)


def test_auc_judd_counts_each_fixated_pixel_once():
    saliency_map = np.array([[4.0, 3.0], [2.0, 1.0]])
    once = auc_judd(saliency_map, [[0.5, 0.5], [0.5, 1.5]])
    assert auc_judd(saliency_map, [[0.5, 0.5], [0.1, 0.9], [0.5, 1.5]]) == once


def test_auc_judd_is_nan_when_every_pixel_is_fixated():
    assert math.isnan(auc_judd(np.array([[1.0, 2.0]]), [[0.5, 0.5], [1.5, 0.5]]))


def test_shuffled_auc_is_the_ranking_probability_against_other_fixations(fixations, random_map):
    negatives = np.random.default_rng(1).random((80, 2)) * [WIDTH, HEIGHT]
    fixated = on_fixations(fixations).astype(bool)
    negative = np.zeros_like(fixated)
    negative[fixation_pixels(negatives, HEIGHT, WIDTH)] = True
    expected = mann_whitney(random_map[fixated], random_map[negative & ~fixated])
    assert shuffled_auc(random_map, fixations, negatives) == pytest.approx(expected)


def test_shuffled_auc_drops_negatives_on_fixated_pixels():
    saliency_map = np.array([[4.0, 3.0], [2.0, 1.0]])
    # The negative on the fixated pixel is ignored; 4 is above the fixated 3.
    assert shuffled_auc(saliency_map, [[1.5, 0.5]], [[1.2, 0.2], [0.5, 0.5]]) == 0.0
    assert math.isnan(shuffled_auc(saliency_map, [[1.5, 0.5]], [[1.2, 0.2]]))


def test_nss_averages_over_every_fixation_even_on_the_same_pixel():
    saliency_map = np.array([[0.0, 0.0], [0.0, 4.0]])  # mean 1, std sqrt(3)
    high, low = math.sqrt(3), -1 / math.sqrt(3)
    assert nss(saliency_map, [[1.5, 1.5], [0.5, 0.5]]) == pytest.approx((high + low) / 2)
    assert nss(saliency_map, [[1.5, 1.5], [1.2, 1.7], [0.5, 0.5]]) == pytest.approx(
        (2 * high + low) / 3
    )


def test_cc_kld_sim_of_the_empirical_density_itself_are_perfect(fixations):
    density = fixation_density(fixations, HEIGHT, WIDTH)
    assert cc(density, fixations) == pytest.approx(1.0)
    assert sim(density, fixations) == pytest.approx(1.0, abs=0.02)  # min-max shifts a little
    assert kld(density, fixations) < 0.05
    assert kld(density, fixations) < kld(np.ones((HEIGHT, WIDTH)), fixations)


def test_kld_and_sim_by_hand():
    # p = [[.5, .5], [0, 0]]; the map rescales to [[1, 1/3], [1/3, 0]]: q = [[.6, .2], [.2, 0]]
    saliency_map, both_top = np.array([[3.0, 1.0], [1.0, 0.0]]), [[0.5, 0.5], [1.5, 0.5]]
    assert kld(saliency_map, both_top) == pytest.approx(0.5 * math.log(0.5 / 0.6 * 0.5 / 0.2))
    assert sim(saliency_map, both_top) == pytest.approx(0.7)


def test_fixation_density_is_a_normalised_gaussian_around_each_fixation():
    height, width = 101, 81
    density = fixation_density([[40.5, 50.5]], height, width)
    sigma = 0.03 * height
    assert density.sum() == pytest.approx(1.0)
    assert np.unravel_index(density.argmax(), density.shape) == (50, 40)
    rows, cols = np.arange(height) - 50, np.arange(width) - 40
    expected = np.exp(-0.5 * (rows[:, None] ** 2 + cols[None, :] ** 2) / sigma**2)
    expected[np.abs(rows) > int(4 * sigma + 0.5), :] = 0  # the kernel is cut at 4 sigma
    expected[:, np.abs(cols) > int(4 * sigma + 0.5)] = 0
    np.testing.assert_allclose(density, expected / expected.sum(), atol=1e-12)


def test_fixation_density_matches_scipy_with_reflected_borders():
    ndimage = pytest.importorskip("scipy.ndimage")
    fixations = [[0.2, 0.3], [63.9, 10.0], [30.0, 47.9], [30.4, 47.1]]
    counts = np.zeros((48, 64))
    for x, y in fixations:
        counts[int(y), int(x)] += 1
    expected = ndimage.gaussian_filter(counts, 0.03 * 64, mode="reflect")
    np.testing.assert_allclose(
        fixation_density(fixations, 48, 64), expected / expected.sum(), atol=1e-14
    )


def test_information_gain_in_bits():
    uniform = np.ones((4, 4))
    quarter = np.zeros((4, 4))
    quarter[:2, :2] = 1.0
    inside, outside = [[0.5, 0.5]], [[3.5, 3.5]]
    # A quarter of the pixels holds all the mass: the fixation is 4 times likelier, 2 bits.
    assert information_gain(quarter, uniform, inside) == pytest.approx(2.0)
    assert information_gain(uniform, quarter, inside) == pytest.approx(-2.0)
    # Zero density at a fixation is as bad as eps allows: log2(eps / (1/16)) bits.
    assert information_gain(quarter, uniform, outside) == pytest.approx(
        math.log2(np.finfo(float).eps * 16), rel=1e-6
    )


def test_information_gain_of_the_baseline_against_itself_is_zero(fixations):
    centre = get_model("centre").predict(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    assert information_gain(centre, centre, fixations) == 0.0
    assert information_gain(centre.astype(float) * 7, centre, fixations) == pytest.approx(0.0)


def test_information_gain_of_a_map_concentrated_on_the_fixations_is_positive(fixations):
    centre = get_model("centre").predict(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    concentrated = fixation_density(fixations, HEIGHT, WIDTH) + 1e-6
    assert information_gain(concentrated, centre, fixations) > 1.0


def test_fixation_metrics_returns_every_metric(fixations, random_map):
    negatives = np.random.default_rng(1).random((20, 2)) * [WIDTH, HEIGHT]
    scores = fixation_metrics(random_map, fixations, negatives, baseline_map=random_map)
    assert tuple(scores) == METRIC_NAMES
    assert scores["IG"] == 0.0
    assert scores["NSS"] == nss(random_map, fixations)
    assert "IG" not in fixation_metrics(random_map, fixations, negatives)


# --- invariances -----------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-6, 3.0, 1e4])
def test_metrics_ignore_positive_scaling_of_the_map(fixations, random_map, scale):
    negatives = np.random.default_rng(1).random((40, 2)) * [WIDTH, HEIGHT]
    original = fixation_metrics(random_map, fixations, negatives, baseline_map=random_map)
    scaled = fixation_metrics(random_map * scale, fixations, negatives, baseline_map=random_map)
    for name in METRIC_NAMES:
        assert scaled[name] == pytest.approx(original[name], rel=1e-9, abs=1e-12), name


def test_rank_and_standardised_metrics_ignore_a_shift_of_the_map(fixations, random_map):
    negatives = np.random.default_rng(1).random((40, 2)) * [WIDTH, HEIGHT]
    for metric in (auc_judd, nss, cc):
        assert metric(random_map + 5.0, fixations) == pytest.approx(metric(random_map, fixations))
    assert shuffled_auc(random_map - 2.0, fixations, negatives) == shuffled_auc(
        random_map, fixations, negatives
    )


def test_the_subject_column_does_not_matter(fixations, random_map):
    assert nss(random_map, fixations[:, :2]) == nss(random_map, fixations)
    assert auc_judd(random_map, fixations[:, :2]) == auc_judd(random_map, fixations)


# --- resizing --------------------------------------------------------------------------


def test_resize_map_brings_a_map_to_the_image_size():
    small = np.arange(12, dtype=float).reshape(3, 4)
    resized = resize_map(small, 30, 40)
    assert resized.shape == (30, 40) and resized.dtype == np.float64
    assert resized.min() >= small.min() and resized.max() <= small.max()
    np.testing.assert_array_equal(resize_map(small, 3, 4), small)
    np.testing.assert_allclose(resize_map(np.full((5, 7), 2.5), 20, 9), 2.5, rtol=1e-6)


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_fixations", "message"),
    [
        (np.zeros((0, 3)), "no fixations"),
        (np.array([1.0, 2.0]), r"\(n, 2\) or \(n, 3\)"),
        (np.array([[1.0], [2.0]]), r"\(n, 2\) or \(n, 3\)"),
        (np.array([[np.nan, 2.0]]), "NaN"),
        (np.array([[400.0, 300.0]]), "outside the 30x40 map.*resize_map"),
        (np.array([[-5.0, 3.0]]), "outside"),
    ],
)
def test_bad_fixations_are_refused(random_map, bad_fixations, message):
    for metric in (auc_judd, nss, cc, kld, sim):
        with pytest.raises(ValueError, match=message):
            metric(random_map, bad_fixations)
    with pytest.raises(ValueError, match=message):
        information_gain(random_map, random_map, bad_fixations)


def test_fixations_on_the_very_edge_count_on_the_edge_pixel(random_map):
    assert nss(random_map, [[40.0, 30.0]]) == nss(random_map, [[39.5, 29.5]])


@pytest.mark.parametrize(
    ("bad_map", "message"),
    [
        (np.full((HEIGHT, WIDTH), np.nan), "NaN or infinite"),
        (np.full((HEIGHT, WIDTH), np.inf), "NaN or infinite"),
        (np.ones(HEIGHT), "2-D"),
        (np.ones((HEIGHT, WIDTH, 3)), "2-D"),
        (np.ones((0, 4)), "2-D"),
    ],
)
def test_bad_maps_are_refused(fixations, bad_map, message):
    negatives = fixations[:3]
    for metric in (auc_judd, nss, cc, kld, sim):
        with pytest.raises(ValueError, match=message):
            metric(bad_map, fixations)
    with pytest.raises(ValueError, match=message):
        shuffled_auc(bad_map, fixations, negatives)
    with pytest.raises(ValueError, match=message):
        resize_map(bad_map, HEIGHT, WIDTH)


def test_information_gain_refuses_maps_that_are_no_densities(fixations, random_map):
    with pytest.raises(ValueError, match=r"\(30, 40\) but the baseline map is \(15, 20\)"):
        information_gain(random_map, random_map[::2, ::2], fixations)
    with pytest.raises(ValueError, match="negative values"):
        information_gain(random_map - 0.5, random_map, fixations)
    with pytest.raises(ValueError, match="baseline map is zero everywhere"):
        information_gain(random_map, np.zeros_like(random_map), fixations)


def test_a_precomputed_density_of_another_shape_is_refused(fixations, random_map):
    with pytest.raises(ValueError, match="empirical density"):
        cc(random_map, fixations, empirical_density=np.ones((3, 3)))


def test_shuffled_auc_without_negatives_is_undefined(fixations, random_map):
    assert math.isnan(shuffled_auc(random_map, fixations, np.zeros((0, 2))))
    with pytest.raises(ValueError, match=r"\(n, 2\) or \(n, 3\)"):
        shuffled_auc(random_map, fixations, np.zeros((0,)))


# --- cross-check against the shared benchmark ------------------------------------------


def test_metrics_match_the_shared_benchmark_on_osie(shared_bench):
    from smartcrop_core.training.data import load_fixation_dataset

    samples = load_fixation_dataset(FIXATIONS / "osie", splits=("val",), limit=3)
    assert len(samples) == 3
    centre = get_model("centre")
    for sample in samples:
        # The bench draws its shuffled-AUC negatives at random; give both the same ones:
        # the other two images' fixations, as shares of their sizes.
        others = np.concatenate(
            [
                other.fixations[:, :2] / [other.width, other.height]
                for other in samples
                if other is not sample
            ]
        )
        saliency_map = centre.predict(np.zeros((sample.height, sample.width, 3), np.uint8))
        expected = shared_bench.scores(saliency_map.astype(np.float64), sample, others)
        ours = fixation_metrics(
            saliency_map, sample.fixations, others * [sample.width, sample.height]
        )
        for name in ("AUC", "sAUC", "NSS", "CC", "KLD", "SIM"):
            assert ours[name] == pytest.approx(expected[name], abs=1e-3), (sample.name, name)
