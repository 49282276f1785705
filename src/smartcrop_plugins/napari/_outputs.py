"""The layers a crop job leaves in the viewer.

For an image layer named ``photo`` and the aspects ``16:9`` and ``1:1``:

``photo saliency``
    The predicted attention as a heatmap (inferno, additive) over the image; hide it with
    its eye icon. Stored at analysis size and stretched over the image by the layer's scale.
``photo faces``
    The detected faces as green rectangles (only when faces were looked for and found).
``photo crop boxes``
    One editable rectangle per aspect (per frame, on a stack), coloured as in the
    ``smartcrop --debug`` overlay, labelled with its aspect. Its features hold ``aspect``,
    ``zoom``, ``score`` and ``frame``.
``photo crop 16:9``, ``photo crop 1:1``
    The crops: the layer's own values (dtype, channels, contrast limits, colormap), one
    frame per frame of the image. They are laid out in a column to the right of the image,
    so that they hide neither the image nor the heatmap; ``layer.metadata["smartcrop"]``
    holds each frame's box ``(left, upper, right, lower)`` in the image's pixels.

Every output shares the image layer's scale, translate, rotation, shear and affine, so it
lies over the image whatever its transform. napari puts pixel centres on whole coordinates:
a box's rectangle runs half a pixel outside its first and last pixels' centres, so that it
outlines exactly the pixels of the crop. Running again replaces the layers of the same
name (keeping whether each was shown) instead of piling up copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..debug_overlay import BOX_COLOURS, FACE_COLOUR
from ._job import CropJob, FrameCrop

__all__ = ["CropLayers", "add_crop_layers", "add_saliency_layer", "crop_layer_name"]

# The heatmap is scaled to this percentile of the map, as the debug overlay does: one hot
# pixel would otherwise leave the rest of the map dark.
_HEAT_PERCENTILE = 99.5
_HEAT_GAMMA = 0.5
# Space between the image and the column of crops, and between crops, as a share of the
# image's longer side.
_GAP = 0.04


@dataclass(frozen=True)
class CropLayers:
    """The layers one crop job added (or replaced).

    Attributes
    ----------
    boxes : napari.layers.Shapes or None
        The chosen boxes (None when only the heatmap was asked for).
    crops : tuple of napari.layers.Image
        One cropped image layer per aspect, in the order asked.
    saliency : napari.layers.Image or None
        The heatmap, when it was asked for.
    faces : napari.layers.Shapes or None
        The detected faces, when any were found.
    """

    boxes: Any | None = None
    crops: tuple[Any, ...] = ()
    saliency: Any | None = None
    faces: Any | None = None


def crop_layer_name(image_name: str, label: str) -> str:
    """The name of the crop layer of ``label``.

    Examples
    --------
    >>> crop_layer_name("photo", "16:9")
    'photo crop 16:9'
    """
    return f"{image_name} crop {label}"


def add_crop_layers(
    viewer: Any, image_layer: Any, job: CropJob, crops: list[FrameCrop]
) -> CropLayers:
    """Add (or replace) the layers showing ``crops`` of ``image_layer``; see the module text."""
    first_time = crop_layer_name(image_layer.name, job.options.labels[0]) not in viewer.layers
    crop_layers = _add_crops(viewer, image_layer, job, crops)
    saliency_layer = None
    if job.options.saliency:
        saliency_layer = add_saliency_layer(viewer, image_layer, job, crops).saliency
    faces_layer = _add_faces(viewer, image_layer, job, crops)
    boxes_layer = _add_boxes(viewer, image_layer, job, crops)
    # Commands act on the selected layer: keep it the image, so they can run again.
    viewer.layers.selection.active = image_layer
    if first_time:
        viewer.reset_view()  # the crops lie beside the image, maybe out of view
    return CropLayers(boxes_layer, crop_layers, saliency_layer, faces_layer)


def add_saliency_layer(
    viewer: Any, image_layer: Any, job: CropJob, crops: list[FrameCrop]
) -> CropLayers:
    """Add (or replace) only the heatmap of ``crops`` (``job`` must have asked for it)."""
    from napari.layers import Image

    rows, cols = job.frames.frame_shape
    leading_shape = job.frames.leading_shape
    maps = np.stack([frame.saliency for frame in crops])
    map_rows, map_cols = maps.shape[1:]
    factors = (rows / map_rows, cols / map_cols)
    maps = maps.reshape((*leading_shape, map_rows, map_cols))
    # An analysis cell's centre lies half a cell (less half a pixel) past its corner.
    offset = (*([0.0] * len(leading_shape)), factors[0] / 2 - 0.5, factors[1] / 2 - 0.5)
    high = float(np.percentile(maps, _HEAT_PERCENTILE))
    layer = _put(
        viewer,
        Image(
            maps,
            name=f"{image_layer.name} saliency",
            colormap="inferno",
            blending="additive",
            opacity=0.8,
            contrast_limits=(0.0, high if high > 0 else 1.0),
            # Attention is peaked (faces, text): a gamma below 1 shows its gentler slopes.
            gamma=_HEAT_GAMMA,
            **_placement(image_layer, offset=offset, factors=factors),
        ),
    )
    viewer.layers.selection.active = image_layer
    return CropLayers(saliency=layer)


def _add_crops(
    viewer: Any, image_layer: Any, job: CropJob, crops: list[FrameCrop]
) -> tuple[Any, ...]:
    from napari.layers import Image

    rows, cols = job.frames.frame_shape
    leading_shape = job.frames.leading_shape
    gap = round(_GAP * max(rows, cols))
    layers = []
    offset_rows = 0.0
    for number, label in enumerate(job.options.labels):
        stacked = np.stack([frame.crops[number] for frame in crops])
        stacked = stacked.reshape((*leading_shape, *stacked.shape[1:]))
        offset = (*([0.0] * len(leading_shape)), offset_rows, float(cols + gap))
        offset_rows += stacked.shape[len(leading_shape)] + gap
        colour = {} if image_layer.rgb else {"colormap": image_layer.colormap}
        layer = Image(
            stacked,
            name=crop_layer_name(image_layer.name, label),
            rgb=image_layer.rgb,
            contrast_limits=image_layer.contrast_limits,
            metadata={"smartcrop": _crop_metadata(image_layer.name, number, label, crops)},
            **colour,
            **_placement(image_layer, offset=offset),
        )
        layers.append(_put(viewer, layer))
    return tuple(layers)


def _add_faces(viewer: Any, image_layer: Any, job: CropJob, crops: list[FrameCrop]) -> Any:
    from napari.layers import Shapes

    name = f"{image_layer.name} faces"
    rectangles = [_rectangle(frame.index, face.box) for frame in crops for face in frame.faces]
    if not rectangles:
        if name in viewer.layers:
            viewer.layers.remove(name)  # stale: from a run that found faces
        return None
    return _put(
        viewer,
        Shapes(
            rectangles,
            shape_type="rectangle",
            name=name,
            edge_color=_colour(FACE_COLOUR),
            face_color="transparent",
            edge_width=_line_width(job),
            **_placement(image_layer),
        ),
    )


def _add_boxes(viewer: Any, image_layer: Any, job: CropJob, crops: list[FrameCrop]) -> Any:
    from napari.layers import Shapes

    rectangles, colours = [], []
    features: dict[str, list] = {"aspect": [], "zoom": [], "score": [], "frame": []}
    for frame in crops:
        for number, result in enumerate(frame.results):
            rectangles.append(_rectangle(frame.index, result.box.to_pillow()))
            colours.append(_colour(BOX_COLOURS[number % len(BOX_COLOURS)]))
            features["aspect"].append(job.options.labels[number])
            features["zoom"].append(float(result.zoom))
            features["score"].append(float(result.score))
            features["frame"].append(str(frame.index))
    return _put(
        viewer,
        Shapes(
            rectangles,
            shape_type="rectangle",
            name=f"{image_layer.name} crop boxes",
            edge_color=colours,
            face_color="transparent",
            edge_width=_line_width(job),
            features=features,
            text={"string": "{aspect}", "anchor": "upper_left", "color": "white", "size": 10},
            **_placement(image_layer),
        ),
    )


def _line_width(job: CropJob) -> float:
    return max(1.0, 0.005 * max(job.frames.frame_shape))


def _rectangle(index: tuple[int, ...], box: tuple[float, float, float, float]) -> np.ndarray:
    """A napari rectangle over ``box`` (pixel edges) on frame ``index``."""
    left, upper, right, lower = (float(v) - 0.5 for v in box)
    corners = [(upper, left), (upper, right), (lower, right), (lower, left)]
    return np.array([(*index, row, col) for row, col in corners], dtype=float)


def _colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _crop_metadata(name: str, number: int, label: str, crops: list[FrameCrop]) -> dict:
    results = [frame.results[number] for frame in crops]
    return {
        "source": name,
        "aspect": label,
        "zoom": float(results[0].zoom),
        "boxes": {
            frame.index: result.box.to_pillow()
            for frame, result in zip(crops, results, strict=True)
        },
    }


def _placement(
    image_layer: Any,
    *,
    offset: tuple[float, ...] | None = None,
    factors: tuple[float, float] = (1.0, 1.0),
) -> dict[str, Any]:
    """Transform arguments that put a layer where ``image_layer``'s pixels are.

    ``offset`` (in the image's data pixels) moves the layer's origin; ``factors`` stretch
    its last two axes (a map at analysis size over the full image).
    """
    from napari.utils.transforms import CompositeAffine

    ndim = image_layer.ndim
    scale = np.asarray(image_layer.scale, dtype=float).copy()
    scale[-2:] *= factors
    translate = np.asarray(image_layer.translate, dtype=float).copy()
    if offset is not None:
        linear = CompositeAffine(
            scale=image_layer.scale, rotate=image_layer.rotate, shear=image_layer.shear, ndim=ndim
        )
        translate += linear(np.asarray(offset, dtype=float))
    return {
        "scale": scale,
        "translate": translate,
        "rotate": image_layer.rotate,
        "shear": image_layer.shear,
        "affine": image_layer.affine,
    }


def _put(viewer: Any, layer: Any) -> Any:
    """Add ``layer``, replacing a layer of the same name in its place and visibility."""
    if layer.name in viewer.layers:
        old = viewer.layers[layer.name]
        position = viewer.layers.index(old)
        layer.visible = old.visible
        viewer.layers.remove(old)
        viewer.layers.insert(position, layer)
    else:
        viewer.add_layer(layer)
    return layer
