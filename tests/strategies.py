"""Reusable hypothesis strategies: Belgian national numbers built from the rules, the ways people write them,
the text around them, and the other numbers that must never be taken for one.

The national number (NN) and the BIS number are ``YYMMDD CCC KK``: birth date (month or day ``00`` when
unknown; month + 20 or + 40 for a BIS number), counter 001-998, and ``KK = 97 - (YYMMDDCCC mod 97)``, computed
on ``2YYMMDDCCC`` for births from 2000. Nothing here calls python-stdnum: the tests check both agree.

Import from any test as ``from strategies import formatted_niss`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import calendar
import datetime
from typing import NamedTuple

from hypothesis import strategies as st

DIGITS = "0123456789"


class WrittenNiss(NamedTuple):
    """A national number as it appears in a text, and its 11 digits."""

    written: str
    compact: str


def niss_check(first_nine: str, year: int) -> int:
    """The check number of ``first_nine`` (``YYMMDDCCC``) for someone born in ``year``."""
    base = int(first_nine) + (2_000_000_000 if year >= 2000 else 0)
    return 97 - base % 97


@st.composite
def _niss(draw: st.DrawFn, kinds: tuple[str, ...], counters: tuple[int, int] = (1, 998)) -> str:
    year = draw(st.integers(1900, datetime.date.today().year))
    if counters[0] == 0 and draw(st.integers(0, 9)) == 0:  # nothing known: the fictitious date 1900/00/01
        offset = draw(st.sampled_from((20, 40))) if draw(st.sampled_from(kinds)) == "bis" else 0
        first_nine = f"00{offset:02d}01{draw(st.integers(*counters)):03d}"
        return f"{first_nine}{niss_check(first_nine, draw(st.sampled_from((1900, 2000)))):02d}"
    month = draw(st.sampled_from(range(13)))  # 0: month unknown
    if month == 0:
        day = draw(st.integers(0, 9))  # unknown date, or a day counter that ran out
    else:
        day = draw(st.one_of(st.just(0), st.integers(1, calendar.monthrange(year, month)[1])))
    kind = draw(st.sampled_from(kinds))
    offset = draw(st.sampled_from((20, 40))) if kind == "bis" else 0
    counter = draw(st.integers(*counters))
    first_nine = f"{year % 100:02d}{month + offset:02d}{day:02d}{counter:03d}"
    return f"{first_nine}{niss_check(first_nine, year):02d}"


def niss_numbers(kinds: tuple[str, ...] = ("nn", "bis"), every_counter: bool = False) -> st.SearchStrategy[str]:
    """Valid national (``"nn"``) and BIS (``"bis"``) numbers as 11 digits. ``every_counter``: also the
    counters 000 and 999 and the fictitious date ``000001`` of a person whose birth date was unknown, which
    the rules (and python-stdnum) accept too."""
    return _niss(kinds, (0, 999) if every_counter else (1, 998))


@st.composite
def wrong_checksum_numbers(draw: st.DrawFn) -> str:
    """11 digits shaped like a national number whose check number is wrong for either century."""
    number = draw(niss_numbers())
    good = {97 - int(number[:9]) % 97, 97 - (2_000_000_000 + int(number[:9])) % 97}
    check = draw(st.integers(0, 99).filter(lambda c: c not in good))
    return f"{number[:9]}{check:02d}"


#: Separators at the four group boundaries ``YY|MM|DD|CCC|KK``: the ways people write the number.
PLAIN_FORMATS: tuple[tuple[str, str, str, str], ...] = (
    ("", "", "", ""),  # 85073003328
    (".", ".", "-", "."),  # 85.07.30-033.28
    ("", "", "-", "-"),  # 850730-033-28
    (" ", " ", " ", " "),  # 85 07 30 033 28
    ("", "", " ", " "),  # 850730 033 28
    (".", ".", " ", "-"),  # 85.07.30 033-28
    ("/", "/", "/", "/"),
    (".", ".", ".", "."),
    ("", "", "/", "/"),
    ("", "", ".", "."),
    ("-", "-", "-", "-"),
    (".", ".", "-", "-"),
    ("/", "/", "-", "."),
    ("\u00a0", "\u00a0", "\u00a0", "\u00a0"),
)
#: Templates with HTML markup or entities between the groups.
HTML_FORMATS: tuple[str, ...] = (
    "<b>{yy}.{mm}.{dd}</b>-{ccc}.{kk}",
    "{yy}.{mm}.{dd}&nbsp;{ccc}.{kk}",
    "{yy}&nbsp;{mm}&nbsp;{dd}&nbsp;{ccc}&nbsp;{kk}",
    '<span style="font-weight:bold">{yy}{mm}{dd}</span>-<span>{ccc}</span>-{kk}',
    "<strong>{yy}.{mm}.{dd}-{ccc}.{kk}</strong>",
    "{yy}.{mm}.{dd}<i>-</i>{ccc}.{kk}",
    "{yy}{mm}{dd}&#160;{ccc}&#160;{kk}",
)


def render_niss(compact: str, seps: tuple[str, str, str, str]) -> str:
    """``compact`` with ``seps`` between its groups."""
    yy, mm, dd, ccc, kk = compact[0:2], compact[2:4], compact[4:6], compact[6:9], compact[9:11]
    return f"{yy}{seps[0]}{mm}{seps[1]}{dd}{seps[2]}{ccc}{seps[3]}{kk}"


def render_html(compact: str, template: str) -> str:
    return template.format(
        yy=compact[0:2], mm=compact[2:4], dd=compact[4:6], ccc=compact[6:9], kk=compact[9:]
    )


@st.composite
def _formatted(draw: st.DrawFn, numbers: st.SearchStrategy[str], html: bool) -> WrittenNiss:
    compact = draw(numbers)
    if html and draw(st.booleans()):
        return WrittenNiss(render_html(compact, draw(st.sampled_from(HTML_FORMATS))), compact)
    return WrittenNiss(render_niss(compact, draw(st.sampled_from(PLAIN_FORMATS))), compact)


def formatted_niss(
    html: bool = False, numbers: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[WrittenNiss]:
    """A valid number written in one of the accepted formats (with markup between groups if ``html``)."""
    return _formatted(numbers if numbers is not None else niss_numbers(), html)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- the text around a number -----------------------------------------------------------------------------

#: Neutral words in fr/nl/de/en: no digits, no label of any number (no "bis", "tel", "dossier"...).
WORDS: tuple[str, ...] = _tokens(
    """Bonjour docteur patient résultats analyse sanguine merci cordialement suite rendez-vous lundi prochain
    Beste collega hierbij verslag mevrouw graag volgende week groeten Sehr geehrte Frau Kollegin Befund anbei
    Grüße Dear colleague please find attached report blood results kind regards né geboren à über c'est
    l'hôpital Überweisung naïf Mme Dr. Dhr."""
)
PUNCTUATION: tuple[str, ...] = (" ", " ", " ", ", ", ". ", "\n", "; ", " - ", "! ", "? ", ": ")
#: What may stand right before and after a number in running text.
OPENERS: tuple[str, ...] = (" ", "\n", "\t", " (", " [", ": ", ", ", ' "', " «", " '")
CLOSERS: tuple[str, ...] = (" ", "\n", ".", ",", ")", "]", ";", "!", "?", '"', " »", ". ", ".\n", ")\n")
#: Labels that announce a national number, with what people put between label and number.
LABELS: tuple[str, ...] = (
    "NISS",
    "niss",
    "INSZ",
    "Insz",
    "SSIN",
    "ENSS",
    "RRN",
    "NN",
    "N° national",
    "n° national",
    "Numéro national",
    "numéro de registre national",
    "N° de registre national",
    "Rijksregisternummer",
    "rijksregisternr.",
    "Nationalregisternummer",
    "national number",
    "National register number",
    "numéro BIS",
    "BIS",
    "Bisnummer",
    "BIS-nummer",
    "identificatienummer van de sociale zekerheid",
    "INSZ-nummer",
    "Numéro d'identification à la sécurité sociale",
    "NISS du patient",
    "INSZ van de patiënt",
    "Sozialversicherungsnummer",
    "social security number",
    "N° NISS",
    "Nr. INSZ",
    "NISS/INSZ",
)
LABEL_JOINS: tuple[str, ...] = (" ", ": ", " : ", ":", " n° ", " nr. ", " nr: ", "\u00a0: ", " - ", "\n")


