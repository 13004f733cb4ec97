"""Build medseal's WebAssembly AES (``medseal_wasm`` wheel) for the Pyodide runtime.

Debian's Thunderbird ships with the JavaScript baseline JIT off, which makes noble's pure-JS AES about 20×
slower; WebAssembly has compilers of its own and is not slowed. So the runtime carries AES-CBC/ECB compiled to
wasm32 from the public-domain rijndael-alg-fst code found in pycryptodome's source distribution (downloaded from
PyPI by version and checked against :data:`SOURCE_SHA256`), with medseal's small CBC/ECB glue
(``wasm/medseal_aes.c``). The compiler is Debian's ``clang`` with ``lld`` and ``wasi-libc``; nothing else is
downloaded. The module has no imports: the core instantiates it synchronously through ``js.WebAssembly``
(``medseal/crypto/_wasm_aes.py``).

The result is a wheel of its own, ``medseal_wasm``, holding ``aes.wasm``: the core wheel stays the same on every
platform, and a runtime without this wheel falls back to noble (same bytes, slower).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GLUE = HERE / "wasm" / "medseal_aes.c"
SOURCE_PACKAGE = "pycryptodome"
SOURCE_VERSION = "4.5.0"
SOURCE_SHA256 = "51e97a8d1cf101974bc40c20b3191cb1903891e5c172346943d5d4f3bc4f9d83"
#: The files of pycryptodome's ``src/`` that AES.c needs (AES.c itself is public domain).
SOURCE_FILES = ("AES.c", "common.h", "endianess.h", "block_base.h", "errors.h", "block_common.c")
WHEEL_NAME = "medseal_wasm"
WHEEL_VERSION = "1.0.0"
EXPORTS = ("memory", "buffer", "chunk", "set_key", "cbc_encrypt", "cbc_decrypt", "ecb_encrypt", "ecb_decrypt")
SYSROOT_INCLUDE = Path("/usr/include/wasm32-wasi")


class WasmBuildError(RuntimeError):
    """The wasm AES could not be built; the message says what to install."""


def _source_archive(workdir: Path) -> Path:
    spec = f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    try:
        subprocess.run([*command, "--dest", str(workdir), spec], check=True)
    except subprocess.CalledProcessError as error:
        raise WasmBuildError(f"cannot download the {spec} source distribution from PyPI") from error
    (archive,) = workdir.glob(f"{SOURCE_PACKAGE}-{SOURCE_VERSION}.tar.gz")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise WasmBuildError(f"{archive.name} has sha256 {digest}, expected {SOURCE_SHA256}: refusing to build")
    return archive


def _extract_sources(archive: Path, dest: Path) -> None:
    prefix = f"{SOURCE_PACKAGE}-{SOURCE_VERSION}/src/"
    with tarfile.open(archive) as tar:
        for name in SOURCE_FILES:
            member = tar.extractfile(prefix + name)
            if member is None:
                raise WasmBuildError(f"{archive.name} lacks src/{name}")
            (dest / name).write_bytes(member.read())


def build_wasm(out: Path) -> Path:
    """Compile ``aes.wasm`` into ``out`` (a file path) and return it."""
    clang = shutil.which("clang")
    if clang is None or not SYSROOT_INCLUDE.is_dir():
        raise WasmBuildError(
            "building the wasm AES needs Debian's clang, lld and wasi-libc: apt-get install clang lld wasi-libc"
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _extract_sources(_source_archive(work), work)
        shutil.copy2(GLUE, work / GLUE.name)
        command = [
            clang, "--target=wasm32-wasi", "--sysroot=/usr", "-isystem", str(SYSROOT_INCLUDE), "-O3",
            "-nostartfiles", "-Wl,--no-entry", "-Wl,--strip-all", "-Wl,--gc-sections", "-Wno-unused-function",
            "-o", str(out), str(work / GLUE.name),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise WasmBuildError(f"clang failed to build the wasm AES:\n{result.stderr.strip()}")
    return out


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def build_wasm_wheel(dest: Path) -> Path:
    """The ``medseal_wasm`` wheel (``py3-none-any``) holding ``aes.wasm``, written into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wasm = build_wasm(Path(tmp) / "aes.wasm").read_bytes()
    info = f"{WHEEL_NAME}-{WHEEL_VERSION}.dist-info"
    files = {
        f"{WHEEL_NAME}/__init__.py": (
            '"""medseal\'s AES-CBC/ECB compiled to WebAssembly (public-domain rijndael-alg-fst code from '
            f'{SOURCE_PACKAGE} {SOURCE_VERSION}); loaded by medseal.crypto._wasm_aes in Pyodide."""\n'
        ).encode(),
        f"{WHEEL_NAME}/aes.wasm": wasm,
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {WHEEL_NAME}\nVersion: {WHEEL_VERSION}\n"
            "Summary: medseal's WebAssembly AES for Pyodide\nLicense: Public domain (AES core); Apache-2.0 (glue)\n"
        ).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: medseal wasm_aes.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = dest / f"{WHEEL_NAME}-{WHEEL_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return wheel
