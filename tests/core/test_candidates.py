"""Candidate windows: every box of the asked size, on a grid over the whole image."""

from __future__ import annotations

import numpy as np
import pytest

from smartcrop_core.candidates import DEFAULT_MAX_POSITIONS, Candidates, generate_candidates
from smartcrop_core.params import target_size


@pytest.mark.parametrize(
    ("image_size", "aspect", "zoom"),
    [
        ((400, 300), 1.0, 1.0),
        ((400, 300), 16 / 9, 0.5),
        ((300, 400), 9 / 16, 0.7),
        ((1920, 1080), 4 / 5, 0.6),
        ((5000, 3000), 1.0, 0.3),
        ((10, 10), 1.0, 1.0),
        ((2, 2), 3.0, 1.0),
    ],
)
def test_all_boxes_have_the_exact_target_size_and_lie_inside(image_size, aspect, zoom):
    candidates = generate_candidates(image_size, aspect, zoom)
    boxes = candidates.boxes
    assert boxes.dtype == np.int64
    assert boxes.ndim == 2
    assert boxes.shape[1] == 4
    expected = target_size(*image_size, aspect, zoom)
    assert candidates.size == expected
    np.testing.assert_array_equal(boxes[:, 2] - boxes[:, 0], expected[0])
    np.testing.assert_array_equal(boxes[:, 3] - boxes[:, 1], expected[1])
    assert boxes[:, :2].min() >= 0
    assert boxes[:, 2].max() <= image_size[0]
    assert boxes[:, 3].max() <= image_size[1]
    assert len({tuple(box) for box in boxes.tolist()}) == len(boxes)  # no duplicates
    assert (candidates.aspect, candidates.zoom) == (aspect, zoom)


def test_first_and_last_boxes_touch_the_image_edges():
    boxes = generate_candidates((640, 480), 1.0, 0.5).boxes
    assert boxes[0].tolist() == [0, 0, 240, 240]
    assert boxes[-1].tolist() == [400, 240, 640, 480]


def test_one_pixel_steps_when_the_free_space_is_small():
    candidates = generate_candidates((400, 300), 1.0)
    assert len(candidates.boxes) == 101  # lefts 0..100, one upper
    np.testing.assert_array_equal(candidates.boxes[:, 0], np.arange(101))
    np.testing.assert_array_equal(candidates.boxes[:, 1], 0)


def test_box_as_large_as_the_image_is_the_only_candidate():
    candidates = generate_candidates((640, 480), 4 / 3)
    assert candidates.boxes.tolist() == [[0, 0, 640, 480]]


def test_grid_is_capped_by_max_positions_per_axis():
    candidates = generate_candidates((4000, 3000), 1.0, 0.5, max_positions=50)
    lefts, uppers = np.unique(candidates.boxes[:, 0]), np.unique(candidates.boxes[:, 1])
    assert len(lefts) == 50
    assert len(uppers) == 50
    assert len(candidates.boxes) == 50 * 50
    assert (lefts[0], lefts[-1]) == (0, 4000 - 1500)
    assert (uppers[0], uppers[-1]) == (0, 3000 - 1500)
    steps = np.diff(lefts)
    assert steps.max() - steps.min() <= 1  # evenly spread


def test_default_grid_cap():
    candidates = generate_candidates((3000, 1000), 1.0)
    assert len(candidates.boxes) == DEFAULT_MAX_POSITIONS
    assert candidates.boxes[-1, 2] == 3000


def test_grid_covers_both_axes_when_both_have_room():
    candidates = generate_candidates((60, 40), 1.0, 0.5)  # 20x20 box
    assert len(candidates.boxes) == 41 * 21
    assert set(candidates.boxes[:, 0].tolist()) == set(range(41))
    assert set(candidates.boxes[:, 1].tolist()) == set(range(21))


def test_candidates_size_reads_the_shared_box_size():
    candidates = Candidates(1.0, 1.0, np.array([[5, 6, 15, 26]], np.int64))
    assert candidates.size == (10, 20)
