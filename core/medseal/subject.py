"""Pseudonymise a subject line (or a file name): identifiers out, the patient's pseudonym in.

``Résultats labo Mme Dupont 85.07.30-033.28`` -> ``Résultats labo – réf. P-7F3K-2XQM``: every identifier span
is cut (with a label right before it, such as ``NISS:`` or ``patient``), the rest of the words keep their order,
and one reference to the pseudonyms is appended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from medseal.model import Finding

REFERENCE_WORD = {"fr": "réf.", "nl": "ref.", "de": "Ref.", "en": "ref."}

_LABEL_BEFORE = re.compile(
    r"(?:\b(?:niss|inss|insz|ssin|enss|rrn|nn|bis|n°\s*national|rijksregisternummer|nationalregisternummer|"
    r"patient(?:e|in)?|patiënt(?:e)?|pat\.|dob|né(?:e)?\s+le|geboren(?:\s+op|\s+am)?|geb\.|date de naissance|"
    r"geboortedatum|geburtsdatum|born(?:\s+on)?|de|van|von|of|for|pour|voor|für|"
    r"m\.|mme|mlle|mr|mrs|ms|miss|madame|mademoiselle|monsieur|mevrouw|meneer|mevr\.?|dhr\.?|mw\.?|hr\.?|fr\.?|"
    r"herr|frau)\s*(?:n[°o]|nr\.?)?\s*[:#]?\s*)+$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s{2,}")
_DANGLING = re.compile(r"(?:\s*[-–—:,;/|()]\s*)+$")
_LEADING = re.compile(r"^(?:\s*[-–—:,;/|]\s*)+")


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def cut_identifiers(text: str, findings: Sequence[Finding]) -> str:
    """``text`` without the findings' spans (and the labels that introduced them), tidied up."""
    spans = _merge([f.span for f in findings if f.span is not None])
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        before = text[cursor:start]
        before = _LABEL_BEFORE.sub("", before)
        pieces.append(before)
        pieces.append(" – ")
        cursor = end
    pieces.append(text[cursor:])
    joined = "".join(pieces)
    joined = re.sub(r"(?:\s*[-–—:,;/|]\s*)*\s–\s(?:\s*[-–—:,;/|]\s*)*", " – ", joined)
    joined = _LEADING.sub("", _DANGLING.sub("", joined))
    return _SPACES.sub(" ", joined).strip()


def pseudonymise_subject(
    subject: str, findings: Sequence[Finding], pseudonyms: Sequence[str], language: str
) -> str:
    """The subject with identifiers replaced by one reference to the patients' pseudonyms."""
    if not findings:
        return subject
    kept = cut_identifiers(subject, findings)
    reference = f"{REFERENCE_WORD.get(language, 'ref.')} {', '.join(dict.fromkeys(pseudonyms))}".strip()
    if not pseudonyms:
        return kept
    return f"{kept} – {reference}" if kept else reference


#: Six digits or more, whatever stands between them: a date, a national number or a part of one.
_DIGIT_RUN = re.compile(r"\d(?:[\W_]*\d){5,}")
_WORD = re.compile(r"[^\W_]+")
_FORMAT_CHARS = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


def _words_of(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(_FORMAT_CHARS.sub("", text))}


def _whole_words(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` grown to the word boundaries around it (``Dupont85073003328`` goes whole)."""
    start, end = span
    while start > 0 and (text[start - 1].isalnum() or _FORMAT_CHARS.match(text[start - 1])):
        start -= 1
    while end < len(text) and (text[end].isalnum() or _FORMAT_CHARS.match(text[end])):
        end += 1
    return start, end


def names_identifier(filename: str, identifiers: Sequence[str]) -> bool:
    """Whether ``filename`` holds a word of one of the ``identifiers`` found elsewhere in the message."""
    banned = {w for text in identifiers for w in _words_of(text) if len(w) > 1 and w.isalpha()}
    return bool(_words_of(filename) & banned)


def pseudonymise_filename(
    filename: str, findings: Sequence[Finding], pseudonyms: Sequence[str], identifiers: Sequence[str] = ()
) -> str:
    """A file name without identifiers: ``dupont_marie_labo.pdf`` -> ``P-7F3K-2XQM_labo.pdf``.

    What stays of the old name keeps no word that belonged to an identifier (wherever else it appears in the
    name) and no run of six digits or more: a number left beside the pseudonym would tie the two together in
    every other message. ``identifiers``: the clear values found elsewhere in the message, whose words go too."""
    if not findings and not names_identifier(filename, identifiers):
        return filename
    stem, dot, extension = filename.rpartition(".")
    located = [(f, f.span) for f in findings if f.span is not None]
    clear_words = {w for text in [*identifiers, *(f.clear for f in findings)] for w in _words_of(text)}
    if (
        not dot
        or len(extension) > 5
        or not extension.isalnum()
        or extension.casefold() in clear_words
        or any(end > len(stem) for _f, (_s, end) in located)
    ):
        stem, extension, dot = filename, "", ""
    spans = [_whole_words(stem, span) for _f, span in located]
    banned = {w for start, end in spans for w in _words_of(stem[start:end])}
    banned |= {w for text in identifiers for w in _words_of(text) if len(w) > 1 and w.isalpha()}
    banned |= {w for f in findings for w in _words_of(f.clear)}
    kept = cut_identifiers(stem, [replace(f, span=span) for (f, _old), span in zip(located, spans, strict=True)])
    kept = _DIGIT_RUN.sub(" ", kept)
    kept = " ".join(w for w in re.split(r"[\s_]+", kept.replace(" – ", " ")) if w and not (_words_of(w) & banned))
    kept = re.sub(r"[\s_]+", "_", kept.strip(" _-.–"))
    kept = re.sub(r"_?[-–—.,;]+_?(?=_|$)|^[-–—.,;_]+", "", kept).strip("_")
    prefix = "_".join(dict.fromkeys(pseudonyms)) or "document"
    new_stem = f"{prefix}_{kept}" if kept else prefix
    return f"{new_stem}{dot}{extension}"
