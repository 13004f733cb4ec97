"""The on-send handler in a bare JavaScript runtime (no DOM, like classic Outlook on Windows), under Node's
test runner, with Office from ``office-addin-mock`` and the real server behind it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from outlook_helpers import Server

pytestmark = pytest.mark.e2e

TEST_FILE = Path(__file__).with_name("node") / "onsend_runtime.test.cjs"


def test_on_send_runs_without_a_dom(server: Server, node_modules: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed for the Outlook add-in tests"
    env = dict(os.environ, MEDSEAL_URL=server.url, MEDSEAL_TOKEN=server.token,
               MEDSEAL_NODE_MODULES=str(node_modules), NODE_EXTRA_CA_CERTS=str(server.cert))
    result = subprocess.run([node, "--test", str(TEST_FILE)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout and "# fail 0" in result.stdout
