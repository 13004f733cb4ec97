"""Logging for ``medseal serve``: uvicorn's access log shows the method, a known path and the status.

Query strings and unknown paths are never logged (a client could put anything there), and no request or
response body ever is.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources
from typing import Any

_API_PATH = re.compile(r"/api/v1/(analyse|protect|catalogue/[a-z]{2})|/healthz|/openapi\.json|/")


@cache
def _web_files() -> frozenset[str]:
    """The add-in's own files, as URL paths (``/taskpane.html``, ``/assets/icon-16.png``)."""
    root = resources.files("medseal_outlook").joinpath("web")
    names = {f"/{entry.name}" for entry in root.iterdir() if entry.is_file()}
    names |= {f"/assets/{entry.name}" for entry in root.joinpath("assets").iterdir() if entry.is_file()}
    return frozenset(names)


def safe_path(path: str) -> str:
    """``path`` without its query string if it is one of the server's own paths, else a placeholder."""
    bare = path.split("?", 1)[0]
    return bare if _API_PATH.fullmatch(bare) or bare in _web_files() else "/(other)"


class PathsOnly(logging.Filter):
    """Rewrites uvicorn's access records ``(client, method, path, http_version, status)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            record.args = (client, method, safe_path(str(path)), version, status)
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict for uvicorn (``log_config=``)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"paths_only": {"()": PathsOnly}},
        "formatters": {
            "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "access": {"format": "%(asctime)s %(levelname)s access: %(message)s"},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["paths_only"],
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "medseal": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
