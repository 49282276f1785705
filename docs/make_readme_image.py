#!/usr/bin/env python3
"""Regenerate the README's picture: the debug overlay of one EyeCrowd photo (MIT licence).

Run from the project's root with ``../shared`` beside it::

    python docs/make_readme_image.py
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PHOTO = SHARED / "data" / "fixations" / "eyecrowd" / "images" / "207.jpg"
OUTPUT = ROOT / "docs" / "images" / "readme_debug.png"


def main() -> None:
    os.environ.setdefault("SMARTCROP_WEIGHTS_DIR", str(SHARED / "weights"))
    from smartcrop_core import SmartCropper
    from smartcrop_core.imaging import open_image
    from smartcrop_plugins.debug_overlay import render_debug_overlay

    image = open_image(PHOTO)
    results = SmartCropper().crop_many(image, ["1:1", "16:9", "9:16"], details=True)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    render_debug_overlay(image, results).save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
