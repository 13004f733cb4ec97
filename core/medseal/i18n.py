"""The one catalogue of user-facing text (fr, nl, de, en) that every front uses."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from importlib import resources

LANGUAGES = ("fr", "nl", "de", "en")
DEFAULT_LANGUAGE = "fr"


@cache
def _load() -> dict[str, dict[str, str]]:
    text = resources.files("medseal").joinpath("data", "catalogue.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


def normalise_language(language: str | None) -> str:
    """``nl_BE.UTF-8`` -> ``nl``; anything unknown -> the default (French)."""
    code = (language or "").strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The user's language from ``MEDSEAL_LANG``, ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG``."""
    for name in ("MEDSEAL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return normalise_language(value.split(":")[0])
    return DEFAULT_LANGUAGE


def catalogue(language: str) -> dict[str, str]:
    """Every string of one language, for the plugins' user interfaces."""
    return dict(_load()[normalise_language(language)])


def t(key: str, language: str, **values: object) -> str:
    """The text for ``key`` in ``language``, formatted with ``values``; English, then the key, as fallbacks."""
    lang = normalise_language(language)
    table = _load()
    template = table[lang].get(key) or table["en"].get(key) or key
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def default_language() -> str:
    return language_from_environment(os.environ)
