#!/usr/bin/env python3
"""Speed of the default pipeline (saliency + faces + ranking) against its peers, one run.

Four parts, on the same images and in the same run, so that the ratios hold on a busy
machine (``--part`` picks some; default all):

1. A decoded (<= 512 px) eye-tracking image to a 1:1 box. Ours is
   ``smartcrop_box(pil_image, 1.0)`` (a fresh analysis: every image is distinct and called
   once). Peers: smartcrop.py (asked for a 256 px thumbnail, as the shared crop benchmark
   does), libvips ``smartcrop`` (attention, entropy; ``smartcrop`` + ``write_to_memory`` only,
   without the shared benchmark's box search) and FastGaze (the shared peer). Measured with
   one thread and with all threads, each in a subprocess of this script with its own
   environment (``OMP_NUM_THREADS``, ``VIPS_CONCURRENCY``...). Then, one thread, ours stage
   by stage on the same images: the analysis copy, saliency, faces, and the ranking of an
   analysis made beforehand; and the face stage alone against the peers of the targets.
2. A 12 MP JPEG file to a box, one thread: ours from the path against libvips
   ``thumbnail(path, 512, height=512, crop="attention")`` (shrink-on-load) and smartcrop.py
   (Pillow open + its crop). The files are made once from the shared images (``--workdir``).
3. What each additional aspect costs: ``SmartCropper().crop_many`` with 1 and with 5
   aspects on the same image, each with a fresh analysis, one thread.
4. Images per second of the ``smartcrop`` command on a folder, start-up included, against a
   Python loop of libvips attention thumbnails, each in a subprocess, all threads; ours
   with one job and with ``-j 0`` (a thread per CPU).

Each timed loop starts with a warm-up on an image outside the timed set, interleaves the
methods image by image (rotating their order) so that a busy machine slows them alike, and
reports medians. libvips' operation cache is off, so no call is served from a cache.

Example::

    SMARTCROP_WEIGHTS_DIR=../shared/weights python benchmarks/speed.py \\
        --data ../shared/data/fixations/osie --data ../shared/data/fixations/mit1003 \\
        --images 40 --json speed.json
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
ASPECTS = ("1:1", "4:5", "9:16", "16:9", "2:1")
LARGE_PIXELS = 12_000_000
LARGE_QUALITY = 90
THUMBNAIL = 512
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# (part, peer, bound): ours / peer must be at most the bound.
TARGETS = (
    ("1", "vips-attention", 1.5),
    ("1", "smartcrop.py", 1.0),
    ("2", "vips-thumbnail", 1.0),
)
EXTRA_ASPECT_TARGET = 0.10
VIPS_LOOP = """
import sys
from pathlib import Path
import pyvips
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
dst.mkdir(parents=True, exist_ok=True)
for path in sorted(src.glob("*.jpg")):
    thumb = pyvips.Image.thumbnail(str(path), 512, height=512, crop="attention")
    thumb.write_to_file(str(dst / path.name), Q=95)
