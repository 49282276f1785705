"""One run of the ``smartcrop`` command over its images: analyse, cut, write, describe.

Each image is read once, turned upright by its EXIF orientation and analysed once for all
the asked aspect ratios. The failure of one image (or of one of its outputs) is reported on
stderr and recorded in its JSON record; the batch goes on.

With ``--jobs``, images are processed by several threads, each with a cropper of its own:
decoding, the saliency network and the face detector release the GIL. Failures are
reported as they happen; the JSON records stay in the order of the inputs.
"""

from __future__ import annotations

import itertools
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from smartcrop_core import AUTO_ZOOM, Boost, CropResult, Face, Focus, SmartcropError, SmartCropper
from smartcrop_core.imaging import open_image
from smartcrop_core.params import format_aspect

from ._cli_files import (
    ImageMetadata,
    OutputError,
    OutputGuard,
    extension_for_format,
    pillow_format,
    save_image,
)
from ._cli_hints import HintSpec, hints_json, resolve_hints
from .debug_overlay import render_debug_overlay

__all__ = ["Batch", "BatchSummary", "Settings", "error_message", "output_name", "report_error"]

#: Files handed to the threads ahead of those finished, per thread: enough to keep every
#: thread busy, few enough that an interruption drops them at once.
_FILES_AHEAD_PER_JOB = 4


@dataclass(frozen=True)
class Settings:
    """What to do with every image, checked once from the command line.

    ``format_override`` is a ``--format`` value; ``size`` the ``--size`` to resize crops to;
    ``zoom`` a number or ``"auto"``; ``hints`` the ``--boost`` and ``--focus`` options, put
    in pixels of each image in turn.
    """

    aspects: tuple[float, ...]
    zoom: float | str
    size: tuple[int, int] | None
    folder: Path
    name_pattern: str
    format_override: str | None
    quality: int
    dry_run: bool
    debug: bool
    hints: tuple[HintSpec, ...] = ()


@dataclass
class FileOutcome:
    """What became of one input: its JSON record, its error messages, the crops written."""

    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    crops_written: int = 0


@dataclass
class BatchSummary:
    """The JSON records of a batch, how many inputs failed and how many crops were written."""

    records: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0
    crops_written: int = 0


def output_name(pattern: str, stem: str, aspect: float, zoom: float | str, extension: str) -> str:
    """The ``--name`` pattern filled in; ``zoom`` is a number or ``"auto"``.

    With ``--zoom auto`` the name says ``auto``, not the zoom each image got: the names
    are known before the run, and the chosen zoom is in ``--json``.

    Examples
    --------
    >>> output_name("{stem}_{aspect}.{ext}", "beach", 16 / 9, 1.0, "jpg")
    'beach_16x9.jpg'
    >>> output_name("{stem}-{zoom}.{ext}", "beach", 1.0, 0.6, "png")
    'beach-0.6.png'
    >>> output_name("{stem}-{zoom}.{ext}", "beach", 1.0, "auto", "png")
    'beach-auto.png'
    """
    label = zoom if isinstance(zoom, str) else f"{zoom:g}"
    return pattern.format(stem=stem, aspect=format_aspect(aspect), zoom=label, ext=extension)


