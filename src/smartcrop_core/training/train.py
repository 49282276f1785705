"""Training a saliency network on the shared eye-tracking data, reproducibly.

Loss: the negative log-likelihood of the recorded fixations under the network's density
(DeepGaze's objective; its improvement over a centre prior is the information gain), plus,
when teachers are named, ``distill_weight`` times the KL divergence from the teachers'
averaged density (distillation). A tenth of the train split (chosen by the seed) is held
out to pick the best epoch; the ``val`` split is never read here.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ..saliency.nets.architectures import (
    ARCHITECTURES,
    EUCLIDEAN_LOSS,
    load_trained,
    trainable_state,
)
from ..saliency.priors import centre_log_prior
from .data import (
    FixationSample,
    TrainingImage,
    augment,
    batches,
    load_fixation_dataset,
    prepare_training_images,
)
from .losses import blurred_fixation_maps, distillation_kl, fixation_log_likelihood

__all__ = [
    "ARCHITECTURES",
    "TrainConfig",
    "load_run",
    "load_trained",
    "split_samples",
    "train",
]

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved next to its weights."""

    architecture: str
    data: list[str]
    output: str
    epochs: int = 30
    batch_size: int = 16
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    input_size: int = 256
    network: dict[str, float] = field(default_factory=dict)
    teachers: list[str] = field(default_factory=list)
    distill_weight: float = 1.0
    augmentation: float = 1.0
    holdout: float = 0.1
    seed: int = 0
    threads: int = 2
    limit: int | None = None


def train(config: TrainConfig) -> Path:
    """Train ``config.architecture``; returns the path of the best weights file.

    Writes into ``config.output``: ``checkpoint.pt`` after every epoch (resumed from when
    present), ``best.pt`` (the weights of the epoch with the best held-out information
    gain), ``log.jsonl`` (one record per epoch) and ``config.json``.
    """
    if config.architecture not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {config.architecture!r}; known: {', '.join(ARCHITECTURES)}"
        )
    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "config.json").write_text(json.dumps(asdict(config), indent=1))
    _seed_everything(config.seed)
    torch.set_num_threads(config.threads)

    training, holdout = _load_images(config, output)
    network = ARCHITECTURES[config.architecture](**config.network)
    if hasattr(network, "extract"):
        _attach_frozen_features(network, training)
    optimiser = torch.optim.AdamW(
        [parameter for parameter in network.parameters() if parameter.requires_grad],
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = math.ceil(len(training) / config.batch_size) + 8  # shape groups round up
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=config.epochs * steps_per_epoch
    )
    start_epoch, best_gain = _resume(output, network, optimiser, schedule)
    rng = random.Random(config.seed)
    for _ in range(start_epoch):  # replay the shuffles so a resumed run matches a fresh one
        list(batches(training, config.batch_size, rng))

    for epoch in range(start_epoch, config.epochs):
        started = time.perf_counter()
        train_loss = _train_epoch(network, optimiser, schedule, training, config=config, rng=rng)
        gain = holdout_information_gain(
            network, holdout, euclidean=config.architecture in EUCLIDEAN_LOSS
        )
        record = {
            "epoch": epoch + 1,
            "train_loss": train_loss,
            "holdout_ig_bits": gain,
            "seconds": round(time.perf_counter() - started, 1),
        }
        logger.info("epoch %d/%d %s", epoch + 1, config.epochs, record)
        with open(output / "log.jsonl", "a") as log:
            log.write(json.dumps(record) + "\n")
        if gain > best_gain:
            best_gain = gain
            torch.save(trainable_state(network), output / "best.pt")
        torch.save(
            {
                "epoch": epoch + 1,
                "network": trainable_state(network),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
                "best_gain": best_gain,
            },
            output / "checkpoint.pt",
        )
    return output / "best.pt"


