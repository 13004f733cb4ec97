"""``medseal serve``: ``--init DIR`` writes a ready server folder; ``--config`` refuses bad configurations;
several workers answer alike (the server is stateless)."""

from __future__ import annotations

import argparse
import stat
import tomllib
from pathlib import Path

import pytest
from cryptography import x509
from outlook_helpers import NISS, make_server_dir, snapshot, start_server, stop_server

from medseal_outlook.cli import add_serve_parser, main, run_serve
from medseal_outlook.config import ConfigError, PracticeFiles, load_config
from medseal_outlook.users import token_hash

pytestmark = pytest.mark.e2e


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_a_ready_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "srv"
    assert main(["--init", str(folder)]) == 0
    for name in ("server.toml", "token", "practice.key", "cert.pem", "key.pem"):
        assert (folder / name).is_file(), name
    for secret in ("token", "practice.key", "key.pem"):
        assert _mode(folder / secret) == 0o600, secret
    config = load_config(folder / "server.toml")
    assert config.host == "127.0.0.1"
    token = (folder / "token").read_text().strip()
    assert len(token) >= 43
    assert [(u.name, u.token_sha256, u.disabled) for u in config.users] == [("admin", token_hash(token), False)]
    assert token not in (folder / "server.toml").read_text()  # hashed at rest
    settings = PracticeFiles(config).settings("nl")
    assert settings["language"] == "nl" and settings["directoryCsv"] == ""
    certificate = x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    err = capsys.readouterr().err
    assert "practice.key" in err and "medseal serve --config" in err
    assert token not in err  # the token is named by its file, never printed


def test_init_twice_keeps_the_token_and_the_practice_key(tmp_path: Path) -> None:
    main(["--init", str(tmp_path)])
    before = {name: (tmp_path / name).read_bytes() for name in ("token", "practice.key", "cert.pem", "server.toml")}
    main(["--init", str(tmp_path)])
    assert before == {name: (tmp_path / name).read_bytes() for name in before}


def test_two_inits_make_different_secrets(tmp_path: Path) -> None:
    main(["--init", str(tmp_path / "a")])
    main(["--init", str(tmp_path / "b")])
    for name in ("token", "practice.key"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_the_lead_cli_can_mount_serve() -> None:
    parser = argparse.ArgumentParser(prog="medseal")
    add_serve_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--config", "x/server.toml", "--port", "9443", "--workers", "2"])
    assert (args.command, args.config, args.port, args.workers, args.host) == ("serve", "x/server.toml", 9443, 2, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--config", "a", "--init", "b"])


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda t: t.replace("port = 8443", "port = 70000"), "out of range"),
        (lambda t: t.replace('language = "fr"', 'language = "it"'), "language"),
        (lambda t: t.replace("allowed_origins = []", 'allowed_origins = ["http://x"]'), "https"),
        (lambda t: t + "\n[[broken", "TOML"),
        (lambda t: t.replace("idle_timeout_s = 5", "idle_timeout_s = 0"), "idle_timeout_s"),
        (lambda t: t.replace("max_concurrent = 16", "max_concurrent = 0"), "out of range"),
        (lambda t: t + '\n[[users]]\nname = "admin"\ntoken_sha256 = "' + "0" * 64 + '"\n', "twice"),
        (lambda t: t + '\n[[users]]\nname = "bob smith"\ntoken_sha256 = "' + "0" * 64 + '"\n', "cannot name"),
        (lambda t: t + '\n[[users]]\nname = "bob"\ntoken_sha256 = "secret-in-clear"\n', "64 lowercase hex"),
    ],
    ids=["port", "language", "origin", "toml", "timeout", "concurrency", "duplicate-user", "user-name", "hash"],
)
def test_bad_configurations_are_refused(tmp_path: Path, edit: object, message: str) -> None:
    main(["--init", str(tmp_path)])
    path = tmp_path / "server.toml"
    path.write_text(edit(path.read_text()))  # type: ignore[operator]
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    namespace = argparse.Namespace(init=None, config=str(path), host=None, port=None, workers=None)
    assert run_serve(namespace) == 2


def test_a_server_without_enabled_users_refuses_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--init", str(tmp_path)])
    path = tmp_path / "server.toml"
    path.write_text(path.read_text().replace("# disabled = true", "disabled = true"))
    assert main(["--config", str(path)]) == 2
    assert "--add-user" in capsys.readouterr().err


def test_the_config_names_its_files_relative_to_itself(tmp_path: Path) -> None:
    main(["--init", str(tmp_path)])
    data = tomllib.loads((tmp_path / "server.toml").read_text())
    assert data["server"]["certificate"] == "cert.pem"
    config = load_config(tmp_path / "server.toml")
    assert config.certificate == (tmp_path / "cert.pem").resolve()
    assert config.practice_key == (tmp_path / "practice.key").resolve()


def test_the_directory_is_reread_when_it_changes(tmp_path: Path) -> None:
    config = load_config(make_server_dir(tmp_path))
    files = PracticeFiles(config)
    assert "Lambert" in files.settings()["directoryCsv"]
    (tmp_path / "patients.csv").write_text("last_name,first_name\nJanssens,Pieter-Jan\n")
    assert "Janssens" in files.settings()["directoryCsv"]


def test_two_workers_answer_alike(tmp_path: Path) -> None:
    server = start_server(make_server_dir(tmp_path), workers=2)
    try:
        with server.client() as client:
            subjects = {
                client.post("/api/v1/analyse", json=snapshot(subject=f"Résultats {NISS}")).json()["subject"]
                for _ in range(12)
            }
    finally:
        stop_server(server)
    assert len(subjects) == 1 and NISS not in next(iter(subjects))
