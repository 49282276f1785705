#!/usr/bin/env python3
"""Grid-search the hand-set ranking weights on the *train* split of the eye-tracking data.

Each image is analysed once (saliency + faces); every weight setting is then scored with
the shared crop benchmark's own scorer (``../shared/eval/crop_bench.py``): pooled gain over
a centred crop, and on EyeCrowd the share of faces kept and cut. Never run it on ``val``:
that split is for reporting.

Example::

    python benchmarks/tune_ranking.py --limit 120 \\
        --data ../shared/data/fixations/mit1003 --data ../shared/data/fixations/osie \\
        --data ../shared/data/fixations/nus_scene --data ../shared/data/fixations/eyecrowd
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
sys.path.insert(0, str(EVAL))

from crop_bench import DEFAULT_ASPECTS, DEFAULT_ZOOMS, Scorer, parse_aspect  # noqa: E402
from datasets import load  # noqa: E402

from smartcrop_core import RankingWeights, SmartCropper, target_size  # noqa: E402
from smartcrop_core.candidates import generate_candidates  # noqa: E402
from smartcrop_core.ranking import _CENTRE_TIEBREAK, window_features  # noqa: E402

BANDS = (0.03, 0.06)


def analyse(data_dirs: list[str], split: str, limit: int | None) -> list[dict]:
    """Per crop to make: its scorer, the centre and oracle boxes, and window features."""
    cropper = SmartCropper()
    crops = []
    for folder in data_dirs:
        for sample in load(folder, (split,), limit):
            scorer = Scorer(sample)
            analysis = cropper.analyze(sample.image())
            for aspect_text in DEFAULT_ASPECTS.split(","):
                aspect = parse_aspect(aspect_text)
                full_w, full_h = target_size(sample.width, sample.height, aspect)
                if full_w * full_h > 0.9 * sample.width * sample.height:
                    continue  # as crop_bench: hardly any choice left
                for zoom in (float(z) for z in DEFAULT_ZOOMS.split(",")):
                    w, h = target_size(sample.width, sample.height, aspect, zoom)
                    cx, cy = (sample.width - w) // 2, (sample.height - h) // 2
                    candidates = generate_candidates(analysis.image.original_size, aspect, zoom)
                    features = {
                        band: window_features(
                            analysis, candidates, replace(RankingWeights(), border_band=band)
                        )
                        for band in BANDS
                    }
                    crops.append(
                        {
                            "scorer": scorer,
                            "boxes": candidates.boxes,
                            "features": features,
                            "center": scorer.retention((cx, cy, cx + w, cy + h)),
                            "oracle": scorer.retention(scorer.oracle(w, h)),
                            "faces": bool(sample.faces),
                        }
                    )
    return crops


def evaluate(crops: list[dict], weights: RankingWeights) -> dict[str, float]:
    kept = np.zeros(3)
    method, center, oracle = [], [], []
    for crop in crops:
        f = crop["features"][weights.border_band]
        scores = (
            f.mass
            - weights.border * f.border_mass
            + weights.face_kept * f.faces_kept
            - weights.face_cut * f.faces_cut
            - _CENTRE_TIEBREAK * f.centre_distance
        )
        box = tuple(int(v) for v in crop["boxes"][int(np.argmax(scores))])
        method.append(crop["scorer"].retention(box))
        center.append(crop["center"])
        oracle.append(crop["oracle"])
        if crop["faces"]:
            kept += crop["scorer"].faces(box)
    m, c, o = (float(np.mean(v)) for v in (method, center, oracle))
    result = {"gain": (m - c) / (o - c), "retention": m}
    if kept[2]:
        result.update(face_keep=kept[0] / kept[2], face_cut=kept[1] / kept[2])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--split", default="train")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--border", default="0,0.1,0.25,0.5,1,2", help="comma list to try")
    parser.add_argument("--face-kept", default="0,0.05,0.1,0.15,0.3", help="comma list")
    parser.add_argument("--face-cut", default="0,0.05,0.1,0.15,0.2,0.3,0.6", help="comma list")
    args = parser.parse_args(argv)
    if args.split == "val":
        parser.error("tune on train; val is for reporting")
    items = analyse(args.data, args.split, args.limit)
    print(f"{len(items)} crops analysed", flush=True)
    grid = {
        "border": [float(v) for v in args.border.split(",")],
        "border_band": list(BANDS),
        "face_kept": [float(v) for v in args.face_kept.split(",")],
        "face_cut": [float(v) for v in args.face_cut.split(",")],
    }
    rows = []
    for values in itertools.product(*grid.values()):
        weights = replace(RankingWeights(), **dict(zip(grid, values, strict=True)))
        result = evaluate(items, weights)
        rows.append((result["gain"], values, result))
        print(
            dict(zip(grid, values, strict=True)),
            {k: round(v, 4) for k, v in result.items()},
            flush=True,
        )
    rows.sort(key=lambda row: -row[0])
    print("best:")
    for gain, values, result in rows[:8]:
        print(f"  gain {gain:+.4f}", dict(zip(grid, values, strict=True)), result)


if __name__ == "__main__":
    main()
