"""Build the medseal Thunderbird extension: ``plugins/thunderbird/dist/medseal.xpi``.

The xpi holds the extension files (``extension/``), the core's catalogue of user-facing text
(``catalogue.json``, from ``medseal.service.catalogue``) and, under ``runtime/``, the Pyodide runtime, the
noble crypto, the glue and the wheels staged by :func:`pyodide_runtime.stage_runtime`. Nothing is downloaded
when the extension runs.

    python plugins/thunderbird/build.py                 # the xpi
    python plugins/thunderbird/build.py --runtime-only  # only the runtime, in build/runtime (tox -e pyodide)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXTENSION_DIR = HERE / "extension"
BUILD_DIR = HERE / "build"
STAGING_DIR = BUILD_DIR / "xpi"
RUNTIME_DIR = BUILD_DIR / "runtime"
DIST_DIR = HERE / "dist"
XPI = DIST_DIR / "medseal.xpi"
LANGUAGES = ("fr", "nl", "de", "en")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same xpi
SIZE_TARGET = 15 * 1024 * 1024

sys.path.insert(0, str(HERE))
from pyodide_runtime import StagingError, stage_runtime  # noqa: E402


def catalogue_tables() -> dict[str, dict[str, str]]:
    """Every language's strings, from the core in this checkout."""
    sys.path.insert(0, str(REPO / "core"))
    try:
        from medseal.service import catalogue
    except ImportError:  # the service module is not there yet: the same catalogue, one level down
        from medseal.i18n import catalogue
    return {language: catalogue(language) for language in LANGUAGES}


def core_version(runtime: Path) -> str:
    """The version of the core wheel staged in ``runtime`` (the xpi takes it as its own)."""
    manifest = json.loads((runtime / "runtime.json").read_text(encoding="utf-8"))
    return str(manifest["wheels"][0]["version"])


def stage_extension(staging: Path) -> None:
    """Copy the extension, stage the runtime beside it and write the generated files."""
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(EXTENSION_DIR, staging)
    stage_runtime(staging / "runtime")
    (staging / "catalogue.json").write_text(
        json.dumps(catalogue_tables(), ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    manifest_path = staging / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["version"] = core_version(staging / "runtime")
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_xpi(staging: Path, target: Path) -> None:
    """Zip ``staging`` into ``target`` with sorted entries and fixed timestamps."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".xpi.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(target)


def build(runtime_only: bool = False) -> Path:
    """Build the xpi (or, with ``runtime_only``, only stage the runtime); returns what was made."""
    if runtime_only:
        stage_runtime(RUNTIME_DIR)
        return RUNTIME_DIR
    stage_extension(STAGING_DIR)
    write_xpi(STAGING_DIR, XPI)
    return XPI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runtime-only", action="store_true", help=f"only stage the Pyodide runtime into {RUNTIME_DIR}"
    )
    args = parser.parse_args(argv)
    try:
        made = build(args.runtime_only)
    except StagingError as error:
        print(f"build: {error}", file=sys.stderr)
        return 1
    if made.is_file():
        size = made.stat().st_size
        note = "" if size <= SIZE_TARGET else f" (over the {SIZE_TARGET // 2**20} MiB target)"
        print(f"{made} {size / 2**20:.1f} MiB{note}", file=sys.stderr)
    else:
        print(f"runtime staged in {made}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
