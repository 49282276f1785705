"""The Smart crop dock widget in a real napari viewer, on real photos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.conftest import FACE_BOXES_207

from .support import import_or_skip

napari = import_or_skip("napari")
import_or_skip("pytestqt")


def box_of(rectangle: np.ndarray) -> tuple[int, int, int, int]:
    """``(left, upper, right, lower)`` in pixel edges of a napari rectangle's last two axes."""
    rows, cols = rectangle[:, -2] + 0.5, rectangle[:, -1] + 0.5
    values = (cols.min(), rows.min(), cols.max(), rows.max())
    assert np.allclose(values, np.round(values)), "box edges fall between pixels"
    return tuple(round(float(v)) for v in values)


def assert_box_in_image(box, aspect: float, shape: tuple[int, int]) -> None:
    left, upper, right, lower = box
    width, height = right - left, lower - upper
    assert 0 <= left < right <= shape[1] and 0 <= upper < lower <= shape[0]
    assert abs(width - aspect * height) <= 1, (box, aspect)  # exact up to whole pixels


def box_edges(rectangle: np.ndarray) -> tuple[float, float, float, float]:
    """``(left, upper, right, lower)`` of a napari rectangle, in the engine's pixel edges."""
    rows, cols = rectangle[:, -2] + 0.5, rectangle[:, -1] + 0.5
    return cols.min(), rows.min(), cols.max(), rows.max()


def labelled_face(face: tuple[float, ...]) -> int:
    """The index of the hand-labelled face holding ``face``'s centre (-1 if none)."""
    x, y = (face[0] + face[2]) / 2, (face[1] + face[3]) / 2
    for index, (left, upper, right, lower) in enumerate(FACE_BOXES_207):
        if left <= x <= right and upper <= y <= lower:
            return index
    return -1


def fraction_inside(face: tuple[float, ...], box: tuple[int, ...]) -> float:
    width = min(face[2], box[2]) - max(face[0], box[0])
    height = min(face[3], box[3]) - max(face[1], box[1])
    return max(0.0, width) * max(0.0, height) / ((face[2] - face[0]) * (face[3] - face[1]))


def choose(widget, *aspects: str, custom: str = "") -> None:
    for aspect, checkbox in widget.presets.items():
        checkbox.value = aspect in aspects
    widget.custom.value = custom


def test_widget_crops_a_photo_to_each_aspect(viewer, widget, crop, photo_path):
    pixels = np.asarray(Image.open(photo_path).convert("RGB"))
    image = viewer.add_image(pixels, name="photo")
    assert widget.image.value is image
    choose(widget, "16:9", "1:1", custom="2:1")

    layers = crop(widget)

    boxes = layers.boxes
    assert isinstance(boxes, napari.layers.Shapes)
    assert list(boxes.shape_type) == ["rectangle"] * 3
    # Checked presets in the widget's order, then the typed ones.
    assert list(boxes.features["aspect"]) == ["1:1", "16:9", "2:1"]
    assert [layer.name for layer in layers.crops] == [
        "photo crop 1:1",
        "photo crop 16:9",
        "photo crop 2:1",
    ]
    aspects = (1.0, 16 / 9, 2.0)
    for rectangle, crop_layer, aspect in zip(boxes.data, layers.crops, aspects, strict=True):
        box = box_of(rectangle)
        assert_box_in_image(box, aspect, pixels.shape[:2])
        left, upper, right, lower = box
        # The cropped layer holds exactly the image's pixels inside the rectangle.
        assert crop_layer.rgb and crop_layer.data.dtype == np.uint8
        np.testing.assert_array_equal(crop_layer.data, pixels[upper:lower, left:right])
        assert crop_layer.metadata["smartcrop"]["boxes"] == {(): box}
    # Full zoom: the square spans the height, the 16:9 and 2:1 boxes the width.
    square, wide, wider = (box_of(rectangle) for rectangle in boxes.data)
    assert square[3] - square[1] == pixels.shape[0]
    assert wide[2] - wide[0] == wider[2] - wider[0] == pixels.shape[1]
    # The crops lie beside the image, not over it.
    assert all(layer.translate[1] > pixels.shape[1] for layer in layers.crops)
    assert "16:9" in widget.status.value
    assert viewer.layers.selection.active is image


