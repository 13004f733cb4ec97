"""The building blocks of the coming letter-style ``message.pdf``: fonts, Arabic shaping, HTML blocks, images."""

from __future__ import annotations

import itertools
import struct
import zlib

from hypothesis import given
from hypothesis import strategies as st

from medseal.envelope import arabic, fonts, images, layout, richtext


def test_every_group_font_is_shipped_and_maps_its_characters() -> None:
    groups = fonts.groups()
    assert next(iter(groups)) == fonts.BASE_GROUP
    for name in ("latin", "latin-extended", "greek", "cyrillic", "arabic"):
        assert groups[name].glyphs
    for char, group in {
        "Ş": "latin",
        "ł": "latin",
        "ə": "latin-extended",
        "Ω": "greek",
        "Ж": "cyrillic",
        "\u0628": "arabic",
    }.items():
        glyph = fonts.glyph(char)
        assert glyph is not None and glyph.group == group and not glyph.actual and glyph.width > 0


def test_a_character_no_group_holds_is_the_replacement_glyph_with_its_actual_text() -> None:
    glyph = fonts.glyph("🩺")
    assert glyph is not None and glyph.actual == "🩺" and glyph.group == fonts.BASE_GROUP
    assert fonts.glyph("\x07") is None


def test_to_unicode_maps_each_glyph_once() -> None:
    cmap = fonts.to_unicode_cmap(fonts.groups()["latin"]).decode("ascii")
    gid = fonts.glyph("Ş")
    assert gid is not None
    assert f"<{gid.gid:04X}> <015E>" in cmap


def test_arabic_words_take_their_contextual_forms_and_visual_order() -> None:
    word = "\u0628\u0628\u0628"  # beh beh beh: initial, medial, final
    assert arabic.shape(word) == "\ufe91\ufe92\ufe90"
    assert arabic.visual(word) == "\ufe90\ufe92\ufe91"
    assert arabic.shape("\u0644\u0627") == "\ufefb"  # lam-alef ligature
    assert arabic.is_rtl(word) and not arabic.is_rtl("Wróbel")


@given(st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1, max_size=12))
def test_shaping_keeps_one_glyph_per_letter_or_ligature(word: str) -> None:
    shaped = arabic.shape(word)
    ligatures = sum(1 for a, b in itertools.pairwise(word) if a == "\u0644" and b in "\u0622\u0623\u0625\u0627")
    assert len(word) - ligatures <= len(shaped) <= len(word)


def test_html_keeps_paragraphs_styles_lists_links_and_tables() -> None:
    blocks = richtext.from_html(
        "<p>Bonjour <b>Madame</b> <i>Yılmaz</i>,</p><ul><li>un</li><li>deux</li></ul>"
        "<p><a href='https://example.org/x'>lien</a></p><table><tr><th>A</th><th>B</th></tr>"
        "<tr><td>1</td><td>2</td></tr></table><script>x()</script>"
    )
    kinds = [b.kind for b in blocks]
    assert kinds == ["p", "li", "li", "p", "table"]
    assert any(r.style.bold and r.text == "Madame" for r in blocks[0].runs)
    assert any(r.style.italic and r.text == "Yılmaz" for r in blocks[0].runs)
    assert blocks[3].runs[0].style.href == "https://example.org/x"
    assert blocks[4].header and len(blocks[4].rows) == 2
    assert "x()" not in "".join(b.text() for b in blocks)


def test_lines_fit_the_width() -> None:
    runs = [richtext.Run("Łukasz Wróbel " * 40)]
    lines = layout.break_lines(runs, 10.5, 200)
    assert len(lines) > 5
    assert all(sum(p.width for p in line) <= 200 + 0.01 for line in lines)


def test_jpeg_and_png_headers_are_read() -> None:
    jpeg = b"\xff\xd8\xff\xc0\x00\x11\x08" + struct.pack(">HH", 30, 40) + b"\x03" + bytes(9) + b"\xff\xd9"
    image = images.picture(jpeg)
    assert image is not None and (image.width, image.height) == (40, 30)
    ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 6, 0, 0, 0)
    raw = zlib.compress(b"\x00" + bytes([255, 0, 0, 128, 0, 255, 0, 64]))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    image = images.picture(png)
    assert image is not None and image.mask is not None
    assert zlib.decompress(image.mask.get_data()) == bytes([128, 64])
    assert images.picture(b"not an image") is None
