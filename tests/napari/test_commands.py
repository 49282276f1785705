"""The plugin as napari finds it: manifest, dock widget, commands, menus, sample data."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .support import import_or_skip

napari = import_or_skip("napari")
import_or_skip("pytestqt")
npe2 = import_or_skip("npe2")

from smartcrop_plugins.napari import SmartCropWidget, smart_crop  # noqa: E402

PLUGIN = "smartcrop-attention"
COMMANDS = [
    f"{PLUGIN}.{name}"
    for name in ("crop_1_1", "crop_4_5", "crop_16_9", "crop_9_16", "crop_presets", "show_saliency")
]


def test_manifest_is_valid_and_every_python_name_imports():
    manifest = npe2.PluginManifest.from_distribution(PLUGIN)
    manifest.validate_imports()
    assert manifest.display_name == "smartcrop"
    assert [widget.display_name for widget in manifest.contributions.widgets] == ["Smart crop"]
    assert {sample.key for sample in manifest.contributions.sample_data} == {"astronaut", "coffee"}


def test_napari_opens_the_widget_from_the_plugins_menu_and_it_crops(viewer, crop, photo_path):
    image = viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")

    _dock, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Smart crop")

    # napari hands plugins a proxy of the viewer that only allows its public API.
    assert isinstance(widget, SmartCropWidget)
    assert widget.image.value == image
    layers = crop(widget)
    assert [layer.name for layer in layers.crops] == ["photo crop 1:1"]


def test_sample_data_opens_a_scikit_image_photo(viewer):
    viewer.open_sample(PLUGIN, "astronaut")
    (layer,) = viewer.layers
    assert layer.name == "astronaut" and layer.rgb and layer.data.shape == (512, 512, 3)


def test_commands_are_in_the_palette_and_the_layers_menus(viewer):
    from napari._app_model import get_app_model

    app = get_app_model()
    palette = {item.command.id for item in app.menus.get_menu(app.menus.COMMAND_PALETTE_ID)}
    assert set(COMMANDS) <= palette
    transform = {item.command.id for item in app.menus.get_menu("napari/layers/transform")}
    assert set(COMMANDS[:-1]) <= transform
    visualize = {item.command.id for item in app.menus.get_menu("napari/layers/visualize")}
    assert f"{PLUGIN}.show_saliency" in visualize


def test_palette_command_crops_the_selected_image(viewer, wait_worker, photo_path):
    from napari._app_model import get_app_model

    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")

    # What the command palette does: napari hands the command the current viewer.
    worker = get_app_model().commands.execute_command(f"{PLUGIN}.crop_16_9").result()

    wait_worker(worker, lambda: "photo crop 16:9" in viewer.layers)
    crop = viewer.layers["photo crop 16:9"]
    assert crop.data.shape == (288, 512, 3)
    assert list(viewer.layers["photo crop boxes"].features["aspect"]) == ["16:9"]


def test_saliency_command_adds_only_the_heatmap(viewer, wait_worker, photo_path):
    from smartcrop_plugins.napari._commands import show_saliency

    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")

    worker = show_saliency(viewer)

    wait_worker(worker, lambda: "photo saliency" in viewer.layers)
    assert [layer.name for layer in viewer.layers] == ["photo", "photo saliency"]


def test_selected_shapes_layer_steers_a_palette_command(viewer, wait_worker, photo_path):
    pixels = np.asarray(Image.open(photo_path))
    image = viewer.add_image(pixels, name="photo")
    # A region at the far left: the centred 16:9 would be the whole width anyway, so ask 9:16.
    hints = viewer.add_shapes([[[150, 2], [150, 40], [250, 40], [250, 2]]], name="keep")
    viewer.layers.selection.active = image
    viewer.layers.selection.add(hints)  # Ctrl-click

    from smartcrop_plugins.napari._commands import crop_9_16

    worker = crop_9_16(viewer)

    wait_worker(worker, lambda: "photo crop 9:16" in viewer.layers)
    left = viewer.layers["photo crop 9:16"].metadata["smartcrop"]["boxes"][()][0]
    assert left <= 2


def test_script_api_runs_in_the_calling_thread(viewer, photo_path):
    viewer.add_image(np.asarray(Image.open(photo_path).convert("L")), name="photo")

    layers = smart_crop(viewer, "photo", ["4:5", "16:9"], zoom="auto", faces=False)

    assert [layer.name for layer in layers.crops] == ["photo crop 4:5", "photo crop 16:9"]
    assert layers.faces is None and layers.saliency is not None
    zooms = list(layers.boxes.features["zoom"])
    assert all(0.5 <= zoom <= 1.0 for zoom in zooms)


def test_running_again_replaces_the_layers(viewer, photo_path):
    viewer.add_image(np.asarray(Image.open(photo_path)), name="photo")
    first = smart_crop(viewer, "photo", "16:9")
    names = [layer.name for layer in viewer.layers]

    second = smart_crop(viewer, "photo", "16:9")

    assert [layer.name for layer in viewer.layers] == names
    assert first.boxes not in viewer.layers and second.boxes in viewer.layers
