"""Fictitious patients, their directory, the messages the tests send, and the recipient's side (opening).

Nothing here is a real person. Assertions about identifiers are written so that a failure never prints one:
compute a boolean first, assert on it with a message that names what leaked, not its value.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from fixtures.documents import make_pdf, text_pages
from pypdf import PdfReader
from tb_harness import Session, compose_job

NISS = "85.07.30-033.28"  # a valid, fictitious national number
NISS_DIGITS = "85073003328"
FIRST, LAST = "Marie", "Dupont"
PATIENT_EMAIL = "marie.dupont@example.test"
ACCESS_CODE = "kq7m-3xtp-9wfa-c4rh"
OTHER_FIRST, OTHER_LAST = "Pieter", "Janssens"
OTHER_EMAIL = "pieter.janssens@example.test"
OTHER_NISS = "90.02.15-004.92"
COLLEAGUE = "colleague@example.test"

DIRECTORY_CSV = (
    "last_name,first_name,niss,birth_date,email,access_code\n"
    f"{LAST},{FIRST},{NISS},1985-07-30,{PATIENT_EMAIL},{ACCESS_CODE}\n"
    f"{OTHER_LAST},{OTHER_FIRST},{OTHER_NISS},1990-02-15,{OTHER_EMAIL},\n"
)

IDENTIFIERS = (NISS, NISS_DIGITS, LAST, f"{FIRST} {LAST}")


def labo_pdf(target_bytes: int = 0) -> bytes:
    """A lab report about the fictitious patient (padded to about ``target_bytes`` when asked)."""
    report = f"Laboratoire\nPatient: {LAST} {FIRST}\nNISS: {NISS}\nHemoglobine 13.2 g/dl\n"
    if not target_bytes:
        return make_pdf([report])
    filler = "Resultats detailles du bilan sanguin, valeurs de reference et commentaires du laboratoire"
    # uncompressed, so that the size is the text's: text_pages aims at three times its target in text
    return make_pdf([report, *text_pages(filler, target_bytes // 3)], compress=False)


def pdf_text(data: bytes) -> list[str]:
    """The text of each page: an opened PDF is the original document rewritten, not the same bytes."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def leaks(raw: bytes | str) -> list[str]:
    """Which kinds of identifier appear in clear (labels, never the identifiers themselves). The patient's
    own address, where the message is going, does not count."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = text.replace(PATIENT_EMAIL, "")
    found = []
    if NISS in text or NISS_DIGITS in text:
        found.append("national number")
    if LAST.lower() in text.lower():
        found.append("patient name")
    return found


def assert_nothing_in_clear(subject: str, raw: bytes) -> None:
    """Neither the subject nor the message as it travelled shows the patient's number or name."""
    subject_leaks = leaks(subject)
    assert not subject_leaks, f"the subject shows a {subject_leaks}"
    raw_leaks = leaks(raw)
    assert not raw_leaks, f"the message as sent shows a {raw_leaks}"


def normalised(text: str | None) -> str:
    """Body text as compared across Thunderbird's editor: line ends, trailing blanks, non-breaking spaces."""
    lines = (text or "").replace("\r\n", "\n").replace("\u00a0", " ").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


@dataclass
class Sent:
    """What happened to one message: the driver's outcome and what reached the sink."""

    result: dict[str, Any]
    arrived: list[EmailMessage]
    raw: list[bytes]


def send(session: Session, job: dict[str, Any], expect: int, grace: float = 1.0) -> Sent:
    """Send ``job`` through Thunderbird; wait for ``expect`` new messages at the sink (or ``grace`` seconds
    more when none is expected, so that a late delivery would still be caught)."""
    before = len(session.sink.messages)
    result = session.jobs.submit(job)
    if expect:
        session.sink.wait(before + expect, 60)
    else:
        time.sleep(grace)
    raws = [raw for _, raw in session.sink.messages[before:]]
    return Sent(result, session.sink.wait(before + len(raws), 1)[before:], raws)


def patient_job(to: list[str], subject: str, body: str, pdf: bytes | None = None) -> dict[str, Any]:
    from tb_harness import attachment

    attachments = [attachment("labo.pdf", "application/pdf", pdf)] if pdf is not None else []
    return compose_job(to, subject, body, attachments)


@dataclass
class Opened:
    body_text: str | None
    files: dict[str, bytes]


def open_protected(raw: bytes, password: str, workdir: Path) -> Opened:
    """The recipient's side: ``medseal open`` (the CLI) on the message as it arrived."""
    eml = workdir / "arrived.eml"
    eml.write_bytes(raw)
    secret = workdir / "password.txt"
    secret.write_text(password, encoding="utf-8")
    out = workdir / "opened"
    command = shutil.which("medseal")
    argv = [command] if command else [sys.executable, "-m", "medseal_cli.main"]
    done = subprocess.run(
        [*argv, "open", str(eml), "--password-file", str(secret), "-o", str(out)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"medseal open failed with exit code {done.returncode}"
    files = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    body = files.pop("body.txt", None)
    files.pop("body.html", None)
    return Opened(body.decode("utf-8") if body is not None else None, files)
