"""Sphinx configuration of the smartcrop documentation.

Build it with ``python docs/build.py`` (generated pictures, then Sphinx with warnings as
errors), or Sphinx alone with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Nothing here reaches the network: intersphinx is off.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# The package is installed (``pip install -e ".[docs]"``); the source folder goes first on the
# path as well, so that a plain checkout documents the code beside these pages.
sys.path.insert(0, str(ROOT / "src"))

DISTRIBUTION = "smartcrop-attention"
try:
    _metadata = metadata.metadata(DISTRIBUTION)
    release = _metadata["Version"]
    _author = _metadata.get("Author") or _metadata.get("Author-email") or ""
    _author = _author.split("<")[0].strip().strip('"') or "smartcrop developers"
except metadata.PackageNotFoundError:  # a checkout that is not installed
    import smartcrop_core

    release = smartcrop_core.__version__
    _author = "smartcrop developers"

project = "smartcrop"
author = _author
copyright = author
version = release
html_title = f"{project} {release}"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
# Scripts (make_*.py, build.py, this file) are not pages; _generated holds pictures and
# fragments that pages pull in with ``.. image::`` / ``.. include::``, never pages of its own.
exclude_patterns = [
    "_build",
    "examples",
    "**/*.py",
    "_generated",
    "api/generated",
    "Thumbs.db",
    ".DS_Store",
]
templates_path: list[str] = []

# autodoc: members in source order, type hints in the signature only (numpydoc writes the
# parameter types from the docstrings).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}
autosummary_generate = False

# numpydoc: autodoc already lists members; numpydoc's own member tables would document every
# method twice (duplicate object warnings).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No intersphinx: the build must not need the network.
nitpicky = False

html_theme = "furo"
html_static_path: list[str] = []
html_short_title = project
html_theme_options = {"navigation_with_keys": True}
pygments_style = "sphinx"
pygments_dark_style = "monokai"


def _command_help(name: str) -> str:
    """``--help`` of one of the project's commands, as a terminal 92 columns wide shows it."""
    import importlib

    modules = {"smartcrop": "smartcrop_plugins.cli"}
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "92"
    try:
        return importlib.import_module(modules[name]).build_parser().format_help()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def setup(app):
    """``.. command-help:: smartcrop``: the command's current ``--help``, never a stale copy."""
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class CommandHelp(SphinxDirective):
        required_arguments = 1

        def run(self):
            text = _command_help(self.arguments[0])
            block = nodes.literal_block(text, text)
            block["language"] = "text"
            return [block]

    app.add_directive("command-help", CommandHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
