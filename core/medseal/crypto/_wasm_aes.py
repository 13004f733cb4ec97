"""AES-CBC/ECB in WebAssembly for the Pyodide backend, instantiated synchronously through ``js.WebAssembly``.

Debian's Thunderbird runs with the JavaScript baseline JIT off, where noble's pure-JS AES is about 20× slower;
WebAssembly keeps its own compilers. The Thunderbird build compiles the public-domain rijndael-alg-fst AES to
wasm32 and ships it as the ``medseal_wasm`` wheel (``plugins/thunderbird/wasm_aes.py``); without that wheel
:func:`load` returns ``None`` and the backend keeps noble (same bytes, slower).

The module exports one 1 MiB ``buffer`` in its memory: the key is written there for ``set_key`` (and wiped
right after), then for each mode call ``IV || data`` (at most one chunk), which comes back encrypted or
decrypted in place with the next CBC IV in front. Only whole blocks reach it: padding and argument checks are
the backend's (:mod:`medseal.crypto._pyodide`).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

AES_BLOCK = 16
WHEEL_PACKAGE = "medseal_wasm"


class WasmAES:
    """One instance of the wasm AES module."""

    def __init__(self, wasm: bytes) -> None:
        import js
        from pyodide.ffi import to_js

        module = js.WebAssembly.Module.new(to_js(wasm))
        self._exports: Any = js.WebAssembly.Instance.new(module).exports
        self._base = int(self._exports.buffer())
        self._step = int(self._exports.chunk()) - AES_BLOCK

    def _view(self, length: int) -> Any:
        import js

        return js.Uint8Array.new(self._exports.memory.buffer, self._base, length)

    def _set_key(self, key: bytes) -> None:
        view = self._view(len(key))
        view.assign(key)
        status = int(self._exports.set_key(len(key)))
        view.assign(bytes(len(key)))
        if status:
            raise ValueError(f"the wasm AES refused the key (error {status})")

    def _run(self, operation: str, key: bytes, iv: bytes, data: bytes) -> bytes:
        self._set_key(key)
        call = getattr(self._exports, operation)
        out = bytearray()
        for at in range(0, len(data), self._step):
            piece = data[at : at + self._step]
            view = self._view(AES_BLOCK + len(piece))
            view.assign(iv + piece)
            call(len(piece))
            result = view.to_bytes()
            iv, chunk = result[:AES_BLOCK], result[AES_BLOCK:]
            out += chunk
        return bytes(out)

    def cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        return self._run("cbc_encrypt", key, iv, data)

    def cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        return self._run("cbc_decrypt", key, iv, data)

    def ecb_encrypt(self, key: bytes, data: bytes) -> bytes:
        return self._run("ecb_encrypt", key, bytes(AES_BLOCK), data)

    def ecb_decrypt(self, key: bytes, data: bytes) -> bytes:
        return self._run("ecb_decrypt", key, bytes(AES_BLOCK), data)


def load() -> WasmAES | None:
    """The wasm AES of the ``medseal_wasm`` wheel, or ``None`` when the runtime does not carry it."""
    try:
        wasm = resources.files(WHEEL_PACKAGE).joinpath("aes.wasm").read_bytes()
    except (ImportError, FileNotFoundError):
        return None
    return WasmAES(wasm)
