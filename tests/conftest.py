"""Shared test set-up: weights from ../shared/weights, real photos from ../shared/data."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMARTCROP_SHARED", ROOT.parent / "shared"))
WEIGHTS = SHARED / "weights"
FIXATIONS = SHARED / "data" / "fixations"

# Tests use the copies of the public weights beside the project, never the network.
os.environ.setdefault("SMARTCROP_WEIGHTS_DIR", str(WEIGHTS))


def _shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here: put the project's shared/ folder beside the checkout")
    return path


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    """The folder holding the public weights (fastgaze.vxm, yunet_n_dynamic.onnx, ...)."""
    return _shared_file(WEIGHTS)


@pytest.fixture(scope="session")
def photo_path() -> Path:
    """A real 512x384 photo (OSIE, MIT licence) with no dominant face."""
    return _shared_file(FIXATIONS / "osie" / "images" / "1001.jpg")


@pytest.fixture(scope="session")
def face_photo_path() -> Path:
    """A real 512x384 photo (EyeCrowd, MIT licence) with three frontal faces in its top half.

    Hand-labelled faces: [104, 72, 145, 119], [276, 71, 322, 128], [335, 85, 402, 148].
    """
    return _shared_file(FIXATIONS / "eyecrowd" / "images" / "207.jpg")


FACE_BOXES_207 = [
    (104.0, 71.6, 145.4, 119.0),
    (276.2, 71.0, 322.3, 127.8),
    (335.3, 84.7, 402.2, 148.0),
]


@pytest.fixture(scope="module")
def shared_bench():
    """The shared benchmark module (``shared/eval/saliency_bench.py``), read-only."""
    folder = SHARED / "eval"
    if not (folder / "saliency_bench.py").is_file() or not (FIXATIONS / "osie").is_dir():
        pytest.skip(f"{folder} or {FIXATIONS / 'osie'} is not here: no shared benchmark to check")
    pytest.importorskip("scipy", reason="the shared benchmark needs scipy")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("saliency_bench")
    finally:
        sys.path.remove(str(folder))
