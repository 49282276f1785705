"""``smartcrop --zoom auto``, ``--boost`` and ``--focus``: parsing, batches, JSON and overlay."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smartcrop_core import Boost, Focus, target_size
from smartcrop_core.search import AUTO_ZOOMS
from smartcrop_plugins._cli_hints import parse_boost, parse_focus, resolve_hints
from smartcrop_plugins.cli import main
from smartcrop_plugins.debug_overlay import BOOST_COLOUR

FAST = ("--model", "spectral", "--no-faces")


def run(*argv: object) -> int:
    """``main`` with every argument as a string; argparse's SystemExit becomes its code."""
    try:
        return main([str(argument) for argument in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def json_of(capsys, *argv: object) -> tuple[int, list[dict]]:
    """Run with ``--json`` to stdout: the exit status and the records."""
    status = run(*argv, "--json")
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def photos(tmp_path: Path, photo_path: Path, face_photo_path: Path) -> dict[str, Path]:
    """The two 512x384 photos and a 256x192 copy of the first, in tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir()
    small = folder / "small.jpg"
    with Image.open(photo_path) as image:
        image.resize((256, 192)).save(small, quality=95)
    return {
        "photo": Path(shutil.copy(photo_path, folder / "photo.jpg")),
        "face": Path(shutil.copy(face_photo_path, folder / "face.jpg")),
        "small": small,
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def contains(box: list[int], point: tuple[float, float]) -> bool:
    left, upper, right, lower = box
    return left <= point[0] <= right and upper <= point[1] <= lower


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("120,80", (512, 384), Focus(120.0, 80.0)),
        ("50%,30%", (512, 384), Focus(256.0, 115.2)),
        ("50%,30%", (200, 100), Focus(100.0, 30.0)),
        ("0%,100%:2", (512, 384), Focus(0.0, 384.0, 2.0)),
        (" 10 , 25% : 0.5 ", (512, 384), Focus(10.0, 96.0, 0.5)),
        ("12.5,7.25", (512, 384), Focus(12.5, 7.25)),
    ],
)
def test_focus_values_are_pixels_or_percentages_of_each_side(text, size, expected):
    assert parse_focus(text).resolve(*size) == expected


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("10,20,300,200", (512, 384), Boost((10, 20, 300, 200))),
        ("0,0,50%,100%", (512, 384), Boost((0, 0, 256, 384))),
        ("0,0,50%,100%", (300, 100), Boost((0, 0, 150, 100))),
        ("25%,10,75%,50%:3", (400, 300), Boost((100, 10, 300, 150), 3)),
    ],
)
def test_boost_values_are_pixels_or_percentages_of_each_side(text, size, expected):
    assert parse_boost(text).resolve(*size) == expected


@pytest.mark.parametrize(
    ("parse", "text", "problem"),
    [
        (parse_focus, "120", "needs 2 values X,Y"),
        (parse_focus, "1,2,3", "needs 2 values X,Y"),
        (parse_focus, "", "needs 2 values X,Y"),
        (parse_focus, "abc,2", "X 'abc' is not a number of pixels or a percentage"),
        (parse_focus, "5,nan", "Y 'nan' is not a number"),
        (parse_focus, "5,inf%", "Y 'inf%' is not a number"),
        (parse_focus, "5%%,2", "X '5%%' is not a number"),
        (parse_focus, "150%,3", "X '150%' must be from 0% to 100%"),
        (parse_focus, "-3,3", "X '-3' must be 0 or more pixels"),
        (parse_focus, "5,3:-1", "WEIGHT '-1' must be a number greater than 0"),
        (parse_focus, "5,3:0", "WEIGHT '0' must be a number greater than 0"),
        (parse_focus, "5,3:heavy", "WEIGHT 'heavy' must be a number"),
        (parse_focus, "5,3:1:2", "WEIGHT '1:2' must be a number"),
        (parse_boost, "1,2,3", "needs 4 values LEFT,UPPER,RIGHT,LOWER"),
        (parse_boost, "10,20,5,40", "RIGHT (5) must be greater than LEFT (10)"),
        (parse_boost, "0,50%,10,50%", "LOWER (50%) must be greater than UPPER (50%)"),
        (parse_boost, "0,0,101%,10", "RIGHT '101%' must be from 0% to 100%"),
    ],
)
def test_bad_hints_are_argument_errors_that_say_what_to_write(parse, text, problem):
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        parse(text)
    assert problem in str(caught.value)


def test_mixed_units_are_checked_against_each_image():
    spec = parse_boost("100,0,50%,100%")  # pixels against a percentage: fine on wide images
    assert resolve_hints([spec], (400, 300)) == (Boost((100, 0, 200, 300)),)
    with pytest.raises(ValueError, match=r"--boost 100,0,50%,100%: its box .* 150x100 image"):
        resolve_hints([spec], (150, 100))


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--focus", "120"], "argument --focus: '120' needs 2 values X,Y"),
        (["--focus", "50%,abc"], "Y 'abc' is not a number"),
        (["--boost", "1,2,3"], "argument --boost: '1,2,3' needs 4 values"),
        (["--boost", "0,0,10,10:0"], "WEIGHT '0' must be a number greater than 0"),
        (["--zoom", "automatic"], "is not a number in (0, 1] or 'auto'"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(photos, out, capsys, argv, problem):
    assert run(photos["photo"], "-o", out, *argv) == 2
    assert problem in capsys.readouterr().err
    assert not out.exists()


def test_help_documents_the_options(capsys):
    assert run("--help") == 0
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("--boost LEFT,UPPER,RIGHT,LOWER[:WEIGHT]", "--focus X,Y[:WEIGHT]", "'auto'"):
        assert needle in text
    assert "(50%,30%)" in text and "trailing % percentages" in text and "%%" not in text


# --- zoom auto ------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["auto", "AUTO"])
def test_zoom_auto_chooses_one_of_the_auto_zooms_per_image(photos, out, capsys, spelling):
    argv = [photos["photo"], photos["face"], "-o", out, "-a", "1:1", "-a", "9:16"]
    argv += ["--zoom", spelling, "--name", "{stem}_{aspect}_{zoom}.{ext}"]
    status, records = json_of(capsys, *argv)
    assert status == 0
    for record in records:
        for crop in record["crops"]:
            assert crop["requested_zoom"] == "auto"
            assert crop["zoom"] in AUTO_ZOOMS
            left, upper, right, lower = crop["box"]
            aspect = 1.0 if crop["aspect"] == "1x1" else 9 / 16
            assert (right - left, lower - upper) == target_size(512, 384, aspect, crop["zoom"])
            assert crop["output"].endswith(f"_{crop['aspect']}_auto.jpg")  # names: 'auto'
            with Image.open(crop["output"]) as written:
                assert written.size == (right - left, lower - upper)


def test_a_numeric_zoom_is_both_requested_and_chosen(photos, out, capsys):
    status, (record,) = json_of(capsys, photos["photo"], "-o", out, "--zoom", "0.6", *FAST)
    assert status == 0
    assert record["crops"][0]["zoom"] == record["crops"][0]["requested_zoom"] == 0.6
    assert record["boosts"] == []


# --- hints through a batch ------------------------------------------------------------------


@pytest.mark.parametrize("x", [20, 492], ids=["left", "right"])
def test_a_focus_on_one_side_moves_the_crops_to_include_it(photos, out, capsys, x):
    files = [photos["photo"], photos["face"]]
    plain = json_of(capsys, *files, "-o", out / "plain", "-a", "9:16", "--dry-run")[1]
    assert not any(contains(record["crops"][0]["box"], (x, 192)) for record in plain)
    status, hinted = json_of(capsys, *files, "-o", out, "-a", "9:16", "--focus", f"{x},192")
    assert status == 0
    for record in hinted:
        assert contains(record["crops"][0]["box"], (x, 192)), record["input"]
        assert record["boosts"] == [
            {"option": "--focus", "given": f"{x},192", "point": [x, 192.0], "weight": 1.0}
        ]


def test_percentages_equal_their_pixels(photos, out, capsys):
    argv = [photos["photo"], "-o", out, "-a", "9:16", "--dry-run", *FAST]
    in_pixels = json_of(capsys, *argv, "--focus", "0,192", "--boost", "256,0,384,96")[1]
    in_percent = json_of(capsys, *argv, "--focus", "0%,50%", "--boost", "50%,0%,75%,25%")[1]
    assert in_percent[0]["crops"] == in_pixels[0]["crops"]
    assert in_percent[0]["boosts"][0]["box"] == [256.0, 0.0, 384.0, 96.0]
    assert in_percent[0]["boosts"][1]["point"] == [0.0, 192.0]


def test_json_records_each_images_hints_in_its_own_pixels(photos, out, capsys):
    argv = [photos["photo"], photos["small"], "-o", out, "--dry-run", *FAST]
    argv += ["--boost", "0,0,50%,100%:2", "--focus", "25%,75%"]
    status, records = json_of(capsys, *argv)
    assert status == 0
    by_name = {Path(record["input"]).name: record["boosts"] for record in records}
    assert by_name["photo.jpg"] == [
        {
            "option": "--boost",
            "given": "0,0,50%,100%:2",
            "box": [0.0, 0.0, 256.0, 384.0],
            "weight": 2.0,
        },
        {"option": "--focus", "given": "25%,75%", "point": [128.0, 288.0], "weight": 1.0},
    ]
    assert by_name["small.jpg"][0]["box"] == [0.0, 0.0, 128.0, 192.0]
    assert by_name["small.jpg"][1]["point"] == [64.0, 144.0]


def test_a_hint_outside_one_image_fails_that_image_only(photos, out, tmp_path, capsys):
    report = tmp_path / "report.json"
    argv = [photos["photo"], photos["small"], "-o", out, "--focus", "300,100", *FAST]
    assert run(*argv, "--json", report) == 1
    err = capsys.readouterr().err
    assert (
        f"smartcrop: error: {photos['small']}: --focus 300,100: its point (300, 100) is outside "
        "this 256x192 image; use percentages" in err
    )
    assert "2 images, 1 crop written, 1 failed" in err
    assert os.listdir(out) == ["photo_1x1.jpg"]
    records = {Path(record["input"]).name: record for record in json.loads(report.read_text())}
    assert "error" not in records["photo.jpg"]
    assert "--focus 300,100" in records["small.jpg"]["error"]
    assert "crops" not in records["small.jpg"]


def test_inputs_are_not_modified(photos, out):
    before = {name: path.read_bytes() for name, path in photos.items()}
    argv = [*photos.values(), "-o", out, "--zoom", "auto", "--debug"]
    assert run(*argv, "--focus", "50%,50%", "--boost", "10%,10%,40%,60%:0.5") == 0
    assert {name: path.read_bytes() for name, path in photos.items()} == before


# --- debug overlay --------------------------------------------------------------------------


def test_debug_overlay_draws_the_boost_and_the_focus(photos, out):
    argv = [photos["face"], "-o", out, "-a", "16:9", "--debug", "--dry-run"]
    assert run(*argv, "--boost", "300,200,480,360", "--focus", "60,300") == 0
    with Image.open(out / "face_debug.png") as overlay:
        pixels = np.asarray(overlay.convert("RGB"))
    is_hint = np.all(pixels == BOOST_COLOUR, axis=-1)
    # Dashed edges on every side of the box, none well inside it.
    for edge in (
        is_hint[198:203, 300:480],
        is_hint[357:362, 300:480],
        is_hint[200:360, 298:303].T,
        is_hint[200:360, 477:482].T,
    ):
        assert edge.any(axis=0).mean() > 0.3
    assert not is_hint[240:320, 340:440].any()
    assert is_hint[300, 60]  # the focal point itself
    assert is_hint[290:311, 50:71].sum() > 40  # its ring and cross
    assert is_hint.sum() < 0.05 * is_hint.size  # and nothing else in that colour


def test_debug_overlay_without_hints_has_none_of_their_colour(photos, out):
    assert run(photos["face"], "-o", out, "--debug", "--dry-run") == 0
    with Image.open(out / "face_debug.png") as overlay:
        pixels = np.asarray(overlay.convert("RGB"))
    assert not np.all(pixels == BOOST_COLOUR, axis=-1).any()
