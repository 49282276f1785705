#!/usr/bin/env python3
"""Make the documentation's generated pictures: the gallery, the stages, the benchmark plots.

Run from the project's root with ``../shared`` beside it (``docs/build.py`` runs it first)::

    SMARTCROP_WEIGHTS_DIR=../shared/weights python docs/make_gallery.py

It writes, into ``docs/_generated/`` (not committed):

* ``gallery/``: for each photo in :data:`PHOTOS`, the predicted attention with the detected
  faces and the chosen 1:1, 4:5, 16:9 and 9:16 boxes (``*-analysis.jpg``), and a grid of the
  crops of smartcrop, smartcrop.py, libvips attention and a centred crop, each with the
  share of the recorded looks it kept (``*-crops.jpg``); ``gallery.inc.rst`` shows them
  (``docs/gallery.rst`` includes it);
* ``stages/``: the pipeline's stages on one photo, for ``docs/how-it-works.rst``;
* ``plots/``: the benchmark figures of ``docs/benchmark_figures.json`` (numbers copied from
  ``benchmarks/README.md``), for ``docs/benchmarks.rst``.

The photos come from the MIT-licensed eye-tracking sets only (OSIE, NUS scene, EyeCrowd;
never MIT1003), each shown with its credit line. smartcrop.py and libvips are called as the
shared crop benchmark calls them (``../shared/eval/peers/baselines.py``); without them, or
with ``--skip-peers``, their rows are left out and the reason printed. The output is the
same from run to run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SMARTCROP_SHARED", ROOT.parent / "shared"))
FIXATIONS = SHARED / "data" / "fixations"
SHARED_EVAL = SHARED / "eval"
FIGURES = ROOT / "docs" / "benchmark_figures.json"
DEFAULT_OUT = ROOT / "docs" / "_generated"

#: The aspects of the gallery, in the order of their colours in the debug overlay.
ASPECTS = ("1:1", "4:5", "16:9", "9:16")
#: The request whose candidate windows the stage pictures show: below zoom 1 a window can
#: move both ways, so its candidates cover the photo.
STAGE_ASPECT, STAGE_ZOOM = "4:5", 0.6
JPEG_QUALITY = 85
PANEL_WIDTH = 512  # the photos' own width: the analysis pictures are never upscaled
GAP = 12
CROP_HEIGHT = 200  # height of a crop in the grid
LABEL_WIDTH = 170  # the grid's column of method names

Box = tuple[int, int, int, int]
Cropper = Callable[[Image.Image, float], Box]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Photo:
    """One photo of the shared eye-tracking data and what it shows."""

    dataset: str
    name: str
    title: str

    @property
    def slug(self) -> str:
        return f"{self.dataset}-{Path(self.name).stem}"


#: The gallery: val-split photos (the models never trained on them) of the three MIT sets.
PHOTOS: tuple[Photo, ...] = (
    Photo("eyecrowd", "413.jpg", "Three people to the right of a laboratory"),
    Photo("osie", "1048.jpg", "A portrait: a cup, a face and a book"),
    Photo("eyecrowd", "253.jpg", "A ribbon cutting: a row of people"),
    Photo("eyecrowd", "371.jpg", "A crowd"),
    Photo("osie", "1526.jpg", "Text and two dogs"),
    Photo("osie", "1494.jpg", "Objects on a table"),
    Photo("osie", "1551.jpg", "A small subject: a bear by the road"),
    Photo("nus_scene", "423.jpg", "A landscape: a field under clouds"),
)
#: The photo of the stage pictures: people, faces, and room to move a window.
STAGE_PHOTO = PHOTOS[0]

CREDITS = {
    "osie": "Photo: OSIE (Xu et al., Predicting human gaze beyond pixels, JoV 2014), MIT licence.",
    "nus_scene": "Photo: NUS scene dataset (Liang & Hu, IEEE TIP 2015), MIT licence.",
    "eyecrowd": "Photo: EyeCrowd (Jiang et al., Saliency in crowd, ECCV 2014), MIT licence.",
}
DATASET_NAMES = {"osie": "OSIE", "nus_scene": "NUS scene", "eyecrowd": "EyeCrowd"}

OURS = "smartcrop"
CENTRE = "centred crop"
#: The shared benchmark's name of each peer shown in the grid.
PEERS = {"smartcrop.py": "smartcrop-py", "libvips attention": "vips-attention"}

BACKGROUND: RGB = (255, 255, 255)
TEXT: RGB = (20, 20, 20)
MUTED: RGB = (110, 110, 110)


# --- small helpers -----------------------------------------------------------------------


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font at ``size`` px (its small bitmap font before Pillow 10.1)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def retention(fixations: np.ndarray, box: Sequence[float]) -> float:
    """Share of the fixations (rows ``x, y, ...``) inside ``box`` (left, upper, right, lower).

    >>> retention(np.array([[5.0, 5.0], [50.0, 5.0]]), (0, 0, 10, 10))
    0.5
    """
    if len(fixations) == 0:
        return float("nan")
    x, y = fixations[:, 0], fixations[:, 1]
    left, upper, right, lower = box
    inside = (x >= left) & (x < right) & (y >= upper) & (y < lower)
    return float(inside.mean())


def fit_into(image: Image.Image, width: int, height: int) -> Image.Image:
    """``image`` scaled to fit ``width x height``, centred on a white cell of that size.

    >>> fit_into(Image.new("RGB", (100, 50)), 40, 40).size
    (40, 40)
    """
    scale = min(width / image.width, height / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    cell = Image.new("RGB", (width, height), BACKGROUND)
    cell.paste(image.resize(size, Image.Resampling.LANCZOS), ((width - size[0]) // 2, 0))
    return cell


def with_header(image: Image.Image, text: str, size: int = 18) -> Image.Image:
    """``image`` under a line of ``text``."""
    header = round(size * 1.6)
    canvas = Image.new("RGB", (image.width, image.height + header), BACKGROUND)
    canvas.paste(image, (0, header))
    ImageDraw.Draw(canvas).text((2, header // 2), text, fill=TEXT, font=font(size), anchor="lm")
    return canvas


def side_by_side(images: Sequence[Image.Image], gap: int = GAP) -> Image.Image:
    """``images`` in a row, tops aligned, on white."""
    width = sum(image.width for image in images) + gap * (len(images) - 1)
    canvas = Image.new("RGB", (width, max(image.height for image in images)), BACKGROUND)
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width + gap
    return canvas


def to_panel(image: Image.Image) -> Image.Image:
    """The photo at :data:`PANEL_WIDTH` px wide (the gallery's photos already are)."""
    if image.width == PANEL_WIDTH:
        return image
    height = round(image.height * PANEL_WIDTH / image.width)
    return image.resize((PANEL_WIDTH, height), Image.Resampling.LANCZOS)


def save_jpeg(image: Image.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, quality=JPEG_QUALITY, optimize=True)
    return path


# --- the photos and the croppers -----------------------------------------------------------


def load_annotations(data: Path, dataset: str) -> dict[str, dict]:
    """The dataset's annotations by file name (``images/NAME.jpg`` -> entry)."""
    with open(data / dataset / "annotations.json", encoding="utf-8") as handle:
        entries = json.load(handle)["images"]
    return {Path(entry["file"]).name: entry for entry in entries}


def open_photo(data: Path, photo: Photo) -> Image.Image:
    from smartcrop_core.imaging import open_image

    return open_image(data / photo.dataset / "images" / photo.name).convert("RGB")


def peer_croppers(skip_peers: bool) -> dict[str, Cropper]:
    """smartcrop.py and libvips attention, as the shared crop benchmark calls them.

    A peer that cannot be loaded is left out, with the reason printed.
    """
    if skip_peers:
        print("peers: skipped (--skip-peers): smartcrop.py and libvips rows left out")
        return {}
    if not (SHARED_EVAL / "peers" / "baselines.py").is_file():
        print(f"peers: {SHARED_EVAL}/peers/baselines.py is not here; their rows are left out")
        return {}
    sys.path.insert(0, str(SHARED_EVAL))
    try:
        from peers import baselines
    finally:
        sys.path.remove(str(SHARED_EVAL))
    croppers: dict[str, Cropper] = {}
    for label, name in PEERS.items():
        try:
            function = baselines.METHODS[name]()
        except (ImportError, OSError) as error:  # not installed, or libvips not loadable
            print(f"peers: {label} left out: {type(error).__name__}: {error}")
            continue
        croppers[label] = function
    return croppers


def centre_crop(image: Image.Image, aspect: float) -> Box:
    """The centred box of ``aspect``, as large as fits."""
    from smartcrop_core import target_size

    width, height = target_size(image.width, image.height, aspect)
    left, upper = (image.width - width) // 2, (image.height - height) // 2
    return left, upper, left + width, upper + height


def all_boxes(
    image: Image.Image, results: Sequence, peers: dict[str, Cropper]
) -> dict[str, list[Box | None]]:
    """Each method's box for each aspect (``None`` where a peer failed, which is said)."""
    boxes: dict[str, list[Box | None]] = {OURS: [r.box.to_pillow() for r in results]}
    for label, cropper in peers.items():
        boxes[label] = []
        for result in results:
            try:
                boxes[label].append(tuple(int(v) for v in cropper(image, result.aspect)))
            except Exception as error:  # a peer's failure on one photo is shown, not fatal
                print(f"  {label} failed at {result.aspect:.3f}: {error}")
                boxes[label].append(None)
    boxes[CENTRE] = [centre_crop(image, result.aspect) for result in results]
    return boxes


# --- the gallery ---------------------------------------------------------------------------


def analysis_picture(image: Image.Image, results: Sequence) -> Image.Image:
    """Attention and faces, beside the chosen boxes (the ``--debug`` overlay without heat)."""
    from smartcrop_plugins.debug_overlay import render_debug_overlay

    heat = render_debug_overlay(image, [], saliency=results[0].saliency, faces=results[0].faces)
    plain = [dataclasses.replace(result, saliency=None) for result in results]
    count = len(results[0].faces)
    faces_found = "no face found" if count == 0 else f"faces found: {count}"
    boxes = render_debug_overlay(image, plain)
    return side_by_side(
        [
            with_header(to_panel(heat), f"Predicted attention; {faces_found}"),
            with_header(to_panel(boxes), "Chosen boxes: " + ", ".join(ASPECTS)),
        ]
    )


def crops_picture(
    image: Image.Image,
    boxes: dict[str, list[Box | None]],
    fixations: np.ndarray,
) -> Image.Image:
    """Rows = methods, columns = aspects: each crop, with the share of the looks it kept."""
    from smartcrop_core import parse_aspect
    from smartcrop_plugins.debug_overlay import BOX_COLOURS

    widths = [round(CROP_HEIGHT * parse_aspect(aspect)) for aspect in ASPECTS]
    caption, head = 26, 30
    width = LABEL_WIDTH + sum(widths) + GAP * len(widths)
    height = head + len(boxes) * (CROP_HEIGHT + caption + GAP)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    title, small = font(18), font(15)
    x = LABEL_WIDTH
    for index, (aspect, cell_width) in enumerate(zip(ASPECTS, widths, strict=True)):
        colour = BOX_COLOURS[index % len(BOX_COLOURS)]
        draw.rectangle((x, 4, x + cell_width - 1, head - 6), fill=colour)
        draw.text((x + cell_width / 2, head / 2 - 1), aspect, fill=TEXT, font=title, anchor="mm")
        x += cell_width + GAP
    y = head
    for method, method_boxes in boxes.items():
        name = f"{method} (ours)" if method == OURS else method
        draw.text((4, y + CROP_HEIGHT / 2), name, fill=TEXT, font=title, anchor="lm")
        x = LABEL_WIDTH
        for box, cell_width in zip(method_boxes, widths, strict=True):
            if box is None:
                draw.rectangle((x, y, x + cell_width - 1, y + CROP_HEIGHT - 1), fill=(230,) * 3)
                note = "failed"
            else:
                canvas.paste(fit_into(image.crop(box), cell_width, CROP_HEIGHT), (x, y))
                note = f"{retention(fixations, box):.0%} of looks"
            draw.text(
                (x + cell_width / 2, y + CROP_HEIGHT + 4), note, fill=MUTED, font=small, anchor="mt"
            )
            x += cell_width + GAP
        y += CROP_HEIGHT + caption + GAP
    return canvas


def faces_text(faces: Sequence, labelled: Sequence[dict] | None) -> str:
    """What the gallery says about one photo's faces (``labelled``: EyeCrowd's face labels).

    >>> faces_text([], [{"back": True}, {"back": False}])
    'YuNet found no face. EyeCrowd labels 2 faces here, 1 of them seen from behind.'
    """
    if not faces:
        found = "YuNet found no face."
    else:
        scores = ", ".join(f"{face.score:.2f}" for face in faces[:12])
        more = f" and {len(faces) - 12} more" if len(faces) > 12 else ""
        plural = "face" if len(faces) == 1 else "faces"
        found = f"YuNet found {len(faces)} {plural} (confidence {scores}{more})."
    if labelled is not None:
        behind = sum(bool(face.get("back")) for face in labelled)
        found += f" EyeCrowd labels {len(labelled)} faces here, {behind} of them seen from behind."
    return found


def kept_text(boxes: dict[str, list[Box | None]], fixations: np.ndarray) -> str:
    """The share of the recorded looks each method kept, over the four aspects."""
    parts = []
    for method, method_boxes in boxes.items():
        shares = [retention(fixations, box) for box in method_boxes if box is not None]
        if shares:
            parts.append(f"{method} {np.mean(shares):.0%}")
    return "**Looks kept** (mean of the four aspects): " + ", ".join(parts) + "."


def rst_section(photo: Photo, images: dict[str, str], faces: str, kept: str) -> str:
    """One photo's part of ``gallery.inc.rst``; ``images`` maps role -> path in the docs."""
    title = f"{photo.title} ({DATASET_NAMES[photo.dataset]} {photo.name})"
    return "\n".join(
        [
            title,
            "-" * len(title),
            "",
            f".. figure:: {images['analysis']}",
            "   :alt: The photo with the predicted attention as heat and the detected faces in"
            " green, and beside it the chosen 1:1, 4:5, 16:9 and 9:16 boxes.",
            "   :width: 100%",
            "",
            "   Left: predicted attention (heat) and detected faces (green, with YuNet's",
            "   confidence). Right: the boxes smartcrop chose.",
            "",
            f".. figure:: {images['crops']}",
            "   :alt: A grid of crops: one row per method, one column per aspect ratio, each"
            " crop with the share of the recorded looks it kept.",
            "   :width: 100%",
            "",
            "   The crops of each method (rows) for each aspect (columns); under each crop, the",
            "   share of the recorded eye fixations (all observers) inside it.",
            "",
            f"* **Faces:** {faces}",
            f"* {kept}",
            "",
            f"*{CREDITS[photo.dataset]}*",
            "",
        ]
    )


def make_gallery(
    out: Path, photos: Sequence[Photo], cropper, peers: dict[str, Cropper], data: Path
) -> Path:
    """Write the gallery's pictures and ``gallery.inc.rst``; the rst's path."""
    faces_on = type(cropper.face_detector).__name__ != "NoFaceDetector"
    sections = [
        ".. This file is made by docs/make_gallery.py; edit that script, not this file.",
        "",
    ]
    if not faces_on:
        sections += ["**Face detection was off for this build (YuNet's weights not found).**", ""]
    annotations: dict[str, dict[str, dict]] = {}
    for photo in photos:
        started = time.perf_counter()
        if photo.dataset not in annotations:
            annotations[photo.dataset] = load_annotations(data, photo.dataset)
        entry = annotations[photo.dataset][photo.name]
        fixations = np.asarray(entry["fixations"], dtype=float).reshape(-1, 3)
        image = open_photo(data, photo)
        results = cropper.crop_many(image, ASPECTS, details=True)
        boxes = all_boxes(image, results, peers)
        images = {
            "analysis": save_jpeg(
                analysis_picture(image, results), out / "gallery" / f"{photo.slug}-analysis.jpg"
            ),
            "crops": save_jpeg(
                crops_picture(image, boxes, fixations), out / "gallery" / f"{photo.slug}-crops.jpg"
            ),
        }
        sections.append(
            rst_section(
                photo,
                {role: docs_path(path, out) for role, path in images.items()},
                faces_text(results[0].faces, entry.get("faces")),
                kept_text(boxes, fixations),
            )
        )
        print(f"gallery: {photo.slug}: {time.perf_counter() - started:.2f} s")
    rst = out / "gallery.inc.rst"
    rst.write_text("\n".join(sections), encoding="utf-8")
    return rst


def docs_path(path: Path, out: Path) -> str:
    """``path`` as Sphinx reads it from a page: absolute from the folder that holds ``out``.

    >>> docs_path(Path("/d/_generated/gallery/a.jpg"), Path("/d/_generated"))
    '/_generated/gallery/a.jpg'
    """
    return "/" + path.relative_to(out.parent).as_posix()


# --- the stage pictures --------------------------------------------------------------------


def make_stages(out: Path, photo: Photo, cropper, data: Path) -> list[Path]:
    """The pipeline's stages on ``photo``, for ``docs/how-it-works.rst``."""
    from smartcrop_plugins.debug_overlay import render_debug_overlay

    folder = out / "stages"
    image = open_photo(data, photo)
    result = cropper.crop(image, STAGE_ASPECT, zoom=STAGE_ZOOM, details=True)
    chosen = render_debug_overlay(image, [dataclasses.replace(result, saliency=None)])
    crop = image.crop(result.box.to_pillow())
    crop = crop.resize((round(crop.width * image.height / crop.height), image.height))
    paths = [
        save_jpeg(image, folder / "1-input.jpg"),
        save_jpeg(
            render_debug_overlay(image, [], saliency=result.saliency), folder / "2-saliency.jpg"
        ),
        save_jpeg(render_debug_overlay(image, [], faces=result.faces), folder / "3-faces.jpg"),
        candidates_plot(image, result, folder / "4-candidates.png"),
        save_jpeg(side_by_side([chosen, crop]), folder / "5-result.jpg"),
    ]
    windows = len(result.candidates)
    print(f"stages: {photo.slug}, {STAGE_ASPECT} at zoom {STAGE_ZOOM}: {windows} windows")
    return paths


def candidates_plot(image: Image.Image, result, path: Path) -> Path:
    """Every scored window's centre, coloured by its score; the best and worst outlined."""
    plt = pyplot()
    from matplotlib.patches import Rectangle

    rows = result.candidates[np.argsort(result.candidates[:, 4], kind="stable")]
    centres_x = (rows[:, 0] + rows[:, 2]) / 2
    centres_y = (rows[:, 1] + rows[:, 3]) / 2
    figure, axes = plt.subplots(figsize=(7.2, 4.6), dpi=110)
    axes.imshow(np.asarray(image) // 2)
    dots = axes.scatter(centres_x, centres_y, c=rows[:, 4], cmap="viridis", s=9, linewidths=0)
    colours = plt.get_cmap("viridis")
    for row, colour, label in ((rows[0], colours(0.0), "worst"), (rows[-1], colours(1.0), "best")):
        left, upper, right, lower = row[:4]
        axes.add_patch(
            Rectangle(
                (left, upper),
                right - left,
                lower - upper,
                fill=False,
                edgecolor=colour,
                linewidth=2.5,
                label=f"{label} window ({row[4]:+.2f})",
            )
        )
    axes.legend(loc="lower left", fontsize=8, framealpha=0.9)
    axes.set_axis_off()
    figure.colorbar(dots, ax=axes, fraction=0.035, pad=0.02, label="ranking score")
    return save_figure(figure, path)


# --- the benchmark plots -------------------------------------------------------------------


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def save_figure(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight", metadata={"Software": None})
    pyplot().close(figure)
    return path


def bar_colours(names: Sequence[str]) -> list[str]:
    """Ours in blue, every peer in grey."""
    return ["#1f77b4" if name.startswith("ours") else "#9a9a9a" for name in names]


def hbars(axes, values: dict[str, float], title: str, form: str, base: float = 0.0) -> None:
    """Horizontal bars from ``base``, first name on top, each with its value."""
    names = list(values)
    numbers = np.array([values[name] for name in names])
    positions = np.arange(len(names))[::-1]
    axes.barh(positions, numbers - base, left=base, color=bar_colours(names))
    axes.set_yticks(positions, names)
    axes.set_title(title, loc="left")
    axes.axvline(base, color="black", linewidth=0.8)
    offset = 0.01 * (max(numbers.max(), base) - min(numbers.min(), base))
    for position, number in zip(positions, numbers, strict=True):
        above = number >= base
        axes.text(
            number + (offset if above else -offset),
            position,
            form.format(number),
            va="center",
            ha="left" if above else "right",
            fontsize=8,
        )
    axes.margins(x=0.15)
    if numbers.min() >= base:
        axes.set_xlim(left=base)


def plot_crop_gain(figures: dict, path: Path) -> Path:
    block = figures["crop_gain"]
    plt = pyplot()
    figure, (gain, cut) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=110, width_ratios=(3, 2))
    hbars(
        gain, block["methods"], "Crop gain (0: centred crop, 1: best box for the looks)", "{:+.2f}"
    )
    faces = {name: share * 100 for name, share in block["face_cut"].items()}
    hbars(cut, faces, "Faces cut, % (EyeCrowd; lower is better)", "{:.1f}")
    cut.set_yticks([])
    figure.tight_layout()
    return save_figure(figure, path)


#: Each saliency metric's value for a map that knows nothing: the bars start there.
CHANCE = {"AUC": 0.5, "sAUC": 0.5, "NSS": 0.0}


def plot_saliency(figures: dict, path: Path) -> Path:
    block = figures["saliency"]
    plt = pyplot()
    metrics = block["metrics"]
    figure, panels = plt.subplots(1, len(metrics), figsize=(10, 3.0), dpi=110)
    for axes, metric in zip(panels, metrics, strict=True):
        values = {name: scores[metric] for name, scores in block["methods"].items()}
        chance = CHANCE.get(metric, 0.0)
        hbars(axes, values, f"{metric} (chance: {chance:g})", "{:.3f}", chance)
        if axes is not panels[0]:
            axes.set_yticks([])
    figure.suptitle("Bars start at chance; higher is better", x=0.01, ha="left", fontsize=9)
    figure.tight_layout()
    return save_figure(figure, path)


def plot_speed(figures: dict, path: Path) -> Path:
    block = figures["speed"]
    plt = pyplot()
    figure, (image, file) = plt.subplots(1, 2, figsize=(10, 3.0), dpi=110)
    hbars(image, block["per_image_ms"], "Median ms per 512 px image, 1 thread", "{:.1f}")
    hbars(file, block["per_12mp_file_ms"], "Median ms per 12 MP JPEG file, 1 thread", "{:.1f}")
    figure.tight_layout()
    return save_figure(figure, path)


def make_plots(out: Path, figures_path: Path = FIGURES) -> list[Path]:
    """The benchmark figures of ``figures_path``, as PNGs in ``out/plots``."""
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    folder = out / "plots"
    return [
        plot_crop_gain(figures, folder / "crop_gain.png"),
        plot_saliency(figures, folder / "saliency_metrics.png"),
        plot_speed(figures, folder / "speed.png"),
    ]


# --- the command -------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python docs/make_gallery.py",
        description="Make the documentation's gallery, stage pictures and benchmark plots.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder inside the Sphinx source folder, whose pages the rst's image "
        "paths are relative to (default docs/_generated)",
    )
    parser.add_argument(
        "--photos",
        type=int,
        default=len(PHOTOS),
        metavar="N",
        help=f"gallery photos to make, the first N of {len(PHOTOS)} (default all)",
    )
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="leave out the smartcrop.py and libvips rows (they are left out anyway, with "
        "the reason, when those packages are not installed)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=FIXATIONS,
        help="the shared eye-tracking data (default ../shared/data/fixations)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.photos <= len(PHOTOS):
        parser.error(f"--photos must be between 0 and {len(PHOTOS)}")
    if not (args.data / STAGE_PHOTO.dataset / "images" / STAGE_PHOTO.name).is_file():
        parser.error(f"{args.data} does not hold the shared photos: put shared/ beside the project")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    weights = SHARED / "weights"
    if weights.is_dir():
        os.environ.setdefault("SMARTCROP_WEIGHTS_DIR", str(weights))
    from smartcrop_core import SmartCropper

    cropper = SmartCropper()
    print(
        f"ours: saliency {type(cropper.saliency_model).__name__}, "
        f"faces {type(cropper.face_detector).__name__}"
    )
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    peers = peer_croppers(args.skip_peers)
    rst = make_gallery(out, PHOTOS[: args.photos], cropper, peers, args.data)
    stages = make_stages(out, STAGE_PHOTO, cropper, args.data)
    plots = make_plots(out)
    written = len(list(out.rglob("*.*")))
    print(
        f"wrote {written} files into {out} ({rst.name}, {len(stages)} stages, {len(plots)} plots)"
    )
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
