"""The password envelope, checked by independent tools (qpdf, pdftotext, pdfdetach) and by round trips."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend
from medseal.envelope import _pypdf_bridge
from medseal.envelope.pdf import (
    BODY_TEXT,
    ENVELOPE_NAME,
    MARKER,
    NotReencryptable,
    PageLabels,
    build_message_pdf,
    displayable,
    encrypt_pdf,
    is_envelope,
    open_pdf,
    seal,
    unseal,
)
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
    sealed = write(
        tmp_path, "message.pdf", build_message_pdf(BODY, [DOCX], PASSWORD, "Résultats – réf. P-7F3K-2XQM")
    )
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
attachments = st.lists(
    st.builds(Attachment, attachment_names, content_types, st.binary(max_size=3000)), max_size=5
)


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
def test_non_latin_text_pages_carry_a_note(tmp_path: Path) -> None:
    labels = PageLabels(lossy="Certains caractères ne peuvent être affichés : voir body.txt.")
    data = build_message_pdf("Pan Łukasz Żółć, 漢字", [], PASSWORD, labels=labels)
    text = pdftotext(write(tmp_path, "m.pdf", data), PASSWORD)
    assert "Certains caractères ne peuvent être affichés" in text
    assert "Pan Lukasz Zólc, ??" in text


@tools
def test_long_bodies_wrap_and_paginate(tmp_path: Path) -> None:
    body = "\n".join(f"Ligne {i:03d} " + "mot " * 40 for i in range(150)) + "\nFIN-DU-MESSAGE " + "x" * 300
    data = build_message_pdf(body, [], PASSWORD)
    opened = open_pdf(data, PASSWORD)
    reader = PdfReader(io.BytesIO(opened.decrypted_pdf))
    assert len(reader.pages) >= 6
    text = pdftotext(write(tmp_path, "m.pdf", data), PASSWORD)
    assert "Ligne 149" in text and "FIN-DU-MESSAGE" in text
    assert max(len(line) for line in text.splitlines()) <= 80


@tools
def test_reencrypted_pdf_opens_everywhere(tmp_path: Path) -> None:
    original = make_pdf("Hemoglobine 14.2", pages=3)
    sealed = encrypt_pdf(original, PASSWORD, name="Résultats Dupont.pdf", position=2)
    assert pdftotext(write(tmp_path, "r.pdf", sealed), PASSWORD) == pdftotext(
        write(tmp_path, "o.pdf", original)
    )
    assert run("qpdf", "--requires-password", tmp_path / "r.pdf").returncode == 0
    opened = open_pdf(sealed, PASSWORD)
    assert opened.kind == "pdf" and opened.body_text is None
    assert [(a.filename, a.content_type) for a in opened.attachments] == [
        ("Résultats Dupont.pdf", "application/pdf")
    ]
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
                    for a in seal(
                        BODY, None, [DOCX, Attachment("y.pdf", "application/pdf", make_pdf())], PASSWORD
                    )
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
def test_one_envelope_runs_the_password_hash_once_per_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
