"""pytest plugin loaded (``-p pyodide_plugin``) when the core's suite runs inside Pyodide.

Skips, and only inside Pyodide, the tests that cannot run there: they are marked
``@pytest.mark.pyodide_incompatible(reason=...)``, or listed in :data:`KNOWN_INCOMPATIBLE` by node id prefix
until they are marked. A test module that cannot be imported because it needs a package that only exists on
the host side (:data:`HOST_ONLY`: an SMTP server, ``cryptography``, the Outlook server...) is reported as
skipped, with the missing package. Everything else must pass in Pyodide as it does on CPython.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Generator

import pytest

KNOWN_INCOMPATIBLE: dict[str, str] = {
    "tests/test_audit.py::test_concurrent_appends_keep_the_chain": "starts threads (Pyodide has none)",
}
HOST_ONLY = frozenset(
    {"aiosmtpd", "cryptography", "fastapi", "httpx", "medseal_outlook", "playwright", "schemathesis",
     "starlette", "uvicorn"}
)  # fmt: skip
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if sys.platform != "emscripten" or not report.failed or not isinstance(collector, pytest.Module):
        return report
    missing = _MISSING.search(str(report.longrepr))
    if missing is None or missing.group(1).split(".")[0] not in HOST_ONLY:
        return report
    reason = f"not in Pyodide: needs {missing.group(1).split('.')[0]} (host only)"
    return pytest.CollectReport(report.nodeid, "skipped", (str(collector.path), None, reason), [])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pyodide_incompatible(reason): cannot run inside Pyodide (subprocess, cryptography, ...)"
    )


def _reason(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("pyodide_incompatible")
    if marker is not None:
        return str(marker.kwargs.get("reason") or (marker.args[0] if marker.args else "pyodide_incompatible"))
    for prefix, reason in KNOWN_INCOMPATIBLE.items():
        if item.nodeid.startswith(prefix):
            return reason
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if sys.platform != "emscripten":
        return
    for item in items:
        reason = _reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"not in Pyodide: {reason}"))
