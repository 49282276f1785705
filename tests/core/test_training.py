"""Training pieces: data reading, augmentation, batching, losses, the loop, shipping."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
import torch

from smartcrop_core.training.data import (
    TrainingImage,
    augment,
    batches,
    load_fixation_dataset,
    prepare_training_images,
)
from smartcrop_core.training.losses import (
    blurred_fixation_maps,
    distillation_kl,
    fixation_log_likelihood,
)
from smartcrop_core.training.ship import reproduce_command, ship_run
from smartcrop_core.training.train import TrainConfig, load_trained, train
from tests.conftest import FIXATIONS


@pytest.fixture(scope="module")
def osie():
    folder = FIXATIONS / "osie"
    if not folder.exists():
        pytest.skip(f"{folder} is not here: put the project's shared/ folder beside the checkout")
    return folder


def _image(height=64, width=96, fixations=((10.0, 20.0), (80.0, 5.0))) -> TrainingImage:
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = 255  # left half white, to see flips
    teacher = np.zeros((height // 4, width // 4), np.float32)
    teacher[:, 0] = 1 / (height // 4)  # all teacher mass in the left column
    return TrainingImage(pixels, np.array(fixations, np.float32), 0, {"t": teacher})


def test_load_fixation_dataset_keeps_only_the_asked_split(osie):
    train_samples = load_fixation_dataset(osie, ("train",))
    val_samples = load_fixation_dataset(osie, ("val",), limit=3)
    assert len(val_samples) == 3
    assert not {s.name for s in train_samples} & {s.name for s in val_samples}
    sample = val_samples[0]
    assert sample.fixations.shape[1] == 3
    assert sample.rgb().shape == (sample.height, sample.width, 3)


def test_load_fixation_dataset_errors_name_the_problem(tmp_path, osie):
    with pytest.raises(FileNotFoundError, match=r"annotations\.json"):
        load_fixation_dataset(tmp_path)
    with pytest.raises(ValueError, match="hidden"):
        load_fixation_dataset(osie, ("hidden",))


def test_prepare_scales_fixations_with_the_image(osie):
    (sample,) = load_fixation_dataset(osie, ("val",), limit=1)
    (image,) = prepare_training_images([sample], [sample.dataset], input_size=128)
    assert image.shape == (96, 128)  # 512 x 384 -> sides that are multiples of 32
    np.testing.assert_allclose(image.fixations[0], sample.fixations[0, :2] / 4, rtol=1e-5)


def test_a_flip_mirrors_pixels_fixations_and_teachers_together():
    image = _image()
    rng = random.Random(0)
    flipped = None
    for _ in range(20):  # find a draw that flips without cropping
        view = augment(image, rng, strength=0.0)
        if view.pixels[0, -1, 0] == 255:
            flipped = view
            break
    assert flipped is not None
    np.testing.assert_allclose(flipped.fixations[:, 0], 96 - image.fixations[:, 0])
    assert flipped.teachers["t"][:, -1].sum() == pytest.approx(1.0)
    assert image.pixels[0, 0, 0] == 255  # the original is untouched


def test_augmented_teachers_stay_densities_and_fixations_stay_inside():
    image = _image()
    rng = random.Random(1)
    for _ in range(30):
        view = augment(image, rng)
        assert view.teachers["t"].sum() == pytest.approx(1.0, abs=1e-5)
        assert (view.fixations >= 0).all()
        assert (view.fixations[:, 0] < 96).all() and (view.fixations[:, 1] < 64).all()


def test_batches_hold_one_shape_and_cover_every_image_once():
    images = [_image() for _ in range(5)] + [_image(96, 64) for _ in range(3)]
    seen = []
    for batch in batches(images, 2, random.Random(0)):
        assert len({image.shape for image in batch}) == 1
        seen.extend(id(image) for image in batch)
    assert sorted(seen) == sorted(id(image) for image in images)


def test_a_uniform_density_scores_minus_log_of_the_pixel_count():
    log_density = torch.full((1, 8, 12), -math.log(96))
    value = fixation_log_likelihood(log_density, [torch.tensor([[5.0, 5.0]])], (64, 96))
    assert float(value) == pytest.approx(-math.log(64 * 96), rel=1e-6)


def test_a_density_peaked_on_the_fixation_scores_higher():
    flat = torch.log_softmax(torch.zeros(1, 96), 1).view(1, 8, 12)
    peaked_logits = torch.zeros(1, 8, 12)
    peaked_logits[0, 2, 1] = 5  # the cell of (x=10, y=20) at stride 8
    peaked = torch.log_softmax(peaked_logits.flatten(1), 1).view(1, 8, 12)
    fixation = [torch.tensor([[10.0, 20.0]])]
    assert fixation_log_likelihood(peaked, fixation, (64, 96)) > fixation_log_likelihood(
        flat, fixation, (64, 96)
    )


def test_distillation_is_zero_when_student_equals_teacher_and_positive_otherwise():
    teacher = torch.softmax(torch.randn(2, 16 * 24), 1).view(2, 16, 24)
    same = torch.log(teacher)
    assert float(distillation_kl(same, teacher)) == pytest.approx(0.0, abs=1e-5)
    flat = torch.log_softmax(torch.zeros(2, 16 * 24), 1).view(2, 16, 24)
    assert float(distillation_kl(flat, teacher)) > 0.01


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, osie):
    output = tmp_path_factory.mktemp("run")
    config = TrainConfig(
        architecture="student",
        data=[str(osie)],
        output=str(output),
        epochs=1,
        batch_size=4,
        limit=8,
        holdout=0.25,
        network={"width": 8},
    )
    train(config)
    return config, output


def test_training_writes_weights_checkpoint_and_log(tiny_run):
    _, output = tiny_run
    assert (output / "best.pt").is_file() or (output / "checkpoint.pt").is_file()
    records = [json.loads(line) for line in (output / "log.jsonl").read_text().splitlines()]
    assert [record["epoch"] for record in records] == [1]
    assert math.isfinite(records[0]["holdout_ig_bits"])


def test_training_resumes_from_its_checkpoint(tiny_run):
    config, output = tiny_run
    config.epochs = 2
    train(config)
    records = [json.loads(line) for line in (output / "log.jsonl").read_text().splitlines()]
    assert [record["epoch"] for record in records] == [1, 2]


def test_unknown_architecture_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown architecture 'vgg'"):
        train(TrainConfig(architecture="vgg", data=[], output=str(tmp_path)))


def test_shipping_records_the_command_that_reproduces_the_weights(tiny_run, tmp_path):
    _, output = tiny_run
    (output / "best.pt").exists() or (output / "best.pt").write_bytes(b"")
    target = ship_run(output, "demo", tmp_path)
    info = json.loads((tmp_path / "demo.json").read_text())
    assert target == tmp_path / "demo.pt"
    assert "--seed 0" in info["command"] and "--arch student" in info["command"]
    assert "--width 8" in info["command"]
    assert info["config"]["data"] and "val never read" in info["data"]


def test_reproduce_command_lists_every_data_folder_and_teacher():
    command = reproduce_command(
        {
            "architecture": "student",
            "data": ["a", "b"],
            "teachers": ["fastgaze"],
            "epochs": 3,
            "batch_size": 4,
            "learning_rate": 0.01,
            "input_size": 256,
            "distill_weight": 1.0,
            "augmentation": 1.0,
            "seed": 7,
            "threads": 2,
        }
    )
    assert "--data a --data b --teacher fastgaze" in command
    assert "--seed 7" in command


def _tiny_config(folder, output, architecture, **changes) -> TrainConfig:
    options = {
        "architecture": architecture,
        "data": [str(folder)],
        "output": str(output),
        "epochs": 1,
        "batch_size": 4,
        "limit": 6,
        "holdout": 0.34,
        "input_size": 64,
    }
    options.update(changes)
    return TrainConfig(**options)


def test_a_frozen_backbone_network_trains_its_readout_only(tmp_path, osie):
    config = _tiny_config(osie, tmp_path, "deepgaze-mobilenet-v1", network={"pretrained": False})
    train(config)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["network"]
    assert saved and not any("backbone" in key for key in saved)
    network = load_trained("deepgaze-mobilenet-v1", tmp_path / "best.pt", pretrained=False)
    assert network(torch.rand(1, 3, 64, 96)).shape == (1, 16, 24)


def test_pan_trains_with_its_euclidean_loss(tmp_path, osie):
    config = _tiny_config(osie, tmp_path, "pan", network={"channels": [4, 4, 8, 8, 8, 8, 8, 4]})
    train(config)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert 0 < records[0]["train_loss"] < 1  # a mean squared error of maps in [0, 1]


def test_a_finished_run_can_teach_another(tmp_path, osie):
    teacher_run = tmp_path / "teacher"
    train(_tiny_config(osie, teacher_run, "student", network={"width": 8}))
    student_run = tmp_path / "student"
    train(_tiny_config(osie, student_run, "student", teachers=[str(teacher_run)]))
    command = reproduce_command(json.loads((student_run / "config.json").read_text()))
    assert "--teacher runs/student " in command  # the teacher run's own --out, not tmp_path
    caches = list(student_run.glob("teacher-student-*.npz"))
    assert len(caches) == 1
    with np.load(caches[0]) as stored:
        densities = [stored[key] for key in stored.files]
    assert len(densities) == 6
    assert all(abs(float(d.sum()) - 1) < 1e-4 for d in densities)


def test_blurred_fixation_maps_peak_at_the_fixations():
    maps = blurred_fixation_maps([torch.tensor([[10.0, 30.0]])], (64, 96), (64, 96))
    assert maps.shape == (1, 64, 96)
    row, col = divmod(int(maps[0].argmax()), 96)
    assert (row, col) == (30, 10) or (abs(row - 30) <= 1 and abs(col - 10) <= 1)
    assert float(maps.max()) == pytest.approx(1.0)


def test_shipping_records_inference_settings_apart_from_training_ones(tiny_run, tmp_path):
    config, output = tiny_run
    ship_run(output, "demo", tmp_path, centre_bias_scale=0.5, mirror=True, inference_input_size=96)
    info = json.loads((tmp_path / "demo.json").read_text())
    assert info["input_size"] == 96  # what inference feeds the network
    assert info["training_input_size"] == config.input_size
    assert info["mirror"] is True and info["centre_bias_scale"] == 0.5
    assert f"--input-size {config.input_size}" in info["command"]  # training reproduces as was