"""


@dataclass
class Method:
    """``call(prepare(image))`` is timed for the call only; ``prepare`` is not timed."""

    call: Callable[[Any], Any]
    prepare: Callable[[Any], Any] = lambda image: image


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.worker_out:
        _worker(args)
        return
    parts = sorted(set(args.part or ["1", "2", "3", "4"]))
    data = [Path(folder) for folder in args.data] or _default_sets(args.shared_eval)
    per_set = {folder: _images(folder) for folder in data}
    report: dict[str, Any] = {"parts": parts, **_header(per_set, args.images)}
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / "smartcrop-speed").resolve()
    sources = _round_robin(list(per_set.values()))
    if "2" in parts:
        print(f"making or reusing {args.large + 1} large JPEGs in {workdir / 'large'} ...")
        _large_files(sources, workdir / "large", args.large + 1)
    worker_argv = [*argv, "--workdir", str(workdir)]
    if {"1", "2", "3"} & set(parts):
        report["one_thread"] = _run_worker(worker_argv, 1)
    if "1" in parts:
        report["all_threads"] = _run_worker(worker_argv, 0)
    measured = report.get("one_thread") or report.get("all_threads")
    if measured:
        which = f"model {args.model!r}" if args.model else "the default pipeline"
        print(f"ours: {which}, here {measured['pipeline']}")
    if "1" in parts:
        report["part1"] = _print_part1(report.get("one_thread"), report.get("all_threads"))
    if "2" in parts:
        report["part2"] = _print_part2(report.get("one_thread"))
    if "3" in parts:
        report["part3"] = _print_part3(report.get("one_thread"))
    if "4" in parts:
        report["part4"] = _part4(sources, args.batch, args.cli_runs, args.model)
    report["load_average_end"] = _load()
    print(f"load average at the end: {report['load_average_end']} (1, 5, 15 min)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
        print(f"figures saved to {args.json}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", action="append", default=[], help="dataset folder(s) (default: every set)"
    )
    parser.add_argument(
        "--images", type=_positive, default=40, help="images per dataset (parts 1, 3)"
    )
    parser.add_argument("--large", type=_positive, default=12, help="12 MP files (part 2)")
    parser.add_argument("--batch", type=_positive, default=200, help="files for the CLI (part 4)")
    parser.add_argument(
        "--cli-runs", type=_positive, default=1, help="runs of each command (part 4)"
    )
    parser.add_argument(
        "--part", action="append", choices=["1", "2", "3", "4"], help="parts to run (default all)"
    )
    parser.add_argument("--workdir", help="cache folder for the 12 MP files (default: temp)")
    parser.add_argument(
        "--shared-eval", default=str(ROOT.parent / "shared" / "eval"), help="shared eval folder"
    )
    parser.add_argument("--json", help="save every figure to this file")
    parser.add_argument(
        "--model", help="saliency model of our pipeline (default: the default, 'student')"
    )
    # Internal: the measuring subprocess (threads 1 or 0 = library defaults).
    parser.add_argument("--worker-threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# ---------------------------------------------------------------------------- the header


def _header(per_set: dict[Path, list[Path]], images: int) -> dict[str, Any]:
    machine = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": _load(),
    }
    versions = _versions()
    counts = {folder.name: len(files) for folder, files in per_set.items()}
    used = sum(min(images, count) for count in counts.values())
    print(
        f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}"
    )
    print(f"load average: {machine['load_average_start']} (1, 5, 15 min; others share the CPUs)")
    print("versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()))
    listed = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"shared images: {listed} ({sum(counts.values())} in all); parts 1 and 3 use {used}")
    return {"machine": machine, "versions": versions, "shared_images": counts}


def _load() -> list[float] | None:
    try:
        return [round(load, 2) for load in os.getloadavg()]
    except OSError:  # not on every platform
        return None


def _versions() -> dict[str, str]:
    versions = {}
    for name, dist in (
        ("smartcrop-attention", "smartcrop-attention"),
        ("torch", "torch"),
        ("pillow", "pillow"),
        ("smartcrop.py", "smartcrop"),
        ("pyvips", "pyvips"),
    ):
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import cv2

        versions["opencv"] = cv2.__version__
    except ImportError:
        versions["opencv"] = "not installed"
    try:
        import pyvips

        versions["libvips"] = ".".join(str(pyvips.version(i)) for i in range(3))
    except Exception as exc:  # pyvips without a usable libvips raises on import
        versions["libvips"] = f"unavailable ({exc})"
    return versions


# ---------------------------------------------------------------------------- images


def _default_sets(shared_eval: str) -> list[Path]:
    root = Path(shared_eval).parent / "data" / "fixations"
    return sorted(folder for folder in root.iterdir() if (folder / "images").is_dir())


def _images(folder: Path) -> list[Path]:
    return sorted(Path(folder, "images").glob("*.jpg"))


def _round_robin(lists: list[list[Path]]) -> list[Path]:
    """One file of each set in turn, so that a few files still span every set."""
    longest = max((len(files) for files in lists), default=0)
    return [files[i] for i in range(longest) for files in lists if i < len(files)]


def _decoded(paths: list[Path]) -> list[Image.Image]:
    """The images decoded to RGB, duplicates (same pixels) dropped: each is analysed fresh."""
    images, seen = [], set()
    for path in paths:
        image = Image.open(path).convert("RGB")
        key = hashlib.blake2b(image.tobytes(), digest_size=16).digest()
        if key not in seen:
            seen.add(key)
            images.append(image)
    return images


def _large_size(width: int, height: int) -> tuple[int, int]:
    aspect = width / height
    large_width = round((LARGE_PIXELS * aspect) ** 0.5)
    return large_width, round(large_width / aspect)


def _large_files(sources: list[Path], folder: Path, count: int) -> list[Path]:
    """``count`` 12 MP JPEGs upscaled from ``sources``, made once and reused."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for source in sources[:count]:
        target = folder / f"{source.parent.parent.name}_{source.stem}.jpg"
        if not target.exists():
            with Image.open(source) as image:
                rgb = image.convert("RGB")
            large = rgb.resize(_large_size(*rgb.size), Image.Resampling.LANCZOS)
            partial = target.with_suffix(".part")
            large.save(partial, "JPEG", quality=LARGE_QUALITY)
            partial.replace(target)  # a run cut short leaves no truncated file to reuse
        files.append(target)
    return files


