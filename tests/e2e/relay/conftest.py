"""Fixtures for the relay's end-to-end tests: one upstream sink and one running relay per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: interceptor.py

from relay_harness import RelayDir, RelayProcess, Sink, init_relay


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def relay_dir(tmp_path_factory: pytest.TempPathFactory, sink: Sink) -> RelayDir:
    folder = tmp_path_factory.mktemp("relay")
    return init_relay(folder, sink.port, max_message_mb=2, max_recipients=10)


@pytest.fixture(scope="module")
def relay(relay_dir: RelayDir) -> Iterator[RelayProcess]:
    process = RelayProcess(relay_dir).start()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def _empty_sink(request: pytest.FixtureRequest) -> None:
    if "sink" in request.fixturenames:
        sink = request.getfixturevalue("sink")
        sink.messages.clear()
        sink.reply = "250 OK"
        sink.refuse.clear()