def test_saliency_layer_is_a_heatmap_over_the_whole_image(viewer, widget, crop, photo_path):
    pixels = np.asarray(Image.open(photo_path).convert("RGB"))
    viewer.add_image(pixels, name="photo")

    heat = crop(widget).saliency

    assert heat.name == "photo saliency" and heat.blending == "additive"
    assert heat.data.dtype == np.float32 and float(heat.data.max()) == 1.0
    rows, cols = heat.data.shape
    # Its outer pixel edges fall on the image's outer pixel edges.
    np.testing.assert_allclose(heat.data_to_world((-0.5, -0.5)), (-0.5, -0.5), atol=1e-6)
    np.testing.assert_allclose(
        heat.data_to_world((rows - 0.5, cols - 0.5)),
        (pixels.shape[0] - 0.5, pixels.shape[1] - 0.5),
        atol=1e-6,
    )
    # Toggleable: hidden, it stays hidden when the crop runs again.
    heat.visible = False
    again = crop(widget).saliency
    assert again is not heat and not again.visible
    assert [layer.name for layer in viewer.layers].count("photo saliency") == 1


def test_no_saliency_layer_when_unchecked(viewer, widget, crop, photo_path):
    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")
    widget.saliency.value = False

    layers = crop(widget)

    assert layers.saliency is None and "photo saliency" not in viewer.layers


def test_faces_are_found_and_not_cut(viewer, widget, crop, face_photo_path):
    pixels = np.asarray(Image.open(face_photo_path).convert("RGB"))
    viewer.add_image(pixels, name="crowd")
    choose(widget, "1:1", "4:5", "9:16", "16:9")

    layers = crop(widget)

    faces = layers.faces
    assert faces is not None and faces.name == "crowd faces" and len(faces.data) == 3
    detected = [box_edges(rectangle) for rectangle in faces.data]
    # One detection per hand-labelled face.
    assert sorted(labelled_face(face) for face in detected) == [0, 1, 2]
    for label, rectangle in zip(layers.boxes.features["aspect"], layers.boxes.data, strict=True):
        box = box_of(rectangle)
        # Every detected face is kept whole or left out, as the engine promises...
        shares = [fraction_inside(face, box) for face in detected]
        assert not any(0.1 < share < 0.9 for share in shares), (label, box, shares)
        assert max(shares) >= 0.9, (label, box, shares)  # a face is the subject
        # ... and so is every hand-labelled face, whose box reaches past the detector's
        # (hair, ears): 4:5 keeps 89 % of the third one's labelled box, 100 % of its
        # detected one.
        shares = [fraction_inside(face, box) for face in FACE_BOXES_207]
        assert not any(0.15 < share < 0.85 for share in shares), (label, box, shares)


def test_faces_off_adds_no_faces_layer(viewer, widget, crop, face_photo_path):
    viewer.add_image(np.asarray(Image.open(face_photo_path)), name="crowd")
    crop(widget)
    assert "crowd faces" in viewer.layers
    widget.faces.value = False

    layers = crop(widget)

    assert layers.faces is None and "crowd faces" not in viewer.layers  # the stale one went


def test_grayscale_image(viewer, widget, crop, photo_path):
    gray = np.asarray(Image.open(photo_path).convert("L")).astype(np.uint16) * 16  # 12-bit
    image = viewer.add_image(gray, name="gray", colormap="magma")
    choose(widget, "9:16")

    layers = crop(widget)

    (box,) = [box_of(rectangle) for rectangle in layers.boxes.data]
    assert_box_in_image(box, 9 / 16, gray.shape)
    left, upper, right, lower = box
    (crop_layer,) = layers.crops
    assert not crop_layer.rgb and crop_layer.colormap.name == "magma"
    np.testing.assert_array_equal(crop_layer.data, gray[upper:lower, left:right])
    assert tuple(crop_layer.contrast_limits) == tuple(image.contrast_limits)


