"""PDF text: the fast content-stream reader, its fallback to pypdf, encryption and limits."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import Counter

import pypdf
import pytest
from fixtures.documents import make_pdf, make_pdf_content, make_typical_pdf, page_content, text_pages
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import UnreadableAttachment
from medseal.extract import ENCRYPTED_PDF, Limits, extract_text
from medseal.extract.pdf import pdf_to_text
from medseal.model import Attachment

LIMITS = Limits()
LETTER = "\n".join(
    [
        "Cher confrère,",
        "Je vous adresse Mme Jeanne Exemple, née le 01/02/1960.",
        "NISS 60.02.01-123.45",
        "Bien à vous",
    ]
)


def page_text(data: bytes, limits: Limits = LIMITS) -> str:
    """The text of a PDF built by the fixtures, without the ``/Producer`` (``pypdf``) pypdf's writer adds."""
    return pdf_to_text(data, limits).removesuffix("\npypdf")


def pdf_attachment(data: bytes, name: str = "rapport.pdf") -> Attachment:
    return Attachment(name, "application/pdf", data)


def words(text: str) -> Counter[str]:
    return Counter(text.split())


def test_lines_and_pages_come_back_in_order() -> None:
    text = page_text(make_pdf([LETTER, "Page deux\nfin"]), LIMITS)
    assert text.splitlines() == [*LETTER.splitlines(), "Page deux", "fin"]


def test_same_words_as_pypdf_on_many_pages() -> None:
    data = make_pdf(text_pages("Résultat créatinine 0,9 mg/dl chez Jean Exemple suivi à trois mois", 20_000))
    reference = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert words(page_text(data, LIMITS)) == words(reference)


