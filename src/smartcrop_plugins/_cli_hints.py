"""The ``--boost`` and ``--focus`` options of the ``smartcrop`` command.

A batch holds images of many sizes, so each value is in pixels (``120``) or, with a
trailing ``%``, a percentage of the image's width (left, right, x) or height (upper, lower,
y): ``--focus 50%,30%`` is the point half-way across, 30 % down every image. The syntax is
checked when the command line is read (a usage error); each image then turns the hints into
pixels, and a hint outside an image fails that image only.

Examples
--------
>>> hint = parse_focus("50%,30%:2")
>>> hint.resolve(512, 384)
Focus(x=256.0, y=115.2, weight=2.0)
>>> parse_boost("0,0,25%,100%").resolve(400, 300)
Boost(box=(0.0, 0.0, 100.0, 300.0), weight=1.0)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smartcrop_core import Boost, Focus, InvalidBoxError

__all__ = ["HintSpec", "Value", "hints_json", "parse_boost", "parse_focus", "resolve_hints"]

_BOOST_NAMES = ("LEFT", "UPPER", "RIGHT", "LOWER")
_BOOST_FORM = "LEFT,UPPER,RIGHT,LOWER[:WEIGHT], e.g. 10,20,300,200 or 0,0,50%,100%:2"
_FOCUS_FORM = "X,Y[:WEIGHT], e.g. 120,80 or 50%,30%:0.5"


@dataclass(frozen=True)
class Value:
    """One coordinate: pixels, or a percentage of the image's side when ``percent``."""

    number: float
    percent: bool

    def pixels(self, side: int) -> float:
        """The coordinate in pixels of an image whose side (width or height) is ``side``."""
        return self.number * side / 100 if self.percent else self.number


@dataclass(frozen=True)
class HintSpec:
    """A ``--boost`` or ``--focus`` as given: to be turned into pixels image by image.

    Attributes
    ----------
    option : str
        ``"--boost"`` or ``"--focus"``.
    text : str
        The value as the user wrote it, for messages and the JSON report.
    values : tuple of Value
        ``left, upper, right, lower`` for a boost, ``x, y`` for a focus.
    weight : float
        Against all the predicted attention (1).
    """

    option: str
    text: str
    values: tuple[Value, ...]
    weight: float

    def resolve(self, width: int, height: int) -> Boost | Focus:
        """The hint in pixels of a ``width x height`` image.

        Raises
        ------
        InvalidBoxError
            The hint is empty or reaches outside this image.
        """
        sides = (width, height) * (len(self.values) // 2)
        pixels = tuple(value.pixels(side) for value, side in zip(self.values, sides, strict=True))
        if self.option == "--focus":
            x, y = pixels
            if not (0 <= x <= width and 0 <= y <= height):
                raise self._outside(f"point ({_plain(pixels)}) is", width, height)
            return Focus(x, y, self.weight)
        left, upper, right, lower = pixels
        if not (0 <= left < right <= width and 0 <= upper < lower <= height):
            raise self._outside(f"box ({_plain(pixels)}) is empty or", width, height)
        return Boost(pixels, self.weight)  # type: ignore[arg-type]

    def _outside(self, what: str, width: int, height: int) -> InvalidBoxError:
        return InvalidBoxError(
            f"{self.option} {self.text}: its {what} outside this {width}x{height} "
            "image; use percentages (e.g. 50%) for a batch of images of different sizes"
        )


def parse_boost(text: str) -> HintSpec:
    """Read ``--boost LEFT,UPPER,RIGHT,LOWER[:WEIGHT]`` (an argparse ``type``).

    Examples
    --------
    >>> parse_boost("10,20,50%,100%:2").weight
    2.0
    >>> parse_boost("10,20,5,40")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '10,20,5,40': RIGHT (5) must be greater than LEFT (10)
    """
    spec = _parse("--boost", text, _BOOST_NAMES, _BOOST_FORM)
    for start, stop in ((0, 2), (1, 3)):
        first, second = spec.values[start], spec.values[stop]
        if first.percent == second.percent and second.number <= first.number:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {_BOOST_NAMES[stop]} ({_value_text(second)}) must be greater than "
                f"{_BOOST_NAMES[start]} ({_value_text(first)})"
            )
    return spec


def parse_focus(text: str) -> HintSpec:
    """Read ``--focus X,Y[:WEIGHT]`` (an argparse ``type``).

    Examples
    --------
    >>> parse_focus("120,80").values
    (Value(number=120.0, percent=False), Value(number=80.0, percent=False))
    >>> parse_focus("120")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '120' needs 2 values X,Y separated by commas; write X,Y[:WEIGHT]...
    """
    return _parse("--focus", text, ("X", "Y"), _FOCUS_FORM)


def resolve_hints(specs: Sequence[HintSpec], size: tuple[int, int]) -> tuple[Boost | Focus, ...]:
    """Every hint in pixels of an image of ``size`` ``(width, height)``.

    Raises
    ------
    InvalidBoxError
        A hint outside this image (the image fails, the batch goes on).
    """
    return tuple(spec.resolve(*size) for spec in specs)


def hints_json(specs: Sequence[HintSpec], hints: Sequence[Boost | Focus]) -> list[dict[str, Any]]:
    """The JSON record of the hints used on one image: as given, and in its pixels.

    Examples
    --------
    >>> spec = parse_focus("50%,30%")
    >>> hints_json([spec], resolve_hints([spec], (512, 384)))
    [{'option': '--focus', 'given': '50%,30%', 'point': [256.0, 115.2], 'weight': 1.0}]
    """
    records = []
    for spec, hint in zip(specs, hints, strict=True):
        record: dict[str, Any] = {"option": spec.option, "given": spec.text}
        if isinstance(hint, Focus):
            record["point"] = [round(hint.x, 2), round(hint.y, 2)]
        else:
            record["box"] = [round(value, 2) for value in hint.box]
        record["weight"] = hint.weight
        records.append(record)
    return records


def _parse(option: str, text: str, names: tuple[str, ...], form: str) -> HintSpec:
    coordinates, weight = _split_weight(text, form)
    parts = coordinates.split(",")
    if len(parts) != len(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} needs {len(names)} values {','.join(names)} separated by commas; "
            f"write {form}"
        )
    values = tuple(_value(part, name, text) for part, name in zip(parts, names, strict=True))
    return HintSpec(option, text, values, weight)


def _split_weight(text: str, form: str) -> tuple[str, float]:
    coordinates, colon, weight_text = text.partition(":")
    if not colon:
        return coordinates, 1.0
    try:
        weight = float(weight_text)
    except ValueError:
        weight = math.nan
    if not (math.isfinite(weight) and weight > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r}: WEIGHT {weight_text.strip()!r} must be a number greater than 0 "
            f"(1 matters as much as all the predicted attention); write {form}"
        )
    return coordinates, weight


def _value(part: str, name: str, text: str) -> Value:
    stripped = part.strip()
    percent = stripped.endswith("%")
    try:
        number = float(stripped.removesuffix("%"))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(
            f"{text!r}: {name} {stripped!r} is not a number of pixels or a percentage "
            "such as 120 or 50%"
        )
    if number < 0 or (percent and number > 100):
        limit = "from 0% to 100%" if percent else "0 or more pixels"
        raise argparse.ArgumentTypeError(f"{text!r}: {name} {stripped!r} must be {limit}")
    return Value(number, percent)


def _value_text(value: Value) -> str:
    return f"{value.number:g}{'%' if value.percent else ''}"


def _plain(values: Sequence[float]) -> str:
    return ", ".join(f"{value:g}" for value in values)
