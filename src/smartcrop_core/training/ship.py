"""Copying a trained run's best weights into the package, with how to reproduce them."""

from __future__ import annotations

import datetime
import json
import shlex
import shutil
from pathlib import Path
from typing import Any

__all__ = ["reproduce_command", "ship_ranker", "ship_run"]


def reproduce_command(config: dict[str, Any]) -> str:
    """The ``smartcrop-train saliency`` command that trains ``config`` again."""
    parts = ["smartcrop-train", "saliency", "--arch", config["architecture"]]
    for folder in config["data"]:
        parts += ["--data", folder]
    for teacher in config.get("teachers", []):
        parts += ["--teacher", _portable_teacher(teacher)]
    options = {
        "--epochs": config["epochs"],
        "--batch-size": config["batch_size"],
        "--lr": config["learning_rate"],
        "--input-size": config["input_size"],
        "--distill-weight": config["distill_weight"],
        "--augmentation": config["augmentation"],
        "--seed": config["seed"],
        "--threads": config["threads"],
    }
    for flag, value in options.items():
        parts += [flag, str(value)]
    for key, value in sorted(config.get("network", {}).items()):
        parts += [f"--{key.replace('_', '-')}", str(value)]
    parts += ["--out", "runs/" + config["architecture"]]
    return shlex.join(parts)


def _portable_teacher(teacher: str) -> str:
    """A teacher run folder as the ``--out`` its own reproduce command writes, not a local path."""
    teacher_config = Path(teacher, "config.json")
    if not teacher_config.is_file():
        return teacher  # a registered model's name
    return "runs/" + json.loads(teacher_config.read_text())["architecture"]


def ship_run(
    run: str | Path,
    name: str,
    destination: str | Path,
    *,
    centre_bias_scale: float = 1.0,
    mirror: bool = False,
    inference_input_size: int | None = None,
    note: str = "",
) -> Path:
    """Copy ``run/best.pt`` to ``destination/name.pt`` and record ``name.json`` beside it.

    ``centre_bias_scale`` is stored for inference (see
    :class:`~smartcrop_core.saliency.nets.common.CentreBias`); ``note`` says how it was chosen.
    """
    run, destination = Path(run), Path(destination)
    config = json.loads((run / "config.json").read_text())
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines() if line]
    best = max(log, key=lambda record: record["holdout_ig_bits"])
    target = destination / f"{name}.pt"
    shutil.copyfile(run / "best.pt", target)
    info = {
        "architecture": config["architecture"],
        "network": config.get("network", {}),
        "input_size": inference_input_size or config["input_size"],
        "training_input_size": config["input_size"],
        "centre_bias_scale": centre_bias_scale,
        "mirror": mirror,
        "note": note,
        "command": reproduce_command(config),
        "data": "train split of each --data folder (shared/data/fixations); a tenth of it, "
        f"chosen by seed {config['seed']}, held out to pick the epoch; val never read",
        "seed": config["seed"],
        "best_epoch": best["epoch"],
        "holdout_information_gain_bits": round(best["holdout_ig_bits"], 4),
        "training_seconds": round(sum(record["seconds"] for record in log), 1),
        "shipped": datetime.date.today().isoformat(),
        "config": config,
    }
    (destination / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
    return target


def ship_ranker(run: str | Path, destination: str | Path, *, note: str = "") -> Path:
    """Copy ``run/ranker.json`` to ``destination/ranker.json``, adding ``note`` and the date.

    The ranker's ``info`` already holds the command, data, seed and held-out scores.
    """
    from ..ranking import SHIPPED_RANKER, load_ranker

    ranker = load_ranker(Path(run) / "ranker.json")
    info = {**ranker.info, "note": note, "shipped": datetime.date.today().isoformat()}
    shipped = type(ranker)(ranker.feature_names, ranker.mean, ranker.scale, ranker.layers, info)
    return shipped.save(Path(destination) / SHIPPED_RANKER)
