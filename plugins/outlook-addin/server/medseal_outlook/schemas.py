"""The core's JSON Schemas of the contract, and a snapshot check whose messages never quote the input.

A jsonschema message such as ``'85073003328' is not of type 'integer'`` would echo message content back
(and into whatever logs the client keeps), so problems are described from the schema side only: where (a
path made of the schema's own property names) and which rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

MAX_PROBLEMS = 10


@cache
def core_schema(name: str) -> dict[str, Any]:
    """``snapshot`` or ``changeset``: the schema file the core ships in ``medseal/data``."""
    text = resources.files("medseal").joinpath("data", f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


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
def _validator() -> tuple[Draft202012Validator, frozenset[str]]:
    schema = core_schema("snapshot")
    return Draft202012Validator(schema), frozenset(_property_names(schema))


def _where(error: ValidationError, known: frozenset[str]) -> str:
    parts = ["$"]
    for step in error.absolute_path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if step in known else ".?")
    return "".join(parts)


def _rule(error: ValidationError) -> str:
    keyword, expected = error.validator, error.validator_value
    if keyword == "type":
        return f"must be of type {expected}"
    if keyword == "required" and isinstance(expected, list):
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [str(name) for name in expected if name not in present]
        return "missing required " + ", ".join(missing)
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "has a property the contract does not define"
    if keyword in ("enum", "const"):
        return f"must be {json.dumps(expected)}"
    if keyword == "format":
        return f"must be a valid {expected}"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern"):
        return f"violates {keyword} {expected}"
    return f"violates {keyword}"


def snapshot_problems(payload: object) -> list[str]:
    """Why ``payload`` is not a compose snapshot (empty when it is), without quoting it."""
    validator, known = _validator()
    errors = sorted(validator.iter_errors(payload), key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))
    return [f"{_where(e, known)} {_rule(e)}" for e in errors[:MAX_PROBLEMS]]
