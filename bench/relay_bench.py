"""Benchmark of ``medseal relay`` (not a test): messages per second and the latency it adds on loopback.

It starts an aiosmtpd sink (the "provider"), then ``medseal relay`` in a subprocess relaying to it (STARTTLS +
AUTH for the clients; the corpus's 1,500-patient directory), and sends with smtplib clients:

* the typical message (bench/corpus.py: a 5 KB body about a patient and two 200 KB report PDFs), which the
  relay protects (pseudonymised subject, AES-256 PDF envelope);
* a clean 5 KB message, which the relay checks and relays unchanged;

with 1 and 20 concurrent clients (each one SMTP session, STARTTLS + AUTH once, then its messages). Accepted/s
counts the 250 replies (the message is spooled with fsync); delivered/s counts arrivals at the sink. Latency:
from the start of DATA to the arrival at the sink, through the relay and directly to the sink (plain SMTP),
median of ``--latency`` single messages; the difference is what the relay adds.

    python bench/relay_bench.py [--messages 40] [--latency 10] [--json bench/out/relay.json]
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import ssl
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "e2e" / "relay"))

from corpus import CorpusGenerator  # noqa: E402
from relay_harness import RelayProcess, Sink, init_relay  # noqa: E402

from medseal.compose import to_bytes  # noqa: E402
from medseal.model import Message  # noqa: E402


def _clean_message(generator: CorpusGenerator) -> bytes:
    body = generator.body("fr", None, 5000, html_mode=False).text()
    return to_bytes(Message(subject="Réunion de service jeudi", text_body=body, sender="dr.lebrun@cabinet-medical.be",
                            to=("secretariat@cabinet-medical.be",)))


def _session(port: int, cert: Path, password: str) -> smtplib.SMTP:
    session = smtplib.SMTP("127.0.0.1", port, timeout=120)
    session.starttls(context=ssl.create_default_context(cafile=str(cert)))
    session.login("practice", password)
    return session


def throughput(relay: RelayProcess, sink: Sink, raw: bytes, rcpt: str, clients: int, total: int) -> dict[str, float]:
    sink.messages.clear()
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]

    def work(count: int) -> None:
        session = _session(relay.port, relay.relay.cert, relay.relay.password)
        try:
            for _ in range(count):
                session.sendmail("dr.lebrun@cabinet-medical.be", [rcpt], raw)
        finally:
            session.quit()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, per_client))
    accepted = time.perf_counter() - started
    sink.wait(total, timeout=600)
    delivered = time.perf_counter() - started
    return {"clients": clients, "messages": total, "accepted_per_s": total / accepted,
            "delivered_per_s": total / delivered}


def latency(session: smtplib.SMTP, raw: bytes, rcpt: str, sink: Sink, count: int) -> float:
    samples = []
    for _ in range(count):
        before = len(sink.messages)
        started = time.perf_counter()
        session.sendmail("dr.lebrun@cabinet-medical.be", [rcpt], raw)
        sink.wait(before + 1, timeout=120)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40, help="messages per throughput run")
    parser.add_argument("--latency", type=int, default=10, help="single messages per latency median")
    parser.add_argument("--json", default=str(REPO / "bench" / "out" / "relay.json"))
    args = parser.parse_args()

    generator = CorpusGenerator()
    typical, _ = generator.typical_message()
    typical_rcpt = generator.patients[0].email
    clean = _clean_message(generator)
    sink = Sink().start()
    folder = Path(tempfile.mkdtemp(prefix="medseal-relay-bench-"))
    (folder / "patients.csv").write_text(generator.directory_csv(), encoding="utf-8")
    relay_dir = init_relay(folder / "relay", sink.port, connections_per_minute=100_000, max_connections=100,
                           directory=str(folder / "patients.csv"), policy="", max_message_mb=25,
                           retry_first_seconds=1)
    relay = RelayProcess(relay_dir).start()
    results: dict[str, object] = {"load_average": os.getloadavg(), "cpus": os.cpu_count(),
                                  "typical_bytes": len(typical), "clean_bytes": len(clean)}
    try:
        rows = []
        for name, raw, rcpt in (("typical", typical, typical_rcpt), ("clean", clean, "secretariat@cabinet-medical.be")):
            throughput(relay, sink, raw, rcpt, 1, 2)  # warm-up
            for clients in (1, 20):
                row = throughput(relay, sink, raw, rcpt, clients, max(args.messages, clients))
                rows.append({"message": name, **row})
                print(f"{name:8} clients={clients:2}  accepted {row['accepted_per_s']:6.2f} msg/s   "
                      f"delivered {row['delivered_per_s']:6.2f} msg/s", flush=True)
        results["throughput"] = rows
        lat = {}
        for name, raw, rcpt in (("typical", typical, typical_rcpt), ("clean", clean, "secretariat@cabinet-medical.be")):
            session = _session(relay.port, relay_dir.cert, relay_dir.password)
            direct = smtplib.SMTP("127.0.0.1", sink.port, timeout=120)
            try:
                through = latency(session, raw, rcpt, sink, args.latency)
                plain = latency(direct, raw, rcpt, sink, args.latency)
            finally:
                session.quit()
                direct.quit()
            lat[name] = {"through_relay_ms": through, "direct_ms": plain, "added_ms": through - plain}
            print(f"{name:8} latency: through the relay {through:7.1f} ms, direct {plain:6.1f} ms, "
                  f"added {through - plain:7.1f} ms (median of {args.latency})", flush=True)
        results["latency"] = lat
    finally:
        relay.stop()
        sink.stop()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
