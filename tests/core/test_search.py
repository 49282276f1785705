"""The window search: coarse to fine finds what the exhaustive 1 px search finds; auto zoom."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core import SmartCropper
from smartcrop_core.candidates import generate_candidates
from smartcrop_core.params import target_size
from smartcrop_core.ranking import HAND_SET, Ranker
from smartcrop_core.search import AUTO_KEEP, AUTO_ZOOMS, auto_zoom_window, best_window
from smartcrop_core.window_features import FEATURE_NAMES, window_features
from tests.core.ranking_support import analysis_of, as_box, column, gaussian, scorer
from tests.support import face_at

#: A ranker reading more than mass, so the landscapes have balance and position terms too.
RICHER = Ranker.linear(
    {"mass": 1.0, "border": -0.5, "balance": -0.3, "centre_prior": 0.2, "offset_y": -0.1}
)
MASS_ONLY = Ranker.linear({"mass": 1.0})


def _exhaustive(score, image_size, aspect, zoom) -> tuple[np.ndarray, np.ndarray]:
    """Every window one pixel apart, and its score."""
    boxes = generate_candidates(image_size, aspect, zoom, max_positions=1_000_000).boxes
    return boxes, score(boxes)[0]


def _assert_finds_the_exhaustive_best(score, image_size, aspect, zoom, **options):
    choice = best_window(score, image_size, aspect, zoom, **options)
    boxes, scores = _exhaustive(score, image_size, aspect, zoom)
    assert choice.score == pytest.approx(scores.max(), abs=1e-12)
    np.testing.assert_array_equal(choice.box, boxes[int(np.argmax(scores))])
    return choice, boxes


def _smooth_landscape(seed: int, image_size, aspect, zoom):
    """A random sum of broad bumps over the window's position, as a scorer."""
    rng = np.random.default_rng(seed)
    width, height = image_size
    box_width, box_height = target_size(width, height, aspect, zoom)
    free_x, free_y = max(width - box_width, 1), max(height - box_height, 1)
    count = int(rng.integers(1, 5))
    centre_x, centre_y = rng.uniform(0, free_x, count), rng.uniform(0, free_y, count)
    spread_x = rng.uniform(0.1, 0.5, count) * free_x + 3
    spread_y = rng.uniform(0.1, 0.5, count) * free_y + 3
    heights = rng.uniform(0.3, 1.0, count)

    def score(boxes: np.ndarray):
        x = boxes[:, :1].astype(float)
        y = boxes[:, 1:2].astype(float)
        bumps = np.exp(-0.5 * (((x - centre_x) / spread_x) ** 2 + ((y - centre_y) / spread_y) ** 2))
        return bumps @ heights, np.zeros((len(boxes), len(FEATURE_NAMES)))

    return score


@pytest.mark.parametrize(
    ("seed", "image_size", "aspect", "zoom"),
    [
        (0, (640, 480), 1.0, 0.5),
        (1, (1500, 400), 16 / 9, 0.8),
        (2, (300, 1200), 0.7, 1.0),
        (3, (999, 997), 1.3, 0.6),
        (4, (2400, 1800), 1.5, 0.5),
        (5, (120, 90), 1.0, 0.4),
        (6, (800, 600), 0.5, 1.0),
        (7, (1024, 768), 2.5, 0.9),
    ],
)
def test_best_window_equals_the_exhaustive_search_on_smooth_landscapes(
    seed, image_size, aspect, zoom
):
    score = _smooth_landscape(seed, image_size, aspect, zoom)
    _assert_finds_the_exhaustive_best(score, image_size, aspect, zoom)


@pytest.mark.parametrize(
    ("image_size", "aspect", "zoom", "free"),
    [
        ((640, 480), 16 / 9, 0.7, None),
        ((300, 200), 1.0, 0.5, None),
        ((200, 300), 0.8, 0.5, None),
        ((513, 97), 2.0, 0.7, None),
        ((400, 300), 1.0, 1.0, (100, 0)),  # no freedom vertically
        ((300, 400), 1.0, 1.0, (0, 100)),  # no freedom horizontally
        ((201, 200), 1.0, 1.0, (1, 0)),  # one pixel of freedom
        ((300, 201), 1.5, 1.0, (0, 1)),
        ((300, 200), 1.5, 1.0, (0, 0)),  # the image's own aspect: one window
    ],
)
@pytest.mark.parametrize("ranker", [HAND_SET, RICHER], ids=["hand-set", "richer"])
def test_best_window_equals_the_exhaustive_search_on_real_features(
    image_size, aspect, zoom, free, ranker
):
    width, height = image_size
    saliency = gaussian(height, width, 0.7 * width, 0.35 * height, 0.08 * max(width, height))
    saliency += 0.4 * gaussian(height, width, 0.2 * width, 0.8 * height, 0.15 * max(width, height))
    faces = (face_at(0.45 * width, 0.2 * height, 0.55 * width, 0.35 * height),)
    score = scorer(analysis_of(saliency, faces=faces), ranker)
    _, boxes = _assert_finds_the_exhaustive_best(score, image_size, aspect, zoom)
    if free is not None:
        box_width, box_height = target_size(width, height, aspect, zoom)
        assert (width - box_width, height - box_height) == free
        assert len(boxes) == (free[0] + 1) * (free[1] + 1)


