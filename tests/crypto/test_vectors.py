"""Every backend gives the shared vectors byte for byte: here the platform's and the deterministic wrapper."""

from __future__ import annotations

from medseal.crypto.backend import DeterministicBackend, default_backend, get_backend, use_backend

from .vectors import check_backend, check_recipes, load_vectors


def test_platform_backend_gives_every_vector() -> None:
    vectors = load_vectors()
    assert check_backend(default_backend(), vectors) >= 60
    assert check_recipes(default_backend(), vectors) >= 10


def test_deterministic_wrapper_only_changes_randomness() -> None:
    wrapped = DeterministicBackend(default_backend(), b"any seed")
    assert check_backend(wrapped, load_vectors()) >= 60


def test_use_backend_is_scoped() -> None:
    wrapped = DeterministicBackend(default_backend(), b"scope")
    with use_backend(wrapped):
        assert get_backend() is wrapped
    assert get_backend() is default_backend()


def test_published_vectors_are_present() -> None:
    sources = {
        case["source"]
        for cases in load_vectors().values()
        if isinstance(cases, list)
        for case in cases
        if isinstance(case, dict) and "source" in case
    }
    for published in (
        "FIPS-197 C.3",
        "SP 800-38A F.2.5",
        "GCM spec test case 16",
        "RFC 4231 4.2",
        "RFC 7914 11",
    ):
        assert published in sources
