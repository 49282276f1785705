"""The crop pipeline: one analysis for many aspects, exact boxes, faces kept, custom stages."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core import (
    AUTO_ZOOM,
    Analysis,
    Box,
    CropResult,
    Focus,
    InvalidAspectError,
    InvalidBoxError,
    InvalidZoomError,
    SmartCropper,
    find_crop,
    find_crops,
    target_size,
)
from smartcrop_core.candidates import generate_candidates
from smartcrop_core.faces import NoFaceDetector, YuNetDetector
from smartcrop_core.imaging import WorkingImage
from smartcrop_core.saliency import get_model
from smartcrop_core.saliency.spectral import CentrePriorSaliency, SpectralResidualSaliency
from smartcrop_core.search import AUTO_ZOOMS
from tests.support import ColumnSaliency, CountingModel, FixedFaces, blob_image, face_at


class BrightnessSaliency:
    """A toy model: people look where the image is brightest (density ~ gray level ** 4)."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        gray = rgb.astype(np.float64).mean(axis=2) / 255.0
        density = gray**4 + 1e-9
        return (density / density.sum()).astype(np.float32)


ASPECTS = ["1:1", "16:9", (4, 5)]
ZOOMS = [1.0, 0.6]


@pytest.fixture
def counting() -> CountingModel:
    return CountingModel(CentrePriorSaliency())


@pytest.fixture(scope="module")
def small_image() -> np.ndarray:
    return blob_image(300, 200, centre=(240, 100), radius=15)


def test_many_aspects_and_zooms_share_one_analysis(counting, small_image):
    cropper = SmartCropper(model=counting, faces=False)
    results = cropper.crop_many(small_image, ASPECTS, zooms=ZOOMS)
    assert counting.calls == 1
    assert len(results) == len(ASPECTS) * len(ZOOMS)
    assert [r.aspect for r in results] == pytest.approx([1.0, 1.0, 16 / 9, 16 / 9, 0.8, 0.8])
    assert [r.zoom for r in results] == ZOOMS * 3


def test_searching_all_requests_together_chooses_what_one_at_a_time_does(face_photo_path):
    cropper = SmartCropper(face_detector=FixedFaces(face_at(300, 90, 340, 140)))
    aspects, zooms = ["1:1", "16:9", "9:16", "1:1"], [1.0, "auto", 0.6]
    together = cropper.crop_many(face_photo_path, aspects, zooms=zooms, details=True)
    alone = [
        cropper.crop(face_photo_path, aspect, zoom=zoom, details=True)
        for aspect in aspects
        for zoom in zooms
    ]
    for batched, single in zip(together, alone, strict=True):
        assert batched.box == single.box
        assert batched.zoom == single.zoom
        assert batched.score == pytest.approx(single.score, abs=1e-9)
        np.testing.assert_allclose(batched.candidates, single.candidates, atol=1e-9)


def test_every_box_has_the_exact_target_size_and_lies_inside(small_image):
    results = find_crops(small_image, ASPECTS, zooms=ZOOMS, model="spectral", faces=False)
    for result in results:
        assert isinstance(result, CropResult)
        assert (result.box.width, result.box.height) == target_size(
            300, 200, result.aspect, result.zoom
        )
        assert 0 <= result.box.left <= result.box.right <= 300
        assert 0 <= result.box.upper <= result.box.lower <= 200
        assert result.image_size == (300, 200)
        assert np.isfinite(result.score)


def test_cropper_remembers_the_analysis_of_the_same_image(counting, small_image):
    cropper = SmartCropper(model=counting, faces=False)
    first = cropper.crop(small_image, "1:1")
    second = cropper.crop(small_image.copy(), "16:9")
    assert counting.calls == 1
    assert first.box != second.box
    cropper.crop(255 - small_image, "1:1")
    assert counting.calls == 2