def test_best_window_finds_a_blob_with_a_small_coarse_grid():
    analysis = analysis_of(gaussian(300, 800, 610, 90, 20))
    score = scorer(analysis)
    choice, _ = _assert_finds_the_exhaustive_best(score, (800, 300), 1.0, 0.5, coarse_positions=6)
    assert choice.box[0] <= 610 - 40 and choice.box[2] >= 610 + 40


def test_scored_rows_hold_the_returned_box_and_its_score():
    analysis = analysis_of(gaussian(480, 640, 400, 200, 40))
    score = scorer(analysis)
    choice = best_window(score, (640, 480), 16 / 9, 0.7)
    rows = choice.scored
    assert rows.ndim == 2 and rows.shape[1] == 5
    matches = np.flatnonzero((rows[:, :4] == choice.box).all(axis=1))
    assert len(matches) >= 1
    np.testing.assert_allclose(rows[matches, 4], choice.score)
    assert rows[:, 4].max() == pytest.approx(choice.score)
    assert choice.zoom == 0.7
    np.testing.assert_allclose(choice.features, window_features(analysis, choice.box[None])[0])


def test_every_scored_window_has_the_asked_size_and_lies_inside():
    score = scorer(analysis_of(gaussian(480, 640, 100, 400, 30)))
    choice = best_window(score, (640, 480), 0.8, 0.6)
    box_width, box_height = target_size(640, 480, 0.8, 0.6)
    rows = choice.scored
    np.testing.assert_array_equal(rows[:, 2] - rows[:, 0], box_width)
    np.testing.assert_array_equal(rows[:, 3] - rows[:, 1], box_height)
    assert (rows[:, 0] >= 0).all() and (rows[:, 2] <= 640).all()
    assert (rows[:, 1] >= 0).all() and (rows[:, 3] <= 480).all()
    assert choice.box.dtype == np.int64
    assert choice.box.tolist() == [int(v) for v in choice.box]


def test_the_search_scores_far_fewer_windows_than_the_exhaustive_one():
    score = scorer(analysis_of(gaussian(1500, 2000, 700, 900, 100)))
    choice = best_window(score, (2000, 1500), 1.0, 0.5)
    exhaustive = len(generate_candidates((2000, 1500), 1.0, 0.5, max_positions=10**6).boxes)
    assert len(choice.scored) < 3000
    assert exhaustive > 100 * len(choice.scored)


def test_a_window_with_no_freedom_is_the_only_one_scored():
    score = scorer(analysis_of(gaussian(200, 300, 50, 50, 10)))
    choice = best_window(score, (300, 200), 1.5, 1.0)
    assert choice.box.tolist() == [0, 0, 300, 200]
    assert len(choice.scored) == 1


# --- auto zoom ------------------------------------------------------------------------------


def _auto(analysis, aspect=4 / 3, ranker=HAND_SET, **options):
    width, height = analysis.image.original_size
    return auto_zoom_window(scorer(analysis, ranker), (width, height), aspect, **options)


def test_auto_zoom_crops_tight_around_a_compact_blob():
    choice = _auto(analysis_of(gaussian(300, 400, 250, 120, 12)))
    assert choice.zoom == min(AUTO_ZOOMS)
    assert (choice.box[2] - choice.box[0], choice.box[3] - choice.box[1]) == target_size(
        400, 300, 4 / 3, choice.zoom
    )
    assert choice.box[0] <= 250 - 36 and choice.box[2] >= 250 + 36
    assert choice.box[1] <= 120 - 36 and choice.box[3] >= 120 + 36


def test_auto_zoom_stays_wide_for_spread_out_saliency():
    assert _auto(analysis_of(np.ones((300, 400), np.float32))).zoom == 1.0
    two_ends = gaussian(300, 400, 30, 150, 15) + gaussian(300, 400, 370, 150, 15)
    assert _auto(analysis_of(two_ends)).zoom == 1.0