def error_message(exc: BaseException, path: Path | None = None) -> str:
    """A one-line message for ``exc``, without ``path`` where the message starts with it."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    text = str(exc) or type(exc).__name__
    # The engine's messages often start with the path, which the report line already shows.
    if path is not None and text.startswith(f"{path} "):
        text = text[len(str(path)) + 1 :]
    return text


def report_error(path: object, message: str) -> None:
    """Print ``smartcrop: error: PATH: message`` on stderr without tearing the progress bar."""
    tqdm.write(f"smartcrop: error: {path}: {message}", file=sys.stderr)


class Batch:
    """Crops images with configured engines and writes them as ``settings`` say.

    Parameters
    ----------
    cropper : SmartCropper
        Built once per run: its models are loaded once for every image.
    settings : Settings
        Aspects, zoom, names, format and what to write.
    guard : OutputGuard
        Decides which targets may be written.
    new_cropper : callable, optional
        Builds a cropper configured as ``cropper``, with models of its own, for each thread
        of :meth:`run` but the first, which takes ``cropper`` itself; needed for ``jobs``
        above 1.
    """

    def __init__(
        self,
        cropper: SmartCropper,
        settings: Settings,
        guard: OutputGuard,
        *,
        new_cropper: Callable[[], SmartCropper] | None = None,
    ) -> None:
        self.cropper = cropper
        self.settings = settings
        self.guard = guard
        self._new_cropper = new_cropper
        self._unclaimed = [cropper]
        self._unclaimed_lock = threading.Lock()
        self._thread = threading.local()

    def run(self, files: Sequence[Path], *, show_progress: bool, jobs: int = 1) -> BatchSummary:
        """Process every file, in ``jobs`` threads, reporting failures as they come.

        With one job the files are processed in turn in the calling thread. The records of
        the summary are in the order of ``files`` whatever the number of jobs.

        Raises
        ------
        ValueError
            ``jobs`` is below 1, or above 1 without ``new_cropper``.
        """
        if jobs < 1 or (jobs > 1 and self._new_cropper is None):
            raise ValueError(f"jobs must be 1, or more with new_cropper given; got {jobs}")
        summary = BatchSummary()
        records: list[dict[str, Any]] = [{} for _ in files]
        outcomes = self._in_turn(files) if jobs == 1 else self._in_threads(files, jobs)
        with (
            closing(outcomes),
            tqdm(
                total=len(files), unit="image", file=sys.stderr, disable=not show_progress
            ) as progress,
        ):
            for index, outcome in outcomes:
                for message in outcome.errors:
                    report_error(files[index], message)
                records[index] = outcome.record
                summary.failed += bool(outcome.errors)
                summary.crops_written += outcome.crops_written
                progress.update()
        summary.records = records
        return summary

    def _in_turn(self, files: Sequence[Path]) -> Iterator[tuple[int, FileOutcome]]:
        for index, source in enumerate(files):
            yield index, self._process_reporting_errors(source)

    def _in_threads(self, files: Sequence[Path], jobs: int) -> Iterator[tuple[int, FileOutcome]]:
        """``(index, outcome)`` of every file as its thread finishes it.

        Only a few files per thread are handed out ahead, so a batch of millions holds few
        futures, and an interruption cancels them at once: only the images being processed
        are finished.
        """
        waiting = enumerate(files)
        running: dict[Future[FileOutcome], int] = {}
        with ThreadPoolExecutor(jobs, thread_name_prefix="smartcrop") as executor:
            try:
                while True:
                    for index, source in itertools.islice(
                        waiting, _FILES_AHEAD_PER_JOB * jobs - len(running)
                    ):
                        future = executor.submit(self._process_reporting_errors, source)
                        running[future] = index
                    if not running:
                        return
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    # In input order among those done together, for steady reports.
                    for future in sorted(done, key=running.__getitem__):
                        yield running.pop(future), future.result()
            finally:
                for future in running:
                    future.cancel()

    def _cropper(self) -> SmartCropper:
        """The cropper of the calling thread: the first one asked gets ``self.cropper``."""
        cropper = getattr(self._thread, "cropper", None)
        if cropper is None:
            with self._unclaimed_lock:
                cropper = self._unclaimed.pop() if self._unclaimed else None
            if cropper is None:
                assert self._new_cropper is not None  # run() checks it for several jobs
                cropper = self._new_cropper()
            self._thread.cropper = cropper
        return cropper

    def _process_reporting_errors(self, source: Path) -> FileOutcome:
        try:
            return self.process(source)
        except (SmartcropError, OSError) as exc:
            message = error_message(exc, source)
        except Exception as exc:
            # A bug, not a bad file: show it in full, but let the other images through.
            tqdm.write("".join(traceback.format_exception(exc)).rstrip(), file=sys.stderr)
            message = f"unexpected {type(exc).__name__}: {exc} (a bug? please report it)"
        return FileOutcome({"input": str(source), "error": message}, [message])

    def process(self, source: Path) -> FileOutcome:
        """Analyse ``source`` once, write one crop per aspect (and the overlay), describe it.

        Raises
        ------
        SmartcropError, OSError
            The image cannot be read or analysed; failures to write one output are
            recorded in the outcome instead, and the other outputs still written.
        """
        settings = self.settings
        cropper = self._cropper()
        if settings.dry_run and not settings.debug:
            # Only boxes are wanted: the analysis reads the file itself, at reduced scale.
            upright = None
            analysis = cropper.analyze(source)
            size = analysis.image.original_size
            hints = resolve_hints(settings.hints, size)
        else:
            upright = open_image(source)
            size = upright.size
            # Checked before the analysis: a hint outside this image fails it at once.
            hints = resolve_hints(settings.hints, size)
            analysis = cropper.analyze(upright)
        results = cropper.crop_many(
            analysis, settings.aspects, zooms=[settings.zoom], boosts=hints, details=False
        )
        outcome = FileOutcome(
            record={
                "input": str(source),
                "width": size[0],
                "height": size[1],
                "crops": [],
                "faces": _faces_json(results[0].faces if results else ()),
                "boosts": hints_json(settings.hints, hints),
            }
        )
        metadata = ImageMetadata.of(upright) if upright is not None else None
        extension = _output_extension(source, settings.format_override)
        for result in results:
            name_zoom = AUTO_ZOOM if settings.zoom == AUTO_ZOOM else result.zoom
            name = output_name(
                settings.name_pattern, source.stem, result.aspect, name_zoom, extension
            )
            target = settings.folder / name
            crop_record = _crop_json(result, target, settings.zoom)
            outcome.record["crops"].append(crop_record)
            if settings.dry_run or upright is None or metadata is None:
                continue
            cropped = _cut(upright, result, settings.size)
            if self._write(cropped, target, source, metadata, outcome):
                crop_record["written"] = True
                outcome.crops_written += 1
        if settings.debug and upright is not None and metadata is not None:
            self._write_overlay(
                upright,
                results,
                hints=hints,
                saliency=analysis.saliency,
                source=source,
                metadata=metadata,
                outcome=outcome,
            )
        if outcome.errors:
            outcome.record["error"] = "; ".join(outcome.errors)
        return outcome

    def _write_overlay(
        self,
        upright: Image.Image,
        results: Sequence[CropResult],
        *,
        hints: Sequence[Boost | Focus],
        saliency: np.ndarray | None,
        source: Path,
        metadata: ImageMetadata,
        outcome: FileOutcome,
    ) -> None:
        """Write ``{stem}_debug.png``: the model's own map (not the boosted one), the hints."""
        target = self.settings.folder / f"{source.stem}_debug.png"
        overlay = render_debug_overlay(upright, results, boosts=hints, saliency=saliency)
        # The overlay is RGB whatever the input, so only an RGB profile survives.
        overlay_metadata = ImageMetadata(icc_profile=metadata.icc_profile, exif=None)
        if self._write(overlay, target, source, overlay_metadata, outcome, format_name="PNG"):
            outcome.record["debug"] = str(target)

    def _write(
        self,
        image: Image.Image,
        target: Path,
        source: Path,
        metadata: ImageMetadata,
        outcome: FileOutcome,
        *,
        format_name: str | None = None,
    ) -> bool:
        """Save one output; a failure is noted in ``outcome`` so the other outputs go on."""
        try:
            replace = self.guard.claim(target, source)
        except OutputError as exc:
            outcome.errors.append(error_message(exc))
            return False
        try:
            save_image(
                image,
                target,
                format_name=format_name or pillow_format(target, self.settings.format_override),
                metadata=metadata,
                quality=self.settings.quality,
                replace=replace,
            )
        except (OutputError, OSError) as exc:
            self.guard.release(target)  # not written: it may still be written for another
            outcome.errors.append(error_message(exc))
            return False
        except BaseException:
            self.guard.release(target)
            raise
        return True


