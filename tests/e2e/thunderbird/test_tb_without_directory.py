"""Automatic mode with no directory at all: the national number alone triggers the protection, and the
generated password is handed over (shown to the user, and pushed to the extension the policy names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tb_harness import DRIVER_ID, Session, StartThunderbird
from tb_messages import (
    NISS,
    assert_nothing_in_clear,
    labo_pdf,
    leaks,
    normalised,
    open_protected,
    patient_job,
    pdf_text,
    send,
)

pytestmark = pytest.mark.e2e

RECIPIENT = "patient.x@example.test"
POLICY = {"mode": "automatic", "language": "fr", "handoverExtensionId": DRIVER_ID}


@pytest.fixture(scope="module")
def session(thunderbird: StartThunderbird) -> Session:
    return thunderbird(POLICY)


def test_national_number_alone_triggers_protection(session: Session, tmp_path: Path) -> None:
    body = "Bonjour,\n\nVoici vos résultats.\n\nDr Test\n"
    pdf = labo_pdf()
    sent = send(session, patient_job([RECIPIENT], f"Résultats {NISS}", body, pdf), expect=1)

    assert sent.result["ok"], sent.result.get("error")
    [message] = sent.arrived
    assert_nothing_in_clear(str(message["subject"]), sent.raw[0])

    handover = session.jobs.handover_for(str(message["message-id"]))
    assert handover["recipients"] == [RECIPIENT]
    assert handover["subject"] == str(message["subject"])

    opened = open_protected(sent.raw[0], handover["password"], tmp_path)
    same_body = normalised(opened.body_text) == normalised(body)
    assert same_body, "the opened body differs from what was written"
    assert list(opened.files) == ["labo.pdf"]
    same_pdf = pdf_text(opened.files["labo.pdf"]) == pdf_text(pdf)
    assert same_pdf, "the opened attachment differs from the original"

    windows = session.jobs.submit({"kind": "windows"})["windows"]
    assert any("/handover/handover.html?id=" in url for w in windows for url in w["urls"]), windows


def test_wrong_password_does_not_open(session: Session, tmp_path: Path) -> None:
    job = patient_job([RECIPIENT], f"Dossier {NISS}", "Voir pièce jointe.\n", labo_pdf())
    sent = send(session, job, expect=1)
    assert sent.result["ok"], sent.result.get("error")
    with pytest.raises(AssertionError, match="exit code 2"):
        open_protected(sent.raw[0], "not-the-password", tmp_path)


def test_html_message_is_protected_too(session: Session, tmp_path: Path) -> None:
    """Thunderbird composes HTML by default: both bodies go into the envelope, a neutral one travels."""
    html = f"<p>Bonjour,</p><p>Résultats du patient <b>{NISS}</b> : tout est normal.</p>"
    details = {"to": [RECIPIENT], "subject": "Résultats", "body": html, "isPlainText": False}
    sent = send(session, {"kind": "send", "details": details, "attachments": []}, expect=1)

    assert sent.result["ok"], sent.result.get("error")
    raw_leaks = leaks(sent.raw[0])
    assert not raw_leaks, f"the message as sent shows a {raw_leaks}"
    handover = session.jobs.handover_for(str(sent.arrived[0]["message-id"]))
    opened = open_protected(sent.raw[0], handover["password"], tmp_path)
    kept = "tout est normal" in normalised(opened.body_text)
    assert kept, "the opened text body lost the message"
    html_path = tmp_path / "opened" / "body.html"
    kept_html = html_path.is_file() and "tout est normal" in html_path.read_text(encoding="utf-8")
    assert kept_html, "the opened HTML body lost the message"
