"""The extension's JavaScript modules under Node's test runner (``js/extension.test.mjs``): change-set
application, compose snapshots, settings precedence, the catalogue, and the core client's fail-closed paths
(timeouts, a core that cannot start)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TESTS = Path(__file__).resolve().parent / "js" / "extension.test.mjs"


def test_extension_modules() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed (it also runs the Pyodide build)"
    done = subprocess.run(
        [node, "--test", str(TESTS)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    assert "# pass 0" not in done.stdout
