"""What a careful reader would notice without a directory: a courtesy title, a patient label or a name field
followed by a capitalised name, a common first name next to a surname, a document phrase followed by a
name-shaped pair in a subject (``Rapport de sortie Dumont, Noah``)."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from medseal.detect.names.candidate import (
    _H_ALLCAPS,
    _H_FIELD,
    _H_FILE,
    _H_FIRST_FIRST,
    _H_FIRST_LAST,
    _H_LABEL,
    _H_TITLE,
    _H_TITLE_FIRST_ONLY,
    _Candidate,
    _key,
)
from medseal.detect.names.contexts import CONTEXT_OF_CLASS, NAMED_CONTEXTS, Context, WordClass, _lookback
from medseal.detect.names.lexicon import (
    _ACRONYM_TITLES,
    _COMMON_WORDS,
    _DOCTOR_WORDS,
    _DOCUMENTS,
    _DOTTED_TITLES,
    _LEADING_PARTICLES,
    _PARTICLES,
    _PLACE_WORDS,
    _RUN_PARTICLES,
    _SAINTS,
    _TITLE_WORDS,
    all_first_names,
    common_first_names,
)
from medseal.detect.names.prepared import (
    _H,
    _LETTERS,
    _LOWER,
    _UPPER,
    _byte_words,
    _fold_word,
    _Prepared,
)

_TITLE, _DOC, _PLACE, _FIRST, _COMMON, _OTHER = (
    WordClass.TITLE, WordClass.DOCTOR, WordClass.PLACE, WordClass.FIRST, WordClass.COMMON, WordClass.OTHER
)  # fmt: skip
_LABELLED = "patient label followed by a name"

# A capitalised word (``Dupont``, ``DUPONT``, ``McLean``, ``D'Hondt``, ``Jean-Pierre``), never a word's tail.
_WORD = (
    rf"[{_UPPER}](?<![^\W_][{_UPPER}])(?:['’](?=[{_UPPER}]))?[{_UPPER}{_LOWER}]+"
    rf"(?:-[{_UPPER}][{_UPPER}{_LOWER}]+)*(?![^\W_])(?!-[^\W\d_])"
)
_RUN_SEP = rf"(?:{_H}+|{_H}*,{_H}*)"
# Capitalised words in a row, with lower-case particles between them (``Jan van den Berghe``).
_RUN = re.compile(rf"{_WORD}(?:{_RUN_SEP}(?:(?:{_RUN_PARTICLES}){_H}+){{0,3}}(?:[dl]['’])?{_WORD}){{0,7}}")
_MULTI = re.compile(rf"{_WORD}(?:{_RUN_SEP}(?:(?:{_RUN_PARTICLES}){_H}+){{0,3}}(?:[dl]['’])?{_WORD}){{1,7}}")


def _word_start_alternatives(words: Iterable[str]) -> str:
    """Folded words as one pattern whose alternatives start with a literal (the regex engine then skips
    quickly to their first letters), each at the start of a word."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word[1:])
    alts = []
    for first, rests in sorted(by_first.items()):
        rest = "|".join(re.escape(r) for r in sorted(set(rests), key=lambda r: (-len(r), r)))
        alts.append(rf"{re.escape(first)}(?<![^\W\d_]{re.escape(first)})(?:{rest})")
    return "(?:" + "|".join(alts) + ")"


# On the folded text: a title in any case, with or without its dot, then spaces (the name's capital is
# checked on the original text).
_TITLE_BEFORE = re.compile(
    _word_start_alternatives([*_TITLE_WORDS, *(f"{t}." for t in _DOTTED_TITLES), "de heer"]) + rf"(?:\.{_H}*|{_H}+)"
)
_COLON = re.compile(rf"[:=：]\s{{0,4}}(?=[{_UPPER}])")
_RUN_TOKEN = re.compile(r"[^\s,]+|,")
_FILE_GAP = re.compile(r"[\s_.\-]{1,3}")
_ELISION = re.compile(r"^[dlo]['’]")


@dataclass
class _Unit:
    """A name part: a word with the particles before it."""

    start: int
    end: int
    words: list[str]
    cls: WordClass
    comma: bool  # a comma separates it from the previous unit
    allcaps: bool


