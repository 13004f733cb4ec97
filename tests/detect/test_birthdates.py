"""Birth dates: a date is one only when the words before it say so, in French, Dutch, German or English.

Test ids never show a date.
"""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.detect.birthdates import find_birth_dates
from medseal.model import Kind, Where

# (text, the date as written)
POSITIVES = [
    ("né le 12/03/1985", "12/03/1985"),
    ("Patiente née le 12 mars 1985, vue ce jour", "12 mars 1985"),
    ("Née le 1er février 1985 à Liège", "1er février 1985"),
    ("né à Bruxelles le 12.3.85", "12.3.85"),
    ("NÉ(E) LE 12-03-1985", "12-03-1985"),
    ("date de naissance : 12-03-1985", "12-03-1985"),
    ("Date de naissance du patient: 12/03/1985", "12/03/1985"),
    ("DDN 12/03/1985", "12/03/1985"),
    ("Dupont Marie (° 12.03.1985)", "12.03.1985"),
    ("geboren op 12/03/1985", "12/03/1985"),
    ("geboren te Gent op 3 december 1985", "3 december 1985"),
    ("Geboortedatum: 12.03.1985", "12.03.1985"),
    ("geb. 12.03.1985", "12.03.1985"),
    ("geboortedatum 12 03 1985", "12 03 1985"),
    ("geboren am 12.03.1985", "12.03.1985"),
    ("Geburtsdatum: 12. März 1985", "12. März 1985"),
    ("Geb.-Datum 1985-03-12", "1985-03-12"),
    ("DOB: 1985-03-12", "1985-03-12"),
    ("D.O.B. 19850312", "19850312"),
    ("Date of birth: March 12, 1985", "March 12, 1985"),
    ("born on 12th March 1985", "12th March 1985"),
    ("Birth date: 12 Mar 1985", "12 Mar 1985"),
    ("<birthdate>\n  <date>1985-03-12</date>\n</birthdate>", "1985-03-12"),
]


@pytest.mark.parametrize(("text", "date"), POSITIVES, ids=[f"pos-{i}" for i in range(len(POSITIVES))])
def test_birth_dates_found(text: str, date: str) -> None:
    findings = find_birth_dates(text, Where.BODY, part=2)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.kind is Kind.BIRTH_DATE
    assert finding.where is Where.BODY
    assert finding.part == 2
    assert finding.clear == date
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == date
    assert finding.masked == "xx/xx/xxxx"
    assert finding.patient_key == ""
    assert 0.5 < finding.confidence <= 1
    assert date not in json.dumps(finding.public(), ensure_ascii=False)
    assert date not in repr(finding)


NEGATIVES = [
    "rendez-vous le 12/03/2025",
    "Facture n° 12/03/2024",
    "Il ne viendra pas le 12/03/2025",
    "né le 31/02/1985",  # no such day
    "né le 12/03/2099",  # in the future
    "Date de naissance: 12/03/1985123",  # part of a longer number
    "Sa sœur est née à Liège, rendez-vous le 12/03/2025",
    "Température 37° 12/03/2024",
    "Afspraak op 12/03/2025",
    "Termin am 12.03.2025",
    "Appointment on March 12, 2025 at 10:00",
    "Rapport du 1985-03-12",
    "nééééé 12",
    "geb. Müller",  # a maiden name, no date
]


@pytest.mark.parametrize("text", NEGATIVES, ids=[f"neg-{i}" for i in range(len(NEGATIVES))])
def test_dates_without_birth_context_are_not_birth_dates(text: str) -> None:
    assert find_birth_dates(text, Where.SUBJECT) == []


def test_two_birth_dates_in_one_text() -> None:
    text = "Mère née le 02/05/1960, enfant né le 12/03/1985."
    assert [f.clear for f in find_birth_dates(text, Where.BODY)] == ["02/05/1960", "12/03/1985"]


# --- properties ----------------------------------------------------------------------------------------
MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
CONTEXTS = {
    "fr": ["né le ", "née le ", "Date de naissance : ", "date de naissance: ", "(° "],
    "nl": ["geboren op ", "Geboortedatum: ", "geb. "],
    "de": ["geboren am ", "Geburtsdatum: "],
    "en": ["DOB: ", "date of birth: ", "born on "],
}
FILLER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,;\n", max_size=30)


@st.composite
def written_dates(draw: st.DrawFn, lang: str) -> str:
    date = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 12, 31)))
    style = draw(st.integers(0, 3))
    if style == 0:
        sep = draw(st.sampled_from("/.-"))
        return f"{date.day:02d}{sep}{date.month:02d}{sep}{date.year}"
    if style == 1:
        return date.isoformat()
    if style == 2:
        return f"{date.day}/{date.month}/{date.year}"
    month = MONTHS[lang][date.month - 1]
    if lang == "en" and draw(st.booleans()):
        return f"{month} {date.day}, {date.year}"
    return f"{date.day}{'.' if lang == 'de' else ''} {month} {date.year}"


@given(data=st.data(), lang=st.sampled_from(sorted(CONTEXTS)), before=FILLER, after=FILLER)
def test_any_birth_date_in_context_is_found_once(data: st.DataObject, lang: str, before: str, after: str) -> None:
    context = data.draw(st.sampled_from(CONTEXTS[lang]))
    date = data.draw(written_dates(lang))
    left = before + " " + context
    text = left + date + data.draw(st.sampled_from([" ", ". ", ")", ", ", "\n"])) + after
    findings = find_birth_dates(text, Where.BODY)
    assert len(findings) == 1
    assert findings[0].span == (len(left), len(left) + len(date))
    assert findings[0].clear == date


@given(data=st.data(), lang=st.sampled_from(sorted(CONTEXTS)))
def test_a_date_without_context_is_not_a_birth_date(data: st.DataObject, lang: str) -> None:
    lead = data.draw(st.sampled_from(["rendez-vous le ", "afspraak op ", "Termin am ", "meeting on ", "le ", ""]))
    text = lead + data.draw(written_dates(lang))
    assert find_birth_dates(text, Where.SUBJECT) == []


@given(text=st.text(), where=st.sampled_from(list(Where)))
def test_never_raises_on_arbitrary_text(text: str, where: Where) -> None:
    for finding in find_birth_dates(text, where):
        assert finding.span is not None
        assert text[finding.span[0] : finding.span[1]] == finding.clear


@given(text=st.text(alphabet=st.sampled_from("0123456789/.- néÉ°geborndatum:\n<>İ"), max_size=60))
def test_never_raises_on_date_like_text(text: str) -> None:
    for finding in find_birth_dates(text, Where.BODY):
        assert finding.span is not None
        assert text[finding.span[0] : finding.span[1]] == finding.clear