def words(max_size: int = 12) -> st.SearchStrategy[str]:
    """Running text of neutral words and punctuation (may be empty)."""
    pair = st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCTUATION)).map("".join)
    return st.lists(pair, max_size=max_size).map("".join)


class Embedded(NamedTuple):
    """A text with one thing embedded in it, and where that thing is."""

    text: str
    start: int
    end: int
    labelled: bool


@st.composite
def embedded(draw: st.DrawFn, thing: str, context: str | None = None, label: bool | None = None) -> Embedded:
    """``thing`` inside random text, as a ``subject``, ``body``, ``html`` or ``filename`` (drawn if None)."""
    context = context or draw(st.sampled_from(("subject", "body", "html", "filename")))
    labelled = draw(st.booleans()) if label is None else label
    lead = draw(st.sampled_from(LABELS)) + draw(st.sampled_from(LABEL_JOINS)) if labelled else ""
    if context == "filename":
        stem = draw(st.sampled_from(("rapport", "verslag", "Befund", "labo", "")))
        join = draw(st.sampled_from(("_", " ", "-", " - ")))
        prefix = f"{stem}{join}" if stem else ""
        suffix = draw(st.sampled_from((".pdf", ".docx", "_2.pdf", " scan.pdf", ".txt")))
        return Embedded(prefix + thing + suffix, len(prefix), len(prefix) + len(thing), False)
    before = draw(words(6 if context == "subject" else 12))
    after = draw(words(6 if context == "subject" else 12))
    opener = draw(st.sampled_from(OPENERS)) if before else ""
    if context == "html":
        if labelled:
            lead = draw(st.sampled_from(("{}", "<b>{}</b>", "<th>{}</th><td>", "<span>{}</span>"))).format(
                lead
            )
        opener = draw(st.sampled_from((" ", "<p>", "<td>", "<br>", "<b>", "&nbsp;"))) + opener.lstrip()
        closer = draw(st.sampled_from(("</p>", "</td>", "<br>", "</b> ", " ", ". ", "&nbsp;")))
    else:
        closer = draw(st.sampled_from(CLOSERS)) if after else ""
    prefix = before + opener + lead
    if context == "subject":
        prefix, after = prefix.replace("\n", " "), after.replace("\n", " ")
    text = prefix + thing + closer + after
    return Embedded(text, len(prefix), len(prefix) + len(thing), labelled)


