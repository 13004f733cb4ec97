"""The practice key: text form with a check value, and a private, atomically created key file."""

from __future__ import annotations

import os
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
)
from medseal.crypto.pseudonym import CROCKFORD, crockford_encode
from medseal.errors import KeyFileError

keys = st.binary(min_size=KEY_SIZE, max_size=KEY_SIZE)
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


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


def test_default_key_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "medseal" / "key"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_key_path() == tmp_path / ".config" / "medseal" / "key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert default_key_path() == tmp_path / ".config" / "medseal" / "key"


@given(keys, st.binary(min_size=4, max_size=4))
def test_a_corrupted_check_value_is_refused(key: bytes, check: bytes) -> None:
    text = export_key(key)
    good = import_key(text) == key
    forged = "medseal-key-v1:" + crockford_encode(key + check)
    if forged.replace("-", "").upper() == text.replace("-", "").upper():
        return  # hypothesis drew the right check value
    assert good
    with pytest.raises(KeyFileError, match="check value"):
        import_key(forged)
