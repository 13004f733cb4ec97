"""The text as the name detector reads it: canonical (:mod:`medseal.canonical`), then folded for matching
(lower case, no accents, look-alike letters read as Latin ones) at C speed, with its words indexed."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from medseal.canonical import canonical, fold, latin_lookalikes, match_fold, match_fold_char

_RANGES = (range(0x41, 0x5B), range(0x61, 0x7B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
_UPPER = "".join(chr(c) for r in _RANGES for c in r if chr(c).isalpha() and chr(c).isupper())
_LOWER = "".join(chr(c) for r in _RANGES for c in r if chr(c).isalpha() and not chr(c).isupper())
_LETTERS = re.compile(r"[^\W\d_]+")
_H = r"[ \t\u00a0\u202f]"

# Patterns below run on the folded text, where digits and ``_`` are ``#`` (in a file name ``_`` and ``.``
# are spaces): ``\b`` is then a letter boundary.
# Inside a surname or a first name (``Van den Berghe``, ``d’Hondt``, ``Jean-Pierre``, ``Vandenberghe``).
_SEP_IN = r"[\s'’\-]{0,3}"
# Between first and last name: spaces with at most one line break; in a file name ``_ - .`` too.
_SEP_NAME = {False: rf"(?:{_H}+(?:\r?\n{_H}*)?|\r?\n{_H}*)", True: r"[\s\-]{1,3}"}
_COMMA = {False: rf"{_H}*,{_H}*(?:\r?\n{_H}*)?", True: r"[\s\-]*,[\s\-]*"}

_CHUNK = 1 << 20

@functools.cache
def _byte_table(filename: bool) -> bytes:
    """Latin-1 byte -> folded byte: lower case, no accent; digits and ``_`` become ``#``."""
    table = bytearray(range(256))
    for byte in range(256):
        table[byte] = ord(match_fold_char(chr(byte)))
    table[ord("0") : ord("9") + 1] = b"#" * 10
    table[ord("_")] = ord(" " if filename else "#")
    if filename:
        table[ord(".")] = ord(" ")
    return bytes(table)


_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """A character outside Latin-1, folded: a letter to its base letter (``š`` -> ``s``, kept when it has
    none), an apostrophe or dash to its ASCII twin, a space to a space, anything else to ``?``."""
    if char.isalpha():
        return match_fold_char(char)
    if char.isspace():
        return " "
    return char.translate(_PUNCTUATION) if char in "’‘ʼ‐‑–—" else "?"


def _fold_text(norm: str, filename: bool) -> str:
    """``norm`` in lower case without accents, one character per character (C speed for Latin-1 text; the
    result stays a compact Latin-1 string unless the text has letters of other scripts)."""
    table = _byte_table(filename)
    out = []
    for i in range(0, len(norm), _CHUNK):
        chunk = norm[i : i + _CHUNK]
        try:
            out.append(chunk.encode("latin-1").translate(table).decode("latin-1"))
            continue
        except UnicodeEncodeError:
            pass
        folded = chunk.encode("latin-1", "replace").translate(table).decode("latin-1")
        pieces = []
        last = 0
        pos = folded.find("?")
        while pos >= 0:
            if chunk[pos] != "?":  # a character outside Latin-1, replaced by the encoder
                pieces.append(folded[last:pos])
                pieces.append(_fold_char(chunk[pos]))
                last = pos + 1
            pos = folded.find("?", pos + 1)
        pieces.append(folded[last:])
        out.append("".join(pieces))
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def _name_tokens(name: str) -> tuple[str, ...]:
    """``Van den Berghe`` -> ``('van', 'den', 'berghe')``: folded letter runs, ``ss`` written ``ß``."""
    folded = match_fold(canonical(name).text)
    return tuple(t.replace("ss", "ß") for t in _LETTERS.findall(folded))


def _char_rx(char: str) -> str:
    return "(?:ß|ss)" if char == "ß" else re.escape(char)


def _tokens_rx(tokens: tuple[str, ...]) -> str:
    return _SEP_IN.join("".join(_char_rx(c) for c in token) for token in tokens)