def holdout_information_gain(
    network: nn.Module, images: Sequence[TrainingImage], *, euclidean: bool = False
) -> float:
    """Mean information gain over the centre prior, bits per fixation, on ``images``.

    ``euclidean`` networks output saliency maps, not log-densities; their maps are read
    as densities (see :func:`~smartcrop_core.saliency.nets.pan.saliency_to_log_density`).
    """
    network.eval()
    gains, count = 0.0, 0
    with torch.inference_mode():
        for image in images:
            pixels = torch.from_numpy(image.pixels.copy()).permute(2, 0, 1)[None].float() / 255
            output = network(pixels)
            if euclidean:
                from ..saliency.nets.pan import saliency_to_log_density

                output = saliency_to_log_density(output)
            log_density = _log_normalise(output)
            baseline = torch.from_numpy(centre_log_prior(*log_density.shape[-2:]))
            baseline = _log_normalise(baseline[None])
            fixations = [torch.from_numpy(image.fixations)]
            model_ll = fixation_log_likelihood(log_density, fixations, image.shape)
            base_ll = fixation_log_likelihood(baseline, fixations, image.shape)
            gains += float(model_ll - base_ll) * len(image.fixations)
            count += len(image.fixations)
    network.train()
    return gains / max(count, 1) / math.log(2)


def _train_epoch(
    network: nn.Module,
    optimiser: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    images: Sequence[TrainingImage],
    *,
    config: TrainConfig,
    rng: random.Random,
) -> float:
    network.train()
    frozen = hasattr(network, "extract")
    losses = []
    for batch in batches(images, config.batch_size, rng):
        if frozen:
            # Frozen features were computed once, for the image and its mirror: augment by
            # choosing one of the two.
            views = [_mirrored_or_not(image, rng) for image in batch]
            features = torch.stack([view.features for view in views]).float()
            height, width = batch[0].shape
            output = network.readout(features, (math.ceil(height / 4), math.ceil(width / 4)))
        else:
            views = [augment(image, rng, strength=config.augmentation) for image in batch]
            pixels = torch.from_numpy(np.stack([view.pixels for view in views]))
            output = network(pixels.permute(0, 3, 1, 2).float() / 255)
        fixations = [torch.from_numpy(view.fixations) for view in views]
        if config.architecture in EUCLIDEAN_LOSS:
            targets = blurred_fixation_maps(fixations, batch[0].shape, tuple(output.shape[-2:]))
            loss = functional.mse_loss(output, targets)
        else:
            log_density = _log_normalise(output)
            loss = -fixation_log_likelihood(log_density, fixations, batch[0].shape)
            if config.teachers:
                teacher = torch.from_numpy(
                    np.stack([_mean_teacher(view.teachers, config.teachers) for view in views])
                )
                loss = loss + config.distill_weight * distillation_kl(log_density, teacher)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if schedule.last_epoch + 1 < schedule.total_steps:
            schedule.step()
        losses.append(float(loss.detach()))
    return float(np.mean(losses))


@dataclass(frozen=True)
class _FeatureView:
    features: torch.Tensor
    fixations: np.ndarray
    teachers: dict[str, np.ndarray]


def _mirrored_or_not(image: TrainingImage, rng: random.Random) -> _FeatureView:
    upright, mirrored = image.features
    if rng.random() < 0.5:
        return _FeatureView(upright, image.fixations, image.teachers)
    fixations = image.fixations.copy()
    fixations[:, 0] = image.shape[1] - fixations[:, 0]
    teachers = {name: np.ascontiguousarray(t[:, ::-1]) for name, t in image.teachers.items()}
    return _FeatureView(mirrored, fixations, teachers)


def _attach_frozen_features(network: nn.Module, images: Sequence[TrainingImage]) -> None:
    """Compute the frozen backbone's features once per image and its mirror (float16)."""
    started = time.perf_counter()
    for image in images:
        pixels = torch.from_numpy(image.pixels.copy()).permute(2, 0, 1)[None].float() / 255
        both = torch.cat([pixels, pixels.flip(-1)])
        features = network.extract(both).half()
        image.features = (features[0], features[1])
    logger.info(
        "frozen features of %d images in %.0f s", len(images), time.perf_counter() - started
    )


