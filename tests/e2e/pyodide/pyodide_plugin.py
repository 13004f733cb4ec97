"""pytest plugin loaded (``-p pyodide_plugin``) when the core's suite runs inside Pyodide.

Inside Pyodide only, and only for what truly cannot run there, a test is reported as skipped, with why:

- it is marked ``@pytest.mark.pyodide_incompatible(reason=...)`` (or listed in :data:`KNOWN_INCOMPATIBLE`
  by node id prefix until it is marked);
- it (or its module) needs a package that exists on the host side only (:data:`HOST_ONLY`: an SMTP server,
  ``cryptography``, the Outlook server...);
- the test itself starts a process or a thread (Emscripten has neither).

If the core (``medseal``) is in the traceback, the failure stands: the core must run unchanged in Pyodide.

Everything else must pass in Pyodide as it does on CPython.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Generator

import pytest

KNOWN_INCOMPATIBLE: dict[str, str] = {}
HOST_ONLY = frozenset(
    {"aiosmtpd", "cryptography", "fastapi", "httpx", "medseal_outlook", "playwright", "schemathesis",
     "starlette", "uvicorn"}
)  # fmt: skip
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_NO_PROCESS = "emscripten does not support processes"
_NO_THREAD = "can't start new thread"
_CORE = "/site-packages/medseal/"


def _in_pyodide() -> bool:
    return sys.platform == "emscripten"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pyodide_incompatible(reason): cannot run inside Pyodide (subprocess, cryptography, ...)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if not _in_pyodide() or not report.failed or not isinstance(collector, pytest.Module):
        return report
    missing = _MISSING.search(str(report.longrepr))
    package = missing.group(1).split(".")[0] if missing else ""
    if package not in HOST_ONLY:
        return report
    reason = f"not in Pyodide: needs {package} (host only)"
    return pytest.CollectReport(report.nodeid, "skipped", (str(collector.path), None, reason), [])


def _reason(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("pyodide_incompatible")
    if marker is not None:
        return str(marker.kwargs.get("reason") or (marker.args[0] if marker.args else "pyodide_incompatible"))
    for prefix, reason in KNOWN_INCOMPATIBLE.items():
        if item.nodeid.startswith(prefix):
            return reason
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _in_pyodide():
        return
    for item in items:
        reason = _reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"not in Pyodide: {reason}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not _in_pyodide() or not report.failed or call.excinfo is None:
        return report
    error = call.excinfo.value
    if isinstance(error, OSError) and _NO_PROCESS in str(error):
        what = "starts a process (Emscripten has none)"
    elif isinstance(error, RuntimeError) and _NO_THREAD in str(error):
        what = "starts a thread (Emscripten has none)"
    elif isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in HOST_ONLY:
        what = f"needs {(error.name or '').split('.')[0]} (host only)"
    else:
        return report
    if any(_CORE in str(entry.path) for entry in call.excinfo.traceback):
        return report  # the core itself tried: a real failure
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"not in Pyodide: {what}")
    return report
