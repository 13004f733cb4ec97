"""Plain text charsets and RTF."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import UnreadableAttachment
from medseal.extract import extract_text
from medseal.extract.plain import decode_text, looks_like_text
from medseal.extract.rtf import rtf_to_text
from medseal.model import Attachment

TEXT = "Mme Hélène Exemple – née le 01/02/1960 ; NISS 60.02.01-123.45"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16le", "utf16be", "utf32", "cp1252"],
)
def test_charsets_are_recognised(data: bytes) -> None:
    assert decode_text(data) == TEXT
    assert extract_text(Attachment("notes.txt", "text/plain", data)) == TEXT


def test_declared_charset_first_then_fallbacks() -> None:
    assert decode_text("Hélène".encode("iso-8859-15"), "iso-8859-15") == "Hélène"
    assert decode_text("Hélène".encode(), "us-ascii") == "Hélène"  # wrongly declared
    assert decode_text("Hélène".encode("cp1252"), "x-unknown") == "Hélène"
    assert decode_text(b"abc", "rot13") == "abc"  # not a text encoding: ignored
    assert decode_text(b"\x81\x8d\x8f", None) == "\x81\x8d\x8f"  # bytes cp1252 leaves undefined


@given(st.binary(max_size=200), st.sampled_from([None, "utf-8", "latin-1", "bogus", "utf-16", "zlib"]))
def test_decode_text_never_raises(data: bytes, charset: str | None) -> None:
    assert isinstance(decode_text(data, charset), str)


def test_looks_like_text() -> None:
    assert looks_like_text(TEXT.encode("utf-8"))
    assert looks_like_text(TEXT.encode("utf-16"))
    assert not looks_like_text(bytes(range(256)))


def test_csv_attachment() -> None:
    data = "nom;prenom;niss\r\nExemple;Jeanne;60020112345\r\n".encode("cp1252")
    assert (
        extract_text(Attachment("export.csv", "text/csv", data)).splitlines()[1]
        == "Exemple;Jeanne;60020112345"
    )


RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}"
    rb"{\*\generator Riched20 10.0;}{\info{\title Lettre}}\viewkind4\uc1"
    rb"\pard\f0\fs20 Concerne : Mme H\'e9l\'e8ne {\b Ex}emple\par "
    rb"NISS\tab 60.02.01-123.45\par"
    b"\r\nFran\\u231?ois \\u-3913?\\u8364?\\par{\\pict\\pngblip 89504e470d0a}"
    b"{\\object\\bin4 \x00}{\x01}fin\\par}"
)


def test_rtf_text() -> None:
    lines = [line for line in rtf_to_text(RTF).splitlines() if line.strip()]
    assert lines == [
        "Lettre",
        "Concerne : Mme Hélène Exemple",
        "NISS\t60.02.01-123.45",
        "François \uf0b7€",
        "\x01fin",
    ]


def test_rtf_is_sniffed() -> None:
    assert "Hélène Exemple" in extract_text(Attachment("lettre.doc", "application/msword", RTF))


@given(st.binary(max_size=300))
def test_rtf_reader_gives_text_or_unreadable(tail: bytes) -> None:
    try:
        assert isinstance(rtf_to_text(b"{\\rtf1 " + tail), str)
    except UnreadableAttachment as exc:
        assert exc.reason
