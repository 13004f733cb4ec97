"""One Dovecot for the IMAP tests, with the known set of messages in ``Sent`` (see ``mail_set``)."""

from __future__ import annotations

import imaplib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from dovecot import Dovecot, configure  # noqa: E402
from mail_set import Sent, build  # noqa: E402


@pytest.fixture(scope="session")
def sent() -> list[Sent]:
    return build()


@pytest.fixture(scope="session")
def dovecot(sent: list[Sent]) -> Iterator[Dovecot]:
    # not under pytest's 0700 temporary root: Dovecot's mail processes run as the dovecot user
    root = Path(tempfile.mkdtemp(prefix="medseal-dovecot-"))
    server = configure(root)
    server.start()
    try:
        client = server.client()
        for message in sent:
            status, data = client.append("Sent", message.flags or None, imaplib.Time2Internaldate(message.when),
                                         message.raw)
            assert status == "OK", data
        client.logout()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
