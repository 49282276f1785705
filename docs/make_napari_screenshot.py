#!/usr/bin/env python3
"""Regenerate the README's napari screenshot: the Smart crop widget on an EyeCrowd photo.

The photo is EyeCrowd image 207 (Jiang et al., ECCV 2014, MIT licence), from the project's
shared data. The script opens napari, opens the widget the way a user does (*Plugins >
smartcrop > Smart crop*), crops to 16:9 and 1:1, and saves the whole window. Run it from the
project's root with ``../shared`` beside it and the napari extra installed::

    xvfb-run -a python docs/make_napari_screenshot.py    # Linux without a display
    python docs/make_napari_screenshot.py                 # with a display

Without ``xvfb-run`` on a Linux machine with no display, it starts a virtual one itself
(PyVirtualDisplay, installed with pytest-xvfb).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PHOTO = SHARED / "data" / "fixations" / "eyecrowd" / "images" / "207.jpg"
OUTPUT = ROOT / "docs" / "images" / "napari_widget.png"
WINDOW_SIZE = (1500, 860)  # width, height of the napari window, in screen pixels
SAVED_WIDTH = 1200  # the PNG is scaled down to this width and quantised to stay small
COLOURS = 192


def main() -> None:
    os.environ.setdefault("SMARTCROP_WEIGHTS_DIR", str(SHARED / "weights"))
    display = None
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        from pyvirtualdisplay import Display

        display = Display(visible=False, size=(WINDOW_SIZE[0] + 100, WINDOW_SIZE[1] + 100))
        display.start()
    try:
        screenshot = _screenshot()
    finally:
        if display is not None:
            display.stop()
    _save(screenshot)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size // 1024} kB)")


def _screenshot():
    import napari
    import numpy as np
    from napari._qt import qt_main_window
    from PIL import Image
    from qtpy.QtWidgets import QApplication

    # napari 0.9 greets PyQt5 with a deprecation toast that would cover the picture; napari's
    # own test fixture silences it the same way.
    qt_main_window.SHOW_QT_WARNING = False
    viewer = napari.Viewer(title="napari: smartcrop", show=True)
    viewer.window.resize(*WINDOW_SIZE)
    viewer.add_image(np.asarray(Image.open(PHOTO).convert("RGB")), name="photo")
    _dock, widget = viewer.window.add_plugin_dock_widget("smartcrop-attention", "Smart crop")
    for aspect, checkbox in widget.presets.items():
        checkbox.value = aspect in ("16:9", "1:1")

    if widget.run() is None:
        raise SystemExit("the widget refused the photo; see the notification above")
    deadline = time.monotonic() + 300
    while widget.worker is not None:
        if time.monotonic() > deadline:
            raise SystemExit("the crop took more than 5 minutes")
        QApplication.processEvents()
        time.sleep(0.02)
    if widget.last_layers is None:
        raise SystemExit(f"the crop failed: {widget.status.value}")

    viewer.reset_view()
    for _ in range(20):  # let the canvas and the widget redraw
        QApplication.processEvents()
        time.sleep(0.02)
    screenshot = viewer.screenshot(canvas_only=False, flash=False)
    viewer.close()
    return screenshot


def _save(screenshot) -> None:
    from PIL import Image

    picture = Image.fromarray(screenshot).convert("RGB")
    height = round(picture.height * SAVED_WIDTH / picture.width)
    picture = picture.resize((SAVED_WIDTH, height), Image.Resampling.LANCZOS)
    # A palette keeps the PNG a few hundred kB: a UI screenshot has few colours but the photo.
    picture = picture.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    picture.save(OUTPUT, optimize=True)


if __name__ == "__main__":
    main()
