"""Write ``core/medseal/data/unicode/<version>.json``: the canonical text's tables for the running Python's
Unicode version (see ``medseal.canonical.table_data``). Run it with each Python medseal supports, and with
Pyodide's (the Thunderbird build): ``python tools/unicode_tables.py``. ``tests/test_canonical.py`` checks that
the file of the running version is what the code computes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "core"
sys.path.insert(0, str(HERE))

from medseal.canonical import table_data  # noqa: E402


def main() -> None:
    data = table_data()
    out = HERE / "medseal" / "data" / "unicode" / f"{data['unicode']}.json"
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
