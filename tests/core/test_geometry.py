"""Boxes, faces and crop results: conversions, validation, immutability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from smartcrop_core import Box, CropResult, Face
from tests.support import face_at


def test_box_sizes_aspect_and_centre():
    box = Box(10, 20, 110, 70)
    assert (box.width, box.height) == (100, 50)
    assert box.aspect == 2.0
    assert box.center == (60.0, 45.0)


def test_box_to_pillow_is_left_upper_right_lower():
    assert Box(1, 2, 3, 4).to_pillow() == (1, 2, 3, 4)


def test_box_to_slices_crops_a_numpy_image_to_the_box():
    image = np.arange(20 * 30).reshape(20, 30)
    box = Box(5, 2, 25, 12)
    crop = image[box.to_slices()]
    assert crop.shape == (box.height, box.width)
    assert crop[0, 0] == image[2, 5]
    assert crop[-1, -1] == image[11, 24]


def test_box_to_napari_gives_row_col_corners_clockwise_from_top_left():
    assert Box(10, 20, 110, 70).to_napari() == ((20, 10), (20, 110), (70, 110), (70, 10))


def test_box_with_negative_width_or_height_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        Box(10, 0, 5, 10)
    with pytest.raises(ValueError, match="negative"):
        Box(0, 10, 10, 5)


def test_empty_box_is_allowed_and_has_infinite_aspect_when_flat():
    box = Box(3, 3, 3, 3)
    assert (box.width, box.height) == (0, 0)
    assert box.aspect == float("inf")


def test_box_is_frozen():
    box = Box(0, 0, 10, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.left = 5  # type: ignore[misc]


def test_box_scaled_multiplies_and_rounds_every_side():
    assert Box(10, 20, 30, 40).scaled(2) == Box(20, 40, 60, 80)
    assert Box(10, 20, 30, 40).scaled(1.5, 0.5) == Box(15, 10, 45, 20)


def test_box_intersection_area():
    box = Box(0, 0, 10, 10)
    assert box.intersection_area(Box(5, 5, 15, 15)) == 25
    assert box.intersection_area(Box(0, 0, 10, 10)) == 100
    assert box.intersection_area(Box(20, 20, 30, 30)) == 0
    assert box.intersection_area(Box(10, 0, 20, 10)) == 0  # touching edges share nothing


def test_boxes_compare_and_hash_by_value():
    assert Box(1, 2, 3, 4) == Box(1, 2, 3, 4)
    assert len({Box(1, 2, 3, 4), Box(1, 2, 3, 4)}) == 1


def test_face_width_height_and_scaled_moves_box_and_landmarks():
    face = face_at(10, 20, 50, 80, score=0.7)
    assert (face.width, face.height) == (40, 60)
    bigger = face.scaled(2.0, 0.5)
    assert bigger.box == (20, 10, 100, 40)
    assert bigger.score == 0.7
    assert len(bigger.landmarks) == 5
    for (x, y), (x2, y2) in zip(face.landmarks, bigger.landmarks, strict=True):
        assert (x2, y2) == pytest.approx((2 * x, 0.5 * y))


def test_face_scaled_with_one_factor_scales_both_axes():
    assert face_at(10, 20, 30, 40).scaled(3).box == (30, 60, 90, 120)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (Box(0, 0, 100, 100), 1.0),
        (Box(30, 0, 100, 100), 0.5),
        (Box(30, 30, 100, 100), 0.25),
        (Box(50, 50, 100, 100), 0.0),
        (Box(10, 10, 50, 50), 1.0),
    ],
)
def test_face_fraction_inside(box, expected):
    face = Face(box=(20.0, 20.0, 40.0, 40.0), landmarks=(), score=1.0)
    assert face.fraction_inside(box) == pytest.approx(expected)


def test_face_is_frozen():
    face = face_at(0, 0, 10, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        face.score = 0.1  # type: ignore[misc]


def test_crop_result_is_frozen_and_compares_without_arrays():
    first = CropResult(Box(0, 0, 10, 10), 0.5, 1.0, 1.0, (20, 10), saliency=np.ones((2, 2)))
    second = CropResult(Box(0, 0, 10, 10), 0.5, 1.0, 1.0, (20, 10), saliency=np.zeros((3, 3)))
    assert first == second
    assert first.faces == ()
    assert first.candidates is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.box = Box(1, 1, 2, 2)  # type: ignore[misc]