# --- decoys: numbers that are not national numbers --------------------------------------------------------


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


def _mod97(first: str) -> str:
    """The Belgian ``mod 97`` check pair (00 becomes 97) of accounts, VAT and structured communications."""
    return f"{int(first) % 97 or 97:02d}"


MOBILE_PREFIXES = _tokens("60 65 67 68 70 71 72 77 78 79 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99")
ZONES = _tokens(
    "2 3 4 9 10 11 12 13 14 15 16 19 50 51 52 53 54 55 56 57 58 59"
    " 60 61 63 64 65 67 69 71 80 81 82 83 84 85 86 87 89"
)


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """Belgian phone numbers: mobile ``04xx`` and land lines, national and international forms."""
    mobile = draw(st.booleans())
    if mobile:
        zone, rest = "4" + draw(st.sampled_from(MOBILE_PREFIXES)), draw(_digits(6))
        groups = [zone, rest[0:2], rest[2:4], rest[4:6]]
    else:
        zone = draw(st.sampled_from(ZONES))
        rest = draw(_digits(8 - len(zone)))
        groups = [zone, rest[:-4], rest[-4:-2], rest[-2:]]
    style = draw(st.integers(0, 7))
    national = ["0" + groups[0], *groups[1:]]
    if style == 0:
        return "+32 " + " ".join(groups)
    if style == 1:
        return "+32" + "".join(groups)
    if style == 2:
        return "+32 (0)" + " ".join(groups)
    if style == 3:
        return "0032 " + " ".join(groups)
    if style == 4:
        return f"{national[0]}/{national[1]}.{national[2]}.{national[3]}"
    if style == 5:
        return " ".join(national)
    if style == 6:
        return "".join(national)
    return f"{national[0]}/{''.join(national[1:])}"


