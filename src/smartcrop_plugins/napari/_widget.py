"""The *Smart crop* dock widget (*Plugins > smartcrop > Smart crop*).

It crops an Image layer (RGB or grayscale, 2-D or a stack) to the checked aspect ratios and
any typed in *custom*, at a fixed zoom or ``auto``, keeping faces whole if asked and
honouring the rectangles, ellipses or points of a *boosts* layer. *Crop* runs the engine in
a thread worker, frame by frame with a progress bar, and adds the heatmap, the boxes
(editable rectangles), the faces and the cropped images as layers (see
:mod:`smartcrop_plugins.napari._outputs`).

From a script (the widget's fields are public attributes)::

    widget = SmartCropWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Smart crop")
    widget.presets["16:9"].value = True
    worker = widget.run()          # None when the input was refused (a notification says why)
"""

from __future__ import annotations

from typing import Any

import napari.viewer
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSlider,
    Label,
    LineEdit,
    PushButton,
    RadioButtons,
)
from napari.qt.threading import GeneratorWorker

from smartcrop_core import AUTO_ZOOM, SmartcropError

from ._job import ASPECT_PRESETS, CropJob, CropOptions, parse_aspect_list
from ._outputs import CropLayers
from ._run import crop_in_thread, prepare_job

__all__ = ["SmartCropWidget"]

_DEFAULT_ASPECTS = ("1:1",)
_BOOSTS_LAYER = "smartcrop boosts"


