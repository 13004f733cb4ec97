"""Peak memory of one ``medseal scan --json`` process over a mailbox of N messages, for several N in one run.

A mailbox audit must hold one message at a time: its peak resident memory should not grow with the number of
messages. This writes the corpus's messages (``bench/corpus.py``, fixed seed; every tenth one the 537 kB
typical message with its two PDF reports) as an mbox and as a Maildir for each count, runs
``medseal scan --json --directory D BOX`` on each in its own process and prints the peak RSS (``ru_maxrss`` of
that process alone) and the wall / CPU time. Reports; asserts nothing.

    python bench/mailbox_memory.py [--counts 100 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus

from medseal.compose import to_bytes

#: Runs ``argv`` and prints its peak RSS (kB), user+system CPU seconds: the child's alone, not this script's.
_PROBE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(done.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    "sys.stderr.write(done.stderr.decode()[-400:])\n"
)


def messages(count: int) -> list[bytes]:
    generator = corpus.CorpusGenerator()
    typical, _pdfs = generator.typical_message()
    return [typical if index % 10 == 9 else to_bytes(sample.message)
            for index, sample in enumerate(generator.samples(count))]


def write_boxes(folder: Path, raws: list[bytes]) -> dict[str, Path]:
    box_path, maildir_path = folder / "box.mbox", folder / "Maildir"
    box = mailbox.mbox(box_path)
    maildir = mailbox.Maildir(maildir_path)
    for raw in raws:
        box.add(raw)
        maildir.add(raw)
    box.close()
    return {"mbox": box_path, "Maildir": maildir_path}


def medseal() -> list[str]:
    script = Path(sys.executable).with_name("medseal")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "medseal_cli.main"]


def peak(command: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    code, rss_kb, cpu = done.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"medseal scan failed ({code}): {done.stderr}")
    return {"peak_rss_mb": int(rss_kb) * 1024 / 1e6, "cpu_s": float(cpu), "wall_s": wall}


def measure(counts: list[int]) -> dict[str, Any]:
    results: dict[str, Any] = {"counts": counts, "runs": {}}
    raws = messages(max(counts))
    with tempfile.TemporaryDirectory(prefix="medseal-mailbox-") as tmp:
        work = Path(tmp)
        directory = work / "patients.csv"
        directory.write_text(corpus.CorpusGenerator().directory_csv(), encoding="utf-8")
        for count in counts:
            (work / str(count)).mkdir()
            boxes = write_boxes(work / str(count), raws[:count])
            size = sum(len(raw) for raw in raws[:count])
            for kind, path in boxes.items():
                run = peak([*medseal(), "scan", "--json", "--directory", str(directory), str(path)])
                results["runs"][f"{kind} {count}"] = {"messages": count, "bytes": size, **run}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = measure(args.counts)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"medseal scan --json over a mailbox, one process per run (load {os.getloadavg()[0]:.1f}):")
    for name, run in results["runs"].items():
        print(f"  {name:14} {run['bytes'] / 1e6:6.1f} MB of mail: peak RSS {run['peak_rss_mb']:6.1f} MB, "
              f"CPU {run['cpu_s']:.1f} s, wall {run['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
