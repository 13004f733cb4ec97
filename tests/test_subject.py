"""Subject and file-name pseudonymisation: identifiers out, the rest of the meaning kept, one reference in."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.model import Finding, Kind, Where
from medseal.subject import pseudonymise_filename, pseudonymise_subject


def finding_at(text: str, part: str, kind: Kind = Kind.NISS) -> Finding:
    start = text.index(part)
    return Finding(kind, Where.SUBJECT, (start, start + len(part)), 0.9, "x", "", clear=part)


@pytest.mark.parametrize(
    ("subject", "parts", "language", "expected"),
    [
        (
            "Résultats de laboratoire 85.07.30-033.28",
            ["85.07.30-033.28"],
            "fr",
            "Résultats de laboratoire – réf. P-AAAA-BBBB",
        ),
        (
            "Résultats labo Marie Dupont NISS: 85.07.30-033.28",
            ["Marie Dupont", "85.07.30-033.28"],
            "fr",
            "Résultats labo – réf. P-AAAA-BBBB",
        ),
        ("Verwijzing dhr. Jan Peeters", ["dhr. Jan Peeters"], "nl", "Verwijzing – ref. P-AAAA-BBBB"),
        (
            "Befund Frau Anna Müller (geb. 21.05.2002)",
            ["Frau Anna Müller", "21.05.2002"],
            "de",
            "Befund – Ref. P-AAAA-BBBB",
        ),
        ("Marie Dupont", ["Marie Dupont"], "en", "ref. P-AAAA-BBBB"),
    ],
    ids=["fr-niss", "fr-name-and-label", "nl-title", "de-date", "only-name"],
)
def test_pseudonymised_subject(subject: str, parts: list[str], language: str, expected: str) -> None:
    findings = [finding_at(subject, p) for p in parts]
    assert pseudonymise_subject(subject, findings, ["P-AAAA-BBBB"], language) == expected


def test_subject_without_findings_is_unchanged() -> None:
    assert (
        pseudonymise_subject("Réunion de service jeudi", [], ["P-AAAA-BBBB"], "fr")
        == "Réunion de service jeudi"
    )


@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        ("dupont_marie_labo.pdf", "dupont_marie", "P-AAAA-BBBB_labo.pdf"),
        ("Labo-85073003328.PDF", "85073003328", "P-AAAA-BBBB_Labo.PDF"),
        ("DUPONT.Marie.docx", "DUPONT.Marie", "P-AAAA-BBBB.docx"),
    ],
    ids=["underscores", "number", "dots"],
)
def test_pseudonymised_filename_keeps_extension(name: str, part: str, expected: str) -> None:
    start = name.index(part)
    finding = Finding(Kind.PATIENT_NAME, Where.ATTACHMENT_NAME, (start, start + len(part)), 0.9, "x", "")
    assert pseudonymise_filename(name, [finding], ["P-AAAA-BBBB"]) == expected


words = st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=30)


@given(words, words)
def test_identifier_never_survives(before: str, after: str) -> None:
    identifier = "85.07.30-033.28"
    subject = before + identifier + after
    finding = Finding(Kind.NISS, Where.SUBJECT, (len(before), len(before) + len(identifier)), 0.9, "x", "")
    result = pseudonymise_subject(subject, [finding], ["P-AAAA-BBBB"], "fr")
    assert identifier not in result
    assert result.endswith("P-AAAA-BBBB")


@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        ("Dupont85073003328.pdf", "Dupont", "P-AAAA-BBBB.pdf"),
        ("P-XXXX-XXXX_85073003328.pdf", "P-XXXX-XXXX", "P-AAAA-BBBB.pdf"),
        ("dupont_labo_DUPONT_2024-03-12.pdf", "dupont", "P-AAAA-BBBB_labo.pdf"),
    ],
    ids=["glued-number", "number-beside", "word-elsewhere-and-date"],
)
def test_pseudonymised_filename_keeps_no_digit_run_nor_identifier_word(name: str, part: str, expected: str) -> None:
    start = name.index(part)
    finding = Finding(Kind.PATIENT_NAME, Where.ATTACHMENT_NAME, (start, start + len(part)), 0.9, "x", "", clear=part)
    assert pseudonymise_filename(name, [finding], ["P-AAAA-BBBB"]) == expected


name_words = st.text(alphabet=st.characters(categories=["L"]), min_size=2, max_size=10)
glue = st.sampled_from(("_", " ", "-", ".", "", " - "))


@given(
    before=st.lists(name_words, max_size=3),
    surname=name_words,
    digits=st.text(alphabet="0123456789", min_size=6, max_size=12),
    joins=st.tuples(glue, glue),
    extension=st.sampled_from(("pdf", "docx", "txt", "")),
)
def test_pseudonymised_filename_property(
    before: list[str], surname: str, digits: str, joins: tuple[str, str], extension: str
) -> None:
    """Whatever surrounds them, neither the identifier's words nor a run of six digits survive."""
    prefix = "_".join(before) + ("_" if before else "")
    stem = f"{prefix}{surname}{joins[0]}{digits}{joins[1]}{surname.upper()}"
    name = f"{stem}.{extension}" if extension else stem
    start = len(prefix)
    finding = Finding(
        Kind.PATIENT_NAME, Where.ATTACHMENT_NAME, (start, start + len(surname)), 0.9, "x", "", clear=surname
    )
    result = pseudonymise_filename(name, [finding], ["P-AAAA-BBBB"])
    assert result.startswith("P-AAAA-BBBB")
    rest = result.removeprefix("P-AAAA-BBBB")
    assert surname.casefold() not in {w.casefold() for w in re.findall(r"[^\W_]+", rest)}
    assert not re.search(r"\d(?:[\W_]*\d){5,}", rest)
