"""Sample photos for *File > Open Sample > smartcrop*, from scikit-image's bundled data.

Both ship inside scikit-image (no download) and are public domain or CC0: the astronaut
Eileen Collins (NASA), a portrait with a face to keep; and a cup of coffee (Rachel Michetti,
CC0), an object off centre.

Examples
--------
>>> [(meta["name"], data.shape) for data, meta in astronaut()]
[('astronaut', (512, 512, 3))]
"""

from __future__ import annotations

from typing import Any

__all__ = ["astronaut", "coffee"]


def astronaut() -> list[tuple[Any, dict[str, Any]]]:
    """Eileen Collins, NASA's first woman shuttle pilot: a portrait (512 x 512, RGB)."""
    from skimage import data

    return [(data.astronaut(), {"name": "astronaut", "rgb": True})]


def coffee() -> list[tuple[Any, dict[str, Any]]]:
    """A cup of coffee on a table, off centre (400 x 600, RGB)."""
    from skimage import data

    return [(data.coffee(), {"name": "coffee", "rgb": True})]
