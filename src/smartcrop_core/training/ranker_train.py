"""Training the window ranker on what people looked at, reproducibly.

The ranker learns, for every image, aspect and zoom of the train split, to put first the
candidate windows that keep the most fixations and cut no labelled face. Its loss is
listwise: the cross-entropy between the softmax of its scores over one request's windows
and the softmax of their human target ``retention - face_penalty * faces_cut`` at
``temperature`` (a small temperature asks it to get the very best windows right, which is
what choosing one crop needs). Crop-benchmark annotations (GAICD, FCDB, FLMS; only images
present on disk) add a pairwise logistic term on their preferred and rejected crops.

A share of the train images (chosen by the seed) is held out; the epoch kept is the one with
the best held-out gain, measured as the shared crop benchmark measures it (0 = the centred
window, 1 = the best window of the grid). The ``val`` split is never read here.
"""

from __future__ import annotations

import json
import logging
import random
import shlex
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import WeightsUnavailableError
from ..pipeline import SmartCropper
from ..ranking import HAND_SET, Ranker
from ..saliency import default_model_name
from ..saliency.trained import shipped_info
from ..window_features import FEATURE_NAMES, WindowMeasurer
from .crop_datasets import load_crop_dataset, preference_pairs
from .data import load_fixation_dataset
from .ranker_data import RankingList, build_ranking_lists

__all__ = ["RankerConfig", "heldout_gain", "reproduce_command", "train_ranker"]

logger = logging.getLogger(__name__)

#: Windows of each request a training step sees: the best by retention, then a seeded draw.
_TOP_WINDOWS = 32
_RANDOM_WINDOWS = 64


@dataclass
class RankerConfig:
    """Everything a ranker training run depends on; saved next to its weights."""

    data: list[str]
    output: str
    model: str | None = None
    faces: bool = True
    hidden: int = 16
    temperature: float = 0.01
    face_penalty: float = 0.3
    epochs: int = 400
    learning_rate: float = 0.01
    weight_decay: float = 1e-4
    holdout: float = 0.2
    seed: int = 0
    threads: int = 2
    limit: int | None = None
    crops: list[str] = field(default_factory=list)
    crop_weight: float = 0.1


