"""The canonical text: one plain form for every detector, and a map back to the characters the user wrote."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import DIGIT_ZEROS, INVISIBLE, UNICODE_SPACES

from medseal.canonical import Canonical, canonical, fold, latin_lookalikes, match_fold

SPECIAL = "".join(INVISIBLE) + "".join(UNICODE_SPACES) + "\u2013\u2014\u2212\u2010\u2011\uff0e\u0301\ufb01\u2028"
SPECIAL += "".join(chr(z + d) for z in DIGIT_ZEROS for d in (0, 5))
TEXT = st.text(alphabet=st.sampled_from("aéZ09 .-_,\n" + SPECIAL), max_size=60)


@given(TEXT)
@example("a\u200b\u0301")  # a mark after a removed character composes with the letter before it
@example("\ufb01\u200b\u0301")
def test_canonical_text_is_plain(text: str) -> None:
    canon = canonical(text)
    for char in canon.text:
        assert unicodedata.category(char) != "Cf"
        assert not (unicodedata.category(char) == "Zs" and char != " ")
        assert not (unicodedata.category(char) == "Pd" and char != "-")
        assert not (char.isdecimal() and not char.isascii())
    assert canonical(canon.text).text == canon.text  # idempotent
    assert canonical(canon) is canon


@given(TEXT)
def test_every_canonical_character_maps_back_in_order(text: str) -> None:
    canon = canonical(text)
    previous_end = 0
    for i in range(len(canon.text)):
        start, end = canon.span(i, i + 1)
        assert 0 <= start < end <= len(text)
        assert start >= previous_end or canon.span(i - 1, i) == (start, end)  # an expansion shares its source
        previous_end = end
        written = text[start:end]
        # the original characters fold to (at least) this canonical character
        assert canon.text[i] in canonical(written).text
    assert canon.span(0, len(canon.text))[1] <= len(text)


@given(st.text(alphabet="abc012 .-", max_size=30), st.lists(st.sampled_from(INVISIBLE), max_size=5), st.data())
def test_invisible_characters_vanish_and_spans_skip_them(plain: str, invisible: list[str], data: st.DataObject) -> None:
    text = plain
    for char in invisible:
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + char + text[at:]
    canon = canonical(text)
    assert canon.text == plain
    for i in range(len(plain)):
        start, end = canon.span(i, i + 1)
        assert text[start:end] == plain[i]


TABLE = {
    "thin space": ("85\u200907", "85 07"),
    "narrow nbsp": ("85\u202f07", "85 07"),
    "figure space": ("85\u200707", "85 07"),
    "ideographic space": ("85\u300007", "85 07"),
    "zwsp": ("Du\u200bpont", "Dupont"),
    "word joiner": ("85\u206007", "8507"),
    "soft hyphen": ("Du\u00adpont", "Dupont"),
    "bom": ("\ufeffDupont", "Dupont"),
    "en dash": ("85\u201307", "85-07"),
    "em dash": ("85\u201407", "85-07"),
    "minus": ("85\u221207", "85-07"),
    "non-breaking hyphen": ("85\u201107", "85-07"),
    "full-width stop": ("85\uff0e07", "85.07"),
    "full-width digits": ("\uff18\uff15", "85"),
    "arabic-indic digits": ("\u0668\u0665", "85"),
    "eastern arabic-indic": ("\u06f8\u06f5", "85"),
    "devanagari": ("\u096e\u096b", "85"),
    "decomposed accent": ("e\u0301cole", "école"),
    "ligature": ("\ufb01n", "fin"),
    "line separator": ("a\u2028b", "a\nb"),
}


@pytest.mark.parametrize(("text", "expected"), TABLE.values(), ids=TABLE.keys())
def test_table(text: str, expected: str) -> None:
    canon = canonical(text)
    assert canon.text == expected
    assert canon.clear(0, len(canon.text)).strip("\ufeff") == text.strip("\ufeff")


def test_unchanged_text_costs_nothing() -> None:
    text = "Bonjour, résultats de Mme Dupont 85.07.30-033.28"
    canon = canonical(text)
    assert canon.text is text and canon.unchanged and canon.span(3, 9) == (3, 9)
    assert isinstance(canon, Canonical)


def test_foldings() -> None:
    assert fold("DÜPÔNT Ça") == "dupont ca"
    assert len(fold("Ǆemal")) == len("Ǆemal")
    assert match_fold("Dupоnt Søren") == "dupont soren"  # Cyrillic о, Danish ø
    assert latin_lookalikes("DUPОNT Рeeters") == "DUPONT Peeters"
    assert len(match_fold("Ωмега")) == 5


def test_shipped_unicode_tables_are_what_this_python_computes() -> None:
    """The tables are shipped per Unicode version (``tools/unicode_tables.py``); the running version's must be
    exactly the computed one, and every shipped file names its version."""
    import importlib.resources
    import json
    import unicodedata

    from medseal import canonical as module

    folder = importlib.resources.files("medseal") / "data" / "unicode"
    shipped = {p.name: json.loads(p.read_text("utf-8")) for p in folder.iterdir() if p.name.endswith(".json")}
    assert shipped and all(name == f"{data['unicode']}.json" for name, data in shipped.items())
    assert all(len(data["from"]) == len(data["to"]) > 1000 for data in shipped.values())
    assert module._shipped() == shipped.get(f"{unicodedata.unidata_version}.json")
    if module._shipped() is not None:
        assert module._shipped() == module.table_data()
