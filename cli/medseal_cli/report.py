"""Output formatters behind one interface: JSON on stdout for tools, readable text for people."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from medseal.i18n import t
from medseal.model import Finding, Verdict


@dataclass
class ScanReport:
    """One scanned message (``verdict`` is None when it could not be read: ``error`` says why)."""

    source: str
    verdict: Verdict | None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Formatter(Protocol):
    def message(self, report: ScanReport) -> None: ...

    def finish(self) -> None: ...


def describe(finding: Finding, language: str) -> str:
    """One line for a person: what was found, where, how sure (never the clear value)."""
    what = t(f"kind.{finding.kind.value}", language, masked=finding.masked)
    where = t(f"where.{finding.where.value}", language)
    part = f" #{finding.part + 1}" if finding.part is not None else ""
    return f"{what} — {where}{part} ({finding.confidence:.0%})"


class TextFormatter:
    def __init__(self, out: TextIO, language: str) -> None:
        self.out = out
        self.language = language

    def message(self, report: ScanReport) -> None:
        if report.verdict is None:
            self.out.write(f"{report.source}: {report.error}\n")
            return
        label = t(f"verdict.{report.verdict.label}", self.language)
        self.out.write(f"{report.source}: {label}\n")
        for finding in report.verdict.findings:
            self.out.write(f"  - {describe(finding, self.language)}\n")

    def finish(self) -> None:
        self.out.flush()


class JsonFormatter:
    """One JSON document, ``{"messages": [...]}``, written as the messages come (a mailbox scan holds none of
    them); byte for byte what ``json.dump(..., indent=2)`` of the whole list gives."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def message(self, report: ScanReport) -> None:
        entry: dict[str, Any] = {"source": report.source}
        if report.verdict is None:
            entry.update({"verdict": "error", "error": report.error, "findings": []})
        else:
            entry.update(
                {"verdict": report.verdict.label, "findings": [f.public() for f in report.verdict.findings]}
            )
        entry.update(report.extra)
        text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        self.out.write(('{\n  "messages": [\n    ' if self.count == 0 else ",\n    ") + text)
        self.count += 1

    def finish(self) -> None:
        self.out.write('{\n  "messages": []\n}\n' if self.count == 0 else "\n  ]\n}\n")
        self.out.flush()
