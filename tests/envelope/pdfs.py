"""Plain test PDFs made with pypdf: text pages (Helvetica), optional filler to reach a size, signed or
encrypted variants, and the command-line tools that check envelopes independently of medseal."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject


def make_pdf(text: str = "Lab results", pages: int = 1, filler: int = 0) -> bytes:
    """A clear PDF whose page ``i`` reads ``{text} page {i}``; ``filler`` adds that many incompressible bytes
    (as a PDF comment in the first page's content) to reach a realistic size."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for number in range(1, pages + 1):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        content = f"BT /F1 12 Tf 72 760 Td ({text} page {number}) Tj ET\n".encode("latin-1")
        if filler and number == 1:
            noise = bytes((i * 7919 + 13) % 251 for i in range(filler // 2)).hex().encode("ascii")
            content += b"%" + noise + b"\n"
        stream = DecodedStreamObject()
        stream.set_data(content)
        page.replace_contents(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def signed_pdf() -> bytes:
    """A PDF whose form says signatures exist (rewriting it would invalidate them)."""
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf("Signed report")))
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/SigFlags"): NumberObject(3)}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(password: str = "their-own-password") -> bytes:  # noqa: S107 - a test document
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf("Already protected")))
    writer.encrypt(password, algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    tool = shutil.which(str(args[0]))
    assert tool is not None, f"{args[0]} is not installed (apt-get install qpdf poppler-utils openssl)"
    return subprocess.run([tool, *map(str, args[1:])], capture_output=True, check=False, timeout=60)


def pdftotext(path: Path, password: str | None = None) -> str:
    options = ["-upw", password] if password is not None else []
    result = run("pdftotext", *options, "-enc", "UTF-8", path, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


def words(text: str) -> list[str]:
    return text.split()
