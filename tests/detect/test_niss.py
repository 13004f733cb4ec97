"""National and BIS numbers: every valid one is found once, however and wherever written; nothing else is.

Numbers come from strategies written from the rules (``tests/strategies.py``), not from python-stdnum; the
first tests check both agree. Test ids never show a number.
"""

from __future__ import annotations

import calendar
import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.be import bis, nn, ssn
from strategies import (
    CONTEXT_PREFIXES,
    HTML_FORMATS,
    PLAIN_FORMATS,
    decoys,
    embedded,
    formatted_niss,
    glued_numbers,
    niss_check,
    niss_numbers,
    render_html,
    render_niss,
    unicode_niss,
    wrong_checksum_numbers,
)

from medseal.canonical import canonical
from medseal.detect.niss import find_niss, niss_type
from medseal.model import Finding, Kind, Where
from medseal.text import mask_niss

#: Fictitious numbers from python-stdnum's documentation: NN 1985, NN 2017 (2000+ rule), BIS 1998, BIS 2001.
NN_1985 = "85073003328"
NN_2017 = "17073003384"
BIS_1998 = "98472899765"
BIS_2001 = "01490700185"


def _digit_span(written: str) -> tuple[int, int]:
    """Where the number's digits start and end inside ``written`` (leading and trailing tags left out)."""
    lead = re.match(r"(?:<[^>]*>)*", written)
    trail = re.search(r"(?:<[^>]*>)*$", written)
    assert lead is not None and trail is not None
    return lead.end(), len(written) - len(trail.group())


def _assert_private(finding: Finding, compact: str) -> None:
    shown = json.dumps(finding.public()) + repr(finding)
    assert compact not in shown
    assert compact[6:] not in shown and f"{compact[6:9]}.{compact[9:]}" not in shown
    assert finding.clear not in shown


# --- the strategy and python-stdnum agree ------------------------------------------------------------------


@given(niss_numbers())
def test_strategy_numbers_are_valid_for_stdnum(number: str) -> None:
    assert ssn.is_valid(number)
    expected = "bis" if int(number[2:4]) >= 20 else "nn"
    assert ssn.guess_type(number) == expected
    assert (bis if expected == "bis" else nn).is_valid(number)


@given(wrong_checksum_numbers())
def test_wrong_checksum_numbers_are_invalid_for_stdnum(number: str) -> None:
    assert not ssn.is_valid(number)


def test_check_number_rules_match_known_examples() -> None:
    assert niss_check(NN_1985[:9], 1985) == int(NN_1985[9:])
    assert niss_check(NN_2017[:9], 2017) == int(NN_2017[9:])
    assert niss_check(BIS_1998[:9], 1998) == int(BIS_1998[9:])
    assert niss_check(BIS_2001[:9], 2001) == int(BIS_2001[9:])


# --- every valid number is found exactly once --------------------------------------------------------------


@given(st.data(), formatted_niss(html=True))
def test_valid_number_found_once_in_any_context(data: st.DataObject, number: tuple[str, str]) -> None:
    written, compact = number
    context = data.draw(st.sampled_from(("subject", "body", "html", "filename")))
    if "<" in written or "&" in written:
        context = "html"
    place = data.draw(embedded(written, context))
    where = Where.ATTACHMENT_NAME if context == "filename" else Where.BODY
    findings = find_niss(place.text, where, part=3)
    assert len(findings) == 1
    (finding,) = findings
    lead, trail = _digit_span(written)
    assert finding.span == (place.start + lead, place.start + trail)
    assert finding.clear == place.text[finding.span[0] : finding.span[1]]
    assert finding.kind is Kind.NISS and finding.where is where and finding.part == 3
    assert finding.masked == mask_niss(compact)
    assert finding.patient_key == f"niss:{compact}"
    assert 0.0 < finding.confidence <= 1.0
    if place.labelled:
        assert finding.confidence >= 0.95
    _assert_private(finding, compact)


@given(formatted_niss(), st.sampled_from(("\n", ", ", " et ", " en ", "</td><td>", "; ")))
def test_same_number_twice_gives_two_findings(number: tuple[str, str], between: str) -> None:
    written, compact = number
    text = f"NISS {written}{between}{written}."
    findings = find_niss(text, Where.BODY)
    assert [f.patient_key for f in findings] == [f"niss:{compact}"] * 2
    assert findings[0].span == (5, 5 + len(written))
    assert findings[1].span[0] == 5 + len(written) + len(between)


