"""The core inside Pyodide under Node, with the Pyodide crypto backend (noble), from the staged runtime.

- the core's own pytest suite passes inside Pyodide;
- the Pyodide backend gives the shared crypto vectors byte for byte, as the CPython backend does;
- an envelope made by ``medseal.service.protect`` in Pyodide opens on CPython and gives back the original;
- cold start, memory and the time of one ``analyse`` are measured (``test-artifacts/pyodide-bench.json``).

The runtime is the one ``python plugins/thunderbird/build.py --runtime-only`` stages (``tox -e pyodide``);
if it is missing or older than the core's sources, the fixture stages it again. Needs Node 20 and npm.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
THUNDERBIRD = REPO / "plugins" / "thunderbird"
RUNNER = Path(__file__).resolve().parent / "pyodide" / "run.mjs"
PLUGIN = Path(__file__).resolve().parent / "pyodide" / "pyodide_plugin.py"
ARTIFACTS = REPO / "test-artifacts"
# What the core's suite needs besides the core: tox's [testenv] deps (read below) and these, minus host-only
# packages (their test modules are skipped inside Pyodide, see pyodide/pyodide_plugin.py), with the pins that
# keep them pure Python (jsonschema 4.18+ needs the compiled rpds-py; 4.17 knows draft 2020-12 too).
TEST_REQUIREMENTS = ("pytest>=8", "hypothesis>=6.100")
HOST_ONLY_REQUIREMENTS = {"aiosmtpd"}
PURE_PINS = {"jsonschema": "jsonschema>=4.17,<4.18"}
TESTS_COPY = {"from": str(REPO / "tests"), "to": "/repo/tests", "exclude": ["e2e"]}
SUITE_TIMEOUT = 900

Job = Callable[..., dict[str, Any]]


def _load_staging() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pyodide_runtime", THUNDERBIRD / "pyodide_runtime.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _newest_source() -> float:
    """When the core, the glue or the staging last changed (a staged runtime older than that is stale)."""
    sources = [*REPO.joinpath("core").rglob("*"), *REPO.joinpath("cli").rglob("*"), REPO / "pyproject.toml"]
    sources += [*THUNDERBIRD.joinpath("runtime").glob("*.js"), THUNDERBIRD / "pyodide_runtime.py"]
    sources.append(THUNDERBIRD / "package-lock.json")
    return max(p.stat().st_mtime for p in sources if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def staging() -> ModuleType:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node 20 and npm are needed for the Pyodide tests (apt-get install nodejs npm)")
    return _load_staging()


@pytest.fixture(scope="module")
def runtime(staging: ModuleType) -> Path:
    """The staged runtime directory, staged again when the core changed since."""
    target: Path = staging.RUNTIME_DIR
    manifest = target / "runtime.json"
    if not manifest.is_file() or manifest.stat().st_mtime < _newest_source():
        staging.stage_runtime(target)
    return target


def _suite_requirements() -> list[str]:
    import configparser

    from packaging.requirements import Requirement

    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini", encoding="utf-8")
    lines = [line.strip() for line in tox.get("testenv", "deps", fallback="").splitlines()]
    wanted = {Requirement(line).name: line for line in (*TEST_REQUIREMENTS, *lines) if line}
    return sorted(PURE_PINS.get(name, line) for name, line in wanted.items() if name not in HOST_ONLY_REQUIREMENTS)


@pytest.fixture(scope="module")
def test_wheels(staging: ModuleType) -> list[Path]:
    """The suite's test dependencies as pure-Python wheels for Pyodide (test only; cached in build/)."""
    target = THUNDERBIRD / "build" / "pyodide-test-wheels"
    stamp = target / "requirements.txt"
    requirements = _suite_requirements()
    wanted = "\n".join(requirements)
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != wanted:
        shutil.rmtree(target, ignore_errors=True)
        staging.download_pure_wheels(requirements, target)
        stamp.write_text(wanted, encoding="utf-8")
    return sorted(target.glob("*.whl"))