def _mean_teacher(teachers: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    # A geometric mean of the teachers' densities: what they agree on, sharpened.
    log_mean = np.mean([np.log(np.maximum(teachers[n], 1e-12)) for n in names], axis=0)
    density = np.exp(log_mean - log_mean.max())
    return (density / density.sum()).astype(np.float32)


def _log_normalise(logits: torch.Tensor) -> torch.Tensor:
    flat = logits.flatten(1)
    return (flat - torch.logsumexp(flat, dim=1, keepdim=True)).view_as(logits)


def split_samples(config: TrainConfig) -> tuple[list[FixationSample], list[FixationSample]]:
    """The train-split samples of a run's datasets: ``(training, held out)``, by its seed.

    The held-out share (``config.holdout``) picks the epoch and any inference setting; the
    ``val`` split is never read.
    """
    samples = _train_samples(config)
    held = _held_out(len(samples), config)
    training = [sample for i, sample in enumerate(samples) if i not in held]
    holdout = [sample for i, sample in enumerate(samples) if i in held]
    return training, holdout


def _train_samples(config: TrainConfig) -> list[FixationSample]:
    return [
        sample
        for folder in config.data
        for sample in load_fixation_dataset(folder, ("train",), config.limit)
    ]


def _held_out(count: int, config: TrainConfig) -> set[int]:
    order = list(range(count))
    random.Random(config.seed).shuffle(order)
    return set(order[: round(config.holdout * count)])


def _load_images(
    config: TrainConfig, output: Path
) -> tuple[list[TrainingImage], list[TrainingImage]]:
    samples = _train_samples(config)
    held = _held_out(len(samples), config)
    datasets = sorted({sample.dataset for sample in samples})
    images = prepare_training_images(samples, datasets, config.input_size)
    for name in config.teachers:
        _attach_teacher(name, samples, images, output)
    training = [image for i, image in enumerate(images) if i not in held]
    holdout = [image for i, image in enumerate(images) if i in held]
    logger.info("%d training and %d held-out images", len(training), len(holdout))
    return training, holdout


def _attach_teacher(
    name: str, samples: Sequence, images: Sequence[TrainingImage], output: Path
) -> None:
    """Give every image the teacher's density at a quarter of its size (cached on disk).

    ``name`` is a registered saliency model, or the folder of a finished :func:`train` run.
    """
    cache = output / f"teacher-{_teacher_cache_name(name)}.npz"
    keys = [f"{sample.dataset}/{sample.name}" for sample in samples]
    stored = dict(np.load(cache)) if cache.exists() else {}
    model = None
    for key, image in zip(keys, images, strict=True):
        if key not in stored:
            model = model or _teacher_model(name)
            density = model.predict(image.pixels)
            height, width = image.shape
            pooled = density.reshape(height // 4, 4, width // 4, 4).sum(axis=(1, 3))
            stored[key] = pooled.astype(np.float32)
        image.teachers[name] = stored[key]
    if model is not None:
        np.savez_compressed(cache, **stored)


def load_run(run: str | Path) -> tuple[nn.Module, dict]:
    """The best network of a finished :func:`train` run folder, and the run's config."""
    run = Path(run)
    config = json.loads((run / "config.json").read_text())
    network = load_trained(config["architecture"], run / "best.pt", **config.get("network", {}))
    return network, config


def _teacher_model(name: str):
    if not Path(name, "config.json").is_file():
        from ..saliency import get_model

        return get_model(name)
    from ..saliency.nets.common import NetworkSaliency

    network, config = load_run(name)
    return NetworkSaliency(network, config["input_size"])


def _teacher_cache_name(name: str) -> str:
    weights = Path(name, "best.pt")
    if not weights.is_file():
        return name
    import hashlib

    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    return f"{json.loads(Path(name, 'config.json').read_text())['architecture']}-{digest}"


def _resume(
    output: Path,
    network: nn.Module,
    optimiser: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
) -> tuple[int, float]:
    checkpoint_path = output / "checkpoint.pt"
    if not checkpoint_path.exists():
        return 0, -math.inf
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    network.load_state_dict(checkpoint["network"])
    optimiser.load_state_dict(checkpoint["optimiser"])
    schedule.load_state_dict(checkpoint["schedule"])
    logger.info("resumed %s at epoch %d", checkpoint_path, checkpoint["epoch"])
    return checkpoint["epoch"], checkpoint["best_gain"]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