@given(st.lists(formatted_niss(), min_size=1, max_size=5), st.data())
def test_several_numbers_found_in_order(numbers: list[tuple[str, str]], data: st.DataObject) -> None:
    text, expected = "", []
    for written, compact in numbers:
        text += data.draw(st.sampled_from((" Patient ", "; ", "\n", " INSZ: ", " und ")))
        expected.append((len(text), compact))
        text += written
    findings = find_niss(text, Where.ATTACHMENT, part=0)
    assert [(f.span[0], f.patient_key) for f in findings if f.span] == [(s, f"niss:{c}") for s, c in expected]


# --- nothing else is found --------------------------------------------------------------------------------


@given(st.data(), wrong_checksum_numbers())
def test_wrong_checksum_never_found(data: st.DataObject, number: str) -> None:
    written = render_niss(number, data.draw(st.sampled_from(PLAIN_FORMATS)))
    place = data.draw(embedded(written, data.draw(st.sampled_from(("subject", "body", "filename")))))
    assert find_niss(place.text, Where.BODY) == []


def _real_date(digits: str) -> bool:
    """A known birth date is a calendar day (stdnum reads day 30 February as 'day unknown')."""
    month, day = int(digits[2:4]) % 20, int(digits[4:6])
    if not month or not day or digits[:6] in ("000001", "002001", "004001"):
        return True
    century = 1900 if niss_check(digits[:9], 1900) == int(digits[9:]) else 2000
    return day <= calendar.monthrange(century + int(digits[:2]), month)[1]


@given(st.text("0123456789", min_size=11, max_size=11))
@example("85023000000")
def test_eleven_digits_found_exactly_when_stdnum_accepts_them(digits: str) -> None:
    findings = find_niss(f"Nummer {digits} ", Where.BODY)
    accepted = ssn.is_valid(digits) and _real_date(digits)
    assert (niss_type(digits) is not None) == accepted
    assert len(findings) == (1 if accepted else 0)


@given(niss_numbers(every_counter=True))
def test_every_number_the_rules_give_is_found(compact: str) -> None:
    assert ssn.is_valid(compact)
    (finding,) = find_niss(f"Patient {compact}.", Where.BODY)
    assert finding.patient_key == f"niss:{compact}" and finding.span == (8, 19)


def test_impossible_calendar_dates_are_rejected() -> None:
    for first_nine, year in (("850230033", 1985), ("850229033", 1985), ("010229033", 2001), ("850431033", 1985)):
        number = first_nine + f"{niss_check(first_nine, year):02d}"
        assert ssn.is_valid(number)  # stdnum reads the day as unknown
        assert find_niss(f"NISS {number}", Where.BODY) == []
    leap = "840229033" + f"{niss_check('840229033', 1984):02d}"
    assert len(find_niss(f"NISS {leap}", Where.BODY)) == 1


# --- every written form, every Unicode variant, glued or not ---------------------------------------------


@given(st.data(), unicode_niss(numbers=niss_numbers(every_counter=True)))
def test_unicode_forms_found_once_with_the_original_span(data: st.DataObject, number: tuple[str, str]) -> None:
    written, compact = number
    context = data.draw(st.sampled_from(("subject", "body", "filename")))
    place = data.draw(embedded(written, context))
    where = Where.ATTACHMENT_NAME if context == "filename" else Where.SUBJECT
    (finding,) = find_niss(place.text, where)
    assert finding.span == (place.start, place.end)
    assert finding.clear == written
    assert finding.patient_key == f"niss:{compact}"
    _assert_private(finding, compact)


@given(st.data(), wrong_checksum_numbers())
def test_unicode_forms_of_wrong_checksums_never_found(data: st.DataObject, number: str) -> None:
    written = data.draw(unicode_niss(numbers=st.just(number)))
    assert find_niss(f"NISS {written.written}", Where.BODY) == []


