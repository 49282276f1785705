"""The ``smartcrop`` command, run through ``main([...])`` on real photos copied to tmp_path."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from smartcrop_core import SmartCropper, __version__
from smartcrop_core.imaging import open_image
from smartcrop_plugins import _cli_batch
from smartcrop_plugins._cli_files import OutputError, write_atomically
from smartcrop_plugins.cli import main
from smartcrop_plugins.debug_overlay import BOX_COLOURS, FACE_COLOUR
from smartcrop_plugins.hookspecs import hookimpl
from smartcrop_plugins.manager import register_plugin, reset_plugin_manager
from tests.support import preserved_registries


def run(*argv: object) -> int:
    """``main`` with every argument as a string; argparse's SystemExit becomes its code."""
    try:
        return main([str(argument) for argument in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


@pytest.fixture
def photo(tmp_path: Path, photo_path: Path) -> Path:
    """A copy of the 512x384 OSIE photo in tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(photo_path, folder / "photo.jpg"))


@pytest.fixture
def face_photo(tmp_path: Path, face_photo_path: Path) -> Path:
    """A copy of the 512x384 EyeCrowd photo with three faces in tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(face_photo_path, folder / "face.jpg"))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic write would leave behind if it failed to clean up."""
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_default_is_one_square_crop_with_the_inputs_extension(photo, out, capsys):
    assert run(photo, "-o", out) == 0
    assert os.listdir(out) == ["photo_1x1.jpg"]
    with Image.open(out / "photo_1x1.jpg") as crop:
        assert crop.size == (384, 384)
        assert crop.format == "JPEG"
    assert "1 image, 1 crop written, 0 failed" in capsys.readouterr().err


def test_each_aspect_gives_one_file_of_that_aspect(photo, out):
    aspects = {"16:9": ("16x9", 16 / 9), "4/5": ("4x5", 0.8), "1.5": ("3x2", 1.5)}
    argv = [photo, "-o", out]
    for text in aspects:
        argv += ["-a", text]
    assert run(*argv) == 0
    assert sorted(os.listdir(out)) == sorted(f"photo_{label}.jpg" for label, _ in aspects.values())
    for label, ratio in aspects.values():
        with Image.open(out / f"photo_{label}.jpg") as crop:
            width, height = crop.size
        assert abs(width - height * ratio) <= 1, (label, crop.size)
        assert width == 512 or height == 384  # zoom 1: the largest box that fits


def test_crop_pixels_are_the_json_box_of_the_upright_original(photo, out, tmp_path):
    report = tmp_path / "report.json"
    argv = [photo, "-o", out, "-a", "16:9", "-a", "4:5", "--format", "png", "--json", report]
    assert run(*argv) == 0
    (record,) = json.loads(report.read_text())
    original = np.asarray(open_image(photo).convert("RGB"))
    assert len(record["crops"]) == 2
    for crop in record["crops"]:
        left, upper, right, lower = crop["box"]
        assert crop["written"] is True
        with Image.open(crop["output"]) as written:
            assert written.format == "PNG"
            np.testing.assert_array_equal(np.asarray(written), original[upper:lower, left:right])


def test_size_resizes_each_crop_exactly(photo, out):
    assert run(photo, "-o", out, "--size", "300x200") == 0
    with Image.open(out / "photo_3x2.jpg") as crop:
        assert crop.size == (300, 200)
    assert run(photo, "-o", out, "--size", "90x160", "-a", "9:16") == 0
    with Image.open(out / "photo_9x16.jpg") as crop:
        assert crop.size == (90, 160)


def test_json_to_stdout_is_the_only_stdout(face_photo, out, capsys):
    assert run(face_photo, "-o", out, "-a", "16:9", "-a", "1", "--json") == 0
    captured = capsys.readouterr()
    (record,) = json.loads(captured.out)
    assert (record["width"], record["height"]) == (512, 384)
    assert [crop["aspect"] for crop in record["crops"]] == ["16x9", "1x1"]
    for crop in record["crops"]:
        left, upper, right, lower = crop["box"]
        assert 0 <= left < right <= 512 and 0 <= upper < lower <= 384
        assert isinstance(crop["score"], float) and crop["zoom"] == 1.0
    assert len(record["faces"]) == 3
    assert all(len(face) == 5 for face in record["faces"])
    assert "2 crops written" in captured.err


def test_dry_run_writes_nothing_but_reports_boxes(photo, out, capsys):
    assert run(photo, "-o", out, "--dry-run", "--json=-") == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["crops"][0]["written"] is False
    assert record["crops"][0]["box"][2] - record["crops"][0]["box"][0] == 384
    assert not out.exists()


def test_dry_run_with_debug_writes_the_overlay_only(photo, out):
    assert run(photo, "-o", out, "-a", "16:9", "--dry-run", "--debug") == 0
    assert sorted(path.name for path in out.iterdir()) == ["photo_debug.png"]


def test_dry_run_of_a_large_jpeg_gives_boxes_in_its_full_pixels(tmp_path, photo_path, capsys):
    large = tmp_path / "large.jpg"
    with Image.open(photo_path) as image:
        image.convert("RGB").resize((4000, 3000)).save(large, quality=85)
    assert run(large, "-a", "1:1", "--dry-run", "--json=-", "--no-faces") == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert (record["width"], record["height"]) == (4000, 3000)
    left, upper, right, lower = record["crops"][0]["box"]
    assert (right - left, lower - upper) == (3000, 3000)


def test_bad_files_are_reported_and_the_good_ones_still_written(photo, out, tmp_path, capsys):
    folder = photo.parent
    (folder / "bad.jpg").write_text("this is not a JPEG\n")
    data = photo.read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 2])
    report = tmp_path / "report.json"
    assert run(folder, "-o", out, "--json", report) == 1
    err = capsys.readouterr().err
    assert f"smartcrop: error: {folder / 'bad.jpg'}:" in err
    assert f"smartcrop: error: {folder / 'truncated.jpg'}:" in err
    assert "3 images, 1 crop written, 2 failed" in err
    assert os.listdir(out) == ["photo_1x1.jpg"]
    records = {Path(record["input"]).name: record for record in json.loads(report.read_text())}
    assert "error" in records["bad.jpg"] and "error" in records["truncated.jpg"]
    assert "error" not in records["photo.jpg"]


def test_existing_output_is_kept_without_overwrite(photo, out, capsys):
    out.mkdir()
    existing = out / "photo_1x1.jpg"
    existing.write_bytes(b"keep me")
    assert run(photo, "-o", out, "-a", "1", "-a", "16:9") == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err
    assert existing.read_bytes() == b"keep me"
    assert (out / "photo_16x9.jpg").exists()  # the other aspect of the file still written
    assert leftovers(out) == []
    assert run(photo, "-o", out, "--overwrite") == 0
    with Image.open(existing) as crop:
        assert crop.size == (384, 384)


def test_inputs_are_never_overwritten_without_in_place(photo, capsys):
    original = photo.read_bytes()
    same_name = ["-o", photo.parent, "--name", "{stem}.{ext}"]
    assert run(photo, *same_name) == 1
    assert run(photo, *same_name, "--overwrite") == 1
    assert "refusing to write over the input file" in capsys.readouterr().err
    assert photo.read_bytes() == original
    assert run(photo, *same_name, "--overwrite", "--in-place") == 0
    with Image.open(photo) as replaced:
        assert replaced.size == (384, 384)
    assert leftovers(photo.parent) == []


def test_two_inputs_with_one_name_do_not_overwrite_each_other(photo, tmp_path, out, capsys):
    other = tmp_path / "other"
    other.mkdir()
    twin = Path(shutil.copy(photo, other / "photo.jpg"))
    assert run(photo, twin, "-o", out, "--overwrite") == 1
    assert "already written in this run" in capsys.readouterr().err
    assert os.listdir(out) == ["photo_1x1.jpg"]


@pytest.fixture
def batch(tmp_path: Path, photo_path: Path, face_photo_path: Path) -> Path:
    """tmp_path/batch: six different photos, named in the order they are processed."""
    folder = tmp_path / "batch"
    folder.mkdir()
    turns = [None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_180]
    for number, (source, turn) in enumerate(
        (source, turn) for turn in turns for source in (photo_path, face_photo_path)
    ):
        with Image.open(source) as image:
            (image.transpose(turn) if turn else image).save(folder / f"{number}.jpg", quality=90)
    return folder


def slowed_on(monkeypatch: pytest.MonkeyPatch, name: str, seconds: float = 0.5) -> None:
    """Make opening the input called ``name`` take ``seconds`` longer."""
    real_open = _cli_batch.open_image

    def open_slowly(path):
        if Path(path).name == name:
            time.sleep(seconds)
        return real_open(path)

    monkeypatch.setattr(_cli_batch, "open_image", open_slowly)


def test_jobs_give_the_same_crops_and_records_in_input_order(batch, tmp_path, monkeypatch):
    # The second image is slow: with two jobs the others finish before it.
    slowed_on(monkeypatch, "1.jpg")
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        argv = [batch, "-o", out, "-a", "16:9", "-a", "1", "--model", "spectral", "-q"]
        assert run(*argv, "--jobs", jobs, "--json", tmp_path / f"{jobs}.json") == 0
        records = json.loads((tmp_path / f"{jobs}.json").read_text().replace(str(out), "OUT"))
        crops = {path.name: path.read_bytes() for path in out.iterdir()}
        outputs[jobs] = records, crops
    records, crops = outputs[1]
    assert [Path(record["input"]).name for record in records] == [f"{n}.jpg" for n in range(6)]
    assert any(record["faces"] for record in records)
    assert len(crops) == 12
    assert outputs[2] == outputs[1]


def test_each_job_has_a_cropper_and_face_detector_of_its_own(batch, out, monkeypatch):
    import cv2

    real_analyze = SmartCropper.analyze
    seen = set()
    threads_during = set()

    def recording_analyze(self, image, **options):
        seen.add((threading.get_ident(), id(self), id(self.face_detector)))
        threads_during.add(cv2.getNumThreads())
        return real_analyze(self, image, **options)

    monkeypatch.setattr(SmartCropper, "analyze", recording_analyze)
    threads_before = cv2.getNumThreads()
    assert run(batch, "-o", out, "--model", "spectral", "--dry-run", "-j", 2) == 0
    assert len(seen) == 2, seen  # two threads, each always with the same cropper
    assert len({cropper for _, cropper, _ in seen}) == 2
    assert len({detector for _, _, detector in seen}) == 2
    # OpenCV's own threads share the CPUs with the jobs, and are put back afterwards.
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert threads_during == {max(1, cpus // 2)}
    assert cv2.getNumThreads() == threads_before


def test_a_bad_file_among_several_jobs_fails_alone(batch, out, tmp_path, capsys, monkeypatch):
    slowed_on(monkeypatch, "0.jpg", 0.2)
    (batch / "3.jpg").write_text("this is not a JPEG\n")
    report = tmp_path / "report.json"
    argv = [batch, "-o", out, "--model", "spectral", "--no-faces", "--json", report]
    assert run(*argv, "--jobs", 2) == 1
    err = capsys.readouterr().err
    assert f"smartcrop: error: {batch / '3.jpg'}:" in err
    assert "6 images, 5 crops written, 1 failed" in err
    assert sorted(os.listdir(out)) == [f"{n}_1x1.jpg" for n in (0, 1, 2, 4, 5)]
    records = json.loads(report.read_text())
    assert [Path(record["input"]).name for record in records] == [f"{n}.jpg" for n in range(6)]
    assert ["error" in record for record in records] == [n == 3 for n in range(6)]


def test_two_jobs_never_write_one_name_twice(batch, tmp_path, out, capsys, monkeypatch):
    twin = tmp_path / "other" / "2.jpg"
    twin.parent.mkdir()
    shutil.copy(batch / "2.jpg", twin)
    real_save = _cli_batch.save_image

    def save_slowly(image, target, **options):
        # Both twins are being written at once: a guard that checks, then records once
        # written, would let both through.
        if target.name == "2_1x1.jpg":
            time.sleep(0.3)
        real_save(image, target, **options)

    monkeypatch.setattr(_cli_batch, "save_image", save_slowly)
    inputs = [batch / "0.jpg", batch / "1.jpg", batch / "2.jpg", twin]
    assert run(*inputs, "-o", out, "--model", "spectral", "--no-faces", "-j", 2) == 1
    err = capsys.readouterr().err
    assert err.count("already written in this run") == 1, err
    assert "already exists" not in err
    assert "4 images, 3 crops written, 1 failed" in err
    assert sorted(os.listdir(out)) == ["0_1x1.jpg", "1_1x1.jpg", "2_1x1.jpg"]


def test_jobs_0_takes_one_per_cpu(batch, out, capsys):
    assert run(batch, "-o", out, "--model", "spectral", "--no-faces", "--jobs", 0) == 0
    assert "6 images, 6 crops written, 0 failed" in capsys.readouterr().err
    assert len(os.listdir(out)) == 6


def test_exif_orientation_is_applied_and_reset(photo_path, tmp_path, out):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers turn it 90 degrees clockwise
    exif[0x010F] = "smartcrop test camera"
    rotated = tmp_path / "rotated.jpg"
    with Image.open(photo_path) as image:
        image.save(rotated, exif=exif, quality=95)
    report = tmp_path / "report.json"
    assert run(rotated, "-o", out, "-a", "1:2", "--format", "png", "--json", report) == 0
    (record,) = json.loads(report.read_text())
    assert (record["width"], record["height"]) == (384, 512)
    with Image.open(out / "rotated_1x2.png") as crop:
        assert crop.size == (256, 512)  # a 1:2 box of the upright 384x512 image
        left, upper, right, lower = record["crops"][0]["box"]
        upright = np.asarray(open_image(rotated))
        np.testing.assert_array_equal(np.asarray(crop), upright[upper:lower, left:right])
        crop_exif = crop.getexif()
        assert crop_exif[0x0112] == 1
        assert crop_exif[0x010F] == "smartcrop test camera"


@pytest.mark.parametrize("output_format", [None, "png", "webp"])
def test_icc_profile_is_kept(photo_path, tmp_path, out, output_format):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = tmp_path / "tagged.jpg"
    with Image.open(photo_path) as image:
        image.save(tagged, icc_profile=profile)
    extra = ["--format", output_format] if output_format else []
    assert run(tagged, "-o", out, *extra) == 0
    (written,) = os.listdir(out)
    with Image.open(out / written) as crop:
        assert crop.info.get("icc_profile") == profile


def test_transparent_png_to_jpeg_is_flattened(photo_path, tmp_path, out):
    with Image.open(photo_path) as image:
        rgba = image.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    source = tmp_path / "clear.png"
    rgba.save(source)
    palette = tmp_path / "palette.gif"
    rgba.convert("P").save(palette)
    assert run(source, palette, "-o", out, "--format", "jpeg") == 0
    for name in ("clear_1x1.jpg", "palette_1x1.jpg"):
        with Image.open(out / name) as crop:
            assert (crop.mode, crop.size) == ("RGB", (384, 384))


def test_debug_overlay_has_the_inputs_size_faces_and_boxes(face_photo, out):
    assert run(face_photo, "-o", out, "-a", "16:9", "-a", "1", "--debug") == 0
    with Image.open(out / "face_debug.png") as overlay:
        assert overlay.size == (512, 384)
        pixels = np.asarray(overlay.convert("RGB"))
    with Image.open(face_photo) as original:
        assert not np.array_equal(pixels, np.asarray(original.convert("RGB")))
    colours = {tuple(colour) for colour in pixels.reshape(-1, 3)}
    assert FACE_COLOUR in colours  # face rectangles
    assert BOX_COLOURS[0] in colours and BOX_COLOURS[1] in colours  # one colour per aspect


def test_folder_glob_recursive_and_duplicates(photo, face_photo, tmp_path, capsys):
    folder = photo.parent
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    shutil.copy(photo, folder / "sub" / "nested.jpg")

    def inputs_of(*argv: object) -> list[str]:
        assert run(*argv, "--dry-run", "--json", "--model", "spectral", "--no-faces") == 0
        return [Path(record["input"]).name for record in json.loads(capsys.readouterr().out)]

    assert inputs_of(folder) == ["face.jpg", "photo.jpg"]
    assert inputs_of(folder, "--recursive") == ["face.jpg", "photo.jpg", "nested.jpg"]
    assert inputs_of(photo, folder, photo) == ["photo.jpg", "face.jpg"]
    assert inputs_of(str(folder / "*.jpg")) == ["face.jpg", "photo.jpg"]
    assert inputs_of(str(folder / "**" / "n*.jpg")) == ["nested.jpg"]


def test_a_missing_input_among_good_ones_fails_the_run_but_not_the_batch(photo, out, capsys):
    assert run(photo, photo.parent / "missing.jpg", "-o", out) == 1
    assert "missing.jpg: no such file or folder" in capsys.readouterr().err
    assert (out / "photo_1x1.jpg").exists()


def test_no_faces_and_spectral_model(face_photo, out, capsys):
    assert run(face_photo, "-o", out, "--no-faces", "--model", "spectral", "--json") == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["faces"] == []
    assert (out / "face_1x1.jpg").exists()


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["-a", "abc"], "'abc' is not a number"),
        (["-a", "0"], "greater than 0"),
        (["-a", "-1"], "greater than 0"),
        (["-a", "nan"], "finite"),
        (["-a", "inf"], "finite"),
        (["--zoom", "0"], "must be in (0, 1]"),
        (["--zoom", "1.5"], "must be in (0, 1]"),
        (["--size", "300"], "not WIDTHxHEIGHT"),
        (["--size", "0x200"], "at least 1x1"),
        (["--size", "wide"], "not WIDTHxHEIGHT"),
        (["--size", "300x200", "-a", "16:9"], "does not match --size"),
        (["--size", "300x200", "-a", "3:2", "-a", "1"], "single --aspect"),
        (["--quality", "101"], "from 1 to 100"),
        (["--name", "{nope}.jpg"], "not a valid pattern"),
        (["--name", "sub/{stem}_{aspect}.{ext}"], "without folders"),
        (["-a", "1", "-a", "2", "--name", "{stem}.{ext}"], "same file name"),
        (["--model", "no-such-model"], "no-such-model"),
        (["--stage", "no-such-stage"], "no-such-stage"),
        (["--jobs", "-1"], "jobs '-1' must be a whole number of threads"),
        (["--jobs", "x"], "jobs 'x' must be a whole number of threads"),
        (["-j", "1.5"], "jobs '1.5' must be a whole number of threads"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(photo, out, capsys, argv, problem):
    assert run(photo, "-o", out, *argv) == 2
    assert problem in capsys.readouterr().err
    assert not out.exists()


def test_no_input_is_a_usage_error(tmp_path, out, capsys):
    assert run("-o", out) == 2
    assert "no inputs" in capsys.readouterr().err
    assert run(tmp_path / "missing.jpg", "-o", out) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_json_swallowing_an_input_is_refused(photo, out, capsys):
    assert run("-o", out, "--json", photo) == 2
    assert "looks like an image" in capsys.readouterr().err


def test_version_and_list_models(capsys):
    assert run("--version") == 0
    assert __version__ in capsys.readouterr().out
    assert run("--list-models") == 0
    models = capsys.readouterr().out.split()
    assert "spectral" in models and "fastgaze" in models


def test_list_stages_names_the_stages_of_installed_plugins(capsys):
    assert run("--list-stages") == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == ""
    assert "install a plugin" in captured.err
    with preserved_registries():
        register_plugin(StagePlugin(), name="test-stage-plugin")
        try:
            assert run("--list-stages") == 0
            assert capsys.readouterr().out.split() == ["test-look-left"]
        finally:
            reset_plugin_manager()


class StagePlugin:
    @hookimpl
    def smartcrop_register_stages(self, register):
        register("test-look-left", lambda analysis: analysis)


def test_engine_warnings_reach_stderr_unless_quiet(photo, out, capsys, monkeypatch):
    real_open = _cli_batch.open_image

    def open_and_warn(path):
        logging.getLogger("smartcrop_core.test").warning("heads up")
        return real_open(path)

    monkeypatch.setattr(_cli_batch, "open_image", open_and_warn)
    assert run(photo, "-o", out, "--model", "spectral") == 0
    assert "smartcrop: warning: heads up" in capsys.readouterr().err
    assert run(photo, "-o", out / "quiet", "--model", "spectral", "-q") == 0
    assert capsys.readouterr().err == ""


def test_unexpected_errors_are_reported_per_file(photo, face_photo, out, capsys, monkeypatch):
    real_open = _cli_batch.open_image

    def open_or_fail(path):
        if Path(path).name == "face.jpg":
            raise RuntimeError("boom")
        return real_open(path)

    monkeypatch.setattr(_cli_batch, "open_image", open_or_fail)
    assert run(face_photo, photo, "-o", out, "--model", "spectral") == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "unexpected RuntimeError: boom" in err
    assert os.listdir(out) == ["photo_1x1.jpg"]


def test_interrupt_exits_130(photo, out, capsys, monkeypatch):
    def interrupt(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli_batch, "open_image", interrupt)
    assert run(photo, "-o", out, "--model", "spectral") == 130
    assert "interrupted" in capsys.readouterr().err


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "crop.jpg"

    def fail_half_way(stream):
        stream.write(b"half an image")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, fail_half_way, replace=True)
    assert os.listdir(tmp_path) == []
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists"):
        write_atomically(target, lambda stream: stream.write(b"new"), replace=False)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["crop.jpg"]
