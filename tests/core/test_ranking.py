"""Scoring windows: keep the looks, do not cut what people look at, never cut a face."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core.analysis import Analysis
from smartcrop_core.candidates import Candidates, generate_candidates
from smartcrop_core.imaging import WorkingImage
from smartcrop_core.ranking import RankingWeights, score_windows, window_features
from tests.support import face_at


def _analysis(saliency: np.ndarray, original_size: tuple[int, int] | None = None) -> Analysis:
    height, width = saliency.shape
    working = WorkingImage(np.zeros((height, width, 3), np.uint8), original_size or (width, height))
    return Analysis(working).evolve(saliency=saliency)


def _best(analysis: Analysis, candidates: Candidates, weights: RankingWeights | None = None):
    return candidates.boxes[int(np.argmax(score_windows(analysis, candidates, weights)))]


def _share_inside(box, left: int, right: int) -> float:
    """Share of the columns ``left:right`` inside ``box``'s columns."""
    return max(0, min(box[2], right) - max(box[0], left)) / (right - left)


def test_window_holding_a_saliency_blob_wins():
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 230:250] = 1
    best = _best(_analysis(saliency), generate_candidates((300, 100), 1.0))
    assert best[0] <= 230
    assert best[2] >= 250


def test_blob_is_kept_when_boxes_are_in_original_pixels():
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 30:50] = 1  # on the left, in analysis pixels
    analysis = _analysis(saliency, original_size=(1200, 400))
    best = _best(analysis, generate_candidates((1200, 400), 1.0))
    assert best[2] - best[0] == 400
    assert best[0] <= 120  # 30 analysis px = 120 original px
    assert best[2] >= 200


def test_centred_saliency_gets_a_centred_crop():
    rows, cols = np.mgrid[0:100, 0:300]
    saliency = np.exp(-(((cols - 150) / 60.0) ** 2) - ((rows - 50) / 30.0) ** 2)
    best = _best(_analysis(saliency.astype(np.float32)), generate_candidates((300, 100), 1.0))
    assert abs((best[0] + best[2]) / 2 - 150) <= 1


def test_featureless_image_gets_a_centred_crop():
    analysis = _analysis(np.ones((100, 300), np.float32))
    best = _best(analysis, generate_candidates((300, 100), 1.0))
    assert abs((best[0] + best[2]) / 2 - 150) <= 1


def test_border_term_moves_the_window_off_a_blob_it_would_cut():
    # P is small and strong, Q a wider blob 95 px to its right: no 100 px window holds both.
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 150:160] = 0.5 / 200
    saliency[40:60, 245:265] = 0.5 / 400
    analysis = _analysis(saliency)
    candidates = generate_candidates((300, 100), 1.0)

    greedy = _best(analysis, candidates, RankingWeights(border=0.0))
    assert 0 < _share_inside(greedy, 245, 265) < 1  # most mass, but Q is cut in two

    careful = _best(analysis, candidates, RankingWeights(border=1.0, border_band=0.05))
    for left, right in ((150, 160), (245, 265)):
        assert _share_inside(careful, left, right) in (0.0, 1.0)
    assert _share_inside(careful, 150, 160) == 1.0 or _share_inside(careful, 245, 265) == 1.0


def test_edges_on_the_image_border_cut_nothing():
    saliency = np.zeros((100, 200), np.float32)
    saliency[:, :5] = 1  # all the looks at the very left edge
    analysis = _analysis(saliency)
    candidates = Candidates(1.0, 1.0, np.array([[0, 0, 100, 100], [3, 0, 103, 100]]))
    features = window_features(analysis, candidates)
    assert features.border_mass[0] == pytest.approx(0.0, abs=1e-9)
    assert features.border_mass[1] > 0.1
    assert features.mass[0] == pytest.approx(1.0, abs=1e-6)


