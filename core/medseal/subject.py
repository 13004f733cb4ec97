"""Pseudonymise a subject line (or a file name): identifiers out, the patient's pseudonym in.

``Résultats labo Mme Dupont 85.07.30-033.28`` -> ``Résultats labo – réf. P-7F3K-2XQM``: every identifier span
is cut (with a label right before it, such as ``NISS:`` or ``patient``), the rest of the words keep their order,
and one reference to the pseudonyms is appended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def pseudonymise_filename(filename: str, findings: Sequence[Finding], pseudonyms: Sequence[str]) -> str:
    """A file name without identifiers: ``dupont_marie_labo.pdf`` -> ``P-7F3K-2XQM_labo.pdf``."""
    if not findings:
        return filename
    stem, dot, extension = filename.rpartition(".")
    if not dot or len(extension) > 5 or any(f.span and f.span[1] > len(stem) for f in findings):
        stem, extension, dot = filename, "", ""
    kept = cut_identifiers(stem, findings).replace(" – ", "_").strip(" _-.")
    kept = re.sub(r"[\s_]+", "_", kept)
    prefix = "_".join(dict.fromkeys(pseudonyms)) or "document"
    new_stem = f"{prefix}_{kept}" if kept else prefix
    return f"{new_stem}{dot}{extension}"
