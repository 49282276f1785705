"""``smartcrop-train``: train the project's saliency models and window ranker.

Examples
--------
Train the window ranker on the train splits, with the default saliency model and faces::

    smartcrop-train ranker --out runs/ranker \\
        --data ../shared/data/fixations/mit1003 --data ../shared/data/fixations/osie \\
        --data ../shared/data/fixations/nus_scene --data ../shared/data/fixations/eyecrowd
    smartcrop-train ship-ranker --run runs/ranker


Train the student on the train splits of the four shared sets, distilled from FastGaze::

    smartcrop-train saliency --arch student --teacher fastgaze --out runs/student \\
        --data ../shared/data/fixations/mit1003 --data ../shared/data/fixations/osie \\
        --data ../shared/data/fixations/nus_scene --data ../shared/data/fixations/eyecrowd
"""

from __future__ import annotations

import argparse
import logging
import sys

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from .train import ARCHITECTURES, TrainConfig

    defaults = TrainConfig(architecture="student", data=[], output="")
    parser = argparse.ArgumentParser(prog="smartcrop-train", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saliency = commands.add_parser("saliency", help="train a saliency network")
    saliency.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    saliency.add_argument(
        "--data", action="append", required=True, help="dataset folder; repeat for several"
    )
    saliency.add_argument("--out", required=True, help="folder for checkpoints and logs")
    saliency.add_argument("--epochs", type=int, default=defaults.epochs)
    saliency.add_argument("--batch-size", type=int, default=defaults.batch_size)
    saliency.add_argument("--lr", type=float, default=defaults.learning_rate)
    saliency.add_argument("--input-size", type=int, default=defaults.input_size)
    saliency.add_argument(
        "--teacher",
        action="append",
        default=[],
        help="saliency model name or finished run folder to distil from; repeatable",
    )
    saliency.add_argument("--distill-weight", type=float, default=defaults.distill_weight)
    saliency.add_argument("--augmentation", type=float, default=defaults.augmentation)
    saliency.add_argument("--seed", type=int, default=defaults.seed)
    saliency.add_argument("--threads", type=int, default=defaults.threads)
    saliency.add_argument("--limit", type=int, help="at most this many images per dataset")
    saliency.add_argument("--width", type=int, help="student: channels of its first stage")
    ship = commands.add_parser("ship", help="copy a run's best weights into the package")
    ship.add_argument("--run", required=True, help="the run's --out folder")
    ship.add_argument("--name", default="student", help="file name in the package")
    ship.add_argument(
        "--centre-bias-scale",
        type=float,
        default=1.0,
        help="weaken (<1) the learned centre bias at inference",
    )
    ship.add_argument(
        "--input-size",
        type=int,
        help="longer side of the network's input at inference (default: as trained)",
    )
    ship.add_argument(
        "--mirror",
        action="store_true",
        help="average each map with its mirror image's at inference (twice the time)",
    )
    ship.add_argument("--note", default="", help="how the settings were chosen")
    centre = commands.add_parser(
        "centre-scale",
        help="choose a run's inference centre-bias scale on its held-out train images",
    )
    centre.add_argument("--run", required=True, help="a finished saliency run's --out folder")
    centre.add_argument("--scale", type=float, action="append", help="a scale to try; repeatable")
    centre.add_argument(
        "--mirror", action="store_true", help="score with test-time mirroring (see ship)"
    )
    centre.add_argument("--input-size", type=int, help="score at this input size (see ship)")
    _add_ranker_commands(commands)
    return parser


def _add_ranker_commands(commands) -> None:
    from .ranker_train import RankerConfig

    defaults = RankerConfig(data=[], output="")
    ranker = commands.add_parser(
        "ranker", help="train the window ranker on fixations (and crop benchmarks)"
    )
    ranker.add_argument(
        "--data", action="append", required=True, help="fixation dataset folder; repeatable"
    )
    ranker.add_argument("--out", required=True, help="folder for the ranker, its log and cache")
    ranker.add_argument(
        "--crops",
        action="append",
        default=[],
        help="GAICD, FCDB or FLMS folder whose images are on disk: adds their preferences",
    )
    ranker.add_argument("--model", help="saliency model to measure windows with (default: ours)")
    ranker.add_argument("--no-faces", action="store_true", help="measure without face detection")
    ranker.add_argument("--hidden", type=int, default=defaults.hidden, help="0 = linear")
    ranker.add_argument("--temperature", type=float, default=defaults.temperature)
    ranker.add_argument("--face-penalty", type=float, default=defaults.face_penalty)
    ranker.add_argument("--epochs", type=int, default=defaults.epochs)
    ranker.add_argument("--lr", type=float, default=defaults.learning_rate)
    ranker.add_argument("--seed", type=int, default=defaults.seed)
    ranker.add_argument("--threads", type=int, default=defaults.threads)
    ranker.add_argument("--limit", type=int, help="at most this many images per dataset")
    ship = commands.add_parser("ship-ranker", help="copy a trained ranker into the package")
    ship.add_argument("--run", required=True, help="the ranker run's --out folder")
    ship.add_argument("--note", default="", help="how the settings were chosen")


def _run_ranker_command(args) -> int:
    from pathlib import Path

    from .ranker_train import RankerConfig, train_ranker

    if args.command == "ship-ranker":
        from .ship import ship_ranker

        package = Path(__file__).resolve().parents[1] / "ranker_weights"
        print(ship_ranker(args.run, package, note=args.note))
        return 0
    config = RankerConfig(
        data=args.data,
        output=args.out,
        model=args.model,
        faces=not args.no_faces,
        hidden=args.hidden,
        temperature=args.temperature,
        face_penalty=args.face_penalty,
        epochs=args.epochs,
        learning_rate=args.lr,
        seed=args.seed,
        threads=args.threads,
        limit=args.limit,
        crops=args.crops,
    )
    print(train_ranker(config))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``smartcrop-train``; returns the exit status."""
    from .train import TrainConfig, train

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr, force=True
    )
    if args.command in ("ranker", "ship-ranker"):
        return _run_ranker_command(args)
    if args.command == "centre-scale":
        from .centre_scale import (
            DEFAULT_SCALES,
            choose_centre_scale,
            format_sweep,
            sweep_centre_scale,
        )

        sweep = sweep_centre_scale(
            args.run, args.scale or DEFAULT_SCALES, mirror=args.mirror, input_size=args.input_size
        )
        print(format_sweep(sweep))
        print(f"chosen centre-bias scale: {choose_centre_scale(sweep):g}")
        return 0
    if args.command == "ship":
        from pathlib import Path

        from .ship import ship_run

        package_weights = Path(__file__).resolve().parents[1] / "saliency" / "weights"
        target = ship_run(
            args.run,
            args.name,
            package_weights,
            centre_bias_scale=args.centre_bias_scale,
            mirror=args.mirror,
            inference_input_size=args.input_size,
            note=args.note,
        )
        print(target)
        return 0
    network = {"width": args.width} if args.width else {}
    config = TrainConfig(
        architecture=args.arch,
        data=args.data,
        output=args.out,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        input_size=args.input_size,
        teachers=args.teacher,
        distill_weight=args.distill_weight,
        augmentation=args.augmentation,
        seed=args.seed,
        threads=args.threads,
        limit=args.limit,
        network=network,
    )
    best = train(config)
    print(best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
