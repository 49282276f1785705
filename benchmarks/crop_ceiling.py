#!/usr/bin/env python3
"""How much crop gain can a perfect attention model expect? Half the observers as the model.

``crop_bench.py`` scores a crop's **gain**: 0 for the centred crop, 1 for the best box
placed with every fixation known. That best box is fitted to the very fixations it is
scored on, noise included, so no predictor can reach 1. This script measures what people
themselves reach: for each image the observers are split at random into two halves; the
box is chosen on one half's fixations (blurred into a map, the window of the most mass)
and scored on the other half, against the centred crop and that half's own best box. The
same aspects, zooms, images and skip rule as ``crop_bench.py``.

Example::

    python benchmarks/crop_ceiling.py --data ../shared/data/fixations/osie \\
        --data ../shared/data/fixations/eyecrowd
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ZOOMS = (1.0, 0.6)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="dataset folder(s)")
    parser.add_argument("--split", default="val", help="train, val or all (default val)")
    parser.add_argument("--blur", type=float, default=0.03, help="blur, share of the longer side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shared-eval", default=str(ROOT.parent / "shared" / "eval"), help="shared eval folder"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, args.shared_eval)
    from crop_bench import DEFAULT_ASPECTS, parse_aspect, target_size
    from datasets import load

    from smartcrop_core.window_features import integral_image

    rng = np.random.default_rng(args.seed)
    groups: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for folder in args.data:
        for sample in load(folder, (args.split,)):
            halves = _split_observers(sample.fixations, rng)
            if halves is None:
                continue
            chooser, judge = halves
            size = (sample.width, sample.height)
            chosen_by = integral_image(_blurred(chooser, size, args.blur * max(size)))
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
                    row, col = np.unravel_index(
                        int(np.argmax(_window_sums(chosen_by, width, height))), kept.shape
                    )
                    centre = kept[(size[1] - height) // 2, (size[0] - width) // 2]
                    group = groups[(sample.dataset, aspect_text, zoom)]
                    group["centre"].append(float(centre))
                    group["best"].append(float(kept.max()))
                    group["people"].append(float(kept[row, col]))
    _report(groups)


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
    width, height = size
    grid = np.zeros((height, width))
    cols = np.clip(np.floor(fixations[:, 0]).astype(int), 0, width - 1)
    rows = np.clip(np.floor(fixations[:, 1]).astype(int), 0, height - 1)
    np.add.at(grid, (rows, cols), 1.0)
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


def _gain(values: dict[str, list[float]]) -> float:
    centre, best, people = (float(np.mean(values[key])) for key in ("centre", "best", "people"))
    return (people - centre) / (best - centre) if best - centre > 1e-9 else float("nan")


def _report(groups: dict[tuple, dict[str, list[float]]]) -> None:
    pooled: dict[str, list[float]] = defaultdict(list)
    print(f"{'dataset':10} {'aspect':6} {'zoom':>4} {'n':>5} {'gain':>6}")
    for (dataset, aspect, zoom), values in sorted(groups.items()):
        for key, numbers in values.items():
            pooled[key] += numbers
        count = len(values["centre"])
        print(f"{dataset:10} {aspect:6} {zoom:4.1f} {count:5d} {_gain(values):6.3f}")
    count = len(pooled["centre"])
    print(f"overall gain of half the observers as the model: {_gain(pooled):.3f} ({count} crops)")


if __name__ == "__main__":
    main()
