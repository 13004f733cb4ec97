"""parse_message: the message model from real-world bytes, and nothing but Message or InputError."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from medseal.errors import InputError, UnreadableAttachment
from medseal.extract import extract_text, is_message
from medseal.model import Message
from medseal.parse import MAX_DEPTH, parse_message

SIMPLE = (
    b"From: Dr Exemple <Dr.Exemple@Cabinet-Exemple.BE>\r\n"
    b'To: Jeanne <jeanne.exemple@Example.COM>, "Last, First" <first.last@example.org>\r\n'
    b"Cc: secretariat@cabinet-exemple.be\r\n"
    b"Bcc: archive@cabinet-exemple.be\r\n"
    b"Subject: =?utf-8?q?R=C3=A9sultats_de_laboratoire?=\r\n"
    b"Date: Mon, 05 Feb 2024 10:00:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Bonjour Madame,=0A vos r=C3=A9sultats sont normaux.\r\n"
)


def mail(headers: str, body: bytes = b"corps\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body


def test_simple_message() -> None:
    message = parse_message(SIMPLE)
    assert message.subject == "Résultats de laboratoire"
    assert message.text_body is not None and "vos résultats sont normaux" in message.text_body
    assert message.html_body is None
    assert message.sender == "Dr.Exemple@cabinet-exemple.be"
    assert message.to == ("jeanne.exemple@example.com", "first.last@example.org")
    assert message.cc == ("secretariat@cabinet-exemple.be",)
    assert message.bcc == ("archive@cabinet-exemple.be",)
    assert message.attachments == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"=?iso-8859-1?q?caf=E9?=", "café"),
        (b"=?utf-8?b?Y2Fmw6k?=", "café"),  # missing padding
        (b"=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "café"),  # one character split across two words
        (b"=?utf-8?q?caf=C3=A9", "=?utf-8?q?caf=C3=A9"),  # unterminated: left as written
        (b"=?x-unknown?q?abc?=", "abc"),
        (b"caf\xc3\xa9 8-bit UTF-8", "café 8-bit UTF-8"),
        (b"caf\xe9 8-bit Latin-1", "café 8-bit Latin-1"),
        (b"R\xc3\xa9sultats =?utf-8?q?et_suite?=", "Résultats et suite"),
        (b"folded\r\n  over two lines", "folded  over two lines"),
    ],
    ids=[
        "latin1-word",
        "no-padding",
        "split-char",
        "unterminated",
        "unknown-charset",
        "utf8-raw",
        "latin1-raw",
        "mixed",
        "folded",
    ],
)
def test_subjects(raw: bytes, expected: str) -> None:
    assert parse_message(b"From: a@example.be\r\nSubject: " + raw + b"\r\n\r\nx").subject == expected


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain; charset=iso-8859-1", "Hélène".encode("latin-1"), "Hélène"),
        ("text/plain; charset=utf-8", "Hélène".encode("cp1252"), "Hélène"),  # declared wrongly
        ("text/plain; charset=us-ascii", "Hélène".encode(), "Hélène"),
        ("text/plain; charset=bogus-charset", "Hélène".encode(), "Hélène"),
        ("text/plain; charset=zlib_codec", b"plain", "plain"),
        ("text/plain", "Hélène".encode("cp1252"), "Hélène"),
    ],
    ids=["declared", "wrong-utf8", "wrong-ascii", "unknown", "not-a-text-codec", "undeclared"],
)
def test_body_charsets(content_type: str, body: bytes, expected: str) -> None:
    message = parse_message(mail(f"From: a@example.be\nContent-Type: {content_type}\n", body))
    assert message.text_body == expected


MIXED = b"""From: a@example.be
To: b@example.be
Subject: mixed
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Texte brut
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Texte <b>HTML</b><img src="cid:logo"></p>
--rel
Content-Type: image/png
Content-ID: <logo>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--alt--
--outer
Content-Type: text/plain; charset=utf-8

Pied de page de la liste
--outer
Content-Type: application/pdf; name="exemple_jeanne.pdf"
Content-Disposition: attachment; filename="exemple_jeanne.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment

notes jointes
--outer
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sultats%20%C3%A9t%C3%A9.txt

x
--outer
Content-Type: text/plain; name="=?utf-8?q?lettre_H=C3=A9l=C3=A8ne.txt?="

