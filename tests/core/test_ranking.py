"""Rankers: features -> scores, their JSON form, the hand-set and the shipped ranker."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from smartcrop_core import SmartCropper, WeightsUnavailableError
from smartcrop_core.ranking import HAND_SET, SHIPPED_RANKER, Ranker, load_ranker
from smartcrop_core.window_features import FEATURE_NAMES, window_features
from tests.core.ranking_support import analysis_of, gaussian
from tests.support import FixedFaces, blob_image, face_at


def _features(**values: list[float]) -> np.ndarray:
    """Feature rows with the named columns set (the others 0)."""
    count = len(next(iter(values.values())))
    rows = np.zeros((count, len(FEATURE_NAMES)))
    for name, column in values.items():
        rows[:, FEATURE_NAMES.index(name)] = column
    return rows


def _two_layer() -> Ranker:
    return Ranker(
        feature_names=("mass", "faces_cut"),
        mean=np.array([0.5, 0.1]),
        scale=np.array([0.25, 0.5]),
        layers=(
            (np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.0]]), np.array([0.1, 0.0, -0.2])),
            (np.array([[2.0], [-1.0], [0.5]]), np.array([0.25])),
        ),
        info={"seed": 7, "note": "made by hand"},
    )


# --- scoring --------------------------------------------------------------------------------


def test_linear_ranker_scores_are_weighted_sums_of_its_features():
    ranker = Ranker.linear({"mass": 2.0, "border": -0.5, "offset_y": 1.0})
    features = _features(
        mass=[0.5, 1.0, 0.0], border=[0.0, 0.2, 1.0], offset_y=[0.1, -0.2, 0.0], thirds=[9, 9, 9]
    )
    np.testing.assert_allclose(ranker.score(features), [1.1, 1.7, -0.5])
    assert ranker.feature_names == ("mass", "border", "offset_y")


def test_linear_ranker_ignores_features_it_does_not_read():
    ranker = Ranker.linear({"mass": 1.0})
    plain = _features(mass=[0.3, 0.6])
    noisy = plain + np.random.default_rng(0).random(plain.shape)
    noisy[:, FEATURE_NAMES.index("mass")] = [0.3, 0.6]
    np.testing.assert_allclose(ranker.score(noisy), ranker.score(plain))


def test_two_layer_ranker_standardises_then_applies_tanh_between_layers():
    ranker = _two_layer()
    features = _features(mass=[0.9, 0.2], faces_cut=[0.0, 0.6], border=[5.0, 5.0])
    (first, first_bias), (second, second_bias) = ranker.layers
    expected = []
    for mass, cut in ((0.9, 0.0), (0.2, 0.6)):
        inputs = np.array([(mass - 0.5) / 0.25, (cut - 0.1) / 0.5])
        hidden = np.tanh(inputs @ first + first_bias)
        expected.append(float(hidden @ second[:, 0] + second_bias[0]))
    np.testing.assert_allclose(ranker.score(features), expected)
    # Written out for the first row: inputs (1.6, -0.2).
    hidden = np.tanh([1.6 - 0.06 + 0.1, -3.2 - 0.14, 0.8 + 0.2 - 0.2])
    assert ranker.score(features)[0] == pytest.approx(
        2 * hidden[0] - hidden[1] + 0.5 * hidden[2] + 0.25
    )


def test_score_takes_any_number_of_windows():
    assert HAND_SET.score(np.zeros((0, len(FEATURE_NAMES)))).shape == (0,)
    assert HAND_SET.score(np.zeros((5, len(FEATURE_NAMES)))).shape == (5,)


def test_hand_set_ranker_prefers_mass_and_whole_faces():
    features = _features(
        mass=[0.8, 0.6, 0.8, 0.8],
        faces_kept=[0.0, 0.0, 1.0, 0.5],
        faces_cut=[0.0, 0.0, 0.0, 1.0],
        border=[0.0, 0.0, 0.0, 0.0],
    )
    scores = HAND_SET.score(features)
    assert scores[0] > scores[1]  # more looks kept
    assert scores[2] > scores[0]  # a face kept
    assert scores[2] > scores[3]  # a face kept whole, not cut


# --- descriptions and files -----------------------------------------------------------------


def _assert_same(a: Ranker, b: Ranker) -> None:
    assert a.feature_names == b.feature_names
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.scale, b.scale)
    assert len(a.layers) == len(b.layers)
    for (weights_a, bias_a), (weights_b, bias_b) in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(weights_a, weights_b)
        np.testing.assert_array_equal(bias_a, bias_b)
    assert a.info == b.info


def test_to_dict_from_dict_round_trip():
    ranker = _two_layer()
    document = ranker.to_dict()
    json.dumps(document)  # JSON-ready
    again = Ranker.from_dict(document)
    _assert_same(ranker, again)
    features = np.random.default_rng(1).random((20, len(FEATURE_NAMES)))
    np.testing.assert_allclose(again.score(features), ranker.score(features))


def test_save_and_load_ranker_round_trip(tmp_path):
    ranker = _two_layer()
    path = ranker.save(tmp_path / "mine.json")
    assert path == tmp_path / "mine.json"
    json.loads(path.read_text())
    for source in (path, str(path)):
        loaded = load_ranker(source)
        _assert_same(ranker, loaded)


def test_load_ranker_passes_a_ranker_through():
    ranker = _two_layer()
    assert load_ranker(ranker) is ranker


def test_hand_set_by_name():
    assert load_ranker("hand-set") is HAND_SET
    assert set(HAND_SET.feature_names) == {"mass", "border", "faces_kept", "faces_cut"}


def test_load_ranker_of_a_missing_file_says_where_it_looked(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(WeightsUnavailableError, match=r"nowhere\.json"):
        load_ranker(missing)
    with pytest.raises(WeightsUnavailableError):
        load_ranker(tmp_path)  # a folder is not a ranker file either


def test_load_ranker_of_a_file_that_is_not_json_is_a_value_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"broken\.json"):
        load_ranker(path)


def test_load_ranker_of_json_that_is_not_a_ranker_is_a_value_error(tmp_path):
    for name, text in (("list.json", "[1, 2]"), ("empty.json", "{}"), ("number.json", "3")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ValueError, match="not a ranker description"):
            load_ranker(path)


def _described(**changes) -> dict:
    document = json.loads(json.dumps(HAND_SET.to_dict()))
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"feature_names": ["mass", "bogus", "faces_kept", "faces_cut"]}, "unknown features"),
        ({"mean": [0, 0, 0]}, "mean and a scale"),
        ({"scale": [1, 1, 1, 1, 1]}, "mean and a scale"),
        ({"layers": [{"weights": [[1], [2], [3]], "bias": [0]}]}, "does not take 4 inputs"),
        ({"layers": [{"weights": [[1]] * 4, "bias": [0, 0]}]}, "does not take 4 inputs"),
        (
            {
                "layers": [
                    {"weights": [[1, 0]] * 4, "bias": [0, 0]},
                    {"weights": [[1], [1], [1]], "bias": [0]},
                ]
            },
            "does not take 2 inputs",
        ),
        ({"layers": [{"weights": [[1, 1]] * 4, "bias": [0, 0]}]}, "one score, gives 2"),
        ({"layers": []}, "one score, gives 4"),
    ],
    ids=[
        "unknown-feature",
        "short-mean",
        "long-scale",
        "too-few-inputs",
        "bias-shape",
        "hidden-mismatch",
        "two-wide-output",
        "no-layers",
    ],
)
def test_bad_descriptions_raise_value_error(changes, message):
    with pytest.raises(ValueError, match=message):
        Ranker.from_dict(_described(**changes))


@pytest.mark.parametrize("key", ["feature_names", "mean", "scale", "layers"])
def test_descriptions_missing_a_key_raise_value_error(key):
    document = _described()
    del document[key]
    with pytest.raises(ValueError, match=f"not a ranker description.*{key}"):
        Ranker.from_dict(document)


def test_a_layer_missing_its_bias_raises_value_error():
    with pytest.raises(ValueError, match="bias"):
        Ranker.from_dict(_described(layers=[{"weights": [[1.0]] * 4}]))


def test_info_is_optional():
    document = _described()
    del document["info"]
    assert Ranker.from_dict(document).info == {}


def test_a_one_dimensional_layer_raises_value_error():
    with pytest.raises(ValueError):
        Ranker.from_dict(_described(layers=[{"weights": [1.0, -0.1, 0.1, -0.15], "bias": [0]}]))


# --- the shipped ranker: only what any sensible ranker has ----------------------------------


@pytest.fixture(scope="module")
def shipped() -> Ranker:
    return load_ranker()


def test_the_package_ships_a_ranker_file():
    from importlib import resources

    assert resources.files("smartcrop_core.ranker_weights").joinpath(SHIPPED_RANKER).is_file()


def test_shipped_ranker_loads_and_reads_known_features(shipped):
    assert shipped.feature_names
    assert set(shipped.feature_names) <= set(FEATURE_NAMES)
    assert isinstance(shipped.info, dict)
    assert SmartCropper(model="centre", faces=False).ranker.to_dict() == shipped.to_dict()


def test_shipped_ranker_gives_finite_scores_that_depend_on_the_window(shipped):
    analysis = analysis_of(gaussian(90, 160, 120, 40, 10), faces=(face_at(20, 30, 50, 70),))
    boxes = np.array([[0, 0, 90, 90], [70, 0, 160, 90], [35, 0, 125, 90], [10, 20, 60, 70]])
    scores = shipped.score(window_features(analysis, boxes))
    assert scores.shape == (4,)
    assert np.isfinite(scores).all()
    assert np.ptp(scores) > 0


def test_shipped_ranker_prefers_the_window_holding_a_lone_blob(shipped):
    analysis = analysis_of(gaussian(100, 300, 250, 50, 8))
    features = window_features(analysis, np.array([[0, 0, 100, 100], [200, 0, 300, 100]]))
    scores = shipped.score(features)
    assert scores[1] > scores[0]


class _FlatSaliency:
    """Looks spread evenly over the image: nothing but the faces to go by."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        return np.full(rgb.shape[:2], 1.0 / (rgb.shape[0] * rgb.shape[1]), np.float32)


