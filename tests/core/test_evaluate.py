"""Evaluating saliency models on eye-tracking data: the report, the CLI, the shared bench."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smartcrop_core.errors import WeightsUnavailableError
from smartcrop_core.saliency import get_model, register_model
from smartcrop_core.training.data import load_fixation_dataset
from smartcrop_core.training.evaluate import (
    OVERALL,
    EvaluationReport,
    evaluate_model,
    main,
    shuffled_negatives,
)
from smartcrop_core.training.metrics import METRIC_NAMES, fixation_metrics
from tests.conftest import FIXATIONS
from tests.support import preserved_registries

# Toy datasets: (width, height, fixations x, y) per image, all in the "val" split.
TOY_IMAGES = {
    "toy_a": [
        (40, 30, [(5.5, 5.5), (6.5, 5.5), (30.2, 20.1)]),
        (40, 30, [(20.0, 15.0), (21.0, 16.0)]),
        (30, 40, [(3.0, 37.0), (15.0, 20.0), (25.0, 5.0)]),
    ],
    "toy_b": [(20, 20, [(10.0, 10.0), (2.0, 18.0)])],
}


def write_dataset(folder: Path, name: str, images, split: str = "val") -> Path:
    """A dataset folder in the shared format, with plain grey images."""
    (folder / "images").mkdir(parents=True)
    records = []
    for index, (width, height, points) in enumerate(images):
        filename = f"images/{index}.png"
        Image.new("RGB", (width, height), (90, 90, 90)).save(folder / filename)
        fixations = [[x, y, subject % 2] for subject, (x, y) in enumerate(points)]
        records.append(
            {"file": filename, "width": width, "height": height, "split": split,
             "fixations": fixations}
        )  # fmt: skip
    document = {"dataset": name, "images": records}
    (folder / "annotations.json").write_text(json.dumps(document))
    return folder


@pytest.fixture
def toy_datasets(tmp_path) -> list[Path]:
    return [write_dataset(tmp_path / name, name, images) for name, images in TOY_IMAGES.items()]


class HalfSizeModel:
    """Predicts a map at half the image's size, brightest in the top-left corner."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        height, width = rgb.shape[0] // 2, rgb.shape[1] // 2
        rows, cols = np.mgrid[0:height, 0:width]
        density = np.exp(-(rows + cols) / 4.0).astype(np.float32)
        return density / density.sum()


class NanModel:
    def predict(self, rgb: np.ndarray) -> np.ndarray:
        return np.full(rgb.shape[:2], np.nan, np.float32)


# --- the report ------------------------------------------------------------------------


def test_the_centre_model_has_no_information_gain_over_itself(toy_datasets):
    report = evaluate_model("centre", toy_datasets)
    assert report.model == "centre" and report.split == "val"
    assert report.datasets == ["toy_a", "toy_b"]
    assert report.images == {"toy_a": 3, "toy_b": 1, OVERALL: 4}
    for scores in report.scores.values():
        assert tuple(scores) == METRIC_NAMES
        assert scores["IG"] == 0.0
    assert report.median_ms >= 0.0
    assert set(report.timings_ms) == {"toy_a", "toy_b", OVERALL}


def test_scores_are_means_over_images_per_dataset_and_overall(toy_datasets):
    report = evaluate_model("centre", toy_datasets)
    centre = get_model("centre")
    rng = np.random.default_rng(0)  # the negatives are drawn in dataset and image order
    per_image = {}
    for folder in toy_datasets:
        samples = load_fixation_dataset(folder, ("val",))
        per_image[samples[0].dataset] = [
            fixation_metrics(
                centre.predict(np.zeros((s.height, s.width, 3), np.uint8)),
                s.fixations,
                shuffled_negatives(samples, i, rng),
            )
            for i, s in enumerate(samples)
        ]
    every_image = per_image["toy_a"] + per_image["toy_b"]
    for metric in ("AUC", "sAUC", "NSS", "CC", "KLD", "SIM"):
        expected = np.mean([s[metric] for s in per_image["toy_a"]])
        assert report.scores["toy_a"][metric] == pytest.approx(expected), metric
        # Overall weighs every image alike, not every dataset.
        pooled = [s[metric] for s in every_image if not np.isnan(s[metric])]
        assert report.scores[OVERALL][metric] == pytest.approx(np.mean(pooled)), metric
    # toy_b has one image: no other image lends negatives, so its shuffled AUC is undefined
    # and the overall one is that of toy_a's images.
    assert np.isnan(report.scores["toy_b"]["sAUC"])
    assert report.scores[OVERALL]["sAUC"] == report.scores["toy_a"]["sAUC"]
    assert report.scores["toy_b"]["NSS"] == pytest.approx(per_image["toy_b"][0]["NSS"])


def test_maps_of_another_size_are_resized_to_the_image(toy_datasets):
    report = evaluate_model(HalfSizeModel(), toy_datasets[:1], name="half")
    assert report.model == "half"
    # Its mass sits in the top-left corner, where only one fixation of toy_a is.
    assert report.scores["toy_a"]["IG"] < 0
    assert 0.0 <= report.scores["toy_a"]["AUC"] <= 1.0


def test_a_model_object_is_named_by_its_class(toy_datasets):
    assert evaluate_model(HalfSizeModel(), toy_datasets[:1]).model == "HalfSizeModel"


def test_limit_keeps_the_first_images_of_each_dataset(toy_datasets):
    report = evaluate_model("centre", toy_datasets, limit=2)
    assert report.images == {"toy_a": 2, "toy_b": 1, OVERALL: 3}


