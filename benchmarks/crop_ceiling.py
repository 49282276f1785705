#!/usr/bin/env python3
"""How much crop gain can a perfect attention model expect? Half the observers as the model.

``crop_bench.py`` scores a crop's **gain**: 0 for the centred crop, 1 for the best box
placed with every fixation known. That best box is fitted to the very fixations it is
scored on, noise included, so no predictor can reach 1. This script measures what people
themselves reach: for each image the observers are split at random into two halves; the
box is chosen on one half's fixations (blurred into a map, the window of the most mass)
and scored on the other half, against the centred crop and that half's own best box. The
same aspects, zooms, images and skip rule as ``crop_bench.py``.

Models can be scored the same way, on the same judging half, so that their figures and
people's can be compared directly:

* ``--method SPEC`` (repeatable) scores a cropper named as ``crop_bench.py`` names it
  (``MODULE:FUNCTION`` or a built-in peer; methods that read the fixations, such as
  ``oracle``, are refused).
* ``--mix W`` (repeatable, ``0 <= W <= 1``) chooses the window of the most mass on
  ``W * people + (1 - W) * model``, the default saliency model's map and the choosing half's
  map, each normalised to sum to 1, and reports that mixture's NSS on the judging half too.
  ``W = 0`` is the model alone and ``W = 1`` people alone: the curve between them shows how
  much better the saliency map must be for a given gain.

Example::

    python benchmarks/crop_ceiling.py --data ../shared/data/fixations/osie \\
        --data ../shared/data/fixations/eyecrowd \\
        --method smartcrop_plugins.imageops:smartcrop_box --mix 0 --mix 0.5
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ZOOMS = (1.0, 0.6)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    sys.path.insert(0, args.shared_eval)
    from crop_bench import DEFAULT_ASPECTS, parse_aspect, resolve, snap, target_size
    from datasets import load

    from smartcrop_core.training.metrics import nss as fixation_nss
    from smartcrop_core.window_features import integral_image

    methods = [resolve(spec) for spec in args.method]
    model_map = _model_map() if args.mix else None
    rng = np.random.default_rng(args.seed)
    groups: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    nss: dict[str, list[float]] = defaultdict(list)
    for folder in args.data:
        for sample in load(folder, (args.split,)):
            halves = _split_observers(sample.fixations, rng)
            if halves is None:
                continue
            chooser, judge = halves
            size = (sample.width, sample.height)
            people = _normalised(_blurred(chooser, size, args.blur * max(size)))
            choosers = {"people": integral_image(people)}
            image = sample.image() if methods or model_map is not None else None
            if model_map is not None:
                model = _normalised(model_map(image))
                for weight in args.mix:
                    mixed = weight * people + (1 - weight) * model
                    choosers[_mix_label(weight)] = integral_image(mixed)
                    nss[_mix_label(weight)].append(fixation_nss(mixed, judge))
            scored_by = integral_image(_counts(judge, size))
            total = max(1.0, float(len(judge)))
            for aspect_text in DEFAULT_ASPECTS.split(","):
                aspect = parse_aspect(aspect_text)
                full_width, full_height = target_size(*size, aspect, 1.0)
                if full_width * full_height > 0.9 * size[0] * size[1]:
                    continue  # as crop_bench.py: hardly any choice left
                for zoom in ZOOMS:
                    width, height = target_size(*size, aspect, zoom)
                    kept = _window_sums(scored_by, width, height) / total
                    group = groups[(sample.dataset, aspect_text, zoom)]
                    group["centre"].append(
                        float(kept[(size[1] - height) // 2, (size[0] - width) // 2])
                    )
                    group["best"].append(float(kept.max()))
                    for label, chosen_by in choosers.items():
                        row, col = np.unravel_index(
                            int(np.argmax(_window_sums(chosen_by, width, height))), kept.shape
                        )
                        group[label].append(float(kept[row, col]))
                    for name, crop in methods:
                        box = snap(crop(image, aspect, zoom, None), *size, width, height)
                        group[name].append(0.0 if box is None else float(kept[box[1], box[0]]))
    _report(groups, nss)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="dataset folder(s)")
    parser.add_argument("--split", default="val", help="train, val or all (default val)")
    parser.add_argument("--blur", type=float, default=0.03, help="blur, share of the longer side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--method",
        action="append",
        default=[],
        type=_method_spec,
        help="a cropper to score on the judging half, named as crop_bench.py names it",
    )
    parser.add_argument(
        "--mix",
        action="append",
        default=[],
        type=_mix_weight,
        help="weight of people's map in a mixture with the default model's (0 to 1)",
    )
    parser.add_argument(
        "--shared-eval", default=str(ROOT.parent / "shared" / "eval"), help="shared eval folder"
    )
    return parser


def _method_spec(text: str) -> str:
    if text == "oracle":
        raise argparse.ArgumentTypeError("oracle reads the fixations it would be scored on")
    return text


def _mix_weight(text: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= weight <= 1:
        raise argparse.ArgumentTypeError(f"a weight between 0 and 1, got {text}")
    return weight


def _mix_label(weight: float) -> str:
    return f"mix {weight:g}"


def _model_map() -> Callable[[Image.Image], np.ndarray]:
    """``image -> saliency at the image's own size``, from the default pipeline's model."""
    from smartcrop_core import SmartCropper
    from smartcrop_core.imaging import resize_float_map

    cropper = SmartCropper(faces=False)

    def predict(image: Image.Image) -> np.ndarray:
        saliency = cropper.analyze(image).saliency
        return resize_float_map(saliency, image.width, image.height).astype(np.float64)

    return predict


def _normalised(values: np.ndarray) -> np.ndarray:
    total = float(values.sum())
    return values / total if total > 0 else np.full(values.shape, 1.0 / values.size)


def _split_observers(
    fixations: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray] | None:
    observers = np.unique(fixations[:, 2])
    if len(observers) < 2:
        return None
    first = rng.permutation(observers)[: len(observers) // 2]
    in_first = np.isin(fixations[:, 2], first)
    return fixations[in_first], fixations[~in_first]


def _counts(fixations: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from smartcrop_core.training.metrics import fixation_pixels

    width, height = size
    grid = np.zeros((height, width))
    np.add.at(grid, fixation_pixels(fixations, height, width), 1.0)
    return grid


def _blurred(fixations: np.ndarray, size: tuple[int, int], sigma: float) -> np.ndarray:
    """Fixation counts blurred by a separable Gaussian (edges reflected)."""
    radius = max(1, int(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    values = _counts(fixations, size)
    for axis in (0, 1):
        padding = [(0, 0), (0, 0)]
        padding[axis] = (radius, radius)
        padded = np.pad(values, padding, mode="reflect")
        values = np.apply_along_axis(np.convolve, axis, padded, kernel, mode="valid")
    return values


def _window_sums(integral: np.ndarray, width: int, height: int) -> np.ndarray:
    """Sums of every ``width x height`` window, indexed by its upper-left corner."""
    return (
        integral[height:, width:]
        - integral[:-height, width:]
        - integral[height:, :-width]
        + integral[:-height, :-width]
    )


def _gain(values: dict[str, list[float]], chooser: str) -> float:
    centre, best, chosen = (float(np.mean(values[key])) for key in ("centre", "best", chooser))
    return (chosen - centre) / (best - centre) if best - centre > 1e-9 else float("nan")


def _report(groups: dict[tuple, dict[str, list[float]]], nss: dict[str, list[float]]) -> None:
    choosers = [key for key in next(iter(groups.values())) if key not in ("centre", "best")]
    pooled: dict[str, list[float]] = defaultdict(list)
    print(
        f"{'dataset':10} {'aspect':6} {'zoom':>4} {'n':>5} "
        + " ".join(f"{name[-22:]:>22}" for name in choosers)
    )
    for (dataset, aspect, zoom), values in sorted(groups.items()):
        for key, numbers in values.items():
            pooled[key] += numbers
        count = len(values["centre"])
        gains = " ".join(f"{_gain(values, name):22.3f}" for name in choosers)
        print(f"{dataset:10} {aspect:6} {zoom:4.1f} {count:5d} {gains}")
    count = len(pooled["centre"])
    print(
        f"overall gain of half the observers as the model: {_gain(pooled, 'people'):.3f} "
        f"({count} crops)"
    )
    for name in choosers[1:]:
        line = f"overall gain of {name}: {_gain(pooled, name):.3f}"
        if name in nss:
            line += f", NSS on the judging half {np.mean(nss[name]):.3f}"
        print(line)


if __name__ == "__main__":
    main()
