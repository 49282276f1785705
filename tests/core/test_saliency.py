"""Saliency models: the .vxm reader, the FastGaze network, classical models and the registry."""

from __future__ import annotations

import logging
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

from smartcrop_core import UnknownModelError, WeightsUnavailableError
from smartcrop_core.imaging import prepare
from smartcrop_core.saliency import (
    DEFAULT_MODEL,
    FALLBACK_MODEL,
    MODELS,
    SaliencyModel,
    available_models,
    default_model_name,
    get_model,
    register_model,
)
from smartcrop_core.saliency.fastgaze import FastGazeSaliency, build_fastgaze_network
from smartcrop_core.saliency.priors import centre_log_prior, softmax_density
from smartcrop_core.saliency.spectral import CentrePriorSaliency, SpectralResidualSaliency
from smartcrop_core.saliency.vxm import VxmFile
from tests.support import fixations_of, preserved_registries, vxm_bytes

INT = struct.Struct("<i")


@pytest.fixture(scope="module")
def vxm_path(weights_dir):
    return weights_dir / "fastgaze.vxm"


@pytest.fixture(scope="module")
def fastgaze(vxm_path) -> FastGazeSaliency:
    return FastGazeSaliency(weights=vxm_path)


# --- the .vxm container ---------------------------------------------------------------------


def test_vxm_reader_reads_every_entry_of_the_real_file(vxm_path):
    weights = VxmFile(vxm_path)
    assert len(weights.entries) == 239
    assert weights.int32("layerCount") == 19
    assert weights.int32("0Type") == 0  # a convolution
    shape = tuple(weights.int32(f"0w.shape[{axis}]") for axis in range(4))
    assert shape == (43, 3, 3, 3)
    kernel = weights.float32("0w", shape)
    assert kernel.dtype == np.float32
    assert kernel.shape == shape
    assert np.isfinite(kernel).all()
    assert kernel.std() > 0


def test_vxm_reader_round_trips_a_small_container(tmp_path):
    path = tmp_path / "small.vxm"
    floats = np.arange(6, dtype="<f4")
    path.write_bytes(vxm_bytes({"count": INT.pack(-7), "values": floats.tobytes()}))
    weights = VxmFile(path)
    assert weights.int32("count") == -7
    np.testing.assert_array_equal(weights.float32("values", (2, 3)), floats.reshape(2, 3))


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda good: b"\x00\x00\x00\x00" + good[4:], "bad magic"),
        (lambda good: good[: len(good) // 2], "truncated"),
        (lambda good: good[:6], "truncated"),
        (lambda good: good + b"\x00\x01", "bytes after its entries"),
        (lambda good: b"", "bad magic"),
    ],
    ids=["magic", "half", "header", "trailing", "empty"],
)
def test_corrupt_vxm_files_are_reported_as_unavailable_weights(
    vxm_path, tmp_path, corrupt, message
):
    path = tmp_path / "corrupt.vxm"
    path.write_bytes(corrupt(vxm_path.read_bytes()))
    with pytest.raises(WeightsUnavailableError, match=message) as caught:
        VxmFile(path)
    assert str(path) in str(caught.value)


def test_vxm_key_without_terminating_nul_is_malformed(tmp_path):
    path = tmp_path / "bad_key.vxm"
    path.write_bytes(b"\x01tPM" + struct.pack("<I", 1) + struct.pack("<I", 3) + b"abc")
    with pytest.raises(WeightsUnavailableError, match="malformed key"):
        VxmFile(path)


def test_vxm_typed_accessors_check_what_they_read(tmp_path):
    path = tmp_path / "typed.vxm"
    entries = {
        "eight": b"\x00" * 8,
        "floats": np.zeros(4, "<f4").tobytes(),
        "doubles": np.zeros(2, "<f8").tobytes(),
        "doubles.dtype": b"float64",
    }
    path.write_bytes(vxm_bytes(entries))
    weights = VxmFile(path)
    with pytest.raises(WeightsUnavailableError, match="not one int32"):
        weights.int32("eight")
    with pytest.raises(WeightsUnavailableError, match="expected shape"):
        weights.float32("floats", (5,))
    with pytest.raises(WeightsUnavailableError, match="dtype"):
        weights.float32("doubles", (2,))
    with pytest.raises(WeightsUnavailableError, match="no entry 'missing'"):
        weights.int32("missing")


