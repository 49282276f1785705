"""Reader for ``.vxm`` files, the key/value container Twitter's FastGaze weights come in.

Layout (little-endian, no padding): the magic bytes ``01 74 50 4D``, a uint32 entry count,
then per entry a uint32 key length (counting its NUL), the NUL-terminated ASCII key, a uint32
value length and the value bytes. Values carry no type: the reader of a key knows whether it
holds an int32, a float32 array or text.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..errors import WeightsUnavailableError

__all__ = ["VxmFile"]

_MAGIC = b"\x01tPM"
_UINT32 = struct.Struct("<I")


class VxmFile:
    """The entries of a ``.vxm`` file, with typed accessors.

    Parameters
    ----------
    path : str or Path
        The file to read.

    Raises
    ------
    WeightsUnavailableError
        The file is not a well-formed ``.vxm`` container.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.entries = _parse(self.path.read_bytes(), self.path)

    def int32(self, key: str) -> int:
        """The int32 stored under ``key``."""
        value = self._raw(key)
        if len(value) != 4:
            raise WeightsUnavailableError(
                f"{self.path}: {key!r} holds {len(value)} bytes, not one int32"
            )
        return struct.unpack("<i", value)[0]

    def float32(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        """The float32 array stored under ``key``, reshaped to ``shape`` (C order)."""
        dtype = self.entries.get(f"{key}.dtype", b"float32")
        if dtype != b"float32":
            raise WeightsUnavailableError(f"{self.path}: {key!r} has dtype {dtype!r}")
        values = np.frombuffer(self._raw(key), dtype="<f4")
        if values.size != int(np.prod(shape)):
            raise WeightsUnavailableError(
                f"{self.path}: {key!r} holds {values.size} floats, expected shape {shape}"
            )
        return values.reshape(shape).astype(np.float32)

    def _raw(self, key: str) -> bytes:
        try:
            return self.entries[key]
        except KeyError:
            raise WeightsUnavailableError(f"{self.path} has no entry {key!r}") from None


def _parse(data: bytes, path: Path) -> dict[str, bytes]:
    if data[:4] != _MAGIC:
        raise WeightsUnavailableError(f"{path} is not a .vxm weights file (bad magic bytes)")
    try:
        (count,) = _UINT32.unpack_from(data, 4)
        offset, entries = 8, {}
        for _ in range(count):
            (key_length,) = _UINT32.unpack_from(data, offset)
            key_bytes = data[offset + 4 : offset + 4 + key_length]
            if len(key_bytes) != key_length or not key_bytes.endswith(b"\0"):
                raise WeightsUnavailableError(f"{path}: malformed key at byte {offset}")
            offset += 4 + key_length
            (value_length,) = _UINT32.unpack_from(data, offset)
            value = data[offset + 4 : offset + 4 + value_length]
            if len(value) != value_length:
                raise WeightsUnavailableError(f"{path}: truncated value at byte {offset}")
            entries[key_bytes[:-1].decode("ascii")] = value
            offset += 4 + value_length
    except struct.error:
        raise WeightsUnavailableError(f"{path} is truncated") from None
    if offset != len(data):
        raise WeightsUnavailableError(f"{path} has {len(data) - offset} bytes after its entries")
    return entries