def test_stack_is_cropped_frame_by_frame(viewer, widget, crop, photo_path, face_photo_path):
    first = np.asarray(Image.open(photo_path).convert("RGB"))
    second = np.asarray(Image.open(face_photo_path).convert("RGB").resize(first.shape[1::-1]))
    stack = np.stack([first, second, first[:, ::-1]])  # the third frame mirrored
    viewer.add_image(stack, name="stack", rgb=True)
    choose(widget, "1:1", "16:9")

    worker = widget.run()
    # run() returns at once, the job goes on in a thread, napari shows a progress bar.
    assert worker.pbar.total == 3 and not widget.crop_button.enabled
    assert widget.status.value == "cropping 3 frames…"
    layers = crop.wait(widget)
    assert worker.pbar.n == 3 and widget.crop_button.enabled

    assert [layer.data.shape for layer in layers.crops] == [(3, 384, 384, 3), (3, 288, 512, 3)]
    assert len(layers.boxes.data) == 6  # one box per frame and aspect
    boxes = {}
    for rectangle, label in zip(layers.boxes.data, layers.boxes.features["aspect"], strict=True):
        frame = rectangle[0, 0]
        assert np.all(rectangle[:, 0] == frame)  # drawn on its own frame
        boxes[int(frame), label] = box_of(rectangle)
    for frame in range(3):
        left, upper, right, lower = boxes[frame, "1:1"]
        np.testing.assert_array_equal(
            layers.crops[0].data[frame], stack[frame, upper:lower, left:right]
        )
    # The mirrored frame's square lies on the other side: each frame was analysed on its own.
    middle = first.shape[1] / 2
    centres = [(boxes[frame, "1:1"][0] + boxes[frame, "1:1"][2]) / 2 for frame in (0, 2)]
    assert (centres[0] - middle) * (centres[1] - middle) < 0, centres
    assert layers.saliency.data.shape[0] == 3
    assert "x 3 frames" in widget.status.value


def test_auto_zoom_on_a_stack_gives_one_size(viewer, widget, crop, photo_path):
    frame = np.asarray(Image.open(photo_path).convert("L"))
    viewer.add_image(np.stack([frame, frame[::-1], frame[:, ::-1]]), name="stack")
    choose(widget, "4:5")
    widget.zoom_mode.value = "auto"
    assert not widget.zoom.enabled

    (crop_layer,) = crop(widget).crops

    zoom = crop_layer.metadata["smartcrop"]["zoom"]
    assert 0.5 <= zoom <= 1.0
    assert crop_layer.data.shape[0] == 3  # every frame at the first frame's zoom


def test_fixed_zoom(viewer, widget, crop, photo_path):
    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")
    choose(widget, "1:1")
    widget.zoom.value = 0.5

    (crop_layer,) = crop(widget).crops

    assert crop_layer.data.shape[:2] == (192, 192)  # half of the 384 px square


def test_outputs_follow_the_image_layers_scale_and_translate(viewer, widget, crop, photo_path):
    pixels = np.asarray(Image.open(photo_path).convert("RGB"))
    image = viewer.add_image(pixels, name="photo", scale=(2.0, 0.5), translate=(100.0, -40.0))
    choose(widget, "1:1")

    layers = crop(widget)

    np.testing.assert_allclose(layers.boxes.scale, image.scale)
    np.testing.assert_allclose(layers.crops[0].scale, image.scale)
    rows, cols = layers.saliency.data.shape
    corners = [((-0.5, -0.5), (-0.5, -0.5)), ((rows - 0.5, cols - 0.5), (383.5, 511.5))]
    for heat_corner, image_corner in corners:
        np.testing.assert_allclose(
            layers.saliency.data_to_world(heat_corner), image.data_to_world(image_corner)
        )
    # The rectangle's corners, in world coordinates, are the image's pixel edges.
    box = box_of(layers.boxes.data[0])
    world = layers.boxes.data_to_world(layers.boxes.data[0][0])
    np.testing.assert_allclose(world, image.data_to_world((box[1] - 0.5, box[0] - 0.5)))
    crop_origin = layers.crops[0].data_to_world((0, 0))
    assert crop_origin[0] == pytest.approx(100.0)  # level with the image's top
    assert crop_origin[1] > image.data_to_world((0, pixels.shape[1]))[1]  # right of it
