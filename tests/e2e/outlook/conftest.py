"""Fixtures for the Outlook add-in tests (helpers in ``outlook_helpers``)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from outlook_helpers import ADDIN, ARTIFACTS, Server, make_server_dir, start_server, stop_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the session (2 MiB request limit, so size tests stay fast)."""
    config = make_server_dir(tmp_path_factory.mktemp("medseal-server"), max_request_mb=2)
    running = start_server(config)
    yield running
    stop_server(running)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The add-in's npm test tools (``npm ci`` from the lock file when not installed yet)."""
    folder = ADDIN / "node_modules"
    if not (folder / "office-addin-manifest").is_dir() or not (folder / "office-addin-mock").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the Outlook add-in tests"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ADDIN, check=True, timeout=600)
    return folder


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
