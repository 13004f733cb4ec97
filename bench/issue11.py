"""Issue 11's table, "where a user waits": every row measured now, printed beside its target.

``bench/run.py`` calls :func:`measure` at the end of its run (with its Presidio engine and its memory results)
and prints :func:`table`; alone, ``python bench/issue11.py [--quick]`` measures the rows that need neither.
Rows:

- **Outlook server ``analyse``** of a short message, with a practice directory of 5,000 patients vs none: two real
  servers (``python -m medseal_outlook``, 1 worker, TLS on loopback, as ``bench/outlook_load.py`` starts them),
  requests one at a time, alternating, median latency. Target: ≤ 1.5× the no-directory time.
- **Thunderbird** rows: read from the Thunderbird e2e harness's ``test-artifacts/thunderbird/timings.json`` and
  ``bench/out/thunderbird_jit.json`` (``bench/thunderbird_jit.py``); without them: "run tox -e thunderbird first".
- **whole ``medseal scan --json --directory D`` process** over the corpus's messages (CPU time of the process,
  start-up included) vs Presidio + spaCy fr + the checksum recognizer on the same messages (extraction by
  medseal's parser and extractors, then ``analyze`` on every text; engine load excluded). Target ≥ 10×.
- **50 concurrent ``analyse``** of a ≈ 128 kB snapshot (``outlook_load.typical_snapshot``), 1 worker: p99 < 300 ms.
- **peak memory** of ``scan`` / ``protect`` of the 25 MB message (from ``run.py``) < 100 MB; **mailbox scan**:
  peak RSS of one ``scan`` over an mbox and a Maildir of 100 vs 300 messages (``bench/mailbox_memory.py``): flat.
- **``medseal --help``** whole process (``bench/cli_startup.py``) < 100 ms, beside ``python -c pass``.

Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import cli_startup  # noqa: E402
import corpus  # noqa: E402
import mailbox_memory  # noqa: E402

TB_TIMINGS = REPO / "test-artifacts" / "thunderbird" / "timings.json"
TB_JIT = HERE / "out" / "thunderbird_jit.json"
TB_MISSING = "run tox -e thunderbird first"
SHORT_SNAPSHOT = {
    "version": 1,
    "subject": "Suivi de votre traitement",
    "from": "dr.peeters@cabinet.example.be",
    "to": ["collegue@example.org"],
    "cc": [],
    "bcc": [],
    "body": {"text": "Bonjour,\n\nComme convenu, le controle est prevu mardi.\n\nBien a vous,\nDr Peeters"},
    "attachments": [],
    "language": "fr",
}


def practice_directory(size: int = 5000) -> str:
    """A directory of ``size`` fictitious patients: the corpus's 1,500, then people drawn from the same name
    lists (the lists hold about 3,200 first and last name pairs, so a big practice has homonyms, as real ones
    do), each with their own national number and address."""
    generator = corpus.CorpusGenerator()
    lines = generator.directory_csv().splitlines()
    rng = generator.rng
    while len(lines) - 1 < size:
        language = rng.choice(corpus.LANGUAGES)
        first, last = rng.choice(corpus.FIRST_NAMES[language]), rng.choice(corpus.SURNAMES[language])
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 34_000))
        niss = generator._niss(birth, False)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        lines.append(f"{last},{first},{niss},{birth.isoformat()},{local}{len(lines)}@example.org")
    return "\n".join(lines) + "\n"


# --- the Outlook server -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def outlook_server(directory_csv: str | None) -> Iterator[tuple[str, Path]]:
    """A real ``medseal_outlook`` server (1 worker) on loopback, with ``directory_csv`` as its directory."""
    import outlook_load

    with tempfile.TemporaryDirectory(prefix="medseal-outlook-bench-") as temp:
        folder = Path(temp)
        outlook_load.init_server_dir(folder)
        if directory_csv is not None:
            outlook_load.use_directory(folder, directory_csv)
        with outlook_load.running(folder, 1) as url:
            yield url, folder


def _client(url: str, folder: Path) -> Any:
    import ssl

    import httpx

    tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    token = (folder / "token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return httpx.Client(base_url=url, verify=tls, headers=headers, timeout=60)


def outlook_directory(requests: int) -> dict[str, Any]:
    """Median latency of one short ``analyse``, 5,000-patient directory vs none, alternating requests."""
    body = json.dumps(SHORT_SNAPSHOT).encode("utf-8")
    big = practice_directory(5000)
    with outlook_server(None) as (bare_url, bare_dir), outlook_server(big) as (big_url, big_dir):
        clients = {"none": _client(bare_url, bare_dir), "5000": _client(big_url, big_dir)}
        samples: dict[str, list[float]] = {name: [] for name in clients}
        try:
            for client in clients.values():  # warm-up: connection, directory index, caches
                for _ in range(3):
                    client.post("/api/v1/analyse", content=body).raise_for_status()
            for _ in range(requests):
                for name, client in clients.items():
                    started = time.perf_counter()
                    client.post("/api/v1/analyse", content=body).raise_for_status()
                    samples[name].append(time.perf_counter() - started)
        finally:
            for client in clients.values():
                client.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {"requests": requests, "median_s": medians, "ratio": medians["5000"] / medians["none"]}


def outlook_concurrent(bursts: int, concurrency: int = 50) -> dict[str, Any]:
    """p99 of ``concurrency`` simultaneous ``analyse`` of the ≈ 128 kB snapshot, 1 worker."""
    import outlook_load

    body = json.dumps(outlook_load.typical_snapshot()).encode("utf-8")
    with outlook_server(outlook_load.DIRECTORY) as (url, folder):
        stats = asyncio.run(outlook_load.burst_load(url, folder, "/api/v1/analyse", body, concurrency, bursts))
    return {"snapshot_bytes": len(body), "concurrency": concurrency, "bursts": bursts, **stats}


# --- the whole scan process vs Presidio -------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scan_process_vs_presidio(engine: Any, count: int, repeat: int) -> dict[str, Any]:
    """CPU seconds of ``medseal scan --json --directory D FOLDER`` (whole process) and of Presidio (extraction +
    analysis of the same messages, engine already loaded), medians of ``repeat``."""
    from medseal.extract import Limits, extract_text
    from medseal.parse import parse_message

    generator = corpus.CorpusGenerator()
    raws = mailbox_memory.messages(count)
    medseal_cpu: list[float] = []
    presidio_cpu: list[float] = []
    with tempfile.TemporaryDirectory(prefix="medseal-scan-bench-") as temp:
        folder = Path(temp)
        directory = folder / "patients.csv"
        directory.write_text(generator.directory_csv(), encoding="utf-8")
        (folder / "mail").mkdir()
        for index, raw in enumerate(raws):
            (folder / "mail" / f"{index:04d}.eml").write_bytes(raw)
        command = [*mailbox_memory.medseal(), "scan", "--json", "--directory", str(directory), str(folder / "mail")]
        for _ in range(repeat):
            before = _children_cpu()
            done = subprocess.run(command, capture_output=True, check=False)
            if done.returncode not in (0, 1):
                raise SystemExit(f"medseal scan failed ({done.returncode}): {done.stderr.decode()[-400:]}")
            medseal_cpu.append(_children_cpu() - before)
            started = time.process_time()
            for path in sorted((folder / "mail").iterdir()):
                message = parse_message(path.read_bytes())
                texts = [message.subject, message.text_body or "", message.html_body or ""]
                texts += [a.filename for a in message.attachments]
                texts += [extract_text(a, Limits()) for a in message.attachments]
                for text in texts:
                    if text:
                        engine.find(text)
            presidio_cpu.append(time.process_time() - started)
    ours, theirs = statistics.median(medseal_cpu), statistics.median(presidio_cpu)
    return {"messages": count, "repeat": repeat, "medseal_cpu_s": ours, "presidio_cpu_s": theirs,
            "ratio": theirs / ours}


# --- Thunderbird (from the e2e harness) -------------------------------------------------------------------------


def thunderbird() -> dict[str, Any]:
    out: dict[str, Any] = {}
    if TB_TIMINGS.is_file():
        out["timings"] = json.loads(TB_TIMINGS.read_text(encoding="utf-8"))
    if TB_JIT.is_file():
        out["jit"] = json.loads(TB_JIT.read_text(encoding="utf-8")).get("medians", {})
    return out


# --- the run ----------------------------------------------------------------------------------------------------


def _log(text: str) -> None:
    print(f"[issue 11] {text}", file=sys.stderr, flush=True)


def _step(results: dict[str, Any], name: str, action: Any) -> None:
    """One row's measurement; a failure is recorded and printed in the table, the others still run."""
    _log(name)
    try:
        results[name] = action()
    except (Exception, SystemExit) as exc:  # a bench reports what it could not measure, it does not stop
        results[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}


