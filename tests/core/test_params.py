"""Aspect ratios, zooms and box sizes: parsing, validation and the size of the crop box."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from smartcrop_core import InvalidAspectError, InvalidZoomError, SmartcropError
from smartcrop_core.params import format_aspect, parse_aspect, parse_zoom, target_size


@pytest.mark.parametrize(
    ("aspect", "expected"),
    [
        ("16:9", 16 / 9),
        ("16/9", 16 / 9),
        ("16x9", 16 / 9),
        (" 4 : 5 ", 0.8),
        ("1.5", 1.5),
        ("1", 1.0),
        (1.5, 1.5),
        (2, 2.0),
        ((4, 5), 0.8),
        ((16.0, 9.0), 16 / 9),
        (np.float64(0.75), 0.75),
        (np.int64(3), 3.0),
        (Fraction(4, 3), 4 / 3),
    ],
)
def test_parse_aspect_accepts_numbers_ratios_and_pairs(aspect, expected):
    value = parse_aspect(aspect)
    assert isinstance(value, float)
    assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    "aspect",
    [
        0,
        -1,
        0.0,
        -0.5,
        math.nan,
        math.inf,
        -math.inf,
        "abc",
        "",
        "   ",
        "1:0",
        "0:1",
        "-16:9",
        "16:nan",
        "inf:1",
        "nan",
        "1e400",
        "16:9:4",
        "a:b",
        (4, 0),
        (0, 5),
        (1, 2, 3),
        [16, 9],
        True,
        False,
        None,
        1 + 2j,
    ],
)
def test_parse_aspect_rejects_what_is_not_a_positive_finite_ratio(aspect):
    with pytest.raises(InvalidAspectError, match="aspect"):
        parse_aspect(aspect)


def test_invalid_aspect_error_is_a_value_error_and_a_smartcrop_error():
    with pytest.raises(ValueError, match="abc") as caught:
        parse_aspect("abc")
    assert isinstance(caught.value, SmartcropError)


def test_parse_aspect_message_says_what_a_valid_aspect_looks_like():
    with pytest.raises(InvalidAspectError, match=r"'16:9'"):
        parse_aspect("wide")
    with pytest.raises(InvalidAspectError, match="greater than 0"):
        parse_aspect(-2)
    with pytest.raises(InvalidAspectError, match="bool"):
        parse_aspect(True)


@pytest.mark.parametrize("aspect", ["-16:-9", (-4, -5)])
def test_parse_aspect_rejects_negative_sides_even_when_their_ratio_is_positive(aspect):
    with pytest.raises(InvalidAspectError):
        parse_aspect(aspect)


def test_parse_aspect_rejects_an_integer_too_large_for_a_float():
    with pytest.raises(InvalidAspectError):
        parse_aspect(10**400)


@pytest.mark.parametrize("zoom", [1, 1.0, 0.6, 1e-6, "0.5", np.float32(0.25)])
def test_parse_zoom_accepts_values_in_the_half_open_unit_interval(zoom):
    value = parse_zoom(zoom)
    assert isinstance(value, float)
    assert 0 < value <= 1
    assert value == pytest.approx(float(zoom))


@pytest.mark.parametrize(
    ("zoom", "word"),
    [
        (0, r"\(0, 1\]"),
        (0.0, r"\(0, 1\]"),
        (-0.5, r"\(0, 1\]"),
        (1.0001, r"\(0, 1\]"),
        (1.5, r"\(0, 1\]"),
        (math.nan, r"\(0, 1\]"),
        (math.inf, r"\(0, 1\]"),
        ("x", "not a number"),
        (None, "not a number"),
        (True, "bool"),
    ],
)
def test_parse_zoom_rejects_values_outside_the_half_open_unit_interval(zoom, word):
    with pytest.raises(InvalidZoomError, match=word) as caught:
        parse_zoom(zoom)
    assert isinstance(caught.value, ValueError)


def test_parse_zoom_rejects_an_integer_too_large_for_a_float():
    with pytest.raises(InvalidZoomError):
        parse_zoom(10**400)


@pytest.mark.parametrize(
    ("size", "aspect", "zoom", "expected"),
    [
        ((640, 480), 1.0, 1.0, (480, 480)),
        ((640, 480), 16 / 9, 1.0, (640, 360)),
        ((640, 480), 16 / 9, 0.5, (320, 180)),
        ((640, 480), 4 / 3, 1.0, (640, 480)),
        ((480, 640), 1.0, 1.0, (480, 480)),
        ((480, 640), 9 / 16, 1.0, (360, 640)),
        ((512, 384), 1.0, 0.6, (230, 230)),
        ((100, 100), 1000.0, 1.0, (100, 1)),
        ((100, 100), 1e-3, 1.0, (1, 100)),
    ],
)
def test_target_size_is_the_largest_box_of_the_aspect_times_zoom(size, aspect, zoom, expected):
    assert target_size(*size, aspect, zoom) == expected


@pytest.mark.parametrize("aspect", [0.3, 0.5625, 1.0, 4 / 3, 16 / 9, 3.0])
@pytest.mark.parametrize("zoom", [1.0, 0.75, 0.4])
def test_target_size_fits_inside_and_keeps_the_aspect(aspect, zoom):
    width, height = 1000, 700
    box_width, box_height = target_size(width, height, aspect, zoom)
    assert 1 <= box_width <= width
    assert 1 <= box_height <= height
    # One side spans zoom times the image's side, the other follows from the aspect.
    assert box_width == round(width * zoom) or box_height == round(height * zoom)
    assert box_width / box_height == pytest.approx(aspect, rel=0.01)


@pytest.mark.parametrize(
    ("aspect", "label"),
    [
        (16 / 9, "16x9"),
        (9 / 16, "9x16"),
        (1.0, "1x1"),
        (4 / 3, "4x3"),
        (1.5, "3x2"),
        (0.8, "4x5"),
        (2.0, "2x1"),
        (1.2345, "1.234"),
        (2.39, "2.39"),
    ],
)
def test_format_aspect_names_common_ratios_and_rounds_others(aspect, label):
    assert format_aspect(aspect) == label


@pytest.mark.parametrize("text", ["16:9", "4:5", "1:1", "3:2"])
def test_format_aspect_round_trips_through_parse_aspect(text):
    assert parse_aspect(format_aspect(parse_aspect(text))) == pytest.approx(parse_aspect(text))
