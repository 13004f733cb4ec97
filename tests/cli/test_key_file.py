"""The practice key file, written by the CLI only: private, atomic, never over another key."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from medseal.crypto.keys import KEY_SIZE, export_key, generate_key, read_key
from medseal.errors import KeyFileError
from medseal_cli.key_file import create_key, write_key

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
#: Key files are the CLI's: Emscripten's in-memory file system has neither real modes nor hard links.
key_file = pytest.mark.pyodide_incompatible(reason="key files are a CLI feature")


@key_file
@posix_only
def test_created_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "config" / "medseal" / "key"
    key = create_key(path)
    assert len(key) == KEY_SIZE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_key(path) == key
    with pytest.raises(KeyFileError, match="already exists"):
        create_key(path)
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left behind
    assert read_key(path) == key


@key_file
@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "key"
    write_key(path, generate_key())
    path.chmod(mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_key(path)


@key_file
def test_malformed_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    with pytest.raises(KeyFileError):
        read_key(path)
    path.write_text(export_key(generate_key())[:-3] + "\n")
    with pytest.raises(KeyFileError, match="mistyped or incomplete"):
        read_key(path)


@key_file
def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no practice key file"):
        read_key(tmp_path / "absent")


@key_file
def test_write_key_never_clobbers_without_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "key"
    first, second = generate_key(), generate_key()
    write_key(path, first)
    with pytest.raises(KeyFileError, match="already exists"):
        write_key(path, second)
    assert read_key(path) == first
    write_key(path, second, overwrite=True)
    assert read_key(path) == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


@key_file
@posix_only
def test_file_systems_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "key"
    key = create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and read_key(path) == key
    with pytest.raises(KeyFileError, match="already exists"):
        write_key(path, generate_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


@key_file
def test_concurrent_creation_makes_exactly_one_key(tmp_path: Path) -> None:
    path = tmp_path / "medseal" / "key"

    def attempt(_: int) -> bytes | None:
        try:
            return create_key(path)
        except KeyFileError:
            return None

    with ThreadPoolExecutor(8) as pool:
        made = [k for k in pool.map(attempt, range(16)) if k is not None]
    assert len(made) == 1 and read_key(path) == made[0]
