"""The pluggy wiring: built-ins, run-time plugins, entry-point plugins, stages and adapters."""

from __future__ import annotations

import logging
import sys
import textwrap

import numpy as np
import pluggy
import pytest
from PIL import Image

from smartcrop_core import Analysis, InvalidImageError, SmartCropper, UnknownModelError
from smartcrop_core.faces import DETECTORS
from smartcrop_core.saliency import MODELS, available_models
from smartcrop_plugins import builtins, filters, imageops
from smartcrop_plugins.hookspecs import hookimpl
from smartcrop_plugins.manager import (
    available_stages,
    get_plugin_manager,
    register_plugin,
    reset_plugin_manager,
    resolve_stages,
)
from tests.support import ColumnSaliency, face_at, preserved_registries

DEMO_MODULE = "demo_smartcrop_plugin"


@pytest.fixture(autouse=True)
def clean_plugins():
    """Every test starts from freshly loaded plugins and leaves no model or stage behind."""
    with preserved_registries():
        reset_plugin_manager()
        yield
        reset_plugin_manager()
    sys.modules.pop(DEMO_MODULE, None)


@pytest.fixture(scope="module")
def image() -> Image.Image:
    pixels = np.random.default_rng(5).integers(0, 256, (200, 400, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def look_left(analysis: Analysis) -> Analysis:
    """A stage: all the looks go to the left tenth of the image."""
    return analysis.evolve(saliency=ColumnSaliency(0.0, 0.1).predict(analysis.image.pixels))


class RightLookingPlugin:
    """Registers a model that looks at the right edge and a stage that looks left."""

    @hookimpl
    def smartcrop_register_saliency_models(self, register):
        register("test-right", lambda: ColumnSaliency(0.9, 1.0))

    @hookimpl
    def smartcrop_register_stages(self, register):
        register("test-look-left", look_left)


class DefaultStagePlugin:
    @hookimpl
    def smartcrop_register_stages(self, register):
        register("test-always-left", look_left, default=True)


class Canvas:
    """An image type smartcrop does not know."""

    def __init__(self, pixels: np.ndarray) -> None:
        self.pixels = pixels


class CanvasPlugin:
    @hookimpl
    def smartcrop_image_to_array(self, image):
        return image.pixels if isinstance(image, Canvas) else None


# --- built-ins ------------------------------------------------------------------------------


def test_builtins_are_registered_as_a_plugin():
    manager = get_plugin_manager()
    assert builtins in manager.get_plugins()
    assert manager.get_plugin("smartcrop.builtins") is builtins
    assert manager.project_name == "smartcrop"
    assert get_plugin_manager() is manager  # loaded once


def test_builtin_registration_hooks_fill_the_registries():
    get_plugin_manager()
    assert {"fastgaze", "fastgaze-raw", "spectral", "centre"} <= set(available_models())
    assert {"yunet", "none"} <= set(DETECTORS.names())


def test_no_stages_without_plugins():
    assert available_stages() == []
    assert resolve_stages() == []


# --- run-time plugins -----------------------------------------------------------------------


def test_plugin_model_is_usable_by_name_and_changes_the_box(image):
    centred = imageops.smartcrop_box(image, "1:1", model="centre", faces=False)
    assert centred[0] > 0
    assert centred[2] < 400
    register_plugin(RightLookingPlugin(), name="test-right-looking")
    assert "test-right" in available_models()
    right = imageops.smartcrop_box(image, "1:1", model="test-right", faces=False)
    assert right == (200, 0, 400, 200)
    _, cols = filters.smartcrop_box(np.asarray(image), "1:1", model="test-right", faces=False)
    assert (cols.start, cols.stop) == (200, 400)


def test_plugin_stage_is_usable_by_name_and_runs_after_saliency(image):
    register_plugin(RightLookingPlugin())
    assert available_stages() == ["test-look-left"]
    box = imageops.smartcrop_box(
        image, "1:1", model="test-right", faces=False, stages=["test-look-left"]
    )
    assert box == (0, 0, 200, 200)
    crop = filters.smartcrop(
        np.asarray(image), "1:1", model="test-right", faces=False, stages=["test-look-left"]
    )
    np.testing.assert_array_equal(crop, np.asarray(image)[:, :200])


def test_default_stage_runs_without_being_named(image):
    register_plugin(DefaultStagePlugin())
    assert resolve_stages() == [look_left]
    assert resolve_stages(["test-always-left"]) == [look_left]  # not run twice
    assert imageops.smartcrop_box(image, "1:1", model="centre", faces=False) == (0, 0, 200, 200)


def test_unknown_stage_is_an_unknown_model_error(image):
    register_plugin(RightLookingPlugin())
    with pytest.raises(UnknownModelError, match="unknown stage 'sharpen'; available: test-look"):
        imageops.smartcrop_box(image, "1:1", model="centre", faces=False, stages=["sharpen"])


def test_unknown_stage_without_any_plugin_says_how_to_get_one():
    with pytest.raises(UnknownModelError, match="install a plugin"):
        resolve_stages(["sharpen"])


def test_reset_forgets_run_time_plugins_and_their_stages():
    plugin = RightLookingPlugin()
    register_plugin(plugin)
    assert plugin in get_plugin_manager().get_plugins()
    reset_plugin_manager()
    assert plugin not in get_plugin_manager().get_plugins()
    assert available_stages() == []


def test_plugin_face_detector_is_usable_by_name():
    face = face_at(10, 10, 30, 30)

    class FacePlugin:
        @hookimpl
        def smartcrop_register_face_detectors(self, register):
            register("test-one-face", lambda: _OneFace(face))

    register_plugin(FacePlugin())
    cropper = SmartCropper(model="centre", face_detector="test-one-face")
    assert cropper.analyze(np.zeros((50, 60, 3), np.uint8)).faces == (face,)


class _OneFace:
    def __init__(self, face) -> None:
        self.face = face

    def detect(self, rgb):
        return (self.face,)


@pytest.mark.parametrize(
    ("name", "stage", "error", "message"),
    [
        ("", look_left, ValueError, "non-empty string"),
        ("test-not-callable", 42, TypeError, "not callable"),
    ],
)
def test_bad_stage_registrations_are_rejected(name, stage, error, message):
    class BadStagePlugin:
        @hookimpl
        def smartcrop_register_stages(self, register):
            register(name, stage)

    with pytest.raises(error, match=message):
        register_plugin(BadStagePlugin())


def test_two_plugins_cannot_claim_one_stage_name():
    class Other:
        @hookimpl
        def smartcrop_register_stages(self, register):
            register("test-look-left", lambda analysis: analysis)

    register_plugin(RightLookingPlugin())
    with pytest.raises(ValueError, match="already registered"):
        register_plugin(Other())


def test_misspelled_hook_is_a_validation_error():
    class Misspelled:
        @hookimpl
        def smartcrop_register_stage(self, register):  # singular: no such hook
            register("never", look_left)

    with pytest.raises(pluggy.PluginValidationError, match="smartcrop_register_stage"):
        register_plugin(Misspelled())


def test_a_rejected_plugin_does_not_block_later_ones():
    class Misspelled:
        @hookimpl
        def smartcrop_register_stage(self, register):
            register("never", look_left)

    with pytest.raises(pluggy.PluginValidationError):
        register_plugin(Misspelled())
    register_plugin(RightLookingPlugin())
    assert "test-look-left" in available_stages()


# --- entry points ---------------------------------------------------------------------------

DEMO_SOURCE = '''
"""A third-party smartcrop plugin, installed through the smartcrop entry-point group."""

import numpy as np

from smartcrop_plugins.hookspecs import hookimpl


class BottomRows:
    def predict(self, rgb):
        density = np.zeros(rgb.shape[:2], np.float32)
        density[-2:, :] = 1
        return density / density.sum()


def look_right(analysis):
    density = np.zeros(analysis.image.pixels.shape[:2], np.float32)
    density[:, -2:] = 1
    return analysis.evolve(saliency=density)


@hookimpl
def smartcrop_register_saliency_models(register):
    register("demo-bottom", BottomRows)


@hookimpl
def smartcrop_register_stages(register):
    register("demo-look-right", look_right)
'''


@pytest.fixture
def installed_demo_plugin(tmp_path, monkeypatch):
    """A plugin module and its dist-info with a ``smartcrop`` entry point, on sys.path."""
    (tmp_path / f"{DEMO_MODULE}.py").write_text(textwrap.dedent(DEMO_SOURCE))
    dist_info = tmp_path / f"{DEMO_MODULE}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: demo-smartcrop-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(f"[smartcrop]\ndemo = {DEMO_MODULE}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(DEMO_MODULE, None)
    reset_plugin_manager()
    return tmp_path


def test_entry_point_plugin_is_loaded_and_usable(installed_demo_plugin):
    image = Image.fromarray(np.full((300, 200, 3), 100, np.uint8))
    manager = get_plugin_manager()
    module = sys.modules[DEMO_MODULE]
    assert manager.get_plugin("demo") is module
    assert "demo-bottom" in available_models()
    assert "demo-look-right" in available_stages()
    assert imageops.smartcrop_box(image, "1:1", model="demo-bottom", faces=False) == (
        0,
        100,
        200,
        300,
    )
    wide = Image.fromarray(np.full((200, 400, 3), 100, np.uint8))
    box = imageops.smartcrop_box(
        wide, "1:1", model="centre", faces=False, stages=["demo-look-right"]
    )
    assert box == (200, 0, 400, 200)


BROKEN_PLUGINS = {
    "import-error": "import a_module_nobody_installed\n",
    "misspelled-hook": (
        "from smartcrop_plugins.hookspecs import hookimpl\n\n\n"
        "@hookimpl\ndef smartcrop_register_stage(register):\n    pass\n"
    ),
    "failing-registration": (
        "from smartcrop_plugins.hookspecs import hookimpl\n\n\n"
        "@hookimpl\ndef smartcrop_register_stages(register):\n"
        "    register('broken', 'not a callable')\n"
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_PLUGINS))
def test_a_broken_plugin_is_skipped_with_a_warning_and_the_others_still_load(
    installed_demo_plugin, kind, caplog
):
    module = f"broken_smartcrop_plugin_{kind.replace('-', '_')}"
    (installed_demo_plugin / f"{module}.py").write_text(BROKEN_PLUGINS[kind])
    dist_info = installed_demo_plugin / f"{module}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(f"[smartcrop]\nbroken = {module}\n")
    reset_plugin_manager()
    try:
        with caplog.at_level(logging.WARNING, logger="smartcrop_plugins.manager"):
            manager = get_plugin_manager()
        assert manager.get_plugin("broken") is None
        assert f"smartcrop plugin 'broken' ({module}) was not loaded" in caplog.text
        assert "broken" not in available_stages()
        # The built-ins and the other installed plugin are all there and work.
        assert manager.get_plugin("demo") is sys.modules[DEMO_MODULE]
        assert {"demo-bottom", "student"} <= set(available_models())
        assert "demo-look-right" in available_stages()
        image = Image.fromarray(np.full((300, 200, 3), 100, np.uint8))
        box = imageops.smartcrop_box(image, "1:1", model="demo-bottom", faces=False)
        assert box == (0, 100, 200, 300)
    finally:
        sys.modules.pop(module, None)


def test_entry_point_plugins_are_gone_after_their_package_is(installed_demo_plugin, monkeypatch):
    get_plugin_manager()
    assert "demo-look-right" in available_stages()
    monkeypatch.undo()
    reset_plugin_manager()
    assert "demo-look-right" not in available_stages()
    assert get_plugin_manager().get_plugin("demo") is None


# --- image adapters -------------------------------------------------------------------------


def test_image_adapter_plugin_makes_faces_accept_a_new_type():
    pixels = np.random.default_rng(2).integers(0, 256, (100, 160, 3), dtype=np.uint8)
    register_plugin(CanvasPlugin())
    canvas = Canvas(pixels)
    options = {"model": ColumnSaliency(0.9, 1.0), "faces": False}
    assert imageops.smartcrop_box(canvas, "1:1", **options) == (60, 0, 160, 100)
    crop = filters.smartcrop(canvas, "1:1", **options)
    np.testing.assert_array_equal(crop, pixels[:, 60:])
    heat = filters.saliency(canvas, model="spectral")
    assert heat.shape == (100, 160)
    assert float(heat.max()) == 1.0


def test_image_adapter_plugin_works_with_imageops_smartcrop():
    register_plugin(CanvasPlugin())
    pixels = np.zeros((100, 160, 3), np.uint8)
    result = imageops.smartcrop(Canvas(pixels), "1:1", model="centre", faces=False)
    assert result.size == (100, 100)


def test_objects_with_the_array_interface_are_accepted_by_the_builtin_adapter():
    class ArrayLike:
        def __init__(self, pixels):
            self.pixels = pixels

        def __array__(self, dtype=None, copy=None):
            return self.pixels

    pixels = np.zeros((100, 160, 3), np.uint8)
    box = imageops.smartcrop_box(ArrayLike(pixels), "1:1", model="centre", faces=False)
    assert (box[2] - box[0], box[3] - box[1]) == (100, 100)


def test_object_nobody_converts_is_an_invalid_image_naming_its_type():
    class Unknown:
        pass

    register_plugin(CanvasPlugin())
    for face in (imageops.smartcrop_box, filters.smartcrop, filters.saliency):
        with pytest.raises(InvalidImageError, match=r"cannot crop a Unknown.*plugin"):
            face(Unknown(), model="centre")


def test_registries_are_restored_between_tests():
    assert "test-right" not in MODELS
    assert "demo-bottom" not in MODELS
    assert available_stages() == []