def test_fast_reader_does_not_call_pypdf_extract_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed at send time depends on it: a pypdf upgrade that breaks the fast path must fail here."""

    def forbidden(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("pypdf extract_text was used")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", forbidden)
    data = make_typical_pdf(LETTER, pages=2, target_bytes=20_000)
    assert "Jeanne Exemple" in page_text(data, LIMITS)


def test_unusual_page_falls_back_to_pypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # a string nested four parentheses deep is beyond the fast tokenizer: pypdf reads that page
    content = b"BT /F1 12 Tf 50 700 Td (Dossier (a (b (c (d) c) b) a) fin) Tj ET"
    calls = []
    original = pypdf.PageObject.extract_text

    def spy(self: pypdf.PageObject, *args: object, **kwargs: object) -> str:
        calls.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pypdf.PageObject, "extract_text", spy)
    text = page_text(make_pdf_content([content]), LIMITS)
    assert calls == [1]
    assert text.startswith("Dossier") and text.endswith("fin")


def test_runs_placed_side_by_side_join_and_gaps_become_spaces() -> None:
    # "85.07.30" then "-033.28" right where the first run ends (as a bold run would be), then a word
    # 40 pt further on the same line, then a new line
    content = (
        b"BT /F1 10 Tf 1 0 0 1 50 700 Tm (85.07.30) Tj (-033.28) Tj ET "
        b"BT /F1 10 Tf 1 0 0 1 200 700 Tm (Dupont) Tj ET "
        b"BT /F1 10 Tf 1 0 0 1 50 680 Tm [(Ex) 20 (em) -15 (ple) -300 (Jean)] TJ ET"
    )
    assert page_text(make_pdf_content([content]), LIMITS) == "85.07.30-033.28 Dupont\nExemple Jean"


def test_strings_escapes_hex_and_text_matrices() -> None:
    content = (
        rb"q 2 0 0 2 0 0 cm BT /F1 5 Tf 25 350 Td (a\(b\)c \\ \101\102) Tj ET Q "
        b"BT /F1 10 Tf 0 1 -1 0 300 300 Tm <4a65616e6e65> Tj ET "
        b"BT 0 Tr /F1 10 Tf 50 100 Td 12 TL T* (line) ' 2 1 (quoted) \" ET"
    )
    assert page_text(make_pdf_content([content]), LIMITS).splitlines() == [
        r"a(b)c \ AB",
        "Jeanne",
        "line",
        "quoted",
    ]


def test_inline_images_are_skipped() -> None:
    content = (
        b"BT /F1 10 Tf 50 700 Td (avant) Tj ET\n"
        b"BI /W 2 /H 2 /CS /G /BPC 8 ID \x00(\xff)Tj[ ET\nEI\n"
        b"BT /F1 10 Tf 50 680 Td (apres) Tj ET"
    )
    assert page_text(make_pdf_content([content]), LIMITS).split() == ["avant", "apres"]


def test_form_xobjects_are_read_once_even_when_drawn_recursively() -> None:
    form = b"BT /F1 10 Tf 0 0 Td (dans le formulaire) Tj ET /Form Do"
    content = b"q 1 0 0 1 50 500 cm /Form Do Q"
    text = page_text(make_pdf_content([content], forms={"Form": form}), LIMITS)
    assert text == "dans le formulaire"


def test_annotations_fields_and_title_are_read() -> None:
    data = make_pdf_content(
        [page_content("corps")],
        annotations=["note: J. Exemple"],
        fields={"nom": "Exemple"},
        title="Rapport X",
    )
    text = page_text(data, LIMITS)
    for part in ("corps", "note: J. Exemple", "Exemple", "Rapport X"):
        assert part in text


def test_password_protected_pdf_is_unreadable() -> None:
    data = make_pdf([LETTER], password="s3cret-Passw0rd")
    with pytest.raises(UnreadableAttachment) as caught:
        extract_text(pdf_attachment(data))
    assert caught.value.reason == ENCRYPTED_PDF


def test_pdf_with_only_an_owner_password_is_read() -> None:
    """Anyone can open it without a password, so its text travels in clear: it must be scanned."""
    data = make_pdf_content([page_content(LETTER)], owner_password="owner-only")
    assert pypdf.PdfReader(io.BytesIO(data)).is_encrypted
    assert "Jeanne Exemple" in extract_text(pdf_attachment(data))


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + bytes(range(256)) * 20,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n%%EOF",
    ],
    ids=["garbage", "dangling-pages"],
)
def test_corrupt_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableAttachment, match="corrupt PDF"):
        extract_text(pdf_attachment(data))


def test_truncated_pdf_is_read_or_unreadable_never_crashes() -> None:
    data = make_pdf([LETTER] * 3)
    outcomes = set()
    for cut in range(20, len(data), max(len(data) // 40, 1)):
        try:
            outcomes.add("read" if isinstance(extract_text(pdf_attachment(data[:cut])), str) else "?")
        except UnreadableAttachment:
            outcomes.add("unreadable")
    assert outcomes <= {"read", "unreadable"} and "unreadable" in outcomes


def test_page_limit() -> None:
    with pytest.raises(UnreadableAttachment, match="pages"):
        page_text(make_pdf(["a", "b", "c"]), Limits(max_pdf_pages=2))


def test_text_limit() -> None:
    with pytest.raises(UnreadableAttachment, match="too much text"):
        page_text(make_pdf([LETTER] * 2), Limits(max_text_chars=100))


def test_pdf_named_otherwise_is_still_read_as_pdf() -> None:
    attachment = Attachment("notes.txt", "text/plain", make_pdf(["contenu du pdf"]))
    assert extract_text(attachment).removesuffix("\npypdf") == "contenu du pdf"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_builder_pdfs_read_the_same_with_poppler() -> None:
    data = make_typical_pdf(LETTER, pages=2, target_bytes=30_000)
    poppler = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    assert words(page_text(data, LIMITS)) == words(poppler.decode("utf-8"))


_LINE = st.text(
    alphabet=st.characters(codec="cp1252", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=60
).filter(lambda s: s.strip() != "")


@given(st.lists(_LINE, min_size=1, max_size=8))
def test_any_cp1252_lines_come_back(lines: list[str]) -> None:
    text = page_text(make_pdf(["\n".join(lines)]), LIMITS)
    assert [" ".join(line.split()) for line in text.splitlines()] == [
        " ".join(line.split()) for line in lines
    ]
