"""The JSON contract between the core and its fronts: the snapshot and settings in, the change set out.

The three documents are described once, by the schema files in ``medseal/data`` (``snapshot``,
``settings``, ``changeset``); this module owns them and checks documents against them with one compiled
validator per schema (fastjsonschema: pure Python, so the same check runs in Pyodide for Thunderbird and in
the Outlook server). A problem is described from the schema's side only — where (a path made of the schema's
own property names) and which rule — never by quoting the document, which holds patient data.

It also owns the change set that changes nothing and the one a failure gives (``action: block`` with the
localised reason), so that no front writes its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

CONTRACT_VERSION = 1
SCHEMAS = ("snapshot", "settings", "changeset")


@cache
def schema(name: str) -> dict[str, Any]:
    """``snapshot``, ``settings`` or ``changeset``: the JSON Schema of one document of the contract."""
    if name not in SCHEMAS:
        raise KeyError(name)
    text = resources.files("medseal").joinpath("data", f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _property_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _property_names(item)


@cache
def _compiled(name: str) -> tuple[Callable[[Any], Any], frozenset[str]]:
    document = schema(name)
    return fastjsonschema.compile(document), frozenset(_property_names(document))


def _where(path: list[Any], known: frozenset[str]) -> str:
    parts = ["$"]
    for step in path[1:]:  # the first step is fastjsonschema's name for the whole document
        if isinstance(step, int) or (isinstance(step, str) and step.isdigit()):
            parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if step in known else ".?")
    return "".join(parts)


def _rule(error: fastjsonschema.JsonSchemaValueException) -> str:
    keyword, expected = error.rule, error.rule_definition
    if keyword == "type":
        return f"must be of type {expected}"
    if keyword == "required" and isinstance(expected, list):
        present = error.value if isinstance(error.value, dict) else {}
        return "missing required " + ", ".join(str(name) for name in expected if name not in present)
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "has a property the contract does not define"
    if keyword in ("enum", "const"):
        return f"must be {json.dumps(expected)}"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern", "format"):
        return f"violates {keyword} {expected}"
    return f"violates {keyword}"


def problem(name: str, document: object) -> str | None:
    """Why ``document`` is not a valid ``name`` document (``None`` when it is), without quoting it."""
    validate, known = _compiled(name)
    try:
        validate(document)
    except fastjsonschema.JsonSchemaValueException as error:
        return f"{_where(list(error.path or []), known)} {_rule(error)}"
    return None


def unchanged(verdict: str, action: str, reasons: list[str]) -> dict[str, Any]:
    """A change set that changes nothing (every field of the schema present)."""
    return {
        "version": CONTRACT_VERSION,
        "verdict": verdict,
        "action": action,
        "findings": [],
        "reasons": reasons,
        "error": None,
        "subject": None,
        "body": None,
        "to": None,
        "cc": None,
        "bcc": None,
        "removeAttachments": [],
        "addAttachments": [],
        "encryption": "none",
        "password": None,
        "pseudonyms": [],
        "headers": {},
        "removeHeaders": [],
    }


def failure(reason: str) -> dict[str, Any]:
    """The change set of a check that could not be made: block the send, and say why (``reason``)."""
    return {**unchanged("block", "block", [reason]), "error": reason}
