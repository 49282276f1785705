"""Eye-tracking data for training: reading the shared format, resizing, augmenting, batching.

The shared format (``shared/data/README.md``): a folder with ``annotations.json`` and
``images/``; each image has fixations ``[x, y, subject]`` in its own 0-based pixels and a
``split`` of ``train`` or ``val``. Training images are resized so their longer side is
``input_size`` and each side a multiple of 32, and grouped by shape so that a batch holds
images of one shape.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from ..imaging import resize_float_map

__all__ = [
    "FixationSample",
    "TrainingImage",
    "augment",
    "batches",
    "load_fixation_dataset",
    "prepare_training_images",
]

_SIDE_MULTIPLE = 32


@dataclass(frozen=True)
class FixationSample:
    """One image of an eye-tracking set and where its observers looked.

    Attributes
    ----------
    dataset, name : str
        The set's name and the image's file stem.
    path : Path
        The image file.
    width, height : int
        Size of the stored image, the frame of ``fixations``.
    fixations : numpy.ndarray
        ``(n, 3)`` float rows ``x, y, subject`` in 0-based pixels of the stored image.
    faces : tuple of dict
        Hand-labelled faces (EyeCrowd only): ``{"box": [x1, y1, x2, y2], ...}``.
    """

    dataset: str
    name: str
    path: Path
    width: int
    height: int
    fixations: np.ndarray = field(repr=False)
    faces: tuple = field(default=(), repr=False)

    def rgb(self) -> np.ndarray:
        """The image as ``(height, width, 3)`` uint8 RGB."""
        with Image.open(self.path) as image:
            return np.asarray(image.convert("RGB"))


def load_fixation_dataset(
    folder: str | Path, splits: Sequence[str] = ("train",), limit: int | None = None
) -> list[FixationSample]:
    """The samples of one dataset folder whose split is in ``splits``, in file order.

    Raises
    ------
    FileNotFoundError
        The folder has no ``annotations.json``.
    ValueError
        ``splits`` names a split other than ``train`` and ``val``.
    """
    unknown = set(splits) - {"train", "val"}
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; the public ones are train, val")
    folder = Path(folder)
    annotations = folder / "annotations.json"
    if not annotations.is_file():
        raise FileNotFoundError(f"{folder} has no annotations.json: is it a dataset folder?")
    document = json.loads(annotations.read_text())
    samples = []
    for record in document["images"]:
        if record["split"] not in splits:
            continue
        fixations = np.asarray(record["fixations"], dtype=np.float64).reshape(-1, 3)
        samples.append(
            FixationSample(
                dataset=document["dataset"],
                name=Path(record["file"]).stem,
                path=folder / record["file"],
                width=int(record["width"]),
                height=int(record["height"]),
                fixations=fixations,
                faces=tuple(record.get("faces", ())),
            )
        )
        if limit is not None and len(samples) >= limit:
            break
    return samples


@dataclass
class TrainingImage:
    """A training image at network size with its fixations and teacher maps.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``(h, w, 3)`` uint8 RGB, both sides multiples of 32.
    fixations : numpy.ndarray
        ``(n, 2)`` float32 ``x, y`` in pixels of ``pixels``.
    dataset : int
        Index of the dataset it came from.
    teachers : dict
        Teacher name -> ``(h / 4, w / 4)`` float32 density (sums to 1), filled later.
    features : tuple, optional
        Frozen backbone features of the image and of its mirror, for readout training.
    """

    pixels: np.ndarray
    fixations: np.ndarray
    dataset: int
    teachers: dict[str, np.ndarray] = field(default_factory=dict)
    features: tuple | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.pixels.shape[0], self.pixels.shape[1]


def training_shape(width: int, height: int, input_size: int) -> tuple[int, int]:
    """``(h, w)`` of the network input: longer side ``input_size``, sides multiples of 32.

    Examples
    --------
    >>> training_shape(512, 384, 256), training_shape(384, 512, 256), training_shape(512, 170, 256)
    ((192, 256), (256, 192), (96, 256))
    """
    factor = input_size / max(width, height)

    def side(value: int) -> int:
        return max(_SIDE_MULTIPLE, round(value * factor / _SIDE_MULTIPLE) * _SIDE_MULTIPLE)

    return side(height), side(width)


def prepare_training_images(
    samples: Sequence[FixationSample], datasets: Sequence[str], input_size: int = 256
) -> list[TrainingImage]:
    """Resize every sample to its training shape, scaling its fixations with it."""
    prepared = []
    for sample in samples:
        height, width = training_shape(sample.width, sample.height, input_size)
        with Image.open(sample.path) as image:
            resized = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
        scale = np.array([width / sample.width, height / sample.height])
        fixations = (sample.fixations[:, :2] * scale).astype(np.float32)
        prepared.append(
            TrainingImage(np.asarray(resized), fixations, datasets.index(sample.dataset))
        )
    return prepared


@dataclass(frozen=True)
class Augmented:
    """One augmented example: what the network sees and what it is scored against."""

    pixels: np.ndarray
    fixations: np.ndarray
    teachers: dict[str, np.ndarray]


def augment(image: TrainingImage, rng: random.Random, *, strength: float = 1.0) -> Augmented:
    """A random view of ``image``: mirrored, zoomed into, recoloured.

    Geometry (a horizontal flip, a crop of 80-100 % of each side resized back) is applied to
    the fixations and teacher maps alike; colour changes (brightness, contrast, saturation)
    only to the pixels, since they should not move where people look.
    """
    height, width = image.shape
    pixels = Image.fromarray(image.pixels)
    fixations = image.fixations.copy()
    teachers = dict(image.teachers)
    if rng.random() < 0.5:
        pixels = pixels.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        fixations[:, 0] = width - fixations[:, 0]
        teachers = {name: np.ascontiguousarray(t[:, ::-1]) for name, t in teachers.items()}
    if strength > 0 and rng.random() < 0.5:
        share = 1.0 - 0.2 * strength * rng.random()
        crop_w, crop_h = width * share, height * share
        left, upper = rng.random() * (width - crop_w), rng.random() * (height - crop_h)
        moved = (fixations - [left, upper]) / share
        inside = (
            (moved[:, 0] >= 0) & (moved[:, 0] < width) & (moved[:, 1] >= 0) & (moved[:, 1] < height)
        )
        # A crop that loses every fixation teaches nothing: keep the full view instead.
        if inside.any():
            box = (left, upper, left + crop_w, upper + crop_h)
            pixels = pixels.resize((width, height), Image.Resampling.BILINEAR, box=box)
            fixations = moved[inside]
            teachers = {
                name: _crop_density(t, box, (width, height)) for name, t in teachers.items()
            }
    if strength > 0:
        for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
            pixels = enhancer(pixels).enhance(1 + 0.3 * strength * (2 * rng.random() - 1))
    return Augmented(np.asarray(pixels), fixations.astype(np.float32), teachers)


def _crop_density(
    density: np.ndarray, box: tuple[float, ...], image_size: tuple[int, int]
) -> np.ndarray:
    """The part of a coarse density map under ``box`` (image pixels), resized back, renormed."""
    rows, cols = density.shape
    scale_x, scale_y = cols / image_size[0], rows / image_size[1]
    cell_box = (box[0] * scale_x, box[1] * scale_y, box[2] * scale_x, box[3] * scale_y)
    values = np.clip(resize_float_map(density, cols, rows, box=cell_box), 0, None)
    total = float(values.sum())
    return values / total if total > 0 else np.full_like(values, 1.0 / values.size)


def batches(
    images: Sequence[TrainingImage], batch_size: int, rng: random.Random
) -> Iterator[list[TrainingImage]]:
    """Shuffled batches in which every image has the same shape."""
    by_shape: dict[tuple[int, int], list[TrainingImage]] = defaultdict(list)
    for image in images:
        by_shape[image.shape].append(image)
    chunks = []
    for group in by_shape.values():
        shuffled = list(group)
        rng.shuffle(shuffled)
        chunks.extend(shuffled[i : i + batch_size] for i in range(0, len(shuffled), batch_size))
    rng.shuffle(chunks)
    yield from chunks
