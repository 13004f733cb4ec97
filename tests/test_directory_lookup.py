"""Looking a recipient up in the directory by address: the index built once per directory answers exactly as
reading the rows in order would (first row listed wins, case and surrounding spaces ignored)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.directory import Directory, Person, parse_directory
from medseal.errors import DirectoryError

ADDRESSES = st.sampled_from(["a@x.be", "A@X.be", "b@gmail.com", "", "c@skynet.be"])
PEOPLE = st.lists(
    st.builds(
        Person,
        last_name=st.sampled_from(["Dupont", "Peeters"]),
        first_name=st.just("M"),
        email=ADDRESSES,
        role=st.sampled_from(["patient", "professional"]),
    ),
    max_size=8,
)


def _by_reading_rows(directory: Directory, address: str) -> Person | None:
    wanted = address.strip().lower()
    return next((p for p in directory.people if p.email and p.email.lower() == wanted), None)


@given(PEOPLE, st.one_of(ADDRESSES, ADDRESSES.map(lambda a: f"  {a.upper()} ")))
def test_lookup_by_address_is_the_first_row_with_it(people: list[Person], address: str) -> None:
    directory = Directory(tuple(people))
    found = directory.by_email(address)
    assert found is _by_reading_rows(directory, address)
    patient = directory.patient_by_email(address)
    assert patient is (found if found is not None and found.role == "patient" else None)


@given(st.sampled_from(["fr", "NL", " de ", "en", ""]))
def test_the_language_column_says_what_the_person_reads(language: str) -> None:
    directory = parse_directory(f"last_name,first_name,email,language\nDupont,Marie,m@x.be,{language}\n")
    assert directory.people[0].language == language.strip().lower()


@pytest.mark.parametrize("language", ["es", "français", "f"])
def test_an_unknown_language_names_the_column_and_the_line(language: str) -> None:
    with pytest.raises(DirectoryError, match=r"line 2: column language must be one of fr, nl, de, en"):
        parse_directory(f"last_name,first_name,language\nDupont,Marie,{language}\n")
