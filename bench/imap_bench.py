"""Messages per second of ``medseal scan imaps://…`` from Debian's Dovecot on loopback, with 1 and 2 jobs.

The held corpus (``corpus.CorpusGenerator``, seed ``corpus.SEED``) is APPENDed to a Dovecot started as in the
IMAP tests (own configuration in a temporary directory, TLS, 127.0.0.1). Then, each ``--repeat`` times:

- *fetch only*: the folder read through :class:`medseal_cli.imap_source.ImapFolder` in this process (TLS,
  batched ``UID FETCH BODY.PEEK[]``, no scan) — what the IMAP side alone costs;
- *scan, N jobs*: the whole ``medseal scan --json --directory D --jobs N imaps://…`` process, as a user runs it
  (start-up, imports, directory load, fetch, scan, JSON). CPU = user + system of the process and its workers.

Prints the medians and writes every number to ``bench/out/imap.json``. Run as root (Dovecot drops privileges
to its own users): ``python bench/imap_bench.py [--messages 320] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for extra in (REPO / "tests", REPO / "tests" / "e2e" / "imap"):
    sys.path.insert(0, str(extra))

import corpus  # noqa: E402
from dovecot import PASSWORD, USER, configure  # noqa: E402

from medseal.compose import to_bytes  # noqa: E402
from medseal_cli.imap_source import ImapFolder, parse_imap_url  # noqa: E402


def fetch_only(url: str, ca_file: str) -> tuple[float, int, int]:
    folder = ImapFolder(parse_imap_url(url), PASSWORD, ca_file)
    start = time.perf_counter()
    folder.connect()
    count = size = 0
    for message in folder.messages(folder.uids()):
        count += 1
        size += len(message.raw)
    folder.close()
    return time.perf_counter() - start, count, size


def scan_process(url: str, ca_file: str, password_file: Path, directory: Path, jobs: int) -> dict[str, float]:
    """Wall time, CPU (process + workers) and peak RSS (the largest of the process and its workers) of one scan."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "medseal_cli.main", "scan", "--json", "--directory", str(directory),
             "--password-file", str(password_file), "--ca-file", ca_file, "--jobs", str(jobs), url],
            stdout=out, stderr=err,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode not in (0, 1):
            raise SystemExit(f"scan failed ({process.returncode}): {err.read()[-2000:]!r}")
        count = len(json.loads(out.read())["messages"])
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "rate": count / wall, "count": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    generator = corpus.CorpusGenerator()
    samples = generator.samples(args.messages)
    raws = [to_bytes(sample.message) for sample in samples]
    root = Path(tempfile.mkdtemp(prefix="medseal-imap-bench-"))
    server = configure(root)
    directory = root / "patients.csv"
    directory.write_text(generator.directory_csv(), encoding="utf-8")
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n")
    password_file.chmod(0o600)
    server.start()
    try:
        client = server.client()
        for raw in raws:
            client.append("Sent", None, imaplib.Time2Internaldate(time.time()), raw)
        client.logout()
        url = f"imaps://{quote(USER, safe='')}@localhost:{server.imaps_port}/Sent"
        ca = str(server.pki.ca_cert)
        rows: dict[str, list[dict[str, float]]] = {"fetch only": [], "scan, 1 job": [], "scan, 2 jobs": []}
        for _ in range(args.repeat):
            wall, count, size = fetch_only(url, ca)
            assert count == len(raws)
            rows["fetch only"].append({"wall": wall, "rate": count / wall, "mb": size / 1e6, "count": count})
            for jobs in (1, 2):
                row = scan_process(url, ca, password_file, directory, jobs)
                assert row["count"] == len(raws)
                rows[f"scan, {jobs} job{'s' if jobs > 1 else ''}"].append(row)
    finally:
        server.stop()

    total = sum(map(len, raws))
    print(f"IMAP scan benchmark: {len(raws)} corpus messages ({total / 1e6:.1f} MB) from Dovecot on loopback (TLS), "
          f"median of {args.repeat}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'':14} {'msg/s':>8} {'wall s':>8} {'CPU s':>8} {'msg/CPU s':>10} {'peak RSS MB':>12}")
    for name, runs in rows.items():
        rate = statistics.median(r["rate"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r.get("cpu", float("nan")) for r in runs)
        rss = max(r.get("rss_mb", float("nan")) for r in runs)
        print(f"{name:14} {rate:8.1f} {wall:8.2f} {cpu:8.2f} {len(raws) / cpu:10.1f} {rss:12.1f}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "imap.json").write_text(json.dumps({"messages": len(raws), "bytes": total, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
