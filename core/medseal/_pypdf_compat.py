"""pypdf's private API as medseal's text extraction uses it, in one place and gated on pypdf's version.

Text extraction reads content streams itself (:mod:`medseal.extract.pdf`) but decodes fonts with pypdf's own
font model (encodings, ``/ToUnicode`` maps, widths), ``pypdf.generic._font.Font``, which pypdf does not
export. It is reached only through :func:`font_model`, and only on a pypdf release this module was checked
against (:data:`SUPPORTED`, the range ``pyproject.toml`` declares); on any other, :func:`font_model` raises
:class:`UnsupportedPypdf` and the PDF reader falls back to pypdf's public ``extract_text`` — slower, never
less complete. The envelope's pypdf internals (encryption backend, file key) live in
``medseal.envelope._pypdf_bridge``.
"""

from __future__ import annotations

from typing import Any

import pypdf

__all__ = ["SUPPORTED", "UnsupportedPypdf", "font_model", "pypdf_version", "supported"]

#: pypdf (major, minor) releases whose private font model was checked (tests/extract/test_pypdf_compat.py).
SUPPORTED = frozenset({(7, 1)})


class UnsupportedPypdf(RuntimeError):
    """The installed pypdf is not one whose private API medseal was checked against."""


def pypdf_version() -> tuple[int, int]:
    """The installed pypdf's (major, minor)."""
    major, minor, *_ = (int(p) if p.isdigit() else 0 for p in [*pypdf.__version__.split("."), "0", "0"])
    return major, minor


def supported() -> bool:
    """Whether the installed pypdf is one medseal was checked against."""
    return pypdf_version() in SUPPORTED


def font_model(font_dict: Any) -> Any:
    """pypdf's model of the font resource ``font_dict`` (``interpretable``, ``encoding``, ``character_map``,
    ``character_widths``, ``space_char``, ``space_width``)."""
    if not supported():
        raise UnsupportedPypdf(f"pypdf {pypdf.__version__} is not a checked release")
    from pypdf.generic._font import Font

    return Font.from_font_resource(font_dict)
