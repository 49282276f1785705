#!/usr/bin/env python3
"""Saliency time per 512 px image, single thread: each model against FastGaze, same run.

Times ``model.predict(rgb)`` on the stored (<= 512 px) eye-tracking images, after a warm-up,
interleaving the models image by image so that a busy machine slows them alike. Prints
medians and each model's ratio to FastGaze's median.

Example::

    SMARTCROP_WEIGHTS_DIR=../shared/weights python benchmarks/saliency_speed.py \\
        --data ../shared/data/fixations/osie --images 40 --model student --model fastgaze
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

REFERENCE = "fastgaze"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="dataset folder(s)")
    parser.add_argument("--model", action="append", default=[], help="saliency model(s)")
    parser.add_argument("--images", type=int, default=40, help="images per dataset")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import torch

    from smartcrop_core.saliency import MODELS
    from smartcrop_plugins.manager import get_plugin_manager

    torch.set_num_threads(args.threads)
    get_plugin_manager()
    names = list(dict.fromkeys([*args.model, REFERENCE]))
    models = {name: MODELS.load(name) for name in names}  # no silent fallback here
    images = [
        np.asarray(Image.open(path).convert("RGB"))
        for folder in args.data
        for path in sorted(Path(folder, "images").glob("*.jpg"))[: args.images]
    ]
    for model in models.values():  # warm-up: first calls build caches and kernels
        model.predict(images[0])
    times: dict[str, list[float]] = {name: [] for name in names}
    for rgb in images:
        for name, model in models.items():
            started = time.perf_counter()
            model.predict(rgb)
            times[name].append(time.perf_counter() - started)
    reference = statistics.median(times[REFERENCE])
    print(f"{len(images)} images, {args.threads} thread(s)")
    print(f"{'model':24} {'median ms':>10} {'x ' + REFERENCE:>12}")
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:24} {1000 * median:10.1f} {median / reference:12.3f}")


if __name__ == "__main__":
    main()