def test_details_carry_the_saliency_map_and_every_scored_candidate(small_image):
    plain = find_crop(small_image, "1:1", zoom=0.6, model="spectral", faces=False)
    assert plain.saliency is None
    assert plain.candidates is None

    result = find_crop(small_image, "1:1", zoom=0.6, model="spectral", faces=False, details=True)
    assert result.box == plain.box
    assert result.saliency.shape == (200, 300)
    assert result.saliency.dtype == np.float32
    assert float(result.saliency.sum()) == pytest.approx(1.0, abs=1e-4)
    rows = result.candidates
    assert rows.ndim == 2
    assert rows.shape[1] == 5
    assert len(rows) > 1000
    best = rows[np.argmax(rows[:, 4])]
    assert Box(*(int(v) for v in best[:4])) == result.box
    assert best[4] == pytest.approx(result.score)
    np.testing.assert_array_equal(rows[:, 2] - rows[:, 0], 120)


def test_boxes_are_in_original_pixels_for_an_image_larger_than_the_analysis():
    image = blob_image(1600, 1200, centre=(1350, 500), radius=60)  # blob 1290-1410 x 440-560
    model = CountingModel(BrightnessSaliency())
    cropper = SmartCropper(model=model, faces=False, analysis_size=400)
    results = cropper.crop_many(image, ["1:1", "9:16"], zooms=[1.0, 0.5], details=True)
    assert model.calls == 1
    for result in results:
        assert result.image_size == (1600, 1200)
        assert result.saliency.shape == (300, 400)  # the analysis copy
        box = result.box
        assert (box.width, box.height) == target_size(1600, 1200, result.aspect, result.zoom)
        assert box.left <= 1290
        assert box.right >= 1410
        assert box.upper <= 440
        assert box.lower >= 560
        assert box.right <= 1600
        assert box.lower <= 1200


def test_channel_axis_first_gives_the_same_crop(small_image):
    last = find_crop(small_image, "1:1", model="spectral", faces=False)
    first = find_crop(
        np.moveaxis(small_image, -1, 0), "1:1", model="spectral", faces=False, channel_axis=0
    )
    assert first.box == last.box


def test_invalid_aspect_or_zoom_fail_before_any_analysis(counting, small_image):
    cropper = SmartCropper(model=counting, faces=False)
    with pytest.raises(InvalidAspectError):
        cropper.crop_many(small_image, ["1:1", "0:1"])
    with pytest.raises(InvalidZoomError):
        cropper.crop(small_image, "1:1", zoom=0)
    assert counting.calls == 0


def test_empty_aspect_or_zoom_lists_are_rejected(small_image):
    cropper = SmartCropper(model="centre", faces=False)
    with pytest.raises(ValueError, match="aspects is empty"):
        cropper.crop_many(small_image, [])
    with pytest.raises(ValueError, match="zooms is empty"):
        cropper.crop_many(small_image, ["1:1"], zooms=[])


def test_a_lone_ratio_string_is_one_aspect(small_image):
    results = find_crops(small_image, "16:9", zooms=0.5, model="centre", faces=False)
    assert len(results) == 1
    assert results[0].aspect == pytest.approx(16 / 9)
    assert results[0].zoom == 0.5


@pytest.mark.usefixtures("weights_dir")
def test_models_are_resolved_by_name_and_faces_can_be_off():
    cropper = SmartCropper(model="spectral", faces=False)
    assert isinstance(cropper.saliency_model, SpectralResidualSaliency)
    assert isinstance(cropper.face_detector, NoFaceDetector)
    default = SmartCropper()
    assert default.saliency_model is get_model("student")
    assert isinstance(default.face_detector, YuNetDetector)


def test_faces_from_the_detector_are_kept_and_returned_in_original_pixels():
    image = np.full((200, 600, 3), 128, np.uint8)
    face = face_at(90, 40, 110, 90)  # in analysis pixels (300 x 100 copy)
    cropper = SmartCropper(
        model="centre", face_detector=FixedFaces(face), analysis_size=300, faces=True
    )
    result = cropper.crop(image, "1:1")
    (returned,) = result.faces
    assert returned.box == pytest.approx((180, 80, 220, 180))
    assert returned.fraction_inside(result.box) == 1.0
    # Without the face, the centred box would cut it.
    plain = SmartCropper(model="centre", faces=False, analysis_size=300).crop(image, "1:1")
    assert 0.1 < returned.fraction_inside(plain.box) < 0.9


