"""Plain text whose charset may be unknown: byte-order mark, then the declared charset, then UTF-8, then
Windows-1252 (the usual charset of Belgian Windows exports), then Latin-1, which never fails.

Only text encodings are tried: a declared ``charset=rot13`` or ``zlib`` is ignored (``bytes.decode`` refuses
codecs that do not turn bytes into text).
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is mostly NUL (Windows "Unicode" text without a BOM)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` with the first charset that fits; never raises."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    candidates = [charset.strip().strip('"').lower()] if charset and charset.strip() else []
    if not candidates and (utf16 := _utf16_without_bom(data)):
        candidates.append(utf16)
    candidates.append("utf-8")
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, UnicodeError, ValueError):
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_like_text(data: bytes) -> bool:
    """True for data a person would read as text: no NUL bytes (unless UTF-16) and few control bytes."""
    sample = data[:8192]
    if not sample:
        return True
    if any(sample.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(sample):
        return True
    if b"\0" in sample:
        return False
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    return controls <= len(sample) // 100