@st.composite
def phone_lists(draw: st.DrawFn) -> str:
    """Two or three phone numbers in a row, as in a signature."""
    numbers = draw(st.lists(phone_numbers(), min_size=2, max_size=3))
    joins = (" ", " / ", " - ", ", ", " ou ", "; ", " of ", "  ")
    return draw(st.sampled_from(joins)).join(numbers)


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """IBANs with valid check digits (Belgian accounts with their own mod-97 check), grouped or not."""
    country = draw(st.sampled_from(("BE", "BE", "NL", "DE", "FR", "LU")))
    if country == "BE":
        first = draw(_digits(10))
        bban = first + _mod97(first)
    elif country == "NL":
        bban = draw(st.sampled_from(("ABNA", "INGB", "RABO"))) + draw(_digits(10))
    else:
        bban = draw(_digits({"DE": 18, "FR": 23, "LU": 16}[country]))
    iban = country + _iban_check(country, bban) + bban
    if draw(st.booleans()):
        return iban
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@st.composite
def vat_numbers(draw: st.DrawFn) -> str:
    """Belgian enterprise / VAT numbers (``0403.170.701``, ``BE0403170701``...) with a valid check."""
    first = draw(st.sampled_from("01")) + draw(_digits(7))
    number = first + f"{97 - int(first) % 97:02d}"
    dotted = f"{number[:4]}.{number[4:7]}.{number[7:]}"
    return draw(
        st.sampled_from(
            (
                dotted,
                number,
                "BE" + number,
                "BE " + dotted,
                "BE" + dotted,
                f"BE {number[:4]} {number[4:7]} {number[7:]}",
                "TVA BE " + dotted,
                "BTW BE" + number,
                "n° d'entreprise " + dotted,
                "KBO " + number,
            )
        )
    )


@st.composite
def structured_communications(draw: st.DrawFn) -> str:
    """Belgian structured payment communications ``+++090/9337/55493+++`` with a valid check."""
    first = draw(_digits(10))
    number = first + _mod97(first)
    body = f"{number[:3]}/{number[3:7]}/{number[7:]}"
    fence = draw(st.sampled_from(("+++", "***")))
    space = draw(st.sampled_from(("", " ")))
    return f"{fence}{space}{body}{space}{fence}"


def inami_check(first_six: str) -> int:
    """The INAMI/RIZIV check pair of a provider's first six digits (mod 97; newer numbers use mod 89)."""
    return 97 - int(first_six) % 97


@st.composite
def inami_numbers(draw: st.DrawFn) -> str:
    """INAMI/RIZIV numbers ``1-23456-78-901`` with their check pair; written as 11 bare digits only after their
    label."""
    first = draw(st.sampled_from("123456789")) + draw(_digits(5))
    number = first + f"{inami_check(first):02d}" + draw(_digits(3))
    sep = draw(st.sampled_from(("-", ".", " ", "/")))
    grouped = sep.join((number[0], number[1:6], number[6:8], number[8:]))
    label = draw(
        st.sampled_from(("INAMI", "INAMI:", "n° INAMI", "RIZIV", "RIZIV-nummer", "Nr. RIZIV:", "NIHDI"))
    )
    return draw(st.sampled_from((grouped, f"{label} {grouped}", f"{label} {number}")))


