"""A real client: headless Thunderbird *without* the medseal extension, with the relay as its outgoing server
(STARTTLS, normal password), sends a message about a patient; it reaches the provider protected."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import sys
import time
from pathlib import Path

import pytest
from interceptor import assert_nothing_in_clear
from relay_harness import RelayDir, RelayProcess, Sink

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "thunderbird"))

from tb_harness import DRIVER_DIR, DRIVER_ID, JobServer, Thunderbird, compose_job, zip_dir  # noqa: E402

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("thunderbird") is None, reason="needs Debian's thunderbird package"),
]
SETUP_ID = "relay-setup@medseal-tests.invalid"


def _setup_xpi(folder: Path, relay_dir: RelayDir, port: int, job_server: str) -> Path:
    source = folder / "setup-src"
    shutil.copytree(HERE / "tb_setup", source)
    der = ssl.PEM_cert_to_DER_cert(relay_dir.cert.read_text(encoding="ascii"))
    setup = {"host": "127.0.0.1", "port": port, "username": "practice", "password": relay_dir.password,
             "certBase64": base64.b64encode(der).decode(), "jobServer": job_server}
    (source / "setup.js").write_text(f"const SETUP = {json.dumps(setup)};\n", encoding="utf-8")
    return zip_dir(source, folder / "setup.xpi")


def test_thunderbird_through_the_relay_sends_protected(
    tmp_path: Path, relay: RelayProcess, relay_dir: RelayDir, sink: Sink
) -> None:
    jobs = JobServer()
    driver = zip_dir(DRIVER_DIR, tmp_path / "driver.xpi")
    setup = _setup_xpi(tmp_path, relay_dir, relay.port, jobs.url)
    policies = {"3rdparty": {"Extensions": {DRIVER_ID: {"jobServer": jobs.url}}}}
    tb = Thunderbird(tmp_path / "tb", relay.port, {DRIVER_ID: driver, SETUP_ID: setup}, policies)
    with (tb.profile / "user.js").open("a", encoding="utf-8") as prefs:  # the relay as outgoing server
        prefs.write('user_pref("mail.smtpserver.smtp1.try_ssl", 2);\n')  # STARTTLS
        prefs.write('user_pref("mail.smtpserver.smtp1.authMethod", 3);\n')  # normal password
        prefs.write('user_pref("mail.smtpserver.smtp1.username", "practice");\n')
    tb.start()
    try:
        assert jobs.hello.wait(90), tb.log()[-3000:]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(m.startswith("relay-setup:") for m in jobs.logs):
            time.sleep(0.2)
        assert "relay-setup: done" in jobs.logs, (jobs.logs, tb.log()[-3000:])
        job = compose_job(
            ["marie.dupont.demo@gmail.com"],
            "Résultats de Marie Dupont",
            "Bonjour Madame Dupont,\n\nvos résultats (NISS 85.07.30-033.28) sont normaux.\n",
        )
        result = jobs.submit(job, timeout=180)
        assert result.get("ok"), (result, relay.log()[-2000:], tb.log()[-3000:])
        (_, recipients, got), = sink.wait(1, timeout=120)
    finally:
        tb.stop()
        jobs.stop()
    assert recipients == ["marie.dupont.demo@gmail.com"]
    assert got.startswith(b"From: dr.test@practice.test\r\n")  # Thunderbird's identity, through the relay
    assert b"User-Agent" not in got  # clear headers rebuilt from the allowlist
    assert b"X-Medseal-Envelope: pdf-password" in got
    assert_nothing_in_clear(got, niss=["85073003328"], names=["Marie Dupont"])