def test_to_dict_is_plain_json(toy_datasets):
    data = json.loads(json.dumps(evaluate_model("centre", toy_datasets).to_dict()))
    assert data["model"] == "centre"
    assert set(data["datasets"]) == {"toy_a", "toy_b", OVERALL}
    assert data["datasets"]["toy_b"]["n"] == 1
    assert set(data["datasets"]["toy_a"]) == {"n", "ms", *METRIC_NAMES}


def test_table_rows_are_one_per_dataset_and_overall(toy_datasets):
    rows = evaluate_model("centre", toy_datasets).table_rows()
    assert [row.split()[1] for row in rows] == ["toy_a", "toy_b", OVERALL]


# --- shuffled negatives ----------------------------------------------------------------


def test_shuffled_negatives_come_from_other_images_scaled_to_this_one(toy_datasets):
    samples = load_fixation_dataset(toy_datasets[0], ("val",))
    negatives = shuffled_negatives(samples, 2, np.random.default_rng(5))
    # Image 2 is 30x40; the other two are 40x30 with five fixations in all.
    others = np.concatenate([s.fixations[:, :2] for s in samples[:2]]) / [40, 30] * [30, 40]
    np.testing.assert_allclose(
        negatives[np.lexsort(negatives.T)], others[np.lexsort(others.T)], rtol=1e-12
    )
    draw = shuffled_negatives(samples, 0, np.random.default_rng(1), n_images=1)
    assert len(draw) in (2, 3)  # the fixations of exactly one other image


def test_shuffled_negatives_of_a_single_image_are_empty(toy_datasets):
    samples = load_fixation_dataset(toy_datasets[1], ("val",))
    assert shuffled_negatives(samples, 0, np.random.default_rng(0)).shape == (0, 2)


# --- errors ----------------------------------------------------------------------------


def test_evaluation_errors_say_what_is_wrong(tmp_path, toy_datasets):
    with pytest.raises(ValueError, match="no dataset"):
        evaluate_model("centre", [])
    with pytest.raises(FileNotFoundError, match=r"annotations\.json"):
        evaluate_model("centre", [tmp_path / "nowhere"])
    with pytest.raises(ValueError, match="given twice"):
        evaluate_model("centre", [toy_datasets[0], toy_datasets[0]])
    with pytest.raises(ValueError, match="no images in the 'train' split"):
        evaluate_model("centre", toy_datasets, split="train")
    with pytest.raises(ValueError, match="NaN"):
        evaluate_model(NanModel(), toy_datasets)


def test_a_model_without_its_weights_is_not_replaced_by_the_fallback(toy_datasets):
    def unavailable():
        raise WeightsUnavailableError("no weights here")

    with preserved_registries():
        register_model("weightless", unavailable)
        with pytest.raises(WeightsUnavailableError, match="'weightless' are unavailable"):
            evaluate_model("weightless", toy_datasets)


# --- the command line ------------------------------------------------------------------


def test_main_prints_a_table_and_writes_json(toy_datasets, tmp_path, capsys):
    out = tmp_path / "scores.json"
    argv = ["--model", "centre", "--model", "spectral", "--json", str(out)]
    for folder in toy_datasets:
        argv += ["--data", str(folder)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["model", "dataset", "n", *METRIC_NAMES, "ms"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["centre", "toy_a", "3"],
        ["centre", "toy_b", "1"],
        ["centre", OVERALL, "4"],
        ["spectral", "toy_a", "3"],
        ["spectral", "toy_b", "1"],
        ["spectral", OVERALL, "4"],
    ]
    saved = json.loads(out.read_text())
    assert [report["model"] for report in saved] == ["centre", "spectral"]


def test_main_refuses_unknown_models_and_missing_weights(toy_datasets, capsys):
    assert main(["--model", "no-such-model", "--data", str(toy_datasets[0])]) == 2
    assert "unknown saliency model 'no-such-model'" in capsys.readouterr().err

    def unavailable():
        raise WeightsUnavailableError("no weights here")

    with preserved_registries():
        register_model("weightless", unavailable)
        assert main(["--model", "weightless", "--data", str(toy_datasets[0])]) == 2
    assert "weights of model 'weightless' are unavailable" in capsys.readouterr().err


def test_main_reports_bad_data_folders(tmp_path, capsys):
    assert main(["--model", "centre", "--data", str(tmp_path)]) == 2
    assert "annotations.json" in capsys.readouterr().err


def test_main_checks_its_arguments():
    with pytest.raises(SystemExit):
        main(["--model", "centre", "--data", "x", "--limit", "0"])
    with pytest.raises(SystemExit):
        main(["--model", "centre", "--data", "x", "--split", "hidden"])


# --- cross-check against the shared benchmark ------------------------------------------


def test_evaluation_matches_the_shared_benchmark_on_osie(shared_bench):
    """Same images, same negatives (same seeded draw): the same figures for the centre."""
    osie = FIXATIONS / "osie"
    _, results, _ = shared_bench.run([str(osie)], ["center"], ("val",), 3)
    expected = results[("osie", "center")]
    report = evaluate_model("centre", [osie], limit=3)
    assert report.images["osie"] == len(expected["AUC"]) == 3
    for metric in ("AUC", "sAUC", "NSS", "CC", "KLD", "SIM"):
        assert report.scores["osie"][metric] == pytest.approx(
            np.mean(expected[metric]), abs=1e-3
        ), metric


def test_report_is_frozen():
    report = EvaluationReport("m", "val")
    with pytest.raises(AttributeError):
        report.model = "other"  # type: ignore[misc]
