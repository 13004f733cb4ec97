"""The summary a data-protection officer hands in: what already left, per month, by kind — never an identifier.

A scanned message is **flagged** when it carried a patient identifier (national number, name, birth date) to at
least one mailbox the practice's policy does not trust (the core's ``Verdict.needs_encryption``: an envelope
would have been needed), or when its recipients had a problem (another patient's address, patients seeing each
other's addresses, a professional who should get it through the eHealthBox, a standard mailbox, too many
recipients, a typo in a domain). Per month (of the message's ``Date``, else the server's arrival date): messages
scanned, messages flagged, and flagged messages per kind; each flagged message by its ``Message-ID`` and its
``source`` (a ``Message-ID`` that itself holds an identifier is replaced by a neutral text).

Two outputs: JSON (``--summary FILE.json``, format :data:`FORMAT`) and a one-page HTML report with one inline SVG
chart of the months (``--report FILE.html``; no script), written beside and renamed.
"""

from __future__ import annotations

import datetime
import html
import json
from dataclasses import dataclass, field
from typing import Any

from medseal import __version__
from medseal.i18n import t
from medseal.model import CONTENT_KINDS, IDENTIFIER_KINDS, Kind, Verdict
from medseal_cli.errors import CliError

FORMAT = "medseal-audit-summary/1"
RECIPIENT = "recipient"
#: The summary's kinds, in report order.
KINDS = (Kind.NISS.value, Kind.PATIENT_NAME.value, Kind.BIRTH_DATE.value, RECIPIENT)
UNKNOWN_MONTH = "unknown"
HIDDEN_ID = "(message id withheld: it contains an identifier)"


@dataclass(frozen=True)
class MessageRecord:
    """What the summary keeps of one scanned message."""

    source: str
    month: str  # "YYYY-MM" or UNKNOWN_MONTH
    message_id: str
    kinds: tuple[str, ...]  # subset of KINDS; empty when the message is not flagged

    @property
    def flagged(self) -> bool:
        return bool(self.kinds)


def summary_kinds(verdict: Verdict) -> tuple[str, ...]:
    """The summary kinds of one verdict (see the module docstring)."""
    present = {f.kind for f in verdict.findings}
    kinds = [k.value for k in (Kind.NISS, Kind.PATIENT_NAME, Kind.BIRTH_DATE) if k in present]
    exposed = verdict.needs_encryption and bool(present & IDENTIFIER_KINDS)
    found = kinds if exposed else []
    if present - CONTENT_KINDS:
        found.append(RECIPIENT)
    return tuple(found)


def month_of(date: datetime.datetime | None) -> str:
    return f"{date.year:04d}-{date.month:02d}" if date else UNKNOWN_MONTH


