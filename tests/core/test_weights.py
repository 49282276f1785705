"""Finding weights: override, cache, verified download, and the errors when none works."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import platformdirs
import pytest

from smartcrop_core import WeightsUnavailableError
from smartcrop_core.faces import YUNET_WEIGHTS
from smartcrop_core.saliency.fastgaze import FASTGAZE_WEIGHTS
from smartcrop_core.weights import WeightsSource, fetch, weights_dir

PAYLOAD = b"pretend these are weights\n" * 100
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
UNREACHABLE = "http://127.0.0.1:9/weights.bin"  # the discard port on loopback: refused at once


@pytest.fixture
def remote_file(tmp_path) -> Path:
    """A file standing in for the public copy, reachable as a ``file://`` address."""
    path = tmp_path / "remote" / "weights.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    """An empty weights folder that does not exist yet, set as SMARTCROP_WEIGHTS_DIR."""
    folder = tmp_path / "cache" / "weights"
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(folder))
    return folder


@pytest.mark.parametrize("source", [FASTGAZE_WEIGHTS, YUNET_WEIGHTS], ids=lambda s: s.filename)
def test_fetch_finds_verified_weights_in_the_shared_folder(source, weights_dir, monkeypatch):
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(weights_dir))
    path = fetch(source)
    assert path == weights_dir / source.filename
    assert hashlib.sha256(path.read_bytes()).hexdigest() == source.sha256


def test_explicit_path_wins_and_is_not_hashed(tmp_path, empty_cache):
    own = tmp_path / "fine_tuned.vxm"
    own.write_bytes(b"different weights")
    assert fetch(FASTGAZE_WEIGHTS, own) == own
    assert fetch(FASTGAZE_WEIGHTS, str(own)) == own
    assert not empty_cache.exists()


def test_explicit_path_that_does_not_exist_is_an_error(tmp_path):
    missing = tmp_path / "nope.vxm"
    with pytest.raises(WeightsUnavailableError, match=r"nope\.vxm does not exist"):
        fetch(FASTGAZE_WEIGHTS, missing)


def test_cached_file_with_the_wrong_sha_is_an_error_naming_the_file(empty_cache, remote_file):
    empty_cache.mkdir(parents=True)
    cached = empty_cache / "weights.bin"
    cached.write_bytes(b"corrupted")
    source = WeightsSource("weights.bin", remote_file.as_uri(), PAYLOAD_SHA)
    with pytest.raises(WeightsUnavailableError) as caught:
        fetch(source)
    message = str(caught.value)
    assert str(cached) in message
    assert PAYLOAD_SHA in message
    assert "delete it" in message
    assert cached.read_bytes() == b"corrupted"  # never overwritten silently


def test_missing_weights_are_downloaded_verified_and_cached(empty_cache, remote_file):
    source = WeightsSource("weights.bin", remote_file.as_uri(), PAYLOAD_SHA)
    path = fetch(source)
    assert path == empty_cache / "weights.bin"
    assert path.read_bytes() == PAYLOAD
    assert sorted(os.listdir(empty_cache)) == ["weights.bin"]  # no temporary file left
    # Once cached, the address is not needed any more.
    offline = WeightsSource("weights.bin", UNREACHABLE, PAYLOAD_SHA)
    assert fetch(offline) == path


def test_download_with_the_wrong_sha_keeps_nothing(empty_cache, remote_file):
    wrong = "0" * 64
    source = WeightsSource("weights.bin", remote_file.as_uri(), wrong)
    with pytest.raises(WeightsUnavailableError) as caught:
        fetch(source)
    message = str(caught.value)
    assert PAYLOAD_SHA in message
    assert wrong in message
    assert remote_file.as_uri() in message
    assert "nothing was saved" in message
    assert os.listdir(empty_cache) == []


def test_unreachable_address_is_an_error_naming_address_and_target(empty_cache):
    source = WeightsSource("weights.bin", UNREACHABLE, PAYLOAD_SHA)
    with pytest.raises(WeightsUnavailableError) as caught:
        fetch(source)
    message = str(caught.value)
    assert UNREACHABLE in message
    assert str(empty_cache / "weights.bin") in message
    assert "SMARTCROP_WEIGHTS_DIR" in message
    assert os.listdir(empty_cache) == []


def test_missing_remote_file_is_an_error(empty_cache, tmp_path):
    source = WeightsSource("weights.bin", (tmp_path / "gone.bin").as_uri(), PAYLOAD_SHA)
    with pytest.raises(WeightsUnavailableError, match=r"could not download weights\.bin"):
        fetch(source)
    assert os.listdir(empty_cache) == []


def test_weights_folder_that_cannot_be_created_is_an_error(tmp_path, monkeypatch, remote_file):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(blocker / "weights"))
    source = WeightsSource("weights.bin", remote_file.as_uri(), PAYLOAD_SHA)
    with pytest.raises(WeightsUnavailableError, match="cannot create the weights folder"):
        fetch(source)


def test_cached_file_changed_after_verification_is_checked_again(empty_cache, remote_file):
    source = WeightsSource("weights.bin", remote_file.as_uri(), PAYLOAD_SHA)
    path = fetch(source)
    assert fetch(source) == path
    stat = path.stat()
    path.write_bytes(b"tampered")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with pytest.raises(WeightsUnavailableError, match="does not match"):
        fetch(source)


# --- where the weights folder is ------------------------------------------------------------


def test_weights_dir_env_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(tmp_path / "w"))
    monkeypatch.setenv("SMARTCROP_HOME", str(tmp_path / "home"))
    assert weights_dir() == tmp_path / "w"


def test_weights_dir_expands_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", "~/models")
    assert weights_dir() == tmp_path / "models"


def test_smartcrop_home_holds_a_weights_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SMARTCROP_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("SMARTCROP_HOME", str(tmp_path / "home"))
    assert weights_dir() == tmp_path / "home" / "weights"


def test_empty_weights_dir_variable_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", "")
    monkeypatch.setenv("SMARTCROP_HOME", str(tmp_path))
    assert weights_dir() == tmp_path / "weights"


def test_default_weights_dir_is_the_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SMARTCROP_WEIGHTS_DIR", raising=False)
    monkeypatch.delenv("SMARTCROP_HOME", raising=False)
    assert weights_dir() == Path(platformdirs.user_cache_dir("smartcrop")) / "weights"
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert weights_dir() == tmp_path / "xdg" / "smartcrop" / "weights"


def test_download_goes_to_smartcrop_home_when_no_folder_is_set(monkeypatch, tmp_path, remote_file):
    monkeypatch.delenv("SMARTCROP_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("SMARTCROP_HOME", str(tmp_path / "home"))
    source = WeightsSource("weights.bin", remote_file.as_uri(), PAYLOAD_SHA)
    assert fetch(source) == tmp_path / "home" / "weights" / "weights.bin"