# --- a real photo with faces ----------------------------------------------------------------


@pytest.fixture(scope="module")
def face_analysis(face_photo_path):
    cropper = SmartCropper()
    return cropper, cropper.analyze(face_photo_path)


def test_real_photo_analysis_finds_three_faces(face_analysis):
    _, analysis = face_analysis
    assert len(analysis.faces) == 3
    assert analysis.image.original_size == (512, 384)
    assert analysis.saliency.shape == (384, 512)


def _most_faces_that_fit(faces, image_size, aspect, zoom) -> int:
    """How many faces the best-placed box of this aspect and zoom can hold (>= 90 %)."""
    boxes = generate_candidates(image_size, aspect, zoom).boxes
    return max(
        sum(face.fraction_inside(Box(*(int(v) for v in row))) >= 0.9 for face in faces)
        for row in boxes
    )


@pytest.mark.parametrize("aspect", ["1:1", "9:16"])
@pytest.mark.parametrize("zoom", [1.0, 0.6])
def test_crops_of_a_real_photo_keep_as_many_faces_as_fit_and_cut_none(face_analysis, aspect, zoom):
    cropper, analysis = face_analysis
    result = cropper.crop(analysis, aspect, zoom=zoom)
    assert (result.box.width, result.box.height) == target_size(512, 384, result.aspect, zoom)
    assert len(result.faces) == 3
    kept = [face for face in result.faces if face.fraction_inside(result.box) >= 0.9]
    assert kept, "no face kept"
    assert len(kept) == _most_faces_that_fit(result.faces, (512, 384), result.aspect, zoom)
    for face in result.faces:
        inside = face.fraction_inside(result.box)
        assert not 0.1 < inside < 0.9, f"face {face.box} is cut ({inside:.0%} inside)"


def test_wide_crop_of_a_real_photo_keeps_all_three_faces(face_analysis):
    cropper, analysis = face_analysis
    result = cropper.crop(analysis, "16:9")
    assert all(face.fraction_inside(result.box) >= 0.9 for face in result.faces)


# --- the analysis and stages ----------------------------------------------------------------


def _blank_analysis(height: int = 20, width: int = 30) -> Analysis:
    return Analysis(WorkingImage(np.zeros((height, width, 3), np.uint8), (width, height)))


def test_evolve_returns_a_new_analysis_and_leaves_the_original_alone():
    original = _blank_analysis()
    saliency = np.ones((20, 30), np.float32)
    evolved = original.evolve(saliency=saliency, faces=(face_at(1, 1, 5, 5),))
    assert evolved is not original
    assert original.saliency is None
    assert original.faces == ()
    assert len(evolved.faces) == 1
    assert float(evolved.saliency.sum()) == pytest.approx(1.0)
    np.testing.assert_array_equal(saliency, 1.0)  # the caller's map is not normalised in place
    again = evolved.evolve(faces=())
    assert len(evolved.faces) == 1
    assert again.saliency is evolved.saliency or np.array_equal(again.saliency, evolved.saliency)


def test_evolve_checks_the_saliency_map():
    analysis = _blank_analysis()
    with pytest.raises(ValueError, match="shape"):
        analysis.evolve(saliency=np.ones((10, 10)))
    with pytest.raises(ValueError, match="non-negative"):
        analysis.evolve(saliency=-np.ones((20, 30)))
    with pytest.raises(ValueError, match="finite"):
        analysis.evolve(saliency=np.full((20, 30), np.nan))
    uniform = analysis.evolve(saliency=np.zeros((20, 30))).saliency
    assert uniform.dtype == np.float32
    np.testing.assert_allclose(uniform, 1 / 600)


def test_a_stage_writing_extras_does_not_change_what_earlier_stages_saw():
    original = _blank_analysis()
    evolved = original.evolve(faces=())
    evolved.extras["plugin.note"] = "added by a later stage"
    assert "plugin.note" not in original.extras


