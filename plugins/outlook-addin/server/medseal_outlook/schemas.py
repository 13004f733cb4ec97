"""The core's JSON Schemas of the contract, as the server serves and checks them.

Both come from :mod:`medseal.contract`, the one owner of the schemas and of their compiled validator, so the
server refuses exactly what the core would refuse, and says why without quoting the request.
"""

from __future__ import annotations

from typing import Any

from medseal import contract


def core_schema(name: str) -> dict[str, Any]:
    """``snapshot``, ``settings`` or ``changeset``: the schema file the core ships in ``medseal/data``."""
    return contract.schema(name)


def snapshot_problems(payload: object) -> list[str]:
    """Why ``payload`` is not a compose snapshot (empty when it is), without quoting it."""
    problem = contract.problem("snapshot", payload)
    return [problem] if problem else []