# ---------------------------------------------------------------------------- subprocesses


def _env(threads: int) -> dict[str, str]:
    """This environment with one thread everywhere (1) or the libraries' defaults (0)."""
    env = dict(os.environ)
    env.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # OpenCV's notes would break up the tables
    for name in (*SINGLE_THREAD_ENV, "VIPS_CONCURRENCY"):
        env.pop(name, None)
        if threads == 1:
            env[name] = "1"
    return env


def _run_worker(argv: list[str], threads: int) -> dict[str, Any] | None:
    label = "1 thread" if threads == 1 else "all threads"
    print(f"measuring ({label}) in a subprocess ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            *argv,
            "--worker-threads",
            str(threads),
            "--worker-out",
            str(out),
        ]
        done = subprocess.run(command, env=_env(threads), check=False)
        if done.returncode != 0 or not out.exists():
            print(f"the {label} measurement failed (exit status {done.returncode}): skipped")
            return None
        return json.loads(out.read_text())


# ---------------------------------------------------------------------------- worker side


def _worker(args: argparse.Namespace) -> None:
    """Measure parts 1-3 in this process and write the raw times to ``--worker-out``."""
    threads = _set_threads(args.worker_threads)
    parts = set(args.part or ["1", "2", "3", "4"])
    if args.worker_threads != 1:
        parts &= {"1"}  # parts 2 and 3 are single-thread measurements
    data = [Path(folder) for folder in args.data] or _default_sets(args.shared_eval)
    paths = [path for folder in data for path in _images(folder)[: args.images]]
    spare = next(
        (p for folder in data for p in _images(folder)[args.images :]), None
    )  # warm-up image outside the timed set
    out: dict[str, Any] = {"threads": threads, "pipeline": _pipeline(args.model)}
    if "1" in parts or "3" in parts:
        images = _decoded(paths)
        warm = ImageOps.mirror(images[0]) if spare is None else _decoded([spare])[0]
    if "1" in parts:
        methods, skipped = _decoded_methods(Path(args.shared_eval), args.model)
        out["part1"] = {**_interleave(methods, images, warm), "skipped": skipped}
        if args.worker_threads == 1:  # after the timing above, so as not to disturb it
            out["part1"]["stages"] = _interleave(_stage_methods(args.model), images, warm)
    if "2" in parts:
        sources = _round_robin([_images(folder) for folder in data])
        files = _large_files(sources, Path(args.workdir) / "large", args.large + 1)
        methods, skipped = _file_methods(args.model)
        out["part2"] = {
            **_interleave(methods, [str(f) for f in files[1:]], str(files[0]), files=True),
            "skipped": skipped,
            "size": _image_size(files[0]),
        }
    if "3" in parts:
        out["part3"] = _aspect_pairs(images, warm, args.model)
    Path(args.worker_out).write_text(json.dumps(out))