# What the words of the texts are, worked out once per word: the words the lexicons know (titles, first
# names of the shipped list, common words: never a patient on their own) are kept across scans; any other
# word (a surname, perhaps) only until the end of the scan (``clear_text_caches``).
_T = TypeVar("_T")
_KNOWN_WORDS: dict[str, WordClass] = {}
_SEEN_WORDS: dict[str, WordClass] = {}
_LIMIT = 65536


def _classify(word: str) -> WordClass:
    """What a capitalised word is, by the word lists."""
    cls = _KNOWN_WORDS.get(word) or _SEEN_WORDS.get(word)
    if cls is None:
        cls, known = _classify_word(word)
        target = _KNOWN_WORDS if known else _SEEN_WORDS
        if len(target) >= _LIMIT:
            target.clear()
        target[word] = cls
    return cls


def _classify_word(word: str) -> tuple[WordClass, bool]:
    """The class of ``word``, and whether a word list said so (else it is the text's own word)."""
    cls = _lexicon_class(word)
    if cls is not None:
        return cls, True
    letters = "".join(_LETTERS.findall(word))
    if len(letters) < 2 or (word.isupper() and len(letters) <= 3):
        return _COMMON, False  # an initial or an acronym
    return _OTHER, False


def _lexicon_class(word: str) -> WordClass | None:
    core = _ELISION.sub("", _fold_word(word))
    if core in _TITLE_WORDS:
        return _COMMON if word.isupper() and core in _ACRONYM_TITLES else _TITLE
    if core in _DOCTOR_WORDS:
        return _DOC
    parts = core.split("-")
    if core in _PLACE_WORDS or parts[0] in _SAINTS:
        return _PLACE
    firsts = common_first_names()
    if core in firsts or (len(parts) > 1 and all(p in firsts for p in parts)):
        return _FIRST
    if core in _COMMON_WORDS or all(p in _COMMON_WORDS for p in parts):
        return _COMMON
    return None


def _units(tokens: list[tuple[int, int, str, bool]], filename: bool) -> list[_Unit]:
    """Group (start, end, word, comma before) tokens into units: particles stick to the next word."""
    units: list[_Unit] = []
    pending: list[tuple[int, int, str, bool]] = []
    for i, token in enumerate(tokens):
        start, end, word, comma = token
        last = i == len(tokens) - 1
        folded = _fold_word(word)
        particle = folded in _PARTICLES
        if particle and not last and not tokens[i + 1][3] and (pending or folded in _LEADING_PARTICLES):
            pending.append(token)
            continue
        cls = _COMMON if particle else _classify(word)
        if cls == _FIRST:
            pending = []  # ``de Marie``: a preposition, not a particle
        letters = "".join(_LETTERS.findall(word))
        units.append(
            _Unit(
                start=pending[0][0] if pending else start,
                end=end,
                words=[p[2] for p in pending] + [word],
                cls=cls,
                comma=pending[0][3] if pending else comma,
                allcaps=letters.isupper() and len(letters) > 1,
            )
        )
        pending = []
    return units


def _emit(units: list[_Unit], confidence: float, detail: str) -> _Candidate:
    """A heuristic candidate over ``units``; the key guesses which units are the first name."""
    if len(units) > 1 and units[0].cls == _FIRST and units[-1].cls != _FIRST:
        i = 1
        while i < len(units) - 1 and units[i].cls == _FIRST:
            i += 1
        first, last = units[:i], units[i:]
    elif len(units) > 1 and units[-1].cls == _FIRST:
        i = len(units) - 1
        while i > 1 and units[i - 1].cls == _FIRST:
            i -= 1
        first, last = units[i:], units[:i]
    else:  # one name alone (``mevrouw Gérard``) is a surname, even when it is also a first name
        first, last = [], units
    key = _key(" ".join(w for u in last for w in u.words), " ".join(w for u in first for w in u.words))
    return _Candidate(units[0].start, units[-1].end, confidence, False, detail, key)


def _titled_sequence(seq: list[_Unit]) -> list[_Unit]:
    """After a title or a label: the name's units, at most 3, at most one comma (``DUPONT, Marie``)."""
    out: list[_Unit] = []
    for unit in seq:
        if out and unit.comma and (len(out) > 1 or unit.cls != _FIRST or out[-1].cls != _OTHER):
            break
        out.append(unit)
        if len(out) == 3:
            break
    return out


