"""Crop benchmark readers (GAICD, FCDB, FLMS), training pairs, and the crop evaluation."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smartcrop_core.training.crop_datasets import (
    CropAnnotation,
    detect_crop_dataset,
    load_crop_dataset,
    load_fcdb,
    load_flms,
    load_gaicd,
    preference_pairs,
)
from smartcrop_core.training.crop_metrics import iou
from smartcrop_core.training.evaluate_crops import GAICD_METRICS, evaluate_crops, main
from tests.conftest import SHARED

CROPS = SHARED / "data" / "crops"
GAICD_IMAGES = ["211958.jpg", "265813.jpg", "297406.jpg", "302166.jpg", "309808.jpg"]


def shared_folder(name: str) -> Path:
    folder = CROPS / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here: put the project's shared/ folder beside the checkout")
    return folder


@pytest.fixture(scope="module")
def gaicd() -> list[CropAnnotation]:
    return load_gaicd(shared_folder("gaicd"))


@pytest.fixture(scope="module")
def fcdb() -> list[CropAnnotation]:
    return load_fcdb(shared_folder("fcdb"))


@pytest.fixture(scope="module")
def flms() -> list[CropAnnotation]:
    return load_flms(shared_folder("flms"))


def by_name(annotations: list[CropAnnotation], name: str) -> CropAnnotation:
    return next(annotation for annotation in annotations if annotation.name == name)


def write_json(path: Path, document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def save_image(path: Path, size: tuple[int, int], **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size).save(path, **options)
    return path


def area(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


# ---------------------------------------------------------------- the shared annotations


class TestSharedGAICD:
    def test_counts_and_splits(self, gaicd):
        assert len(gaicd) == 1236
        assert sum(a.split == "train" for a in gaicd) == 1036
        assert sum(a.split == "test" for a in gaicd) == 200
        assert len(load_gaicd(shared_folder("gaicd"), split="test")) == 200
        assert {a.dataset for a in gaicd} == {"gaicd"}
        assert sum(a.dropped for a in gaicd) == 0

    def test_first_record_as_in_the_file(self, gaicd):
        first = gaicd[0]
        assert first.name == "235093.jpg"
        assert first.split == "train"
        assert len(first.boxes) == 87
        assert first.boxes[:2].tolist() == [[43, 29, 981, 603], [128, 29, 981, 660]]
        assert first.scores[:3].tolist() == [4.71, 4.57, 4.57]
        assert first.pairs.shape == (0, 2)
        assert first.expert_boxes.shape == (0, 4)
        assert first.image_size is None
        assert not first.boxes.flags.writeable

    def test_the_five_images_are_found_and_checked(self, gaicd):
        with_images = [a for a in gaicd if a.has_image]
        assert sorted(a.name for a in with_images) == GAICD_IMAGES
        sample = by_name(gaicd, "211958.jpg")
        assert sample.split == "train"
        assert sample.image_size == (1024, 683)
        assert sample.frame == (1024.0, 683.0)
        rgb = sample.rgb()
        assert rgb.shape == (683, 1024, 3)
        assert rgb.dtype == np.uint8
        only = load_crop_dataset(shared_folder("gaicd"), "test", with_images_only=True)
        assert sorted(a.name for a in only) == GAICD_IMAGES[1:]

    def test_missing_image_says_where_it_belongs(self, gaicd):
        with pytest.raises(FileNotFoundError, match=r"gaicd/images/235093\.jpg is missing"):
            gaicd[0].rgb()


class TestSharedFCDB:
    def test_counts(self, fcdb):
        # 1,369 + 345 images with an expert crop, all 1,714 also ranked; 1,648 more images
        # with ranked pairs only (training images).
        assert len(fcdb) == 3362
        assert sum(a.split == "test" for a in fcdb) == 345
        assert sum(a.split == "train" for a in fcdb) == 1369 + 1648
        assert sum(len(a.expert_boxes) == 1 for a in fcdb) == 1369 + 345
        assert sum(len(a.expert_boxes) == 0 for a in fcdb) == 1648
        # 10 voted pairs per image, 5 votes each (never tied).
        assert sum(len(a.pairs) for a in fcdb) == 33620
        weights = np.concatenate([a.pair_weights for a in fcdb])
        assert sorted(set(weights.round(6).tolist())) == [0.2, 0.6, 1.0]
        assert len(load_fcdb(shared_folder("fcdb"), split="test")) == 345

    def test_expert_crop_is_converted_from_xywh(self, fcdb):
        first = fcdb[0]
        assert first.name == "4910188666_04cf9f487d_b.jpg"
        assert first.image_path == CROPS / "fcdb" / "images" / "4910188666_04cf9f487d_b.jpg"
        # crop [266, 6, 757, 399] is x, y, w, h.
        assert first.expert_boxes.tolist() == [[266, 6, 1023, 405]]
        assert first.scores[0] == 1.0
        assert np.isnan(first.scores[1:]).all()

    def test_pairs_point_from_the_majority_crop(self, fcdb):
        # The first ranked image: pair 0 votes 4 for crop_0 and 1 for crop_1; pair 1 votes
        # 0 and 5.
        ranked = by_name(fcdb, "15251367120_9bdca6b5c3_c.jpg")
        better, worse = ranked.boxes[ranked.pairs[:2, 0]], ranked.boxes[ranked.pairs[:2, 1]]
        assert better.tolist() == [[139, 234, 439, 634], [132, 216, 492, 696]]
        assert worse.tolist() == [[171, 281, 471, 681], [165, 174, 465, 574]]
        assert ranked.pair_weights[:2].tolist() == pytest.approx([0.6, 1.0])
        # Boxes shared by several pairs are stored once.
        assert len(ranked.boxes) == len(np.unique(ranked.boxes, axis=0))


class TestSharedFLMS:
    def test_counts_and_degenerate_boxes(self, flms, caplog):
        assert len(flms) == 500
        assert {a.split for a in flms} == {"test"}
        # 4,988 boxes in the file; two have a negative width or height (the data README
        # says three, the file has two).
        assert sum(len(a.boxes) for a in flms) == 4986
        assert sum(a.dropped for a in flms) == 2
        dropped = sorted(a.name for a in flms if a.dropped)
        assert dropped == ["465190454_Large.jpg", "693687448_Large.jpg"]
        assert all(len(by_name(flms, name).boxes) == 9 for name in dropped)
        assert all((area(a.boxes) > 0).all() for a in flms)
        with caplog.at_level(logging.INFO, logger="smartcrop_core.training.crop_datasets"):
            load_flms(shared_folder("flms"))
        assert "flms: dropped 2 boxes" in caplog.text

    def test_expert_crops_score_one_and_no_train_split(self, flms):
        first = flms[0]
        assert first.name == "1010203631_Large.jpg"
        assert first.boxes[0].tolist() == [124, 276, 1024, 539]
        assert first.scores.tolist() == [1.0] * 9
        assert len(first.expert_boxes) == 9
        assert load_flms(shared_folder("flms"), split="train") == []


def test_datasets_are_recognised_by_their_files():
    for name in ("gaicd", "fcdb", "flms"):
        assert detect_crop_dataset(shared_folder(name)) == name
    assert {a.dataset for a in load_crop_dataset(shared_folder("flms"))} == {"flms"}


# ---------------------------------------------------------------- made-up folders


class TestMadeUpFolders:
    def test_fcdb_ties_identical_crops_weights_and_ranked_only_images(self, tmp_path):
        url = "https://farm1.staticflickr.com/1/{}_b.jpg"
        write_json(
            tmp_path / "cropping_training_set.json",
            [{"url": url.format("a"), "flickr_photo_id": 1, "crop": [0, 0, 40, 30]}],
        )
        write_json(
            tmp_path / "cropping_testing_set.json",
            [{"url": url.format("b"), "flickr_photo_id": 2, "crop": [10, 10, 20, 20]}],
        )
        pair = {"crop_0": [0, 0, 10, 10], "crop_1": [5, 5, 10, 10]}
        write_json(
            tmp_path / "ranking_annotation.json",
            [
                {
                    "url": url.format("a"),
                    "crops": [
                        {**pair, "vote_for_0": 1, "vote_for_1": 4},  # crop_1 better, 3 / 5
                        {**pair, "vote_for_0": 2, "vote_for_1": 2},  # tie: skipped
                        {
                            "crop_0": [0, 0, 10, 10],
                            "crop_1": [0, 0, 10, 10],
                            "vote_for_0": 5,
                            "vote_for_1": 0,
                        },  # same crop twice: skipped
                        {
                            "crop_0": [0, 0, 40, 30],
                            "crop_1": [0, 0, 10, 10],
                            "vote_for_0": 3,
                            "vote_for_1": 0,
                        },  # the expert crop itself, better, 3 / 3
                    ],
                },
                {"url": url.format("c"), "crops": [{**pair, "vote_for_0": 3, "vote_for_1": 2}]},
            ],
        )
        a, b, c = load_crop_dataset(tmp_path)
        assert (a.name, a.split, b.split, c.name, c.split) == (
            "a_b.jpg",
            "train",
            "test",
            "c_b.jpg",
            "train",
        )
        assert a.boxes.tolist() == [[0, 0, 40, 30], [0, 0, 10, 10], [5, 5, 15, 15]]
        assert a.scores[0] == 1.0
        assert np.isnan(a.scores[1:]).all()
        assert a.pairs.tolist() == [[2, 1], [0, 1]]
        assert a.pair_weights.tolist() == pytest.approx([0.6, 1.0])
        assert c.expert_boxes.shape == (0, 4)
        assert c.pairs.tolist() == [[0, 1]]
        assert c.pair_weights.tolist() == pytest.approx([0.2])
        assert [x.name for x in load_fcdb(tmp_path, split="train")] == ["a_b.jpg", "c_b.jpg"]

    def test_fcdb_ranking_file_is_optional(self, tmp_path):
        crop = {"url": "http://x/a.jpg", "flickr_photo_id": 1, "crop": [1, 2, 3, 4]}
        write_json(tmp_path / "cropping_training_set.json", [crop])
        write_json(tmp_path / "cropping_testing_set.json", [])
        [only] = load_crop_dataset(tmp_path)
        assert only.boxes.tolist() == [[1, 2, 4, 6]]
        assert only.pairs.shape == (0, 2)

    def test_boxes_are_checked_against_a_known_image(self, tmp_path):
        save_image(tmp_path / "images" / "a.png", (40, 30))
        boxes = [[0, 0, 20, 20], [-0.5, 1, 40.5, 30], [10, 10, 45, 20], [5, 5, 5, 9]]
        write_json(tmp_path / "image_crop.json", {"a.png": {"bbox": boxes, "score": [1, 2, 3, 4]}})
        write_json(tmp_path / "split.json", {"train": [], "test": ["a.png"]})
        [annotation] = load_crop_dataset(tmp_path)
        assert annotation.image_size == (40, 30)
        # Overhanging by half a pixel: clipped; by 5 pixels: dropped; empty: dropped.
        assert annotation.boxes.tolist() == [[0, 0, 20, 20], [0, 1, 40, 30]]
        assert annotation.scores.tolist() == [1, 2]
        assert annotation.dropped == 2

    def test_exif_orientation_turns_the_image_and_its_size(self, tmp_path):
        exif = Image.Exif()
        exif[0x0112] = 6  # turned by 90 degrees: stored 40 x 30, shown 30 x 40
        save_image(tmp_path / "images" / "a.jpg", (40, 30), exif=exif)
        write_json(tmp_path / "image_crop.json", {"a.jpg": [[0, 0, 30, 40], [0, 0, 40, 30]]})
        [annotation] = load_crop_dataset(tmp_path)
        assert annotation.image_size == (30, 40)
        assert annotation.boxes.tolist() == [[0, 0, 30, 40]]
        assert annotation.dropped == 1
        assert annotation.rgb().shape == (40, 30, 3)

    def test_folder_errors_name_the_expected_files(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="is not a folder"):
            load_crop_dataset(tmp_path / "nowhere")
        with pytest.raises(FileNotFoundError, match=r"split\.json.*cropping_training_set\.json"):
            load_crop_dataset(tmp_path)
        write_json(tmp_path / "gaicd" / "split.json", {"train": [], "test": []})
        with pytest.raises(FileNotFoundError, match=r"image_crop\.json is missing"):
            load_crop_dataset(tmp_path / "gaicd")
        write_json(tmp_path / "fcdb" / "ranking_annotation.json", [])
        with pytest.raises(FileNotFoundError, match=r"cropping_training_set\.json is missing"):
            load_crop_dataset(tmp_path / "fcdb")

    def test_format_errors(self, tmp_path):
        gaicd_format = {"a.jpg": {"bbox": [[0, 0, 1, 1]], "score": [3.0]}}
        write_json(tmp_path / "lost" / "image_crop.json", gaicd_format)
        with pytest.raises(ValueError, match=r"needs its split\.json"):
            load_crop_dataset(tmp_path / "lost")
        write_json(tmp_path / "unsplit" / "image_crop.json", gaicd_format)
        write_json(tmp_path / "unsplit" / "split.json", {"train": [], "test": ["b.jpg"]})
        with pytest.raises(ValueError, match="in neither split"):
            load_crop_dataset(tmp_path / "unsplit")
        (tmp_path / "broken").mkdir()
        (tmp_path / "broken" / "image_crop.json").write_text("{not json")
        with pytest.raises(ValueError, match="not valid JSON"):
            load_crop_dataset(tmp_path / "broken")
        with pytest.raises(ValueError, match="unknown split 'val'"):
            load_crop_dataset(tmp_path / "lost", "val")

    def test_annotation_checks_its_fields(self):
        with pytest.raises(ValueError, match="dataset must be one of"):
            CropAnnotation("avs", "a", Path("a"), [[0, 0, 1, 1]], [1], [], [], "test")
        with pytest.raises(ValueError, match="1 boxes but 2 scores"):
            CropAnnotation("flms", "a", Path("a"), [[0, 0, 1, 1]], [1, 1], [], [], "test")
        with pytest.raises(ValueError, match="pair indices outside"):
            CropAnnotation("fcdb", "a", Path("a"), [[0, 0, 1, 1]], [1], [[0, 1]], [1], "test")


# ---------------------------------------------------------------- preference pairs


class TestPreferencePairs:
    def test_gaicd_pairs_by_mos_margin(self, gaicd):
        annotation = gaicd[0]
        better, worse, weights = preference_pairs(annotation, min_margin=0.5)
        boxes, mos = annotation.boxes.tolist(), annotation.scores.tolist()
        expected = [
            (boxes[i], boxes[j], mos[i] - mos[j])
            for i in range(len(mos))
            for j in range(len(mos))
            if mos[i] - mos[j] >= 0.5 - 1e-9
        ]
        assert len(expected) > 100
        assert better.tolist() == [row[0] for row in expected]
        assert worse.tolist() == [row[1] for row in expected]
        np.testing.assert_allclose(weights, [row[2] for row in expected])
        assert len(preference_pairs(annotation, min_margin=0.25)[2]) > len(expected)

    def test_margin_exactly_min_margin_counts(self):
        annotation = CropAnnotation(
            "gaicd", "a", Path("a"), [[0, 0, 4, 4], [0, 0, 2, 2]], [4.71, 4.46], [], [], "test"
        )
        better, worse, weights = preference_pairs(annotation)
        assert better.tolist() == [[0, 0, 4, 4]]
        assert worse.tolist() == [[0, 0, 2, 2]]
        assert weights.tolist() == pytest.approx([0.25])

    def test_fcdb_pairs_and_negatives(self, fcdb):
        annotation = fcdb[0]
        better, worse, weights = preference_pairs(annotation, negatives=8)
        pairs = len(annotation.pairs)
        assert len(weights) == pairs + 8
        np.testing.assert_array_equal(better[:pairs], annotation.boxes[annotation.pairs[:, 0]])
        np.testing.assert_array_equal(weights[:pairs], annotation.pair_weights)
        expert = annotation.expert_boxes[0]
        assert (better[pairs:] == expert).all()
        assert (weights[pairs:] == 1.0).all()
        self.check_negatives(worse[pairs:], annotation.expert_boxes, expert, annotation.frame)

    def test_flms_negatives_of_every_expert_crop(self, flms):
        annotation = flms[0]
        better, worse, weights = preference_pairs(annotation, negatives=5)
        assert len(weights) == 5 * len(annotation.expert_boxes)
        for index, expert in enumerate(annotation.expert_boxes):
            rows = slice(5 * index, 5 * index + 5)
            assert (better[rows] == expert).all()
            self.check_negatives(worse[rows], annotation.expert_boxes, expert, annotation.frame)

    def test_negatives_stay_inside_a_known_image(self, tmp_path):
        save_image(tmp_path / "images" / "a.png", (300, 200))
        write_json(tmp_path / "image_crop.json", {"a.png": [[10, 10, 110, 60]]})
        [annotation] = load_crop_dataset(tmp_path)
        assert annotation.frame == (300.0, 200.0)
        _, worse, _ = preference_pairs(annotation, negatives=50, rng=1)
        assert len(worse) == 50
        self.check_negatives(worse, annotation.expert_boxes, annotation.boxes[0], (300, 200))
        # The whole image is used, not just the box's extent (110 x 60).
        assert worse[:, 2].max() > 150 and worse[:, 3].max() > 100

    def test_seeded_and_deterministic(self, flms):
        annotation = flms[3]
        first = preference_pairs(annotation)
        again = preference_pairs(annotation)
        for one, other in zip(first, again, strict=True):
            np.testing.assert_array_equal(one, other)
        seeded = preference_pairs(annotation, rng=7)
        np.testing.assert_array_equal(
            seeded[1], preference_pairs(annotation, rng=np.random.default_rng(7))[1]
        )
        assert not np.array_equal(seeded[1], first[1])
        assert not np.array_equal(preference_pairs(flms[4])[1][:8], first[1][:8])

    def test_no_negatives_and_bad_arguments(self, flms):
        better, worse, weights = preference_pairs(flms[0], negatives=0)
        assert better.shape == worse.shape == (0, 4)
        assert weights.shape == (0,)
        with pytest.raises(ValueError, match="min_margin must be positive"):
            preference_pairs(flms[0], min_margin=0)
        with pytest.raises(ValueError, match="negatives must be 0 or more"):
            preference_pairs(flms[0], negatives=-1)

    @staticmethod
    def check_negatives(negatives, experts, expert, frame):
        width, height = frame
        assert (negatives[:, :2] >= 0).all()
        assert (negatives[:, 2] <= width).all() and (negatives[:, 3] <= height).all()
        aspects = (negatives[:, 2] - negatives[:, 0]) / (negatives[:, 3] - negatives[:, 1])
        target = (expert[2] - expert[0]) / (expert[3] - expert[1])
        np.testing.assert_array_less(np.abs(aspects / target - 1), 0.02 + 1e-9)
        for other in experts:
            np.testing.assert_array_less(iou(other, negatives), 0.5)


# ---------------------------------------------------------------- evaluation


def larger_is_better(rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    return area(boxes)


class TestEvaluateCrops:
    def test_larger_boxes_on_the_five_gaicd_images(self, gaicd):
        # By hand, from image_crop.json: the largest candidate's MOS is among the 5 best
        # (ties with the 5th included) in 302166, 265813 and 297406, not in 211958 and
        # 309808: Acc1/5 = 3/5. Of the 4 largest, 1, 2, 1, 2 and 0 are among the 5 best:
        # Acc4/5 = 6/20; among the 10 best 1, 2, 2, 2, 0: Acc4/10 = 7/20.
        evaluation = evaluate_crops(gaicd, larger_is_better, None)
        assert evaluation.images == {"gaicd": 5}
        assert evaluation.skipped == {"gaicd": 1231}
        assert evaluation.split == "all"
        scores = evaluation.scores["gaicd"]
        assert set(scores) == set(GAICD_METRICS)
        assert scores["Acc1/5"] == pytest.approx(0.6)
        assert scores["Acc4/5"] == pytest.approx(0.3)
        assert scores["Acc1/10"] == pytest.approx(0.6)
        assert scores["Acc4/10"] == pytest.approx(0.35)
        assert 0.2 < scores["SRCC"] < 0.5
        # 211958: the largest box [43, 28, 981, 655] against the best [43, 28, 896, 541]:
        # IoU 853 * 513 / (938 * 627), BDE (85 / 1024 + 114 / 683) / 4.
        first = evaluation.per_image["gaicd"][0]
        assert first["name"] == "211958.jpg"
        assert first["IoU"] == pytest.approx(853 * 513 / (938 * 627))
        assert first["BDE"] == pytest.approx((85 / 1024 + 114 / 683) / 4)

    def test_oracle_and_anti_oracle(self, gaicd):
        mos = {a.name: a for a in gaicd if a.has_image}

        def oracle(sign: float):
            def score(rgb, boxes):
                match = next(a for a in mos.values() if np.array_equal(a.boxes, boxes))
                return sign * match.scores

            return score

        best = evaluate_crops(gaicd, oracle(1.0), None).scores["gaicd"]
        for metric in ("Acc1/5", "Acc4/5", "Acc1/10", "Acc4/10", "SRCC", "PCC", "IoU"):
            assert best[metric] == pytest.approx(1.0), metric
        assert best["BDE"] == 0.0
        worst = evaluate_crops(gaicd, oracle(-1.0), None).scores["gaicd"]
        assert worst["Acc1/5"] == worst["Acc4/10"] == 0.0
        assert worst["SRCC"] == pytest.approx(-1.0)

    def test_expert_crops_with_made_up_images(self, tmp_path):
        save_image(tmp_path / "images" / "a.png", (60, 40))
        save_image(tmp_path / "images" / "b.png", (60, 40))
        crops = {
            "a.png": [[0, 0, 20, 20], [30, 0, 60, 30]],
            "b.png": [[0, 0, 60, 40]],
            "gone.png": [[0, 0, 10, 10]],
        }
        write_json(tmp_path / "image_crop.json", crops)
        asked = []

        def left_square(rgb, aspect):
            asked.append(aspect)
            return (0, 0, 20, 20)

        evaluation = evaluate_crops(load_crop_dataset(tmp_path), None, left_square)
        assert asked == [1.0, 1.5]
        assert evaluation.images == {"flms": 2}
        assert evaluation.skipped == {"flms": 1}
        # a: the first expert crop exactly; b: IoU 400 / 2400, BDE (40 / 60 + 20 / 40) / 4.
        assert evaluation.scores["flms"]["IoU"] == pytest.approx((1 + 1 / 6) / 2)
        assert evaluation.scores["flms"]["BDE"] == pytest.approx((0 + (2 / 3 + 0.5) / 4) / 2)
        assert evaluate_crops(load_crop_dataset(tmp_path), None, left_square, limit=1).images == {
            "flms": 1
        }

    def test_errors(self, gaicd, flms):
        with pytest.raises(ValueError, match="none of the 500 annotated images is there"):
            evaluate_crops(flms, None, None)
        with pytest.raises(ValueError, match="finite scores"):
            evaluate_crops(gaicd, lambda rgb, boxes: np.zeros(3), None)


class TestMain:
    def test_gaicd_with_smartcropper(self, weights_dir, tmp_path, capsys):
        output = tmp_path / "scores.json"
        folder = shared_folder("gaicd")
        assert main(["--data", str(folder), "--split", "test", "--json", str(output)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].startswith("model: ")
        assert lines[1].split()[:4] == ["dataset", "split", "images", "skipped"]
        assert lines[2].split()[:4] == ["gaicd", "test", "4", "196"]
        document = json.loads(output.read_text())
        scores = document["datasets"]["gaicd"]
        assert (scores["images"], scores["skipped"]) == (4, 196)
        assert sorted(row["name"] for row in scores["per_image"]) == GAICD_IMAGES[1:]
        for metric in GAICD_METRICS:
            assert np.isfinite(scores[metric]), metric
        assert 0.0 <= scores["Acc4/5"] <= 1.0
        assert -1.0 <= scores["SRCC"] <= 1.0

    def test_folders_without_images_or_annotations_exit_2(self, tmp_path, capsys):
        assert main(["--data", str(tmp_path)]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1
        assert error.startswith("error: ") and "image_crop.json" in error
        assert main(["--data", str(shared_folder("flms"))]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1
        assert "put the images in" in error and str(Path("flms") / "images") in error