_WORD_TABLE = bytes(b if re.match(r"\w", chr(b)) and chr(b) != "?" else 0x20 for b in range(256))
# Characters that never occur in a run of capitalised words (line breaks, digits, ``.:;()``...) become
# ``\n``: a run never crosses one, so runs can be looked for between two of them.
_BARRIER_TABLE = bytes(0x20 if chr(b).isalpha() or chr(b) in "?'- \t\u00a0," else 0x0A for b in range(256))


@dataclass
class _Prepared:
    """The NFC text and its folded twin (same length). When composing accents shortened the text, ``breaks``
    (positions in ``norm`` right after a composed character) and ``shifts`` (characters removed up to
    there) lead back to the original offsets. ``words`` is `` `` + the folded text's words separated by
    spaces + `` `` (Latin-1 bytes, same offsets plus one; other letters are spaces)."""

    norm: str
    folded: str
    breaks: tuple[int, ...] = ()
    shifts: tuple[int, ...] = ()
    words: bytes | bytearray = b""
    _barriers: bytes | None = None

    def original(self, pos: int) -> int:
        i = bisect.bisect_right(self.breaks, pos)
        return pos + (self.shifts[i - 1] if i else 0)

    def occurrences(self, word: bytes) -> Iterator[int]:
        """Where the folded text holds the whole word ``word``."""
        needle = b" " + word + b" "
        i = self.words.find(needle)
        while i >= 0:
            yield i
            i = self.words.find(needle, i + len(word) + 1)

    def segment(self, pos: int) -> tuple[int, int]:
        """The stretch around ``pos`` between two characters no run of capitalised words can hold."""
        if self._barriers is None:
            self._barriers = self.folded.encode("latin-1", "replace").translate(_BARRIER_TABLE)
        end = self._barriers.find(b"\n", pos)
        return self._barriers.rfind(b"\n", 0, pos) + 1, len(self.norm) if end < 0 else end




def _prepared(
    norm: str, filename: bool, breaks: tuple[int, ...] = (), shifts: tuple[int, ...] = ()
) -> tuple[_Prepared, bool]:
    """The prepared text, and whether it is all Latin-1 (folded at C speed, a chunk at a time)."""
    table = _byte_table(filename)
    folded: list[str] = []
    words = bytearray(b" ")  # grown in place: no second copy of a large text
    latin = True
    for i in range(0, len(norm), _CHUNK):
        chunk = norm[i : i + _CHUNK]
        try:
            encoded = chunk.encode("latin-1").translate(table)
            folded.append(encoded.decode("latin-1"))
        except UnicodeEncodeError:
            latin = False
            folded.append(_fold_text(chunk, filename))
            encoded = folded[-1].encode("latin-1", "replace")
        words += encoded.translate(_WORD_TABLE)
    words += b" "
    return _Prepared(norm, "".join(folded), breaks, shifts, words), latin


def _prepare(text: str, filename: bool) -> _Prepared:
    """The prepared form of a canonical ``text`` (composed already); letters that only look Latin are read
    as Latin ones, so that ``Dupоnt`` with a Cyrillic ``о`` is a capitalised word and a directory surname."""
    if _BEYOND_LATIN1.search(text) is not None:
        text = latin_lookalikes(text)
    return _prepared(text, filename)[0]


_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]")


def _hits(prep: _Prepared, vocabulary: frozenset[bytes]) -> set[bytes]:
    """The words of ``vocabulary`` in the text (``ß`` read as ``ss`` too), a chunk at a time."""
    words, hits = prep.words, set[bytes]()
    start = 0
    while start < len(words):
        end = words.find(b" ", start + _CHUNK)
        end = len(words) if end < 0 else end
        chunk = bytes(words[start:end])
        hits |= vocabulary.intersection(chunk.split())
        if b"\xdf" in chunk:
            hits |= vocabulary.intersection(chunk.replace(b"\xdf", b"ss").split())
        start = end
    return hits


def _byte_words(word: str) -> set[bytes]:
    """The pieces ``word`` (folded) leaves in ``_Prepared.words``, with and without the extra folding."""
    out: set[bytes] = set()
    for variant in (word, match_fold(word)):
        out.update(variant.encode("latin-1", "replace").translate(_WORD_TABLE).split())
    return out


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)