def _pipeline(model: str | None) -> str:
    """What our pipeline runs here (a model whose weights are missing falls back)."""
    from smartcrop_core import SmartCropper

    cropper = SmartCropper(model=model)
    saliency, faces = type(cropper.saliency_model).__name__, type(cropper.face_detector).__name__
    return f"{saliency} saliency, {faces} faces"


def _set_threads(threads: int) -> dict[str, int | None]:
    import cv2
    import torch

    if threads == 1:
        torch.set_num_threads(1)
        cv2.setNumThreads(1)
    vips = None
    try:
        import pyvips

        pyvips.cache_set_max(0)  # every call computes: no operation is served from a cache
        if threads == 1:
            pyvips.concurrency_set(1)
        vips = pyvips.concurrency_get()
    except Exception:
        pass  # reported where the libvips peers are skipped
    return {"torch": torch.get_num_threads(), "opencv": cv2.getNumThreads(), "libvips": vips}


def _smartcrop_py() -> Callable[[Image.Image], Any]:
    """smartcrop.py as the shared crop benchmark asks it: a 256 px thumbnail of the aspect."""
    import smartcrop

    cropper = smartcrop.SmartCrop()

    def crop(image: Image.Image) -> Any:
        return cropper.crop(image, 256, 256, max_scale=1.0, min_scale=1.0)["top_crop"]

    return crop


def _decoded_methods(
    shared_eval: Path, model: str | None
) -> tuple[dict[str, Method], dict[str, str]]:
    """Part 1: ours and every peer that loads, each taking a decoded PIL image."""
    from smartcrop_core import target_size
    from smartcrop_plugins.imageops import smartcrop_box

    methods = {"ours": Method(lambda image: smartcrop_box(image, 1.0, model=model))}
    skipped: dict[str, str] = {}
    try:
        methods["smartcrop.py"] = Method(_smartcrop_py())
    except ImportError as exc:
        skipped["smartcrop.py"] = f"cannot import smartcrop ({exc})"
    try:
        import numpy as np
        import pyvips

        def to_vips(image: Image.Image) -> tuple[Any, int, int]:
            rgb = np.ascontiguousarray(np.asarray(image))
            vips = pyvips.Image.new_from_memory(
                rgb.tobytes(), image.width, image.height, 3, "uchar"
            )
            return (vips, *target_size(image.width, image.height, 1.0))

        for interesting in ("attention", "entropy"):
            methods[f"vips-{interesting}"] = Method(
                lambda job, how=interesting: (
                    job[0].smartcrop(job[1], job[2], interesting=how).write_to_memory()
                ),
                to_vips,
            )
    except Exception as exc:  # ImportError, or OSError when libvips is missing
        skipped["vips-attention"] = skipped["vips-entropy"] = f"cannot load pyvips ({exc})"
    try:
        sys.path.insert(0, str(shared_eval))
        from peers import baselines

        fastgaze = baselines.make_fastgaze()
        methods["fastgaze"] = Method(lambda image: fastgaze(image, 1.0, zoom=1.0))
    except Exception as exc:  # not found, weights missing, ...
        skipped["fastgaze"] = f"cannot load the shared FastGaze peer from {shared_eval} ({exc})"
    return methods, skipped