@given(glued_numbers())
def test_glued_and_contextual_numbers_are_reported(place: tuple[str, int, int, str]) -> None:
    text, start, end, compact = place
    (finding,) = find_niss(text, Where.ATTACHMENT_NAME)
    assert finding.span == (start, end) and finding.patient_key == f"niss:{compact}"
    (alone,) = find_niss(text[start:end], Where.ATTACHMENT_NAME)
    prefix = text[:start]
    if prefix in CONTEXT_PREFIXES and prefix not in ("+++", "***"):
        assert 0.5 <= finding.confidence < alone.confidence  # lowered, never dropped
        assert "another number" in finding.detail
    assert finding.confidence >= 0.5


def test_canonical_text_maps_back_to_every_original_character() -> None:
    text = "N\u200bISS\u00a0:\u202f８５\u2009٠٧\u2060.30\u2013033\u00ad.28"
    canon = canonical(text)
    assert canon.text == "NISS : 85 07.30-033.28"
    (finding,) = find_niss(text, Where.SUBJECT)
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == text[text.index("８") :]
    assert finding.confidence >= 0.95


@given(st.data(), decoys())
def test_decoys_never_found(data: st.DataObject, decoy: str) -> None:
    context = data.draw(st.sampled_from(("subject", "body", "html")))
    place = data.draw(embedded(decoy, context, label=False))
    assert find_niss(place.text, Where.BODY) == []


@given(st.text())
@example("")
@example("<" * 50_000 + "85073003328")
@example("85" + "&nbsp;" * 10_000)
def test_never_raises_on_arbitrary_text(text: str) -> None:
    findings = find_niss(text, Where.SUBJECT)
    assert all(f.kind is Kind.NISS for f in findings)


@given(st.text("0123456789 .-/\n<b>&nbsp;", max_size=200))
def test_findings_never_overlap_and_are_valid(text: str) -> None:
    findings = find_niss(text, Where.BODY)
    ends = [0]
    for finding in findings:
        assert finding.span is not None
        start, end = finding.span
        assert start >= ends[-1] and end > start
        ends.append(end)
        assert ssn.is_valid(finding.patient_key.removeprefix("niss:"))
        assert text[start] in "0123456789" and text[end - 1] in "0123456789"


# --- table tests: the formats and labels people use, the decoys of the issue ------------------------------

FORMATS = {
    "bare": NN_1985,
    "dotted": "85.07.30-033.28",
    "date-dash-dash": "850730-033-28",
    "spaced": "85 07 30 033 28",
    "date-space-space": "850730 033 28",
    "dotted-space-dash": "85.07.30 033-28",
    "slashes": "85/07/30/033/28",
    "all-dots": "85.07.30.033.28",
    "date-slash": "850730/033/28",
    "nbsp": "85\u00a007\u00a030\u00a0033\u00a028",
    "html-bold": "<b>85.07.30</b>-033.28",
    "html-entity": "85.07.30&nbsp;033.28",
    "html-spans": "<span>850730</span>-<span>033</span>-28",
    "spaced-dash": "85.07.30 - 033.28",
    "nn-2000s": "17 07 30 033 84",
    "bis-1998": "98.47.28-997.65",
    "bis-2001": "01.49.07-001.85",
}


@pytest.mark.parametrize("written", FORMATS.values(), ids=FORMATS.keys())
def test_formats(written: str) -> None:
    text = f"Bonjour, voici le patient {written}. Merci"
    (finding,) = find_niss(text, Where.BODY)
    lead, trail = _digit_span(written)
    assert finding.span == (26 + lead, 26 + trail)
    assert finding.masked.endswith("-xxx.xx") and finding.masked[:2] == written[lead : lead + 2]
    assert 0.7 <= finding.confidence < 0.95


def test_unknown_birth_dates_are_found() -> None:
    for first_nine, year in (
        ("850700033", 1985),
        ("850000033", 1985),
        ("052000004", 2005),
        ("000001001", 1900),
    ):
        number = first_nine + f"{niss_check(first_nine, year):02d}"
        (finding,) = find_niss(f"INSZ {number}", Where.BODY)
        assert finding.confidence >= 0.95


