"""The password envelope, checked by independent tools (qpdf, pdftotext, pdfdetach) and by round trips."""

from __future__ import annotations

import base64
import email.policy
import io
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

import pytest
from extract.carriers import CARRIERS
from fixtures import documents
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from interceptor import assert_nothing_in_clear, interceptor_view, leaked
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    PdfObject,
)
from strategies import niss_numbers

from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend
from medseal.envelope import _pypdf_bridge
from medseal.envelope.pdf import (
    BODY_TEXT,
    ENVELOPE_NAME,
    MARKER,
    NotReencryptable,
    build_message_pdf,
    displayable,
    encrypt_pdf,
    is_envelope,
    open_pdf,
    seal,
    unseal,
)
from medseal.envelope.skeleton import clear_skeleton_problem, standard_names
from medseal.errors import DecryptionError
from medseal.model import Attachment

from .pdfs import encrypted_pdf, make_pdf, pdftotext, run, signed_pdf, words

PASSWORD = "kq7m-3xtp-9wfa-c4rh"
BODY = "Bonjour Madame,\n\nVoici vos résultats de laboratoire : tout est normal.\nCordialement,\nDr Test"
DOCX = Attachment(
    "résultats.docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"PK\x03\x04 not really a docx \x00\xff",
)
tools = pytest.mark.pyodide_incompatible(reason="runs qpdf/poppler in a subprocess")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@tools
def test_message_pdf_decrypts_with_qpdf_and_reads_back(tmp_path: Path) -> None:
    sealed = write(tmp_path, "message.pdf", build_message_pdf(BODY, [DOCX], PASSWORD, "Résultats – réf. P-7F3K-2XQM"))
    clear = tmp_path / "clear.pdf"
    result = run("qpdf", f"--password={PASSWORD}", "--decrypt", sealed, clear)
    assert result.returncode == 0, result.stderr
    text = pdftotext(clear)
    assert words(BODY) == words(text)[words(text).index("Bonjour") :][: len(words(BODY))]
    assert "Résultats – réf. P-7F3K-2XQM" in text
    assert "résultats.docx" in text  # the list of embedded files
    assert pdftotext(sealed, PASSWORD) == text
    check = run("qpdf", f"--password={PASSWORD}", "--check", sealed)
    assert check.returncode == 0 and b"No syntax or stream encoding errors" in check.stdout


@tools
def test_no_password_no_content(tmp_path: Path) -> None:
    sealed = write(tmp_path, "message.pdf", build_message_pdf(BODY, [], PASSWORD))
    assert run("qpdf", "--requires-password", sealed).returncode == 0  # 0: a password is required
    assert run("pdftotext", sealed, "-").returncode != 0
    assert run("pdftotext", "-upw", "wrong", sealed, "-").returncode != 0
    assert run("qpdf", "--password=wrong", "--decrypt", sealed, tmp_path / "x.pdf").returncode != 0
    assert b"Bonjour" not in sealed.read_bytes() and "résultats".encode() not in sealed.read_bytes()


@tools
def test_embedded_files_are_listed_by_pdfdetach(tmp_path: Path) -> None:
    sealed = write(tmp_path, "message.pdf", build_message_pdf(BODY, [DOCX], PASSWORD, body_html="<p>Hi</p>"))
    listing = run("pdfdetach", "-list", "-enc", "UTF-8", "-upw", PASSWORD, sealed).stdout.decode("utf-8")
    assert "résultats.docx" in listing and BODY_TEXT in listing and "body.html" in listing
    number = next(line.split(":")[0] for line in listing.splitlines() if line.endswith("résultats.docx"))
    out = tmp_path / "saved.docx"
    extracted = run("pdfdetach", "-upw", PASSWORD, "-save", number, "-o", out, sealed)
    assert extracted.returncode == 0, extracted.stderr
    assert out.read_bytes() == DOCX.data