# --- the FastGaze network -------------------------------------------------------------------


def test_fastgaze_network_has_the_published_number_of_parameters(vxm_path):
    from torch import nn

    network = build_fastgaze_network(vxm_path)
    convolutions = [module for module in network.modules() if isinstance(module, nn.Conv2d)]
    assert len(convolutions) == 14
    total = sum(parameter.numel() for conv in convolutions for parameter in conv.parameters())
    assert total == 121_060
    assert convolutions[0].in_channels == 3
    assert convolutions[-1].out_channels == 1
    assert not network.training


def _one_conv_layer(in_channels: int, activation: int = 1, kind: int = 0) -> dict[str, bytes]:
    shape = (2, in_channels, 3, 3)
    entries = {"layerCount": INT.pack(1), "0Type": INT.pack(kind), "0Act": INT.pack(activation)}
    entries.update({f"0w.shape[{axis}]": INT.pack(side) for axis, side in enumerate(shape)})
    entries["0w"] = np.zeros(shape, "<f4").tobytes()
    entries["0b"] = np.zeros(2, "<f4").tobytes()
    return entries


def test_fastgaze_network_builds_from_a_minimal_file(tmp_path):
    path = tmp_path / "tiny.vxm"
    path.write_bytes(vxm_bytes(_one_conv_layer(3)))
    network = build_fastgaze_network(path)
    assert [type(layer).__name__ for layer in network] == ["Conv2d", "ReLU"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (_one_conv_layer(in_channels=2), "expects 2 input channels"),
        (_one_conv_layer(3, activation=9), "activation 9"),
        (_one_conv_layer(3, kind=7), "unknown type 7"),
    ],
    ids=["channels", "activation", "layer type"],
)
def test_fastgaze_network_rejects_inconsistent_files(tmp_path, entries, message):
    path = tmp_path / "inconsistent.vxm"
    path.write_bytes(vxm_bytes(entries))
    with pytest.raises(WeightsUnavailableError, match=message):
        build_fastgaze_network(path)


def _assert_density(density: np.ndarray, shape: tuple[int, int]) -> None:
    assert density.shape == shape
    assert density.dtype == np.float32
    assert np.isfinite(density).all()
    assert density.min() >= 0
    assert float(density.sum(dtype=np.float64)) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("shape", [(120, 250), (250, 120), (2, 2)])
def test_fastgaze_predicts_a_density_of_the_image_shape(fastgaze, shape):
    rgb = np.random.default_rng(1).integers(0, 256, (*shape, 3), dtype=np.uint8)
    _assert_density(fastgaze.predict(rgb), shape)


@pytest.fixture(scope="module")
def photo(photo_path):
    """The OSIE photo's analysis pixels and the (row, col) of its human fixations."""
    rgb = prepare(photo_path).pixels
    fixations = fixations_of(photo_path.parents[1], photo_path.name)
    cols = np.clip(fixations[:, 0].astype(int), 0, rgb.shape[1] - 1)
    rows = np.clip(fixations[:, 1].astype(int), 0, rgb.shape[0] - 1)
    return rgb, (rows, cols)


@pytest.fixture(scope="module")
def photo_density(fastgaze, photo):
    return fastgaze.predict(photo[0])


def test_fastgaze_looks_where_people_looked_on_a_real_photo(photo, photo_density):
    rgb, fixated = photo
    _assert_density(photo_density, rgb.shape[:2])
    assert len(fixated[0]) > 50
    assert photo_density[fixated].mean() > 2 * photo_density.mean()


def test_fastgaze_beats_the_centre_prior_on_the_real_photo(photo, photo_density):
    rgb, fixated = photo
    centre = CentrePriorSaliency().predict(rgb)
    assert photo_density[fixated].mean() > 1.5 * centre[fixated].mean()