lettre
--outer--
"""


def test_bodies_and_attachments() -> None:
    message = parse_message(MIXED)
    assert message.text_body == "Texte brut\nPied de page de la liste"
    assert message.html_body is not None and "<b>HTML</b>" in message.html_body
    names = [(a.filename, a.content_type) for a in message.attachments]
    assert names == [
        ("attachment-1.png", "image/png"),  # inline images are attachments too
        ("exemple_jeanne.pdf", "application/pdf"),
        ("attachment-3.txt", "text/plain"),
        ("résultats été.txt", "application/octet-stream"),
        ("lettre Hélène.txt", "text/plain"),
    ]
    assert message.attachments[0].data == b"\x89PNG\r\n\x1a\n"
    assert message.attachments[1].data == b"%PDF-1.4\n"
    assert message.attachments[2].data == b"notes jointes"


FORWARD = b"""From: a@example.be
To: b@example.be
Subject: Fwd: dossier
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="f"

--f
Content-Type: text/plain

voir ci-dessous
--f
Content-Type: message/rfc822

From: labo@example.be
To: a@example.be
Subject: =?utf-8?q?R=C3=A9sultats_Exemple?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="g"

--g
Content-Type: text/plain

NISS 60.02.01-123.45
--g
Content-Type: text/plain; name=r.txt
Content-Disposition: attachment; filename=r.txt
Content-Transfer-Encoding: quoted-printable

