"""Fixtures of the napari tests: a viewer with the dock widget, notifications, waiting.

The viewer comes from napari's own ``make_napari_viewer`` fixture (napari's pytest plugin,
which needs pytest-qt). On Linux the tests need an X display: pytest-xvfb starts a virtual
one when the Xvfb system package is installed (``QT_QPA_PLATFORM=offscreen`` is not enough:
napari fails as soon as a layer is drawn).
"""

from __future__ import annotations

import os
import sys

import pytest

from .support import INSTALL_HINT, REQUIRED

#: A crop job on a 512 px photo takes well under a second; the first one loads the models.
JOB_TIMEOUT_MS = 120_000


# Session scope: it must come before pytest-qt's session-wide QApplication, which aborts
# the whole run when there is no display.
@pytest.fixture(autouse=True, scope="session")
def _display() -> None:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        message = f"no X display for napari: {INSTALL_HINT}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def viewer(make_napari_viewer):
    """A napari viewer, closed after the test."""
    return make_napari_viewer()


@pytest.fixture
def widget(viewer):
    """The Smart crop dock widget, docked in ``viewer``."""
    from smartcrop_plugins.napari import SmartCropWidget

    dock_widget = SmartCropWidget(viewer)
    viewer.window.add_dock_widget(dock_widget, name="Smart crop")
    return dock_widget


@pytest.fixture
def notifications():
    """Every napari notification shown during the test, in order."""
    from napari.utils.notifications import notification_manager

    shown = []
    notification_manager.notification_ready.connect(shown.append)
    yield shown
    notification_manager.notification_ready.disconnect(shown.append)


@pytest.fixture
def crop(qtbot):
    """``crop(widget)``: press Crop and wait until the job's layers are in the viewer.

    ``crop.wait(widget)`` waits for a job started already.
    """

    class Crop:
        def __call__(self, dock_widget):
            assert dock_widget.run() is not None, "the widget refused its input"
            return self.wait(dock_widget)

        def wait(self, dock_widget):
            """Wait for the job already started; its layers."""
            qtbot.waitUntil(lambda: dock_widget.worker is None, timeout=JOB_TIMEOUT_MS)
            assert dock_widget.last_layers is not None, dock_widget.status.value
            return dock_widget.last_layers

    return Crop()


@pytest.fixture
def wait_worker(qtbot):
    """``wait_worker(worker, done)``: wait for ``done()`` and for the worker's thread to end."""

    def wait(worker, done):
        qtbot.waitUntil(done, timeout=JOB_TIMEOUT_MS)
        qtbot.waitUntil(lambda: not worker.is_running, timeout=JOB_TIMEOUT_MS)

    return wait
