#!/usr/bin/env python3
"""What ranking adds per image, for every aspect at once, against the analysis it follows.

For each stored (<= 512 px) eye-tracking image: time the analysis (saliency and faces, one
pass), then the window search and ranking for all the asked aspects and zooms on that
analysis, and, in the same run and on the same images, smartcrop.py (the ``smartcrop`` PyPI
package, a peer) for one aspect. Prints medians and ratios. Single thread by default.

Example::

    SMARTCROP_WEIGHTS_DIR=../shared/weights python benchmarks/ranking_speed.py \\
        --data ../shared/data/fixations/osie --data ../shared/data/fixations/eyecrowd
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

ASPECTS = ("1:1", "4:5", "9:16", "16:9", "2:1")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="dataset folder(s)")
    parser.add_argument("--images", type=int, default=30, help="images per dataset")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--zoom", action="append", default=[], help="zooms (default 1.0, 0.6)")
    args = parser.parse_args(argv)

    import torch

    from smartcrop_core import SmartCropper

    torch.set_num_threads(args.threads)
    zooms = args.zoom or ["1.0", "0.6"]
    images = [
        Image.open(path).convert("RGB")
        for folder in args.data
        for path in sorted(Path(folder, "images").glob("*.jpg"))[: args.images]
    ]
    cropper = SmartCropper()
    peer = _smartcrop_py()
    cropper.crop_many(np.asarray(images[0]), ASPECTS, zooms=zooms)  # warm-up
    analysis_s, ranking_s, peer_s = [], [], []
    for image in images:
        rgb = np.asarray(image)
        started = time.perf_counter()
        analysis = cropper.analyze(rgb)
        analysed = time.perf_counter()
        cropper.crop_many(analysis, ASPECTS, zooms=zooms)
        ranked = time.perf_counter()
        analysis_s.append(analysed - started)
        ranking_s.append(ranked - analysed)
        if peer is not None:
            started = time.perf_counter()
            peer.crop(image, image.height, image.height)
            peer_s.append(time.perf_counter() - started)
    requests = len(ASPECTS) * len(zooms)
    analysis_ms = 1000 * statistics.median(analysis_s)
    ranking_ms = 1000 * statistics.median(ranking_s)
    print(f"{len(images)} images, {args.threads} thread(s), {requests} aspect x zoom requests")
    print(f"analysis (saliency + faces):        {analysis_ms:7.2f} ms")
    print(f"ranking, all {requests} requests:          {ranking_ms:7.2f} ms")
    print(f"ranking per request:                {ranking_ms / requests:7.2f} ms")
    print(f"ranking / analysis:                 {ranking_ms / analysis_ms:7.3f}")
    if peer_s:
        peer_ms = 1000 * statistics.median(peer_s)
        print(f"smartcrop.py, one 1:1 crop:         {peer_ms:7.2f} ms")
        print(f"our ranking (all requests) / smartcrop.py (one): {ranking_ms / peer_ms:7.3f}")


def _smartcrop_py():
    try:
        import smartcrop
    except ImportError:
        print("smartcrop.py is not installed (pip install -e '.[bench]'): no peer timing")
        return None
    return smartcrop.SmartCrop()


if __name__ == "__main__":
    main()
