"""The primitive layer: argument checks, opaque decryption errors, backend choice, deterministic stream."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.crypto import backend as backend_module
from medseal.crypto.backend import CryptoBackend, DeterministicBackend, default_backend
from medseal.errors import DecryptionError

KEY = bytes(range(32))
IV = bytes(16)


def test_platform_backend_follows_sys_platform() -> None:
    expected = "medseal.crypto._pyodide" if sys.platform == "emscripten" else "medseal.crypto._cpython"
    assert backend_module._platform_module() == expected
    assert isinstance(default_backend(), CryptoBackend)
    assert default_backend() is default_backend()


@pytest.mark.parametrize("key_size", [0, 15, 17, 31, 33, 64])
def test_wrong_key_sizes_are_programming_errors(key_size: int) -> None:
    b = default_backend()
    with pytest.raises(ValueError, match="AES key"):
        b.aes_cbc_encrypt(bytes(key_size), IV, bytes(16))
    with pytest.raises(ValueError, match="AES key"):
        b.aes_gcm_encrypt(bytes(key_size), bytes(12), b"", b"")


def test_wrong_iv_nonce_and_block_sizes() -> None:
    b = default_backend()
    with pytest.raises(ValueError, match="IV"):
        b.aes_cbc_encrypt(KEY, bytes(8), bytes(16))
    with pytest.raises(ValueError, match="nonce"):
        b.aes_gcm_encrypt(KEY, bytes(16), b"x", b"")
    with pytest.raises(ValueError, match="blocks"):
        b.aes_cbc_encrypt(KEY, IV, bytes(15))
    with pytest.raises(ValueError, match="blocks"):
        b.aes_ecb_encrypt(KEY, bytes(17))


def test_decryption_failures_are_one_opaque_error() -> None:
    b = default_backend()
    with pytest.raises(DecryptionError):
        b.aes_cbc_decrypt(KEY, IV, bytes(17))
    with pytest.raises(DecryptionError):
        b.aes_ecb_decrypt(KEY, bytes(5))
    sealed = b.aes_gcm_encrypt(KEY, bytes(12), b"secret", b"aad")
    for data in (sealed[:-1], b"", sealed[:5]):
        with pytest.raises(DecryptionError):
            b.aes_gcm_decrypt(KEY, bytes(12), data, b"aad")
    with pytest.raises(DecryptionError):
        b.aes_gcm_decrypt(bytes(32), bytes(12), sealed, b"aad")


@given(st.binary(max_size=300), st.binary(max_size=40))
def test_gcm_round_trip(data: bytes, aad: bytes) -> None:
    b = default_backend()
    nonce = b.random_bytes(12)
    assert b.aes_gcm_decrypt(KEY, nonce, b.aes_gcm_encrypt(KEY, nonce, data, aad), aad) == data


@given(st.integers(0, 20).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n)))
def test_cbc_round_trip(data: bytes) -> None:
    b = default_backend()
    assert b.aes_cbc_decrypt(KEY, IV, b.aes_cbc_encrypt(KEY, IV, data)) == data


def test_random_bytes_are_fresh() -> None:
    b = default_backend()
    draws = {b.random_bytes(16) for _ in range(50)}
    assert len(draws) == 50
    assert b.random_bytes(0) == b""
    with pytest.raises(ValueError):
        b.random_bytes(-1)


@given(st.binary(min_size=1, max_size=32), st.lists(st.integers(0, 70), max_size=12))
def test_deterministic_stream_does_not_depend_on_how_it_is_drawn(seed: bytes, sizes: list[int]) -> None:
    total = sum(sizes)
    whole = DeterministicBackend(default_backend(), seed).random_bytes(total)
    pieces = DeterministicBackend(default_backend(), seed)
    assert b"".join(pieces.random_bytes(n) for n in sizes) == whole
    assert DeterministicBackend(default_backend(), seed + b"!").random_bytes(32) != (
        DeterministicBackend(default_backend(), seed).random_bytes(32)
    )