@tools
def test_encryption_is_aes256_revision6_pdf20(tmp_path: Path) -> None:
    for data in (build_message_pdf(BODY, [DOCX], PASSWORD), encrypt_pdf(make_pdf(), PASSWORD)):
        assert data.startswith(b"%PDF-2.0\n")
        encrypt = PdfReader(io.BytesIO(data)).trailer["/Encrypt"].get_object()
        assert (encrypt["/V"], encrypt["/R"], encrypt["/Length"]) == (5, 6, 256)
        assert encrypt["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
        assert encrypt["/StmF"] == encrypt["/StrF"] == "/StdCF"
        shown = run("qpdf", f"--password={PASSWORD}", "--show-encryption", write(tmp_path, "e.pdf", data))
        out = shown.stdout.decode()
        assert "R = 6" in out and out.count("AESv3") == 3 and "RC4" not in out


def test_wrong_password_is_a_decryption_error() -> None:
    for data in (build_message_pdf(BODY, [], PASSWORD), encrypt_pdf(make_pdf(), PASSWORD)):
        for wrong in ("", "KQ7M-3XTP-9WFA-C4RH", PASSWORD + " ", PASSWORD[:-1]):
            with pytest.raises(DecryptionError):
                open_pdf(data, wrong)


SEALED = build_message_pdf(BODY, [DOCX], PASSWORD)


@given(st.integers(0, len(SEALED) - 1), st.integers(1, 255))
@settings(max_examples=60)
def test_any_altered_byte_is_detected(position: int, flip: int) -> None:
    tampered = bytearray(SEALED)
    tampered[position] ^= flip
    with pytest.raises(DecryptionError):
        open_pdf(bytes(tampered), PASSWORD)


@given(st.integers(0, len(SEALED) - 1))
@settings(max_examples=40)
def test_any_truncation_is_detected(length: int) -> None:
    with pytest.raises(DecryptionError):
        open_pdf(SEALED[:length], PASSWORD)


def test_appended_or_foreign_data_is_refused() -> None:
    for data in (SEALED + b"\n", SEALED + b"%%EOF\n", make_pdf(), encrypted_pdf(PASSWORD), b"", b"not a pdf"):
        with pytest.raises(DecryptionError):
            open_pdf(data, PASSWORD)


attachment_names = st.text(min_size=0, max_size=40).filter(lambda s: "\x00" not in s)
content_types = st.sampled_from(
    [
        "application/octet-stream",
        "text/plain",
        "image/png",
        "application/vnd.ms-excel",
        "message/rfc822",
        "application/x-hl7+er7",
    ]
)
attachments = st.lists(st.builds(Attachment, attachment_names, content_types, st.binary(max_size=3000)), max_size=5)


@given(
    st.one_of(st.none(), st.text()),
    st.one_of(st.none(), st.text(max_size=200)),
    attachments,
    st.text(max_size=60),
)
@settings(max_examples=60)
def test_round_trip_gives_identical_body_and_files(
    body: str | None, html: str | None, files: list[Attachment], title: str
) -> None:
    opened = open_pdf(build_message_pdf(body, files, PASSWORD, title, body_html=html), PASSWORD)
    assert opened.kind == "message"
    assert opened.body_text == body
    assert opened.body_html == html
    assert [(a.filename, a.content_type, a.data) for a in opened.attachments] == [
        (a.filename, a.content_type, a.data) for a in files
    ]
    assert opened.positions == tuple(range(len(files)))
    assert PdfReader(io.BytesIO(opened.decrypted_pdf)).is_encrypted is False


def test_body_txt_bytes_are_exact_utf8() -> None:
    body = "Ελληνικά 漢字 emoji 🩺 ő\r\nline\ttab\u200bzero-width"
    opened = open_pdf(build_message_pdf(body, [], PASSWORD), PASSWORD)
    assert opened.body_text is not None and opened.body_text.encode("utf-8") == body.encode("utf-8")


def test_what_courier_cannot_show_is_approximated_and_flagged() -> None:
    assert displayable("café € – “ok”") == ("café € – “ok”", False)
    shown, lossy = displayable("Őrség ﬁn Ελλ 漢 🩺 Łódź x\u2212y")
    assert lossy and shown == "Orség fin ??? ? ? Lódz x-y"
    assert displayable("a\u200bb\x07c") == ("ab?c", True)


@tools
def test_letters_of_every_script_are_kept_on_the_pages(tmp_path: Path) -> None:
    data = build_message_pdf("Pan Łukasz Żółć, Şahin Yılmaz, Ελένη, Жанна", [], PASSWORD)
    text = pdftotext(write(tmp_path, "m.pdf", data), PASSWORD)
    assert "Pan Łukasz Żółć, Şahin Yılmaz, Ελένη, Жанна" in text


@tools
def test_long_bodies_wrap_and_paginate(tmp_path: Path) -> None:
    body = "\n".join(f"Ligne {i:03d} " + "mot " * 40 for i in range(150)) + "\nFIN-DU-MESSAGE " + "x" * 300
    data = build_message_pdf(body, [], PASSWORD)
    opened = open_pdf(data, PASSWORD)
    reader = PdfReader(io.BytesIO(opened.decrypted_pdf))
    assert len(reader.pages) >= 6
    text = pdftotext(write(tmp_path, "m.pdf", data), PASSWORD)
    assert "Ligne 149" in text and "FIN-DU-MESSAGE" in text
    assert max(len(line) for line in text.splitlines()) <= 120  # wrapped to the page's width


@tools
def test_reencrypted_pdf_opens_everywhere(tmp_path: Path) -> None:
    original = make_pdf("Hemoglobine 14.2", pages=3)
    sealed = encrypt_pdf(original, PASSWORD, name="Résultats Dupont.pdf", position=2)
    assert pdftotext(write(tmp_path, "r.pdf", sealed), PASSWORD) == pdftotext(write(tmp_path, "o.pdf", original))
    assert run("qpdf", "--requires-password", tmp_path / "r.pdf").returncode == 0
    opened = open_pdf(sealed, PASSWORD)
    assert opened.kind == "pdf" and opened.body_text is None
    assert [(a.filename, a.content_type) for a in opened.attachments] == [("Résultats Dupont.pdf", "application/pdf")]
    assert opened.positions == (2,)
    assert opened.decrypted_pdf.startswith(b"%PDF-1.3")  # the original header comes back
    assert MARKER.encode() not in opened.decrypted_pdf
    assert pdftotext(write(tmp_path, "d.pdf", opened.decrypted_pdf)) == pdftotext(tmp_path / "o.pdf")


@pytest.mark.parametrize(
    "data",
    [encrypted_pdf(), signed_pdf(), b"%PDF-1.4\ngarbage", make_pdf()[:-40]],
    ids=["encrypted", "signed", "garbage", "truncated"],
)
def test_pdfs_that_are_not_reencrypted(data: bytes) -> None:
    with pytest.raises(NotReencryptable):
        encrypt_pdf(data, PASSWORD)
    sealed = seal("body", None, [Attachment("scan.pdf", "application/pdf", data)], PASSWORD)
    assert [a.filename for a in sealed] == [ENVELOPE_NAME]
    content = unseal(sealed, PASSWORD)
    assert [(a.filename, a.data) for a in content.attachments] == [("scan.pdf", data)]  # byte for byte


def test_seal_keeps_order_names_and_bytes() -> None:
    files = [
        Attachment("a.pdf", "application/pdf", make_pdf("first")),
        DOCX,
        Attachment("message.pdf", "application/pdf", make_pdf("clash")),
        Attachment("notes.txt", "text/plain", "é".encode()),
        Attachment("scan", "application/pdf", make_pdf("no extension")),
    ]
    outer = ["P-7F3K-2XQM.pdf", "ignored.docx", "message.pdf", "ignored.txt", "P-7F3K-2XQM.pdf"]
    sealed = seal(BODY, "<p>html</p>", files, PASSWORD, title="t", outer_names=outer)
    assert [a.filename for a in sealed] == [
        ENVELOPE_NAME,
        "P-7F3K-2XQM.pdf",
        "message (2).pdf",
        "P-7F3K-2XQM (2).pdf",
    ]
    assert all(is_envelope(a.data) and a.content_type == "application/pdf" for a in sealed)
    content = unseal(list(reversed(sealed)), PASSWORD)
    assert (content.body_text, content.body_html) == (BODY, "<p>html</p>")
    assert [a.filename for a in content.attachments] == [a.filename for a in files]
    assert [a.data for a in content.attachments][1::2] == [DOCX.data, "é".encode()]
    with pytest.raises(DecryptionError):
        unseal(sealed, "wrong")


def test_same_random_source_same_bytes() -> None:
    def build() -> tuple[bytes, ...]:
        with use_backend(DeterministicBackend(default_backend(), b"fixed")):
            return (
                build_message_pdf(BODY, [DOCX], PASSWORD, "t"),
                encrypt_pdf(make_pdf(), PASSWORD, name="x.pdf"),
                *(
                    a.data
                    for a in seal(BODY, None, [DOCX, Attachment("y.pdf", "application/pdf", make_pdf())], PASSWORD)
                ),
            )

    first, second = build(), build()
    assert first == second
    assert build_message_pdf(BODY, [DOCX], PASSWORD, "t") != first[0]  # real randomness differs


def test_pypdf_aes_goes_through_the_backend() -> None:
    class Counting(DeterministicBackend):
        calls = 0

        def aes_cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
            Counting.calls += 1
            return super().aes_cbc_encrypt(key, iv, data)

    _pypdf_bridge.install()
    assert _pypdf_bridge.installed()
    with use_backend(Counting(default_backend(), b"count")):
        data = build_message_pdf(BODY, [DOCX], PASSWORD)
    assert Counting.calls > 64  # the revision-6 hash (64+ rounds) and every string and stream
    assert open_pdf(data, PASSWORD).body_text == BODY


BRIDGE_SCRIPT = textwrap.dedent(
    """
    import sys
    # pypdf without any AES provider, as in Pyodide: only medseal's bridge can encrypt
    sys.modules["pypdf._crypt_providers._cryptography"] = None
    sys.modules["pypdf._crypt_providers._pycryptodome"] = None
    import pypdf._crypt_providers as providers
    assert providers.crypt_provider[0] == "local_crypt_fallback", providers.crypt_provider
    from medseal.envelope.pdf import build_message_pdf, encrypt_pdf, open_pdf
    from medseal.model import Attachment
    sys.path.insert(0, sys.argv[1])
    from pdfs import make_pdf
    files = [Attachment("a.bin", "application/octet-stream", b"123")]
    message = build_message_pdf("Bridge body", files, "pw")
    assert open_pdf(message, "pw").body_text == "Bridge body"
    open(sys.argv[2], "wb").write(message)
    open(sys.argv[3], "wb").write(encrypt_pdf(make_pdf("Bridge pdf"), "pw"))
    """
)


@tools
def test_bridge_works_when_pypdf_has_no_aes_provider(tmp_path: Path) -> None:
    message, pdf = tmp_path / "m.pdf", tmp_path / "p.pdf"
    result = subprocess.run(
        [sys.executable, "-c", BRIDGE_SCRIPT, str(Path(__file__).parent), str(message), str(pdf)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    for path, expected in ((message, "Bridge body"), (pdf, "Bridge pdf page 1")):
        clear = tmp_path / f"clear-{path.name}"
        assert run("qpdf", "--password=pw", "--decrypt", path, clear).returncode == 0
        assert expected in pdftotext(clear)


@tools
def test_access_codes_beyond_ascii(tmp_path: Path) -> None:
    code = "Wachtwoord-éé ß"
    sealed = write(tmp_path, "m.pdf", build_message_pdf("Hallo", [], code))
    assert open_pdf(sealed.read_bytes(), code).body_text == "Hallo"
    assert run("qpdf", f"--password={code}", "--decrypt", sealed, tmp_path / "c.pdf").returncode == 0
    assert "Hallo" in pdftotext(tmp_path / "c.pdf")


def _encrypt_entry(pdf: bytes) -> dict[str, bytes]:
    encrypt = PdfReader(io.BytesIO(pdf)).trailer["/Encrypt"].get_object()
    return {name: bytes(getattr(encrypt[name], "original_bytes", encrypt[name])) for name in ("/U", "/UE", "/O", "/OE")}


@tools
def test_one_envelope_runs_the_password_hash_once_per_salt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Algorithm 2.B runs 4 times for the whole message (U, UE, O, OE), not 4 times per PDF; every PDF still
    has its own file key and opens with the password in qpdf and poppler."""
    calls = []
    original = _pypdf_bridge._original_calculate_hash

    def counting(*args: object) -> bytes:
        calls.append(args[0])
        return bytes(original(*args))

    monkeypatch.setattr(_pypdf_bridge, "_original_calculate_hash", counting)
    attachments = [Attachment(f"r{i}.pdf", "application/pdf", make_pdf(f"Resultat {i}")) for i in range(3)]
    sealed = seal(BODY, None, attachments, PASSWORD)
    assert len(sealed) == 4 and len(calls) == 4
    entries = [_encrypt_entry(item.data) for item in sealed]
    assert len({(e["/U"], e["/O"]) for e in entries}) == 1
    assert len({e["/UE"] for e in entries}) == 4, "each PDF wraps a file key of its own"
    for index, item in enumerate(sealed):
        path = write(tmp_path, f"{index}.pdf", item.data)
        assert run("qpdf", f"--password={PASSWORD}", "--check", path).returncode == 0
        assert pdftotext(path, PASSWORD)
    calls.clear()
    seal(BODY, None, attachments, PASSWORD)
    assert len(calls) == 4, "the memo is per message: nothing is kept between envelopes"


# -- what stays in clear of a PDF re-encrypted in place -------------------------------------------------------

SURNAMES = ["Vandermeersch", "Dewulf", "Lambrechts", "Müller", "Öztürk", "Nguyễn", "Kowalski"]


def _page_writer(base: bytes) -> tuple[PdfWriter, DictionaryObject]:
    writer = PdfWriter(clone_from=io.BytesIO(base))
    return writer, writer.pages[0]


def _pdf_with(carrier: str, value: str, base: bytes | None = None) -> bytes:
    """An ordinary PDF with ``value`` (a surname or 11 digits) only in one object that is not a string."""
    writer, page = _page_writer(base if base is not None else make_pdf("Compte rendu de consultation"))
    if carrier == "name-value":
        page[NameObject("/Tabs")] = NameObject("/" + value)
    elif carrier == "info-key":
        writer.add_metadata({"/" + value: "x"})
    elif carrier == "page-key":
        page[NameObject("/" + value)] = BooleanObject(True)
    elif carrier == "resource-name":
        font = page["/Resources"]["/Font"]
        font[NameObject("/" + value)] = font["/F1"]
    elif carrier == "integer":
        page[NameObject("/StructParents")] = NumberObject(int(value))
    elif carrier == "real":
        page[NameObject("/UserUnit")] = FloatObject(value)
    else:  # "split-array": the digits cut into numbers of at most 5 digits, as in [8507 30033 28]
        page[NameObject("/B")] = ArrayObject(NumberObject(int(piece)) for piece in value.split(" "))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _mail(parts: Sequence[Attachment]) -> bytes:
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = "dr@cabinet.example"
    mail["To"] = "patient@gmail.com"
    mail["Subject"] = "Document"
    mail.set_content("Bonjour, voici le document.\n")
    for part in parts:
        mail.add_attachment(part.data, maintype="application", subtype="pdf", filename=part.filename)
    return mail.as_bytes()


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


#: What every envelope shows in clear anyway (the interceptor's name check looks for substrings).
_VOCABULARY = _plain(" ".join(standard_names()) + f" {MARKER} /Message /Pdf")


@st.composite
def _split_niss(draw: st.DrawFn) -> tuple[str, str]:
    niss = draw(niss_numbers())
    pieces, rest = [], niss
    while rest:
        size = draw(st.integers(1, min(5, len(rest))))
        pieces.append(rest[:size])
        rest = rest[size:]
    assume(len(pieces) > 1 and not any(p.startswith("0") for p in pieces))
    return niss, " ".join(pieces)


@st.composite
def _identifier_in_skeleton(draw: st.DrawFn) -> tuple[str, str, list[str], list[str]]:
    """(carrier, value, national numbers, names) with a national number or a surname in a PDF's skeleton."""
    carrier = draw(
        st.sampled_from(["name-value", "info-key", "page-key", "resource-name", "integer", "real", "split-array"])
    )
    if carrier == "split-array":
        niss, value = draw(_split_niss())
        return carrier, value, [niss], []
    if carrier in ("integer", "real"):
        niss = draw(niss_numbers())
        assume(not niss.startswith("0"))  # a number keeps no leading zero: the rest is not the whole number
        return carrier, niss, [niss], []
    if draw(st.booleans()):
        niss = draw(niss_numbers())
        prefix = draw(st.sampled_from(["", "P", "NISS", "Im"]))
        return carrier, prefix + niss, [niss], []
    surname = draw(st.sampled_from(SURNAMES) | st.from_regex(r"[A-Z][a-zà-ÿ]{4,12}", fullmatch=True))
    assume(_plain(surname) not in _VOCABULARY)  # a word of the PDF vocabulary ("Black") says nothing of anyone
    return carrier, surname, [], [surname]


def test_the_carriers_leak_when_encrypted_in_place() -> None:
    """The test below can fail: PDF encryption alone leaves each of these carriers readable."""
    for carrier, value, niss, names in [
        ("info-key", "Vandermeersch", [], ["Vandermeersch"]),
        ("name-value", "Müller", [], ["Müller"]),
        ("integer", "85073003328", ["85073003328"], []),
        ("split-array", "8507 30033 28", ["85073003328"], []),
    ]:
        _pypdf_bridge.install()  # pypdf's AES through medseal's backend (Pyodide has no other)
        writer = PdfWriter(clone_from=io.BytesIO(_pdf_with(carrier, value)))
        writer.encrypt(PASSWORD, algorithm="AES-256")
        buffer = io.BytesIO()
        writer.write(buffer)
        assert leaked(interceptor_view(_mail([Attachment("r.pdf", "application/pdf", buffer.getvalue())])), niss, names)


@given(_identifier_in_skeleton())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_an_identifier_in_the_skeleton_never_leaves_in_clear(case: tuple[str, str, list[str], list[str]]) -> None:
    carrier, value, niss, names = case
    data = _pdf_with(carrier, value)
    sealed = seal("Bonjour, voici le document.", None, [Attachment("rapport.pdf", "application/pdf", data)], PASSWORD)
    assert [a.filename for a in sealed] == [ENVELOPE_NAME]  # embedded in message.pdf, not encrypted in place
    assert_nothing_in_clear(_mail(sealed), niss=niss, names=names)
    content = unseal(sealed, PASSWORD)
    assert [(a.filename, a.data) for a in content.attachments] == [("rapport.pdf", data)]  # byte for byte


def _ordinary_pdfs() -> dict[str, bytes]:
    pdfs = {
        "pypdf text": make_pdf("Hemoglobine 14.2", pages=3),
        "pypdf 300 KB": make_pdf("Scan", filler=300_000),
        "fixtures text": documents.make_pdf(["Compte rendu", "Page deux"]),
        "fixtures typical 200 KB": documents.make_typical_pdf("Résultats de laboratoire"),
        "message.pdf, decrypted": open_pdf(build_message_pdf(BODY, [DOCX], PASSWORD, "t"), PASSWORD).decrypted_pdf,
    }
    for name, make in CARRIERS.items():
        if name.startswith("pdf-") and name != "pdf-info-custom-key":
            pdfs[name] = make("12345", "Consultation").data
    return pdfs


ORDINARY = _ordinary_pdfs()


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_pdfs_are_still_encrypted_in_place(name: str) -> None:
    """Phones show a PDF attachment but not the files embedded in one: ordinary PDFs stay PDFs."""
    data = ORDINARY[name]
    assert clear_skeleton_problem(PdfWriter(clone_from=io.BytesIO(data))._objects) is None
    sealed = seal("body", None, [Attachment("rapport.pdf", "application/pdf", data)], PASSWORD)
    assert [a.filename for a in sealed] == [ENVELOPE_NAME, "rapport.pdf"]
    opened = open_pdf(sealed[1].data, PASSWORD)
    assert opened.kind == "pdf" and [a.filename for a in opened.attachments] == ["rapport.pdf"]


def test_the_source_file_identifier_is_not_kept() -> None:
    """A trailer /ID is a string that PDF encryption leaves in clear: the envelope gets a fresh one."""
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer._ID = ArrayObject([ByteStringObject(b"Vandermeersch 85073003328")] * 2)
    buffer = io.BytesIO()
    writer.write(buffer)
    sealed = seal("body", None, [Attachment("r.pdf", "application/pdf", buffer.getvalue())], PASSWORD)
    assert len(sealed) == 2
    assert_nothing_in_clear(_mail(sealed), niss=["85073003328"], names=["Vandermeersch"])


@pytest.mark.parametrize(
    ("entries", "neutral"),
    [
        ({"/Length1": NumberObject(10)}, True),
        ({"/Length1": NumberObject(85073003328)}, False),  # larger than the stream it describes
        ({"/Length": NumberObject(85073003328)}, True),  # rewritten by pypdf to the real length
        ({"/Subtype": NameObject("/Type1C")}, True),
        ({"/Subtype": NameObject("/T1_0")}, True),
        ({"/Subtype": NameObject("/F850730")}, False),
        ({"/BaseFont": NameObject("/ABCDEF+LiberationSerif")}, True),
        ({"/BaseFont": NameObject("/Arial85073003328")}, False),  # font names are checked for digit runs
        ({"/Ascent": FloatObject("928.22266")}, True),  # Skia's font metrics
        ({"/Ascent": FloatObject("-0.000012345")}, True),  # ten digits in all
        ({"/Ascent": FloatObject("0.00010112345")}, False),  # eleven: room for a national number of 2001
        ({"/Ascent": FloatObject("850730.5")}, False),
        ({"/Rect": ArrayObject(NumberObject(n) for n in (8507, 30033, 28))}, True),  # geometry: not read on
        ({"/Kids": ArrayObject(NumberObject(n) for n in (8507, 30033, 28))}, False),
        ({"/Kids": ArrayObject(NumberObject(n) for n in (8507, 30033, 29))}, True),  # no valid number
        ({"/Kids": ArrayObject([NumberObject(8507), ArrayObject([FloatObject("3003.3"), NumberObject(28)])])}, False),
    ],
)
def test_skeleton_rules(entries: dict[str, PdfObject], neutral: bool) -> None:
    stream = DecodedStreamObject()
    stream.set_data(b"0123456789" * 10)
    for key, value in entries.items():
        stream[NameObject(key)] = value
    assert (clear_skeleton_problem([stream]) is None) is neutral


def test_a_document_of_100000_objects_is_not_reencrypted_in_place() -> None:
    assert clear_skeleton_problem([None] * 99_999) is None
    assert clear_skeleton_problem([None] * 100_000) is not None  # "123456 0 obj" is written in clear


@tools
def test_embedded_and_in_place_pdfs_open_with_qpdf(tmp_path: Path) -> None:
    odd = _pdf_with("info-key", "Vandermeersch")
    files = [Attachment("odd.pdf", "application/pdf", odd), Attachment("ok.pdf", "application/pdf", make_pdf("ok"))]
    sealed = seal(BODY, None, files, PASSWORD)
    assert [a.filename for a in sealed] == [ENVELOPE_NAME, "ok.pdf"]
    for part in sealed:
        path = write(tmp_path, part.filename, part.data)
        assert run("qpdf", "--requires-password", path).returncode == 0
        out = tmp_path / f"clear-{part.filename}"
        decrypted = run("qpdf", f"--password={PASSWORD}", "--decrypt", path, out)
        assert decrypted.returncode in (0, 3), decrypted.stderr  # 3: warnings only
        assert run("qpdf", "--check", out).returncode in (0, 3)
    detach = run("pdfdetach", "-upw", PASSWORD, "-list", tmp_path / ENVELOPE_NAME)
    assert b"odd.pdf" in detach.stdout
    content = unseal(sealed, PASSWORD)
    assert [a.filename for a in content.attachments] == ["odd.pdf", "ok.pdf"]
    assert content.attachments[0].data == odd  # embedded: byte for byte (the in-place one is rewritten)


def test_an_unusual_content_type_is_not_a_clear_name() -> None:
    """An embedded file's /Subtype is a name: an unknown type travels as octet-stream, exact inside /Desc."""
    odd = Attachment("notes.bin", "application/x-vandermeersch-85073003328; charset=x", b"data")
    known = Attachment("lettre.odt", "application/vnd.oasis.opendocument.text", b"PK")
    sealed = seal("body", None, [odd, known], PASSWORD)
    assert_nothing_in_clear(_mail(sealed), niss=["85073003328"], names=["Vandermeersch"])
    assert b"vnd.oasis.opendocument.text" in sealed[0].data  # a well-known type stays a readable /Subtype
    content = unseal(sealed, PASSWORD)
    assert [a.content_type for a in content.attachments] == [
        "application/x-vandermeersch-85073003328",
        "application/vnd.oasis.opendocument.text",
    ]


LETTER_HTML = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Compte rendu</title></head>
<body><h1>Compte rendu de consultation</h1><p>Chère Madame, voici vos résultats (<a href="https://labo.example">
laboratoire</a>).</p><ul><li>Hémoglobine 14,2 g/dl</li><li>Glycémie 0,92 g/l</li></ul>
<table border="1"><tr><th>Analyse</th><th>Valeur</th></tr><tr><td>CRP</td><td>&lt; 5</td></tr></table>
<img alt="logo" src="data:image/png;base64,{png}"><p style="font-family: serif"><i>Dr Test</i></p></body></html>"""


@pytest.mark.pyodide_incompatible("prints a letter to PDF with Chromium in a subprocess")
def test_a_chromium_printed_letter_is_encrypted_in_place(tmp_path: Path) -> None:
    """A browser-printed PDF (Skia: subset TrueType fonts, real-valued metrics, a tagged structure, a 300 KB
    image) is an ordinary PDF: its skeleton is neutral and it stays a PDF."""
    png = base64.b64encode(documents.make_png(320, 240, noise=True)).decode("ascii")
    page = write(tmp_path, "letter.html", LETTER_HTML.replace("{png}", png).encode("utf-8"))
    out = tmp_path / "letter.pdf"
    printed = run(
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        page.as_uri(),
    )
    assert out.exists(), printed.stderr
    data = out.read_bytes()
    assert clear_skeleton_problem(PdfWriter(clone_from=io.BytesIO(data))._objects) is None
    sealed = seal("body", None, [Attachment("letter.pdf", "application/pdf", data)], PASSWORD)
    assert [a.filename for a in sealed] == [ENVELOPE_NAME, "letter.pdf"]
    assert "Hémoglobine" in pdftotext(write(tmp_path, "sealed.pdf", sealed[1].data), PASSWORD)