def _stage_methods(model: str | None) -> dict[str, Method]:
    """Part 1, ours stage by stage, with the very cropper that ``smartcrop_box`` uses.

    Each stage's input is made outside the timer: the analysis copy for saliency and faces,
    the whole analysis for the ranking (a crop of an analysis skips the analysis).
    """
    from smartcrop_core import imaging
    from smartcrop_plugins._engine import make_cropper

    cropper = make_cropper(model=model)
    size = cropper.analysis_size

    def pixels(image: Image.Image) -> Any:
        return imaging.prepare(image, analysis_size=size).pixels

    return {
        "prepare": Method(lambda image: imaging.prepare(image, analysis_size=size)),
        "saliency": Method(cropper.saliency_model.predict, pixels),
        "faces": Method(cropper.face_detector.detect, pixels),
        "ranking": Method(lambda analysis: cropper.crop(analysis, 1.0), cropper.analyze),
    }


def _file_methods(model: str | None) -> tuple[dict[str, Method], dict[str, str]]:
    """Part 2: ours and the peers, each from a file path to a box (or thumbnail)."""
    from smartcrop_plugins.imageops import smartcrop_box

    methods = {"ours": Method(lambda path: smartcrop_box(path, 1.0, model=model))}
    skipped: dict[str, str] = {}
    try:
        import pyvips

        methods["vips-thumbnail"] = Method(
            lambda path: pyvips.Image.thumbnail(
                path, THUMBNAIL, height=THUMBNAIL, crop="attention"
            ).write_to_memory()
        )
    except Exception as exc:
        skipped["vips-thumbnail"] = f"cannot load pyvips ({exc})"
    try:
        crop = _smartcrop_py()

        def from_path(path: str) -> Any:
            with Image.open(path) as image:
                return crop(image)

        methods["smartcrop.py"] = Method(from_path)
    except ImportError as exc:
        skipped["smartcrop.py"] = f"cannot import smartcrop ({exc})"
    return methods, skipped


def _image_size(path: Path) -> list[int]:
    with Image.open(path) as image:
        return list(image.size)


def _interleave(
    methods: dict[str, Method], items: list[Any], warm: Any, *, files: bool = False
) -> dict[str, Any]:
    """Seconds per call of each method on each item, methods interleaved item by item.

    The order of the methods turns by one at each item, so that none always comes first.
    """
    for method in methods.values():  # warm-up: first calls load models and build kernels
        method.call(method.prepare(warm))
    if files:  # read each file once beforehand, so that no method pays for the disk
        for item in items:
            Path(item).read_bytes()
    times: dict[str, list[float]] = {name: [] for name in methods}
    errors: dict[str, str] = {}
    names = list(methods)
    for i, item in enumerate(items):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            method = methods[name]
            job = method.prepare(item)
            started = time.perf_counter()
            try:
                method.call(job)
            except Exception as exc:
                if name == "ours":
                    raise
                errors.setdefault(name, f"{type(exc).__name__}: {exc}")
                continue
            times[name].append(time.perf_counter() - started)
    return {"n": len(items), "times": times, "errors": errors}


def _aspect_pairs(
    images: list[Image.Image], warm: Image.Image, model: str | None
) -> dict[str, Any]:
    """Part 3: crop_many with 1 and with 5 aspects on each image, a fresh analysis each time.

    The cropper remembers analyses by pixel content, so its cache is cleared before each
    timed call; which of the pair goes first alternates.
    """
    import numpy as np

    from smartcrop_core import SmartCropper

    cropper = SmartCropper(model=model)
    cropper.crop_many(np.asarray(warm), ASPECTS)
    times: dict[str, list[float]] = {"1": [], "5": []}
    for i, image in enumerate(images):
        rgb = np.asarray(image)
        for count in ("1", "5") if i % 2 == 0 else ("5", "1"):
            cropper.clear_cache()
            started = time.perf_counter()
            cropper.crop_many(rgb, ASPECTS[: int(count)])
            times[count].append(time.perf_counter() - started)
    return {"n": len(images), "times": times}


# ---------------------------------------------------------------------------- reports


