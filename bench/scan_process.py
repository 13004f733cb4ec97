"""The whole ``medseal scan`` process over a folder of messages, this checkout against a peer installation.

What a user (or a DPO auditing a folder) waits for is the process: start-up, imports, parsing every message,
extraction and detection. This writes the corpus's messages (``bench/corpus.py``, fixed seed) as ``.eml`` files
with the corpus's 1,500-patient directory, then runs ``medseal scan --json --directory D FOLDER`` with this
checkout's Python and with ``--peer`` (the ``medseal`` executable of another installation, e.g. the previous
release in its own venv), alternating them ``--repeat`` times so that both see the same machine load, and prints
the medians of wall and CPU time (children's user + system) and their ratio.

    python -m venv /tmp/old && /tmp/old/bin/pip install -q <previous checkout>
    python bench/scan_process.py --peer /tmp/old/bin/medseal --messages 320 --repeat 5

Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus

from medseal.compose import to_bytes


def write_corpus(folder: Path, count: int) -> Path:
    generator = corpus.CorpusGenerator()
    directory = folder / "patients.csv"
    directory.write_text(generator.directory_csv(), encoding="utf-8")
    mail = folder / "mail"
    mail.mkdir()
    for index, sample in enumerate(generator.samples(count)):
        (mail / f"{index:04d}.eml").write_bytes(to_bytes(sample.message))
    return directory


def timed(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, help="the medseal executable to compare with")
    parser.add_argument("--messages", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        directory = write_corpus(folder, args.messages)
        tail = ["scan", "--json", "--directory", str(directory), str(folder / "mail")]
        runs: dict[str, list[tuple[float, float]]] = {"this checkout": [], "peer": []}
        commands = {"this checkout": [sys.executable, "-m", "medseal_cli.main", *tail], "peer": [args.peer, *tail]}
        env_note = os.environ.get("MEDSEAL_BENCH_NOTE", "")
        for _ in range(args.repeat):
            for name, command in commands.items():
                runs[name].append(timed(command))
    medians = {
        name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for name, r in runs.items()
    }
    for name, (wall, cpu) in medians.items():
        print(f"{name:14} {args.messages} messages: wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    (wall, cpu), (peer_wall, peer_cpu) = medians["this checkout"], medians["peer"]
    load = os.getloadavg()[0]
    print(f"ratio this/peer: wall {wall / peer_wall:.2f}  cpu {cpu / peer_cpu:.2f}  load {load:.1f} {env_note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
