"""Fail closed: with a core that cannot start (its wheel corrupted in a copy of the xpi), nothing goes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from tb_harness import Session, StartThunderbird, compose_job
from tb_messages import COLLEAGUE, NISS, labo_pdf, patient_job, send

pytestmark = pytest.mark.e2e

FAILED = re.compile(r"medseal: core failed to start \((.*)\)")


def broken_copy(xpi: Path, target: Path) -> Path:
    """The xpi with the medseal core wheel replaced by bytes that are not a wheel."""
    with zipfile.ZipFile(xpi) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if re.fullmatch(r"runtime/wheels/medseal-[^/]+\.whl", info.filename):
                data = b"not a wheel" * 100
            copy.writestr(info, data)
    return target


@pytest.fixture(scope="module")
def session(thunderbird: StartThunderbird, medseal_xpi: Path, tmp_path_factory: pytest.TempPathFactory) -> Session:
    xpi = broken_copy(medseal_xpi, tmp_path_factory.mktemp("broken") / "medseal.xpi")
    started = thunderbird({"mode": "automatic"}, xpi=xpi, wait_ready=False)
    started.tb.wait_log(FAILED, 120)
    return started


def test_message_with_patient_data_is_not_sent(session: Session) -> None:
    sent = send(session, patient_job([COLLEAGUE], f"Résultats {NISS}", "Voir annexe.\n", labo_pdf()), expect=0)
    assert not sent.result["ok"]
    assert "onBeforeSend" in sent.result["error"]
    assert sent.arrived == []


def test_even_a_clean_message_is_held_back(session: Session) -> None:
    sent = send(session, compose_job([COLLEAGUE], "Practice meeting", "Thursday at 10.\n"), expect=0)
    assert not sent.result["ok"]
    assert sent.arrived == []
    windows = session.jobs.submit({"kind": "windows"})["windows"]
    assert any("/review/review.html?tab=" in url for w in windows for url in w["urls"]), windows
    assert "medseal: protect failed closed" in session.tb.log()