def _cut(upright: Image.Image, result: CropResult, size: tuple[int, int] | None) -> Image.Image:
    if size is None:
        return upright.crop(result.box.to_pillow())
    if upright.mode in ("1", "P"):
        # Pillow resizes these modes by nearest neighbour only: go through full colour.
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    return upright.resize(size, Image.Resampling.LANCZOS, box=result.box.to_pillow())


def _output_extension(source: Path, format_override: str | None) -> str:
    if format_override is not None:
        return extension_for_format(format_override)
    # An input without an extension gets a lossless output rather than a nameless format.
    return source.suffix.lower().lstrip(".") or "png"


def _crop_json(result: CropResult, target: Path, requested_zoom: float | str) -> dict[str, Any]:
    # "zoom" is the zoom of the box (the one chosen under --zoom auto), "requested_zoom"
    # what the command line asked for.
    return {
        "aspect": format_aspect(result.aspect),
        "aspect_ratio": result.aspect,
        "zoom": result.zoom,
        "requested_zoom": requested_zoom,
        "box": list(result.box.to_pillow()),
        "score": result.score,
        "output": str(target),
        "written": False,
    }


def _faces_json(faces: Sequence[Face]) -> list[list[float]]:
    return [[*(round(value, 2) for value in face.box), round(face.score, 4)] for face in faces]
