"""The debug overlay's hints (boosts and focal points) and its ``saliency=`` override."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from smartcrop_core import Boost, Box, CropResult, Focus
from smartcrop_plugins.debug_overlay import BOOST_COLOUR, BOX_COLOURS, render_debug_overlay


def _result(width: int = 300, height: int = 200, saliency=None) -> CropResult:
    return CropResult(
        box=Box(50, 0, 250, 200),
        score=1.0,
        aspect=1.0,
        zoom=1.0,
        image_size=(width, height),
        saliency=saliency,
    )


def _hint_pixels(overlay: Image.Image) -> np.ndarray:
    return np.all(np.asarray(overlay) == BOOST_COLOUR, axis=-1)


@pytest.fixture
def image() -> Image.Image:
    return Image.new("RGB", (300, 200), (120, 120, 120))


@pytest.mark.parametrize(
    "boosts",
    [
        [Boost((100, 60, 200, 140))],
        [(100, 60, 200, 140)],
        [((100, 60, 200, 140), 2.5)],
        Boost((100, 60, 200, 140)),
    ],
    ids=["Boost", "tuple", "weighted tuple", "one Boost"],
)
def test_a_boost_is_drawn_dashed_on_its_edges(image, boosts):
    before = image.tobytes()
    hint = _hint_pixels(render_debug_overlay(image, [_result()], boosts=boosts))
    assert image.tobytes() == before
    top, bottom = hint[59:62, 100:200].any(axis=0), hint[138:141, 100:200].any(axis=0)
    left, right = hint[60:140, 99:102].any(axis=1), hint[60:140, 198:201].any(axis=1)
    for edge in (top, bottom, left, right):
        assert 0.3 < edge.mean() < 1.0  # dashes, with white gaps between them
    assert not hint[80:120, 120:180].any()


def test_a_focus_is_a_dot_ring_and_cross(image):
    hint = _hint_pixels(render_debug_overlay(image, [_result()], boosts=[Focus(150, 100)]))
    assert hint[100, 150]
    ys, xs = np.nonzero(hint[:, :150])  # left of the point: the ring and cross only
    assert 135 <= xs.min() < 145 and 85 <= ys.min() < 95 and 105 < ys.max() <= 115
    assert hint[85:115, 162:].any()  # the label, to the right


@pytest.mark.parametrize(
    "hint",
    [Focus(0, 0), Focus(300, 200), Boost((0, 0, 300, 200)), Boost((299, 199, 300, 200))],
    ids=["corner", "far corner", "whole image", "one pixel"],
)
def test_hints_at_the_border_are_drawn(image, hint):
    overlay = render_debug_overlay(image, [_result()], boosts=[hint])
    assert overlay.size == image.size
    assert _hint_pixels(overlay).any()


def test_hints_do_not_hide_the_crop_box(image):
    overlay = render_debug_overlay(image, [_result()], boosts=[Boost((40, 20, 260, 180))])
    colours = {tuple(colour) for colour in np.asarray(overlay).reshape(-1, 3)}
    assert BOX_COLOURS[0] in colours and BOOST_COLOUR in colours


def test_saliency_overrides_the_results_map(image):
    hot_left = np.zeros((100, 150), np.float32)
    hot_left[:, :30] = 1
    hot_right = hot_left[:, ::-1].copy()
    overridden = render_debug_overlay(image, [_result(saliency=hot_right)], saliency=hot_left)
    expected = render_debug_overlay(image, [_result(saliency=hot_left)])
    assert overridden.tobytes() == expected.tobytes()
    plain = np.asarray(render_debug_overlay(image, [_result()]))
    assert np.asarray(overridden)[100, 20].tolist() != plain[100, 20].tolist()


def test_no_results_and_no_hints_is_the_image(image):
    assert render_debug_overlay(image, []).tobytes() == image.tobytes()


def test_faces_override_the_results_faces_and_draw_without_results(image):
    from smartcrop_plugins.debug_overlay import FACE_COLOUR
    from tests.support import face_at

    face = face_at(20, 30, 80, 100)
    with_face = dataclasses.replace(_result(), faces=(face,))
    alone = render_debug_overlay(image, [], faces=[face])
    face_pixels = np.all(np.asarray(alone) == FACE_COLOUR, axis=-1)
    assert face_pixels[30:100, 18:23].any()  # the face's left edge
    assert not face_pixels[:, 150:].any()  # nothing else drawn
    assert render_debug_overlay(image, [with_face], faces=[]).tobytes() == (
        render_debug_overlay(image, [_result()]).tobytes()
    )
    assert render_debug_overlay(image, [_result()], faces=[face]).tobytes() == (
        render_debug_overlay(image, [with_face]).tobytes()
    )