@st.composite
def dates(draw: st.DrawFn) -> str:
    """Dates and date-times as people write them."""
    day = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)))
    other = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)))
    formats = (
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%Y-%m-%d",
        "%d/%m/%y",
        "%d-%m-%Y",
        "%y%m%d",
        "%Y%m%d",
        "%d/%m/%Y %H:%M",
        "%d.%m.%y",
    )
    fmt = draw(st.sampled_from(formats))
    first, second = day.strftime(fmt), other.strftime(fmt)
    return draw(
        st.sampled_from(
            (
                first,
                f"du {first} au {second}",
                f"{first} - {second}",
                f"{first} {second}",
                f"van {first} tot {second}",
                f"{first}, {second}",
            )
        )
    )


@st.composite
def invoice_numbers(draw: st.DrawFn) -> str:
    """Invoice, order and file references, including 11 bare digits after their label."""
    year = str(draw(st.integers(1990, 2099)))
    label = draw(
        st.sampled_from(
            (
                "Facture n°",
                "Factuur",
                "Rechnung Nr.",
                "Invoice",
                "Dossier",
                "Dossier n°",
                "Réf.",
                "Ref:",
                "Referentie",
                "Commande",
                "Bestelling",
                "Order #",
                "File",
            )
        )
    )
    shape = draw(st.integers(0, 5))
    if shape == 0:
        return f"{label} {year}-{draw(_digits(5))}"
    if shape == 1:
        return f"INV-{year}{draw(_digits(4))}-{draw(_digits(4))}"
    if shape == 2:  # eleven digits that are no national number (one that is must be reported)
        return f"{label} {draw(_digits(11).filter(lambda d: not _valid_niss(d)))}"
    if shape == 3:
        return f"{label} {year}/{draw(_digits(7))}"
    if shape == 4:
        return f"{label} {year[2:]}/{draw(_digits(4))}/{draw(_digits(3))}"
    return f"{label} {draw(_digits(3))}-{draw(_digits(4))}-{draw(_digits(4))}"


def _valid_niss(digits: str) -> bool:
    """Is ``digits`` a national or BIS number by the rules (checked here without python-stdnum)?"""
    if len(digits) != 11 or not digits.isdigit():
        return False
    year2, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    check = int(digits[9:])
    centuries = [c for c in (1900, 2000) if niss_check(digits[:9], c + year2) == check]
    if not centuries or int(digits) == 0 or month % 20 > 12 or month > 52 or 32 < month < 40:
        return False
    if digits[:6] in ("000001", "002001", "004001") or month % 20 == 0 or day == 0:
        return True
    return day <= calendar.monthrange(centuries[0] + year2, month % 20)[1]


@st.composite
def cut_numbers(draw: st.DrawFn) -> str:
    """A valid number glued to more digits, or a short piece of a longer punctuated number (``2024/…``,
    ``…-1``): not a national number as written."""
    number = draw(niss_numbers())
    shape = draw(st.integers(0, 2))
    if shape == 0:
        before = draw(st.text(DIGITS, max_size=4))
        after = draw(st.text(DIGITS, min_size=0 if before else 1, max_size=4))
        return before + number + after
    written = render_niss(number, draw(st.sampled_from(PLAIN_FORMATS[1:])))
    if shape == 1:
        if draw(st.booleans()):
            return draw(st.sampled_from(("1", "0", "12"))) + written
        return written + draw(st.sampled_from(("1", "0", "12", "/1", "-1", ".5", "-12")))
    return draw(st.sampled_from(("2024/", "1-", "12.", "3/"))) + number


#: What may be glued to, or stand right before, a valid number that must still be reported: letters,
#: words, the labels and prefixes of other numbers (which only lower the confidence).
GLUED_BEFORE: tuple[str, ...] = ("NISS", "INSZ", "X", "a", "é", "Dupont", "dossier", "P-7F3K-2XQM_", "rapport_")
GLUED_AFTER: tuple[str, ...] = ("a", "X", "ß", ".pdf", "_labo.pdf", "Dupont", "K")
CONTEXT_PREFIXES: tuple[str, ...] = (
    "+32 ", "+32 (0)", "0032 ", "BE", "BE ", "BE: ", "BE71 ", "NL91 ", "INAMI ", "RIZIV: ", "TVA ", "BTW-nr. ",
    "IBAN ", "Tel. ", "GSM: ", "Fax ", "compte ", "Rekening ", "Facture n° ", "Rechnung Nr. ", "Dossier ",
    "Dossier: ", "facture ", "+++", "***",
)  # fmt: skip


