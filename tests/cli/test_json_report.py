"""``scan --json`` writes each message as it comes, and the document is the one ``json.dump`` would write."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from medseal.model import Message
from medseal.policy import assess
from medseal.scan import ScanContext
from medseal_cli.report import JsonFormatter, ScanReport

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_EXTRA = st.dictionaries(
    st.sampled_from(["uid", "note", "size"]),
    st.recursive(st.none() | st.integers() | _TEXT, lambda inner: st.lists(inner, max_size=3), max_leaves=5),
    max_size=2,
)


def _expected(reports: list[ScanReport]) -> str:
    entries: list[dict[str, Any]] = []
    for report in reports:
        entry: dict[str, Any] = {"source": report.source}
        if report.verdict is None:
            entry.update({"verdict": "error", "error": report.error, "findings": []})
        else:
            entry.update({"verdict": report.verdict.label, "findings": [f.public() for f in report.verdict.findings]})
        entry.update(report.extra)
        entries.append(entry)
    return json.dumps({"messages": entries}, ensure_ascii=False, indent=2) + "\n"


@given(st.lists(st.tuples(_TEXT, _TEXT, _EXTRA), max_size=5))
def test_streamed_document_is_the_whole_document(items: list[tuple[str, str, dict[str, Any]]]) -> None:
    reports = [ScanReport(source, None, error, extra) for source, error, extra in items]
    out = io.StringIO()
    formatter = JsonFormatter(out)
    for report in reports:
        formatter.message(report)
    formatter.finish()
    assert out.getvalue() == _expected(reports)
    assert len(json.loads(out.getvalue())["messages"]) == len(reports)


def test_findings_are_written_before_the_end() -> None:
    verdict = assess(Message(subject="Marie Dupont 85.07.30-033.28", to=("a@b.be",)), ScanContext())
    report = ScanReport("one.eml", verdict)
    out = io.StringIO()
    formatter = JsonFormatter(out)
    formatter.message(report)
    assert '"source": "one.eml"' in out.getvalue()  # already out: nothing waits for the last message
    formatter.finish()
    assert out.getvalue() == _expected([report])
    assert "85.07.30-033.28" not in out.getvalue()
