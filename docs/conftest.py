"""pytest set-up for the documentation: the pages' examples run as doctests.

``python -m pytest`` collects ``docs/`` too (``testpaths``): every ``>>>`` example in the
``.rst`` pages (``--doctest-glob=*.rst``) and the doctests of the scripts here
(``--doctest-modules``), whose work only runs under ``if __name__ == "__main__"``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMARTCROP_SHARED", ROOT.parent / "shared"))

# As in tests/conftest.py: examples read the copies of the public weights beside the project
# (YuNet for faces), never the network. Without them, faces are skipped with a warning and
# the examples still pass.
os.environ.setdefault("SMARTCROP_WEIGHTS_DIR", str(SHARED / "weights"))

# Not modules to import: Sphinx's configuration, the build driver (its name would shadow the
# ``build`` package), and what the build writes.
collect_ignore = ["conf.py", "build.py"]
collect_ignore_glob = ["_build/*", "_generated/*", "api/generated/*"]