def train_ranker(config: RankerConfig) -> Path:
    """Train a ranker; returns the path of its ``ranker.json`` in ``config.output``.

    The measured training lists are cached in the output folder (``lists.npz``), so runs
    that only change the learner's settings skip the image analysis.
    """
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "config.json").write_text(json.dumps(asdict(config), indent=1))
    cropper = SmartCropper(model=config.model, faces=config.faces)
    lists = _cached_lists(config, cropper, output / "lists.npz")
    training, holdout = _split(lists, config.holdout, config.seed)
    logger.info("%d training and %d held-out requests", len(training), len(holdout))
    pairs = _crop_pairs(config, cropper)

    features = np.concatenate([item.features for item in training]).astype(np.float64)
    mean, scale = features.mean(0), features.std(0) + 1e-6
    batch = _padded(training, mean, scale, config, random.Random(config.seed))
    network = _network(len(FEATURE_NAMES), config.hidden)
    optimiser = torch.optim.Adam(
        network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    best_gain, best_state, log = -np.inf, None, []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        loss = _listwise_loss(network, batch)
        if pairs is not None:
            loss = loss + config.crop_weight * _pairwise_loss(network, pairs, mean, scale)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if epoch % 20 == 0 or epoch == config.epochs:
            ranker = _as_ranker(network, mean, scale, {})
            gain = heldout_gain(ranker, holdout)
            log.append({"epoch": epoch, "loss": loss.item(), **gain})
            logger.info("epoch %d/%d loss %.4f held-out %s", epoch, config.epochs, loss, gain)
            if gain["gain"] > best_gain:
                best_gain = gain["gain"]
                best_state = {k: v.clone() for k, v in network.state_dict().items()}
    network.load_state_dict(best_state)
    info = {
        "trained_by": "smartcrop-train ranker",
        "config": asdict(config),
        "command": reproduce_command(config),
        "saliency_model": config.model or default_model_name(),
        "holdout": heldout_gain(_as_ranker(network, mean, scale, {}), holdout),
        # What the same held-out windows give when ranked without learning, for comparison.
        "holdout_hand_set": heldout_gain(HAND_SET, holdout),
        "holdout_mass_only": heldout_gain(Ranker.linear({"mass": 1.0}), holdout),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (output / "log.json").write_text(json.dumps(log, indent=1))
    return _as_ranker(network, mean, scale, info).save(output / "ranker.json")


def reproduce_command(config: RankerConfig) -> str:
    """The ``smartcrop-train ranker`` command that trains ``config`` again."""
    parts = ["smartcrop-train", "ranker"]
    for folder in config.data:
        parts += ["--data", folder]
    for folder in config.crops:
        parts += ["--crops", folder]
    if config.model:
        parts += ["--model", config.model]
    if not config.faces:
        parts.append("--no-faces")
    options = {
        "--hidden": config.hidden,
        "--temperature": config.temperature,
        "--face-penalty": config.face_penalty,
        "--epochs": config.epochs,
        "--lr": config.learning_rate,
        "--seed": config.seed,
    }
    for flag, value in options.items():
        parts += [flag, str(value)]
    if config.limit is not None:
        parts += ["--limit", str(config.limit)]
    return shlex.join([*parts, "--out", "runs/ranker"])


def heldout_gain(ranker: Ranker, lists: Sequence[RankingList]) -> dict[str, float]:
    """How the ranker's first choices do on ``lists``, as the shared crop benchmark counts.

    Returns
    -------
    dict
        ``gain`` (0 = centred window, 1 = best window of each list), ``retention`` and,
        over lists with labelled faces, ``faces_cut`` and the centred window's
        ``centre_faces_cut``.
    """
    chosen, centre, best, cut, centre_cut = [], [], [], [], []
    for item in lists:
        pick = int(np.argmax(ranker.score(item.features)))
        chosen.append(item.retention[pick])
        centre.append(item.retention[item.centre])
        best.append(item.retention.max())
        if item.faces_cut.any():
            cut.append(item.faces_cut[pick])
            centre_cut.append(item.faces_cut[item.centre])
    span = max(np.mean(best) - np.mean(centre), 1e-9)
    return {
        "gain": round(float((np.mean(chosen) - np.mean(centre)) / span), 4),
        "retention": round(float(np.mean(chosen)), 4),
        "faces_cut": round(float(np.mean(cut)), 4) if cut else 0.0,
        "centre_faces_cut": round(float(np.mean(centre_cut)), 4) if centre_cut else 0.0,
    }


def _network(width: int, hidden: int) -> torch.nn.Module:
    if not hidden:
        return torch.nn.Linear(width, 1, dtype=torch.float64)
    return torch.nn.Sequential(
        torch.nn.Linear(width, hidden, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(hidden, 1, dtype=torch.float64),
    )


def _as_ranker(network: torch.nn.Module, mean: np.ndarray, scale: np.ndarray, info) -> Ranker:
    linears = [m for m in network.modules() if isinstance(m, torch.nn.Linear)]
    layers = tuple(
        (m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linears
    )
    return Ranker(FEATURE_NAMES, mean.copy(), scale.copy(), layers, info)


def _padded(
    lists: Sequence[RankingList],
    mean: np.ndarray,
    scale: np.ndarray,
    config: RankerConfig,
    rng: random.Random,
) -> dict[str, torch.Tensor]:
    """Standardised features and soft targets of a sample of each list's windows."""
    width = _TOP_WINDOWS + _RANDOM_WINDOWS
    features = np.zeros((len(lists), width, len(FEATURE_NAMES)))
    targets = np.full((len(lists), width), -np.inf)
    for row, item in enumerate(lists):
        picked = _sample(item, rng)
        features[row, : len(picked)] = (item.features[picked] - mean) / scale
        target = item.retention[picked] - config.face_penalty * item.faces_cut[picked]
        targets[row, : len(picked)] = target / config.temperature
    target_tensor = torch.from_numpy(targets)
    return {
        "features": torch.from_numpy(features),
        "targets": torch.softmax(target_tensor, dim=1),
        "mask": torch.isfinite(target_tensor),
    }


def _sample(item: RankingList, rng: random.Random) -> np.ndarray:
    count = len(item.retention)
    if count <= _TOP_WINDOWS + _RANDOM_WINDOWS:
        return np.arange(count)
    order = np.argsort(-item.retention, kind="stable")
    rest = order[_TOP_WINDOWS:].tolist()
    return np.concatenate([order[:_TOP_WINDOWS], rng.sample(rest, _RANDOM_WINDOWS)])


def _listwise_loss(network: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    scores = network(batch["features"])[..., 0].masked_fill(~batch["mask"], -torch.inf)
    log_probabilities = torch.log_softmax(scores, dim=1).masked_fill(~batch["mask"], 0.0)
    return -(batch["targets"] * log_probabilities).sum(1).mean()


def _pairwise_loss(network, pairs: dict[str, torch.Tensor], mean, scale) -> torch.Tensor:
    better = network((pairs["better"] - torch.from_numpy(mean)) / torch.from_numpy(scale))
    worse = network((pairs["worse"] - torch.from_numpy(mean)) / torch.from_numpy(scale))
    margin = (better - worse)[:, 0]
    return (pairs["weights"] * torch.nn.functional.softplus(-margin)).sum() / pairs["weights"].sum()


def _crop_pairs(config: RankerConfig, cropper: SmartCropper) -> dict[str, torch.Tensor] | None:
    """Features of preferred and rejected crops of the crop-benchmark images on disk."""
    better, worse, weights = [], [], []
    for folder in config.crops:
        for annotation in load_crop_dataset(folder, "train", with_images_only=True):
            good, bad, weight = preference_pairs(annotation, rng=config.seed)
            if not len(weight):
                continue
            measure = WindowMeasurer(cropper.analyze(annotation.rgb()))
            better.append(measure(good))
            worse.append(measure(bad))
            weights.append(weight)
    if not weights:
        if config.crops:
            logger.warning("no crop-benchmark images with preference pairs in %s", config.crops)
        return None
    logger.info("%d preference pairs from crop benchmarks", sum(len(w) for w in weights))
    return {
        "better": torch.from_numpy(np.concatenate(better)),
        "worse": torch.from_numpy(np.concatenate(worse)),
        "weights": torch.from_numpy(np.concatenate(weights).astype(np.float64)),
    }


def _split(
    lists: Sequence[RankingList], share: float, seed: int
) -> tuple[list[RankingList], list[RankingList]]:
    """Hold out whole images (all their requests), chosen by the seed."""
    images = sorted({(item.dataset, item.name) for item in lists})
    random.Random(seed).shuffle(images)
    held = set(images[: round(share * len(images))])
    training = [item for item in lists if (item.dataset, item.name) not in held]
    holdout = [item for item in lists if (item.dataset, item.name) in held]
    return training, holdout


def _cached_lists(config: RankerConfig, cropper: SmartCropper, path: Path) -> list[RankingList]:
    key = json.dumps(
        [config.data, config.model, config.faces, config.limit, _model_record(config.model)]
    )
    if path.is_file():
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) == key:
                logger.info("measured windows read from %s", path)
                return _unpack(stored)
    samples = [
        sample
        for folder in config.data
        for sample in load_fixation_dataset(folder, ("train",), config.limit)
    ]
    logger.info("measuring the windows of %d train images", len(samples))
    lists = build_ranking_lists(samples, cropper)
    _pack(lists, key, path)
    return lists


def _model_record(model: str | None) -> dict:
    """What a shipped model's weights are (its JSON record), so a new model re-measures."""
    try:
        return shipped_info(model or default_model_name())
    except WeightsUnavailableError:
        return {}


def _pack(lists: Sequence[RankingList], key: str, path: Path) -> None:
    lengths = np.array([len(item.retention) for item in lists])
    np.savez_compressed(
        path,
        key=np.array(key),
        lengths=lengths,
        meta=np.array([[item.dataset, item.name] for item in lists]),
        request=np.array([[item.aspect, item.zoom, item.centre] for item in lists]),
        boxes=np.concatenate([item.boxes for item in lists]),
        features=np.concatenate([item.features for item in lists]),
        retention=np.concatenate([item.retention for item in lists]),
        faces_cut=np.concatenate([item.faces_cut for item in lists]),
    )


def _unpack(stored) -> list[RankingList]:
    bounds = np.concatenate([[0], np.cumsum(stored["lengths"])])
    arrays = {name: stored[name] for name in ("boxes", "features", "retention", "faces_cut")}
    lists = []
    for index, ((dataset, name), (aspect, zoom, centre)) in enumerate(
        zip(stored["meta"], stored["request"], strict=True)
    ):
        part = slice(bounds[index], bounds[index + 1])
        lists.append(
            RankingList(
                dataset=str(dataset),
                name=str(name),
                aspect=float(aspect),
                zoom=float(zoom),
                boxes=arrays["boxes"][part],
                features=arrays["features"][part],
                retention=arrays["retention"][part],
                faces_cut=arrays["faces_cut"][part],
                centre=int(centre),
            )
        )
    return lists