def test_auto_zoom_chooses_from_the_given_zooms_and_keep():
    blob = analysis_of(gaussian(300, 400, 250, 120, 12))
    assert _auto(blob, zooms=(1.0, 0.75)).zoom == 0.75
    flat = analysis_of(np.ones((300, 400), np.float32))
    assert _auto(flat, keep=0.0).zoom == min(AUTO_ZOOMS)  # anything keeps enough
    assert _auto(blob, keep=1.01).zoom == 1.0  # nothing keeps more than everything


def test_auto_zoom_keeps_the_share_it_promises():
    saliency = gaussian(300, 400, 200, 150, 40) + 0.3 * gaussian(300, 400, 60, 60, 30)
    analysis = analysis_of(saliency)
    choice = _auto(analysis)
    widest = best_window(scorer(analysis), (400, 300), 4 / 3, 1.0)
    kept = column(choice.features[None], "mass")[0]
    assert kept >= AUTO_KEEP * column(widest.features[None], "mass")[0]
    assert choice.zoom in AUTO_ZOOMS


@pytest.fixture
def blob_beside_a_face():
    """A blob at (150, 150) and a face just right of it: a tight crop on the blob cuts it."""
    face = face_at(240, 130, 280, 170)
    return analysis_of(gaussian(300, 400, 150, 150, 20), faces=(face,)), face


@pytest.mark.parametrize("ranker", [MASS_ONLY, HAND_SET], ids=["mass-only", "hand-set"])
def test_auto_zoom_never_cuts_a_face_the_widest_window_keeps(blob_beside_a_face, ranker):
    analysis, face = blob_beside_a_face
    score = scorer(analysis, ranker)
    widest = best_window(score, (400, 300), 4 / 3, 1.0)
    assert face.fraction_inside(as_box(widest.box)) == 1.0
    choice = auto_zoom_window(score, (400, 300), 4 / 3)
    inside = face.fraction_inside(as_box(choice.box))
    assert not 0.1 < inside < 0.9, f"auto zoom {choice.zoom} cuts the face ({inside:.0%})"
    assert column(choice.features[None], "faces_cut")[0] <= 0.01


def test_the_face_rule_is_what_stops_the_mass_only_ranker_zooming_in(blob_beside_a_face):
    analysis, face = blob_beside_a_face
    score = scorer(analysis, MASS_ONLY)
    tightest = best_window(score, (400, 300), 4 / 3, min(AUTO_ZOOMS))
    assert column(tightest.features[None], "mass")[0] >= AUTO_KEEP  # enough looks kept...
    assert 0.1 < face.fraction_inside(as_box(tightest.box)) < 0.9  # ...but the face is cut
    assert auto_zoom_window(score, (400, 300), 4 / 3).zoom > min(AUTO_ZOOMS)


def test_auto_zoom_does_not_drop_a_face_the_widest_window_keeps():
    face = face_at(340, 130, 370, 170)  # far from the looks, but in the widest window
    analysis = analysis_of(gaussian(300, 400, 120, 150, 15), faces=(face,))
    score = scorer(analysis)
    widest = best_window(score, (400, 300), 4 / 3, 1.0)
    assert face.fraction_inside(as_box(widest.box)) == 1.0
    choice = auto_zoom_window(score, (400, 300), 4 / 3)
    assert face.fraction_inside(as_box(choice.box)) >= 0.9


@pytest.fixture(scope="module")
def face_photo(face_photo_path):
    """The default cropper and its analysis of a real photo with three faces."""
    cropper = SmartCropper()
    analysis = cropper.analyze(face_photo_path)
    if not analysis.faces:
        pytest.skip("no face detector weights here")
    return cropper, analysis


@pytest.mark.parametrize("aspect", ["1:1", "9:16", "16:9", "4:3", "2:1"])
def test_auto_zoom_of_a_real_photo_cuts_no_face_that_zoom_one_keeps(face_photo, aspect):
    cropper, analysis = face_photo
    wide = cropper.crop(analysis, aspect)
    auto = cropper.crop(analysis, aspect, zoom="auto")
    assert auto.zoom in AUTO_ZOOMS
    for face in wide.faces:
        if face.fraction_inside(wide.box) >= 0.9:
            inside = face.fraction_inside(auto.box)
            assert not 0.1 < inside < 0.9, f"face {face.box} cut at zoom {auto.zoom}"
