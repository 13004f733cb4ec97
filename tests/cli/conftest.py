"""CLI tests that protect start with a practice key where they point ``--key-file`` (as ``key new`` makes it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medseal_cli.key_file import create_key


@pytest.fixture
def practice_key(tmp_path: Path) -> Path:
    for path in (tmp_path / "key", tmp_path / "config" / "key"):
        create_key(path)
    return tmp_path / "key"
