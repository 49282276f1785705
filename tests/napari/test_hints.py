"""Boosts drawn in napari: rectangles, ellipses and points steer the crop."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from .support import import_or_skip

napari = import_or_skip("napari")
import_or_skip("pytestqt")

from smartcrop_core import Boost, Focus, InvalidBoxError  # noqa: E402
from smartcrop_plugins.napari._hints import hints_from_layer  # noqa: E402

# A region at the far left of the 512 x 384 photo, (row, col) corners as napari draws them.
LEFT_STRIP = [[150, 2], [150, 40], [250, 40], [250, 2]]


@pytest.fixture
def photo(viewer, photo_path):
    return viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")


def crop_box(layers, frame=()):
    (crop,) = layers.crops
    return crop.metadata["smartcrop"]["boxes"][frame]


def test_rectangle_boost_keeps_its_region(viewer, widget, crop, photo):
    for aspect, checkbox in widget.presets.items():
        checkbox.value = aspect == "9:16"
    unsteered = crop_box(crop(widget))
    assert unsteered[0] > 40  # without the hint the narrow crop leaves the strip out

    widget.boosts.value = viewer.add_shapes([LEFT_STRIP], shape_type="rectangle", name="keep")
    left, _, right, _ = crop_box(crop(widget))

    assert left <= 2 and right >= 41


def test_points_and_ellipses_are_focal_points(viewer, widget, crop, photo):
    for aspect, checkbox in widget.presets.items():
        checkbox.value = aspect == "9:16"
    widget.boosts.value = viewer.add_points([[200, 500]], name="look here")
    left, _, right, _ = crop_box(crop(widget))
    assert left <= 500 < right

    ellipse = [[180, 480], [180, 510], [220, 510], [220, 480]]
    widget.boosts.value = viewer.add_shapes([ellipse], shape_type="ellipse", name="round")
    left, _, right, _ = crop_box(crop(widget))
    assert left <= 495 < right


def test_hint_layers_are_read_in_image_pixels(viewer, photo):
    shapes = viewer.add_shapes(
        [LEFT_STRIP, [[10, 10], [10, 30], [30, 30], [30, 10]]],
        shape_type=["rectangle", "ellipse"],
        features={"weight": [2.0, 0.5]},
    )
    hints = hints_from_layer(shapes, photo, (384, 512))
    assert hints.common == (
        Boost((2.5, 150.5, 40.5, 250.5), weight=2.0),  # napari's pixel centres + 0.5
        Focus(20.5, 20.5, weight=0.5),
    )
    # A hint layer scaled 2x, drawn half as far out, lands on the same pixels.
    scaled = viewer.add_shapes(
        [np.asarray(LEFT_STRIP) / 2], shape_type="rectangle", scale=(2, 2), translate=(0, 0)
    )
    (boost,) = hints_from_layer(scaled, photo, (384, 512)).common
    np.testing.assert_allclose(boost.box, (2.5, 150.5, 40.5, 250.5))


def test_bad_weight_is_refused(viewer, photo):
    shapes = viewer.add_shapes([LEFT_STRIP], features={"weight": [-1.0]}, name="bad")
    with pytest.raises(InvalidBoxError, match="'bad': every value of its 'weight'"):
        hints_from_layer(shapes, photo, (384, 512))


def test_hints_drawn_on_one_frame_steer_that_frame(viewer, widget, crop, photo_path):
    frame = np.asarray(Image.open(photo_path).convert("L"))
    viewer.add_image(np.stack([frame, frame, frame]), name="stack")
    for aspect, checkbox in widget.presets.items():
        checkbox.value = aspect == "9:16"
    on_frame_1 = [[1, row, col] for row, col in LEFT_STRIP]
    widget.boosts.value = viewer.add_shapes([on_frame_1], shape_type="rectangle", name="keep")

    (crop_layer,) = crop(widget).crops

    boxes = crop_layer.metadata["smartcrop"]["boxes"]
    assert boxes[(1,)][0] <= 2  # steered
    assert boxes[(0,)] == boxes[(2,)] and boxes[(0,)][0] > 40  # the same frame, unsteered


def test_draw_boosts_button_adds_a_rectangle_layer_and_chooses_it(viewer, widget, photo):
    layer = widget.add_boosts_layer()

    assert layer.name == "smartcrop boosts" and layer.mode == "add_rectangle"
    assert widget.boosts.value is layer
    # Outputs of earlier runs are not offered as hints.
    viewer.add_shapes(name="photo crop boxes")
    assert [name for name, _ in widget._hint_choices()] == ["smartcrop boosts"]