def _median_ms(seconds: list[float]) -> float | None:
    return 1000 * statistics.median(seconds) if seconds else None


def _summary(measured: dict[str, Any]) -> dict[str, Any]:
    medians = {name: _median_ms(times) for name, times in measured["times"].items()}
    ours = medians["ours"]
    ratios = {name: ours / ms if ours and ms else None for name, ms in medians.items()}
    return {
        "n": measured["n"],
        "median_ms": medians,
        "ours_over": ratios,
        "errors": measured.get("errors", {}),
        "skipped": measured.get("skipped", {}),
    }


def _fmt(value: float | None, spec: str) -> str:
    """``value`` formatted by ``spec`` (``"9.3f"``), or a dash as wide when there is none."""
    return format(value, spec) if value is not None else format("-", ">" + spec.partition(".")[0])


def _print_problems(summary: dict[str, Any]) -> None:
    for name, reason in summary["skipped"].items():
        print(f"  {name}: skipped, {reason}")
    for name, error in summary["errors"].items():
        print(f"  {name}: failed on some images and those were left out, e.g. {error}")


def _check_targets(part: str, ratios: dict[str, float | None]) -> list[dict[str, Any]]:
    checks = []
    for target_part, peer, bound in TARGETS:
        if target_part != part:
            continue
        ratio = ratios.get(peer)
        met = None if ratio is None else ratio <= bound
        verdict = {None: "not measured", True: "met", False: "NOT met"}[met]
        print(f"  target: ours / {peer} = {_fmt(ratio, '.3f')} <= {bound}: {verdict}")
        checks.append({"peer": peer, "ratio": ratio, "bound": bound, "met": met})
    return checks


def _threads_line(figures: dict[str, Any] | None, label: str) -> str:
    if figures is None:
        return f"{label}: failed"
    return f"{label}: " + ", ".join(f"{k} {v}" for k, v in figures["threads"].items())


def _heading(title: str, *, measured: bool) -> bool:
    """Print a part's title, and say so when it has no figures; whether it has some."""
    print()
    print(title)
    if not measured:
        print("  no figures (the measurement failed)")
    return measured


def _print_part1(one: dict[str, Any] | None, every: dict[str, Any] | None) -> dict[str, Any]:
    single = _summary(one["part1"]) if one else None
    multi = _summary(every["part1"]) if every else None
    base = single or multi
    title = "1. decoded <= 512 px image (PIL, in memory) -> 1:1 box; median ms per image"
    if not _heading(title, measured=base is not None):
        return {}
    print(f"  {base['n']} images; {_threads_line(one, '1 thread')}; {_threads_line(every, 'all')}")
    print(f"  {'method':16} {'1 thread':>10} {'ours / x':>9} {'all threads':>12} {'ours / x':>9}")
    for name in base["median_ms"]:
        cells = []
        for summary, width in ((single, 10), (multi, 12)):
            ms = summary["median_ms"].get(name) if summary else None
            ratio = summary["ours_over"].get(name) if summary else None
            cells.append(f"{_fmt(ms, f'{width}.1f')} {_fmt(ratio, '9.3f')}")
        print(f"  {name:16} " + " ".join(cells))
    _print_problems(base)
    checks = _check_targets("1", single["ours_over"]) if single else []
    stages = _print_stages(one["part1"].get("stages"), single["median_ms"]) if single else None
    return {
        "one_thread": single,
        "all_threads": multi,
        "targets_one_thread": checks,
        "stages_one_thread": stages,
    }


