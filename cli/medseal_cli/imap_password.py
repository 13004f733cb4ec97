"""Where the IMAP password comes from — never the command line (shell history, ``ps``).

In this order:

1. ``--password-file FILE``: the first line of a file only its owner can read (``chmod 600``); a file that the
   group or others can read is refused.
2. The environment variable :data:`PASSWORD_VARIABLE` (``MEDSEAL_IMAP_PASSWORD``).
3. The system keyring (optional ``keyring`` package): service :data:`KEYRING_SERVICE`, user ``USER@HOST``,
   stored with ``keyring set medseal-imap USER@HOST``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import TYPE_CHECKING

from medseal_cli.errors import CliError

if TYPE_CHECKING:
    from medseal_cli.imap_source import ImapUrl

PASSWORD_VARIABLE = "MEDSEAL_IMAP_PASSWORD"

KEYRING_SERVICE = "medseal-imap"


def keyring_user(url: ImapUrl) -> str:
    return f"{url.user}@{url.host}"


def _from_file(path: str) -> str:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise CliError(f"{path}: the password file is not a regular file")
        if info.st_mode & 0o077:
            raise CliError(
                f"{path}: the password file can be read by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"run: chmod 600 {path}"
            )
        with open(path, "rb") as stream:
            first = stream.readline()
    except FileNotFoundError:
        raise CliError(f"{path}: password file not found") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read the password file ({exc.strerror})") from None
    try:
        password = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise CliError(f"{path}: the password file must be UTF-8 text") from None
    if not password:
        raise CliError(f"{path}: the password file is empty")
    return password


def _from_keyring(url: ImapUrl) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, keyring_user(url))
    except KeyringError as exc:
        raise CliError(f"the system keyring cannot be read ({exc})") from None
    return found if isinstance(found, str) and found else None


def read_password(url: ImapUrl, password_file: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The password for ``url``, or a CliError that says the three ways to give it."""
    if password_file:
        return _from_file(password_file)
    value = (os.environ if environ is None else environ).get(PASSWORD_VARIABLE)
    if value:
        return value
    found = _from_keyring(url)
    if found:
        return found
    raise CliError(
        f"no password for {keyring_user(url)}: give --password-file FILE (chmod 600), set {PASSWORD_VARIABLE}, "
        f"or store it in the system keyring (pip install keyring; keyring set {KEYRING_SERVICE} {keyring_user(url)})"
    )
