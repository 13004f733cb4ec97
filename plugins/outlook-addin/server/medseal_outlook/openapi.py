"""The OpenAPI 3.1 description of the server, built around the core's own JSON Schemas.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the contract's schema files are embedded as they are, with
their internal ``$ref`` pointers moved under ``#/components/schemas/<Name>``.
"""

from __future__ import annotations

import copy
from typing import Any

from medseal_outlook import __version__
from medseal_outlook.schemas import core_schema

_FILES = {"snapshot": "Snapshot", "changeset": "ChangeSet"}


def _relocate(node: Any, home: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("$schema", "$id"):
                continue
            if key == "$ref" and isinstance(value, str):
                target, _, pointer = value.partition("#")
                name = home
                for stem, component in _FILES.items():
                    if target.endswith(f"{stem}.schema.json"):
                        name = component
                out[key] = f"#/components/schemas/{name}{pointer}"
            else:
                out[key] = _relocate(value, home)
        return out
    if isinstance(node, list):
        return [_relocate(item, home) for item in node]
    return node


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _contract_operation(operation_id: str, summary: str, description: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "security": [{"token": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Snapshot"}}},
        },
        "responses": {
            "200": {
                "description": "The change set (a blocked message is a 200 with action `block`).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangeSet"}}},
            },
            "400": _error("The body is not JSON."),
            "401": _error("Missing, wrong or revoked API token."),
            "408": _error("The body did not arrive within the server's body timeout."),
            "413": _error("The body is over the size limit."),
            "415": _error("The body is not `application/json`."),
            "422": _error("The JSON is not a compose snapshot; `details` says where, without quoting it."),
            "503": _error("Too many calls at once (retry after `Retry-After` seconds), or unusable practice files."),
        },
    }


def build_openapi() -> dict[str, Any]:
    """The whole description, as served at ``/openapi.json``."""
    schemas: dict[str, Any] = {
        component: copy.deepcopy(_relocate(core_schema(stem), component)) for stem, component in _FILES.items()
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What is wrong, in English, never quoting the request."},
            "details": {"type": "array", "items": {"type": "string"}},
        },
    }
    schemas["Catalogue"] = {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "Every user-interface string of one language, by key (`ui.apply`, `reason.…`).",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "medseal server",
            "version": __version__,
            "description": (
                "The Outlook add-in backend of medseal: a compose snapshot in, a change set out "
                "(the core's JSON contract). Every `/api/` call needs `Authorization: Bearer <token>`."
            ),
        },
        "paths": {
            "/api/v1/analyse": {
                "post": _contract_operation(
                    "analyse",
                    "Check a message",
                    "Findings, verdict and the proposed changes; nothing is encrypted (`addAttachments` is empty).",
                )
            },
            "/api/v1/protect": {
                "post": _contract_operation(
                    "protect",
                    "Protect a message",
                    "The full change set: pseudonymised subject, encrypted attachments and the password.",
                )
            },
            "/api/v1/catalogue/{language}": {
                "get": {
                    "operationId": "catalogue",
                    "summary": "User-interface strings",
                    "security": [{"token": []}],
                    "parameters": [
                        {
                            "name": "language",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["fr", "nl", "de", "en"]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The strings of the language.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Catalogue"}}},
                        },
                        "401": _error("Missing, wrong or revoked API token."),
                        "404": _error("Unknown language."),
                        "503": _error("Too many calls at once (retry after `Retry-After` seconds)."),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness for load balancers (no token, no detail)",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The server is up.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status"],
                                        "properties": {"status": {"const": "ok"}},
                                    }
                                }
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The installation's token, from the `token` file written by `medseal serve --init`.",
                }
            },
        },
    }
