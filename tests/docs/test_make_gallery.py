"""docs/make_gallery.py on one photo: every picture written, sane sizes, valid rst references."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from tests.conftest import FIXATIONS, ROOT

SCRIPT = ROOT / "docs" / "make_gallery.py"
#: The MIT-licensed eye-tracking sets; MIT1003 is research-use only and must never appear.
MIT_LICENSED = {"osie", "nus_scene", "eyecrowd"}


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_make_gallery", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gallery() -> ModuleType:
    pytest.importorskip("matplotlib", reason="the benchmark plots need matplotlib")
    module = _load_script()
    if not (FIXATIONS / module.STAGE_PHOTO.dataset / "images").is_dir():
        pytest.skip(f"{FIXATIONS} is not here: put the project's shared/ folder beside it")
    return module


def _peers_installed() -> bool:
    return all(importlib.util.find_spec(name) for name in ("smartcrop", "pyvips"))


@pytest.fixture(scope="module")
def generated(gallery: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of ``--photos 1`` (peers left out when they are not installed)."""
    out = tmp_path_factory.mktemp("docs") / "_generated"
    skip = [] if _peers_installed() else ["--skip-peers"]
    assert gallery.main(["--out", str(out), "--photos", "1", *skip]) == 0
    return out


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.size


def test_photos_are_from_mit_licensed_sets_with_credits(gallery: ModuleType) -> None:
    datasets = {photo.dataset for photo in gallery.PHOTOS}
    assert datasets <= MIT_LICENSED
    assert set(gallery.CREDITS) == MIT_LICENSED
    assert all("MIT licence" in credit for credit in gallery.CREDITS.values())
    assert len({photo.slug for photo in gallery.PHOTOS}) == len(gallery.PHOTOS)
    for photo in gallery.PHOTOS:
        assert (FIXATIONS / photo.dataset / "images" / photo.name).is_file(), photo


def test_gallery_pictures_have_sane_sizes(gallery: ModuleType, generated: Path) -> None:
    slug = gallery.PHOTOS[0].slug
    pictures = sorted((generated / "gallery").iterdir())
    assert [path.name for path in pictures] == [f"{slug}-analysis.jpg", f"{slug}-crops.jpg"]
    for path in pictures:
        width, height = _image_size(path)
        assert 800 <= width <= 1400 and 300 <= height <= 1400, (path.name, width, height)
        assert 20_000 < path.stat().st_size < 1_000_000, path.name


def test_stage_pictures_and_plots_are_written(generated: Path) -> None:
    stages = sorted(path.name for path in (generated / "stages").iterdir())
    assert stages == [
        "1-input.jpg",
        "2-saliency.jpg",
        "3-faces.jpg",
        "4-candidates.png",
        "5-result.jpg",
    ]
    plots = sorted(path.name for path in (generated / "plots").iterdir())
    assert plots == ["crop_gain.png", "saliency_metrics.png", "speed.png"]
    for path in [*(generated / "stages").iterdir(), *(generated / "plots").iterdir()]:
        width, height = _image_size(path)
        assert 300 <= width <= 1400 and 200 <= height <= 800, (path.name, width, height)
        assert path.stat().st_size > 10_000, path.name


def test_rst_references_only_files_that_exist(gallery: ModuleType, generated: Path) -> None:
    text = (generated / "gallery.inc.rst").read_text(encoding="utf-8")
    references = re.findall(r"^\.\. (?:figure|image):: (\S+)$", text, flags=re.MULTILINE)
    assert len(references) == 2
    for reference in references:
        # Absolute paths in Sphinx are relative to the source folder, which holds --out.
        assert reference.startswith("/_generated/")
        assert (generated.parent / reference.lstrip("/")).is_file(), reference
    photo = gallery.PHOTOS[0]
    assert gallery.CREDITS[photo.dataset] in text
    assert "**Faces:** YuNet found" in text
    rows = ["smartcrop", "centred crop"]
    if _peers_installed():
        rows += ["smartcrop.py", "libvips attention"]
    kept = next(line for line in text.splitlines() if "**Looks kept**" in line)
    assert all(f"{row} " in kept for row in rows), kept


def test_plots_follow_the_figures_file(gallery: ModuleType, tmp_path: Path) -> None:
    """Each plot is drawn from docs/benchmark_figures.json, the same bytes run after run."""
    first = gallery.make_plots(tmp_path / "a")
    second = gallery.make_plots(tmp_path / "b")
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]


def test_bad_photo_count_is_refused(gallery: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        gallery.parse_args(["--out", str(tmp_path), "--photos", str(len(gallery.PHOTOS) + 1)])