def _analyse(units: list[_Unit], context: Context | None, filename: bool) -> Iterator[_Candidate]:
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.cls in (_TITLE, _DOC, _PLACE):
            context = CONTEXT_OF_CLASS[unit.cls]
            i += 1
            continue
        seq = []
        if unit.cls == _COMMON:
            # ``mevrouw An Claes``: after a title, a word before the name is a first name, not a word.
            nxt = units[i + 1] if i + 1 < len(units) else None
            if context in NAMED_CONTEXTS and len(unit.words) == 1 and nxt and nxt.cls in (_FIRST, _OTHER):
                seq.append(dataclasses.replace(unit, cls=_FIRST))
            else:
                if not (context is Context.TITLE and len(unit.words) > 1):  # ``Monsieur le Directeur Dupont``
                    context = None
                i += 1
                continue
        j = i + len(seq)
        while j < len(units) and units[j].cls in (_FIRST, _OTHER):
            j += 1
        seq += units[i + len(seq) : j]
        if context in NAMED_CONTEXTS:
            named = _titled_sequence(seq)
            j = i + len(named)
            if context is Context.TITLE:
                only_first = all(u.cls == _FIRST for u in named)
                confidence = _H_TITLE_FIRST_ONLY if only_first else _H_TITLE
                yield _emit(named, confidence, "courtesy title followed by a capitalised name")
            elif context is Context.LABEL:
                yield _emit(named, _H_LABEL, _LABELLED)
            elif context is Context.NAME_FIELD or any(u.cls == _FIRST or u.allcaps for u in named):
                yield _emit(named, _H_FIELD, "name field followed by a capitalised name")
        elif context not in (Context.DOCTOR, Context.PLACE):
            yield from _pairs(seq, filename)
        context = None
        i = j


def _pairs(seq: list[_Unit], filename: bool) -> Iterator[_Candidate]:
    """First names next to surnames, with no title or label to help."""

    def found(units: list[_Unit], detail: str) -> _Candidate:
        if filename:
            return _emit(units, _H_FILE, "file name made of a common first name and a surname")
        # In upper-case text a first name that is also a word (``FINN``, ``METIN``) is weaker evidence.
        shouting = all(u.allcaps for u in units)
        return _emit(units, _H_ALLCAPS if shouting else _H_FIRST_LAST, detail)

    k = 0
    while k < len(seq):
        unit = seq[k]
        m = k + 1
        if unit.cls == _FIRST:
            while m < len(seq) and seq[m].cls == _FIRST and not seq[m].comma:
                m += 1
            if m < len(seq) and seq[m].cls == _OTHER and not seq[m].comma:
                yield found(seq[k : m + 1], "common first name followed by a capitalised surname")
                m += 1
            elif m - k >= 2 and not filename:
                yield _emit(seq[k:m], _H_FIRST_FIRST, "two common first names in a row")
        elif (unit.allcaps or filename) and m < len(seq) and seq[m].cls == _FIRST:
            m += 1
            while m < len(seq) and seq[m].cls == _FIRST and not seq[m].comma:
                m += 1
            yield found(seq[k:m], "upper-case surname followed by a common first name")
        k = m


_Relative = tuple[int, int, float, str, str]  # a candidate's start, end, confidence, detail, key in a run


# Runs repeat (greetings, hospitals, names), so what they hold is worked out once per run: across scans for
# a run made only of words the lexicons know (``Bonjour Docteur``), until the end of the scan for any other.
_KNOWN_RUNS: dict[tuple[str, str, str, Context | None], Any] = {}
_SEEN_RUNS: dict[tuple[str, str, str, Context | None], Any] = {}


def _remembered(key: tuple[str, str, str, Context | None], compute: Callable[[], _T]) -> _T:
    if key in _KNOWN_RUNS:
        return cast(_T, _KNOWN_RUNS[key])
    if key in _SEEN_RUNS:
        return cast(_T, _SEEN_RUNS[key])
    value = compute()
    prefix, text = key[1], key[2]
    known = not prefix and all(t == "," or t in _KNOWN_WORDS for t in _RUN_TOKEN.findall(text))
    target = _KNOWN_RUNS if known else _SEEN_RUNS
    if len(target) >= _LIMIT:
        target.clear()
    target[key] = value
    return value


def _run_units(prefix: str, text: str) -> tuple[int, tuple[_Unit, ...]]:
    """The units of a run of capitalised words (offsets from its start) and how many characters of
    ``prefix`` (``d'``, ``l'``) it takes; no units when none can be part of a name."""
    return _remembered(("units", prefix, text, None), lambda: _compute_run_units(prefix, text))


