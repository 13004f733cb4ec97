"""Stage the Pyodide runtime that runs the medseal core inside Thunderbird (and under Node in the tests).

``stage_runtime(dest)`` fills ``dest`` with everything the core needs at run time, so that nothing is ever
downloaded by the extension::

    dest/
      runtime.json         what was staged: Pyodide and noble versions, the wheels (file, name, version, hash)
      medseal-core.js      the loader: initCore(), analyse(), protect(), catalogue()        (from runtime/)
      medseal-noble.js     the crypto primitives, registered in Python as the module ``medseal_noble``
      noble/ciphers/*.js   @noble/ciphers: aes.js and the files it imports, with its LICENSE
      noble/hashes/*.js    @noble/hashes: sha2.js, hmac.js, pbkdf2.js and what they import, with its LICENSE
      pyodide/             pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip and a
                           pyodide-lock.json without packages (the npm package holds no wheels; none needed)
      wheels/              medseal-<version>-py3-none-any.whl built from this repository, and its pure-Python
                           dependencies for Emscripten (python-stdnum, pypdf, email-validator, dnspython,
                           idna)

The npm dependencies are pinned in ``package.json``/``package-lock.json`` beside this file; ``npm ci`` runs
when ``node_modules`` does not match them. Dependency wheels come from PyPI at build time (``pip download``),
chosen by evaluating the core's ``Requires-Dist`` markers for Emscripten: ``cryptography`` is left out (the
core's Pyodide crypto backend uses noble instead) and every wheel must be ``py3-none-any``.

Run ``python plugins/thunderbird/pyodide_runtime.py [--dest DIR]`` to stage into ``build/runtime`` (default).
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_MODULES = HERE / "node_modules"
GLUE_DIR = HERE / "runtime"
RUNTIME_DIR = HERE / "build" / "runtime"

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
NOBLE_ENTRIES = {"ciphers": ("aes.js",), "hashes": ("sha2.js", "hmac.js", "pbkdf2.js")}
PYTHON_VERSION = "3.14"  # Pyodide 314's Python; used to pick dependency wheels
_RELATIVE_IMPORT = re.compile(r"""(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*["'](\./[^"']+)["']""")


class StagingError(RuntimeError):
    """The runtime cannot be staged (npm or pip failed, a dependency is not pure Python)."""


def emscripten_environment() -> dict[str, str]:
    """PEP 508 marker values of Pyodide 314 (for choosing the core's dependencies)."""
    env = {key: str(value) for key, value in default_environment().items()}
    env.update(
        sys_platform="emscripten",
        platform_system="Emscripten",
        os_name="posix",
        platform_machine="wasm32",
        platform_release="",
        platform_version="",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        python_version=PYTHON_VERSION,
        python_full_version=PYTHON_VERSION + ".0",
        implementation_version=PYTHON_VERSION + ".0",
    )
    return env


def ensure_node_modules(npm_dir: Path = HERE) -> Path:
    """Run ``npm ci`` unless ``node_modules`` already holds exactly the versions ``package.json`` pins."""
    package = json.loads((npm_dir / "package.json").read_text(encoding="utf-8"))
    modules = npm_dir / "node_modules"
    for name, version in package.get("dependencies", {}).items():
        installed = modules / name / "package.json"
        if not installed.is_file() or json.loads(installed.read_text(encoding="utf-8"))["version"] != version:
            _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=npm_dir)
            break
    return modules


def stage_runtime(dest: Path) -> None:
    """Fill ``dest`` (created or replaced) with the Pyodide runtime, noble, the glue and the wheels."""
    dest = Path(dest)
    if dest.exists():
        if any(dest.iterdir()) and not (dest / "runtime.json").is_file():
            raise StagingError(f"{dest} is not empty and holds no staged runtime; refusing to replace it")
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    modules = ensure_node_modules()

    pyodide_dir = modules / "pyodide"
    (dest / "pyodide").mkdir()
    for name in PYODIDE_FILES:
        shutil.copy2(pyodide_dir / name, dest / "pyodide" / name)
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    (dest / "pyodide" / "pyodide-lock.json").write_text(
        json.dumps({"info": lock["info"], "packages": {}}), encoding="utf-8"
    )

    versions = {"pyodide": _npm_version(pyodide_dir)}
    for package, entries in NOBLE_ENTRIES.items():
        source = modules / "@noble" / package
        target = dest / "noble" / package
        for name in sorted(js_closure(source, entries)):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
        shutil.copy2(source / "LICENSE", target / "LICENSE")
        versions[f"@noble/{package}"] = _npm_version(source)

    for glue in sorted(GLUE_DIR.glob("*.js")):
        shutil.copy2(glue, dest / glue.name)

    wheels_dir = dest / "wheels"
    wheels = [*build_wheels(wheels_dir), _wasm_aes().build_wasm_wheel(wheels_dir)]
    manifest = {
        "versions": versions,
        "wheels": [
            {
                "file": wheel.name,
                "name": parse_wheel_filename(wheel.name)[0],
                "version": str(parse_wheel_filename(wheel.name)[1]),
                "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            }
            for wheel in wheels
        ],
    }
    (dest / "runtime.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _wasm_aes() -> Any:
    """The wasm AES builder beside this file (``wasm_aes.py``), loaded by path: this module is itself loaded
    by path from the build script and the tests."""
    spec = importlib.util.spec_from_file_location("medseal_wasm_aes_build", HERE / "wasm_aes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def js_closure(package_dir: Path, entries: Iterable[str]) -> set[str]:
    """The entry files of an ESM package and every file they import through relative paths."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = (package_dir / name).read_text(encoding="utf-8")
        for spec in _RELATIVE_IMPORT.findall(source):
            todo.append((Path(name).parent / spec).as_posix().removeprefix("./"))
    return seen


def build_wheels(dest: Path, repo: Path = REPO) -> list[Path]:
    """Build the core wheel from ``repo`` and download its pure-Python dependencies for Emscripten.

    The wheels land in ``dest``; returns them, the core's first.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp, str(repo)])
        built = sorted(Path(tmp).glob("*.whl"))
        if len(built) != 1:
            raise StagingError(f"expected one core wheel, got {[w.name for w in built]}")
        core = dest / built[0].name
        shutil.copy2(built[0], core)
    _require_pure(core)
    requirements = wheel_requirements(core)
    return [core, *download_pure_wheels(requirements, dest)]


def wheel_requirements(wheel: Path, extras: Iterable[str] = ()) -> list[Requirement]:
    """The ``Requires-Dist`` entries of a wheel that apply in Pyodide (markers evaluated for Emscripten)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.BytesParser().parsebytes(archive.read(name), headersonly=True)
    environments = [{**emscripten_environment(), "extra": extra} for extra in ("", *extras)]
    kept = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
            kept.append(requirement)
    return kept


def download_pure_wheels(requirements: Iterable[Requirement | str], dest: Path) -> list[Path]:
    """Download ``requirements`` and their dependencies as ``py3-none-any`` wheels for Pyodide into ``dest``.

    pip resolves with Python 3.14 and pure wheels only; its picks are then narrowed to the closure of
    ``requirements`` under Emscripten's markers (pip evaluates ``platform_system`` for this machine).
    """
    wanted = [Requirement(str(r)) for r in requirements]
    if not wanted:
        return []
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                "--python-version", PYTHON_VERSION, "--implementation", "py", "--abi", "none",
                "--platform", "any", "--dest", tmp, *(str(r) for r in wanted),
            ]
        )  # fmt: skip
        available = {canonicalize_name(parse_wheel_filename(w.name)[0]): w for w in Path(tmp).glob("*.whl")}
        chosen: dict[str, Path] = {}
        todo = list(wanted)
        while todo:
            requirement = todo.pop()
            key = canonicalize_name(requirement.name)
            if key in chosen:
                continue
            if key not in available:
                raise StagingError(f"pip did not provide a pure wheel for {requirement}")
            chosen[key] = available[key]
            _require_pure(available[key])
            todo.extend(wheel_requirements(available[key], requirement.extras))
        staged = []
        for wheel in sorted(chosen.values()):
            target = dest / wheel.name
            shutil.copy2(wheel, target)
            staged.append(target)
    return staged


def _require_pure(wheel: Path) -> None:
    _, _, _, tags = parse_wheel_filename(wheel.name)
    if not all(tag.abi == "none" and tag.platform == "any" for tag in tags):
        raise StagingError(f"{wheel.name} is not a pure-Python wheel; Pyodide cannot load it")


def _npm_version(package_dir: Path) -> str:
    return str(json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"])


def _run(command: list[str], cwd: Path | None = None) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise StagingError(f"{' '.join(command[:4])} failed: {error}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=RUNTIME_DIR, help="default: %(default)s")
    parser.add_argument("--runtime-only", action="store_true", help="accepted for build.py compatibility")
    args = parser.parse_args(argv)
    try:
        stage_runtime(args.dest)
    except StagingError as error:
        print(f"pyodide_runtime: {error}", file=sys.stderr)
        return 1
    print(f"Pyodide runtime staged in {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
