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
    """Collects every message and prints one document at the end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.messages: list[dict[str, Any]] = []

    def message(self, report: ScanReport) -> None:
        entry: dict[str, Any] = {"source": report.source}
        if report.verdict is None:
            entry.update({"verdict": "error", "error": report.error, "findings": []})
        else:
            entry.update(
                {"verdict": report.verdict.label, "findings": [f.public() for f in report.verdict.findings]}
            )
        entry.update(report.extra)
        self.messages.append(entry)

    def finish(self) -> None:
        json.dump({"messages": self.messages}, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")
        self.out.flush()