def _compute_run_units(prefix: str, text: str) -> tuple[int, tuple[_Unit, ...]]:
    tokens: list[tuple[int, int, str, bool]] = []
    comma = False
    for token in _RUN_TOKEN.finditer(text):
        if token.group() == ",":
            comma = True
            continue
        tokens.append((token.start(), token.end(), token.group(), comma))
        comma = False
    shift = 0
    if prefix and _classify(tokens[0][2]) != _FIRST:
        shift = len(prefix)  # ``chez d'Hondt``: the particle belongs to the name
        tokens = [(0, shift + tokens[0][1], prefix + tokens[0][2], False)] + [
            (s + shift, e + shift, w, c) for s, e, w, c in tokens[1:]
        ]
    units = _units(tokens, False)
    if not any(u.cls in (_FIRST, _OTHER) for u in units):
        return shift, ()
    return shift, tuple(units)


def _run_analysis(prefix: str, text: str, context: Context | None) -> tuple[_Relative, ...]:
    def compute() -> tuple[_Relative, ...]:
        units = list(_run_units(prefix, text)[1])
        return tuple((c.start, c.end, c.confidence, c.detail, c.patient_key) for c in _analyse(units, context, False))

    return _remembered(("analysis", prefix, text, context), compute)


def _run_candidates(prep: _Prepared, start: int, text: str, context: Context | None) -> Iterator[_Candidate]:
    """Candidates in one run of capitalised words starting at ``start``."""
    norm = prep.norm
    elided = (
        start >= 2
        and norm[start - 2] in "dl"
        and norm[start - 1] in "'’"
        and (start < 3 or not norm[start - 3].isalpha())
    )
    prefix = norm[start - 2 : start] if elided else ""
    shift, units = _run_units(prefix, text)
    if not units:
        return
    start -= shift
    if context is None:
        context = _lookback(prep.folded, start)
    for rel_start, rel_end, confidence, detail, key in _run_analysis(prefix, text, context):
        yield _Candidate(start + rel_start, start + rel_end, confidence, False, detail, key)


@functools.cache
def _anchor_words() -> tuple[frozenset[bytes], frozenset[bytes]]:
    """The words without which the heuristics find nothing: the pieces of common first names, and of
    courtesy titles (``m.``, ``fr.``, ``hr.``, ``de heer`` included)."""
    first: set[bytes] = set()
    for name in common_first_names():
        first |= _byte_words(name)
    title: set[bytes] = set()
    for word in (*_TITLE_WORDS, *_DOTTED_TITLES, "heer"):
        title |= _byte_words(word)
    return frozenset(first), frozenset(title)


_AFTER_TITLE = re.compile(rf"[.,\s]*(?:[dlDL]['’])?[{_UPPER}]")
_SKIP_TO_NAME = re.compile(r"[\s.:=：]*")
_WORD_ONLY = re.compile(_WORD)


def _compound(folded: str, start: int, end: int) -> tuple[int, int]:
    """The hyphenated word (``Sint-Jan``, ``D'Hondt``) holding the letters at ``start:end``."""
    while start >= 2 and folded[start - 1] == "-" and folded[start - 2].isalpha():
        start -= 1
        while start > 0 and folded[start - 1].isalpha():
            start -= 1
    if (
        start >= 2
        and folded[start - 1] == "'"
        and folded[start - 2].isalpha()
        and (start < 3 or not folded[start - 3].isalpha())
    ):
        start -= 2
    size = len(folded)
    while end + 1 < size and folded[end] == "-" and folded[end + 1].isalpha():
        end += 1
        while end < size and folded[end].isalpha():
            end += 1
    return start, end


def _first_name_matters(prep: _Prepared, pos: int, end: int) -> bool:
    """Can a common first name at ``pos:end`` (capitalised) take part in a name? Not when it is part of a
    capitalised word that is not a first name (``Sint-Jan``, ``Saint-Luc``)."""
    folded = prep.folded
    if not ((pos and folded[pos - 1] in "-'") or folded[end : end + 1] == "-"):
        return True
    start, stop = _compound(folded, pos, end)
    return _compound_matters(prep.norm[start:stop])


@functools.lru_cache(maxsize=4096)
def _compound_matters(word: str) -> bool:
    return not _WORD_ONLY.fullmatch(word) or _classify(word) in (_FIRST, _TITLE)