@pytest.fixture(scope="module")
def run_job(runtime: Path, tmp_path_factory: pytest.TempPathFactory) -> Job:
    """Run ``tests/e2e/pyodide/run.mjs`` on one job; returns its report with Node's stdout/stderr."""
    workdir = tmp_path_factory.mktemp("pyodide-jobs")

    def run(name: str, timeout: float = 300, **job: Any) -> dict[str, Any]:
        out = workdir / f"{name}.out.json"
        spec = workdir / f"{name}.json"
        spec.write_text(json.dumps({"runtime": str(runtime), "out": str(out), **job}), encoding="utf-8")
        process = subprocess.run(
            ["node", str(RUNNER), str(spec)], capture_output=True, text=True, timeout=timeout, check=False
        )
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        report.update(returncode=process.returncode, stdout=process.stdout, stderr=process.stderr)
        return report

    return run


def _summary(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_staged_runtime_holds_only_pure_wheels_and_whole_noble(runtime: Path, staging: ModuleType) -> None:
    import hashlib
    import re

    manifest = json.loads((runtime / "runtime.json").read_text(encoding="utf-8"))
    names = {wheel["name"] for wheel in manifest["wheels"]}
    assert {"medseal", "pypdf", "python-stdnum", "email-validator"} <= names
    assert "cryptography" not in names  # Emscripten markers: the noble backend replaces it
    for wheel in manifest["wheels"]:
        data = (runtime / "wheels" / wheel["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == wheel["sha256"]
        assert wheel["file"].endswith(("-py3-none-any.whl", "-py2.py3-none-any.whl")), wheel["file"]
    assert sorted(p.name for p in (runtime / "wheels").iterdir()) == sorted(w["file"] for w in manifest["wheels"])
    for name in (*staging.PYODIDE_FILES, "pyodide-lock.json"):
        assert (runtime / "pyodide" / name).is_file(), name
    lock = json.loads((runtime / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"] == {} and lock["info"]["python"].startswith("3.14")
    for script in [runtime / "medseal-core.js", runtime / "medseal-noble.js", *runtime.joinpath("noble").rglob("*.js")]:
        source = script.read_text(encoding="utf-8")
        for spec in re.findall(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}/[^"']+)["']""", source, re.M):
            assert (script.parent / spec).resolve().is_file(), f"{script.name} imports a missing {spec}"


def test_core_suite_passes_inside_pyodide(
    run_job: Job, test_wheels: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    copies = [
        TESTS_COPY,
        {"from": str(PLUGIN.parent), "to": "/host"},
    ]
    if (REPO / "examples").is_dir():
        copies.append({"from": str(REPO / "examples"), "to": "/repo/examples"})
    script = (
        "import shutil, sys, pytest\n"
        "shutil.copy('/host/pyodide_plugin.py', '/repo/pyodide_plugin.py')\n"
        "EXIT = int(pytest.main(['tests', '--ignore=tests/e2e', '-p', 'no:cacheprovider',"
        " '-p', 'pyodide_plugin', '-x', '-q', '-rs']))\n"
    )
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    report = run_job(
        "suite",
        timeout=SUITE_TIMEOUT,
        wheels=[str(w) for w in test_wheels],
        copy=copies,
        cwd="/repo",
        env={"HYPOTHESIS_PROFILE": "ci"},
        service=False,
        script=f"open('/repo/pyproject.toml', 'w').write({pyproject!r})\n" + script,
    )
    summary = _summary(report["stdout"])
    with capsys.disabled():
        print(f"\n[pyodide] core suite: {summary}")
    assert report["returncode"] == 0, report["stdout"][-6000:] + report["stderr"][-3000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary


# -- one Pyodide run for the vectors, the envelopes and the measurements ------------------------------------

FICTITIOUS_NISS = "85073003328"  # fictitious; valid checksum, so the core must find it
SEED = b"medseal pyodide e2e"
VECTORS = """
from medseal.crypto.backend import default_backend
from tests.crypto.vectors import check_backend, check_recipes, load_vectors

backend = default_backend()
vectors = load_vectors()
RESULT = {"backend": backend.name, "primitives": check_backend(backend, vectors),
          "recipes": check_recipes(backend, vectors)}

# the same vectors with noble's AES, the path a runtime without the medseal_wasm wheel takes
import importlib
from medseal.crypto._pyodide import PyodideBackend
fallback = PyodideBackend(importlib.import_module("medseal_noble"), None)
RESULT["fallback"] = {"backend": fallback.name, "primitives": check_backend(fallback, vectors),
                      "recipes": check_recipes(fallback, vectors)}
# longer than the wasm module's 1 MiB buffer: the chunks must chain exactly as one CBC run
big, key, iv = bytes(range(256)) * (3 * 4096 + 3), bytes(range(32)), bytes(range(16))
sealed = backend.aes_cbc_encrypt(key, iv, big)
RESULT["chunked"] = {
    "cbc": sealed == fallback.aes_cbc_encrypt(key, iv, big) and backend.aes_cbc_decrypt(key, iv, sealed) == big,
    "ecb": backend.aes_ecb_encrypt(key, big) == fallback.aes_ecb_encrypt(key, big),
}
"""
PROBE = """
import json, time
from medseal import service
from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend

snapshot, settings, seed = json.loads(PROBE_INPUT)
started = time.perf_counter()
protected = service.protect(snapshot, settings)
RESULT = {"protected": protected, "protectMs": (time.perf_counter() - started) * 1000}
with use_backend(DeterministicBackend(default_backend(), bytes.fromhex(seed))):
    RESULT["deterministic"] = service.protect(snapshot, settings)
"""


def _typical_snapshot() -> dict[str, Any]:
    """5 KB of body and two 200 KB PDFs, a fictitious national number in the subject and the body."""
    from fixtures.documents import make_typical_pdf

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    body = ("Bonjour,\nVoici les résultats de laboratoire de votre patiente. " * 80)[:5000]
    pdfs = [make_typical_pdf(f"Protocole {n} - NISS {FICTITIOUS_NISS}", target_bytes=200_000) for n in (1, 2)]
    return {
        "version": 1,
        "subject": f"Résultats {FICTITIOUS_NISS}",
        "from": "dr.peeters@cabinet.example",
        "to": ["labo@confrere.example"],
        "cc": [],
        "bcc": [],
        "body": {"text": f"{body}\nNISS {FICTITIOUS_NISS}\n", "html": None},
        "attachments": [
            {
                "id": f"a{n}",
                "name": f"protocole-{n}.pdf",
                "contentType": "application/pdf",
                "dataBase64": b64(pdf),
            }
            for n, pdf in enumerate(pdfs, start=1)
        ],
        "language": "fr",
    }


SETTINGS = {
    "practiceKey": base64.b64encode(bytes(range(32))).decode("ascii"),
    "directoryCsv": "",
    "policyToml": "",
    "language": "fr",
    "fixRecipients": False,
    "nativeEncryptionRecipients": [],
}


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Any]:
    return _typical_snapshot()


@pytest.fixture(scope="module")
def probe(run_job: Job, snapshot: dict[str, Any]) -> dict[str, Any]:
    """One Pyodide start: two protect calls (random and deterministic) and timed analyse calls."""
    probe_input = json.dumps([snapshot, SETTINGS, SEED.hex()])
    report = run_job(
        "probe",
        copy=[TESTS_COPY],
        cwd="/repo",
        script=f"PROBE_INPUT = {probe_input!r}\n{PROBE}",
        analyse={"snapshot": snapshot, "settings": SETTINGS, "repeat": 3},
    )
    assert report["returncode"] == 0, (report.get("error") or "") + report["stderr"][-3000:]
    return report


def test_pyodide_backend_gives_the_shared_vectors(run_job: Job) -> None:
    copy = [TESTS_COPY]
    report = run_job("vectors", copy=copy, cwd="/repo", service=False, script=VECTORS)
    assert report["returncode"] == 0, (report.get("error") or "") + report["stderr"][-3000:]
    result = report["result"]
    assert result["backend"].startswith("hashlib + wasm AES + noble"), result["backend"]
    fallback = result["fallback"]
    assert fallback["backend"].startswith("hashlib + noble AES + noble"), fallback["backend"]
    assert result["chunked"] == {"cbc": True, "ecb": True}
    for checked in (result, fallback):
        assert checked["primitives"] >= 60
        assert checked["recipes"] >= 10


def test_pyodide_and_cpython_make_byte_identical_envelopes(probe: dict[str, Any], snapshot: dict[str, Any]) -> None:
    from medseal import service
    from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend

    assert "Pyodide" not in default_backend().name
    with use_backend(DeterministicBackend(default_backend(), SEED)):
        expected = service.protect(snapshot, SETTINGS)
    made_in_pyodide = probe["result"]["deterministic"]
    assert expected["action"] == "apply" and expected["encryption"] == "pdf-password"
    assert [a["name"] for a in made_in_pyodide["addAttachments"]] == [a["name"] for a in expected["addAttachments"]]
    for ours, theirs in zip(made_in_pyodide["addAttachments"], expected["addAttachments"], strict=True):
        assert ours["dataBase64"] == theirs["dataBase64"], f"{ours['name']} differs between the backends"
    assert made_in_pyodide == expected


def _as_sent(change_set: dict[str, Any], snapshot: dict[str, Any]) -> bytes:
    """The message a front sends after applying ``change_set`` to ``snapshot`` (as Thunderbird does)."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP)
    message["From"] = snapshot["from"]
    message["To"] = ", ".join(change_set["to"] or snapshot["to"])
    message["Subject"] = change_set["subject"] or snapshot["subject"]
    message.set_content((change_set["body"] or snapshot["body"])["text"])
    removed = set(change_set["removeAttachments"])
    kept = [a for a in snapshot["attachments"] if a["id"] not in removed]
    for attachment in [*kept, *change_set["addAttachments"]]:
        maintype, subtype = attachment["contentType"].split("/", 1)
        message.add_attachment(
            base64.b64decode(attachment["dataBase64"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["name"],
        )
    return message.as_bytes()


def test_envelope_made_in_pyodide_opens_with_medseal_open(
    probe: dict[str, Any], snapshot: dict[str, Any], tmp_path: Path
) -> None:
    change_set = probe["result"]["protected"]
    assert change_set["action"] == "apply", change_set["reasons"]
    assert change_set["encryption"] == "pdf-password"
    assert FICTITIOUS_NISS not in json.dumps({k: v for k, v in change_set.items() if k != "addAttachments"})
    assert FICTITIOUS_NISS not in (change_set["subject"] or "")
    password = change_set["password"]["value"]
    eml = tmp_path / "sent.eml"
    eml.write_bytes(_as_sent(change_set, snapshot))
    (tmp_path / "password").write_text(password, encoding="utf-8")
    opened = tmp_path / "opened"
    command = [sys.executable, "-m", "medseal_cli.main", "open", str(eml)]
    command += ["--password-file", str(tmp_path / "password"), "-o", str(opened)]
    process = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stderr
    assert (opened / "body.txt").read_text(encoding="utf-8") == snapshot["body"]["text"]
    for attachment in snapshot["attachments"]:
        original = base64.b64decode(attachment["dataBase64"])
        assert _pages((opened / attachment["name"]).read_bytes()) == _pages(original), attachment["name"]


def _pages(pdf: bytes) -> list[str]:
    """A re-encrypted PDF comes back as the same document, rewritten by pypdf: compare what it shows."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.is_encrypted
    return [page.extract_text() for page in reader.pages]


def test_cold_start_memory_and_analyse_time(probe: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    times, analyse_ms = probe["times"], probe["analyseMs"]
    change_set = probe["changeSet"]
    assert times.get("warmUpAction") == "apply", times.get("warmUpError")
    assert change_set["action"] == "apply"
    assert all(a["dataBase64"] is None for a in change_set["addAttachments"])  # analyse encrypts nothing
    assert any(f["kind"] == "niss" and f["where"] == "subject" for f in change_set["findings"])
    bench = {
        "coldStartMs": round(times["total"]),
        "pyodideMs": round(times["pyodide"]),
        "wheelsMs": round(times["wheels"]),
        "importMs": round(times["import"]),
        "warmUpMs": round(times["warm"]),
        "rssReadyMB": round(probe["rssMB"]["ready"]),
        "rssEndMB": round(probe["rssMB"]["end"]),
        "analyseMs": [round(ms) for ms in analyse_ms],
        "protectMs": round(probe["result"]["protectMs"]),
        "message": "5 KB body + two 200 KB PDFs",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pyodide-bench.json").write_text(json.dumps(bench, indent=2) + "\n", encoding="utf-8")
    with capsys.disabled():
        print(f"\n[pyodide] {json.dumps(bench)}")
    assert times["total"] < 60_000, "Pyodide took over a minute to start"
    assert min(analyse_ms) < 5_000, "analyse took over 5 s inside Pyodide"
