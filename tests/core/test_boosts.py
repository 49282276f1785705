"""Boosts and focal points: user hints blended into the saliency map the windows are scored on."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core import Box, InvalidBoxError, SmartCropper
from smartcrop_core.boosts import Boost, Focus, apply_boosts, as_boosts
from smartcrop_core.params import target_size
from smartcrop_core.search import AUTO_ZOOMS
from tests.core.ranking_support import analysis_of

# --- reading boosts -------------------------------------------------------------------------


def test_as_boosts_reads_every_documented_form():
    boosts = as_boosts(
        [
            (0, 0, 10, 10),
            [1, 2, 3, 4],
            ((5, 5, 20, 20), 0.5),
            (3, 4),
            (2.5, 7.5),
            Box(1, 1, 9, 9),
            Boost((0, 0, 5, 5), weight=2),
            Focus(8, 9, weight=0.25),
        ]
    )
    assert boosts == (
        Boost((0.0, 0.0, 10.0, 10.0), 1.0),
        Boost((1.0, 2.0, 3.0, 4.0), 1.0),
        Boost((5.0, 5.0, 20.0, 20.0), 0.5),
        Focus(3, 4, 1.0),
        Focus(2.5, 7.5, 1.0),
        Boost((1.0, 1.0, 9.0, 9.0), 1.0),
        Boost((0.0, 0.0, 5.0, 5.0), 2),
        Focus(8, 9, 0.25),
    )


def test_as_boosts_of_nothing_or_one_hint():
    assert as_boosts(None) == ()
    assert as_boosts([]) == ()
    assert as_boosts(Focus(1, 2)) == (Focus(1, 2),)
    assert as_boosts(Boost((0, 0, 1, 1))) == (Boost((0, 0, 1, 1)),)


def test_a_boost_box_may_be_a_box_object():
    assert Boost(Box(1, 2, 3, 4), weight=3).box == (1.0, 2.0, 3.0, 4.0)


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan"), float("inf"), True, "2", None])
def test_boost_weight_must_be_a_positive_number(weight):
    with pytest.raises(InvalidBoxError, match="weight must be a positive number"):
        Boost((0, 0, 10, 10), weight=weight)
    with pytest.raises(InvalidBoxError, match="weight must be a positive number"):
        Focus(5, 5, weight=weight)


def test_a_bad_weight_in_a_tuple_is_caught_too():
    with pytest.raises(InvalidBoxError, match=r"boost \(0\.0, 0\.0, 10\.0, 10\.0\): weight"):
        as_boosts([((0, 0, 10, 10), float("nan"))])


@pytest.mark.parametrize("box", [(0, 0, 10), (0, 0, 10, 10, 10), ("a", "b", "c", "d"), 7])
def test_a_boost_box_must_be_four_numbers(box):
    with pytest.raises(InvalidBoxError, match="not four numbers"):
        Boost(box)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (float("nan"), "must be finite"),
        (float("inf"), "must be finite"),
        (True, "must be a number of pixels"),
        ("3", "must be a number of pixels"),
        (None, "must be a number of pixels"),
    ],
)
def test_a_focal_point_must_be_finite_numbers(x, message):
    with pytest.raises(InvalidBoxError, match=f"focus x {message}"):
        Focus(x, 5)
    with pytest.raises(InvalidBoxError, match=f"focus y {message}"):
        Focus(5, x)


@pytest.mark.parametrize("item", [(1, 2, 3), (1, 2, 3, 4, 5), None, "abcd", 3])
def test_unreadable_hints_name_the_forms_that_are_understood(item):
    with pytest.raises(InvalidBoxError, match=r"cannot read .* as a boost: give a Boost, a Focus"):
        as_boosts([item])


def test_invalid_box_error_is_a_value_error():
    with pytest.raises(ValueError):
        Boost((0, 0, 10, 10), weight=0)


def test_numpy_scalars_are_numbers_too():
    point = np.array([30, 40])
    assert as_boosts([tuple(point)]) == (Focus(30, 40),)
    assert Boost((0, 0, 10, 10), weight=np.float32(2)).weight == 2


# --- blending them into the map -------------------------------------------------------------


@pytest.fixture
def left_looks():
    """A 300 x 100 analysis of a 600 x 200 image whose looks all lie in its left third."""
    saliency = np.zeros((100, 300), np.float32)
    saliency[:, :100] = 1
    return analysis_of(saliency, original_size=(600, 200))


def test_apply_boosts_without_boosts_returns_the_analysis(left_looks):
    assert apply_boosts(left_looks, ()) is left_looks


@pytest.mark.parametrize("weight", [0.2, 1.0, 3.0])
def test_a_box_boost_gets_its_share_of_the_looks(left_looks, weight):
    # Original box x 300-400, y 0-100 is analysis x 150-200, y 0-50, where nobody looked.
    boosted = apply_boosts(left_looks, [Boost((300, 0, 400, 100), weight)])
    saliency = boosted.saliency.astype(np.float64)
    assert saliency.sum() == pytest.approx(1.0, abs=1e-5)
    assert saliency[:50, 150:200].sum() == pytest.approx(weight / (1 + weight), rel=1e-5)
    assert saliency[:, :100].sum() == pytest.approx(1 / (1 + weight), rel=1e-5)
    # Spread evenly over the box, nothing outside it or the looks.
    np.testing.assert_allclose(saliency[:50, 150:200], saliency[0, 150], rtol=1e-5)
    assert saliency[50:, 100:].sum() == pytest.approx(0.0, abs=1e-7)


def test_a_box_boost_with_fractional_edges_keeps_its_weight(left_looks):
    boosted = apply_boosts(left_looks, [Boost((301, 3, 398.5, 77.7), 1.0)])
    saliency = boosted.saliency.astype(np.float64)
    assert saliency.sum() == pytest.approx(1.0, abs=1e-5)
    assert saliency[:, 100:].sum() == pytest.approx(0.5, rel=1e-5)


def test_a_focal_point_adds_a_spot_centred_on_it(left_looks):
    boosted = apply_boosts(left_looks, [Focus(500, 120, weight=1.0)])  # analysis (250, 60)
    added = boosted.saliency.astype(np.float64)
    added[:, :100] = 0  # only the spot, which lies far from the looks
    assert added.sum() == pytest.approx(0.5, rel=1e-3)
    row, col = np.unravel_index(np.argmax(added), added.shape)
    assert (int(col), int(row)) in {(249, 59), (249, 60), (250, 59), (250, 60)}
    rows, cols = np.mgrid[0:100, 0:300] + 0.5
    centroid = ((added * cols).sum() / added.sum(), (added * rows).sum() / added.sum())
    assert centroid == pytest.approx((250, 60), abs=0.5)


def test_apply_boosts_keeps_a_density_and_leaves_the_analysis_alone(left_looks):
    before = left_looks.saliency.copy()
    boosted = apply_boosts(
        left_looks, [Boost((0, 0, 50, 50), 2.0), Focus(590, 190, 0.5), Boost((200, 50, 600, 200))]
    )
    assert boosted is not left_looks
    assert boosted.saliency.dtype == np.float32
    assert float(boosted.saliency.astype(np.float64).sum()) == pytest.approx(1.0, abs=1e-5)
    assert (boosted.saliency >= 0).all()
    np.testing.assert_array_equal(left_looks.saliency, before)
    assert boosted.image is left_looks.image
    assert boosted.faces == left_looks.faces


def test_several_boosts_share_the_looks_by_weight(left_looks):
    boosts = [Boost((300, 0, 400, 100), 1.0), Boost((300, 100, 400, 200), 3.0)]
    saliency = apply_boosts(left_looks, boosts).saliency.astype(np.float64)
    assert saliency[:50, 150:200].sum() == pytest.approx(1 / 5, rel=1e-5)
    assert saliency[50:, 150:200].sum() == pytest.approx(3 / 5, rel=1e-5)
    assert saliency[:, :100].sum() == pytest.approx(1 / 5, rel=1e-5)


@pytest.mark.parametrize(
    ("boost", "message"),
    [
        (Boost((0, 0, 700, 100)), r"boost: \(0, 0, 700, 100\) is empty or outside the 600x200"),
        (Boost((-1, 0, 10, 10)), "outside the 600x200 image"),
        (Boost((50, 50, 40, 60)), "empty or outside"),
        (Boost((5, 5, 5, 10)), "empty or outside"),
        (Boost((0, 0, float("nan"), 10)), "finite"),
        (Focus(601, 50), r"focus \(601, 50\) is outside the 600x200 image"),
        (Focus(-1, 50), "outside the 600x200 image"),
        (Focus(10, 200.5), "outside the 600x200 image"),
    ],
)
def test_boosts_outside_the_image_are_rejected_with_the_image_size(left_looks, boost, message):
    with pytest.raises(InvalidBoxError, match=message):
        apply_boosts(left_looks, [boost])


def test_focal_points_on_the_image_edge_are_inside(left_looks):
    for point in (Focus(0, 0), Focus(600, 200)):
        boosted = apply_boosts(left_looks, [point])
        assert float(boosted.saliency.astype(np.float64).sum()) == pytest.approx(1.0, abs=1e-5)


def test_apply_boosts_needs_a_saliency_map(left_looks):
    bare = left_looks.__class__(left_looks.image)
    with pytest.raises(ValueError, match="saliency"):
        apply_boosts(bare, [Focus(1, 1)])


# --- crops honour them ----------------------------------------------------------------------

IMAGE = np.zeros((100, 300, 3), np.uint8)


@pytest.fixture(scope="module")
def centre_cropper() -> SmartCropper:
    """Looks at the centre of anything: only the boosts can move its crops."""
    return SmartCropper(model="centre", faces=False)


def test_without_boosts_the_centre_model_crops_the_centre(centre_cropper):
    assert centre_cropper.crop(IMAGE, "1:1").box == Box(100, 0, 200, 100)


@pytest.mark.parametrize(
    ("hint", "keep_left", "keep_right"),
    [
        (Focus(270, 50), 260, 280),  # a focal point: kept with a spot's width around it
        (Focus(30, 50, weight=0.3), 20, 40),
        (Boost((10, 10, 60, 60), weight=2), 10, 60),
        (Boost((240, 40, 290, 90)), 240, 290),
        ((250, 20), 240, 260),
        (((5, 20, 40, 80), 1.5), 5, 40),
    ],
)
def test_a_hint_on_one_side_moves_the_crop_there(centre_cropper, hint, keep_left, keep_right):
    box = centre_cropper.crop(IMAGE, "1:1", boosts=[hint]).box
    assert box.left <= keep_left and box.right >= keep_right, box
    side = np.sign((keep_left + keep_right) / 2 - 150)
    assert np.sign(box.center[0] - 150) == side, box


def test_a_single_hint_need_not_be_wrapped_in_a_list(centre_cropper):
    assert centre_cropper.crop(IMAGE, "1:1", boosts=Focus(270, 50)).box.right >= 270


def test_the_heavier_of_two_boosts_wins(centre_cropper):
    left, right = (10, 10, 60, 60), (240, 40, 290, 90)
    to_right = centre_cropper.crop(IMAGE, "1:1", boosts=[Boost(left, 1), Boost(right, 3)]).box
    to_left = centre_cropper.crop(IMAGE, "1:1", boosts=[Boost(left, 3), Boost(right, 1)]).box
    assert to_right.left <= 240 and to_right.right >= 290
    assert to_left.left <= 10 and to_left.right >= 60


def test_boosts_that_fit_together_are_all_kept(centre_cropper):
    image = np.zeros((200, 600, 3), np.uint8)
    boosts = [Focus(420, 40), Boost((470, 120, 520, 180), 0.5), (560, 100)]
    result = centre_cropper.crop(image, "1:1", boosts=boosts)
    assert result.box.left <= 420 and result.box.right >= 560


def test_boosts_with_auto_zoom_give_a_tight_crop_around_the_hint(centre_cropper):
    image = np.zeros((300, 400, 3), np.uint8)
    plain = centre_cropper.crop(image, "4:3", zoom="auto")
    result = centre_cropper.crop(image, "4:3", zoom="auto", boosts=[Focus(300, 80, weight=10)])
    assert result.zoom in AUTO_ZOOMS
    assert result.zoom < plain.zoom
    assert (result.box.width, result.box.height) == target_size(400, 300, 4 / 3, result.zoom)
    assert result.box.left + 20 <= 300 <= result.box.right - 20
    assert result.box.upper + 20 <= 80 <= result.box.lower - 20


def test_boosts_apply_to_every_aspect_and_zoom_of_one_call(centre_cropper):
    results = centre_cropper.crop_many(
        IMAGE, ["1:1", "3:4"], zooms=[1.0, 0.5, "auto"], boosts=[Focus(285, 50)]
    )
    assert len(results) == 6
    for result in results:
        assert result.box.right >= 285, result


def test_a_bad_boost_fails_the_crop(centre_cropper):
    with pytest.raises(InvalidBoxError, match="outside the 300x100 image"):
        centre_cropper.crop(IMAGE, "1:1", boosts=[Focus(400, 50)])