def _text_candidates(prep: _Prepared, hits: Iterable[bytes]) -> Iterator[_Candidate]:
    """The heuristics, looked for only around their anchors (common first names, titles, colons). The runs
    of capitalised words are those ``_MULTI`` finds in the whole text: a run never crosses a barrier (see
    ``_BARRIER_TABLE``), so it is looked for in the barrier-free stretch around an anchor, and right after a
    title or a colon (which ``_lookback`` reads)."""
    norm, folded, words = prep.norm, prep.folded, prep.words
    first_words, title_words = _anchor_words()
    starts: set[int] = set()
    segments: list[tuple[int, int]] = []
    titles: list[int] = []
    size = len(norm)

    def add_segment(pos: int) -> None:
        if pos < size:
            seg = prep.segment(pos)
            if seg[0] not in starts:
                starts.add(seg[0])
                segments.append(seg)

    for word in hits:
        is_first, is_title = word in first_words, word in title_words
        needle = b" " + word + b" "
        pos = words.find(needle)  # ``words`` is one longer: ``pos`` is where the word starts in ``norm``
        while pos >= 0:
            stop = pos + len(word)
            if is_title:
                if _AFTER_TITLE.match(norm, stop):
                    titles.append(pos)
                    add_segment(pos)
                    add_segment(_skip_to_name(norm, stop))
                elif norm[pos].isupper():
                    add_segment(pos)  # ``Monsieur le Directeur Dupuis``
            if is_first and norm[pos].isupper() and _first_name_matters(prep, pos, stop):
                add_segment(pos)
            pos = words.find(needle, stop + 1)
    colons = sorted(pos for char in ":=：" for pos in _find_all(norm, char))
    for pos in colons:
        start = _skip_to_name(norm, pos + 1)  # where a run after the colon would start
        if (
            start < size
            and (norm[start].isupper() or norm[start] in "dl")
            and _lookback(folded, start) in NAMED_CONTEXTS
        ):
            add_segment(start)
    # Two capitalised words or more: first names and surnames, or a capitalised title (``Madame Dupont``).
    for start, stop in sorted(segments):
        for multi in _MULTI.finditer(norm, start, min(stop + 1, size)):
            yield from _run_candidates(prep, multi.start(), multi.group(), None)
    # A title written in lower case or with a dot (``mevrouw Peeters``, ``M. Dupont``), then the name.
    done = -1
    for pos in sorted(titles):
        hit = None
        if pos >= 3 and folded.startswith("de ", pos - 3):
            hit = _TITLE_BEFORE.match(folded, pos - 3)  # ``de heer``
        hit = hit or _TITLE_BEFORE.match(folded, pos)
        if hit is None or hit.start() < done:
            continue
        done = hit.end()
        title = norm[hit.start() : hit.end()].strip(". \t\u00a0\u202f")
        if title.isupper() and _fold_word(title) in _ACRONYM_TITLES:
            continue
        run = _RUN.match(norm, hit.end()) if norm[hit.end() : hit.end() + 1].isupper() else None
        if run:
            yield from _run_candidates(prep, run.start(), run.group(), Context.TITLE)
    # ``Patient: DUPONT Marie``, ``Naam: Peeters``.
    for pos in colons:
        hit = _COLON.match(norm, pos)
        if hit is None:
            continue
        context = _lookback(folded, hit.start() + 1)
        if context in NAMED_CONTEXTS:
            run = _RUN.match(norm, hit.end())
            if run:
                yield from _run_candidates(prep, run.start(), run.group(), context)


def _skip_to_name(text: str, pos: int) -> int:
    skip = _SKIP_TO_NAME.match(text, pos)
    return pos if skip is None else skip.end()


def _find_all(text: str, char: str) -> Iterator[int]:
    pos = text.find(char)
    while pos >= 0:
        yield pos
        pos = text.find(char, pos + 1)


def _file_candidates(prep: _Prepared) -> Iterator[_Candidate]:
    text = prep.norm
    stem_end = text.rfind(".")
    if stem_end <= 0 or len(text) - stem_end > 6:
        stem_end = len(text)
    group: list[tuple[int, int, str, bool]] = []
    for match in _LETTERS.finditer(text, 0, stem_end):
        if group and not _FILE_GAP.fullmatch(text, group[-1][1], match.start()):
            yield from _analyse(_units(group, True), None, True)
            group = []
        group.append((match.start(), match.end(), match.group(), False))
    if group:
        yield from _analyse(_units(group, True), None, True)


