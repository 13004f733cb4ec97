"""The core's flow is its import order: parse -> detect -> policy -> protect -> contract, never upwards."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core" / "medseal"
LAYERS = {
    "medseal.parse": 0,
    "medseal.detect": 1,
    "medseal.scan": 1,
    "medseal.policy": 2,
    "medseal.protect": 3,
    "medseal.contract": 4,
    "medseal.service": 4,
}


def _layer(module: str) -> int | None:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports count too
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.pyodide_incompatible("reads the source tree")
def test_every_import_points_down_the_flow() -> None:
    upward = []
    for path in CORE.rglob("*.py"):
        module = "medseal." + ".".join(path.relative_to(CORE).with_suffix("").parts).removesuffix(".__init__")
        own = _layer(module)
        if own is None:
            continue
        for imported in _imports(path):
            other = _layer(imported)
            if other is not None and other > own:
                upward.append(f"{module} -> {imported}")
    assert upward == []


@pytest.mark.pyodide_incompatible("reads the source tree")
def test_the_scan_layers_are_found() -> None:
    assert "medseal.scan.ScanContext" in _imports(CORE / "policy.py")