def test_custom_stage_runs_after_saliency_and_can_change_it(small_image):
    seen = []

    def look_left(analysis: Analysis) -> Analysis:
        seen.append(analysis.saliency is not None)
        return analysis.evolve(saliency=ColumnSaliency(0.0, 0.1).predict(analysis.image.pixels))

    plain = find_crop(small_image, "1:1", model="centre", faces=False)
    steered = find_crop(small_image, "1:1", model="centre", faces=False, stages=[look_left])
    assert seen == [True]
    assert plain.box.left > 0
    assert steered.box.left == 0


def test_stage_that_returns_something_else_is_a_type_error(small_image):
    def broken(analysis):
        return analysis.saliency

    with pytest.raises(TypeError, match="stage broken returned ndarray, not an Analysis"):
        find_crop(small_image, "1:1", model="centre", faces=False, stages=[broken])


def test_analysis_is_passed_through_unchanged(small_image):
    cropper = SmartCropper(model="centre", faces=False)
    analysis = cropper.analyze(small_image)
    assert cropper.analyze(analysis) is analysis
    assert cropper.crop(analysis, "1:1") == cropper.crop(small_image, "1:1")


def test_changing_a_returned_saliency_map_does_not_change_later_crops(small_image):
    cropper = SmartCropper(model="centre", faces=False)
    first = cropper.crop(small_image, "1:1", details=True)
    first.saliency[:] = 0
    first.saliency[:, :5] = 1  # the caller's own use of its result, e.g. to draw it
    second = cropper.crop(small_image, "1:1", details=True)
    assert second.box == first.box
    assert float(second.saliency[:, :5].sum()) < 0.5


# --- zoom="auto" ----------------------------------------------------------------------------


@pytest.mark.parametrize("aspect", ASPECTS)
def test_auto_zoom_gives_one_of_the_auto_zooms_at_its_exact_size(small_image, aspect):
    cropper = SmartCropper(model="spectral", faces=False)
    result = cropper.crop(small_image, aspect, zoom="auto")
    assert result.zoom in AUTO_ZOOMS
    assert (result.box.width, result.box.height) == target_size(
        300, 200, result.aspect, result.zoom
    )
    assert 0 <= result.box.left <= result.box.right <= 300
    assert 0 <= result.box.upper <= result.box.lower <= 200


def test_auto_zoom_crops_close_around_a_lone_bright_blob(small_image):
    # The blob covers x 225-255, y 85-115.
    cropper = SmartCropper(model=BrightnessSaliency(), faces=False)
    for aspect in ("1:1", "16:9"):
        result = cropper.crop(small_image, aspect, zoom="auto")
        assert result.zoom < 1.0
        box = result.box
        assert box.left <= 225 and box.right >= 255
        assert box.upper <= 85 and box.lower >= 115


def test_auto_zoom_is_spelled_in_any_case_and_mixes_with_numbers(small_image):
    cropper = SmartCropper(model=BrightnessSaliency(), faces=False)
    fixed, auto, shouted = cropper.crop_many(small_image, ["1:1"], zooms=[0.8, AUTO_ZOOM, " Auto "])
    assert fixed.zoom == 0.8
    assert (fixed.box.width, fixed.box.height) == (160, 160)
    assert auto.zoom in AUTO_ZOOMS
    assert shouted == auto


def test_auto_zoom_details_are_the_windows_of_the_chosen_zoom(small_image):
    result = find_crop(small_image, "1:1", zoom="auto", model="spectral", faces=False, details=True)
    rows = result.candidates
    np.testing.assert_array_equal(rows[:, 2] - rows[:, 0], result.box.width)
    np.testing.assert_array_equal(rows[:, 3] - rows[:, 1], result.box.height)
    assert rows[:, 4].max() == pytest.approx(result.score)


# --- the search settings --------------------------------------------------------------------


