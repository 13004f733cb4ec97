"""Per-user tokens on a real server: each named, hashed at rest, added and revoked without a restart, named in
the audit lines (never the token); an old single-token configuration gets a clear migration path."""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from outlook_helpers import NISS, Server, make_server_dir, snapshot, start_server, stop_server

from medseal_outlook.cli import main
from medseal_outlook.config import ConfigError, load_config
from medseal_outlook.provision import add_user
from medseal_outlook.users import authenticate, new_token, parse_users, token_hash, user_table

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(make_server_dir(tmp_path_factory.mktemp("users")))
    yield running
    stop_server(running)


def call(server: Server, token: str) -> httpx.Response:
    with server.client(auth=False) as anonymous:
        return anonymous.post(
            "/api/v1/analyse", json=snapshot(subject=f"Résultats {NISS}"), headers={"Authorization": f"Bearer {token}"}
        )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    time.sleep(0.05)


def test_users_are_added_and_revoked_without_a_restart(users_server: Server) -> None:
    config = users_server.folder / "server.toml"
    assert call(users_server, users_server.token).status_code == 200
    assert main(["--config", str(config), "--add-user", "dr-peeters"]) == 0
    token_file = users_server.folder / "token-dr-peeters"
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    assert token not in config.read_text() and token_hash(token) in config.read_text()
    assert call(users_server, token).status_code == 200  # the running server sees the new user

    block = re.search(r'name = "dr-peeters"\ntoken_sha256 = "[0-9a-f]{64}"\n# disabled = true', config.read_text())
    assert block
    edit(config, block.group(0), block.group(0).replace("# disabled = true", "disabled = true"))
    assert call(users_server, token).status_code == 401  # disabled: refused from the next request on
    assert call(users_server, users_server.token).status_code == 200  # the others are not affected

    text = config.read_text()
    config.write_text(text[: text.index('\n[[users]]\nname = "dr-peeters"')] + "\n")
    time.sleep(0.05)
    assert call(users_server, token).status_code == 401  # removed
    assert call(users_server, users_server.token).status_code == 200


def test_a_broken_server_toml_locks_everybody_out_until_fixed(users_server: Server) -> None:
    config = users_server.folder / "server.toml"
    good = config.read_text()
    config.write_text(good + "\n[[users]]\nname = 'x'\n")  # no token hash: invalid
    time.sleep(0.05)
    try:
        assert call(users_server, users_server.token).status_code == 401
    finally:
        config.write_text(good)
    time.sleep(0.05)
    assert call(users_server, users_server.token).status_code == 200
    assert "cannot be used, every API call is refused" in users_server.log_text()


def test_the_audit_line_names_the_user_never_the_token(users_server: Server) -> None:
    with users_server.client() as client:
        client.post("/api/v1/protect", json=snapshot(subject=f"Résultats Lambert {NISS}"))
    time.sleep(0.3)
    log = users_server.log_text()
    lines = [line for line in log.splitlines() if "medseal.audit" in line and "op=protect" in line]
    assert lines and "user=admin" in lines[-1] and "findings=" in lines[-1]
    assert users_server.token not in log and token_hash(users_server.token) not in log
    assert NISS not in log and "Lambert" not in log


def test_add_user_refuses_a_taken_name_or_an_existing_token_file(tmp_path: Path) -> None:
    config = make_server_dir(tmp_path)
    before = config.read_text()
    with pytest.raises(ConfigError, match="already has a user admin"):
        add_user(config, "admin")
    assert not (tmp_path / "token-admin").exists() and config.read_text() == before
    (tmp_path / "token-bob").write_text("something of the user's\n")
    with pytest.raises(ConfigError, match="already exists"):
        add_user(config, "bob")
    assert (tmp_path / "token-bob").read_text() == "something of the user's\n"  # nothing overwritten
    assert main(["--config", str(config), "--add-user", "bob smith"]) == 2


def test_an_old_single_token_config_gets_a_migration_command(tmp_path: Path) -> None:
    config = make_server_dir(tmp_path)
    text = config.read_text()
    text = text[: text.index("\n[[users]]")] + "\n"
    config.write_text(text.replace("[server]\n", '[server]\ntoken_file = "old-token"\n'))
    old = "a-practice-wide-token-0123456789abcdef"
    (tmp_path / "old-token").write_text(old + "\n")
    with pytest.raises(ConfigError, match="--migrate-token NAME"):
        load_config(config)
    assert main(["--config", str(config)]) == 2

    assert main(["--config", str(config), "--migrate-token", "reception"]) == 0
    migrated = load_config(config)
    assert authenticate(old.encode(), migrated.users) == "reception"  # the add-ins keep working
    assert old not in config.read_text()
    assert (tmp_path / "old-token").exists()  # the administrator deletes it; nothing removed unasked
    server = start_server(config)
    try:
        assert call(server, old).status_code == 200
    finally:
        stop_server(server)


def test_authentication_compares_hashes_and_skips_disabled_users() -> None:
    tokens = [new_token() for _ in range(3)]
    assert len({len(t) for t in tokens}) == 1 and len(tokens[0]) == 43 and len(set(tokens)) == 3
    text = "".join(user_table(name, token) for name, token in zip(("a", "b", "c"), tokens, strict=True))
    users = parse_users(tomllib.loads(text.replace('"c"\n', '"c"\ndisabled = true\n', 1))["users"])
    assert [authenticate(t.encode(), users) for t in tokens] == ["a", "b", None]
    assert authenticate(tokens[0].swapcase().encode(), users) is None
    assert authenticate(b"", users) is None and authenticate(b"x" * 10_000, users) is None
    assert authenticate(token_hash(tokens[0]).encode(), users) is None  # the stored hash is not a token