class _BrightSaliency:
    """Looks where the image is bright."""

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        density = (rgb.mean(axis=2) / 255.0) ** 4 + 1e-9
        return (density / density.sum()).astype(np.float32)


def test_default_cropper_keeps_a_lone_salient_blob():
    image = blob_image(400, 200, centre=(340, 60), radius=15)  # x 325-355, y 45-75
    result = SmartCropper(model=_BrightSaliency(), faces=False).crop(image, "1:1", zoom=0.6)
    box = result.box
    assert box.left <= 325 and box.right >= 355
    assert box.upper <= 45 and box.lower >= 75


def test_default_cropper_keeps_a_face_on_flat_saliency():
    face = face_at(250, 70, 290, 120)
    cropper = SmartCropper(model=_FlatSaliency(), face_detector=FixedFaces(face))
    image = np.full((200, 400, 3), 128, np.uint8)
    for aspect in ("1:1", "9:16"):
        result = cropper.crop(image, aspect)
        assert result.faces[0].fraction_inside(result.box) == 1.0


def test_cropper_takes_a_ranker_by_name_path_or_object(tmp_path):
    ranker = Ranker.linear({"mass": 1.0, "offset_x": -1.0})
    path = ranker.save(tmp_path / "r.json")
    assert SmartCropper(model="centre", faces=False, ranker="hand-set").ranker is HAND_SET
    assert SmartCropper(model="centre", faces=False, ranker=ranker).ranker is ranker
    from_file = SmartCropper(model="centre", faces=False, ranker=path).ranker
    assert from_file.feature_names == ("mass", "offset_x")
    with pytest.raises(WeightsUnavailableError):
        SmartCropper(model="centre", faces=False, ranker=Path(tmp_path / "missing.json"))