def test_raw_fastgaze_differs_but_still_finds_the_fixations(vxm_path, photo, photo_density):
    rgb, fixated = photo
    raw = FastGazeSaliency(weights=vxm_path, centre_prior=0.0, bgr=False).predict(rgb)
    _assert_density(raw, rgb.shape[:2])
    assert np.abs(raw - photo_density).max() > 0.1 * photo_density.max()
    assert raw[fixated].mean() > 1.5 * raw.mean()


# --- classical models -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [SpectralResidualSaliency(), CentrePriorSaliency()])
@pytest.mark.parametrize("shape", [(40, 60), (61, 23), (2, 2), (2, 300)])
def test_classical_models_predict_densities(model, shape):
    _assert_density(model.predict(np.zeros((*shape, 3), np.uint8)), shape)


@pytest.mark.parametrize("centre", [(150, 60), (50, 30), (30, 100)])
def test_spectral_model_is_higher_on_a_textured_patch_than_on_flat_background(centre):
    rgb = np.full((120, 200, 3), 90, np.uint8)
    x, y = centre
    patch = np.s_[y - 12 : y + 12, x - 12 : x + 12]
    rgb[patch] = np.random.default_rng(0).integers(0, 256, (24, 24, 3))
    density = SpectralResidualSaliency(centre_prior=0.0).predict(rgb)
    assert density[patch].mean() > 2.5 * density.mean()


def test_centre_prior_peaks_in_the_middle():
    density = CentrePriorSaliency().predict(np.zeros((41, 61, 3), np.uint8))
    assert np.unravel_index(np.argmax(density), density.shape) == (20, 30)
    assert density[20, 30] > density[0, 0]


def test_centre_log_prior_strength_scales_the_log_prior():
    weak, strong = centre_log_prior(9, 11, 0.5), centre_log_prior(9, 11, 2.0)
    np.testing.assert_allclose(strong, 4 * weak, rtol=1e-5)
    np.testing.assert_array_equal(centre_log_prior(9, 11, 0.0), np.zeros((9, 11)))


def test_softmax_density_normalises_large_logits_without_overflow():
    density = softmax_density(np.array([[1000.0, 1000.0], [0.0, -1000.0]]))
    np.testing.assert_allclose(density, [[0.5, 0.5], [0.0, 0.0]], atol=1e-6)
    assert density.dtype == np.float32


# --- registry and fallback ------------------------------------------------------------------


def test_builtin_models_are_registered():
    assert {"fastgaze", "fastgaze-raw", "spectral", "centre"} <= set(available_models())
    assert available_models() == sorted(available_models())


