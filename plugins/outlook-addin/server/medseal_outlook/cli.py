"""``medseal serve``: set up (``--init DIR``) or run (``--config DIR/server.toml``) the Outlook server;
``--config FILE --add-user NAME`` gives one more person a token (``--migrate-token NAME``: an old shared
``token_file`` becomes that user's).

The lead CLI (``medseal_cli``) mounts this with :func:`add_serve_parser` and calls :func:`run_serve`;
``python -m medseal_outlook`` runs the same command on its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence

from medseal.errors import InputError
from medseal_outlook.config import DEFAULT_HOST, DEFAULT_PORT, load_config

EXIT_OK, EXIT_USAGE = 0, 2

# The `outlook` extra: without it, importing this module fails and `medseal serve` says what to install.
for _needed in ("starlette", "uvicorn", "jsonschema"):
    if importlib.util.find_spec(_needed) is None:
        raise ImportError(f"medseal serve needs {_needed}: pip install 'medseal[outlook]'")


def _configure(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--init", metavar="DIR", help="write DIR/server.toml, a first user's token, a practice key, a dev certificate"
    )
    mode.add_argument("--config", metavar="FILE", help="run the server described by FILE (DIR/server.toml)")
    parser.add_argument("--user", default="admin", help="with --init: the first user's name (default: admin)")
    users = parser.add_mutually_exclusive_group()
    users.add_argument(
        "--add-user", metavar="NAME", help="with --config: add user NAME; writes its token to DIR/token-NAME (0600)"
    )
    users.add_argument(
        "--migrate-token", metavar="NAME", help="with --config: turn the old shared token_file into user NAME"
    )
    parser.add_argument("--host", help=f"address to bind (default from server.toml, else {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, help=f"port (default from server.toml, else {DEFAULT_PORT})")
    parser.add_argument("--workers", type=int, help="worker processes (default from server.toml, else 1)")


def add_serve_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` sub-command to the ``medseal`` CLI."""
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTPS server for the Outlook add-in",
        description="Run the HTTPS server behind medseal's Outlook add-in.",
    )
    _configure(parser)
    parser.set_defaults(run=run_serve)


def _init(args: argparse.Namespace) -> int:
    from medseal_outlook.provision import init_server_dir

    try:
        result = init_server_dir(
            args.init, host=args.host or DEFAULT_HOST, port=args.port or DEFAULT_PORT, user=args.user
        )
    except ValueError as exc:
        print(f"medseal serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for path in result.written:
        print(f"wrote {path}", file=sys.stderr)
    for path in result.kept:
        print(f"kept  {path} (already there)", file=sys.stderr)
    folder = result.folder
    print(
        f"""
Next steps:
  - practice key: {folder / "practice.key"} keys the pseudonyms; keep it secret and back it up.
    To share the practice's existing key instead: medseal key export (where it is installed), then
    medseal key import --force --key-file {folder / "practice.key"}
  - patient directory and practice rules: set `directory` and `policy` in {result.config}.
  - the certificate {folder / "cert.pem"} is self-signed, for development: trust it on this computer,
    or put your own certificate and key in {result.config}.
  - start:  medseal serve --config {result.config}
  - {args.user}'s token is in {folder / "token"} (written once): paste it into the medseal pane in
    Outlook, then delete the file. More users: medseal serve --config {result.config} --add-user NAME""",
        file=sys.stderr,
    )
    return EXIT_OK


def _users(args: argparse.Namespace) -> int:
    from medseal_outlook.provision import add_user, migrate_token

    try:
        if args.add_user:
            target = add_user(args.config, args.add_user)
            print(
                f"added user {args.add_user}; their token is in {target} (mode 0600): hand it over, then delete "
                "the file. Revoke: `disabled = true` in their [[users]] table, or delete the table.",
                file=sys.stderr,
            )
        else:
            old = migrate_token(args.config, args.migrate_token)
            print(
                f"the token of {old} is now user {args.migrate_token} (hashed in {args.config}); delete {old}",
                file=sys.stderr,
            )
    except (InputError, ValueError) as exc:
        print(f"medseal serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    """Run ``medseal serve`` from parsed arguments; returns the exit code."""
    if args.init:
        if getattr(args, "add_user", None) or getattr(args, "migrate_token", None):
            print("medseal serve: --add-user and --migrate-token go with --config", file=sys.stderr)
            return EXIT_USAGE
        return _init(args)
    if getattr(args, "add_user", None) or getattr(args, "migrate_token", None):
        return _users(args)
    try:
        config = load_config(args.config)
        config.require_users()  # fail now, not in every worker
        if config.certificate is None or config.private_key is None:
            raise InputError("server.toml needs certificate and private_key: Office add-ins require HTTPS")
    except InputError as exc:
        print(f"medseal serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    from medseal_outlook.app import CONFIG_ENV
    from medseal_outlook.logconf import log_config
    from medseal_outlook.protocol import guarded_h11

    os.environ[CONFIG_ENV] = str(config.path)
    uvicorn.run(
        "medseal_outlook.app:app_from_environment",
        factory=True,
        host=args.host or config.host,
        port=args.port or config.port,
        workers=args.workers or config.workers,
        ssl_certfile=str(config.certificate),
        ssl_keyfile=str(config.private_key),
        log_config=log_config(),
        server_header=False,
        date_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        http=guarded_h11(config.header_timeout_s),  # type: ignore[arg-type]  # a protocol factory
        timeout_keep_alive=max(1, round(config.idle_timeout_s)),
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m medseal_outlook``: the ``serve`` command on its own."""
    parser = argparse.ArgumentParser(prog="python -m medseal_outlook", description="Run medseal's Outlook server.")
    _configure(parser)
    return run_serve(parser.parse_args(argv))
