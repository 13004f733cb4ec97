"""The extension's JavaScript under Node's test runner (``js/*.test.mjs``), Thunderbird's APIs replaced by
recorders: change-set application, compose snapshots, settings precedence, the catalogue, the core client's
fail-closed paths (timeouts, a core that cannot start), and the background page's send guard (review and
automatic modes, "apply and send", the password handover)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TESTS = sorted((Path(__file__).resolve().parent / "js").glob("*.test.mjs"))


def test_extension_modules() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed (it also runs the Pyodide build)"
    assert len(TESTS) == 2
    command = [node, "--test", *map(str, TESTS)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    assert "# pass 0" not in done.stdout
