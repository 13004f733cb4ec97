"""Where the peak memory of a ``scan`` / ``protect`` of one message goes: tracemalloc snapshots at the peak.

A watcher thread polls the traced memory and keeps a snapshot each time a new peak (+ ``--step`` MB) is reached;
the last one (the peak) is printed grouped by line (``--traceback``: by the calls that led to the biggest
allocations). For finding copies; ``bench/run.py`` gives the RSS numbers. Reports; asserts nothing.

    python bench/memory_peak.py scan MESSAGE.eml [--top 15] [--directory CSV]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import protect_bytes, scan_bytes

from medseal.directory import parse_directory
from medseal.scan import ScanContext


class PeakWatcher(threading.Thread):
    def __init__(self, step: int) -> None:
        super().__init__(daemon=True)
        self.step, self.best, self.snapshot, self.done = step, 0, None, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            current, _ = tracemalloc.get_traced_memory()
            if current > self.best + self.step:
                self.best = current
                self.snapshot = tracemalloc.take_snapshot()
            time.sleep(0.001)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("scan", "protect"))
    parser.add_argument("message", type=Path)
    parser.add_argument("--directory", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--step", type=float, default=2.0, help="MB above the last snapshot before a new one")
    parser.add_argument("--traceback", action="store_true")
    args = parser.parse_args()
    directory = parse_directory(args.directory.read_text("utf-8")) if args.directory else None
    context = ScanContext(directory=directory)
    data = args.message.read_bytes()
    action = scan_bytes if args.kind == "scan" else protect_bytes
    tracemalloc.start(25 if args.traceback else 1)
    watcher = PeakWatcher(int(args.step * 1e6))
    watcher.start()
    action(data, context)
    watcher.done.set()
    watcher.join()
    peak = tracemalloc.get_traced_memory()[1]
    print(f"tracemalloc peak {peak / 1e6:.1f} MB; snapshot at {watcher.best / 1e6:.1f} MB")
    if watcher.snapshot is None:
        return 0
    stats = watcher.snapshot.statistics("traceback" if args.traceback else "lineno")
    for stat in stats[: args.top]:
        print(f"{stat.size / 1e6:8.1f} MB  {stat.count:6d} blocks")
        frames = stat.traceback.format() if args.traceback else stat.traceback.format()[:1]
        for line in frames[-16:]:
            print("    " + line.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
