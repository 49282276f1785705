"""The files of the ``smartcrop`` command: finding its inputs, writing its outputs safely.

Inputs are files, folders and glob patterns, expanded here so that quoted patterns work
too. Every output file is first written to a temporary file in its destination folder and then moved
into place, so a crash or a full disk never leaves half an image under the final name. An
:class:`OutputGuard` decides beforehand whether a target may be written at all: never onto an
input (unless a crop replaces its own input with ``--in-place``), never onto an existing
file without ``--overwrite``, never twice in one run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from PIL import Image

from smartcrop_core.imaging import pil_to_rgb

__all__ = [
    "FORMAT_CHOICES",
    "IMAGE_EXTENSIONS",
    "ImageMetadata",
    "InputScan",
    "OutputError",
    "OutputGuard",
    "collect_inputs",
    "extension_for_format",
    "pillow_format",
    "save_image",
    "write_atomically",
]

#: Extensions of the files taken from folders and glob patterns (named files are always taken).
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"})
_GLOB_CHARACTERS = frozenset("*?[")
#: ``--format`` values and the Pillow format each one writes.
FORMAT_CHOICES = {"jpeg": "JPEG", "jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
_FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_EXIF_ORIENTATION = 0x0112
# Formats whose Pillow writers take ``icc_profile=`` and ``exif=``.
_FORMATS_WITH_METADATA = frozenset({"JPEG", "PNG", "WEBP", "TIFF"})
_FORMATS_WITH_QUALITY = frozenset({"JPEG", "WEBP"})
# Modes each writer accepts as they are; ``None`` means the writer converts by itself.
_WRITABLE_MODES: dict[str, frozenset[str] | None] = {
    "JPEG": frozenset({"L", "RGB", "CMYK"}),
    "PNG": frozenset({"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}),
    "BMP": frozenset({"1", "L", "P", "RGB", "RGBA"}),
    "WEBP": None,
    "GIF": None,
    "TIFF": None,
}
# The colour space an ICC profile declares (bytes 16-20 of its header), by image mode: a
# profile is only kept when it still describes the pixels after a mode conversion.
_ICC_SPACE_OF_MODE = {
    **dict.fromkeys(("RGB", "RGBA", "RGBX", "RGBa", "P", "PA"), b"RGB "),
    **dict.fromkeys(("1", "L", "LA", "La", "I", "I;16", "F"), b"GRAY"),
    "CMYK": b"CMYK",
}


@dataclass
class InputScan:
    """The image files found, in order without repeats, and the arguments that found none."""

    files: list[Path] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set, repr=False)

    def add(self, path: Path) -> None:
        """Append ``path`` unless the same file (by real path) is already in."""
        key = os.path.normcase(os.path.realpath(path))
        if key not in self._seen:
            self._seen.add(key)
            self.files.append(path)


def collect_inputs(
    arguments: Sequence[str], *, recursive: bool = False, skip_folder: Path | None = None
) -> InputScan:
    """The image files that ``arguments`` (files, folders, glob patterns) stand for.

    Parameters
    ----------
    arguments : sequence of str
        A file is taken whatever its extension (it was named); folders give their files
        with an image extension (:data:`IMAGE_EXTENSIONS`), hidden ones left out; patterns
        are expanded with :func:`glob.glob` (``**`` spans folders) and the folders they
        match are read like folder arguments.
    recursive : bool
        Read subfolders of folders too.
    skip_folder : pathlib.Path, optional
        A folder not to descend into (the output folder: crops are not inputs).
    """
    scan = InputScan()
    skipped = os.path.realpath(skip_folder) if skip_folder is not None else None
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = _add_folder(scan, path, recursive, skipped)
            if not found:
                hint = "" if recursive else " (pass --recursive to look in subfolders)"
                scan.problems.append((argument, f"no image file in this folder{hint}"))
        elif path.exists():
            scan.add(path)
        elif _GLOB_CHARACTERS & set(argument):
            found = 0
            for match in sorted(glob.glob(argument, recursive=True)):
                match_path = Path(match)
                if match_path.is_dir():
                    found += _add_folder(scan, match_path, recursive, skipped)
                elif _is_image_name(match_path.name):
                    scan.add(match_path)
                    found += 1
            if not found:
                scan.problems.append((argument, "no image file matches this pattern"))
        else:
            scan.problems.append((argument, "no such file or folder"))
    return scan


def _add_folder(scan: InputScan, folder: Path, recursive: bool, skipped: str | None) -> int:
    found = 0
    for root, folders, names in os.walk(folder):
        # Sorted, so that the order of the outputs does not depend on the file system.
        folders[:] = sorted(
            name
            for name in folders
            if recursive
            and not name.startswith(".")
            and os.path.realpath(os.path.join(root, name)) != skipped
        )
        for name in sorted(names):
            if _is_image_name(name):
                scan.add(Path(root, name))
                found += 1
    return found


def _is_image_name(name: str) -> bool:
    # Hidden files include macOS's "._photo.jpg" resource forks, which are not images.
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


class OutputError(Exception):
    """A file that may not or cannot be written; reported for its input, the batch goes on."""


@dataclass(frozen=True)
class ImageMetadata:
    """What an output keeps of its input: the ICC profile and the EXIF block."""

    icc_profile: bytes | None
    exif: bytes | None

    @classmethod
    def of(cls, upright: Image.Image) -> ImageMetadata:
        """The metadata of an image already turned upright by its EXIF orientation.

        The EXIF Orientation tag is set to 1: the saved pixels are upright, and a viewer
        that turned them again would show the crop sideways.
        """
        exif = upright.getexif()
        exif_bytes = None
        if len(exif):
            exif[_EXIF_ORIENTATION] = 1
            exif_bytes = exif.tobytes()
        return cls(icc_profile=upright.info.get("icc_profile") or None, exif=exif_bytes)


def pillow_format(target: Path, override: str | None = None) -> str:
    """The Pillow format to write ``target`` in: ``override`` or the one its suffix names.

    Raises
    ------
    OutputError
        No writable format has that suffix.
    """
    if override is not None:
        return FORMAT_CHOICES[override]
    known = Image.registered_extensions()
    format_name = known.get(target.suffix.lower())
    if format_name is None or format_name not in Image.SAVE:
        raise OutputError(
            f"cannot tell an image format to write from the name {target.name!r}; "
            "pass --format, or a --name ending in .jpg, .png or .webp"
        )
    return format_name


def extension_for_format(override: str) -> str:
    """The file extension (no dot) of a ``--format`` value."""
    return _FORMAT_EXTENSIONS[FORMAT_CHOICES[override]]


def save_image(
    image: Image.Image,
    target: Path,
    *,
    format_name: str,
    metadata: ImageMetadata,
    quality: int,
    replace: bool,
) -> None:
    """Write ``image`` to ``target`` atomically, in a mode the format takes, metadata kept."""
    writable = _writable(image, format_name)
    options: dict[str, Any] = {}
    if format_name in _FORMATS_WITH_METADATA:
        if metadata.icc_profile and _profile_fits(metadata.icc_profile, writable.mode):
            options["icc_profile"] = metadata.icc_profile
        if metadata.exif:
            options["exif"] = metadata.exif
    if format_name in _FORMATS_WITH_QUALITY:
        options["quality"] = quality
    write_atomically(
        target, lambda stream: writable.save(stream, format=format_name, **options), replace=replace
    )


def _writable(image: Image.Image, format_name: str) -> Image.Image:
    accepted = _WRITABLE_MODES.get(format_name)
    if accepted is None or image.mode in accepted:
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if has_alpha and "RGBA" in accepted:
        return image.convert("RGBA")
    # pil_to_rgb composites transparency over white (JPEG has no alpha: black would show
    # wherever the input was transparent) and stretches 16-bit and float pixels to 8 bits.
    return Image.fromarray(pil_to_rgb(image))


def _profile_fits(profile: bytes, mode: str) -> bool:
    expected = _ICC_SPACE_OF_MODE.get(mode)
    return expected is None or len(profile) < 20 or profile[16:20] == expected


def write_atomically(target: Path, write: Callable[[IO[bytes]], None], *, replace: bool) -> None:
    """Call ``write`` on a temporary file beside ``target``, then move it into place.

    Parameters
    ----------
    target : pathlib.Path
        The final file.
    write : callable
        Writes the content into the open binary stream it is given.
    replace : bool
        Replace an existing ``target``; when false an existing target raises
        :class:`OutputError` and is left untouched, even if it appeared meanwhile.

    Raises
    ------
    OSError
        Writing failed; its ``filename`` is ``target``. Nothing is left behind.
    """
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _naming(target, exc) from exc
    try:
        with os.fdopen(descriptor, "wb") as stream:
            write(stream)
        # mkstemp makes the file private (0600); outputs get the usual permissions.
        os.chmod(temporary, _default_file_mode())
        if replace:
            os.replace(temporary, target)
        else:
            _move_without_replacing(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _naming(target, exc) from exc
        raise


def _naming(target: Path, exc: OSError) -> OSError:
    # The temporary file's random name means nothing to the user; the target does.
    # OSError(errno, ...) gives back the matching subclass (PermissionError, ...).
    return OSError(exc.errno, exc.strerror or str(exc), str(target))


def _move_without_replacing(temporary: str, target: Path) -> None:
    # A hard link fails when the target exists, closing the gap between checking and
    # moving; file systems without hard links fall back to check-then-move.
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise OutputError(f"{target} already exists; pass --overwrite to replace it") from None
    except OSError:
        if target.exists():
            raise OutputError(f"{target} already exists; pass --overwrite to replace it") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


_umask: int | None = None


def _default_file_mode() -> int:
    global _umask
    if _umask is None:
        # The only way to read the umask is to set it; put it straight back.
        _umask = os.umask(0o022)
        os.umask(_umask)
    return 0o666 & ~_umask


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class OutputGuard:
    """Decides whether a target file may be written, and remembers what this run wrote.

    Safe to share between threads: a target is checked and claimed in one step, so of two
    crops given the same name, only the first to claim it is written, whichever thread runs
    it.

    Parameters
    ----------
    inputs : iterable of pathlib.Path
        Every input of the run: none of them is ever written over, except a crop replacing
        its own input when ``in_place`` is set.
    overwrite : bool
        Allow replacing existing files that are not inputs.
    in_place : bool
        Allow a crop to replace the input it was cut from.
    """

    def __init__(self, inputs: Iterable[Path], *, overwrite: bool, in_place: bool) -> None:
        self._input_ids = {file_id for file_id in map(_file_id, inputs) if file_id}
        self._overwrite = overwrite
        self._in_place = in_place
        # Targets claimed in this run (written, or being written), by real path.
        self._written: dict[str, Path] = {}
        self._lock = threading.Lock()

    def claim(self, target: Path, source: Path) -> bool:
        """Reserve ``target`` for input ``source``; whether writing it replaces a file.

        Once claimed, ``target`` is refused to every other crop of the run; call
        :meth:`release` if writing it fails, so that it is not counted as written.

        Raises
        ------
        OutputError
            ``target`` may not be written (nothing is claimed).
        """
        key = os.path.realpath(target)
        with self._lock:
            earlier = self._written.get(key)
            if earlier is not None:
                raise OutputError(
                    f"{target} was already written in this run (from {earlier}); "
                    "put {stem} and {aspect} in --name so that every crop gets its own name"
                )
            self._written[key] = source
        try:
            return self._replaces(target, source)
        except OutputError:
            self.release(target)
            raise

    def release(self, target: Path) -> None:
        """Give up the claim on ``target``: it was not written after all."""
        with self._lock:
            self._written.pop(os.path.realpath(target), None)

    def _replaces(self, target: Path, source: Path) -> bool:
        target_id = _file_id(target)
        if target_id is None:
            return False
        if target_id in self._input_ids:
            own_input = target_id == _file_id(source)
            if own_input and self._in_place:
                return True
            hint = " (pass --in-place to replace it with its crop)" if own_input else ""
            raise OutputError(f"refusing to write over the input file {target}{hint}")
        if not self._overwrite:
            raise OutputError(f"{target} already exists; pass --overwrite to replace it")
        return True
