"""Shared by the napari tests: optional imports that skip, or fail where CI demands them."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

#: Set to 1 by CI (.ci/run): a missing napari, Qt test bot or display is then an error, not
#: a skip, so the napari tests cannot silently stop running.
REQUIRED = os.environ.get("SMARTCROP_REQUIRE_NAPARI", "") == "1"

INSTALL_HINT = 'pip install -e ".[test-napari]" and the Xvfb system package (see DEVELOPERS.md)'


def import_or_skip(name: str) -> ModuleType:
    """``name`` imported; skips the module (fails when :data:`REQUIRED`) when it is absent."""
    if REQUIRED:
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"{name} is not installed: {INSTALL_HINT}")