class Placed(NamedTuple):
    """A text holding one valid number, where its digits are, and its 11 digits."""

    text: str
    start: int
    end: int
    compact: str


@st.composite
def glued_numbers(draw: st.DrawFn) -> Placed:
    """A valid number glued to letters or behind another number's label or prefix: it must be reported."""
    compact = draw(niss_numbers())
    written = render_niss(compact, draw(st.sampled_from(PLAIN_FORMATS)))
    shape = draw(st.integers(0, 2))
    before = after = ""
    if shape == 0:
        before = draw(st.sampled_from(GLUED_BEFORE))
        after = draw(st.sampled_from(("", *GLUED_AFTER)))
    elif shape == 1:
        after = draw(st.sampled_from(GLUED_AFTER))
    else:
        before = draw(st.sampled_from(CONTEXT_PREFIXES))
        after = before if before in ("+++", "***") else ""
        first, check = int(compact[:6]), int(compact[6:8])
        if before.startswith(("INAMI", "RIZIV")) and check in (97 - first % 97, 89 - first % 89):
            before = "Tel. "  # a valid INAMI check pair makes it an INAMI number by its own format
    return Placed(before + written + after, len(before), len(before) + len(written), compact)


#: Characters that an EMR, a word processor or a web page leaves between digits: Unicode spaces and format
#: characters (zero-width space, word joiner, soft hyphen, BOM...), each invisible or a blank to a reader.
INVISIBLE: tuple[str, ...] = ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u2063")
UNICODE_SPACES: tuple[str, ...] = (
    "\u00a0", "\u2007", "\u2009", "\u202f", "\u2002", "\u2003", "\u2008", "\u200a", "\u205f", "\u3000",
)  # fmt: skip
UNICODE_SEPARATORS: tuple[str, ...] = (
    "_", ",", ":", "\u00b7", "\u2013", "\u2014", "\u2212", "\u2010", "\u2011", "\uff0e", "\uff0d", "\u2027",
)  # fmt: skip
#: Zero digits of other decimal scripts: full-width, Arabic-Indic, Eastern Arabic-Indic, Devanagari, Bengali,
#: mathematical bold.
DIGIT_ZEROS: tuple[int, ...] = (0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE)


@st.composite
def unicode_niss(draw: st.DrawFn, numbers: st.SearchStrategy[str] | None = None) -> WrittenNiss:
    """A valid number as pasted from anywhere: Unicode spaces, dashes, stops and invisible characters between
    (and inside) the digit groups, digits of other scripts. ``written`` starts and ends with a digit."""
    compact = draw(numbers if numbers is not None else niss_numbers())
    zero = draw(st.sampled_from((0x30, 0x30, *DIGIT_ZEROS)))
    mixed = draw(st.booleans())  # some digits ASCII, some not
    digits = [chr((0x30 if mixed and draw(st.booleans()) else zero) + int(d)) for d in compact]
    pieces = []
    bounds = {2, 4, 6, 9}
    for i, digit in enumerate(digits):
        if i:
            gap = ""
            if i in bounds:
                gap = draw(st.sampled_from(("", " ", *UNICODE_SPACES, *UNICODE_SEPARATORS, ".", "-", "/")))
            invisible = draw(st.lists(st.sampled_from(INVISIBLE), max_size=2 if i in bounds else 1))
            if draw(st.integers(0, 3)) == 0 or i in bounds:
                gap = "".join(invisible[:1]) + gap + "".join(invisible[1:])
            pieces.append(gap)
        pieces.append(digit)
    return WrittenNiss("".join(pieces), compact)


def decoys() -> st.SearchStrategy[str]:
    """Every family of numbers that must never be reported as a national number."""
    return st.one_of(
        phone_numbers(),
        phone_lists(),
        ibans(),
        vat_numbers(),
        structured_communications(),
        inami_numbers(),
        dates(),
        invoice_numbers(),
        cut_numbers(),
    )
