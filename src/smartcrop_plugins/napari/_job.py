"""One crop job: the options the user chose, and the frame-by-frame run of the engine.

Nothing here touches Qt or the viewer, so the job runs the same in napari's thread worker
(the dock widget, the menu commands) and in the calling thread (scripts).

Examples
--------
>>> import numpy as np
>>> from smartcrop_plugins.napari._frames import LayerFrames
>>> options = CropOptions.from_user(["16:9", "1:1"], zoom=1.0, faces=False, model="spectral")
>>> options.labels
('16:9', '1:1')
>>> frames = LayerFrames(np.zeros((2, 90, 160), np.uint8), rgb=False, contrast_limits=None)
>>> crops = run_job(CropJob(frames, options))
>>> [frame.index for frame in crops], [r.box.to_pillow() for r in crops[0].results]
([(0,), (1,)], [(0, 0, 160, 90), (35, 0, 125, 90)])
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import numpy as np

from smartcrop_core import AUTO_ZOOM, CropResult, Face, InvalidAspectError, parse_aspect, parse_zoom
from smartcrop_core.params import format_aspect

from .._engine import crop_results
from ._frames import LayerFrames
from ._hints import FrameHints

__all__ = ["ASPECT_PRESETS", "CropJob", "CropOptions", "FrameCrop", "parse_aspect_list", "run_job"]

#: The aspect ratios the dock widget offers, width:height.
ASPECT_PRESETS: tuple[str, ...] = ("1:1", "4:5", "3:2", "16:9", "9:16")


def parse_aspect_list(text: str) -> tuple[str, ...]:
    """Aspect ratios typed by a user: ``"2:1, 5:4"`` or ``"2.35 1.5"``, each checked.

    Examples
    --------
    >>> parse_aspect_list(" 2:1, 5/4  1.5 ")
    ('2:1', '5/4', '1.5')
    >>> parse_aspect_list("2:0")
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.InvalidAspectError: aspect '2:0' must be a finite number ...
    """
    items = tuple(item for item in re.split(r"[,;\s]+", text.strip()) if item)
    for item in items:
        parse_aspect(item)
    return items


@dataclass(frozen=True)
class CropOptions:
    """What the user asked for, checked.

    Attributes
    ----------
    aspects : tuple of float
        Width / height of each crop, in the order asked, without repeats.
    labels : tuple of str
        How each aspect was written (``"16:9"``), for layer names.
    zoom : float or "auto"
        1.0 is the largest box of the aspect that fits; ``"auto"`` picks the tightest crop
        that keeps the subject (on a stack: on the first frame, then for every frame).
    faces : bool
        Detect faces and keep them whole.
    saliency : bool
        Keep the saliency map, for a heatmap layer.
    model : str or None
        Saliency model name (None: the package's default).
    """

    aspects: tuple[float, ...]
    labels: tuple[str, ...]
    zoom: float | str = 1.0
    faces: bool = True
    saliency: bool = True
    model: str | None = None

    @classmethod
    def from_user(
        cls,
        aspects: Iterable[str | float],
        *,
        zoom: float | str = 1.0,
        faces: bool = True,
        saliency: bool = True,
        model: str | None = None,
    ) -> CropOptions:
        """Options from what a user typed or chose.

        Raises
        ------
        InvalidAspectError, InvalidZoomError
            No aspect, or an aspect or zoom that the engine refuses; the message says why.
        """
        values: list[float] = []
        labels: list[str] = []
        for aspect in aspects:
            value = parse_aspect(aspect)
            if any(abs(value - seen) < 1e-9 for seen in values):
                continue
            values.append(value)
            labels.append(aspect.strip() if isinstance(aspect, str) else format_aspect(value))
        if not values:
            raise InvalidAspectError(
                "choose at least one aspect ratio (a preset, or type one such as 2:1)"
            )
        return cls(tuple(values), tuple(labels), parse_zoom(zoom), faces, saliency, model)


@dataclass(frozen=True)
class CropJob:
    """The frames to crop, the options, and the hints per frame."""

    frames: LayerFrames
    options: CropOptions
    hints: FrameHints = field(default_factory=FrameHints)


@dataclass(frozen=True)
class FrameCrop:
    """The engine's answer for one frame.

    Attributes
    ----------
    index : tuple of int
        The frame's index into the leading axes (``()`` for a 2-D image).
    results : tuple of CropResult
        One per aspect, in the order of :attr:`CropOptions.aspects`.
    crops : tuple of numpy.ndarray
        The frame's stored data (its dtype, channels last) inside each box.
    """

    index: tuple[int, ...]
    results: tuple[CropResult, ...]
    crops: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)

    @property
    def faces(self) -> tuple[Face, ...]:
        return self.results[0].faces

    @property
    def saliency(self) -> np.ndarray | None:
        """The model's map at analysis size, scaled to a maximum of 1 (None if not asked)."""
        density = self.results[0].saliency
        if density is None:
            return None
        peak = float(density.max())
        return (density / peak if peak > 0 else density).astype(np.float32)


def iter_job(job: CropJob) -> Generator[FrameCrop, None, list[FrameCrop]]:
    """Crop frame after frame, yielding each frame's crops; returns them all.

    With ``zoom="auto"`` the first frame chooses each aspect's zoom and every later frame
    uses it, so all crops of one aspect have one size and stack into one layer.
    """
    options = job.options
    channel_axis = -1 if job.frames.rgb else None
    zooms: list[float | str] = [options.zoom] * len(options.aspects)
    crops: list[FrameCrop] = []
    for index in job.frames.indices:
        raw = job.frames.raw_frame(index)
        image = job.frames.displayed(raw)
        hints = job.hints.for_frame(index)
        if len(set(zooms)) == 1:
            results = crop_results(
                image,
                options.aspects,
                zooms=[zooms[0]],
                boosts=hints,
                model=options.model,
                faces=options.faces,
                details=options.saliency,
                channel_axis=channel_axis,
            )
        else:
            # One call per aspect; the engine's cache shares one analysis between them.
            results = [
                crop_results(
                    image,
                    [aspect],
                    zooms=[zoom],
                    boosts=hints,
                    model=options.model,
                    faces=options.faces,
                    details=options.saliency,
                    channel_axis=channel_axis,
                )[0]
                for aspect, zoom in zip(options.aspects, zooms, strict=True)
            ]
        if options.zoom == AUTO_ZOOM:
            zooms = [result.zoom for result in results]
        pieces = tuple(np.ascontiguousarray(raw[r.box.to_slices()]) for r in results)
        crop = FrameCrop(tuple(index), tuple(results), pieces)
        crops.append(crop)
        yield crop
    return crops


def run_job(job: CropJob) -> list[FrameCrop]:
    """Run ``job`` in the calling thread and return every frame's crops."""
    generator = iter_job(job)
    while True:
        try:
            next(generator)
        except StopIteration as finished:
            return finished.value
