"""``medseal send`` reads every header before it relays a message unchanged: a message whose only identifier
is in an ``X-`` header never arrives as it was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from interceptor import assert_nothing_in_clear

from .test_send_command import config, send, server  # noqa: F401 - fixtures
from .test_smtp import Recorder, pki  # noqa: F401 - pki is a fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("practice_key")


def test_identifier_only_in_an_x_header_is_not_relayed_unchanged(
    tmp_path: Path, config: Path, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    recorder, _port = server
    source = (ROOT / "examples" / "messages" / "03-reunion-de-service.eml").read_bytes()
    message = tmp_path / "x-header.eml"
    message.write_bytes(b"X-Patient-Ref: NISS 85.07.30-033.28\n" + source)
    assert send(message, config, tmp_path, monkeypatch) == 0
    (envelope,) = recorder.envelopes
    arrived = bytes(envelope.original_content)
    assert b"X-Patient-Ref" not in arrived
    assert_nothing_in_clear(arrived, niss=["85073003328"])