def measure(quick: bool, engine: Any = None, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every row that is not in ``run`` (``bench/run.py``'s results, for the 25 MB memory rows)."""
    results: dict[str, Any] = {"quick": quick}
    _step(results, "cli_startup", lambda: cli_startup.measure(10 if quick else 20))
    _step(results, "outlook_directory", lambda: outlook_directory(10 if quick else 40))
    _step(results, "outlook_concurrent", lambda: outlook_concurrent(2 if quick else 8))
    if engine is not None:
        count = 80 if quick else 320
        _step(results, "scan_process", lambda: scan_process_vs_presidio(engine, count, 1 if quick else 3))
    _step(results, "mailbox", lambda: mailbox_memory.measure([100, 300]))
    results["thunderbird"] = thunderbird()
    if run is not None:
        results["memory_25mb"] = {kind: run[f"{kind}_large"]["rss_delta_max"] for kind in ("scan", "protect")}
        results["memory_25mb_default_malloc"] = {
            kind: run[f"{kind}_large"]["rss_delta_default_malloc"] for kind in ("scan", "protect")
        }
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []

    def failed(name: str) -> str | None:
        entry = r.get(name)
        if entry is None:
            return "not measured in this run"
        return f"not measured: {entry['error']}" if "error" in entry else None

    od = r.get("outlook_directory")
    why = failed("outlook_directory")
    rows.append((
        "Outlook server analyse, short message, 5,000-patient directory vs none",
        why or f"{_ms(od['median_s']['5000'])} vs {_ms(od['median_s']['none'])} ({od['ratio']:.1f}x)",
        "<= 1.5x the no-directory time",
        "" if why else ("yes" if od["ratio"] <= 1.5 else "no"),
    ))
    tb = r.get("thunderbird", {})
    timings = tb.get("timings", {})
    analyse = timings.get("analyse_directory_5000_ms")
    rows.append((
        "Thunderbird (Pyodide) analyse with 5,000 patients",
        f"{analyse} ms" if analyse is not None else (TB_MISSING if not timings else "not in the harness's timings"),
        "<= 50 ms", "" if analyse is None else ("yes" if analyse <= 50 else "no"),
    ))
    jit = tb.get("jit", {})
    if jit:
        values = list(jit.values())
        text = " vs ".join(f"{v['core_protect_ms']:.0f} ms core / {v['on_send_ms']:.0f} ms on-send ({k})"
                           for k, v in jit.items())
        worst = max(v["core_protect_ms"] for v in values)
        rows.append(("Thunderbird core protect, typical message, JIT off vs on", text, "< 1 s on every build",
                     "yes" if worst < 1000 else "no"))
    elif timings:
        setting = "baseline JIT on" if timings.get("baseline_jit") else "Debian as shipped, JIT off"
        core = timings["core_protect_ms"]
        rows.append(("Thunderbird core protect, typical message",
                     f"{core} ms core, {timings['on_send_ms']} ms on-send ({setting}; the other setting: "
                     "python bench/thunderbird_jit.py)", "< 1 s on every build", "yes" if core < 1000 else "no"))
    else:
        rows.append(("Thunderbird core protect, typical message, JIT off vs on", TB_MISSING, "< 1 s", ""))
    sp = r.get("scan_process")
    why = failed("scan_process")
    rows.append((
        f"whole scan process vs Presidio + spaCy fr ({sp['messages'] if sp and not why else '?'} messages, CPU)",
        why or f"{sp['medseal_cpu_s']:.2f} s vs {sp['presidio_cpu_s']:.2f} s ({sp['ratio']:.1f}x faster)",
        ">= 10x faster", "" if why else ("yes" if sp["ratio"] >= 10 else "no"),
    ))
    oc = r.get("outlook_concurrent")
    why = failed("outlook_concurrent")
    rows.append((
        f"Outlook server, 50 concurrent analyse of a {oc['snapshot_bytes'] / 1000:.0f} kB snapshot, 1 worker"
        if oc and not why else "Outlook server, 50 concurrent analyse, 128 kB snapshot, 1 worker",
        why or f"p99 {oc['p99_ms']:.0f} ms (p50 {oc['p50_ms']:.0f} ms, {oc['errors']} errors)",
        "p99 < 300 ms", "" if why else ("yes" if oc["p99_ms"] < 300 and not oc["errors"] else "no"),
    ))
    memory = r.get("memory_25mb")
    if memory:
        default = r["memory_25mb_default_malloc"]
        rows.append(("peak memory, 25 MB message, scan / protect (RSS delta, as the CLI runs)",
                     f"{memory['scan'] / 1e6:.0f} / {memory['protect'] / 1e6:.0f} MB", "< 100 MB",
                     "yes" if max(memory.values()) < 100e6 else "no"))
        rows.append(("  same, glibc's default malloc (e.g. the Outlook server)",
                     f"{default['scan'] / 1e6:.0f} / {default['protect'] / 1e6:.0f} MB", "< 100 MB",
                     "yes" if max(default.values()) < 100e6 else "no"))
    mb = r.get("mailbox")
    why = failed("mailbox")
    if why:
        rows.append(("one scan over an mbox / Maildir of 300 messages (peak RSS)", why, "flat in the count", ""))
    else:
        runs = mb["runs"]
        parts, flat = [], True
        for kind in ("mbox", "Maildir"):
            small, large = runs[f"{kind} 100"]["peak_rss_mb"], runs[f"{kind} 300"]["peak_rss_mb"]
            parts.append(f"{kind} {small:.0f} -> {large:.0f} MB")
            flat = flat and large <= 1.1 * small
        rows.append(("one scan over an mbox / Maildir, 100 -> 300 messages (peak RSS)", ", ".join(parts),
                     "flat in the count (300 <= 1.1x 100)", "yes" if flat else "no"))
    cs = r.get("cli_startup")
    why = failed("cli_startup")
    rows.append((
        "medseal --help, whole process (wall, median) vs python -c pass",
        why or f"{_ms(cs['median_s']['medseal --help'])} vs {_ms(cs['median_s']['python -c pass'])} "
        f"(CPU {_ms(cs['cpu_median_s']['medseal --help'])})",
        "< 100 ms", "" if why else ("yes" if cs["median_s"]["medseal --help"] < 0.1 else "no"),
    ))
    return rows


def table(r: dict[str, Any]) -> str:
    rows = _rows(r)
    header = ("where a user waits (issue 11)", "now", "target", "met")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = measure(args.quick)
    out = HERE / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "issue11.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
