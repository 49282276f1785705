"""The example plugin of docs/plugins.rst (docs/examples/smartcrop-horizon), as users get it.

The example is not pip-installed: the ``installed_example`` fixture puts its source folder
on ``sys.path`` beside a ``*.dist-info`` folder with its entry point, which is all that
``importlib.metadata`` (and so smartcrop's plugin manager) looks for. Everything the tests
load is forgotten afterwards: plugins, stages, models built, the module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smartcrop_core import Analysis, SmartCropper, UnknownModelError
from smartcrop_core.imaging import WorkingImage
from smartcrop_plugins import cli, filters, imageops
from smartcrop_plugins.manager import (
    available_stages,
    get_plugin_manager,
    reset_plugin_manager,
    resolve_stages,
)
from tests.support import preserved_registries

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "smartcrop-horizon"
MODULE = "smartcrop_horizon"
# What pip writes for the example's [project.entry-points.smartcrop] table.
ENTRY_POINTS = "[smartcrop]\nhorizon = smartcrop_horizon\n"

# The test scene: a 320 x 480 portrait, blue sky over dark ground, a bright sun in the sky
# and a red figure standing on the ground.
WIDTH, HEIGHT, HORIZON = 320, 480, 200
SUN = (230, 70, 30)  # x, y, radius
FIGURE = (60, 390, 90, 440)  # left, upper, right, lower


def scene() -> np.ndarray:
    """``(HEIGHT, WIDTH, 3)`` uint8 RGB: sky above row ``HORIZON``, a sun, a figure."""
    pixels = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    pixels[:HORIZON] = (150, 190, 240)
    pixels[HORIZON:] = (40, 60, 35)
    rows, cols = np.mgrid[:HEIGHT, :WIDTH]
    x, y, radius = SUN
    pixels[(cols - x) ** 2 + (rows - y) ** 2 < radius**2] = (255, 250, 220)
    left, upper, right, lower = FIGURE
    pixels[upper:lower, left:right] = (200, 40, 40)
    return pixels


def analysis_of(pixels: np.ndarray, saliency: np.ndarray | None = None) -> Analysis:
    """An analysis of ``pixels`` (already at analysis size) with ``saliency``, if given."""
    analysis = Analysis(WorkingImage(pixels, (pixels.shape[1], pixels.shape[0])))
    return analysis if saliency is None else analysis.evolve(saliency=saliency)


@pytest.fixture
def installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The example plugin as pip installs it, loaded by the plugin manager; its module.

    Its ``src`` folder and a dist-info folder holding its entry point go on ``sys.path``;
    the plugin manager then finds it through ``importlib.metadata`` like any installed
    plugin. Plugins, registries and the module are restored afterwards.
    """
    dist_info = tmp_path / "smartcrop_horizon-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: smartcrop-horizon\nVersion: 0.1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.syspath_prepend(str(tmp_path))
    saved_module = sys.modules.pop(MODULE, None)
    with preserved_registries():
        reset_plugin_manager()
        try:
            get_plugin_manager()
            yield sys.modules[MODULE]
        finally:
            reset_plugin_manager()
            sys.modules.pop(MODULE, None)
            if saved_module is not None:
                sys.modules[MODULE] = saved_module


@pytest.fixture
def clean_plugins() -> Iterator[None]:
    """Plugins loaded afresh from what is installed, forgotten afterwards."""
    with preserved_registries():
        reset_plugin_manager()
        yield
        reset_plugin_manager()


# --- the entry point ------------------------------------------------------------------------


def test_entry_point_loads_the_example_and_registers_its_stage(installed_example):
    assert Path(installed_example.__file__).is_relative_to(EXAMPLE / "src")
    assert get_plugin_manager().get_plugin("horizon") is installed_example
    assert "horizon" in available_stages()
    assert resolve_stages(["horizon"]) == [installed_example.horizon]


def test_entry_point_is_the_one_the_examples_pyproject_declares():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    declared = project["entry-points"]["smartcrop"]
    lines = "".join(f"{name} = {target}\n" for name, target in declared.items())
    assert f"[smartcrop]\n{lines}" == ENTRY_POINTS
    assert project["name"] == "smartcrop-horizon"


# --- what the stage does --------------------------------------------------------------------


def test_stage_lowers_the_sky_by_its_weight_and_keeps_a_density(installed_example):
    (stage,) = resolve_stages(["horizon"])
    flat = np.ones((HEIGHT, WIDTH))
    before = analysis_of(scene(), flat)
    after = stage(before)

    assert after.extras["smartcrop_horizon.row"] == HORIZON
    density = after.saliency
    assert density.shape == (HEIGHT, WIDTH)
    assert density.dtype == np.float32
    assert float(density.min()) >= 0
    assert float(density.sum()) == pytest.approx(1.0, abs=1e-5)
    # Outside the feathered band around the horizon, sky pixels weigh sky_weight times what
    # ground pixels weigh, having weighed the same.
    band = round(stage.feather * HEIGHT / 2) + 1
    sky, ground = density[: HORIZON - band], density[HORIZON + band :]
    np.testing.assert_allclose(sky / ground.mean(), stage.sky_weight, rtol=1e-5)
    np.testing.assert_allclose(ground, ground.mean(), rtol=1e-5)
    # The input analysis is untouched.
    assert "smartcrop_horizon.row" not in before.extras
    np.testing.assert_allclose(before.saliency, 1 / flat.size, rtol=1e-5)


