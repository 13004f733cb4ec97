"""The server's decisions in the practice's keyed audit chain, on a real server: one record per answer, the user's
name (never the token), private recipient domains as keyed labels, no identifier; ``medseal audit verify``
passes, and finds any edit; a log that cannot be appended to refuses the call (503) instead of answering off
the record."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from outlook_helpers import NISS, PATIENT_EMAIL, Server, make_server_dir, snapshot, start_server, stop_server

from medseal_outlook.users import token_hash

pytestmark = pytest.mark.e2e

PRIVATE = "jean@famille-lambert.be"  # a domain that names the patient's family


def verify(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medseal_cli.main", "audit", "verify", str(folder / "audit.log"),
         "--key-file", str(folder / "practice.key"), *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Server]:
    running = start_server(make_server_dir(tmp_path))
    yield running
    stop_server(running)


def lines(server: Server) -> list[dict[str, object]]:
    return [json.loads(line) for line in (server.folder / "audit.log").read_text("utf-8").splitlines()]


def test_every_answer_is_one_verified_record_without_identifiers(audited: Server) -> None:
    sensitive = snapshot(subject=f"Résultats Lambert {NISS}", to=[PATIENT_EMAIL], cc=[f"Jean L. <{PRIVATE}>"])
    with audited.client() as client:
        assert client.post("/api/v1/analyse", json=snapshot(subject="Réunion d'équipe", to=["a@gmail.com"])).is_success
        assert client.post("/api/v1/analyse", json=sensitive).is_success
        protected = client.post("/api/v1/protect", json=sensitive)
        assert protected.is_success and protected.json()["action"] == "apply"
        assert client.post("/api/v1/analyse", json={"version": 1, "subject": 3}).status_code == 422  # no answer
    records = lines(audited)
    assert [(r["command"], r["action"]) for r in records] == [
        ("analyse", "send"), ("analyse", "apply"), ("protect", "apply")
    ]
    assert {r["user"] for r in records} == {"admin"}
    assert records[1]["source"] == records[2]["source"]  # one message: its check and its protection
    assert records[2]["finding_counts"] and records[2]["pseudonyms"]
    domains = records[2]["recipient_domains"]
    assert isinstance(domains, list) and len(domains) == 2
    assert all(str(d).startswith("other-") for d in domains)  # example.org and famille-lambert.be: not listed
    assert records[0]["recipient_domains"] == ["gmail.com"]  # a standard provider names nobody

    text = (audited.folder / "audit.log").read_text("utf-8")
    for secret in (NISS, "85.07.30", "Lambert", "lambert", "famille", PATIENT_EMAIL, audited.token,
                   token_hash(audited.token)):
        assert secret not in text
    result = verify(audited.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 records, chain and anchor intact" in result.stdout


def test_an_edited_record_fails_verification_and_stops_the_server_answering(audited: Server) -> None:
    with audited.client() as client:
        for _ in range(2):
            assert client.post("/api/v1/analyse", json=snapshot(subject=f"Résultats {NISS}")).is_success
    log = audited.folder / "audit.log"
    assert verify(audited.folder).returncode == 0
    original = log.read_text("utf-8")
    first, second = original.splitlines()
    log.write_text(first.replace('"action":"apply"', '"action":"send"') + "\n" + second + "\n", "utf-8")
    result = verify(audited.folder)
    assert result.returncode == 1 and "line 1" in result.stdout

    log.write_text(first + "\n", "utf-8")  # the last record cut off: the anchor still vouches for two
    result = verify(audited.folder)
    assert result.returncode == 1 and "cut" in result.stdout
    with audited.client() as client:  # nothing is decided off the record
        refused = client.post("/api/v1/protect", json=snapshot(subject=f"Résultats {NISS}"))
    assert refused.status_code == 503 and "audit log" in refused.json()["error"]
    assert "audit log not written" in audited.log_text()

    log.write_text(original, "utf-8")  # restored: the chain continues
    with audited.client() as client:
        assert client.post("/api/v1/analyse", json=snapshot()).is_success
    assert "3 records" in verify(audited.folder).stdout
