"""Automatic mode, then the SMTP server refuses the send: the message was already protected in its window,
so its password must stay with the user until the message has gone, and nothing of the original may be lost.

Thunderbird answers a refused send with its own error prompt and confirms nothing until somebody closes it
(headless, nobody does: the send stays pending). medseal therefore keeps the password retrievable from the
moment the envelope is in the window — the review panel of that compose window shows it, and the
administrator's handover extension may ask for it (``medseal.unsent``) — without waiting for Thunderbird.
"""

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
    job = patient_job([RECIPIENT], f"Results {NISS}", body, pdf) | {"keepOpen": True, "sendTimeoutMs": 20000}
    failed = session.jobs.submit(job)
    assert not failed["ok"] and "tabId" in failed, failed
    assert len(session.sink.refused) == 1 and session.sink.messages == []
    refused = session.sink.refused[0]
    assert_nothing_in_clear("", refused)  # what the refusing relay saw was protected already

    # the compose window holds the protected message (the envelope first; each PDF encrypted in its place)
    window = session.jobs.submit({"kind": "inspect", "tabId": failed["tabId"]})
    assert NISS not in window["subject"] and window["attachments"][0] == "message.pdf", window

    # its password is still there (asked as the administrator's handover extension; the panel shows the same)
    [unsent] = session.jobs.submit({"kind": "unsent"})["unsent"]
    assert unsent["tabId"] == failed["tabId"] and unsent["recipients"] == [RECIPIENT]
    assert unsent["source"] == "generated" and not unsent["sent"] and len(unsent["password"]) >= 16

    # and it opens what was refused, with the original body and attachment whole: nothing lost
    opened = open_protected(refused, unsent["password"], tmp_path)
    same_body = normalised(opened.body_text) == normalised(body)
    assert same_body, "the opened body differs from what was written"
    assert list(opened.files) == ["labo.pdf"]
    same_pdf = pdf_text(opened.files["labo.pdf"]) == pdf_text(pdf)
    assert same_pdf, "the opened attachment differs from the original"
    assert session.jobs.handovers == []  # not handed over as sent: the message has not gone
