"""Metrics of the crop benchmarks, on values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smartcrop_core.training.crop_metrics import (
    acc_k_n,
    best_match,
    boundary_displacement,
    iou,
    pcc,
    srcc,
)


class TestIoU:
    def test_hand_values(self):
        # Same box 1; a quarter inside it 25/100; half overlapping 50/150; touching 0.
        boxes = [[0, 0, 10, 10], [0, 0, 5, 5], [5, 0, 15, 10], [10, 0, 20, 10]]
        np.testing.assert_allclose(iou([0, 0, 10, 10], boxes), [1.0, 0.25, 1 / 3, 0.0])

    def test_partial_overlap_in_both_axes(self):
        # Intersection 5 x 5 = 25 of areas 100 and 100: 25 / 175.
        assert iou([0, 0, 10, 10], [5, 5, 15, 15])[0] == pytest.approx(25 / 175)

    def test_is_symmetric(self):
        first, second = [3, 1, 12, 9], [0, 4, 8, 20]
        assert iou(first, second)[0] == pytest.approx(iou(second, first)[0])

    def test_single_box_gives_one_value_and_empty_union_gives_zero(self):
        assert iou([0, 0, 4, 4], [0, 0, 4, 4]).shape == (1,)
        assert iou([2, 2, 2, 2], [2, 2, 2, 2]).tolist() == [0.0]

    def test_bad_shapes_are_refused(self):
        with pytest.raises(ValueError, match="one box"):
            iou([0, 0, 1], [[0, 0, 1, 1]])
        with pytest.raises(ValueError, match=r"shape \(4,\) or \(n, 4\)"):
            iou([0, 0, 1, 1], [[0, 0, 1]])


class TestBoundaryDisplacement:
    def test_square_image(self):
        # Edges move by 2, 4, 2 and 0 pixels of a 20 x 20 image: (0.1 + 0.2 + 0.1 + 0) / 4.
        assert boundary_displacement([0, 0, 10, 10], [2, 4, 12, 10], 20, 20) == pytest.approx(0.1)

    def test_x_edges_scale_by_width_and_y_edges_by_height(self):
        # Left edge 4 px of width 40 (0.1), lower edge 2 px of height 10 (0.2): 0.3 / 4.
        value = boundary_displacement([0, 0, 10, 10], [4, 0, 10, 8], width=40, height=10)
        assert value == pytest.approx(0.075)
        swapped = boundary_displacement([0, 0, 10, 10], [4, 0, 10, 8], width=10, height=40)
        assert swapped == pytest.approx((0.4 + 0.05) / 4)

    def test_several_references_give_an_array(self):
        values = boundary_displacement([0, 0, 10, 10], [[0, 0, 10, 10], [1, 1, 11, 11]], 10, 10)
        np.testing.assert_allclose(values, [0.0, 0.1])

    def test_image_size_must_be_positive(self):
        with pytest.raises(ValueError, match="positive"):
            boundary_displacement([0, 0, 1, 1], [0, 0, 1, 1], 0, 10)


def test_best_match_takes_best_iou_and_best_displacement_separately():
    # In a 100 x 100 image: `large` overlaps more (IoU 100 / 400 = 0.25, edges 0, 0, 10, 10
    # away: BDE 0.05), `tiny` has nearer edges (IoU 1 / 100, edges 5, 5, 4, 4: BDE 0.045).
    box = [0, 0, 10, 10]
    large, tiny = [0, 0, 20, 20], [5, 5, 6, 6]
    np.testing.assert_allclose(iou(box, [large, tiny]), [0.25, 0.01])
    np.testing.assert_allclose(boundary_displacement(box, [large, tiny], 100, 100), [0.05, 0.045])
    overlap, displacement = best_match(box, [large, tiny], 100, 100)
    assert overlap == pytest.approx(0.25)
    assert displacement == pytest.approx(0.045)
    assert best_match(box, [box], 100, 100) == (1.0, 0.0)


class TestAccKN:
    def test_reversed_prediction(self):
        # MOS 10, 9, ..., 1 and predictions in the opposite order: the top-predicted crops
        # are the worst ones; only with N = 10 (every crop) are they among the N best.
        mos = [np.arange(10, 0, -1.0)]
        predicted = [np.arange(10.0)]
        assert acc_k_n(predicted, mos, 1, 5) == 0.0
        assert acc_k_n(predicted, mos, 4, 5) == 0.0
        assert acc_k_n(predicted, mos, 4, 10) == 1.0
        assert acc_k_n(mos, mos, 4, 5) == 1.0

    def test_partial_hits_are_averaged_over_images(self):
        # Image 1: top 2 predicted have MOS 5 and 1, best 2 by MOS are 5 and 4: 1 of 2.
        # Image 2: top 2 predicted have MOS 3 and 2, the best two: 2 of 2.
        predicted = [[0.9, 0.8, 0.1, 0.2], [0.5, 0.6, 0.0, 0.1]]
        mos = [[5.0, 1.0, 4.0, 2.0], [2.0, 3.0, 1.0, 1.5]]
        assert acc_k_n(predicted, mos, 2, 2) == pytest.approx(0.75)

    def test_mos_tied_with_the_nth_best_counts_as_among_the_n_best(self):
        # MOS 4, 3, 3, 1: the 2nd best is 3, shared by two crops; either one is a hit.
        mos = [[4.0, 3.0, 3.0, 1.0]]
        assert acc_k_n([[0, 0, 1, 0]], mos, 1, 2) == 1.0
        assert acc_k_n([[0, 1, 0, 0]], mos, 1, 2) == 1.0
        assert acc_k_n([[0, 0, 0, 1]], mos, 1, 2) == 0.0

    def test_predicted_ties_take_the_earlier_candidate(self):
        assert acc_k_n([[1.0, 1.0, 0.0]], [[1.0, 5.0, 3.0]], 1, 1) == 0.0
        assert acc_k_n([[1.0, 1.0, 0.0]], [[5.0, 1.0, 3.0]], 1, 1) == 1.0

    def test_errors(self):
        with pytest.raises(ValueError, match="at least 1"):
            acc_k_n([[1, 2]], [[1, 2]], 0, 1)
        with pytest.raises(ValueError, match="fewer than"):
            acc_k_n([[1, 2, 3]], [[1, 2, 3]], 1, 5)
        with pytest.raises(ValueError, match="2 images of predicted scores but 1"):
            acc_k_n([[1, 2], [1, 2]], [[1, 2]], 1, 1)
        with pytest.raises(ValueError, match="image 0: 3 predicted scores but 2 MOS"):
            acc_k_n([[1, 2, 3]], [[1, 2]], 1, 1)
        with pytest.raises(ValueError, match="no images"):
            acc_k_n([], [], 1, 1)


class TestCorrelations:
    def test_spearman_with_ties_uses_average_ranks(self):
        # Ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4]: 4.5 / sqrt(4.5 * 5).
        assert srcc([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))
        # Ranks [1.5, 1.5, 3] and [3, 2, 1]: sums of squares 1.5 and 2, product sum -1.5.
        assert srcc([7, 7, 9], [3, 2, 1]) == pytest.approx(-1.5 / math.sqrt(3.0))

    def test_spearman_sees_order_pearson_sees_lines(self):
        x = [1.0, 2.0, 3.0, 4.0]
        cubes = [1.0, 8.0, 27.0, 64.0]
        assert srcc(x, cubes) == pytest.approx(1.0)
        assert pcc(x, cubes) < 0.99
        assert pcc(x, [2 * v + 1 for v in x]) == pytest.approx(1.0)
        assert srcc(x, x[::-1]) == pytest.approx(-1.0)

    def test_pearson_hand_value(self):
        # Deviations [-1, 0, 1] and [-7/3, -1/3, 8/3]: 5 / sqrt(2 * 114 / 9).
        assert pcc([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))

    def test_constant_input_is_nan(self):
        assert math.isnan(pcc([1, 1, 1], [1, 2, 3]))
        assert math.isnan(srcc([1, 2, 3], [4, 4, 4]))

    def test_errors(self):
        with pytest.raises(ValueError, match="differ in length"):
            srcc([1, 2, 3], [1, 2])
        with pytest.raises(ValueError, match="at least two"):
            pcc([1], [1])
        with pytest.raises(ValueError, match="finite"):
            pcc([1, float("nan"), 3], [1, 2, 3])

    def test_agrees_with_scipy_on_random_data_with_ties(self):
        stats = pytest.importorskip("scipy.stats")
        rng = np.random.default_rng(3)
        a = rng.integers(0, 6, 50).astype(float)
        b = a + rng.normal(0, 2, 50).round()
        assert srcc(a, b) == pytest.approx(stats.spearmanr(a, b)[0], abs=1e-12)
        assert pcc(a, b) == pytest.approx(stats.pearsonr(a, b)[0], abs=1e-12)