LABELLED = [
    "NISS: {}",
    "niss {}",
    "INSZ nr. {}",
    "SSIN {}",
    "ENSS: {}",
    "RRN {}",
    "NN: {}",
    "n° national : {}",
    "N° national {}",
    "Numéro national: {}",
    "numéro de registre national {}",
    "N° de registre national du patient : {}",
    "Rijksregisternummer: {}",
    "rijksregisternr. {}",
    "Nationalregisternummer {}",
    "national number {}",
    "National register number: {}",
    "numéro BIS {}",
    "BIS: {}",
    "bisnummer {}",
    "identificatienummer van de sociale zekerheid: {}",
    "INSZ van de patiënt: {}",
    "<th>NISS</th><td>{}</td>",
    "<b>INSZ</b>&nbsp;: {}",
    "{} (NISS)",
    "№ national {}",
]


@pytest.mark.parametrize("template", LABELLED, ids=[f"label-{i}" for i in range(len(LABELLED))])
def test_labels_raise_confidence(template: str) -> None:
    labelled = find_niss(template.format("85.07.30-033.28"), Where.BODY)
    plain = find_niss("Texte 85.07.30-033.28 suite", Where.BODY)
    assert len(labelled) == 1 and len(plain) == 1
    assert labelled[0].confidence >= 0.95 > plain[0].confidence
    assert "label" in labelled[0].detail and "033" not in labelled[0].detail


DECOYS = {
    "mobile-intl": "+32 470 12 34 56",
    "mobile-0032": "0032 470 12 34 56",
    "mobile-national": "0470/12.34.56",
    "land-line": "02 123 45 67",
    "iban": "BE71 0961 2345 6769",
    "iban-compact": "BE71096123456769",
    "vat-dotted": "0403.170.701",
    "vat-be": "BE0403170701",
    "inami": "1-23456-78-901",
    "structured": "+++090/9337/55493+++",
    "longer-run": "1" + NN_1985 + "9",
    "digit-before": "1" + NN_1985,
    "digit-after": NN_1985 + "9",
    "phone-prefix-glued": "+32" + NN_1985,
    "phone-e164": "+" + NN_1985,
    "phone-e164-spaced": "+ " + NN_1985,
    "phone-list": "0470 12 00 05 02 123 46 67",  # a valid number straddles the two phone numbers
    "phone-list-slash": "0470 12 00 05 / 02 123 46 67",
    "continued-slash": "2024/" + NN_1985,
    "continued-dash": "85.07.30-033.28-1",
    "date": "30/07/1985",
    "date-range": "du 30.07.1985 au 01.08.1985",
    "iso-datetime": "1985-07-30 10:30:00",
    "day-45": "85.07.45-033." + f"{niss_check('850745033', 1985):02d}",
}


#: Valid numbers next to another number's label or prefix, glued to letters, or with a rare counter: by the
#: rules they are national numbers, so they are reported (a context word only lowers the confidence).
REPORTED = {
    "letter-before": "X" + NN_1985,
    "letter-after": NN_1985 + "X",
    "phone-prefix": "+32 " + NN_1985,
    "phone-prefix-0032": "0032 " + NN_1985,
    "be-glued": "BE" + NN_1985,
    "be-space": "BE " + NN_1985,
    "be-colon": "BE: " + NN_1985,
    "iban-prefix": "BE71 " + NN_1985,
    "structured-fence": f"+++{NN_1985}+++",
    "inami-label": "INAMI " + NN_1985,
    "riziv-label": "RIZIV-nummer: " + NN_1985,
    "vat-label": "TVA: " + NN_1985,
    "phone-label": "Tél. : " + NN_1985,
    "account-label": "Rekeningnummer " + NN_1985,
    "invoice-label": "Facture n° " + NN_1985,
    "file-label": "Dossier: " + NN_1985,
    "counter-000": "85.07.30-000." + f"{niss_check('850730000', 1985):02d}",
    "counter-999": "85.07.30-999." + f"{niss_check('850730999', 1985):02d}",
    "glued-label": "NISS" + NN_1985,
    "glued-name-file": "Dupont" + NN_1985 + ".pdf",
    "pseudonymised-file": "P-7F3K-2XQM_" + NN_1985 + ".pdf",
    "plus32-grouped": "+32 85.07.30-033.28",
    "folded-header": "85.07.30-\r\n 033.28",
    "underscores": "85_07_30_033_28",
    "commas": "85,07,30,033,28",
    "colons": "85:07:30:033:28",
    "middle-dots": "85·07·30·033·28",
    "en-dashes": "85.07.30\u2013033.28",
    "em-dash": "850730\u2014033\u201428",
    "minus": "85.07.30\u2212033.28",
    "full-width-stops": "85\uff0e07\uff0e30\uff0d033\uff0e28",
    "thin-spaces": "85\u200907\u200930\u2009033\u200928",
    "zwsp-inside": "8507\u200b3003\u200b328",
    "soft-hyphen": "850730\u00ad03328",
    "bom-word-joiner": "\ufeff85073\u20600033\u206028",
    "full-width-digits": "\uff18\uff15\uff10\uff17\uff13\uff10\uff10\uff13\uff13\uff12\uff18",
    "arabic-indic": "\u0668\u0665\u0660\u0667\u0663\u0660\u0660\u0663\u0663\u0662\u0668",
    "glued-letter-after": NN_1985 + "a",
}


