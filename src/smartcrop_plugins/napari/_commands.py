"""Smart crop as plain commands: for scripts, napari's command palette and the Layers menu.

:func:`smart_crop` is the scripting call: it runs in the calling thread, returns the new
layers and raises :class:`~smartcrop_core.SmartcropError` on bad input::

    import napari
    from skimage import data
    from smartcrop_plugins.napari import smart_crop

    viewer = napari.Viewer()
    viewer.add_image(data.astronaut(), name="astronaut")
    layers = smart_crop(viewer, "astronaut", ["16:9", "1:1"], zoom="auto")
    layers.boxes.features          # aspect, zoom, score and frame of every box
    layers.crops[0].data.shape     # the 16:9 crop

The other commands take the viewer only, as napari's command palette (``Ctrl+Shift+P``,
type "smart crop") and the *Layers > Transform* and *Layers > Visualize* menus call them.
They act on the selected Image layer, with the Shapes and Points layers selected beside it
as hints (Ctrl-click to select several), run in a thread worker and report problems as
notifications. They return the worker so a script can wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# Imported at run time, not for type checking only: napari reads the commands' annotations
# to hand them the viewer.
import napari.viewer
from napari.qt.threading import GeneratorWorker

from smartcrop_core import SmartcropError

from ._frames import UnsupportedLayerError, frames_of_layer
from ._job import ASPECT_PRESETS, CropOptions, run_job
from ._outputs import CropLayers, add_crop_layers, add_saliency_layer
from ._run import crop_in_thread, prepare_job

__all__ = [
    "crop_1_1",
    "crop_4_5",
    "crop_9_16",
    "crop_16_9",
    "crop_presets",
    "selected_layers",
    "show_saliency",
    "smart_crop",
]


def smart_crop(
    viewer: napari.viewer.Viewer,
    layer: Any = None,
    aspects: Iterable[str | float] | str | float = ("1:1",),
    *,
    zoom: float | str = 1.0,
    faces: bool = True,
    saliency: bool = True,
    hints: Any = None,
    model: str | None = None,
) -> CropLayers:
    """Crop an Image layer to every aspect in ``aspects``; add the results as layers.

    Runs in the calling thread (a script, a notebook, napari's console); the dock widget and
    the palette commands run the same job in a thread worker.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding the layer; the results are added to it.
    layer : napari.layers.Image or str, optional
        The layer or its name (default: the selected layer). Its last two axes are rows and
        columns (after the colour axis of an RGB layer); any axes before them are cropped
        frame by frame.
    aspects : str, float or iterable of them
        Width / height of each crop: ``"16:9"``, ``1.5``, ``["4:5", "9:16"]``.
    zoom : float or "auto"
        1.0 is the largest box of the aspect that fits, 0.6 makes each side 60 % of that;
        ``"auto"`` lets the ranker pick the tightest crop that keeps the subject (on a
        stack: chosen on the first frame, used for all).
    faces : bool
        Detect faces and keep them whole.
    saliency : bool
        Add the predicted attention as a heatmap layer.
    hints : napari.layers.Shapes, napari.layers.Points, str or sequence, optional
        Layers (or names) whose rectangles the crop should keep and whose ellipses and
        points it should centre on (see :mod:`smartcrop_plugins.napari._hints`).
    model : str, optional
        Saliency model name (default: the package's default).

    Returns
    -------
    CropLayers
        ``boxes`` (Shapes), ``crops`` (one Image per aspect), ``saliency`` and ``faces``.

    Raises
    ------
    SmartcropError
        Not an Image layer, an empty one, a bad aspect, zoom or hint, missing weights; the
        message says what to change.
    """
    image_layer = _layer(viewer, layer) if layer is not None else viewer.layers.selection.active
    if isinstance(aspects, (str, int, float)):
        aspects = [aspects]
    options = CropOptions.from_user(aspects, zoom=zoom, faces=faces, saliency=saliency, model=model)
    hint_layers = [_layer(viewer, item) for item in _as_sequence(hints)]
    job = prepare_job(image_layer, options, hint_layers)
    return add_crop_layers(viewer, image_layer, job, run_job(job))


def selected_layers(viewer: napari.viewer.Viewer) -> tuple[Any, list[Any]]:
    """The selected Image layer and the selected hint layers (Shapes, Points).

    Raises
    ------
    UnsupportedLayerError
        No Image layer, or several, among the selected layers.
    """
    from napari.layers import Image, Points, Shapes

    selection = viewer.layers.selection
    images = [layer for layer in selection if isinstance(layer, Image)]
    hints = [layer for layer in selection if isinstance(layer, (Shapes, Points))]
    if len(images) > 1:
        names = ", ".join(repr(layer.name) for layer in images)
        raise UnsupportedLayerError(f"select one Image layer to crop, not {len(images)} ({names})")
    if not images:
        frames_of_layer(selection.active)  # raises, naming what is selected instead
        raise UnsupportedLayerError("select an Image layer to crop")  # pragma: no cover
    return images[0], hints


def _palette_crop(viewer: napari.viewer.Viewer, aspects: Sequence[str]) -> GeneratorWorker | None:
    from napari.utils.notifications import show_error

    try:
        image_layer, hint_layers = selected_layers(viewer)
        job = prepare_job(image_layer, CropOptions.from_user(aspects), hint_layers)
    except SmartcropError as error:
        show_error(f"smartcrop: {error}")
        return None
    return crop_in_thread(viewer, image_layer, job)


def crop_1_1(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Smart crop the selected image to a square (1:1)."""
    return _palette_crop(viewer, ["1:1"])


def crop_4_5(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Smart crop the selected image to a 4:5 portrait."""
    return _palette_crop(viewer, ["4:5"])


def crop_16_9(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Smart crop the selected image to a 16:9 landscape."""
    return _palette_crop(viewer, ["16:9"])


def crop_9_16(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Smart crop the selected image to a 9:16 story."""
    return _palette_crop(viewer, ["9:16"])


def crop_presets(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Smart crop the selected image to every preset aspect, in one analysis."""
    return _palette_crop(viewer, list(ASPECT_PRESETS))


def show_saliency(viewer: napari.viewer.Viewer) -> GeneratorWorker | None:
    """Add where people will look in the selected image, as a heatmap layer."""
    from napari.utils.notifications import show_error

    try:
        image_layer, _ = selected_layers(viewer)
        job = prepare_job(image_layer, CropOptions.from_user(["1:1"], faces=False))
    except SmartcropError as error:
        show_error(f"smartcrop: {error}")
        return None
    return crop_in_thread(viewer, image_layer, job, add_layers=add_saliency_layer)


def _layer(viewer: napari.viewer.Viewer, layer: Any) -> Any:
    if isinstance(layer, str):
        if layer not in viewer.layers:
            names = ", ".join(repr(item.name) for item in viewer.layers) or "none"
            raise UnsupportedLayerError(f"no layer named {layer!r} (layers: {names})")
        return viewer.layers[layer]
    return layer


def _as_sequence(hints: Any) -> list[Any]:
    if hints is None:
        return []
    if isinstance(hints, (str, bytes)) or not isinstance(hints, Sequence):
        return [hints]
    return list(hints)
