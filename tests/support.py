"""Helpers shared by the test modules: synthetic images, registry snapshots, toy models."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from smartcrop_core.faces import DETECTORS
from smartcrop_core.geometry import Face
from smartcrop_core.saliency import MODELS

#: EXIF tag number of the orientation.
ORIENTATION = 0x0112


def blob_image(
    width: int, height: int, centre: tuple[int, int], radius: int, *, background: int = 40
) -> np.ndarray:
    """A dark ``(height, width, 3)`` uint8 image with one bright square around ``centre``."""
    image = np.full((height, width, 3), background, np.uint8)
    x, y = centre
    image[max(0, y - radius) : y + radius, max(0, x - radius) : x + radius] = 255
    return image


def save_jpeg_with_orientation(path: Path, image: Image.Image, orientation: int) -> Path:
    """Write ``image`` as a JPEG whose EXIF asks viewers to turn it (``orientation`` 1-8)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    image.save(path, exif=exif, quality=95)
    return path


def vxm_bytes(entries: dict[str, bytes]) -> bytes:
    """A ``.vxm`` container holding ``entries`` (the layout :mod:`saliency.vxm` reads)."""
    out = bytearray(b"\x01tPM" + struct.pack("<I", len(entries)))
    for key, value in entries.items():
        encoded = key.encode("ascii") + b"\0"
        out += struct.pack("<I", len(encoded)) + encoded + struct.pack("<I", len(value)) + value
    return bytes(out)


def fixations_of(dataset_folder: Path, filename: str) -> np.ndarray:
    """``(n, 2)`` float ``(x, y)`` fixations of one image of a shared eye-tracking dataset."""
    annotations = json.loads((dataset_folder / "annotations.json").read_text())
    for entry in annotations["images"]:
        if Path(entry["file"]).name == filename:
            return np.array([fixation[:2] for fixation in entry["fixations"]], dtype=float)
    raise LookupError(f"{filename} is not in {dataset_folder}/annotations.json")


class ColumnSaliency:
    """A toy model whose density lies entirely in a band of columns (a share of the width)."""

    def __init__(self, start: float, stop: float) -> None:
        self.start, self.stop = start, stop
        self.calls = 0

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.calls += 1
        height, width = rgb.shape[:2]
        density = np.zeros((height, width), np.float32)
        first = min(width - 1, int(self.start * width))
        density[:, first : max(first + 1, round(self.stop * width))] = 1.0
        return density / density.sum()


class CountingModel:
    """Wraps a saliency model and counts its ``predict`` calls."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls = 0

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.inner.predict(rgb)


class FixedFaces:
    """A face detector that always reports the given faces (in analysis pixels)."""

    def __init__(self, *faces: Face) -> None:
        self.faces = faces

    def detect(self, rgb: np.ndarray) -> tuple[Face, ...]:
        return self.faces


def face_at(left: float, upper: float, right: float, lower: float, score: float = 0.9) -> Face:
    """A face with plausible landmarks inside ``(left, upper, right, lower)``."""
    width, height = right - left, lower - upper
    landmarks = (
        (left + 0.3 * width, upper + 0.4 * height),
        (left + 0.7 * width, upper + 0.4 * height),
        (left + 0.5 * width, upper + 0.6 * height),
        (left + 0.35 * width, upper + 0.8 * height),
        (left + 0.65 * width, upper + 0.8 * height),
    )
    return Face(box=(left, upper, right, lower), landmarks=landmarks, score=score)


@contextmanager
def preserved_registries() -> Iterator[None]:
    """Restore the model and detector registries (names, built objects, warnings) on exit."""
    saved = [
        (registry, dict(registry._factories), dict(registry._instances), set(registry._warned))
        for registry in (MODELS, DETECTORS)
    ]
    try:
        yield
    finally:
        for registry, factories, instances, warned in saved:
            with registry._lock:
                registry._factories.clear()
                registry._factories.update(factories)
                registry._instances.clear()
                registry._instances.update(instances)
                registry._warned.clear()
                registry._warned.update(warned)
