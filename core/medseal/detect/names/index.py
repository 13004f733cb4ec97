"""The directory index: the practice's patients compiled once per directory content into one trie-shaped
pattern over the folded text, and the forms of a name tried around each surname it finds."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from medseal.detect.names.candidate import _BARE, _FULL, _FULL_TITLED, _INITIAL, _TITLED, _Candidate, _key
from medseal.detect.names.contexts import Context, _lookback
from medseal.detect.names.heuristics import _anchor_words
from medseal.detect.names.lexicon import _COMMON_WORDS, _DOCTOR_WORDS, common_first_names
from medseal.detect.names.prepared import (
    _COMMA,
    _H,
    _LETTERS,
    _LOWER,
    _SEP_IN,
    _SEP_NAME,
    _UPPER,
    _byte_words,
    _char_rx,
    _name_tokens,
    _Prepared,
    _tokens_rx,
)
from medseal.directory import Directory


@dataclass(frozen=True)
class _Patient:
    first: tuple[str, ...]
    last: tuple[str, ...]
    patient_key: str
    surname_key: str  # ``name:<folded last>|``, for a mention that fits several patients
    first_tail: str = ""  # the first name's last word, ``ß`` written ``ss``
    first_letter: str = ""  # the first name's first letter, ``ß`` written ``s``


@dataclass(frozen=True)
class _Group:
    """The patients sharing a surname, by their first name's first letter and last word."""

    by_letter: dict[str, tuple[int, ...]]
    by_tail: dict[str, tuple[int, ...]]
    tail_sizes: tuple[int, ...]

    @classmethod
    def of(cls, patients: tuple[_Patient, ...]) -> _Group:
        by_letter: dict[str, list[int]] = {}
        by_tail: dict[str, list[int]] = {}
        for i, patient in enumerate(patients):
            if patient.first:
                by_letter.setdefault(patient.first_letter, []).append(i)
                by_tail.setdefault(patient.first_tail, []).append(i)
        return cls(
            {k: tuple(v) for k, v in by_letter.items()},
            {k: tuple(v) for k, v in by_tail.items()},
            tuple(sorted({len(t) for t in by_tail})),
        )


@dataclass(frozen=True)
class DirectoryIndex:
    """A directory's patients compiled for the scan: built once per directory content and owned by whoever
    holds the directory (see :func:`directory_index`); it holds names, so it lives no longer than that."""

    pattern: re.Pattern[str] | None
    patients: dict[str, tuple[_Patient, ...]]  # concatenated folded surname -> patients
    professionals: frozenset[str]  # concatenated folded surnames of professionals
    keys: frozenset[bytes] = frozenset()  # a word every mention of a surname holds (see ``_surname_keys``)
    vocabulary: frozenset[bytes] = frozenset()  # ``keys`` and the heuristics' anchor words
    longest: int = 0  # the longest text a surname can match
    everywhere: bool = False  # some surname has no key: scan the whole text
    groups: dict[str, _Group] = dataclasses.field(default_factory=dict)  # as ``patients``
    # the compiled forms of the patients' first names, made when first needed
    first_patterns: dict[tuple[tuple[str, ...], bool], _FirstPatterns] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    def patterns(self, first: tuple[str, ...], filename: bool) -> _FirstPatterns:
        """The patterns of a first name around a surname (compiled once per index)."""
        key = (first, filename)
        found = self.first_patterns.get(key)
        if found is None:
            found = self.first_patterns[key] = _first_patterns(first, filename)
        return found


