"""The server's users: one named API token each, stored only as its SHA-256 in ``server.toml``.

A token is 256 random bits (``secrets.token_urlsafe(32)``): with that much entropy a plain SHA-256 is as good
at rest as a slow password hash (nobody can enumerate 2^256 candidates), and it lets every request be checked
in microseconds. ``server.toml`` holds one ``[[users]]`` table per person::

    [[users]]
    name = "dr-peeters"
    token_sha256 = "3f1c…"      # sha256(token).hexdigest(); the token itself is in no file of the server
    # disabled = true           # refused (401) from the next request on; or delete the whole table

The server re-reads ``server.toml`` when it changes, so disabling or removing a user takes effect at the next
request, without a restart. A token is compared with every user's hash (no early exit, constant-time
comparison), and the name of the user it matched goes into the server's audit lines, never the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HASH_RE = re.compile(r"[0-9a-f]{64}")
#: Tokens we hand out are 43 characters; anything much longer is not one of ours and is not hashed.
MAX_TOKEN_BYTES = 256


class UsersError(ValueError):
    """The ``[[users]]`` tables of ``server.toml`` are malformed (the message says which and why)."""


@dataclass(frozen=True)
class User:
    """One person allowed to call the API."""

    name: str
    token_sha256: str
    disabled: bool = False


def new_token() -> str:
    """A fresh API token (256 random bits, URL-safe base64)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str | bytes) -> str:
    """What ``server.toml`` stores for ``token``."""
    data = token.encode("utf-8") if isinstance(token, str) else token
    return hashlib.sha256(data).hexdigest()


def check_name(name: str) -> str:
    """``name`` if it can name a user (letters, digits, ``.``, ``_``, ``-``; at most 64), else UsersError."""
    if not NAME_RE.fullmatch(name):
        raise UsersError(
            f"{name!r} cannot name a user: use letters, digits, '.', '_' or '-' (at most 64, no space)"
        )
    return name


def parse_users(tables: Any) -> tuple[User, ...]:
    """The ``[[users]]`` array of ``server.toml``."""
    if tables is None:
        return ()
    if not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
        raise UsersError("server.toml: users must be [[users]] tables")
    users: list[User] = []
    for index, table in enumerate(tables, 1):
        name, digest, disabled = table.get("name"), table.get("token_sha256"), table.get("disabled", False)
        if not isinstance(name, str):
            raise UsersError(f"server.toml: [[users]] number {index} has no name")
        check_name(name)
        if not isinstance(digest, str) or not HASH_RE.fullmatch(digest):
            raise UsersError(f"server.toml: user {name}: token_sha256 must be 64 lowercase hex digits")
        if not isinstance(disabled, bool):
            raise UsersError(f"server.toml: user {name}: disabled must be true or false")
        unknown = set(table) - {"name", "token_sha256", "disabled", "note"}
        if unknown:
            raise UsersError(f"server.toml: user {name}: unknown key {sorted(unknown)[0]}")
        if any(u.name == name for u in users):
            raise UsersError(f"server.toml: user {name} is listed twice")
        users.append(User(name, digest, disabled))
    return tuple(users)


def user_table(name: str, token: str) -> str:
    """The TOML text that adds user ``name`` with ``token`` (appended at the end of ``server.toml``)."""
    return f'\n[[users]]\nname = "{check_name(name)}"\ntoken_sha256 = "{token_hash(token)}"\n# disabled = true\n'


def authenticate(presented: bytes, users: Iterable[User]) -> str | None:
    """The name of the enabled user whose token is ``presented``, else None (every hash is compared)."""
    if not presented or len(presented) > MAX_TOKEN_BYTES:
        return None
    digest = token_hash(presented).encode("ascii")
    found: str | None = None
    for user in users:
        if hmac.compare_digest(digest, user.token_sha256.encode("ascii")) and not user.disabled:
            found = user.name
    return found
