"""The ``smartcrop`` command: crop image files to aspect ratios by where people will look.

Run ``smartcrop --help`` for the options. Each image is read once, turned upright by its
EXIF orientation and analysed once for all the asked aspect ratios; its crops keep the ICC
profile and EXIF of the input. Files are written atomically and never over an input.

Exit status: 0 when every image was cropped, 1 when any image (or any of its outputs)
failed, 2 for usage errors, 130 when interrupted.

Errors of one file are reported as ``smartcrop: error: PATH: message`` on stderr and the batch
goes on. Expected failures (unreadable or truncated images, missing files, permissions, full
disks, outputs that already exist) are reported by their message. Anything else is a bug:
it is reported for its file with its exception type and traceback, the batch still goes on
(one odd file should not stop a night's batch), and the exit status is 1.

``--jobs N`` crops N images at a time, each thread with a cropper of its own; errors are
reported as images finish, and the ``--json`` records keep the order of the inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from smartcrop_core import (
    SmartcropError,
    UnknownModelError,
    __version__,
    parse_aspect,
    parse_zoom,
)
from smartcrop_core.params import format_aspect
from smartcrop_core.saliency import available_models

from ._cli_batch import Batch, Settings, output_name, report_error
from ._cli_files import (
    FORMAT_CHOICES,
    IMAGE_EXTENSIONS,
    OutputGuard,
    collect_inputs,
    write_atomically,
)
from ._cli_hints import parse_boost, parse_focus
from ._engine import make_cropper, make_thread_cropper
from .manager import available_stages, get_plugin_manager

__all__ = ["build_parser", "main"]

DEFAULT_OUTPUT_FOLDER = "smartcrop-out"
DEFAULT_NAME_PATTERN = "{stem}_{aspect}.{ext}"
DEFAULT_QUALITY = 95
# Usage errors exit with 2 through argparse.
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
# --size and --aspect agree when their ratios are this close (a 300x169 size is "16:9").
_SIZE_ASPECT_TOLERANCE = 0.01
_PACKAGE_LOGGERS = ("smartcrop_core", "smartcrop_plugins")


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog="smartcrop",
        description="Crop images to aspect ratios, keeping what people will look at "
        "(predicted saliency and faces).",
        epilog="Name fields: {stem} input name without extension, {aspect} e.g. 16x9, "
        "{zoom} e.g. 1 or 0.6 (with --zoom auto: 'auto', so names are known beforehand; "
        "--json and --debug give the zoom chosen), {ext} the input's extension (or "
        "--format's). --boost and --focus values are pixels of each image as displayed, or "
        "with a trailing % percentages of its width (LEFT, RIGHT, X) or height (UPPER, "
        "LOWER, Y); a hint outside an image fails that image only. "
        "Exit status: 0 all done, 1 some image failed, 2 usage error.",
    )
    parser.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="image files, folders or glob patterns"
    )
    crop = parser.add_argument_group("crop")
    crop.add_argument(
        "-a",
        "--aspect",
        action="append",
        type=_aspect_argument,
        metavar="RATIO",
        help="aspect ratio W:H, W/H or a number (16:9, 4/5, 1.5); repeat for several "
        "(default 1:1, or the ratio of --size)",
    )
    crop.add_argument(
        "--size", type=parse_size, metavar="WxH", help="resize each crop to WxH pixels"
    )
    crop.add_argument(
        "--zoom",
        type=_zoom_argument,
        default=1.0,
        metavar="Z",
        help="in (0, 1]: 1 takes the largest box of the aspect, 0.5 half its sides; 'auto' "
        "lets each image get the tightest crop that keeps its subject (default 1)",
    )
    crop.add_argument(
        "--boost",
        action="append",
        dest="boosts",
        type=parse_boost,
        metavar="LEFT,UPPER,RIGHT,LOWER[:WEIGHT]",
        help="keep this box in the crop: pixels, or per value a percentage (0,0,50%%,100%%); "
        "WEIGHT against all the predicted attention (default 1); repeatable",
    )
    crop.add_argument(
        "--focus",
        action="append",
        dest="focuses",
        type=parse_focus,
        metavar="X,Y[:WEIGHT]",
        help="keep this point near the crop's centre: pixels or percentages (50%%,30%%); "
        "WEIGHT as for --boost; repeatable",
    )
    crop.add_argument("--no-faces", dest="faces", action="store_false", help="do not detect faces")
    crop.add_argument("--model", metavar="NAME", help="saliency model (see --list-models)")
    crop.add_argument(
        "--stage",
        action="append",
        metavar="NAME",
        help="extra plugin stage (see --list-stages); repeatable",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(DEFAULT_OUTPUT_FOLDER),
        metavar="DIR",
        help=f"folder for the crops, created if missing (default ./{DEFAULT_OUTPUT_FOLDER})",
    )
    output.add_argument(
        "--name",
        default=DEFAULT_NAME_PATTERN,
        metavar="PATTERN",
        help=f"file name of each crop (default {DEFAULT_NAME_PATTERN})",
    )
    output.add_argument(
        "--format", choices=sorted(FORMAT_CHOICES), help="write this format (default: by name)"
    )
    output.add_argument(
        "--quality",
        type=_quality_argument,
        default=DEFAULT_QUALITY,
        metavar="Q",
        help=f"JPEG/WebP quality 1-100 (default {DEFAULT_QUALITY})",
    )
    output.add_argument("--overwrite", action="store_true", help="replace existing output files")
    output.add_argument(
        "--in-place",
        action="store_true",
        help="allow a crop to replace its own input file (the original is lost)",
    )
    output.add_argument(
        "--dry-run",
        "--no-write",
        dest="dry_run",
        action="store_true",
        help="write no crops; compute the boxes (for --json and --debug)",
    )
    output.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the results as JSON to FILE, or to stdout when FILE is - or left out "
        "(put --json after the inputs, or write --json=FILE)",
    )
    output.add_argument(
        "--debug",
        action="store_true",
        help="also write {stem}_debug.png: heatmap, faces and boxes over the image",
    )
    other = parser.add_argument_group("other")
    other.add_argument(
        "-r", "--recursive", action="store_true", help="look for images in subfolders too"
    )
    other.add_argument(
        "-j",
        "--jobs",
        type=_jobs_argument,
        default=1,
        metavar="N",
        help="crop N images at a time, in threads (default 1; 0: one per CPU)",
    )
    other.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, summary or warnings"
    )
    other.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log messages (-vv: debug)"
    )
    other.add_argument(
        "--list-models", action="store_true", help="print the saliency models and exit"
    )
    other.add_argument(
        "--list-stages",
        action="store_true",
        help="print the analysis stages installed plugins add, and exit",
    )
    other.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``--size``: ``"WxH"`` in whole pixels.

    Examples
    --------
    >>> parse_size("300x200")
    (300, 200)
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"size {text!r} is not WIDTHxHEIGHT in pixels, such as 300x200"
        )
    width, height = int(match[1]), int(match[2])
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"size {text!r} must be at least 1x1 pixels")
    return width, height


def _aspect_argument(text: str) -> float:
    try:
        return parse_aspect(text)
    except SmartcropError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _zoom_argument(text: str) -> float | str:
    try:
        return parse_zoom(text)
    except SmartcropError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _quality_argument(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"quality {text!r} must be a whole number from 1 to 100")
    return value


def _jobs_argument(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"jobs {text!r} must be a whole number of threads: 1 or more, or 0 for one per CPU"
        )
    return value


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    # dict.fromkeys drops repeated aspects and keeps the order they were given in.
    aspects = tuple(dict.fromkeys(args.aspect or ()))
    if args.size is not None:
        width, height = args.size
        if len(aspects) > 1:
            parser.error("--size takes a single --aspect (each crop is resized to that size)")
        if aspects and not math.isclose(aspects[0], width / height, rel_tol=_SIZE_ASPECT_TOLERANCE):
            parser.error(
                f"--aspect {format_aspect(aspects[0])} does not match --size {width}x{height} "
                f"({width / height:.3f}); give one of them, or both in agreement"
            )
        aspects = aspects or (width / height,)
    aspects = aspects or (1.0,)
    _check_name_pattern(parser, args.name, aspects, args.zoom)
    if args.output.exists() and not args.output.is_dir():
        parser.error(f"--output {args.output} is a file, not a folder")
    if args.json not in (None, "-") and Path(args.json).suffix.lower() in IMAGE_EXTENSIONS:
        parser.error(
            f"--json took {args.json!r} as its FILE, which looks like an image; "
            "put --json after the inputs or write --json=FILE"
        )
    return Settings(
        aspects=aspects,
        zoom=args.zoom,
        hints=(*(args.boosts or ()), *(args.focuses or ())),
        size=args.size,
        folder=args.output,
        name_pattern=args.name,
        format_override=args.format,
        quality=args.quality,
        dry_run=args.dry_run,
        debug=args.debug,
    )


def _check_name_pattern(
    parser: argparse.ArgumentParser, pattern: str, aspects: Sequence[float], zoom: float | str
) -> None:
    try:
        names = {output_name(pattern, "stem", aspect, zoom, "jpg") for aspect in aspects}
    except (KeyError, IndexError, ValueError) as exc:
        parser.error(
            f"--name {pattern!r} is not a valid pattern ({type(exc).__name__}: {exc}); "
            "use the fields {stem} {aspect} {zoom} {ext}"
        )
    if any(os.sep in name or "/" in name or name in ("", ".", "..") for name in names):
        parser.error(f"--name {pattern!r} must give a file name, without folders")
    if len(names) < len(aspects):
        parser.error(f"--name {pattern!r} gives every aspect the same file name; add {{aspect}}")


def main(argv: list[str] | None = None) -> int:
    """Run the ``smartcrop`` command with ``argv`` (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 all done, 1 some image failed, 2 usage error, 130 interrupted.
        Usage errors found by argparse raise ``SystemExit(2)`` instead, as argparse does.
    """
    # OpenCV's native logger prints harmless backend notices straight to stderr when the face
    # detector loads; only its errors are worth a user's attention.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    parser = build_parser()
    args = parser.parse_args(argv)
    with _logging_to_stderr(args.verbose, args.quiet):
        try:
            return _run(parser, args)
        except KeyboardInterrupt:
            print("smartcrop: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.list_models:
        get_plugin_manager()  # plugins register their models on loading
        print("\n".join(available_models()))
        return EXIT_OK
    if args.list_stages:
        stages = available_stages()
        if not stages:
            print("no stages: install a plugin that adds one", file=sys.stderr)
        print("\n".join(stages))
        return EXIT_OK
    settings = _settings(parser, args)
    scan = collect_inputs(args.inputs, recursive=args.recursive, skip_folder=settings.folder)
    if not scan.files:
        if not args.inputs:
            parser.error("no inputs: give image files, folders or glob patterns")
        found = "\n".join(f"  {argument}: {problem}" for argument, problem in scan.problems)
        parser.error(f"no input image found:\n{found}")
    if args.json not in (None, "-") and os.path.realpath(args.json) in {
        os.path.realpath(path) for path in scan.files
    }:
        parser.error(f"--json {args.json} is one of the inputs")
    try:
        cropper = make_cropper(model=args.model, faces=args.faces, stages=args.stage)
    except UnknownModelError as exc:
        parser.error(str(exc))
    except SmartcropError as exc:
        print(f"smartcrop: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not settings.dry_run or settings.debug:
        try:
            settings.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or exc
            print(f"smartcrop: error: cannot create {settings.folder}: {reason}", file=sys.stderr)
            return EXIT_FAILED
    for argument, problem in scan.problems:
        report_error(argument, problem)
    guard = OutputGuard(scan.files, overwrite=args.overwrite, in_place=args.in_place)
    new_cropper = functools.partial(
        make_thread_cropper, model=args.model, faces=args.faces, stages=args.stage
    )
    batch = Batch(cropper, settings, guard, new_cropper=new_cropper)
    # More threads than images would only take CPUs from the libraries' own threads.
    jobs = min(args.jobs or _cpu_count(), len(scan.files))
    with _cpus_shared_by(jobs):
        summary = batch.run(
            scan.files, show_progress=not args.quiet and _is_terminal(sys.stderr), jobs=jobs
        )
    failed = summary.failed + len(scan.problems)
    records = [{"input": argument, "error": problem} for argument, problem in scan.problems]
    records += summary.records
    json_written = args.json is None or _write_json(records, args.json)
    if not args.quiet:
        line = (
            f"smartcrop: {_count(len(scan.files), 'image')}, "
            f"{_count(summary.crops_written, 'crop')} written, {failed} failed"
        )
        print(line + (" (dry run)" if settings.dry_run else ""), file=sys.stderr)
    return EXIT_FAILED if failed or not json_written else EXIT_OK


def _write_json(records: list[dict[str, Any]], destination: str) -> bool:
    text = json.dumps(records, indent=2) + "\n"
    try:
        if destination == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            data = text.encode("utf-8")
            write_atomically(Path(destination), lambda stream: stream.write(data), replace=True)
    except BrokenPipeError:
        # The reader (``| head``) left; point stdout at devnull so that Python's exit-time
        # flush does not fail a second time with a traceback.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    except OSError as exc:
        reason = exc.strerror or exc
        print(f"smartcrop: error: cannot write --json {destination}: {reason}", file=sys.stderr)
        return False
    return True


def _cpu_count() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def _cpus_shared_by(jobs: int) -> Iterator[None]:
    """Give torch's and OpenCV's own thread pools a share of the CPUs for each of ``jobs``.

    Each thread of the batch runs the saliency network (torch) and the face detector
    (OpenCV), whose parallel loops would otherwise each take every CPU. Only libraries the
    croppers loaded are set (importing torch here would slow the start for nothing); their
    settings are put back afterwards.
    """
    if jobs <= 1:
        yield
        return
    threads = max(1, _cpu_count() // jobs)
    restore: list[Callable[[], object]] = []
    torch = sys.modules.get("torch")
    if torch is not None:
        restore.append(functools.partial(torch.set_num_threads, torch.get_num_threads()))
        torch.set_num_threads(threads)
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        restore.append(functools.partial(cv2.setNumThreads, cv2.getNumThreads()))
        cv2.setNumThreads(threads)
    try:
        yield
    finally:
        for put_back in restore:
            put_back()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _ProgressSafeHandler(logging.Handler):
    """Logs to stderr through ``tqdm.write`` so a message never tears the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"smartcrop: {record.levelname.lower()}: {self.format(record)}"
            tqdm.write(text, file=sys.stderr)
        except Exception:  # the logging convention: report the failure, never raise
            self.handleError(record)


@contextlib.contextmanager
def _logging_to_stderr(verbosity: int, quiet: bool) -> Iterator[None]:
    """Show the engine's log messages on stderr while the command runs, then restore."""
    if verbosity >= 2:
        level = logging.DEBUG
    elif verbosity == 1:
        level = logging.INFO
    else:
        level = logging.ERROR if quiet else logging.WARNING
    handler = _ProgressSafeHandler(level)
    saved = []
    for name in _PACKAGE_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(level)
        # The handler already shows the message; the root logger would print it twice.
        logger.propagate = False
    try:
        yield
    finally:
        for logger, old_level, old_propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_propagate
