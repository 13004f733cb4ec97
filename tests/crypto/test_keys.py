"""The practice key: text form with a check value, and a private, atomically created key file."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.crypto.keys import (
    KEY_SIZE,
    PREFIX,
    default_key_path,
    export_key,
    generate_key,
    import_key,
    load_or_create_key,
    read_key,
    write_key,
)
from medseal.crypto.pseudonym import CROCKFORD
from medseal.errors import KeyFileError

keys = st.binary(min_size=KEY_SIZE, max_size=KEY_SIZE)
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
#: Key files are the CLI's: Emscripten's in-memory file system has neither real modes nor hard links.
key_file = pytest.mark.pyodide_incompatible(reason="key files are a CLI feature")


@given(keys)
def test_export_import_round_trip(key: bytes) -> None:
    text = export_key(key)
    assert text.startswith(PREFIX)
    assert import_key(text) == key
    assert import_key(f"  {text.lower()}\n") == key
    assert import_key(PREFIX + " " + text[len(PREFIX) :].replace("-", "")) == key


@given(keys, st.data())
def test_any_single_typo_is_caught(key: bytes, data: st.DataObject) -> None:
    text = export_key(key)
    body = text[len(PREFIX) :]
    positions = [i for i, c in enumerate(body) if c != "-"]
    i = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from([c for c in CROCKFORD if c != body[i]]))
    typo = PREFIX + body[:i] + wrong + body[i + 1 :]
    with pytest.raises(KeyFileError):
        import_key(typo)


@pytest.mark.parametrize(
    "text",
    ["", "medseal-key-v1:", "medseal-key-v2:ABCDE", "hello", "medseal-key-v1:UUUUU", "medseal-key-v1:ABC"],
)
def test_not_a_key(text: str) -> None:
    with pytest.raises(KeyFileError):
        import_key(text)


def test_truncated_key_is_refused() -> None:
    text = export_key(generate_key())
    with pytest.raises(KeyFileError, match="mistyped or incomplete"):
        import_key(text[:-6])


def test_generated_keys_are_random() -> None:
    assert len({generate_key() for _ in range(20)}) == 20
    assert all(len(k) == KEY_SIZE for k in {generate_key()})


@key_file
@posix_only
def test_created_on_first_use_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "config" / "medseal" / "key"
    key = load_or_create_key(path)
    assert len(key) == KEY_SIZE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key
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
        load_or_create_key(path)


@key_file
def test_malformed_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    with pytest.raises(KeyFileError):
        read_key(path)
    path.write_text(export_key(generate_key())[:-3] + "\n")
    with pytest.raises(KeyFileError, match="mistyped or incomplete"):
        load_or_create_key(path)


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


def test_default_key_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "medseal" / "key"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_key_path() == tmp_path / ".config" / "medseal" / "key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert default_key_path() == tmp_path / ".config" / "medseal" / "key"


@key_file
@posix_only
def test_file_systems_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and read_key(path) == key
    with pytest.raises(KeyFileError, match="already exists"):
        write_key(path, generate_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


@key_file
def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "medseal" / "key"
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: load_or_create_key(path), range(16)))
    assert len(found) == 1
