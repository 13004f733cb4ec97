"""On-send protect in the real Thunderbird, with Debian's JIT setting as shipped and with the baseline JIT on.

Runs the Thunderbird e2e test of the typical message (5 KB body + two 200 KB PDFs,
``tests/e2e/thunderbird/test_tb_with_directory.py::test_typical_message_is_protected_within_the_time_budget``)
``--repeat`` times per setting, alternating the settings so that both see the same machine load, and prints the
medians of what the user waits for (``on_send_ms``: the send button until medseal lets the send go on) and of the
core's share (``core_protect_ms``), from the harness's ``test-artifacts/thunderbird/timings.json``.

    python plugins/thunderbird/build.py && python bench/thunderbird_jit.py --repeat 5

Needs what ``tox -e thunderbird`` needs (thunderbird, pytest, playwright). Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST = "tests/e2e/thunderbird/test_tb_with_directory.py::test_typical_message_is_protected_within_the_time_budget"
TIMINGS = REPO / "test-artifacts" / "thunderbird" / "timings.json"
SETTINGS = {"Debian as shipped (baseline JIT off)": "0", "baseline JIT on": "1"}


def one_run(jit: str) -> dict[str, int]:
    env = {**os.environ, "MEDSEAL_TB_JIT": jit}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST]
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    record = json.loads(TIMINGS.read_text(encoding="utf-8"))
    return {"on_send_ms": int(record["on_send_ms"]), "core_protect_ms": int(record["core_protect_ms"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, int]]] = {name: [] for name in SETTINGS}
    for _ in range(args.repeat):
        for name, jit in SETTINGS.items():
            runs[name].append(one_run(jit))
    medians = {}
    for name, records in runs.items():
        medians[name] = {key: statistics.median(r[key] for r in records) for key in records[0]}
        median = medians[name]
        print(f"{name:40} on-send {median['on_send_ms']:7.0f} ms   core {median['core_protect_ms']:7.0f} ms")
    off, on = (medians[name]["on_send_ms"] for name in SETTINGS)
    print(f"ratio JIT off / JIT on: {off / on:.2f}   target: < 1000 ms on every build")
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    report = json.dumps({"runs": runs, "medians": medians}, indent=2)
    (out / "thunderbird_jit.json").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