_MAX_NAME = 80
_Trie = dict[str, "_Trie"]
# The last few indexes, by directory object and by a hash of the directory's content (never by any text).
_INDEX_CACHE: list[tuple[Directory, str, DirectoryIndex]] = []
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _trie_rx(names: Iterable[tuple[str, ...]]) -> str:
    """One pattern for many names: a trie, so the regex engine follows one branch per position."""
    root: _Trie = {}
    for tokens in names:
        node = root
        for char in "\x00".join(tokens):
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        alts = [
            (_SEP_IN if char == "\x00" else _char_rx(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _surname_keys(tokens: tuple[str, ...]) -> set[bytes]:
    """The words that end a mention of a surname: its last token with the tokens written together before it
    (``berghe``, ``denberghe``, ``vandenberghe``; ``ß`` as ``ss``), as Latin-1 pieces."""
    out: set[bytes] = set()
    for k in range(len(tokens)):
        out.update(_byte_words("".join(tokens[k:]).replace("ß", "ss")))
    return out


def _build_index(directory: Directory) -> DirectoryIndex:
    patients: dict[str, list[_Patient]] = {}
    professionals: set[str] = set()
    for person in directory.people:
        spellings = {person.last_name, person.last_name.translate(_UMLAUTS)}  # Müller, Mueller
        for spelling in spellings:
            last = _name_tokens(spelling)
            if not last or len("".join(last)) > _MAX_NAME:
                continue
            if person.role != "patient":
                professionals.add("".join(last))
                continue
            first = _name_tokens(person.first_name)[:4]
            tail = first[-1].replace("ß", "ss") if first else ""
            letter = first[0][0].replace("ß", "s") if first else ""
            patient = _Patient(first, last, person.patient_key, _key(person.last_name, ""), tail, letter)
            patients.setdefault("".join(last), []).append(patient)
    names = {p.last for group in patients.values() for p in group}
    pattern = re.compile(rf"\b{_trie_rx(names)}\b") if names else None
    keys: set[bytes] = set()
    everywhere = False
    for tokens in names:
        found = _surname_keys(tokens)
        everywhere = everywhere or not found
        keys |= found
    longest = max((2 * sum(map(len, t)) + 3 * len(t) for t in names), default=0)
    first_words, title_words = _anchor_words()
    groups = {k: tuple(v) for k, v in patients.items()}
    return DirectoryIndex(
        pattern,
        groups,
        frozenset(professionals),
        frozenset(keys),
        frozenset(keys) | first_words | title_words,
        longest,
        everywhere,
        {k: _Group.of(v) for k, v in groups.items()},
    )


def _content_hash(directory: Directory) -> str:
    digest = hashlib.sha256()
    for person in directory.people:
        digest.update("\x1f".join((person.last_name, person.first_name, person.role, person.patient_key)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def directory_index(directory: Directory) -> DirectoryIndex:
    """The directory's index, built once per directory content (the last few are kept)."""
    for cached, _, index in _INDEX_CACHE:
        if cached is directory:
            return index
    content = _content_hash(directory)
    found = next((index for _, digest, index in _INDEX_CACHE if digest == content), None)
    index = found if found is not None else _build_index(directory)
    _INDEX_CACHE.insert(0, (directory, content, index))
    del _INDEX_CACHE[4:]
    return index


@dataclass(frozen=True)
class _FirstPatterns:
    before: re.Pattern[str]
    after: re.Pattern[str]
    initial_before: re.Pattern[str] | None
    initial_after: re.Pattern[str] | None


def _first_patterns(first: tuple[str, ...], filename: bool) -> _FirstPatterns:
    name = _tokens_rx(first)
    sep, comma = _SEP_NAME[filename], _COMMA[filename]
    before = re.compile(rf"\b{name}{sep}\Z")
    after = re.compile(rf"(?:(?P<comma>{comma})|{sep}){name}\b")
    if filename:  # no initials in file names: too many one-letter words
        return _FirstPatterns(before, after, None, None)
    initial = _char_rx(first[0][0])
    more = "".join(rf"(?:-?{_char_rx(t[0])}\.)?" for t in first[1:2])
    return _FirstPatterns(
        before,
        after,
        re.compile(rf"\b(?P<i>{initial})\.{more}{_H}*\Z"),
        re.compile(rf"(?:{comma}|{sep})(?P<i>{initial})(?:\.{more}|\b)"),
    )


_Form = tuple[int, int, float, str]


def _patient_form(
    prep: _Prepared, start: int, end: int, patient: _Patient, filename: bool, index: DirectoryIndex
) -> _Form | Context | None:
    """The best form of ``patient``'s name around the surname at ``start:end`` (``Context.DOCTOR`` when the name
    follows a doctor's title)."""
    if not patient.first:
        return None
    folded, norm = prep.folded, prep.norm
    pats = index.patterns(patient.first, filename)
    before = pats.before.search(folded, max(0, start - _MAX_NAME - 8), start)
    if before:
        context = _lookback(folded, before.start())
        if context is Context.DOCTOR:
            return Context.DOCTOR
        if context is Context.TITLE:
            return before.start(), end, _FULL_TITLED, "courtesy title, then directory patient as 'First LAST'"
        return before.start(), end, _FULL, "directory patient matched as 'First LAST'"
    after = pats.after.match(folded, end)
    if after:
        form = "'LAST, First'" if after.group("comma") else "'LAST First'"
        return start, after.end(), _FULL, f"directory patient matched as {form}"
    if pats.initial_before is not None:
        initial = pats.initial_before.search(folded, max(0, start - 12), start)
        if initial and norm[initial.start("i")].isupper():
            if _lookback(folded, initial.start()) is Context.DOCTOR:
                return Context.DOCTOR
            return initial.start(), end, _INITIAL, "directory patient matched as 'F. LAST' (initial)"
    if pats.initial_after is not None:
        initial = pats.initial_after.match(folded, end)
        if initial and norm[initial.start("i")].isupper():
            return start, initial.end(), _INITIAL, "directory patient matched as 'LAST F.' (initial)"
    return None


def _bare_allowed(prep: _Prepared, start: int, end: int, last: tuple[str, ...], filename: bool) -> bool:
    """May this surname, alone, be reported? (see the module's docstring)"""
    cores = _LETTERS.findall(prep.norm, start, end)
    if not cores or not (filename or cores[-1][0].isupper()):
        return False
    if len(last) > 1:
        return True
    word = last[0].replace("ß", "ss")
    return len(word) > 2 and word not in _COMMON_WORDS and word not in common_first_names()


_CAPITALISED_BEFORE = re.compile(rf"(?:[{_UPPER}][{_UPPER}{_LOWER}'’\-]*\.?{_H}+){{1,3}}\Z")


def _doctor_before(prep: _Prepared, start: int) -> bool:
    """Do the capitalised words (or initials) right before ``start`` follow or hold a doctor's title?"""
    match = _CAPITALISED_BEFORE.search(prep.norm, max(0, start - 60), start)
    if match is None:
        return False
    words = _LETTERS.findall(prep.folded, match.start(), start)
    return any(w in _DOCTOR_WORDS for w in words) or _lookback(prep.folded, match.start()) is Context.DOCTOR


def _directory_matches(prep: _Prepared, index: DirectoryIndex, hits: Iterable[bytes]) -> Iterator[re.Match[str]]:
    """The pattern's matches, looked for only around the words that end a surname (the whole text when
    one of the words might be written with ``ß``)."""
    pattern = index.pattern
    if pattern is None:
        return
    if index.everywhere:
        yield from pattern.finditer(prep.folded)
        return
    sharp = b"\xdf" in prep.words
    positions = sorted(
        p for key in hits for word in (_sharp_s_spellings(key) if sharp else (key,)) for p in prep.occurrences(word)
    )
    folded, size, reach = prep.folded, len(prep.folded), index.longest
    i = 0
    while i < len(positions):
        start = max(0, positions[i] - reach)
        end = positions[i] + reach
        i += 1
        while i < len(positions) and positions[i] - reach <= end:
            end = positions[i] + reach
            i += 1
        # End the window on a space, so that ``\b`` sees what it would see in the whole text.
        end = folded.find(" ", min(end, size))
        yield from pattern.finditer(folded, start, size if end < 0 else end)


def _sharp_s_spellings(key: bytes) -> tuple[bytes, ...]:
    """Every way of writing ``key`` with ``ß`` for some of its ``ss``."""
    at = key.find(b"ss")
    if at < 0:
        return (key,)
    rest = _sharp_s_spellings(key[at + 1 :])
    sharp = _sharp_s_spellings(key[at + 2 :])
    return tuple(key[: at + 1] + r for r in rest) + tuple(key[:at] + b"\xdf" + r for r in sharp)


def _neighbours(prep: _Prepared, start: int, end: int, filename: bool) -> tuple[str, str, str]:
    """Cheap necessary conditions for ``_patient_form``: the word before the surname (``ß`` as ``ss``), the
    first letter after it, and the letters followed by a dot just before it (initials)."""
    folded = prep.folded
    i = start
    while i > 0 and (folded[i - 1].isspace() or folded[i - 1] == "-"):
        i -= 1
    j = prep.words.rfind(b" ", 0, i + 1)  # the word's start in ``folded`` (``words`` is one longer)
    while j > 0 and folded[j - 1].isalnum():  # a letter outside Latin-1
        j -= 1
    k = end
    while k < len(folded) and (folded[k].isspace() or folded[k] in ",-"):
        k += 1
    after = folded[k] if k < len(folded) else ""
    dotted = ""
    if not filename and folded.find(".", max(0, start - 11), start) >= 0:
        tail = folded[max(0, start - 12) : start]
        dotted = "".join(c for c, d in itertools.pairwise(tail) if d == ".")
    return folded[j:i].replace("ß", "ss"), after.replace("ß", "s"), dotted.replace("ß", "s")


def _possible(patients: tuple[_Patient, ...], group: _Group, before: str, after: str, dotted: str) -> list[_Patient]:
    """The patients (in their order) whose name might be written around the surname: the others' forms
    cannot match (see ``_neighbours``)."""
    found: set[int] = set(group.by_letter.get(after, ()))
    for letter in dotted:
        found.update(group.by_letter.get(letter, ()))
    for size in group.tail_sizes:
        if size <= len(before):
            found.update(group.by_tail.get(before[len(before) - size :], ()))
    return [patients[i] for i in sorted(found)]


def _directory_candidates(
    prep: _Prepared, index: DirectoryIndex, filename: bool, hits: Iterable[bytes]
) -> Iterator[_Candidate]:
    for match in _directory_matches(prep, index, hits):
        start, end = match.span()
        surname = "".join(_name_tokens(match.group()))
        group = index.patients.get(surname)
        if not group:
            continue
        context = _lookback(prep.folded, start)
        if context is Context.DOCTOR:
            continue
        before, after, dotted = _neighbours(prep, start, end, filename)
        forms: list[tuple[_Form, _Patient]] = []
        doctor = False
        for patient in _possible(group, index.groups[surname], before, after, dotted):
            form = _patient_form(prep, start, end, patient, filename, index)
            if isinstance(form, tuple):
                forms.append((form, patient))
            elif form is Context.DOCTOR:
                doctor = True
        if forms:
            top = max(form[2] for form, _ in forms)
            winners = [(form, p) for form, p in forms if form[2] == top]
            (s, e, confidence, detail), patient = winners[0]
            keys = {p.patient_key for _, p in winners}
            key = patient.patient_key if len(keys) == 1 else patient.surname_key
            yield _Candidate(s, e, confidence, True, detail, key)
            continue
        if doctor or _doctor_before(prep, start):
            continue  # ``Dr. Jean Dupont`` is a colleague, even with a patient's surname
        keys = {p.patient_key for p in group}
        key = group[0].patient_key if len(keys) == 1 else group[0].surname_key
        if context is Context.TITLE:
            detail = "courtesy title followed by a directory patient's surname"
            yield _Candidate(start, end, _TITLED, True, detail, key)
        elif _bare_allowed(prep, start, end, group[0].last, filename):
            detail = "directory patient's surname alone (lower confidence)"
            yield _Candidate(start, end, _BARE, True, detail, key)
