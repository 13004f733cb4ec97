"""Fixtures for the end-to-end tests in a real, headless Thunderbird.

Each test module starts one Thunderbird (policies are read once, at start-up) through :func:`thunderbird`,
with the policy it needs; the module's tests then send messages through the driver extension and read what
reaches the SMTP sink.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tb_harness import (
    ARTIFACTS,
    DRIVER_DIR,
    DRIVER_ID,
    MEDSEAL_ID,
    READY,
    REPO,
    XPI,
    JobServer,
    Session,
    SmtpSink,
    StartThunderbird,
    Thunderbird,
    zip_dir,
)


@pytest.fixture(scope="session")
def medseal_xpi() -> Path:
    """The built extension (``tox -e thunderbird`` builds it first; built here when missing)."""
    if not XPI.is_file():
        script = REPO / "plugins" / "thunderbird" / "build.py"
        assert subprocess.run([sys.executable, str(script)], check=False).returncode == 0, "the build failed"
    return XPI


@pytest.fixture(scope="session")
def driver_xpi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_dir(DRIVER_DIR, tmp_path_factory.mktemp("driver") / "driver.xpi")


@pytest.fixture(scope="module")
def thunderbird(
    tmp_path_factory: pytest.TempPathFactory, medseal_xpi: Path, driver_xpi: Path
) -> Iterator[StartThunderbird]:
    """Start Thunderbird with medseal configured by ``policy`` (its 3rdparty settings); stopped afterwards."""
    running: list[Session] = []

    def start(policy: dict[str, Any], xpi: Path | None = None, wait_ready: bool = True, refuse: int = 0) -> Session:
        sink = SmtpSink(refuse)
        sink.start()
        jobs = JobServer()
        policies = {"3rdparty": {"Extensions": {MEDSEAL_ID: policy, DRIVER_ID: {"jobServer": jobs.url}}}}
        workdir = tmp_path_factory.mktemp("thunderbird")
        extensions = {MEDSEAL_ID: xpi or medseal_xpi, DRIVER_ID: driver_xpi}
        tb = Thunderbird(workdir, sink.port, extensions, policies)
        session = Session(tb, sink, jobs)
        running.append(session)
        tb.start()
        assert jobs.hello.wait(60), f"the driver extension did not start:\n{tb.log()[-3000:]}"
        if wait_ready:
            match, session.ready_after = tb.wait_log(READY, 120)
            pairs = (item.split("=") for item in match.group(1).split())
            session.ready_times = {key: int(value) for key, value in pairs}
        return session

    yield start
    for session in running:
        session.tb.stop()
        session.sink.stop()
        session.jobs.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{session.tb.workdir.name}.log").write_text(session.tb.log(), encoding="utf-8")