def test_features_have_one_value_per_window():
    saliency = np.random.default_rng(0).random((60, 80)).astype(np.float32)
    analysis = _analysis(saliency)
    candidates = generate_candidates((80, 60), 1.0, 0.5)
    features = window_features(analysis, candidates)
    count = len(candidates.boxes)
    for values in (
        features.mass,
        features.border_mass,
        features.faces_kept,
        features.faces_cut,
        features.centre_distance,
    ):
        assert values.shape == (count,)
        assert np.isfinite(values).all()
    assert (features.mass > 0).all()
    assert (features.mass <= 1 + 1e-6).all()
    assert (features.border_mass >= -1e-9).all()
    np.testing.assert_array_equal(features.faces_kept, 0)  # no faces, no face terms
    assert score_windows(analysis, candidates).shape == (count,)


def test_mass_of_a_window_is_the_share_of_looks_inside():
    saliency = np.ones((100, 200), np.float32)
    analysis = _analysis(saliency)
    candidates = Candidates(1.0, 0.5, np.array([[0, 0, 50, 50], [50, 25, 150, 75]]))
    features = window_features(analysis, candidates)
    np.testing.assert_allclose(features.mass, [0.125, 0.25], atol=1e-6)


def test_window_features_need_a_saliency_map():
    analysis = Analysis(WorkingImage(np.zeros((10, 10, 3), np.uint8), (10, 10)))
    with pytest.raises(ValueError, match="saliency"):
        window_features(analysis, generate_candidates((10, 10), 1.0))


@pytest.fixture
def face_analysis() -> Analysis:
    """Flat saliency over 400x100 and one face at x 150-190, y 30-70."""
    analysis = _analysis(np.ones((100, 400), np.float32))
    return analysis.evolve(faces=(face_at(150, 30, 190, 70, score=0.9),))


def test_face_half_inside_is_penalised_against_face_fully_inside(face_analysis):
    # Both windows cut the image on the left and the right, so only the face differs.
    candidates = Candidates(1.0, 1.0, np.array([[120, 0, 220, 100], [170, 0, 270, 100]]))
    features = window_features(face_analysis, candidates)
    assert features.faces_kept[0] == pytest.approx(1.0)
    assert features.faces_kept[1] == pytest.approx(0.5, abs=0.01)
    assert features.faces_cut[0] == pytest.approx(0.0)
    assert features.faces_cut[1] > 0.5
    scores = score_windows(face_analysis, candidates)
    assert scores[0] > scores[1]
    assert features.mass[0] == pytest.approx(features.mass[1])


def test_face_entirely_outside_is_not_cut(face_analysis):
    candidates = Candidates(1.0, 1.0, np.array([[250, 0, 350, 100]]))
    features = window_features(face_analysis, candidates)
    assert features.faces_kept[0] == pytest.approx(0.0)
    assert features.faces_cut[0] == pytest.approx(0.0)


def test_best_window_keeps_the_face_on_flat_saliency(face_analysis):
    best = _best(face_analysis, generate_candidates((400, 100), 1.0))
    assert face_analysis.faces[0].fraction_inside(_box(best)) == 1.0


def test_face_weights_of_zero_ignore_faces(face_analysis):
    weights = RankingWeights(face_kept=0.0, face_cut=0.0)
    candidates = generate_candidates((400, 100), 1.0)
    with_faces = score_windows(face_analysis, candidates, weights)
    without_faces = score_windows(face_analysis.evolve(faces=()), candidates, weights)
    np.testing.assert_allclose(with_faces, without_faces)


def test_face_term_uses_original_pixels_when_the_analysis_is_smaller():
    analysis = _analysis(np.ones((100, 400), np.float32), original_size=(800, 200))
    analysis = analysis.evolve(faces=(face_at(20, 30, 60, 70),))  # analysis px: x 40-120 orig.
    best = _best(analysis, generate_candidates((800, 200), 1.0))
    assert best[0] <= 40
    assert best[2] >= 120


def _box(row):
    from smartcrop_core import Box

    return Box(*(int(value) for value in row))