pi=C3=A8ce
--g--
--f--
"""


def test_attached_message_is_kept_whole_and_parses() -> None:
    message = parse_message(FORWARD)
    assert message.text_body == "voir ci-dessous"
    (attached,) = message.attachments
    assert attached.content_type == "message/rfc822"
    assert attached.filename == "attachment-1.eml"
    assert is_message(attached)
    inner = parse_message(attached.data)
    assert inner.subject == "Résultats Exemple"
    assert inner.text_body == "NISS 60.02.01-123.45"
    assert [(a.filename, a.data) for a in inner.attachments] == [("r.txt", "pièce".encode())]


def test_base64_encoded_attached_message_is_decoded() -> None:
    import base64

    inner = b"From: x@example.be\r\nSubject: cach\xc3\xa9\r\n\r\ncorps interne\r\n"
    raw = mail(
        'From: a@example.be\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner)
        + b"--b--\r\n",
    )
    (attached,) = parse_message(raw).attachments
    assert parse_message(attached.data).subject == "caché"


def test_whole_message_that_is_not_text() -> None:
    message = parse_message(
        mail(
            "From: a@example.be\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n",
            b"JVBERi0xLjQK\r\n",
        )
    )
    assert message.text_body is None
    assert [(a.filename, a.data) for a in message.attachments] == [("attachment-1.pdf", b"%PDF-1.4\n")]


def test_multipart_without_boundary_is_read_as_text() -> None:
    message = parse_message(
        mail("From: a@example.be\nContent-Type: multipart/mixed\n", b"NISS 60.02.01-123.45\r\n")
    )
    assert message.text_body is not None and "60.02.01-123.45" in message.text_body


def test_malformed_address_headers() -> None:
    message = parse_message(
        mail(
            "From: =?utf-8?q?Dr_=C3=89?= <a@EXAMPLE.be>\n"
            'To: <<<@@>>, nobody, bar@EXAMPLE.COM, "unterminated <x@y.be>\n'
            "Cc: ;;;,,, (comment) <c@example.be>\n"
            "Bcc: undisclosed-recipients:;\n"
        )
    )
    assert message.sender == "a@example.be"
    assert "bar@example.com" in message.to
    assert all("@" in a and " " not in a for a in message.to)
    assert message.cc == ("c@example.be",)
    assert message.bcc == ()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        b"hello world\nno headers\n",
        bytes(range(256)),
        b"\x00\x00\x00From: a@b.be\n",
    ],
    ids=["empty", "blank", "pdf", "png", "plain-text", "binary", "nul-prefix"],
)
def test_not_mail(data: bytes) -> None:
    with pytest.raises(InputError, match="not an e-mail message"):
        parse_message(data)


def test_mbox_from_line_bom_and_blank_lines_are_tolerated() -> None:
    raw = b"\xef\xbb\xbf\r\n\r\nFrom MAILER-DAEMON Mon Feb  5 10:00:00 2024\n"
    raw += b"From: a@example.be\nSubject: ok\n\nx\n"
    assert parse_message(raw).subject == "ok"


def test_nesting_past_the_limit_is_an_input_error() -> None:
    body = b"Content-Type: text/plain\n\nfond\n"
    for level in range(MAX_DEPTH + 5):
        body = b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (level, level) + body
        body += b"\n--b%d--\n" % level
    with pytest.raises(InputError, match="nested too deeply"):
        parse_message(b"From: a@example.be\n" + body)


# --- robustness sweep -------------------------------------------------------------------------------------


def _odd_messages() -> dict[str, bytes]:
    nested = b"Content-Type: text/plain\n\nfond\n"
    for level in range(30):
        nested = b'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' % (level, level) + nested
        nested += b"\n--n%d--\n" % level
    odd = {
        "truncated-mime": MIXED[: len(MIXED) // 2],
        "truncated-header": MIXED[:40],
        "missing-close-boundary": MIXED.replace(b"--outer--", b""),
        "boundary-never-used": mail(
            'From: a@b.be\nContent-Type: multipart/mixed; boundary="zz"\n', b"text\n"
        ),
        "empty-boundary": mail('From: a@b.be\nContent-Type: multipart/mixed; boundary=""\n', b"--\n--\n"),
        "garbage-content-type": mail("From: a@b.be\nContent-Type: ;;;/;=\x01\n"),
        "bad-rfc2231": mail(
            "From: a@b.be\nContent-Type: text/plain\n"
            "Content-Disposition: attachment; filename*=bogus''%ZZ%C3\n"
        ),
        "bad-base64": mail(
            "From: a@b.be\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n",
            b"!!!! not base64 ====\n",
        ),
        "bad-qp": mail("From: a@b.be\nContent-Transfer-Encoding: quoted-printable\n", b"=ZZ=\n=C3\n"),
        "unknown-cte": mail("From: a@b.be\nContent-Transfer-Encoding: x-weird\n"),
        "8bit-headers": b"From: J\xe9r\xf4me <j@b.be>\nTo: \xc3\xa9@b.be\nSubject: \xff\xfe\xe9\n\nx",
        "nul-in-headers": b"From: a@b.be\nSubject: a\x00b\nX-\x00: y\n\nx\x00y",
        "cr-only": b"From: a@b.be\rSubject: cr\r\rbody\r",
        "huge-body-line": b"From: a@b.be\nSubject: long\n\n" + b"x" * 2**20,
        "huge-header-line": b"From: a@b.be\nSubject: " + b"y" * 2**20 + b"\n\nx",
        "huge-to": b"From: a@b.be\nTo: " + b"a@b.be, " * 20000 + b"\n\nx",
        "deep-nesting": b"From: a@b.be\nMIME-Version: 1.0\n" + nested,
        "message-rfc822-empty": mail("From: a@b.be\nContent-Type: message/rfc822\n", b""),
        "delivery-status": mail(
            'From: a@b.be\nContent-Type: multipart/report; boundary="r"\n',
            b"--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
            b"Final-Recipient: rfc822; y\n--r--\n",
        ),
        "header-without-colon": b"From: a@b.be\nthis is not a header\nSubject: x\n\nbody",
        "continuation-first": b" From: a@b.be\nSubject: x\n\nbody",
        "encoded-word-bombs": mail("From: a@b.be\nSubject: " + "=?utf-8?b?=?=" * 500 + "\n"),
        "many-parts": mail(
            'From: a@b.be\nContent-Type: multipart/mixed; boundary="m"\n',
            b"".join(b"--m\nContent-Type: text/plain\n\n%d\n" % i for i in range(300)) + b"--m--\n",
        ),
    }
    return odd


def _stdlib_test_messages() -> dict[str, bytes]:
    try:
        import test.test_email as suite
    except ImportError:  # Debian and others ship the stdlib's tests separately
        return {}
    folder = Path(os.path.dirname(suite.__file__)) / "data"
    return {f"cpython-{p.name}": p.read_bytes() for p in sorted(folder.glob("*")) if p.is_file()}


def _exercise(message: Message, depth: int = 0) -> None:
    """What the scan does with a parsed message: every attachment read or parsed, nested ones too."""
    assert isinstance(message.subject, str)
    for text in (message.subject, message.text_body or "", message.html_body or ""):
        text.encode("utf-8")  # no lone surrogates left
    for attachment in message.attachments:
        attachment.filename.encode("utf-8")
        if is_message(attachment) and depth < 3:
            try:
                inner = parse_message(attachment.data)
            except InputError as exc:
                assert str(exc).startswith("not an e-mail message")
            else:
                _exercise(inner, depth + 1)
        else:
            try:
                assert isinstance(extract_text(attachment), str)
            except UnreadableAttachment as exc:
                assert exc.reason


SWEEP = {**_odd_messages(), **_stdlib_test_messages()}


def test_sweep_includes_the_stdlib_corpus() -> None:
    """CPython's own test_email data is part of the sweep wherever the stdlib's tests are installed (they are
    on this project's machines; Debian's python3 and Pyodide leave them out)."""
    pytest.importorskip("test.test_email", reason="the stdlib's test package is not installed")
    assert sum(name.startswith("cpython-msg_") for name in SWEEP) >= 40


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_robustness_sweep(name: str) -> None:
    try:
        message = parse_message(SWEEP[name])
    except InputError:
        return
    _exercise(message)


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_a_message_or_an_input_error(data: bytes) -> None:
    try:
        message = parse_message(data)
    except InputError:
        return
    _exercise(message)


_HEADERS = st.sampled_from(
    [
        b"From: a@b.be\n",
        b"Content-Type: multipart/mixed; boundary=x\n",
        b"Subject: \xe9\n",
        b"To: =?utf-8?q?x?= <a@b>\n",
        b"Content-Transfer-Encoding: base64\n",
        b"\n",
        b"--x\n",
    ]
)


@given(st.lists(st.one_of(_HEADERS, st.binary(max_size=40)), max_size=30))
def test_arbitrary_mime_shaped_bytes(chunks: list[bytes]) -> None:
    try:
        message = parse_message(b"".join(chunks))
    except InputError:
        return
    _exercise(message)


# --- round trip with the stdlib's builder ---------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=80)
_NAME = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "N"), include_characters="-_. "),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s not in ("", ".", ".."))
)


@given(
    subject=_TEXT,
    body=st.lists(_TEXT, max_size=5).map("\n".join),
    charset=st.sampled_from(["utf-8", "iso-8859-1", "iso-8859-15", "cp1252"]),
    attachments=st.lists(st.tuples(_NAME, st.binary(max_size=300)), max_size=4),
    cte=st.sampled_from(["quoted-printable", "base64", "8bit"]),
)
def test_round_trip(
    subject: str, body: str, charset: str, attachments: list[tuple[str, bytes]], cte: str
) -> None:
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        assume(False)
    built = EmailMessage()
    built["From"] = "Dr Exemple <dr@cabinet-exemple.be>"
    built["To"] = "jeanne@example.com"
    built["Subject"] = subject
    built.set_content(body, charset=charset, cte=cte)
    for name, data in attachments:
        built.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    message = parse_message(built.as_bytes(policy=SMTP))
    assert " ".join(message.subject.split()) == " ".join(subject.split())
    assert (message.text_body or "").rstrip("\n") == body.rstrip("\n")
    assert [(a.filename, a.data) for a in message.attachments] == attachments
    assert message.to == ("jeanne@example.com",)
    assert message.sender == "dr@cabinet-exemple.be"


def test_every_header_is_read_decoded_and_unfolded() -> None:
    raw = (
        b"From: =?utf-8?q?Dr_G=C3=A9rard?= <dr@cabinet.be>\r\nTo: \"Dupont, Marie\" <m@gmail.com>\r\n"
        b"Subject: One\r\nSubject: Two\r\nX-Patient: Marie\r\n Dupont\r\nComments: =?utf-8?b?w6l0w6k=?=\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf; name=\"other.pdf\"\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''G%C3%A9rard.pdf\r\nContent-Description: scan\r\n"
        b"\r\nx\r\n--b--\r\n"
    )
    message = parse_message(raw)
    headers = [(h.name, h.value) for h in message.headers]
    assert ("From display name", "Dr Gérard") in headers
    assert ("To display name", "Dupont, Marie") in headers
    assert [v for n, v in headers if n == "Subject"] == ["One", "Two"]
    assert ("X-Patient", "Marie Dupont") in headers
    assert ("Comments", "été") in headers
    assert ("part 2: Content-Type name", "other.pdf") in headers
    assert ("part 2: Content-Disposition filename", "Gérard.pdf") in headers
    assert ("part 2: Content-Description", "scan") in headers
    assert message.attachments[0].filename == "Gérard.pdf"
