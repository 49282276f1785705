"""Finding model weights: a local override, the cache, or a verified one-time download.

A :class:`WeightsSource` names a file by its public address and sha256. :func:`fetch`
returns a local path to a verified copy, looking in this order:

1. an explicit ``path`` argument (for instance ``weights=`` of a public function);
2. the weights folder: ``$SMARTCROP_WEIGHTS_DIR`` when set, else ``$SMARTCROP_HOME/weights``,
   else the platform's user cache folder (``~/.cache/smartcrop/weights`` on Linux);
3. a download from the public address into that folder, written atomically and kept only
   when its sha256 matches.

Without network access, the error says which file to download from where and where to put it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import WeightsUnavailableError

__all__ = ["WeightsSource", "fetch", "file_matches", "weights_dir"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_TIMEOUT_S = 30


@dataclass(frozen=True)
class WeightsSource:
    """Where one weights file comes from.

    Attributes
    ----------
    filename : str
        Name of the file in the weights folder.
    url : str
        Public address to download it from.
    sha256 : str
        Hex digest the file must have.
    licence : str
        The licence the weights are published under, for the error and the docs.
    """

    filename: str
    url: str
    sha256: str
    licence: str = ""


def weights_dir() -> Path:
    """The folder where weights are looked for and downloaded to.

    ``$SMARTCROP_WEIGHTS_DIR`` wins, then ``$SMARTCROP_HOME/weights``, then the platform's
    user cache folder.
    """
    explicit = os.environ.get("SMARTCROP_WEIGHTS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("SMARTCROP_HOME")
    if home:
        return Path(home).expanduser() / "weights"
    import platformdirs

    return Path(platformdirs.user_cache_dir("smartcrop")) / "weights"


def fetch(source: WeightsSource, path: str | os.PathLike | None = None) -> Path:
    """A local, verified copy of ``source``'s file, downloading it once if needed.

    Parameters
    ----------
    source : WeightsSource
        The file wanted.
    path : str or os.PathLike, optional
        A file to use instead; it is checked to exist but not hashed, so that fine-tuned
        weights of the same architecture can be used.

    Raises
    ------
    WeightsUnavailableError
        The file is not in the weights folder and cannot be downloaded, or the download
        does not match the sha256.
    """
    if path is not None:
        override = Path(path).expanduser()
        if not override.is_file():
            raise WeightsUnavailableError(f"weights file {override} does not exist")
        return override
    folder = weights_dir()
    cached = folder / source.filename
    if cached.is_file():
        if file_matches(cached, source.sha256):
            return cached
        raise WeightsUnavailableError(
            f"{cached} does not match the expected sha256 {source.sha256}; delete it so that "
            f"it is downloaded again from {source.url}"
        )
    return _download(source, folder)


def file_matches(path: str | os.PathLike, sha256: str) -> bool:
    """Whether the file's sha256 is ``sha256``; hashed once per version of the file."""
    path = Path(path)
    return _verified(str(path), path.stat().st_mtime_ns, sha256)


@lru_cache(maxsize=32)
def _verified(path: str, mtime_ns: int, sha256: str) -> bool:
    # Keyed on the modification time so that hashing happens once per file version.
    return _sha256_of(Path(path)) == sha256


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(source: WeightsSource, folder: Path) -> Path:
    target = folder / source.filename
    how_to_fix = (
        f"Download {source.url} by hand (sha256 {source.sha256}) and put it at {target}, "
        "or set SMARTCROP_WEIGHTS_DIR to a folder that holds it."
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WeightsUnavailableError(
            f"cannot create the weights folder {folder} ({exc}). {how_to_fix}"
        ) from None
    logger.info("downloading %s to %s", source.url, target)
    handle, temporary_name = tempfile.mkstemp(prefix=f".{source.filename}.", dir=folder)
    temporary = Path(temporary_name)
    try:
        digest = hashlib.sha256()
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(source.url, timeout=_TIMEOUT_S) as response,
        ):
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != source.sha256:
            raise WeightsUnavailableError(
                f"the download of {source.url} has sha256 {digest.hexdigest()}, expected "
                f"{source.sha256}; nothing was saved. {how_to_fix}"
            )
        os.replace(temporary, target)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WeightsUnavailableError(
            f"could not download {source.filename} ({exc}). {how_to_fix}"
        ) from None
    finally:
        temporary.unlink(missing_ok=True)
    return target