def test_a_coarser_first_grid_scores_fewer_windows_and_finds_the_same_blob(small_image):
    model = BrightnessSaliency()
    fine = SmartCropper(model=model, faces=False).crop(small_image, "1:1", zoom=0.5, details=True)
    coarse = SmartCropper(model=model, faces=False, coarse_positions=6).crop(
        small_image, "1:1", zoom=0.5, details=True
    )
    assert len(coarse.candidates) < len(fine.candidates)
    assert coarse.score == pytest.approx(fine.score)


def test_coarse_positions_also_apply_to_auto_zoom(small_image):
    model = BrightnessSaliency()
    default = SmartCropper(model=model, faces=False)
    coarse = SmartCropper(model=model, faces=False, coarse_positions=6)
    rows = coarse.crop(small_image, "1:1", zoom="auto", details=True).candidates
    assert len(rows) < len(default.crop(small_image, "1:1", zoom="auto", details=True).candidates)


class _FlatSaliency:
    def predict(self, rgb: np.ndarray) -> np.ndarray:
        return np.ones(rgb.shape[:2], np.float32)


def test_featureless_image_gets_a_centred_crop_with_the_hand_set_ranker():
    cropper = SmartCropper(model=_FlatSaliency(), faces=False, ranker="hand-set")
    box = cropper.crop(np.zeros((100, 300, 3), np.uint8), "1:1").box
    assert abs(box.center[0] - 150) <= 1


# --- score_boxes ----------------------------------------------------------------------------


def test_score_boxes_gives_one_float_per_box(small_image):
    cropper = SmartCropper(model="spectral", faces=False)
    boxes = [(0, 0, 100, 100), Box(150, 50, 300, 200), (10.5, 0, 300, 199.5)]
    scores = cropper.score_boxes(small_image, boxes)
    assert scores.shape == (3,)
    assert scores.dtype == np.float64
    assert np.isfinite(scores).all()
    assert cropper.score_boxes(small_image, (0, 0, 100, 100)).shape == (1,)
    assert cropper.score_boxes(small_image, Box(0, 0, 100, 100))[0] == pytest.approx(scores[0])
    as_array = cropper.score_boxes(small_image, np.array([[0, 0, 100, 100], [150, 50, 300, 200]]))
    np.testing.assert_allclose(as_array, scores[:2])


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        ([(0, 0, 301, 100)], "outside the 300x200 image"),
        ([(-1, 0, 100, 100)], "outside the 300x200 image"),
        ([(0, 0, 100, 100), (50, 50, 50, 60)], r"\(50, 50, 50, 60\) is empty"),
        ([(0, 0, float("nan"), 100)], "finite"),
        ([(0, 0, 100)], "shape"),
        ([], "shape"),
        ("abcd", "expected"),
    ],
)
def test_score_boxes_rejects_bad_boxes(small_image, boxes, message):
    cropper = SmartCropper(model="centre", faces=False)
    with pytest.raises(InvalidBoxError, match=message):
        cropper.score_boxes(small_image, boxes)


@pytest.mark.parametrize(("aspect", "zoom"), [("1:1", 1.0), ("16:9", 0.6), ("4:5", 0.8)])
def test_the_crops_own_box_scores_highest_among_boxes_of_its_size(small_image, aspect, zoom):
    cropper = SmartCropper(model="spectral", faces=False)
    result = cropper.crop(small_image, aspect, zoom=zoom)
    others = generate_candidates((300, 200), result.aspect, zoom, max_positions=40).boxes
    own = cropper.score_boxes(small_image, [result.box])[0]
    assert own == pytest.approx(result.score)
    assert own >= cropper.score_boxes(small_image, others).max() - 1e-12


def test_score_boxes_ranks_a_box_on_the_blob_above_one_beside_it(small_image):
    cropper = SmartCropper(model=BrightnessSaliency(), faces=False)
    on_blob, beside = cropper.score_boxes(small_image, [(180, 50, 280, 150), (20, 50, 120, 150)])
    assert on_blob > beside


