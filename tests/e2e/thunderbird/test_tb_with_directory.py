"""Automatic mode with the practice's patient directory imposed by policy (how a hospital deploys medseal)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fixtures.documents import make_pdf
from tb_harness import ARTIFACTS, TIMING, WARM, XPI, Session, StartThunderbird, attachment, compose_job
from tb_messages import (
    ACCESS_CODE,
    COLLEAGUE,
    DIRECTORY_CSV,
    FIRST,
    LAST,
    NISS,
    OTHER_EMAIL,
    PATIENT_EMAIL,
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

POLICY = {"mode": "automatic", "directoryCsv": DIRECTORY_CSV, "language": "en"}


@pytest.fixture(scope="module")
def session(thunderbird: StartThunderbird) -> Session:
    return thunderbird(POLICY)


def test_patient_message_arrives_pseudonymised_and_encrypted(session: Session, tmp_path: Path) -> None:
    body = f"Dear Mrs {LAST},\n\nPlease find your blood results attached.\n\nDr Test\n"
    pdf = labo_pdf()
    sent = send(session, patient_job([PATIENT_EMAIL], f"Results {FIRST} {LAST} {NISS}", body, pdf), expect=1)

    assert sent.result["ok"], sent.result.get("error")
    [message] = sent.arrived
    assert_nothing_in_clear(str(message["subject"]), sent.raw[0])
    assert message.get_all("to") == [PATIENT_EMAIL]

    opened = open_protected(sent.raw[0], ACCESS_CODE, tmp_path)
    same_body = normalised(opened.body_text) == normalised(body)
    assert same_body, "the opened body differs from what was written"
    assert list(opened.files) == ["labo.pdf"]
    same_pdf = pdf_text(opened.files["labo.pdf"]) == pdf_text(pdf)
    assert same_pdf, "the opened attachment differs from the original"


def test_clean_message_arrives_unchanged(session: Session) -> None:
    body = "Hello,\n\nThe practice meeting moves to Thursday at 10.\n\nRegards\n"
    agenda = make_pdf(["Agenda: budget, planning, holidays"])
    attachments = [attachment("agenda.pdf", "application/pdf", agenda)]
    job = compose_job([COLLEAGUE], "Practice meeting", body, attachments)
    sent = send(session, job, expect=1)

    assert sent.result["ok"], sent.result.get("error")
    [message] = sent.arrived
    assert message["subject"] == "Practice meeting"
    assert message.get_all("to") == [COLLEAGUE]
    assert "X-Medseal-Envelope" not in message
    text = message.get_body(("plain",))
    assert text is not None
    assert normalised(text.get_content()) == normalised(body)
    parts = [(part.get_filename(), part.get_payload(decode=True)) for part in message.iter_attachments()]
    assert parts == [("agenda.pdf", agenda)]


def test_message_to_the_wrong_patient_is_blocked(session: Session) -> None:
    body = f"Results of {FIRST} {LAST}, NISS {NISS}.\n"
    sent = send(session, patient_job([OTHER_EMAIL], "Your results", body), expect=0)

    assert not sent.result["ok"]
    assert "onBeforeSend" in sent.result["error"]
    assert sent.arrived == []
    windows = session.jobs.submit({"kind": "windows"})["windows"]
    assert any("/review/review.html?tab=" in url for w in windows for url in w["urls"]), windows


def test_typical_message_is_protected_within_the_time_budget(session: Session) -> None:
    """5 KB of body and two 200 KB PDFs; the timings are kept in test-artifacts/thunderbird/timings.json."""
    paragraph = f"Concerne {FIRST} {LAST} ({NISS}). Suivi du traitement, evolution favorable, controle. "
    body = (paragraph * (5000 // len(paragraph) + 1))[:5000]
    pdfs = [labo_pdf(200_000), labo_pdf(200_000)]
    job = compose_job(
        [PATIENT_EMAIL],
        "Follow-up",
        body,
        [attachment(f"report-{i}.pdf", "application/pdf", pdf) for i, pdf in enumerate(pdfs, 1)],
    )
    warm, _ = session.tb.wait_log(WARM, 120)
    sent = send(session, job, expect=1)

    assert sent.result["ok"], sent.result.get("error")
    raw_leaks = leaks(sent.raw[0])
    assert not raw_leaks, f"the message as sent shows a {raw_leaks}"
    *_, last = TIMING.finditer(session.tb.log())
    op, on_send_ms, core_ms, action = last.groups()
    assert (op, action) == ("protect", "apply")
    record = {
        "thunderbird_start_to_core_ready_s": round(session.ready_after, 2),
        "bare_pyodide_start_s": round(session.ready_times["pyodide"] / 1000, 2),
        "core_start_ms": session.ready_times,
        "warm_up_ms": int(warm.group(1)),
        "baseline_jit": os.environ.get("MEDSEAL_TB_JIT", "1") != "0",
        "on_send_ms": int(on_send_ms),
        "core_protect_ms": int(core_ms),
        "driver_send_ms": round(sent.result["sendMs"]),
        "xpi_bytes": XPI.stat().st_size,
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    assert record["on_send_ms"] < 15_000, record
