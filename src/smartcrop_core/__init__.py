"""smartcrop_core: crop images to any aspect ratio by where people will look.

The engine behind the Pillow, scikit-image and napari faces in :mod:`smartcrop_plugins`.
Data flows one way: image -> analysis (saliency, faces, extra stages) -> candidate windows
-> ranking -> :class:`CropResult`. Importing this package imports neither torch nor OpenCV;
they load with the first model that needs them.

Examples
--------
>>> import numpy as np
>>> from smartcrop_core import find_crop
>>> image = np.zeros((100, 300, 3), np.uint8)
>>> image[40:60, 20:40] = 255
>>> result = find_crop(image, "1:1", model="spectral", faces=False)
>>> result.box
Box(left=0, upper=0, right=100, lower=100)
"""

from __future__ import annotations

from .analysis import Analysis, Stage
from .boosts import Boost, Focus
from .errors import (
    InvalidAspectError,
    InvalidBoxError,
    InvalidImageError,
    InvalidZoomError,
    SmartcropError,
    UnknownModelError,
    WeightsUnavailableError,
)
from .geometry import Box, CropResult, Face
from .params import AUTO_ZOOM, parse_aspect, parse_zoom, target_size
from .pipeline import SmartCropper, find_crop, find_crops
from .ranking import Ranker, load_ranker

__all__ = [
    "AUTO_ZOOM",
    "Analysis",
    "Boost",
    "Box",
    "CropResult",
    "Face",
    "Focus",
    "InvalidAspectError",
    "InvalidBoxError",
    "InvalidImageError",
    "InvalidZoomError",
    "Ranker",
    "SmartCropper",
    "SmartcropError",
    "Stage",
    "UnknownModelError",
    "WeightsUnavailableError",
    "find_crop",
    "find_crops",
    "load_ranker",
    "parse_aspect",
    "parse_zoom",
    "target_size",
]

__version__ = "0.1.0.dev0"
