"""Access codes in the directory: weak ones refused by line (never shown), new ones written into the CSV."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.crypto.passwords import date_forms
from medseal.directory import (
    Person,
    check_access_codes,
    needing_codes,
    new_access_code,
    parse_directory,
    personal_inputs,
    with_access_codes,
)
from medseal.errors import DirectoryError

HEADER = "last_name,first_name,niss,birth_date,email,access_code,role\n"
ROWS = [
    "Dupont,Marie,85073003328,1985-07-30,m@gmail.com,30071985,patient\n",
    "Peeters,Jan,,,,,patient\n",
    "Lambert,Sophie,,,,kq7m-3xtp-9wfa-c4rh,patient\n",
    "Janssens,Luc,,,dr@x.be,,professional\n",
]


@pytest.mark.parametrize("code", ["1", "1234", "30071985", "1985-07-30", "300785", "marie1985", "azertyuiop"])
def test_weak_codes_are_refused_with_the_line_never_the_code(code: str) -> None:
    directory = parse_directory(HEADER + ROWS[2] + ROWS[0].replace("30071985", code), "p.csv")
    with pytest.raises(DirectoryError) as caught:
        check_access_codes(directory, "p.csv")
    message = str(caught.value)
    assert "p.csv" in message and "line 3" in message and "line 2" not in message
    if len(code) > 3:  # "1" is in any sentence with a number
        assert code not in message


def test_strong_codes_pass_the_check() -> None:
    check_access_codes(parse_directory(HEADER + ROWS[1] + ROWS[2]), "p.csv")


def test_personal_inputs_hold_names_and_every_date_form() -> None:
    person = Person("Van den Broeck", "Anne-Marie", birth_date=datetime.date(1985, 7, 30), email="amvdb@x.be")
    inputs = personal_inputs(person)
    assert {"Van", "den", "Broeck", "Anne", "Marie", "amvdb"} <= set(inputs)
    assert set(date_forms(datetime.date(1985, 7, 30))) <= set(inputs)
    assert {"30071985", "19850730", "300785"} <= set(inputs)


def test_new_codes_land_in_their_rows_and_nothing_else_changes() -> None:
    text = HEADER + "".join(ROWS)
    directory = parse_directory(text)
    people = needing_codes(directory)
    assert [p.line for p in people] == [2, 3]
    codes = {p.line: new_access_code(p) for p in people}
    updated = with_access_codes(text, codes)
    again = parse_directory(updated)
    assert [p.access_code for p in again.people] == [codes[2], codes[3], "kq7m-3xtp-9wfa-c4rh", ""]
    assert updated.splitlines()[3:] == text.splitlines()[3:]
    check_access_codes(again)
    assert needing_codes(again) == []


@given(st.sampled_from([",", ";"]), st.booleans(), st.lists(st.sampled_from(ROWS[1:3]), min_size=1, max_size=4))
def test_a_directory_without_the_column_gets_it(delimiter: str, bom: bool, rows: list[str]) -> None:
    header = "last_name,first_name,role\n"
    body = [r.split(",")[0] + "," + r.split(",")[1] + ",patient\n" for r in rows]
    text = ("\ufeff" if bom else "") + (header + "".join(body)).replace(",", delimiter)
    directory = parse_directory(text)
    codes = {p.line: new_access_code(p) for p in needing_codes(directory)}
    updated = with_access_codes(text, codes)
    assert updated.startswith("\ufeff") == bom
    assert [p.access_code for p in parse_directory(updated).people] == [codes[p.line] for p in directory.people]