# --- subjects: a document phrase, then a name-shaped pair -------------------------------------------------------
_DOCUMENT_NAME = "document phrase followed by a surname and a first name"
_DOCUMENT_INITIAL = "document phrase followed by a surname and an initial"
_DOCUMENT_SURNAME = "document phrase followed by a capitalised surname (lower confidence)"
_H_DOCUMENT_NAME = 0.75
_H_DOCUMENT_INITIAL = 0.7
_H_DOCUMENT_SURNAME = 0.55


@functools.cache
def _document_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The document phrases (on the folded text), then on the text after one: two capitalised words, a word
    and an initial (either order), a word alone before the end or a separator."""
    phrases = sorted(_DOCUMENTS, key=lambda p: (-len(p), p))
    phrase = "|".join(r"[\s'’-]+".join(re.escape(w) for w in p.split()) for p in phrases)
    joint = r"(?:\s+(?:(?:de|du|des|van|von|der|of|la|le)\s+)?|\s*['’-]\s*|\s*-\s*)"
    documents = re.compile(rf"(?<![^\W\d_])(?:{phrase})(?:{joint}(?:{phrase}))*(?![^\W\d_])[\s:,\-|]*")
    pair = re.compile(rf"(?P<a>{_WORD})(?:{_H}*,{_H}*|{_H}+)(?P<b>{_WORD})")
    initial = re.compile(
        rf"(?P<a>{_WORD}){_H}+(?P<i>[{_UPPER}])\.(?:-?[{_UPPER}]\.)?(?![^\W\d_])"
        rf"|(?P<j>[{_UPPER}])\.(?:-?[{_UPPER}]\.)?{_H}*(?P<c>{_WORD})"
    )
    alone = re.compile(rf"(?P<a>{_WORD})(?={_H}*(?:$|[-,;:(|/]|[0-9]))")
    return documents, pair, initial, alone


def _doc_first(word: str) -> bool:
    """A first name, those that are also words (``An``) included: after a document phrase they are names."""
    cls = _classify(word)
    return cls == _FIRST or (cls == _COMMON and _fold_word(word) in all_first_names())


def _doc_surname(word: str) -> bool:
    """A word that can be a surname: none of the word lists knows it, nor does it end with a common word
    (``Teamvergadering``)."""
    if _classify(word) != _OTHER:
        return False
    folded = _fold_word(word)
    return not any(folded[k:] in _COMMON_WORDS for k in range(1, len(folded) - 4))


def _document_candidates(prep: _Prepared) -> Iterator[_Candidate]:
    """In a subject: a document phrase (``Rapport de sortie``, ``Verslag consultatie``, ``Befund``) followed
    by a surname and a known first name in either order, a surname and an initial, or a capitalised surname
    alone (``Rapport de sortie Dumont, Noah``, ``Befund An VERSTRAETE``, ``Verslag consultatie Pirlot L.``)."""
    documents, pair, initial, alone = _document_patterns()
    norm = prep.norm
    for doc in documents.finditer(prep.folded):
        pos = doc.end()
        if pos >= len(norm) or not norm[pos].isupper():
            continue
        found = pair.match(norm, pos)
        if found:
            a, b = found.group("a"), found.group("b")
            if _doc_surname(a) and _doc_first(b):
                key = _key(a, b)
            elif _doc_first(a) and _doc_surname(b):
                key = _key(b, a)
            else:
                key = ""
            if key:
                yield _Candidate(found.start(), found.end(), _H_DOCUMENT_NAME, False, _DOCUMENT_NAME, key)
                continue
        found = initial.match(norm, pos)
        if found:
            surname = found.group("a") or found.group("c")
            if _doc_surname(surname):
                key = _key(surname, "")
                yield _Candidate(found.start(), found.end(), _H_DOCUMENT_INITIAL, False, _DOCUMENT_INITIAL, key)
                continue
        found = alone.match(norm, pos)
        if found and len(found.group("a")) > 2 and _doc_surname(found.group("a")):
            key = _key(found.group("a"), "")
            yield _Candidate(found.start(), found.end(), _H_DOCUMENT_SURNAME, False, _DOCUMENT_SURNAME, key)


def clear_text_caches() -> None:
    """Forget what was worked out about the words of the text (they may be names): called after every scan."""
    _SEEN_WORDS.clear()
    _SEEN_RUNS.clear()
    for cached in (_compound_matters, _fold_word):
        cached.cache_clear()
