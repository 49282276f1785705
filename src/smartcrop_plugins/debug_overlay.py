"""The ``smartcrop --debug`` picture: saliency heatmap, faces, hints and chosen boxes.

Drawn with Pillow's ``ImageDraw`` and a colormap written here, so the command needs no
plotting library. The user's hints (boosts and focal points) are dashed blue and white, so
they cannot be taken for the chosen boxes, which are solid.

Examples
--------
>>> from PIL import Image
>>> from smartcrop_core import Box, CropResult, Focus
>>> image = Image.new("RGB", (120, 80), "gray")
>>> result = CropResult(box=Box(20, 0, 100, 80), score=1.0, aspect=1.0, zoom=1.0,
...                     image_size=(120, 80))
>>> overlay = render_debug_overlay(image, [result], boosts=[Focus(60, 40)])
>>> overlay.size, overlay.getpixel((60, 40)) == BOOST_COLOUR
((120, 80), True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from smartcrop_core import Boost, Box, CropResult, Face, Focus
from smartcrop_core.boosts import BoostLike, as_boosts
from smartcrop_core.imaging import pil_to_rgb, resize_float_map
from smartcrop_core.params import format_aspect

__all__ = ["BOOST_COLOUR", "BOX_COLOURS", "FACE_COLOUR", "heat_colours", "render_debug_overlay"]

RGB = tuple[int, int, int]

#: Colours of the chosen boxes, one per aspect ratio in turn; none of them is on the heat
#: ramp (red, yellow, white) or the face colour, so boxes stay distinct from both.
BOX_COLOURS: tuple[RGB, ...] = (
    (0, 220, 255),
    (255, 0, 255),
    (90, 120, 255),
    (255, 105, 180),
    (0, 170, 170),
    (170, 90, 255),
)
FACE_COLOUR: RGB = (0, 255, 0)
#: Colour of the user's hints (boosts and focal points), dashed over white: the colour
#: farthest from the heat ramp, the face colour and the box colours.
BOOST_COLOUR: RGB = (0, 0, 255)
_BOOST_GAP_COLOUR: RGB = (255, 255, 255)
_LABEL_TEXT_COLOUR: RGB = (0, 0, 0)
_OUTLINE_COLOUR: RGB = (0, 0, 0)

# The heat ramp: black -> red -> yellow -> white at evenly spaced stops.
_RAMP_STOPS = np.array([0.0, 1 / 3, 2 / 3, 1.0])
_RAMP_COLOURS = np.array([[0, 0, 0], [255, 0, 0], [255, 255, 0], [255, 255, 255]], dtype=float)
# The heatmap covers at most this share of a pixel, so the photo stays recognisable under
# the hottest spots.
_MAX_HEAT_OPACITY = 0.75
# The map is scaled to this percentile instead of its maximum: one hot pixel would
# otherwise leave the rest of the map near black.
_HEAT_PERCENTILE = 99.5
# The photo is dimmed where nothing is salient so the coloured marks stand out on it.
_BASE_BRIGHTNESS = 0.6


def heat_colours(values: np.ndarray) -> np.ndarray:
    """Colours of a black-red-yellow-white ramp for ``values`` in ``[0, 1]`` (clipped).

    Parameters
    ----------
    values : numpy.ndarray
        Any shape; 0 maps to black, 1 to white.

    Returns
    -------
    numpy.ndarray
        uint8 RGB with one more axis of length 3.

    Examples
    --------
    >>> heat_colours(np.array([0.0, 0.5, 1.0])).tolist()
    [[0, 0, 0], [255, 128, 0], [255, 255, 255]]
    """
    clipped = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
    channels = [np.interp(clipped, _RAMP_STOPS, _RAMP_COLOURS[:, index]) for index in range(3)]
    return np.round(np.stack(channels, axis=-1)).astype(np.uint8)


def render_debug_overlay(
    image: Image.Image,
    results: Sequence[CropResult],
    *,
    boosts: Iterable[BoostLike] | None = None,
    saliency: np.ndarray | None = None,
    faces: Sequence[Face] | None = None,
) -> Image.Image:
    """The image with the saliency heatmap, the faces, the hints and every chosen box.

    Parameters
    ----------
    image : PIL.Image.Image
        The image the results refer to, upright (EXIF orientation already applied); any mode.
    results : sequence of CropResult
        Results of one analysis of ``image``; the faces of the first one are drawn, and
        each box.
    boosts : iterable, optional
        The hints the crops were asked to honour (what :meth:`SmartCropper.crop_many`
        takes), in pixels of ``image``: boxes are drawn dashed, focal points as dashed
        rings with a cross, both in :data:`BOOST_COLOUR` over white.
    saliency : numpy.ndarray, optional
        The map to draw as heat (any size, resized to the image). Default: the first
        result's map when it has one (``details=True``); with boosts that map is blended
        with them, so pass the analysis' own map to show the model's prediction.
    faces : sequence of Face, optional
        The faces to draw, in pixels of ``image``. Default: the first result's faces.

    Returns
    -------
    PIL.Image.Image
        A new RGB image of ``image``'s size.
    """
    base = pil_to_rgb(image).astype(np.float32)
    if saliency is None and results:
        saliency = results[0].saliency
    blended = _blend_heatmap(base, saliency) if saliency is not None else base
    canvas = Image.fromarray(np.round(blended).astype(np.uint8))
    line_width = max(2, round(min(canvas.size) / 200))
    font = _font(max(12, round(min(canvas.size) / 28)))
    draw = ImageDraw.Draw(canvas)
    if faces is None:
        faces = results[0].faces if results else ()
    for face in faces:
        _draw_face(draw, face, line_width, font)
    labels: list[tuple[tuple[float, float], str, RGB]] = [
        _draw_hint(draw, hint, line_width, label_floor=canvas.height - 1.6 * _font_size(font))
        for hint in as_boosts(boosts)
    ]
    for index, result in enumerate(results):
        colour = BOX_COLOURS[index % len(BOX_COLOURS)]
        # Boxes of different aspects often share an edge (the image border); nesting each
        # one a line width inside the previous keeps every edge visible.
        inset = index * line_width
        _draw_box(draw, result.box, inset, colour, line_width)
        text = format_aspect(result.aspect)
        if result.zoom != 1.0:
            text += f" @{result.zoom:g}"
        anchor = (result.box.left + inset + line_width, result.box.upper + inset + line_width)
        labels.append((anchor, text, colour))
    # Labels go on last so that no later box line crosses them.
    placed: list[tuple[float, float, float, float]] = []
    for anchor, text, colour in labels:
        _draw_label(draw, anchor, text, colour=colour, font=font, placed=placed)
    return canvas


def _draw_hint(
    draw: ImageDraw.ImageDraw, hint: Boost | Focus, line_width: int, *, label_floor: float
) -> tuple[tuple[float, float], str, RGB]:
    """Draw one boost or focal point; its label's anchor, text and colour.

    A box's label goes under it (a hint is often small: a label inside would hide it),
    unless it would pass ``label_floor``; then inside its top.
    """
    suffix = "" if hint.weight == 1 else f" w{hint.weight:g}"
    if isinstance(hint, Focus):
        radius = max(8, 5 * line_width)
        x, y = hint.x, hint.y
        _dashed_ellipse(draw, (x - radius, y - radius, x + radius, y + radius), line_width)
        _dashed_line(draw, (x - radius, y), (x + radius, y), line_width)
        _dashed_line(draw, (x, y - radius), (x, y + radius), line_width)
        dot = (x - line_width, y - line_width, x + line_width, y + line_width)
        draw.ellipse(dot, fill=BOOST_COLOUR)  # the point itself, never in a gap
        return (x + radius + line_width, y - radius), "focus" + suffix, BOOST_COLOUR
    left, upper, right, lower = hint.box
    right, lower = max(left, right - 1), max(upper, lower - 1)
    corners = [(left, upper), (right, upper), (right, lower), (left, lower), (left, upper)]
    for start, end in pairwise(corners):
        _dashed_line(draw, start, end, line_width)
    below = lower + 2 * line_width
    anchor = (left, below) if below <= label_floor else (left + line_width, upper + line_width)
    return anchor, "boost" + suffix, BOOST_COLOUR


def _dashed_line(
    draw: ImageDraw.ImageDraw,
    start: tuple[float, float],
    end: tuple[float, float],
    line_width: int,
) -> None:
    """A white line with :data:`BOOST_COLOUR` dashes on it, visible on any background."""
    draw.line((start, end), fill=_BOOST_GAP_COLOUR, width=line_width)
    length = float(np.hypot(end[0] - start[0], end[1] - start[1]))
    dash = 3 * line_width
    for offset in np.arange(0.0, max(length, 1.0), 2 * dash):
        first, last = offset / max(length, 1.0), min(offset + dash, length) / max(length, 1.0)
        draw.line(
            (_between(start, end, first), _between(start, end, last)),
            fill=BOOST_COLOUR,
            width=line_width,
        )


def _dashed_ellipse(
    draw: ImageDraw.ImageDraw, bounds: tuple[float, float, float, float], line_width: int
) -> None:
    """A white ring with :data:`BOOST_COLOUR` dashes (eight of them) on it."""
    draw.ellipse(bounds, outline=_BOOST_GAP_COLOUR, width=line_width)
    for start in range(0, 360, 45):
        draw.arc(bounds, start, start + 25, fill=BOOST_COLOUR, width=line_width)


def _between(
    start: tuple[float, float], end: tuple[float, float], share: float
) -> tuple[float, float]:
    return start[0] + (end[0] - start[0]) * share, start[1] + (end[1] - start[1]) * share


def _blend_heatmap(base: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    height, width = base.shape[:2]
    # The map is at analysis size; bilinear resizing of the float map keeps it smooth.
    values = resize_float_map(saliency, width, height)
    top = float(np.percentile(values, _HEAT_PERCENTILE))
    normalised = np.clip(values / top, 0.0, 1.0) if top > 0 else np.zeros_like(values)
    opacity = (_MAX_HEAT_OPACITY * np.sqrt(normalised))[:, :, None]
    heat = heat_colours(normalised).astype(np.float32)
    return base * _BASE_BRIGHTNESS * (1.0 - opacity) + heat * opacity


def _draw_box(
    draw: ImageDraw.ImageDraw, box: Box, inset: int, colour: RGB, line_width: int
) -> None:
    left, upper = box.left + inset, box.upper + inset
    right, lower = box.right - 1 - inset, box.lower - 1 - inset
    if right <= left or lower <= upper:
        left, upper, right, lower = box.left, box.upper, box.right - 1, box.lower - 1
    draw.rectangle((left, upper, right, lower), outline=colour, width=line_width)


def _draw_face(
    draw: ImageDraw.ImageDraw,
    face: Face,
    line_width: int,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
) -> None:
    left, upper, right, lower = face.box
    draw.rectangle((left, upper, right, lower), outline=FACE_COLOUR, width=line_width)
    radius = max(2.0, line_width * 1.2)
    for x, y in face.landmarks:
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=FACE_COLOUR,
            outline=_OUTLINE_COLOUR,
        )
    text = f"{face.score:.2f}"
    text_box = draw.textbbox((0, 0), text, font=font)
    text_height = text_box[3] - text_box[1]
    # Above the face when there is room, else just inside its top edge.
    y = upper - text_height - line_width * 2 if upper > text_height + line_width * 2 else upper
    draw.text(
        (left, y),
        text,
        fill=FACE_COLOUR,
        font=font,
        stroke_width=max(1, line_width // 2),
        stroke_fill=_OUTLINE_COLOUR,
    )


def _draw_label(
    draw: ImageDraw.ImageDraw,
    anchor: tuple[float, float],
    text: str,
    *,
    colour: RGB,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
    placed: list[tuple[float, float, float, float]],
) -> None:
    padding = max(2, round(_font_size(font) / 5))
    bounds = draw.textbbox((0, 0), text, font=font)
    width = bounds[2] - bounds[0] + 2 * padding
    height = bounds[3] - bounds[1] + 2 * padding
    x, y = anchor
    # Boxes that share a corner would stack their labels on one spot: move down until free.
    while any(_overlaps((x, y, x + width, y + height), other) for other in placed):
        y += height + 1
    rectangle = (x, y, x + width, y + height)
    placed.append(rectangle)
    draw.rectangle(rectangle, fill=colour)
    # Black text on the light box colours, white on the dark hint blue.
    text_colour = _BOOST_GAP_COLOUR if colour == BOOST_COLOUR else _LABEL_TEXT_COLOUR
    draw.text((x + padding - bounds[0], y + padding - bounds[1]), text, fill=text_colour, font=font)


def _overlaps(
    first: tuple[float, float, float, float], second: tuple[float, float, float, float]
) -> bool:
    return not (
        first[2] <= second[0]
        or second[2] <= first[0]
        or first[3] <= second[1]
        or second[3] <= first[1]
    )


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the small fixed bitmap font
        return ImageFont.load_default()


def _font_size(font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> float:
    """The nominal size of ``font`` in pixels (the bitmap fallback counts as 11)."""
    return float(getattr(font, "size", 11))