def test_score_boxes_takes_an_analysis(small_image):
    cropper = SmartCropper(model="spectral", faces=False)
    analysis = cropper.analyze(small_image)
    boxes = [(0, 0, 100, 100), (100, 0, 300, 200)]
    np.testing.assert_allclose(
        cropper.score_boxes(analysis, boxes), cropper.score_boxes(small_image, boxes)
    )


# --- boosts and the analysis cache ----------------------------------------------------------


def test_boosts_do_not_poison_the_analysis_cache(small_image):
    model = CountingModel(CentrePriorSaliency())
    cropper = SmartCropper(model=model, faces=False)
    plain_first = cropper.crop(small_image, "1:1", details=True)
    boosted = cropper.crop(small_image, "1:1", boosts=[Focus(20, 20, weight=3)], details=True)
    plain_after = cropper.crop(small_image, "1:1", details=True)
    assert model.calls == 1  # the boosted call reused the cached analysis...
    assert boosted.box != plain_after.box
    assert boosted.box.left <= 1  # at the left edge, give or take the search's last pixel
    fresh = SmartCropper(model="centre", faces=False).crop(small_image, "1:1", details=True)
    assert plain_after == fresh  # ...and left it as it was
    assert plain_after == plain_first
    np.testing.assert_array_equal(plain_after.saliency, fresh.saliency)
    # Results carry the model's own map: the boost steered the box, not the prediction.
    np.testing.assert_array_equal(boosted.saliency, fresh.saliency)


def test_boosts_are_honoured_after_a_plain_crop_of_the_same_image(small_image):
    cropper = SmartCropper(model="centre", faces=False)
    cropper.crop(small_image, "1:1")
    boosted = cropper.crop(small_image, "1:1", boosts=[Focus(280, 100, weight=2)])
    assert boosted.box.right >= 299


def test_face_guard_moves_the_crop_off_a_face_the_ranker_alone_would_cut():
    from smartcrop_core import Ranker
    from tests.core.ranking_support import analysis_of
    from tests.support import face_at

    # All the looks sit just right of a face: the window with the most mass cuts the face.
    saliency = np.zeros((100, 300), np.float32)
    saliency[40:60, 190:230] = 1 / 800
    analysis = analysis_of(saliency, faces=(face_at(110, 30, 150, 70, score=0.9),))
    mass_only = Ranker.linear({"mass": 1.0})
    careless = SmartCropper(ranker=mass_only, face_guard=0.0).crop(analysis, "1:1").box
    guarded = SmartCropper(ranker=mass_only, face_guard=10.0).crop(analysis, "1:1").box
    face = analysis.faces[0]
    assert 0 < face.fraction_inside(careless) < 1
    assert face.fraction_inside(guarded) in (0.0, 1.0)
    assert guarded.left <= 190 and guarded.right >= 230  # and still keeps the looks


def test_face_guard_counts_faces_so_cutting_two_small_ones_costs_more_than_one_big_one():
    from smartcrop_core import Ranker
    from tests.core.ranking_support import analysis_of
    from tests.support import face_at

    # A flat map: every 100 x 100 window keeps the same mass; only the faces tell them apart.
    saliency = np.full((100, 300), 1 / 30000, np.float32)
    big = face_at(20, 30, 60, 70, score=0.9)
    small = (face_at(150, 46, 158, 54, score=0.9), face_at(250, 46, 258, 54, score=0.9))
    analysis = analysis_of(saliency, faces=(big, *small))
    through_big, through_both_small = (40, 0, 140, 100), (154, 0, 254, 100)
    mass_only = Ranker.linear({"mass": 1.0})
    scores = {
        guard: SmartCropper(ranker=mass_only, face_guard=guard).score_boxes(
            analysis, [through_big, through_both_small]
        )
        for guard in (0.0, 1.0)
    }
    assert scores[0.0][0] == pytest.approx(scores[0.0][1], abs=1e-4)
    # One point per face cut, however small the faces and however big the other one.
    assert scores[1.0] - scores[0.0] == pytest.approx([-1.0, -2.0], abs=1e-4)
