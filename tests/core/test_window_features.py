"""What a window keeps and cuts: the features the ranker scores, measured on a coarse grid."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core.analysis import Analysis
from smartcrop_core.candidates import generate_candidates
from smartcrop_core.imaging import WorkingImage
from smartcrop_core.ranking import HAND_SET, Ranker
from smartcrop_core.window_features import (
    FEATURE_NAMES,
    MEASURE_SIZE,
    FeatureSettings,
    WindowMeasurer,
    box_sums,
    integral_image,
    window_features,
)
from tests.core.ranking_support import (
    analysis_of,
    as_box,
    best_of,
    column,
    gaussian,
    share_inside,
)
from tests.support import face_at

#: Every square window of a 300 x 100 image, one pixel apart.
SQUARES_300 = generate_candidates((300, 100), 1.0, max_positions=10_000).boxes
MASS_AND_CENTRE = Ranker.linear({"mass": 1.0, "centre_prior": 0.1})


def test_feature_names_are_the_eleven_documented_ones():
    assert FEATURE_NAMES == (
        "mass",
        "peak_mass",
        "soft_mass",
        "border",
        "balance",
        "thirds",
        "centre_prior",
        "offset_x",
        "offset_y",
        "faces_kept",
        "faces_cut",
    )


# --- integral images ------------------------------------------------------------------------


def test_box_sums_match_direct_sums_on_whole_cells():
    values = np.random.default_rng(3).random((7, 9))
    integral = integral_image(values)
    assert integral.shape == (8, 10)
    boxes = np.array([[0, 0, 9, 7], [2, 1, 5, 6], [8, 6, 9, 7], [3, 3, 3, 5]], dtype=float)
    expected = [
        values[upper:lower, left:right].sum() for left, upper, right, lower in boxes.astype(int)
    ]
    sums = box_sums(integral, boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    np.testing.assert_allclose(sums, expected, atol=1e-12)


def test_box_sums_read_fractional_edges_linearly():
    values = np.arange(12, dtype=float).reshape(3, 4)  # column 1 holds 1 + 5 + 9 = 15
    integral = integral_image(values)
    zero, three = np.array([0.0]), np.array([3.0])
    half_column = box_sums(integral, np.array([1.0]), zero, np.array([1.5]), three)
    assert half_column[0] == pytest.approx(7.5)
    # Edges outside the map are clamped to it.
    everything = box_sums(integral, np.array([-2.0]), np.array([-1.0]), np.array([9.0]), three)
    assert everything[0] == pytest.approx(values.sum())


# --- mass, shape of the output --------------------------------------------------------------


def test_features_have_one_finite_row_per_window_and_mass_is_a_share():
    saliency = np.random.default_rng(0).random((60, 80)).astype(np.float32)
    analysis = analysis_of(saliency, faces=(face_at(10, 10, 30, 35),))
    boxes = generate_candidates((80, 60), 1.0, 0.5).boxes
    features = window_features(analysis, boxes)
    assert features.shape == (len(boxes), len(FEATURE_NAMES))
    assert np.isfinite(features).all()
    mass = column(features, "mass")
    assert (mass > 0).all()
    assert (mass <= 1 + 1e-9).all()
    assert (column(features, "border") >= 0).all()
    assert (column(features, "faces_kept") >= 0).all()
    assert (column(features, "faces_kept") <= 1 + 1e-9).all()


def test_no_faces_means_no_face_terms():
    analysis = analysis_of(np.random.default_rng(1).random((40, 50)).astype(np.float32))
    features = window_features(analysis, generate_candidates((50, 40), 1.0, 0.5).boxes)
    np.testing.assert_array_equal(column(features, "faces_kept"), 0)
    np.testing.assert_array_equal(column(features, "faces_cut"), 0)


def test_mass_of_a_window_is_the_share_of_looks_inside():
    analysis = analysis_of(np.ones((100, 200), np.float32))
    features = window_features(analysis, np.array([[0, 0, 50, 50], [50, 25, 150, 75]]))
    np.testing.assert_allclose(column(features, "mass"), [0.125, 0.25], atol=1e-6)


def test_the_whole_image_keeps_all_the_mass():
    saliency = np.random.default_rng(2).random((90, 160)).astype(np.float32)
    features = window_features(analysis_of(saliency), np.array([[0, 0, 160, 90]]))
    assert column(features, "mass")[0] == pytest.approx(1.0, abs=1e-9)
    assert column(features, "peak_mass")[0] == pytest.approx(1.0, abs=1e-9)
    assert column(features, "border")[0] == pytest.approx(0.0, abs=1e-12)


def test_window_features_need_a_saliency_map():
    analysis = Analysis(WorkingImage(np.zeros((10, 10, 3), np.uint8), (10, 10)))
    with pytest.raises(ValueError, match="saliency"):
        window_features(analysis, np.array([[0, 0, 10, 10]]))
    with pytest.raises(ValueError, match="saliency"):
        WindowMeasurer(analysis)


def test_a_measurer_gives_what_window_features_gives_for_every_set_of_boxes():
    analysis = analysis_of(gaussian(120, 200, 60, 50, 20), faces=(face_at(100, 40, 130, 80),))
    measure = WindowMeasurer(analysis)
    for aspect, zoom in ((1.0, 1.0), (16 / 9, 0.6), (0.5, 0.8)):
        boxes = generate_candidates((200, 120), aspect, zoom, max_positions=12).boxes
        np.testing.assert_allclose(measure(boxes), window_features(analysis, boxes))


def test_coarse_grid_agrees_with_full_resolution_on_a_smooth_map():
    saliency = gaussian(400, 600, 200, 150, 60) + 0.5 * gaussian(400, 600, 450, 300, 40)
    analysis = analysis_of(saliency)
    boxes = np.concatenate(
        [
            generate_candidates((600, 400), aspect, zoom, max_positions=15).boxes
            for aspect, zoom in ((1.3, 0.6), (0.7, 1.0), (2.0, 0.4))
        ]
    )
    coarse = WindowMeasurer(analysis)(boxes)
    full = WindowMeasurer(analysis, measure_size=10_000)(boxes)
    assert max(analysis.saliency.shape) > MEASURE_SIZE  # the default does measure coarsely
    np.testing.assert_allclose(column(coarse, "mass"), column(full, "mass"), atol=1e-3)
    assert not np.allclose(column(coarse, "mass"), column(full, "mass"), atol=1e-12)


# --- where the best window lands ------------------------------------------------------------


def test_window_holding_a_saliency_blob_wins():
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 230:250] = 1
    best = best_of(analysis_of(saliency), SQUARES_300)
    assert best[0] <= 230
    assert best[2] >= 250


def test_blob_is_kept_when_boxes_are_in_original_pixels():
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 30:50] = 1  # on the left, in analysis pixels
    analysis = analysis_of(saliency, original_size=(1200, 400))
    boxes = generate_candidates((1200, 400), 1.0, max_positions=10_000).boxes
    best = best_of(analysis, boxes)
    assert best[2] - best[0] == 400
    assert best[0] <= 120  # 30 analysis px = 120 original px
    assert best[2] >= 200


def test_centred_saliency_gets_a_centred_crop():
    rows, cols = np.mgrid[0:100, 0:300]
    saliency = np.exp(-(((cols - 150) / 60.0) ** 2) - ((rows - 50) / 30.0) ** 2)
    best = best_of(analysis_of(saliency.astype(np.float32)), SQUARES_300)
    assert abs((best[0] + best[2]) / 2 - 150) <= 1


def test_featureless_image_gets_a_centred_crop_from_a_ranker_with_a_centre_prior():
    best = best_of(analysis_of(np.ones((100, 300), np.float32)), SQUARES_300, MASS_AND_CENTRE)
    assert abs((best[0] + best[2]) / 2 - 150) <= 1


def test_border_term_moves_the_window_off_a_blob_it_would_cut():
    # P is small and strong, Q a wider blob 95 px to its right: no 100 px window holds both.
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 150:160] = 0.5 / 200
    saliency[40:60, 245:265] = 0.5 / 400
    analysis = analysis_of(saliency)

    greedy = best_of(analysis, SQUARES_300, Ranker.linear({"mass": 1.0}))
    assert 0 < share_inside(greedy, 245, 265) < 1  # most mass, but Q is cut in two

    careful_ranker = Ranker.linear({"mass": 1.0, "border": -1.0})
    careful = best_of(analysis, SQUARES_300, careful_ranker, FeatureSettings(border_band=0.05))
    for left, right in ((150, 160), (245, 265)):
        assert share_inside(careful, left, right) in (0.0, 1.0)
    assert share_inside(careful, 150, 160) == 1.0 or share_inside(careful, 245, 265) == 1.0


def test_edges_on_the_image_border_cut_nothing():
    saliency = np.zeros((100, 200), np.float32)
    saliency[:, :5] = 1  # all the looks at the very left edge
    features = window_features(
        analysis_of(saliency), np.array([[0, 0, 100, 100], [3, 0, 103, 100]])
    )
    border = column(features, "border")
    assert border[0] == pytest.approx(0.0, abs=1e-9)
    assert border[1] > 0.1
    assert column(features, "mass")[0] == pytest.approx(1.0, abs=1e-6)


def test_edges_through_a_flat_map_cut_nothing():
    features = window_features(
        analysis_of(np.ones((100, 200), np.float32)), np.array([[50, 20, 150, 80]])
    )
    assert column(features, "border")[0] == pytest.approx(0.0, abs=1e-9)


# --- balance, thirds, position priors -------------------------------------------------------


@pytest.fixture(scope="module")
def centred_blob() -> np.ndarray:
    """Features of windows around a small blob at (150, 50) of a 300 x 100 map."""
    analysis = analysis_of(gaussian(100, 300, 150, 50, 5))
    # Centred on the blob; the blob at 0.9 of the width; all around the image centre.
    return window_features(analysis, np.array([[100, 0, 200, 100], [60, 0, 160, 100]]))


def test_balance_is_zero_for_a_window_centred_on_its_blob(centred_blob):
    assert column(centred_blob, "balance")[0] == pytest.approx(0.0, abs=1e-3)


def test_balance_is_the_distance_of_the_kept_centroid_in_window_sizes(centred_blob):
    # The blob sits at x = 90 of 100 in the second window: 0.4 window widths off centre.
    assert column(centred_blob, "balance")[1] == pytest.approx(0.4, abs=0.01)


def test_thirds_is_near_zero_for_a_blob_on_a_thirds_point():
    analysis = analysis_of(gaussian(100, 300, 100 + 100 / 3, 100 / 3, 4))
    on_thirds, centred = column(
        window_features(analysis, np.array([[100, 0, 200, 100], [83, 0, 183, 100]])), "thirds"
    )
    assert on_thirds == pytest.approx(0.0, abs=0.01)
    # The second window has the blob at (0.5, 1/3): 1/6 of a window from the nearest point.
    assert centred == pytest.approx(1 / 6, abs=0.01)


def test_thirds_is_largest_for_a_centred_blob(centred_blob):
    assert column(centred_blob, "thirds")[0] == pytest.approx(np.hypot(1 / 6, 1 / 6), abs=0.01)


def test_centre_prior_is_larger_for_a_centred_window():
    analysis = analysis_of(np.ones((100, 300), np.float32))
    boxes = np.array([[100, 0, 200, 100], [50, 0, 150, 100], [0, 0, 100, 100], [0, 0, 300, 100]])
    prior = column(window_features(analysis, boxes), "centre_prior")
    assert prior[0] > prior[1] > prior[2]
    assert prior[3] == pytest.approx(1.0, abs=1e-9)  # the whole image holds all of it


def test_centre_prior_does_not_depend_on_the_saliency():
    boxes = np.array([[100, 0, 200, 100], [0, 0, 100, 100]])
    flat = window_features(analysis_of(np.ones((100, 300), np.float32)), boxes)
    blob = window_features(analysis_of(gaussian(100, 300, 30, 30, 5)), boxes)
    np.testing.assert_allclose(column(flat, "centre_prior"), column(blob, "centre_prior"))


def test_offset_x_is_unsigned_and_offset_y_is_negative_for_high_windows():
    analysis = analysis_of(np.ones((200, 100), np.float32))  # a portrait 100 x 200 image
    boxes = np.array(
        [
            [0, 0, 100, 100],  # the top half
            [0, 100, 100, 200],  # the bottom half
            [0, 50, 100, 150],  # centred
            [0, 0, 50, 50],  # top left corner
            [50, 0, 100, 50],  # top right corner
        ]
    )
    features = window_features(analysis, boxes)
    np.testing.assert_allclose(column(features, "offset_x"), [0, 0, 0, 0.25, 0.25])
    np.testing.assert_allclose(column(features, "offset_y"), [-0.25, 0.25, 0, -0.375, -0.375])


def test_offsets_are_in_image_sizes_when_the_analysis_is_smaller():
    analysis = analysis_of(np.ones((100, 200), np.float32), original_size=(800, 400))
    features = window_features(analysis, np.array([[600, 300, 800, 400]]))
    assert column(features, "offset_x")[0] == pytest.approx(0.375)
    assert column(features, "offset_y")[0] == pytest.approx(0.375)


def test_peak_mass_favours_a_sharp_peak_over_diffuse_mass():
    # A wide plateau on the left holds 60 % of the looks, a sharp peak on the right 40 %.
    saliency = np.zeros((100, 300), np.float32)
    saliency[:, 0:100] = 0.6 / 10_000
    saliency[45:55, 245:255] = 0.4 / 100
    boxes = np.array([[0, 0, 100, 100], [200, 0, 300, 100]])
    features = window_features(analysis_of(saliency), boxes)
    mass, peak = column(features, "mass"), column(features, "peak_mass")
    assert mass[0] > mass[1]
    assert peak[1] > peak[0]
    assert peak[1] > 0.9
    assert (
        as_box(best_of(analysis_of(saliency), boxes, Ranker.linear({"peak_mass": 1.0}))).left == 200
    )


def test_soft_mass_favours_diffuse_mass_over_a_sharp_peak():
    # The same map: the square root lifts the wide plateau above the sharp peak.
    saliency = np.zeros((100, 300), np.float32)
    saliency[:, 0:100] = 0.4 / 10_000
    saliency[45:55, 245:255] = 0.6 / 100
    boxes = np.array([[0, 0, 100, 100], [200, 0, 300, 100]])
    # Measured at full resolution, so the numbers can be worked out by hand.
    features = WindowMeasurer(analysis_of(saliency), measure_size=1000)(boxes)
    mass, soft = column(features, "mass"), column(features, "soft_mass")
    assert mass[1] > mass[0]
    assert soft[0] > soft[1]
    # sqrt(0.4e-4) * 1e4 cells against sqrt(0.6e-2) * 100 cells: 0.063 vs 0.0077.
    assert soft[0] == pytest.approx(0.063 / (0.063 + 0.0077), abs=0.005)


# --- faces ----------------------------------------------------------------------------------


@pytest.fixture
def face_analysis() -> Analysis:
    """Flat saliency over 400x100 and one face at x 150-190, y 30-70."""
    return analysis_of(np.ones((100, 400), np.float32), faces=(face_at(150, 30, 190, 70),))


def test_face_half_inside_is_penalised_against_face_fully_inside(face_analysis):
    # Both windows cut the image on the left and the right, so only the face differs.
    boxes = np.array([[120, 0, 220, 100], [170, 0, 270, 100]])
    features = window_features(face_analysis, boxes)
    kept, cut = column(features, "faces_kept"), column(features, "faces_cut")
    assert kept[0] == pytest.approx(1.0)
    assert kept[1] == pytest.approx(0.5, abs=0.01)
    assert cut[0] == pytest.approx(0.0)
    assert cut[1] > 0.5
    assert column(features, "mass")[0] == pytest.approx(column(features, "mass")[1])
    scores = HAND_SET.score(features)
    assert scores[0] > scores[1]


def test_face_entirely_outside_is_not_cut(face_analysis):
    features = window_features(face_analysis, np.array([[250, 0, 350, 100]]))
    assert column(features, "faces_kept")[0] == pytest.approx(0.0)
    assert column(features, "faces_cut")[0] == pytest.approx(0.0)


def test_face_margins_count_hair_and_chin_as_part_of_the_face(face_analysis):
    # The window holds the detector's box (x 150-190) but not the 30 % side margins.
    tight = np.array([[150, 0, 250, 100]])
    grown = window_features(face_analysis, tight)
    bare = window_features(
        face_analysis,
        tight,
        FeatureSettings(face_margin_side=0, face_margin_top=0, face_margin_bottom=0),
    )
    assert column(bare, "faces_kept")[0] == pytest.approx(1.0)
    assert column(bare, "faces_cut")[0] == pytest.approx(0.0)
    assert column(grown, "faces_kept")[0] < 0.9
    assert column(grown, "faces_cut")[0] > 0


def test_best_window_keeps_the_face_on_flat_saliency(face_analysis):
    boxes = generate_candidates((400, 100), 1.0, max_positions=10_000).boxes
    best = best_of(face_analysis, boxes)
    assert face_analysis.faces[0].fraction_inside(as_box(best)) == 1.0


def test_big_sure_faces_weigh_more_than_small_doubtful_ones():
    big, small = face_at(40, 20, 100, 80, score=0.95), face_at(300, 40, 320, 60, score=0.6)
    analysis = analysis_of(np.ones((100, 400), np.float32), faces=(big, small))
    kept = column(
        window_features(analysis, np.array([[0, 0, 150, 100], [250, 0, 400, 100]])), "faces_kept"
    )
    assert kept[0] + kept[1] == pytest.approx(1.0)
    assert kept[0] > 3 * kept[1]


def test_face_terms_are_in_original_pixels_when_the_analysis_is_smaller():
    # Analysis 400 x 100 of an 800 x 200 original: the face is at x 300-380 there, 276-404
    # with its side margins.
    face = face_at(150, 30, 190, 70)
    analysis = analysis_of(np.ones((100, 400), np.float32), (800, 200), faces=(face,))
    features = window_features(analysis, np.array([[276, 0, 476, 200], [340, 0, 540, 200]]))
    kept, cut = column(features, "faces_kept"), column(features, "faces_cut")
    assert kept[0] == pytest.approx(1.0)
    assert cut[0] == pytest.approx(0.0)
    assert kept[1] == pytest.approx(0.5, abs=0.01)
    assert cut[1] > 0.5


def test_best_window_keeps_a_face_found_in_a_smaller_analysis():
    analysis = analysis_of(
        np.ones((100, 400), np.float32), (800, 200), faces=(face_at(20, 30, 60, 70),)
    )  # analysis px 20-60 = original px 40-120
    best = best_of(analysis, generate_candidates((800, 200), 1.0, max_positions=10_000).boxes)
    assert best[0] <= 40
    assert best[2] >= 120
