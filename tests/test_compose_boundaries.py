"""``to_bytes`` picks each multipart boundary itself: random, and found in none of the message's texts."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal import compose
from medseal.compose import to_bytes
from medseal.model import Attachment, Message


def _boundaries(raw: bytes) -> list[str]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return [str(part.get_boundary()) for part in parsed.walk() if part.get_content_maintype() == "multipart"]


@given(
    st.text(max_size=200),
    st.one_of(st.none(), st.text(max_size=100)),
    st.lists(st.binary(max_size=300), max_size=3),
)
def test_round_trip_with_own_boundaries(body: str, html: str | None, blobs: list[bytes]) -> None:
    attachments = tuple(Attachment(f"file-{i}.bin", "application/octet-stream", b) for i, b in enumerate(blobs))
    message = Message(subject="s", text_body=body, html_body=html, attachments=attachments, to=("a@b.be",))
    raw = to_bytes(message)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    got = [part.get_content() for part in parsed.iter_attachments()]  # type: ignore[attr-defined]
    assert got == list(blobs)
    for boundary in _boundaries(raw):
        assert boundary.startswith("=_medseal_")


def test_a_boundary_found_in_the_text_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = "a" * 32
    draws: Iterator[str] = iter([taken, "b" * 32])
    monkeypatch.setattr(compose.secrets, "token_hex", lambda _n: next(draws))
    # what travels as is: an attached message's header (the body is quoted-printable, attachments base64)
    inner = f"From: x@y.be\r\nSubject: --=_medseal_{taken}\r\n\r\nhello\r\n".encode()
    message = Message(subject="s", text_body="hi", attachments=(Attachment("fwd.eml", "message/rfc822", inner),),
                      to=("a@b.be",))
    raw = to_bytes(message)
    assert f"--=_medseal_{taken}".encode() in raw
    assert _boundaries(raw) == ["=_medseal_" + "b" * 32]
