"""Running a crop job from napari: checked inputs, a thread worker, errors as notifications.

The dock widget and the menu and palette commands start jobs here. The engine runs in
napari's thread worker, frame by frame, so the viewer stays responsive and napari's
activity panel shows a progress bar; the layers are added back on the main thread when the
job returns. Whatever a user can fix (a Labels layer chosen, a hint outside the image,
missing weights) is reported with :func:`napari.utils.notifications.show_error` or
``show_warning``, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

from smartcrop_core import SmartcropError

from ._frames import frames_of_layer
from ._hints import FrameHints, hints_from_layer
from ._job import CropJob, CropOptions, FrameCrop, iter_job
from ._outputs import CropLayers, add_crop_layers

__all__ = ["crop_in_thread", "prepare_job"]


def prepare_job(image_layer: Any, options: CropOptions, hint_layers: Sequence[Any] = ()) -> CropJob:
    """A job for ``image_layer``, its frames and the hints of ``hint_layers`` checked.

    Hints that lie wholly outside the image are dropped with a warning notification.

    Raises
    ------
    SmartcropError
        Not an Image layer, an empty one, or hints that cannot be read; the message says
        what to do.
    """
    from napari.utils.notifications import show_warning

    frames = frames_of_layer(image_layer)
    hints = FrameHints()
    for hint_layer in hint_layers:
        hints = hints.merged(hints_from_layer(hint_layer, image_layer, frames.frame_shape))
    for message in hints.skipped:
        show_warning(message)
    return CropJob(frames, options, hints)


@dataclass(frozen=True)
class _Failure:
    """A job's SmartcropError, wrapped: a worker that returns an exception raises it."""

    error: SmartcropError


def _guarded(job: CropJob) -> Generator[FrameCrop, None, list[FrameCrop] | _Failure]:
    # A SmartcropError is the user's to fix: it goes back as a value, to be shown as a
    # notification; anything else is a bug and goes to napari's error reporting.
    try:
        crops = yield from iter_job(job)
    except SmartcropError as error:
        return _Failure(error)
    return crops


def crop_in_thread(
    viewer: Any,
    image_layer: Any,
    job: CropJob,
    *,
    on_done: Callable[[CropLayers | None], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    add_layers: Callable[..., CropLayers] = add_crop_layers,
) -> Any:
    """Start ``job`` in a napari thread worker; its layers are added when it returns.

    Parameters
    ----------
    viewer : napari.Viewer
        Where the layers go.
    image_layer : napari.layers.Image
        The layer the job reads (its name and transform place the outputs).
    job : CropJob
        What :func:`prepare_job` made.
    on_done : callable, optional
        Called on the main thread with the new layers, or None when the job failed.
    on_finished : callable, optional
        Called on the main thread when the worker has ended, whatever happened (connected
        before the worker starts: a job that fails at once may end before this returns).
    add_layers : callable
        Adds the outputs: ``add_layers(viewer, image_layer, job, crops)``.

    Returns
    -------
    napari.qt.threading.GeneratorWorker
        The started worker; ``worker.is_running`` turns False once it has ended.
    """
    from napari.qt.threading import create_worker

    frame_count = len(job.frames.indices)
    worker = create_worker(
        _guarded,
        job,
        _progress={"total": frame_count, "desc": f"smartcrop {image_layer.name}"},
    )
    worker.returned.connect(
        lambda outcome: _finish(
            viewer, image_layer, job, outcome, on_done=on_done, add_layers=add_layers
        ),
    )
    if on_finished is not None:
        worker.finished.connect(on_finished)
    worker.start()
    return worker


def _finish(
    viewer: Any,
    image_layer: Any,
    job: CropJob,
    outcome: list[FrameCrop] | _Failure,
    *,
    on_done: Callable[[CropLayers | None], None] | None,
    add_layers: Callable[..., CropLayers],
) -> None:
    from napari.utils.notifications import show_error, show_warning

    layers = None
    try:
        if isinstance(outcome, _Failure):
            show_error(f"smartcrop could not crop {image_layer.name!r}: {outcome.error}")
        elif image_layer not in viewer.layers:
            show_warning(f"layer {image_layer.name!r} was removed while smartcrop was cropping it")
        else:
            layers = add_layers(viewer, image_layer, job, outcome)
    finally:
        if on_done is not None:
            on_done(layers)
