"""Load benchmark of the Outlook server (not a test): bursts of 50 concurrent realistic snapshots on loopback.

For 1 and 2 workers, it starts ``python -m medseal_outlook`` (TLS, dev certificate) on a free loopback port,
sends ``--bursts`` bursts of ``--concurrency`` simultaneous ``POST /api/v1/analyse`` (the on-send check) and
reports p50/p99 latency and throughput; then the same for ``/api/v1/protect`` (the task pane's Apply).

A typical message: a subject with a (fictitious) national number, a short HTML body and a two-page lab
report PDF of about 100 kB. Target on a 2-core machine: analyse p99 under 300 ms.

    python bench/outlook_load.py [--concurrency 50] [--bursts 8] [--workers 1 2] [--json bench/out/outlook.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
if importlib.util.find_spec("medseal_outlook") is None:
    sys.path.insert(0, str(REPO / "plugins" / "outlook-addin" / "server"))

from fixtures.documents import make_typical_pdf  # noqa: E402

from medseal_outlook.provision import init_server_dir  # noqa: E402

NISS = "85073003328"  # fictitious person, valid check digits
DIRECTORY = f"last_name,first_name,niss,birth_date,email\nLambert,Sophie,{NISS},1985-07-30,sophie.lambert@example.org\n"
REPORT = (
    "Laboratoire de biologie clinique - rapport de résultats\n"
    "Glycémie à jeun 5,4 mmol/l (3,9 - 5,5). Cholestérol total 4,9 mmol/l. HbA1c 5,6 %.\n"
    "Créatinine 78 µmol/l, eGFR > 90 ml/min/1,73 m². TSH 1,8 mUI/l. Hémoglobine 13,6 g/dl.\n"
)


def typical_snapshot() -> dict[str, Any]:
    pdf = make_typical_pdf(REPORT, target_bytes=100_000, pages=2)
    return {
        "version": 1,
        "subject": f"Résultats de laboratoire {NISS}",
        "from": "dr.peeters@cabinet.example.be",
        "to": ["sophie.lambert@example.org"],
        "cc": [],
        "bcc": [],
        "body": {
            "text": "Bonjour Madame,\n\nVeuillez trouver ci-joint vos résultats.\n\nBien à vous,\nDr Peeters",
            "html": "<p>Bonjour Madame,</p><p>Veuillez trouver ci-joint vos résultats.</p>"
            "<p>Bien à vous,<br>Dr Peeters</p>" * 4,
        },
        "attachments": [{"id": "att-1", "name": "resultats.pdf", "contentType": "application/pdf",
                         "dataBase64": base64.b64encode(pdf).decode("ascii")}],
        "language": "fr",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(folder: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ)
    spec = importlib.util.find_spec("medseal_outlook")
    if spec and spec.origin:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(spec.origin).parents[1]), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "medseal_outlook", "--config", str(folder / "server.toml"),
         "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"https://localhost:{port}"
    tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", verify=tls, timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


def use_directory(folder: Path, directory_csv: str) -> None:
    """Give the server set up in ``folder`` the practice directory ``directory_csv``."""
    (folder / "patients.csv").write_text(directory_csv, encoding="utf-8")
    config = folder / "server.toml"
    config.write_text(config.read_text().replace('directory = ""', 'directory = "patients.csv"'))


@contextlib.contextmanager
def running(folder: Path, workers: int) -> Iterator[str]:
    """The server set up in ``folder``, started with ``workers`` workers (its URL), stopped on exit."""
    process, url = start(folder, workers)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def burst_load(url: str, folder: Path, path: str, body: bytes, concurrency: int, bursts: int) -> dict[str, Any]:
    tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    headers = {"Authorization": f"Bearer {(folder / 'token').read_text().strip()}", "Content-Type": "application/json"}
    # idle connections closed by the client before the server's keep-alive timeout (5 s) can race them
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, verify=tls, headers=headers, limits=limits, timeout=60) as client:

        async def one() -> None:
            nonlocal errors
            started = time.perf_counter()
            response = await client.post(path, content=body)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

        await asyncio.gather(*(one() for _ in range(concurrency)))  # warm-up: connections, caches
        latencies.clear()
        started = time.perf_counter()
        for _ in range(bursts):
            await asyncio.gather(*(one() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "max_ms": round(1000 * ordered[-1], 1),
        "throughput_rps": round(len(ordered) / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--bursts", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    document = typical_snapshot()
    body = json.dumps(document).encode("utf-8")
    results = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        init_server_dir(folder)
        use_directory(folder, DIRECTORY)
        for workers in args.workers:
            with running(folder, workers) as url:
                for path, bursts in (("/api/v1/analyse", args.bursts), ("/api/v1/protect", max(1, args.bursts // 4))):
                    stats = asyncio.run(burst_load(url, folder, path, body, args.concurrency, bursts))
                    results.append({"workers": workers, "operation": path.rsplit("/", 1)[1], **stats})
                    print(json.dumps(results[-1]), file=sys.stderr)
    print(f"\nsnapshot: {len(body) / 1000:.0f} kB of JSON, {args.concurrency} concurrent, on {os.cpu_count()} cores\n")
    print(f"{'workers':>7} {'operation':>9} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    for r in results:
        print(f"{r['workers']:>7} {r['operation']:>9} {r['requests']:>8} {r['errors']:>6} "
              f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['throughput_rps']:>7}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
