"""Review mode (the default, no mode in the policy): findings hold the send back and open the review panel;
a clean message goes at once."""

from __future__ import annotations

import pytest
from tb_harness import Session, StartThunderbird, compose_job
from tb_messages import COLLEAGUE, NISS, labo_pdf, patient_job, send

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def session(thunderbird: StartThunderbird) -> Session:
    return thunderbird({"language": "nl"})


def test_findings_hold_the_send_and_open_the_review_panel(session: Session) -> None:
    job = patient_job(["patient.y@example.test"], f"Resultaten {NISS}", "Zie bijlage.\n", labo_pdf())
    sent = send(session, job, expect=0)
    assert not sent.result["ok"]
    assert sent.arrived == []
    windows = session.jobs.submit({"kind": "windows"})["windows"]
    assert any("/review/review.html?tab=" in url for w in windows for url in w["urls"]), windows
    assert "medseal: analyse" in session.tb.log()


def test_clean_message_goes_without_a_dialog(session: Session) -> None:
    sent = send(session, compose_job([COLLEAGUE], "Vergadering", "Donderdag om 10 uur.\n"), expect=1)
    assert sent.result["ok"], sent.result.get("error")
    assert sent.arrived[0]["subject"] == "Vergadering"
