"""Bad input from a napari user: a notification that says what to do, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from .support import import_or_skip

napari = import_or_skip("napari")
import_or_skip("pytestqt")

from napari.utils.notifications import (  # noqa: E402
    Notification,
    NotificationSeverity,
)

from smartcrop_core import SmartcropError  # noqa: E402
from smartcrop_plugins.napari import smart_crop  # noqa: E402
from smartcrop_plugins.napari._commands import crop_1_1, show_saliency  # noqa: E402


def user_messages(shown, severity=NotificationSeverity.ERROR) -> list[str]:
    """Messages of that severity; fails on any notification that carries a traceback."""
    for notification in shown:
        # ErrorNotification / WarningNotification wrap an exception and offer its traceback.
        assert type(notification) is Notification, f"a traceback reached the user: {notification}"
    return [n.message for n in shown if n.severity == severity]


def test_labels_layer_gets_a_notification_from_the_commands(viewer, notifications):
    viewer.add_labels(np.zeros((64, 64), np.uint8), name="cells")
    before = list(viewer.layers)

    assert crop_1_1(viewer) is None
    assert show_saliency(viewer) is None

    messages = user_messages(notifications)
    assert len(messages) == 2
    assert all("'cells' is a Labels layer" in m and "Image" in m for m in messages)
    assert list(viewer.layers) == before


def test_labels_layer_is_not_offered_by_the_widget(viewer, widget, notifications):
    viewer.add_labels(np.zeros((64, 64), np.uint8), name="cells")

    assert widget.image.choices == ()
    assert widget.run() is None

    (message,) = user_messages(notifications)
    assert "no image layer is selected" in message
    assert widget.crop_button.enabled


def test_empty_shapes_layer_gets_a_notification(viewer, notifications):
    viewer.add_shapes(name="nothing")

    assert crop_1_1(viewer) is None

    (message,) = user_messages(notifications)
    assert "'nothing' is a Shapes layer" in message


def test_nothing_selected_gets_a_notification(viewer, notifications):
    assert crop_1_1(viewer) is None
    (message,) = user_messages(notifications)
    assert "open a photo" in message


def test_two_images_selected_gets_a_notification(viewer, notifications):
    first = viewer.add_image(np.zeros((32, 32)), name="a")
    second = viewer.add_image(np.zeros((32, 32)), name="b")
    viewer.layers.selection.update({first, second})

    assert crop_1_1(viewer) is None
    (message,) = user_messages(notifications)
    assert "select one Image layer" in message


def test_an_image_the_engine_refuses_gets_a_notification(viewer, widget, notifications, qtbot):
    # A 1-pixel image passes napari but not the engine; the error comes from the worker.
    viewer.add_image(np.zeros((1, 1), np.uint8), name="dot")

    worker = widget.run()

    assert worker is not None
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)
    (message,) = user_messages(notifications)
    assert message.startswith("smartcrop could not crop 'dot':")
    assert widget.last_layers is None and widget.status.value == ""
    assert [layer.name for layer in viewer.layers] == ["dot"]


def test_nan_pixels_get_a_notification(viewer, widget, notifications, qtbot):
    data = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    data[10, 10] = np.nan
    viewer.add_image(data, name="holes", contrast_limits=(0, 1))

    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)

    (message,) = user_messages(notifications)
    assert "'holes'" in message and "NaN" in message


@pytest.mark.parametrize(
    ("custom", "expected"), [("abc", "'abc' is not a number"), ("2:0", "greater than 0")]
)
def test_bad_custom_aspect_gets_a_notification(viewer, widget, notifications, custom, expected):
    viewer.add_image(np.zeros((64, 64)), name="image")
    widget.custom.value = custom

    assert widget.run() is None

    (message,) = user_messages(notifications)
    assert expected in message


def test_no_aspect_chosen_gets_a_notification(viewer, widget, notifications):
    viewer.add_image(np.zeros((64, 64)), name="image")
    for checkbox in widget.presets.values():
        checkbox.value = False

    assert widget.run() is None

    (message,) = user_messages(notifications)
    assert "choose at least one aspect ratio" in message


def test_boost_outside_the_image_is_a_warning_and_the_crop_goes_on(
    viewer, widget, crop, notifications, photo_path
):
    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")
    far = [[1000, 1000], [1000, 1100], [1100, 1100], [1100, 1000]]
    widget.boosts.value = viewer.add_shapes([far], shape_type="rectangle", name="hints")

    layers = crop(widget)

    assert len(layers.boxes.data) == 1
    (warning,) = user_messages(notifications, NotificationSeverity.WARNING)
    assert "rectangle 1 of 'hints' lies outside image 'photo'" in warning


def test_script_api_raises_a_smartcrop_error(viewer):
    viewer.add_labels(np.zeros((64, 64), np.uint8), name="cells")
    with pytest.raises(SmartcropError, match="'cells' is a Labels layer"):
        smart_crop(viewer, "cells")
    with pytest.raises(SmartcropError, match="no layer named 'photo'"):
        smart_crop(viewer, "photo")