@pytest.mark.usefixtures("weights_dir")
def test_default_model_is_the_shipped_student_and_needs_no_download(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(tmp_path))  # an empty weights folder
    with preserved_registries():
        MODELS._instances.clear()
        model = get_model()
        assert model is get_model("student")  # built once
        assert type(model).__name__ == "NetworkSaliency"
        density = model.predict(np.zeros((60, 80, 3), np.uint8))
    assert density.shape == (60, 80)
    assert float(density.sum()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.usefixtures("weights_dir")
def test_fastgaze_raw_has_no_centre_prior_and_rgb_order():
    raw = get_model("fastgaze-raw")
    assert isinstance(raw, FastGazeSaliency)
    assert (raw.centre_prior, raw.bgr) == (0.0, False)


def test_unknown_model_name_lists_the_available_ones():
    with pytest.raises(UnknownModelError, match="unknown saliency model 'deepgaze'") as caught:
        get_model("deepgaze")
    message = str(caught.value)
    for name in ("fastgaze", "spectral", "centre"):
        assert name in message
    assert isinstance(caught.value, KeyError)


def test_a_model_object_is_used_as_it_is():
    model = CentrePriorSaliency()
    assert get_model(model) is model
    assert isinstance(model, SaliencyModel)


def test_an_object_without_predict_is_rejected():
    with pytest.raises(TypeError, match="predict"):
        get_model(42)  # type: ignore[arg-type]


@pytest.fixture
def fresh_models():
    """Empty the registries' built objects and warnings; everything restored afterwards."""
    with preserved_registries():
        MODELS._instances.clear()
        MODELS._warned.clear()
        yield


@pytest.fixture
def offline_empty_cache(tmp_path, monkeypatch):
    """No weights anywhere and no network: every download attempt fails at once."""
    calls = []

    def refuse(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("network blocked by the test")

    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return calls


def test_missing_weights_fall_back_to_the_classical_model_with_a_warning(
    fresh_models, offline_empty_cache, caplog
):
    with caplog.at_level(logging.WARNING, logger="smartcrop_core.saliency"):
        model = get_model("fastgaze")
        again = get_model("fastgaze")
    assert FALLBACK_MODEL == "spectral"
    assert isinstance(model, SpectralResidualSaliency)
    assert again is model
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1  # warned once, not on every call
    assert "fastgaze" in warnings[0].getMessage()
    assert "spectral" in warnings[0].getMessage()
    assert offline_empty_cache  # a download was attempted
    assert "github.com" in offline_empty_cache[0]


def test_fallback_model_that_is_itself_unavailable_raises(fresh_models):
    def unavailable():
        raise WeightsUnavailableError("no weights for the fallback")

    register_model(FALLBACK_MODEL, unavailable, replace=True)
    with pytest.raises(WeightsUnavailableError, match="no weights for the fallback"):
        get_model(FALLBACK_MODEL)


def test_registered_model_is_usable_by_name(fresh_models):
    register_model("test-centre", CentrePriorSaliency)
    assert "test-centre" in available_models()
    assert isinstance(get_model("test-centre"), CentrePriorSaliency)
    with pytest.raises(ValueError, match="already registered"):
        register_model("test-centre", SpectralResidualSaliency)


def test_smartcrop_model_environment_variable_chooses_the_default(monkeypatch):
    monkeypatch.setenv("SMARTCROP_MODEL", "centre")
    assert default_model_name() == "centre"
    assert type(get_model()).__name__ == "CentrePriorSaliency"
    monkeypatch.delenv("SMARTCROP_MODEL")
    assert default_model_name() == DEFAULT_MODEL


def test_shipped_models_record_how_to_reproduce_them():
    from smartcrop_core.saliency.trained import shipped_info

    for name in ("student", "deepgaze-mobilenet-v2"):
        info = shipped_info(name)
        assert info["command"].startswith("smartcrop-train saliency --arch ")
        assert "--seed" in info["command"] and info["seed"] == info["config"]["seed"]
        assert "val never read" in info["data"]
        assert info["holdout_information_gain_bits"] > 0


def test_an_unknown_shipped_model_is_unavailable_not_a_crash():
    from smartcrop_core.saliency.trained import shipped_model

    with pytest.raises(WeightsUnavailableError, match="no trained model 'nope'"):
        shipped_model("nope")


@pytest.mark.parametrize("name", ["student", "student-fast"])
def test_the_student_sees_where_people_look_on_a_real_photo(photo_path, name):
    from PIL import Image

    rgb = np.asarray(Image.open(photo_path).convert("RGB"))
    density = get_model(name).predict(rgb)
    fixations = fixations_of(photo_path.parents[1], photo_path.name)
    columns = np.clip(fixations[:, 0].astype(int), 0, rgb.shape[1] - 1)
    rows = np.clip(fixations[:, 1].astype(int), 0, rgb.shape[0] - 1)
    assert density[rows, columns].mean() > 2 * density.mean()


def test_the_fast_student_is_the_student_in_one_pass():
    student, fast = get_model("student"), get_model("student-fast")
    assert student.mirror and not fast.mirror
    assert fast.input_size == student.input_size


def test_a_shipped_centre_bias_scale_reaches_the_network(monkeypatch):
    from smartcrop_core.saliency import trained
    from smartcrop_core.saliency.nets.common import CentreBias

    info = trained.shipped_info("student") | {"centre_bias_scale": 0.5}
    monkeypatch.setattr(trained, "shipped_info", lambda name: info)
    model = trained.shipped_model("student")
    scales = [m.scale for m in model.network.modules() if isinstance(m, CentreBias)]
    assert scales == [0.5]
