"""How long ``medseal --help`` takes as a whole process, beside ``python -c pass`` measured in the same run.

The peer is the interpreter's own start-up: what no change to medseal can remove. The two commands alternate
``--repeat`` times (so both see the same machine load) and the medians of the wall clock are printed, with
their difference (medseal's own share). Target: ``medseal --help`` under 100 ms. Reports; asserts nothing.

    python bench/cli_startup.py [--repeat 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 0.100


def medseal_command() -> list[str]:
    script = Path(sys.executable).with_name("medseal")
    if script.is_file():
        return [str(script), "--help"]
    return [sys.executable, "-c", "import sys; from medseal_cli.main import main; sys.exit(main())", "--help"]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall clock and CPU time (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(repeat: int) -> dict[str, Any]:
    commands = {"medseal --help": medseal_command(), "python -c pass": [sys.executable, "-c", "pass"]}
    for command in commands.values():  # warm the page cache and the bytecode
        timed(command)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            elapsed, used = timed(command)
            samples[name].append(elapsed)
            cpu[name].append(used)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "repeat": repeat,
        "median_s": medians,
        "cpu_median_s": {name: statistics.median(values) for name, values in cpu.items()},
        "min_s": {name: min(values) for name, values in samples.items()},
        "medseal_share_s": medians["medseal --help"] - medians["python -c pass"],
        "target_s": TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    result = measure(args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    medians = result["median_s"]
    print(f"whole process, wall, median of {args.repeat}:")
    for name, seconds in medians.items():
        print(
            f"  {name:16} {seconds * 1000:7.1f} ms (min {result['min_s'][name] * 1000:.1f} ms;"
            f" CPU {result['cpu_median_s'][name] * 1000:.1f} ms)"
        )
    print(f"  medseal's share  {result['medseal_share_s'] * 1000:7.1f} ms; target: medseal --help < 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
