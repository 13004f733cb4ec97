"""Write the letter fonts of ``message.pdf``: DejaVu Sans cut into one small TrueType font per script group.

``core/medseal/data/fonts/letter-<group>.ttf`` holds the glyphs of one group of characters (Latin, Greek,
Cyrillic, Arabic), without hinting or layout tables, and ``letter-fonts.json`` what the layout needs of them:
for every character its glyph id and advance width, and the PDF font descriptor values. ``message.pdf``
embeds each group's font whole, so the font program and its widths never depend on the message (an
interceptor learns only which groups a letter uses, see :mod:`medseal.envelope.fonts`).

Run ``python tests/envelope/make_fonts.py`` (needs fontTools) only when changing the groups: the files are
committed. The source is the DejaVu Sans of Debian's ``fonts-dejavu-core`` (Bitstream Vera licence, see
``core/medseal/data/fonts/LICENSE-DejaVu.txt``).
"""

from __future__ import annotations

import io
import json
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OUT = Path(__file__).resolve().parents[2] / "core" / "medseal" / "data" / "fonts"

#: Code point ranges (inclusive) of each group. ``latin`` is always embedded and holds the replacement glyph.
GROUPS: dict[str, list[tuple[int, int]]] = {
    "latin": [
        (0x0020, 0x007E),
        (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A
        (0x0218, 0x021B),  # Romanian comma-below letters
        (0x02C6, 0x02C7),
        (0x02D8, 0x02DD),
        (0x2000, 0x206F),  # general punctuation
        (0x20A0, 0x20CF),  # currency
        (0x2100, 0x215F),  # letterlike, number forms
        (0x2190, 0x2199),  # arrows
        (0x2212, 0x2212),
        (0x2264, 0x2265),
        (0x25A0, 0x25CF),  # squares, bullets
        (0x2713, 0x2714),
        (0xFB00, 0xFB06),  # Latin ligatures
        (0xFFFD, 0xFFFD),  # the replacement glyph, for characters no group holds
    ],
    "latin-extended": [
        (0x0180, 0x024F),  # Latin Extended-B
        (0x0250, 0x02FF),  # IPA, spacing modifiers
        (0x0300, 0x036F),  # combining diacritics
        (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese...)
    ],
    "greek": [(0x0370, 0x03FF), (0x1F00, 0x1FFF)],
    "cyrillic": [(0x0400, 0x052F)],
    "arabic": [(0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
}


def _options() -> subset.Options:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "name"]
    options.name_IDs = []
    options.glyph_names = False
    options.notdef_outline = True
    options.recalc_timestamp = False
    return options


def _cut(unicodes: list[int]) -> tuple[bytes, TTFont]:
    font = TTFont(SOURCE, recalcTimestamp=False)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = buffer.getvalue()
    return data, TTFont(io.BytesIO(data))


def main() -> int:
    source = TTFont(SOURCE)
    present = set(source.getBestCmap())
    meta: dict[str, object] = {"source": "DejaVu Sans " + str(source["head"].fontRevision), "groups": {}}
    for group, ranges in GROUPS.items():
        earlier = list(GROUPS)[: list(GROUPS).index(group)]
        taken = {c for other in earlier for lo, hi in GROUPS[other] for c in range(lo, hi + 1)}
        wanted = sorted(c for lo, hi in ranges for c in range(lo, hi + 1) if c in present and c not in taken)
        data, font = _cut(wanted)
        (OUT / f"letter-{group}.ttf").write_bytes(data)
        cmap = font.getBestCmap()
        hmtx = font["hmtx"].metrics
        order = font.getGlyphOrder()
        head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
        scale = 1000 / head.unitsPerEm
        glyphs = {
            str(code): [order.index(name), round(hmtx[name][0] * scale)]
            for code, name in sorted(cmap.items())
            if unicodedata.category(chr(code)) != "Cc"
        }
        meta["groups"][group] = {  # type: ignore[index]
            "file": f"letter-{group}.ttf",
            "glyphs": glyphs,
            "count": len(order),
            "ascent": round(hhea.ascent * scale),
            "descent": round(hhea.descent * scale),
            "cap_height": round(getattr(os2, "sCapHeight", 0) * scale) or 729,
            "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            "notdef_width": round(hmtx[order[0]][0] * scale),
        }
        print(f"{group}: {len(glyphs)} characters, {len(order)} glyphs, {len(data)} bytes", file=sys.stderr)
    (OUT / "letter-fonts.json").write_text(json.dumps(meta, separators=(",", ":")) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
