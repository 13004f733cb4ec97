"""The access-code card: one page per patient, in the patient's language, holding their code exactly once."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medseal.access_cards import Card, build_cards
from medseal.crypto.passwords import generate_access_code
from medseal.i18n import LANGUAGES, t

pytestmark = pytest.mark.pyodide_incompatible("pdftotext runs as a subprocess")

WORDS = ("card.title", "card.code_label")
HOLDERS = ("Marie Dupont", "Jan Peeters", "Anna Müller", "Éloïse Van den Broeck", "Zoë Janssens")


def pages(pdf: bytes) -> list[str]:
    """The text of each page as ``pdftotext`` (poppler) reads it."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]  # a form feed ends every page


def assert_page_in(page: str, language: str) -> None:
    for key in WORDS:
        assert t(key, language) in page, (key, language)
    for other in LANGUAGES:
        if other != language:
            assert t("card.title", other) not in page, (other, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_card_in_each_language(language: str) -> None:
    code = generate_access_code()
    [page] = pages(build_cards([Card("Anna Müller", code, language)]))
    assert page.count(code) == 1
    assert "Anna Müller" in page
    assert_page_in(page, language)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(HOLDERS), st.sampled_from(LANGUAGES)), min_size=1, max_size=6))
def test_every_page_holds_its_own_code_once_in_its_language(people: list[tuple[str, str]]) -> None:
    cards = [Card(holder, generate_access_code(), language) for holder, language in people]
    texts = pages(build_cards(cards))
    assert len(texts) == len(cards)
    whole = "".join(texts)
    for card, page in zip(cards, texts, strict=True):
        assert page.count(card.code) == 1 and whole.count(card.code) == 1
        assert card.holder in page
        assert_page_in(page, card.language)


def test_no_card_is_an_error() -> None:
    with pytest.raises(ValueError, match="no access-code card"):
        build_cards([])