class SmartCropWidget(Container):
    """Dock widget: smart crop an Image layer to one or several aspect ratios.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose layers it crops (napari passes it when it opens the widget).

    Attributes
    ----------
    image : ComboBox
        The Image layer to crop.
    presets : dict of str to CheckBox
        One check box per aspect of :data:`~smartcrop_plugins.napari._job.ASPECT_PRESETS`.
    custom : LineEdit
        More aspects, typed: ``"2:1, 5:4"``.
    zoom_mode : RadioButtons
        ``"fixed"`` (the *zoom* slider) or ``"auto"``.
    zoom : FloatSlider
        1.0 is the largest box of each aspect that fits.
    faces, saliency : CheckBox
        Keep faces whole; add the heatmap layer.
    boosts : ComboBox
        A Shapes or Points layer of hints, or none.
    crop_button : PushButton
        Starts :meth:`run`.
    status : Label
        What the last run chose.
    worker : GeneratorWorker or None
        The job running now.
    """

    # napari recognises the viewer argument by this annotation, written out in full.
    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        self.viewer = viewer
        self.worker: GeneratorWorker | None = None
        self.last_layers: CropLayers | None = None
        self.image = ComboBox(
            label="image", choices=self._image_choices, tooltip="the Image layer to crop"
        )
        self.presets = {
            aspect: CheckBox(text=aspect, value=aspect in _DEFAULT_ASPECTS)
            for aspect in ASPECT_PRESETS
        }
        aspects_row = Container(
            widgets=list(self.presets.values()), layout="horizontal", labels=False, label="aspects"
        )
        aspects_row.margins = (0, 0, 0, 0)
        self.custom = LineEdit(
            label="custom", tooltip="more aspect ratios, width:height, e.g. 2:1, 5:4"
        )
        self.custom.native.setPlaceholderText("e.g. 2:1, 5:4")
        self.zoom_mode = RadioButtons(
            label="zoom",
            choices=("fixed", AUTO_ZOOM),
            value="fixed",
            orientation="horizontal",
            tooltip="auto: the tightest crop that keeps the subject",
        )
        self.zoom = FloatSlider(
            label="size",
            min=0.3,
            max=1.0,
            step=0.05,
            value=1.0,
            tooltip="1.0: the largest box of the aspect that fits; 0.5: half of it each way",
        )
        self.faces = CheckBox(text="keep faces whole", value=True)
        self.saliency = CheckBox(text="show saliency heatmap", value=True)
        self.boosts = ComboBox(
            label="boosts",
            choices=self._hint_choices,
            nullable=True,
            tooltip="rectangles to keep, ellipses and points to centre on (Shapes or Points)",
        )
        self.draw_boosts_button = PushButton(text="Draw boosts…")
        self.crop_button = PushButton(text="Crop")
        self.status = Label(value="")
        super().__init__(
            widgets=[
                self.image,
                aspects_row,
                self.custom,
                self.zoom_mode,
                self.zoom,
                self.faces,
                self.saliency,
                self.boosts,
                self.draw_boosts_button,
                self.crop_button,
                self.status,
            ],
        )
        self.zoom_mode.changed.connect(self._on_zoom_mode)
        self.draw_boosts_button.clicked.connect(self.add_boosts_layer)
        self.crop_button.clicked.connect(self._on_crop_clicked)
        for event in ("inserted", "removed", "moved", "reordered"):
            getattr(viewer.layers.events, event).connect(self._on_layers_changed)
        for layer in viewer.layers:
            layer.events.name.connect(self._on_layers_changed)
        self.reset_choices()
        active = viewer.layers.selection.active
        if active is not None and active in self.image.choices:
            self.image.value = active

    # -- options ---------------------------------------------------------------------

    def aspects(self) -> list[str]:
        """The checked presets, then the custom ones.

        Raises
        ------
        InvalidAspectError
            A custom aspect that is not a ratio.
        """
        checked = [aspect for aspect, box in self.presets.items() if box.value]
        return checked + list(parse_aspect_list(self.custom.value))

    def options(self) -> CropOptions:
        """The options as set in the widget, checked.

        Raises
        ------
        SmartcropError
            No aspect checked or a bad custom one.
        """
        zoom = AUTO_ZOOM if self.zoom_mode.value == AUTO_ZOOM else self.zoom.value
        return CropOptions.from_user(
            self.aspects(), zoom=zoom, faces=self.faces.value, saliency=self.saliency.value
        )

    # -- actions ---------------------------------------------------------------------

    def run(self) -> GeneratorWorker | None:
        """Crop the chosen layer in a thread worker (what *Crop* does).

        Returns
        -------
        GeneratorWorker or None
            The started worker; None when the input was refused (an error notification
            says why) or a job is still running.
        """
        from napari.utils.notifications import show_error, show_info

        if self.worker is not None:
            show_info("smartcrop is still cropping; wait for it to finish")
            return None
        layer = self.image.value
        try:
            options = self.options()
            hint_layers = [self.boosts.value] if self.boosts.value is not None else []
            job = prepare_job(layer, options, hint_layers)
        except SmartcropError as error:
            show_error(f"smartcrop: {error}")
            return None
        frames = len(job.frames.indices)
        self.status.value = f"cropping {frames} frame{'s' * (frames > 1)}…"
        self.crop_button.enabled = False
        self.worker = crop_in_thread(
            self.viewer,
            layer,
            job,
            on_done=lambda layers: self._on_done(job, layers),
            on_finished=self._on_finished,
        )
        return self.worker

    def add_boosts_layer(self) -> Any:
        """Add an empty Shapes layer for hints, in rectangle mode, chosen as *boosts*."""
        from napari.layers import Image, Shapes

        image = self.image.value
        ndim = image.ndim if isinstance(image, Image) else 2
        extra = {} if image is None else {"scale": image.scale, "translate": image.translate}
        layer = Shapes(
            ndim=ndim,
            name=_BOOSTS_LAYER,
            edge_color="#0000ff",
            face_color="#0000ff33",
            edge_width=2,
            **extra,
        )
        layer = self.viewer.add_layer(layer)
        layer.mode = "add_rectangle"
        self.boosts.value = layer
        return layer

    # -- events ----------------------------------------------------------------------

    def _image_choices(self, _widget: Any = None) -> list[tuple[str, Any]]:
        from napari.layers import Image

        return [(layer.name, layer) for layer in self.viewer.layers if isinstance(layer, Image)]

    def _hint_choices(self, _widget: Any = None) -> list[tuple[str, Any]]:
        from napari.layers import Points, Shapes

        return [
            (layer.name, layer)
            for layer in self.viewer.layers
            if isinstance(layer, (Shapes, Points)) and not _is_output(layer)
        ]

    def _on_layers_changed(self, event: Any = None) -> None:
        if event is not None and getattr(event, "type", "") == "inserted":
            event.value.events.name.connect(self._on_layers_changed)
        self.reset_choices()

    def _on_zoom_mode(self, mode: str) -> None:
        self.zoom.enabled = mode != AUTO_ZOOM

    def _on_crop_clicked(self, *_: Any) -> None:
        self.run()

    def _on_done(self, job: CropJob, layers: CropLayers | None) -> None:
        self.last_layers = layers
        self.status.value = "" if layers is None else _summary(job, layers)

    def _on_finished(self) -> None:
        self.worker = None
        self.crop_button.enabled = True


def _is_output(layer: Any) -> bool:
    """Layers this plugin made (boxes, faces) are results, not hints."""
    return layer.name.endswith((" crop boxes", " faces"))


def _summary(job: CropJob, layers: CropLayers) -> str:
    """One line per aspect: the crop's size and where the first frame's box lies."""
    lines = []
    frames = len(job.frames.indices)
    for label, crop in zip(job.options.labels, layers.crops, strict=True):
        record = crop.metadata["smartcrop"]
        left, upper, right, lower = next(iter(record["boxes"].values()))
        where = f"at ({left}, {upper})" if frames == 1 else f"x {frames} frames"
        lines.append(f"{label}: {right - left}x{lower - upper} {where}, zoom {record['zoom']:.2f}")
    if layers.faces is not None:
        lines.append(f"faces: {len(layers.faces.data)}")
    return "\n".join(lines)
