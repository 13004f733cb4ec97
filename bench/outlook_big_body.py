"""Does one big message stall everybody else? (a benchmark, not a test)

It starts ``python -m medseal_outlook`` (one worker, TLS, dev certificate) on a free loopback port, then sends
small calls (``GET /api/v1/catalogue/nl`` and a small ``POST /api/v1/analyse``, one at a time, from
``--clients`` concurrent clients) for ``--seconds`` seconds, first alone (baseline) and then while another
client sends ``POST /api/v1/protect`` with a ``--megabytes`` MB message (a base64 attachment), one after the
other for the whole window — from a separate process, so that the client side's own TLS and JSON work on
the big message does not stall the small clients' event loop. It reports the small calls' p50/p99/max
latency in both phases, the p99 increase (the issue's target: under 100 ms for 30 MB) and the longest gap
between two small answers.

    python bench/outlook_big_body.py [--megabytes 30] [--seconds 20] [--clients 4] [--core-processes 1]
                                     [--json bench/out/big.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import itertools
import json
import multiprocessing
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("medseal_outlook") is None:
    sys.path.insert(0, str(REPO / "plugins" / "outlook-addin" / "server"))
sys.path.insert(0, str(REPO / "bench"))

from outlook_load import start  # noqa: E402

from medseal_outlook.provision import init_server_dir  # noqa: E402

NISS = "85073003328"  # fictitious person, valid check digits


def small_snapshot() -> dict[str, Any]:
    return {"version": 1, "subject": f"Résultats {NISS}", "from": "dr@cabinet.example.be",
            "to": ["patient@example.org"], "cc": [], "bcc": [],
            "body": {"text": "Bonjour, voici vos résultats.", "html": None}, "attachments": [], "language": "fr"}


def big_body(megabytes: int) -> bytes:
    data = base64.b64encode(os.urandom(megabytes * 1_000_000 * 3 // 4)).decode("ascii")
    document = small_snapshot()
    document["attachments"] = [{"id": "big", "name": "imagerie.bin", "contentType": "application/octet-stream",
                                "dataBase64": data}]
    return json.dumps(document).encode()


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


def send_big(url: str, folder: str, megabytes: int, seconds: float, out: Any) -> None:
    """The big sender, in its own process: protect calls with the big message until ``seconds`` pass."""
    body = big_body(megabytes)
    tls = ssl.create_default_context(cafile=str(Path(folder) / "cert.pem"))
    headers = {"Authorization": f"Bearer {(Path(folder) / 'token').read_text().strip()}",
               "content-type": "application/json"}
    times = []
    stop = time.monotonic() + seconds
    with httpx.Client(base_url=url, verify=tls, headers=headers, timeout=120) as client:
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = client.post("/api/v1/protect", content=body)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    out.put(times)


async def phase(url: str, folder: Path, seconds: float, clients: int, big: int | None) -> dict[str, Any]:
    tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    headers = {"Authorization": f"Bearer {(folder / 'token').read_text().strip()}"}
    small = json.dumps(small_snapshot()).encode()
    latencies: list[float] = []
    answered: list[float] = []
    big_times: list[float] = []
    sender = None
    if big:
        queue: Any = multiprocessing.get_context("spawn").Queue()
        sender = multiprocessing.get_context("spawn").Process(
            target=send_big, args=(url, str(folder), big, seconds, queue)
        )
        sender.start()
        await asyncio.sleep(1.0)  # the sender builds its message first
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, verify=tls, headers=headers, timeout=120,
                                 limits=httpx.Limits(keepalive_expiry=2)) as client:

        async def small_client(index: int) -> None:
            while time.monotonic() < stop:
                started = time.perf_counter()
                if index % 2:
                    response = await client.get("/api/v1/catalogue/nl")
                else:
                    response = await client.post("/api/v1/analyse", content=small,
                                                 headers={"content-type": "application/json"})
                latencies.append(time.perf_counter() - started)
                answered.append(time.monotonic())
                assert response.status_code == 200, response.status_code

        await asyncio.gather(*(small_client(i) for i in range(clients)))
    if sender is not None:
        big_times = queue.get(timeout=300)
        sender.join(timeout=60)
    answered.sort()
    gaps = [b - a for a, b in itertools.pairwise(answered)]
    result = {**summary(latencies), "longest_gap_ms": round(1000 * max(gaps), 1)}
    if big_times:
        result["big_calls"] = len(big_times)
        result["big_median_s"] = round(statistics.median(big_times), 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--core-processes", type=int, default=1, help="server.toml core_processes (0: threads)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        init_server_dir(folder)
        config = folder / "server.toml"
        config.write_text(config.read_text().replace("core_processes = 1", f"core_processes = {args.core_processes}"))
        process, url = start(folder, workers=1)
        try:
            asyncio.run(phase(url, folder, 2, args.clients, None))  # warm-up
            alone = asyncio.run(phase(url, folder, args.seconds, args.clients, None))
            loaded = asyncio.run(phase(url, folder, args.seconds, args.clients, args.megabytes))
        finally:
            process.terminate()
            process.wait(timeout=15)
    results = {"megabytes": args.megabytes, "clients": args.clients, "core_processes": args.core_processes,
               "alone": alone, "with_big": loaded,
               "p99_increase_ms": round(loaded["p99_ms"] - alone["p99_ms"], 1), "load": os.getloadavg()}
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