def _print_stages(
    measured: dict[str, Any] | None, peers_ms: dict[str, float | None]
) -> dict[str, Any] | None:
    """Our stages' medians (1 thread), and the face stage alone over the targets' peers.

    Parameters
    ----------
    measured : dict or None
        The worker's stage times (``_interleave``'s output), or None when not measured.
    peers_ms : dict
        One-thread median ms of each part-1 method in the same run.

    Returns
    -------
    dict or None
        ``n``, ``median_ms`` per stage, ``sum_ms`` (None if a stage has no figure),
        ``faces_alone_over`` (peer -> faces ms / peer ms, measured peers only), ``errors``.
    """
    if not measured:
        return None
    medians = {name: _median_ms(times) for name, times in measured["times"].items()}
    total = None if None in medians.values() else sum(medians.values())
    listed = ", ".join(f"{name} {_fmt(ms, '.1f')}" for name, ms in medians.items())
    print(f"  our stages, 1 thread (median ms per image): {listed} (sum {_fmt(total, '.1f')})")
    faces = medians.get("faces")
    ratios = {
        peer: faces / peers_ms[peer]
        for part, peer, _ in TARGETS
        if part == "1" and faces is not None and peers_ms.get(peer)
    }
    if ratios:
        print("  " + ", ".join(f"faces alone / {peer}: {r:.2f}" for peer, r in ratios.items()))
    for name, error in measured["errors"].items():
        print(f"  stage {name}: failed on some images and those were left out, e.g. {error}")
    return {
        "n": measured["n"],
        "median_ms": medians,
        "sum_ms": total,
        "faces_alone_over": ratios,
        "errors": measured["errors"],
    }


def _print_part2(one: dict[str, Any] | None) -> dict[str, Any]:
    if not _heading("2. 12 MP JPEG file -> box, 1 thread; median ms per file", measured=bool(one)):
        return {}
    summary = _summary(one["part2"])
    width, height = one["part2"]["size"]
    print(f"  {summary['n']} files of about {width}x{height}, quality {LARGE_QUALITY}")
    labels = {
        "ours": "ours: smartcrop_box(path)",
        "vips-thumbnail": "vips-thumbnail: 512 px, attention",
        "smartcrop.py": "smartcrop.py: open + crop",
    }
    print(f"  {'method':34} {'median ms':>10} {'ours / x':>9}")
    for name, ms in summary["median_ms"].items():
        ratio = summary["ours_over"][name]
        print(f"  {labels.get(name, name):34} {_fmt(ms, '10.1f')} {_fmt(ratio, '9.3f')}")
    _print_problems(summary)
    return {
        **summary,
        "size": [width, height],
        "targets": _check_targets("2", summary["ours_over"]),
    }


def _print_part3(one: dict[str, Any] | None) -> dict[str, Any]:
    title = "3. each additional aspect in one crop_many call (fresh analysis each call), 1 thread"
    if not _heading(title, measured=bool(one)):
        return {}
    times = one["part3"]["times"]
    t1, t5 = _median_ms(times["1"]), _median_ms(times["5"])
    extra = (t5 - t1) / 4 / t1
    paired = statistics.median((b - a) / 4 / a for a, b in zip(times["1"], times["5"], strict=True))
    met = "met" if extra < EXTRA_ASPECT_TARGET else "NOT met"
    print(f"  {one['part3']['n']} images, median ms per call")
    five = f"5 aspects ({', '.join(ASPECTS)}):"
    print(f"  {'1 aspect (1:1):':{len(five)}} {t1:8.1f}")
    print(f"  {five} {t5:8.1f}")
    print(
        f"  extra per additional aspect: {100 * extra:.1f} % of the 1-aspect call "
        f"(per-image median {100 * paired:.1f} %); target < {100 * EXTRA_ASPECT_TARGET:.0f} %: "
        f"{met}"
    )
    return {
        "n": one["part3"]["n"],
        "median_ms": {"1": t1, "5": t5},
        "extra_per_aspect": extra,
        "extra_per_aspect_paired_median": paired,
        "target": EXTRA_ASPECT_TARGET,
        "met": extra < EXTRA_ASPECT_TARGET,
    }


# ---------------------------------------------------------------------------- part 4: CLI


