"""The practice's directory: its patients (and optionally health professionals) from a UTF-8 CSV file.

Columns (header row required): ``last_name``, ``first_name``; optional ``niss``, ``birth_date``
(YYYY-MM-DD), ``email``, ``access_code`` (a password agreed with the patient), ``certificate`` (path or PEM
of an S/MIME certificate), ``role`` (``patient``, the default, or ``professional``), ``language`` (``fr``,
``nl``, ``de`` or ``en``: the language the person reads — the clear e-mail, the envelope's letter and the
access-code card are written in it; empty: unknown).
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from stdnum.be import bis, nn

from medseal.crypto.passwords import CodeStrength, assess_access_code, date_forms
from medseal.errors import DirectoryError
from medseal.i18n import LANGUAGES
from medseal.text import fold

REQUIRED_COLUMNS = ("last_name", "first_name")
OPTIONAL_COLUMNS = ("niss", "birth_date", "email", "access_code", "certificate", "role", "language")
ROLES = ("patient", "professional")


@dataclass(frozen=True)
class Person:
    """One row of the directory."""

    last_name: str
    first_name: str
    niss: str = ""
    birth_date: datetime.date | None = None
    email: str = ""
    access_code: str = field(default="", repr=False)
    certificate: str = field(default="", repr=False)
    role: str = "patient"
    language: str = ""  # one of i18n.LANGUAGES, or "" when the directory does not say
    line: int = field(default=0, compare=False)

    @property
    def patient_key(self) -> str:
        """The normalised identity pseudonyms are computed from."""
        if self.niss:
            return f"niss:{self.niss}"
        return f"name:{fold(self.last_name).strip()}|{fold(self.first_name).strip()}"


@dataclass(frozen=True)
class Directory:
    """Patients and professionals known to the practice."""

    people: tuple[Person, ...] = ()

    @property
    def patients(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.role == "patient")

    @property
    def professionals(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.role == "professional")

    @functools.cached_property
    def _by_email(self) -> dict[str, Person]:
        """Each address to the first person listed with it (built once per directory)."""
        index: dict[str, Person] = {}
        for person in self.people:
            if person.email:
                index.setdefault(person.email.lower(), person)
        return index

    def by_email(self, address: str) -> Person | None:
        return self._by_email.get(address.strip().lower())

    def patient_by_email(self, address: str) -> Person | None:
        """The directory patient (not professional) with this address."""
        person = self.by_email(address)
        return person if person is not None and person.role == "patient" else None

    def by_key(self, patient_key: str) -> Person | None:
        for person in self.patients:
            if person.patient_key == patient_key:
                return person
        return None


def _normalise_niss(value: str, where: str) -> str:
    value = value.strip()
    if not value:
        return ""
    for module in (nn, bis):
        if module.is_valid(value):
            return str(module.compact(value))
    raise DirectoryError(f"{where}: column niss is not a valid national or BIS number")


def _parse_date(value: str, where: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise DirectoryError(f"{where}: column birth_date must be YYYY-MM-DD") from None


def parse_directory(text: str, source: str = "directory") -> Directory:
    """Parse the CSV ``text``; errors name ``source`` and the line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise DirectoryError(f"{source}, line 1: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DirectoryError(f"{source}, line 1: missing column(s) {', '.join(missing)} in the header row")
    unknown = [c for c in header if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise DirectoryError(f"{source}, line 1: unknown column(s) {', '.join(unknown)}")
    reader.fieldnames = header
    people = []
    try:
        for row in reader:
            where = f"{source}, line {reader.line_num}"
            if None in row:
                raise DirectoryError(f"{where}: more fields than columns in the header")
            values = {k: (v or "").strip() for k, v in row.items()}
            if not any(values.values()):
                continue
            if not values.get("last_name") or not values.get("first_name"):
                raise DirectoryError(f"{where}: last_name and first_name are required")
            role = values.get("role", "").lower() or "patient"
            if role not in ROLES:
                raise DirectoryError(f"{where}: column role must be one of {', '.join(ROLES)}")
            language = values.get("language", "").lower()
            if language and language not in LANGUAGES:
                raise DirectoryError(f"{where}: column language must be one of {', '.join(LANGUAGES)} (or empty)")
            people.append(
                Person(
                    last_name=values["last_name"],
                    first_name=values["first_name"],
                    niss=_normalise_niss(values.get("niss", ""), where),
                    birth_date=_parse_date(values.get("birth_date", ""), where),
                    email=values.get("email", "").lower(),
                    access_code=values.get("access_code", ""),
                    certificate=values.get("certificate", ""),
                    role=role,
                    language=language,
                    line=reader.line_num,
                )
            )
    except csv.Error as exc:
        raise DirectoryError(f"{source}, line {reader.line_num}: {exc}") from None
    return Directory(tuple(people))


def load_directory(data: bytes, source: str) -> Directory:
    """Decode UTF-8 ``data`` (from a file or a managed setting) and parse it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DirectoryError(f"{source}, line {line}: not UTF-8 text") from None
    return parse_directory(text, source)


def personal_inputs(person: Person) -> tuple[str, ...]:
    """What an attacker who knows ``person`` tries first: name parts, e-mail local part, birth-date forms."""
    names = [part for name in (person.last_name, person.first_name) for part in name.replace("-", " ").split()]
    names += [person.last_name, person.first_name, person.email.split("@", 1)[0]]
    dates = date_forms(person.birth_date) if person.birth_date else ()
    return tuple(dict.fromkeys(n for n in (*names, *dates) if n))


def access_code_strength(person: Person) -> CodeStrength:
    """The strength of ``person``'s agreed access code, judged against their own name and birth date."""
    return assess_access_code(person.access_code, personal_inputs(person))


def weak_access_codes(
    directory: Directory, addresses: Iterable[str] | None = None
) -> list[tuple[Person, CodeStrength]]:
    """The people whose (non-empty) access code is under the floor, with why; only those with one of
    ``addresses`` when given (the recipients whose code would encrypt this message)."""
    wanted = None if addresses is None else {a.strip().lower() for a in addresses}
    found = []
    for person in directory.people:
        if person.access_code and (wanted is None or person.email in wanted):
            strength = access_code_strength(person)
            if not strength.acceptable:
                found.append((person, strength))
    return found


def check_access_codes(
    directory: Directory, source: str = "directory", addresses: Iterable[str] | None = None
) -> None:
    """Raise :class:`DirectoryError` naming the CSV lines (never the codes) of weak access codes.

    Run it wherever a directory's codes are about to protect messages (``addresses``: the recipients; all
    rows when ``None``, as ``medseal directory check`` does): a weak code would encrypt an envelope that an
    interceptor opens in seconds (see :data:`medseal.crypto.passwords.FLOOR_BITS`). A few ms a code.
    """
    from medseal.i18n import t

    weak = weak_access_codes(directory, addresses)
    if not weak:
        return
    lines = "; ".join(f"line {p.line}: {t(s.reason, 'en')} ({s.bits:.0f} bits)" for p, s in weak[:10])
    more = f"; and {len(weak) - 10} more" if len(weak) > 10 else ""
    raise DirectoryError(
        f"{source}: {len(weak)} access code(s) too weak to protect an envelope (under 40 bits): {lines}{more}. "
        "Replace them, e.g. with: medseal directory codes"
    )


def needing_codes(directory: Directory) -> list[Person]:
    """Patients without an access code, or with one under the floor."""
    return [p for p in directory.patients if not p.access_code or not access_code_strength(p).acceptable]


def new_access_code(person: Person) -> str:
    """A fresh code for ``person`` that clears the floor against their own data too."""
    from medseal.crypto.passwords import generate_access_code

    while True:  # 80 random bits: the first draw virtually always passes
        code = generate_access_code()
        if assess_access_code(code, personal_inputs(person)).acceptable:
            return code


def with_access_codes(text: str, codes: dict[int, str]) -> str:
    """The CSV ``text`` with the ``access_code`` of the rows at the given lines replaced (column added if
    missing); every other byte of every row, the delimiter and the column order stay as they were."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    first_line = body.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    newline = "\r\n" if "\r\n" in first_line + "\n" and first_line.endswith("\r") else "\n"
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    header: list[str] = []
    column = -1
    for row in reader:
        if not header:
            header = row
            names = [h.strip().lower() for h in row]
            if "access_code" in names:
                column = names.index("access_code")
            else:
                column = len(row)
                row = [*row, "access_code"]
            writer.writerow(row)
            continue
        code = codes.get(reader.line_num)
        if code is not None:
            row = row + [""] * (column + 1 - len(row))
            row[column] = code
        elif column == len(header) and any(row):
            row = [*row, ""]
        writer.writerow(row)
    return bom + out.getvalue()