@pytest.mark.parametrize("written", REPORTED.values(), ids=REPORTED.keys())
def test_valid_numbers_are_reported_whatever_the_context(written: str) -> None:
    findings = find_niss(f"Bonjour {written} merci", Where.BODY)
    assert len(findings) == 1
    assert findings[0].masked.endswith("-xxx.xx") and findings[0].confidence >= 0.5
    assert len(find_niss(written, Where.ATTACHMENT_NAME)) == 1


def _both_niss_and(check: object) -> str:
    """A valid national number whose digits also pass another number's check (found by search)."""
    assert callable(check)
    for counter in range(1, 999):
        first_nine = f"850730{counter:03d}"
        number = first_nine + f"{niss_check(first_nine, 1985):02d}"
        if check(number):
            return number
    raise AssertionError("no such number")


def test_decoys_are_recognised_by_their_own_check() -> None:
    inami = _both_niss_and(lambda n: 97 - int(n[:6]) % 97 == int(n[6:8]))
    assert find_niss(f"INAMI {inami}", Where.BODY) == []
    assert len(find_niss(f"Patient {inami}", Where.BODY)) == 1
    not_inami = _both_niss_and(lambda n: int(n[6:8]) not in (97 - int(n[:6]) % 97, 89 - int(n[:6]) % 89))
    (finding,) = find_niss(f"INAMI {not_inami}", Where.BODY)
    assert finding.confidence < 0.75


@pytest.mark.parametrize("decoy", DECOYS.values(), ids=DECOYS.keys())
def test_decoys(decoy: str) -> None:
    assert find_niss(f"Bonjour {decoy} merci", Where.BODY) == []
    assert find_niss(decoy, Where.SUBJECT) == []


def test_niss_after_other_numbers_is_still_found() -> None:
    text = "Tél. 0470/12.34.56, né le 30/07/1985. 85.07.30-033.28; TVA BE 0403.170.701, 1985 85073003328"
    findings = find_niss(text, Where.BODY)
    assert [f.masked for f in findings] == ["85.07.30-xxx.xx"] * 2


def test_niss_as_dossier_number_in_national_format_is_kept() -> None:
    (finding,) = find_niss("Dossier: 85.07.30-033.28", Where.BODY)
    (plain,) = find_niss("Texte 85.07.30-033.28", Where.BODY)
    assert 0.5 <= finding.confidence < plain.confidence


def test_html_markup_between_groups_is_covered_by_the_span() -> None:
    text = "<p>INSZ: <b>85.07.30</b>-033.28</p>"
    (finding,) = find_niss(text, Where.BODY)
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == "85.07.30</b>-033.28"
    assert finding.confidence >= 0.95


def test_bis_and_nn_are_told_apart_in_detail() -> None:
    (bis_finding,) = find_niss(f"n° BIS {BIS_1998}", Where.BODY)
    (nn_finding,) = find_niss(f"NISS {NN_1985}", Where.BODY)
    assert "BIS number" in bis_finding.detail and "national number" in nn_finding.detail


def test_render_helpers_cover_every_format() -> None:
    for seps in PLAIN_FORMATS:
        assert re.sub(r"\D", "", render_niss(NN_1985, seps)) == NN_1985
    for template in HTML_FORMATS:
        rendered = render_html(NN_1985, template)
        assert [f.patient_key for f in find_niss(rendered, Where.BODY)] == [f"niss:{NN_1985}"]
