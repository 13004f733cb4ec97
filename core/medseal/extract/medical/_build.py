"""What every medical reader shares: a text builder that remembers where each identity value stands, and the
normalisation of the values themselves (national numbers, dates, sexes)."""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
from collections.abc import Iterator

from stdnum.be import bis, nn

from medseal.model import Identity, IdentityField, IdentityValue


class TextBuilder:
    """The document's text, written line by line; :meth:`value` returns the span a value gets in it."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0

    def write(self, text: str) -> tuple[int, int]:
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start, self._length

    def line(self, label: str, value: str) -> tuple[int, int] | None:
        """``label: value`` on a line of its own; the span of ``value`` (``None`` when blank)."""
        value = " ".join(value.split())
        if not value:
            return None
        if self._length:
            self.write("\n")
        if label:
            self.write(f"{label}: ")
        return self.write(value)

    def __len__(self) -> int:
        return self._length

    @property
    def text(self) -> str:
        """The text so far (joined on each call: ask ``len(builder)`` to know whether it is empty)."""
        return "".join(self._parts)


class PersonBuilder:
    """The values read for one person, in the order they were read."""

    def __init__(self, role: str, source: str) -> None:
        self.role = role
        self.source = source
        self.values: list[IdentityValue] = []

    def add(self, field: IdentityField, value: str, source: str, span: tuple[int, int] | None) -> None:
        value = " ".join(value.split())
        if value:
            self.values.append(IdentityValue(field, value, source, span))

    def identity(self) -> Identity | None:
        return Identity(self.role, self.source, tuple(self.values)) if self.values else None


_DIGITS = re.compile(r"[\s./-]")


def national_number(value: str) -> str | None:
    """The 11 digits of a valid national (NN) or BIS number written in ``value``, else ``None``."""
    compact = _DIGITS.sub("", value)
    if len(compact) != 11 or not compact.isdigit():
        return None
    if not 1 <= int(compact[6:9]) <= 998:
        return None
    return compact if nn.is_valid(compact) or bis.is_valid(compact) else None


def iso_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` for a real past date after 1880 (a birth date), else ``None``."""
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    if not datetime.date(1880, 1, 1) <= date <= datetime.date.today():
        return None
    return date.isoformat()


_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:$|[T\s])")
_DMY = re.compile(r"^(\d{2})[./-]?(\d{2})[./-]?(\d{4})$")
_DMY_SHORT = re.compile(r"^(\d{2})[./-]?(\d{2})[./-]?(\d{2})$")


def birth_date(value: str, day_first: bool = False) -> str | None:
    """A birth date written ``YYYYMMDD``/``YYYY-MM-DD`` (HL7, DICOM, KMEHR, FHIR) or, with ``day_first``,
    ``DDMMYYYY``/``DD/MM/YYYY``/``DDMMYY`` (HealthOne); ``None`` for anything partial or invalid."""
    value = value.strip()
    if day_first:
        if match := _DMY.match(value):
            return iso_date(int(match[3]), int(match[2]), int(match[1]))
        if match := _DMY_SHORT.match(value):
            yy = int(match[3])
            year = 2000 + yy if 2000 + yy <= datetime.date.today().year else 1900 + yy
            return iso_date(year, int(match[2]), int(match[1]))
    if match := _ISO.match(value):
        return iso_date(int(match[1]), int(match[2]), int(match[3]))
    return None


def lab_birth_date(value: str) -> str | None:
    """A Medidoc birth date: ``YYYYMMDD`` as the format says, or ``DDMMYYYY`` as many labs write it;
    six digits are ``YYMMDD`` unless the last two cannot be a day (then ``DDMMYY``)."""
    value = value.strip()
    if len(value) == 6 and value.isdigit():
        if int(value[4:]) > 31:
            return birth_date(value, day_first=True)
        yy = int(value[:2])
        year = 2000 + yy if 2000 + yy <= datetime.date.today().year else 1900 + yy
        return iso_date(year, int(value[2:4]), int(value[4:]))
    return birth_date(value) or birth_date(value, day_first=True)


SEXES = {"m": "male", "f": "female", "v": "female", "w": "female", "x": "female", "y": "male", "u": "unknown"}


@contextlib.contextmanager
def quiet_loggers(*names: str) -> Iterator[None]:
    """Silence a library's loggers while it reads a file: python-hl7 and pydicom put field values (patient
    names) in their warnings, and medseal never logs a patient's data."""
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, before, strict=True):
            logger.disabled = disabled
