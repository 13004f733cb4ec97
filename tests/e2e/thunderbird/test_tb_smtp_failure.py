"""Automatic mode, then the SMTP server refuses the send: the message was already protected in its window,
so its password must stay with the user (a handover window, the review panel, the administrator's handover
extension) until the message has gone, and nothing of the original may be lost — the retry delivers an
envelope that this password opens, holding the original body and attachment."""

from __future__ import annotations

from pathlib import Path

import pytest
from tb_harness import DRIVER_ID, Session, StartThunderbird
from tb_messages import (
    NISS,
    assert_nothing_in_clear,
    labo_pdf,
    normalised,
    open_protected,
    patient_job,
    pdf_text,
)

pytestmark = pytest.mark.e2e

RECIPIENT = "patient.y@example.test"
POLICY = {"mode": "automatic", "language": "en", "handoverExtensionId": DRIVER_ID}


@pytest.fixture(scope="module")
def session(thunderbird: StartThunderbird) -> Session:
    return thunderbird(POLICY, refuse=1)


def test_a_refused_send_keeps_the_password_and_the_original(session: Session, tmp_path: Path) -> None:
    body = "Dear patient,\n\nYour results are attached.\n\nDr Test\n"
    pdf = labo_pdf()
    job = patient_job([RECIPIENT], f"Results {NISS}", body, pdf) | {"keepOpen": True}
    failed = session.jobs.submit(job)
    assert not failed["ok"] and "tabId" in failed, failed
    assert len(session.sink.refused) == 1 and session.sink.messages == []
    assert_nothing_in_clear("", session.sink.refused[0])  # what the refusing relay saw was protected already

    # the user can still read the password: a handover window shows it...
    windows = session.jobs.submit({"kind": "windows"})["windows"]
    assert any("/handover/handover.html?id=" in url for w in windows for url in w["urls"]), windows
    # ...and medseal still holds it (asked as the administrator's handover extension)
    [unsent] = session.jobs.submit({"kind": "unsent"})["unsent"]
    assert unsent["tabId"] == failed["tabId"] and unsent["recipients"] == [RECIPIENT]
    assert unsent["source"] == "generated" and not unsent["sent"] and len(unsent["password"]) >= 16

    # the retry sends the protected message as it is (not protected twice), and the same password opens it
    retried = session.jobs.submit({"kind": "resend", "tabId": failed["tabId"]})
    assert retried["ok"], retried
    [message] = session.sink.wait(1, 60)
    raw = session.sink.messages[0][1]
    assert_nothing_in_clear(str(message["subject"]), raw)
    handover = session.jobs.handover_for(str(message["message-id"]))
    assert handover["password"] == unsent["password"]
    opened = open_protected(raw, unsent["password"], tmp_path)
    same_body = normalised(opened.body_text) == normalised(body)
    assert same_body, "the opened body differs from what was written"
    assert list(opened.files) == ["labo.pdf"]
    same_pdf = pdf_text(opened.files["labo.pdf"]) == pdf_text(pdf)
    assert same_pdf, "the opened attachment differs from the original"
    assert session.jobs.submit({"kind": "unsent"})["unsent"] == []  # delivered: no longer pending