def _part4(sources: list[Path], count: int, runs: int, model: str | None) -> dict[str, Any]:
    """Wall time of whole commands on a folder of ``count`` files, start-up included."""
    print()
    print("4. a folder of <= 512 px JPEGs through a command, start-up included, all threads")
    commands = _commands(model)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        batch, warm = _batch_folders(sources, count, Path(tmp))
        n = len(list(batch.iterdir()))
        for name, (make, _) in commands.items():  # warm-up: disk caches, byte-compiled files
            _run_command(make(warm, Path(tmp, f"warm-{name}")))
        for run in range(runs):
            for name, (make, _) in commands.items():
                out = Path(tmp, f"out-{run}-{name}")
                wall, error = _run_command(make(batch, out))
                error = error or _missing_outputs(out, n)
                if error:
                    failures.setdefault(name, error)
                else:
                    walls[name].append(wall)
    rates = {name: n / statistics.median(w) if w else None for name, w in walls.items()}
    vips = rates.get("vips-loop")
    print(f"  {n} files, {runs} run(s) of each command, median wall time")
    print(f"  {'command':46} {'wall s':>7} {'images/s':>9} {'/ vips':>7}")
    for name, (_, label) in commands.items():
        wall = statistics.median(walls[name]) if walls[name] else None
        ratio = rates[name] / vips if rates[name] and vips else None
        print(
            f"  {label:46} {_fmt(wall, '7.2f')} {_fmt(rates[name], '9.1f')} {_fmt(ratio, '7.3f')}"
        )
    for name, error in failures.items():
        print(f"  {name}: failed, {error}")
    return {"n": n, "wall_s": walls, "images_per_s": rates, "failures": failures}


def _commands(model: str | None) -> dict[str, tuple[Callable[[Path, Path], list[str]], str]]:
    """name -> (make the command line from input and output folders, label)."""
    found = Path(sys.executable).with_name("smartcrop")
    ours = [str(found) if found.exists() else shutil.which("smartcrop") or "smartcrop"]
    if model:
        ours += ["--model", model]
    return {
        "ours-write": (
            lambda src, out: [*ours, str(src), "-a", "1:1", "-o", str(out), "-q"],
            "smartcrop DIR -a 1:1 -o OUT -q (writes crops)",
        ),
        "ours-write-jobs": (
            lambda src, out: [*ours, str(src), "-a", "1:1", "-o", str(out), "-q", "-j", "0"],
            "the same with -j 0 (one thread per CPU)",
        ),
        "ours-dry-run": (
            lambda src, out: [
                *ours,
                str(src),
                "-a",
                "1:1",
                "-q",
                "--dry-run",
                f"--json={out}.json",
            ],
            "smartcrop DIR --dry-run --json=OUT.json",
        ),
        "vips-loop": (
            lambda src, out: [sys.executable, "-c", VIPS_LOOP, str(src), str(out)],
            "python loop: vips thumbnail 512 attention",
        ),
    }


def _batch_folders(sources: list[Path], count: int, tmp: Path) -> tuple[Path, Path]:
    """A folder of ``count`` files and a one-file folder for the warm-up (another file)."""
    batch, warm = tmp / "batch", tmp / "warm"
    batch.mkdir()
    warm.mkdir()
    for source in sources[:count]:
        shutil.copy(source, batch / f"{source.parent.parent.name}_{source.name}")
    if len(sources) > count:
        shutil.copy(sources[count], warm / sources[count].name)
    return batch, warm


def _missing_outputs(out: Path, expected: int) -> str | None:
    """Why a command's output is short (a crop per file, or the JSON file), if it is."""
    if out.with_suffix(".json").exists():
        return None
    written = len(list(out.iterdir())) if out.is_dir() else 0
    return None if written == expected else f"wrote {written} files of {expected}"


def _run_command(command: list[str]) -> tuple[float, str | None]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(0), check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        return wall, f"exit status {done.returncode}: {tail[0]}"
    return wall, None


if __name__ == "__main__":
    main()
