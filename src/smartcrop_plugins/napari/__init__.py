"""smartcrop in napari: a dock widget, plain commands and sample photos (an npe2 plugin).

Install with ``pip install "smartcrop-attention[napari]"``; napari finds the plugin through
its manifest (``napari.yaml``, entry point ``napari.manifest``):

* *Plugins > smartcrop > Smart crop*: :class:`~smartcrop_plugins.napari._widget.SmartCropWidget`;
* the command palette (``Ctrl+Shift+P``, "smart crop") and *Layers > Transform* /
  *Layers > Visualize*: :mod:`smartcrop_plugins.napari._commands`;
* *File > Open Sample > smartcrop*: the astronaut and coffee photos of scikit-image;
* scripts: :func:`smart_crop`.
"""

from __future__ import annotations

try:
    import napari  # noqa: F401
except ModuleNotFoundError as error:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        f"smartcrop's napari plugin needs napari ({error}): "
        'pip install "smartcrop-attention[napari]"',
        name=error.name,
    ) from error

from ._commands import smart_crop
from ._job import ASPECT_PRESETS, CropOptions
from ._outputs import CropLayers
from ._widget import SmartCropWidget

__all__ = ["ASPECT_PRESETS", "CropLayers", "CropOptions", "SmartCropWidget", "smart_crop"]