@dataclass
class Month:
    scanned: int = 0
    flagged: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AuditSummary:
    """Counts per month, built one message at a time (and carried across runs by ``--state``)."""

    sources: list[str] = field(default_factory=list)
    unreadable: int = 0
    months: dict[str, Month] = field(default_factory=dict)

    def add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def add(self, record: MessageRecord) -> None:
        month = self.months.setdefault(record.month, Month())
        month.scanned += 1
        if record.flagged:
            month.flagged += 1
            for kind in record.kinds:
                month.kinds[kind] += 1
            month.messages.append(
                {"message_id": record.message_id, "source": record.source, "kinds": list(record.kinds)}
            )

    def clear(self) -> None:
        """Forget every message (the folder was recreated: its old UIDs mean nothing); keep the sources."""
        self.unreadable = 0
        self.months.clear()

    def restore(self, data: dict[str, Any]) -> None:
        """Take over the counts saved by :meth:`to_json` (a previous run of a resumed scan)."""
        saved = AuditSummary.from_json(data)
        self.sources, self.unreadable, self.months = saved.sources, saved.unreadable, saved.months

    def add_unreadable(self) -> None:
        self.unreadable += 1

    @property
    def scanned(self) -> int:
        return sum(m.scanned for m in self.months.values())

    @property
    def flagged(self) -> int:
        return sum(m.flagged for m in self.months.values())

    def ordered(self) -> list[tuple[str, Month]]:
        """Months in time order, the undated last."""
        return sorted(self.months.items(), key=lambda item: (item[0] == UNKNOWN_MONTH, item[0]))

    def to_json(self) -> dict[str, Any]:
        totals = dict.fromkeys(KINDS, 0)
        for month in self.months.values():
            for kind, count in month.kinds.items():
                totals[kind] += count
        return {
            "format": FORMAT,
            "sources": list(self.sources),
            "scanned": self.scanned,
            "unreadable": self.unreadable,
            "flagged": self.flagged,
            "by_kind": totals,
            "months": [
                {
                    "month": name,
                    "scanned": month.scanned,
                    "flagged": month.flagged,
                    "by_kind": dict(month.kinds),
                    "messages": list(month.messages),
                }
                for name, month in self.ordered()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditSummary:
        """The summary saved by :meth:`to_json` (an empty one for an empty dict)."""
        if not data:
            return cls()
        if data.get("format") != FORMAT:
            raise CliError("the state file holds no medseal audit summary; give another --state file")
        summary = cls(sources=list(data["sources"]), unreadable=int(data["unreadable"]))
        for item in data["months"]:
            kinds = dict.fromkeys(KINDS, 0) | {k: int(v) for k, v in item["by_kind"].items() if k in KINDS}
            summary.months[str(item["month"])] = Month(
                int(item["scanned"]), int(item["flagged"]), kinds, list(item["messages"])
            )
        return summary


# -- files ------------------------------------------------------------------------------------------------------


def summary_json(summary: AuditSummary) -> str:
    return json.dumps(summary.to_json(), ensure_ascii=False, indent=2) + "\n"


# -- HTML -------------------------------------------------------------------------------------------------------

_BAR = 40
_GAP = 18
_HEIGHT = 160
_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2733; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; } td, th { border: 1px solid #c9d2dc; padding: 0.25rem 0.6rem; }
th { background: #eef2f6; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.85em; word-break: break-all; } .muted { color: #5b6776; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2733; }
"""


def _chart(summary: AuditSummary, language: str) -> str:
    """One inline SVG bar chart: per month, messages scanned (light) and flagged (dark)."""
    months = summary.ordered()
    top = max([m.scanned for _, m in months] + [1])
    width = max(max(len(months), 1) * (_BAR + _GAP) + 40, 260)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{_HEIGHT + 66}" '
        f'viewBox="0 0 {width} {_HEIGHT + 66}"><title>{html.escape(t("audit.chart", language))}</title>',
        f'<line x1="30" y1="{_HEIGHT + 10}" x2="{width}" y2="{_HEIGHT + 10}" stroke="#8a96a3"/>',
        f'<text x="0" y="16">{top}</text><text x="0" y="{_HEIGHT + 10}">0</text>',
        f'<rect x="40" y="{_HEIGHT + 50}" width="10" height="10" fill="#c9d7e6"/>'
        f'<text x="54" y="{_HEIGHT + 59}">{html.escape(t("audit.scanned", language))}</text>'
        f'<rect x="140" y="{_HEIGHT + 50}" width="10" height="10" fill="#b3261e"/>'
        f'<text x="154" y="{_HEIGHT + 59}">{html.escape(t("audit.flagged", language))}</text>',
    ]
    for index, (name, month) in enumerate(months):
        x = 36 + index * (_BAR + _GAP)
        label = t("audit.unknown_month", language) if name == UNKNOWN_MONTH else name
        for count, colour, kind in ((month.scanned, "#c9d7e6", "scanned"), (month.flagged, "#b3261e", "flagged")):
            height = round(_HEIGHT * count / top)
            tip = f"{label}: {count} {t('audit.' + kind, language).lower()}"
            parts.append(
                f'<rect class="bar" x="{x}" y="{_HEIGHT + 10 - height}" width="{_BAR}" height="{height}" '
                f'fill="{colour}">'
                f"<title>{html.escape(tip)}</title></rect>"
            )
        parts.append(f'<text x="{x + _BAR // 2}" y="{_HEIGHT + 26}" text-anchor="middle">{html.escape(label)}</text>')
        parts.append(
            f'<text x="{x + _BAR // 2}" y="{_HEIGHT + 40}" text-anchor="middle" fill="#b3261e">{month.flagged}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(summary: AuditSummary, language: str, generated: datetime.datetime | None = None) -> str:
    """The DPO's one-page report (self-contained HTML, no script)."""
    generated = generated or datetime.datetime.now(datetime.UTC)

    def e(key: str, **values: object) -> str:
        return html.escape(t(key, language, **values))

    heads = "".join(f"<th>{e('audit.kind.' + k)}</th>" for k in KINDS)
    rows = []
    for name, month in summary.ordered():
        label = e("audit.unknown_month") if name == UNKNOWN_MONTH else html.escape(name)
        cells = "".join(f'<td class="n">{month.kinds[k]}</td>' for k in KINDS)
        rows.append(
            f'<tr><td>{label}</td><td class="n">{month.scanned}</td><td class="n">{month.flagged}</td>{cells}</tr>'
        )
    listing = []
    for name, month in summary.ordered():
        if not month.messages:
            continue
        label = e("audit.unknown_month") if name == UNKNOWN_MONTH else html.escape(name)
        items = "".join(
            f"<tr><td><code>{html.escape(m['message_id'] or '—')}</code></td>"
            f"<td>{html.escape(', '.join(t('audit.kind.' + k, language) for k in m['kinds']))}</td>"
            f"<td><code>{html.escape(m['source'])}</code></td></tr>"
            for m in month.messages
        )
        listing.append(
            f"<h3>{label}</h3><table><tr><th>Message-ID</th><th>{e('audit.kinds')}</th>"
            f"<th>{e('audit.source')}</th></tr>{items}</table>"
        )
    sources = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in summary.sources)
    return f"""<!DOCTYPE html>
<html lang="{html.escape(language)}"><head><meta charset="utf-8">
<title>{e("audit.title")}</title><style>{_STYLE}</style></head>
<body>
<h1>{e("audit.title")}</h1>
<p>{e("audit.intro")}</p>
<p class="muted">{e("audit.generated", date=generated.strftime("%Y-%m-%d %H:%M UTC"), version=__version__)}</p>
<ul>{sources}</ul>
<table><tr><th>{e("audit.scanned")}</th><th>{e("audit.flagged")}</th><th>{e("audit.unreadable")}</th></tr>
<tr><td class="n">{summary.scanned}</td><td class="n">{summary.flagged}</td><td class="n">{summary.unreadable}</td></tr>
</table>
<h2>{e("audit.chart")}</h2>
{_chart(summary, language)}
<h2>{e("audit.per_month")}</h2>
<table><tr><th>{e("audit.month")}</th><th>{e("audit.scanned")}</th><th>{e("audit.flagged")}</th>{heads}</tr>
{"".join(rows)}</table>
<h2>{e("audit.messages")}</h2>
{"".join(listing) or f"<p>{e('audit.none')}</p>"}
</body></html>
"""
