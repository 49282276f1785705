"""smartcrop_plugins: the faces smartcrop shows to Pillow, scikit-image, the shell and napari.

* :mod:`smartcrop_plugins.imageops` -- ``smartcrop(image, aspect)`` in the style of
  ``PIL.ImageOps.fit``, and ``smartcrop_box``;
* :mod:`smartcrop_plugins.filters` -- ``smartcrop`` and ``saliency`` for scikit-image
  pipelines;
* :mod:`smartcrop_plugins.cli` -- the ``smartcrop`` command;
* :mod:`smartcrop_plugins.manager` and :mod:`smartcrop_plugins.hookspecs` -- the pluggy
  wiring that lets third-party packages add saliency models, face detectors and stages
  through the ``smartcrop`` entry-point group.
"""

from __future__ import annotations

__all__: list[str] = []
