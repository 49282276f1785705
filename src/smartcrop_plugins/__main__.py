"""``python -m smartcrop_plugins``: the ``smartcrop`` command."""

from __future__ import annotations

from .cli import main

# Guarded so that importing this module (pytest's doctest collection does) runs nothing.
if __name__ == "__main__":
    raise SystemExit(main())