def test_stage_reweights_a_real_saliency_map_by_rows(installed_example):
    (stage,) = resolve_stages(["horizon"])
    model_only = SmartCropper(model="spectral", faces=False).analyze(scene())
    with_stage = SmartCropper(model="spectral", faces=False, stages=[stage]).analyze(scene())
    old, new = model_only.saliency, with_stage.saliency
    assert float(new.sum()) == pytest.approx(1.0, abs=1e-5)
    weights = stage.row_weights(HEIGHT, HORIZON)
    expected = old * weights[:, np.newaxis]
    np.testing.assert_allclose(new, expected / expected.sum(), rtol=1e-4, atol=1e-9)
    sky_share_before, sky_share_after = old[:HORIZON].sum(), new[:HORIZON].sum()
    assert sky_share_after < 0.6 * sky_share_before


@pytest.mark.parametrize(
    "pixels",
    [
        pytest.param(np.full((HEIGHT, WIDTH, 3), 128, np.uint8), id="flat grey"),
        pytest.param(scene()[::-1].copy(), id="upside down: dark above bright"),
        pytest.param(
            np.repeat(np.linspace(250, 20, HEIGHT, dtype=np.uint8), WIDTH * 3).reshape(
                HEIGHT, WIDTH, 3
            ),
            id="gradient, no line",
        ),
        pytest.param(
            np.where(np.arange(HEIGHT)[:, None, None] < HORIZON, (240, 200, 150), (40, 30, 20)),
            id="warm wall over a dark desk",
        ),
        pytest.param(
            np.concatenate(
                [np.full((HEIGHT, WIDTH // 2, 3), 30), scene()[:, WIDTH // 2 :]], axis=1
            ),
            id="line across half the width",
        ),
    ],
)
def test_without_a_horizon_the_saliency_is_unchanged(installed_example, pixels):
    (stage,) = resolve_stages(["horizon"])
    before = analysis_of(pixels.astype(np.uint8), np.random.default_rng(3).random(pixels.shape[:2]))
    after = stage(before)
    assert after.extras["smartcrop_horizon.row"] is None
    assert after.saliency is before.saliency


def test_textured_sky_is_not_a_sky(installed_example):
    pixels = scene()
    noise = np.random.default_rng(0).integers(-60, 60, (HORIZON, WIDTH, 1))
    pixels[:HORIZON] = np.clip(pixels[:HORIZON] + noise, 0, 255)
    assert installed_example.find_horizon(scene()) == HORIZON
    assert installed_example.find_horizon(pixels) is None


def test_stage_checks_its_input(installed_example):
    module = installed_example
    stage = module.horizon
    with pytest.raises(TypeError, match="takes an Analysis, got ndarray"):
        stage(scene())
    with pytest.raises(ValueError, match="has none: run it after a saliency stage"):
        stage(analysis_of(scene()))
    with pytest.raises(TypeError, match="uint8 numpy array, got float64"):
        module.find_horizon(scene().astype(float))
    with pytest.raises(ValueError, match=r"\(h, w, 3\) RGB"):
        module.find_horizon(scene()[..., 0])
    with pytest.raises(ValueError, match="search must be"):
        module.find_horizon(scene(), search=(0.9, 0.1))
    with pytest.raises(ValueError, match="min_contrast"):
        module.find_horizon(scene(), min_contrast=0)
    for bad in ({"sky_weight": 0}, {"sky_weight": 1.5}, {"feather": 1}, {"search": (0.5,)}):
        with pytest.raises(ValueError):
            module.HorizonStage(**bad)


# --- how users select it --------------------------------------------------------------------


def test_pillow_smartcrop_with_the_stage_keeps_the_ground(installed_example):
    image = Image.fromarray(scene())
    assert imageops.smartcrop(image, stages=["horizon"]).size == (WIDTH, WIDTH)
    _, upper, _, lower = imageops.smartcrop_box(image)
    _, upper_horizon, _, lower_horizon = imageops.smartcrop_box(image, stages=["horizon"])
    figure_top, figure_bottom = FIGURE[1], FIGURE[3]
    assert lower < figure_top  # the model alone keeps the sun and leaves the figure out
    assert upper_horizon > upper + 50
    # With the stage, the crop moves down to the figure (most of it: the ranker may trim
    # its feet, as it would a photo's).
    assert lower_horizon >= figure_top + 0.8 * (figure_bottom - figure_top)


def test_scikit_image_filter_with_the_stage(installed_example):
    rows, _ = filters.smartcrop_box(scene(), "1:1", model="spectral", stages=["horizon"])
    assert rows.stop >= FIGURE[3]


def test_cli_stage_option(installed_example, tmp_path, capsys):
    photo = tmp_path / "scene.png"
    Image.fromarray(scene()).save(photo)
    out, report = tmp_path / "out", tmp_path / "crops.json"
    argv = [str(photo), "--stage", "horizon", "-o", str(out), f"--json={report}", "-q"]
    assert cli.main(argv) == 0
    ((record,),) = [entry["crops"] for entry in json.loads(report.read_text())]
    assert tuple(record["box"]) == imageops.smartcrop_box(photo, stages=["horizon"])
    with Image.open(record["output"]) as crop:
        assert crop.size == (WIDTH, WIDTH)
    capsys.readouterr()

    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(photo), "--stage", "horizn", "-o", str(out), "-q"])
    assert exit_info.value.code == 2
    assert "unknown stage 'horizn'; available: horizon" in capsys.readouterr().err


def test_unknown_stage_names_the_example(installed_example):
    with pytest.raises(UnknownModelError, match="available: horizon"):
        imageops.smartcrop_box(Image.fromarray(scene()), stages=["horizn"])


# --- global state ---------------------------------------------------------------------------


def test_nothing_is_left_behind(clean_plugins):
    assert "horizon" not in available_stages()
    assert get_plugin_manager().get_plugin("horizon") is None
