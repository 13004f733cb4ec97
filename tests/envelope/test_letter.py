"""``message.pdf`` as the patient sees it: read by poppler (pdftotext, pdftoppm, pdfimages) with the password,
and the clear e-mail that carries it, in the recipient's language or in all four."""

from __future__ import annotations

import datetime
import io
import unicodedata
from pathlib import Path

import pytest
from fixtures.documents import make_png
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interceptor import assert_nothing_in_clear
from pypdf import PdfReader

from medseal.compose import to_bytes
from medseal.directory import parse_directory
from medseal.envelope import fonts
from medseal.envelope.letter import LetterHead
from medseal.envelope.pdf import build_message_pdf, open_pdf
from medseal.i18n import LANGUAGES, t
from medseal.model import Attachment, Header, Message
from medseal.policy import parse_policy
from medseal.protect import Action, ProtectOptions, notice_text, protect_message
from medseal.scan import ScanContext

from .pdfs import make_pdf, pdftotext, run

PASSWORD = "kq7m-3xtp-9wfa-c4rh"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
tools = pytest.mark.pyodide_incompatible(reason="runs poppler in a subprocess")
HEAD = LetterHead(
    sender="Dr Anne Lambert",
    sender_address="dr.lambert@cabinet-parc.be",
    practice="Cabinet médical du Parc",
    contact="02 123 45 67",
    date=datetime.date(2026, 12, 8),
    language="fr",
)
HTML = (
    "<p>Bonjour <b>Madame Yılmaz</b>,</p><p>Voici vos <i>résultats</i> :</p>"
    "<ul><li>hémoglobine normale</li><li>glycémie à recontrôler</li></ul>"
    "<table><tr><th>Test</th><th>Valeur</th></tr><tr><td>Hb</td><td>14,2 g/dl</td></tr></table>"
    "<p>Prenez rendez-vous sur <a href='https://cabinet-parc.example/rdv'>notre site</a>.</p>"
)


def _shown(text: str) -> str:
    """Extracted text as a reader reads it: poppler's bidi embedding marks removed, whitespace folded."""
    return " ".join(text.replace("\u202b", "").replace("\u202c", "").split())


def _letters(low: int, high: int) -> list[str]:
    """The letters of a Unicode block that the letter fonts draw."""
    return [
        c
        for c in map(chr, range(low, high + 1))
        if unicodedata.category(c) in ("Lu", "Ll", "Lo")
        and unicodedata.normalize("NFC", c) == c
        and (g := fonts.glyph(c)) is not None
        and not g.actual
        and c != "\u0640"  # the Arabic tatweel is a stretch, not a letter
    ]


SCRIPTS = {
    "latin-extended": _letters(0x00C0, 0x024F),
    "greek": _letters(0x0386, 0x03CE),
    "cyrillic": _letters(0x0400, 0x04FF),
    "arabic": _letters(0x0621, 0x064A),
}


def _words(script: str) -> st.SearchStrategy[str]:
    """Words of one script. Two limits are poppler's reading, not the letter's: a line made only of
    one-letter words ("x y z") reads as letter-spaced text ("xyz"), so the first word has two letters; and
    two neighbouring one-letter right-to-left words are joined, so Arabic words (whose one-letter words,
    و and ب, are written attached to the next word anyway) have two letters or more."""
    shortest = 2 if script == "arabic" else 1
    first = st.text(alphabet=SCRIPTS[script], min_size=2, max_size=10)
    word = st.text(alphabet=SCRIPTS[script], min_size=shortest, max_size=10)
    return st.tuples(first, st.lists(word, max_size=5)).map(lambda words: " ".join([words[0], *words[1]]))


def _paragraphs() -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(SCRIPTS)).flatmap(_words), min_size=1, max_size=4)


@tools
@given(name=st.sampled_from(["latin-extended", "greek", "cyrillic"]).flatmap(_words), paragraphs=_paragraphs())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_names_and_bodies_of_every_script_come_back_exactly(
    tmp_path: Path, name: str, paragraphs: list[str]
) -> None:
    body = "\n\n".join(paragraphs)
    head = LetterHead(sender=name, practice="Cabinet", language="nl")
    path = tmp_path / "m.pdf"
    path.write_bytes(build_message_pdf(body, [], PASSWORD, f"Über {name}", head=head))
    text = _shown(pdftotext(path, PASSWORD))
    assert _shown(name) in text and _shown(f"Über {name}") in text
    for paragraph in paragraphs:
        assert _shown(paragraph) in text


@tools
def test_emoji_are_drawn_as_the_replacement_glyph_and_extracted_as_themselves(tmp_path: Path) -> None:
    path = tmp_path / "m.pdf"
    path.write_bytes(build_message_pdf("Bonne fête 🎉 et à bientôt 🩺", [], PASSWORD))
    assert "Bonne fête 🎉 et à bientôt 🩺" in pdftotext(path, PASSWORD)
    page = PdfReader(io.BytesIO(open_pdf(path.read_bytes(), PASSWORD).decrypted_pdf)).pages[0]
    assert b"/ActualText" in page.get_contents().get_data()  # type: ignore[union-attr]


@tools
def test_the_letter_shows_who_when_what_and_the_enclosures(tmp_path: Path) -> None:
    files = [Attachment("compte-rendu.docx", "application/octet-stream", b"PK\x03\x04...")]
    path = tmp_path / "m.pdf"
    path.write_bytes(build_message_pdf("texte", files, PASSWORD, "Vos résultats", body_html=HTML, head=HEAD))
    text = pdftotext(path, PASSWORD)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:4] == ["Cabinet médical du Parc", "Dr Anne Lambert", "02 123 45 67 · dr.lambert@cabinet-parc.be",
                         "Date : 8 décembre 2026"]
    assert lines[4] == "Vos résultats"
    assert "Bonjour Madame Yılmaz," in lines and "• hémoglobine normale" in lines
    assert "Hb" in text and "14,2 g/dl" in text
    assert t("letter.enclosed", "fr") in lines
    assert "compte-rendu.docx — fichier joint à ce PDF" in _shown(text)
    assert _shown(t("letter.how_to_open", "fr")) in _shown(text)
    reader = PdfReader(io.BytesIO(open_pdf(path.read_bytes(), PASSWORD).decrypted_pdf))
    assert reader.root_object["/MarkInfo"]["/Marked"] and reader.root_object["/Lang"] == "fr"
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])]
    assert links == ["https://cabinet-parc.example/rdv"]
    fonts_used = {f["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts_used == {"/MSLATN+DejaVuSans", "/MSLEXT+DejaVuSans"} or fonts_used == {"/MSLATN+DejaVuSans"}
    fonts_text = run("pdffonts", "-upw", PASSWORD, path).stdout.decode()
    assert "CID TrueType" in fonts_text and " yes " in fonts_text  # embedded


@tools
def test_page_one_renders_and_a_jpeg_attachment_is_a_page(tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(make_pdf("Radiographie du thorax"))
    assert run("pdftoppm", "-r", "40", "-jpeg", "-singlefile", source, tmp_path / "scan").returncode == 0
    photo = (tmp_path / "scan.jpg").read_bytes()
    files = [
        Attachment("radio.jpg", "image/jpeg", photo),
        Attachment("plaie.png", "image/png", make_png(60, 40)),
        Attachment("note.odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04 odt"),
    ]
    data = build_message_pdf(None, files, PASSWORD, "Vos images", body_html=HTML, head=HEAD)
    path = tmp_path / "m.pdf"
    path.write_bytes(data)
    opened = open_pdf(data, PASSWORD)
    assert [a.data for a in opened.attachments] == [f.data for f in files]  # byte for byte
    assert len(PdfReader(io.BytesIO(opened.decrypted_pdf)).pages) == 3
    listing = run("pdfimages", "-upw", PASSWORD, "-list", path).stdout.decode()
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert [(r[0], r[2], r[8]) for r in rows if r[2] == "image"] == [("2", "image", "jpeg"), ("3", "image", "image")]
    text = _shown(pdftotext(path, PASSWORD))
    assert "radio.jpg — affichée à la page 2" in text and "plaie.png — affichée à la page 3" in text
    ARTIFACTS.mkdir(exist_ok=True)
    for page in (1, 2):
        rendered = run(
            "pdftoppm", "-upw", PASSWORD, "-r", "60", "-f", str(page), "-l", str(page), "-png", "-singlefile",
            path, ARTIFACTS / f"letter-page-{page}",
        )
        assert rendered.returncode == 0 and not rendered.stderr, rendered.stderr
    gray = run("pdftoppm", "-upw", PASSWORD, "-r", "30", "-f", "1", "-l", "1", "-gray", "-singlefile", path,
               tmp_path / "p1")
    assert gray.returncode == 0 and not gray.stderr, gray.stderr
    pixels = (tmp_path / "p1.pgm").read_bytes().split(b"\n", 3)[3]
    assert sum(1 for b in pixels if b < 128) > 500  # ink: the text is drawn


# -- the clear e-mail ------------------------------------------------------------------------------------

DIRECTORY = parse_directory(
    "last_name,first_name,niss,email,language\n"
    "Wouters,Els,90010100123,els.wouters@gmail.com,nl\n"
    "Peeters,Jan,90010100222,jan@telenet.be,\n"
    "Schmitz,Anna,90010100321,anna@web.de,de\n"
    "Smith,Ann,90010100420,ann@gmail.com,en\n"
)
NISS = {"els.wouters@gmail.com": "90010100123", "jan@telenet.be": "90010100222", "anna@web.de": "90010100321",
        "ann@gmail.com": "90010100420"}
POLICY = parse_policy(
    '[protect]\nlanguage = "fr"\n[practice]\nname = "Cabinet médical du Parc"\ncontact = "02 123 45 67"\n'
)
CONTEXT = ScanContext(directory=DIRECTORY, policy=POLICY)
OPTIONS = ProtectOptions(key=bytes(range(32)), language="fr", password="correct-horse-battery")


def _protect(to: tuple[str, ...]) -> Message:
    """A message about the recipient's own results (about an unknown patient for unknown addresses)."""
    niss = NISS.get(to[0], "85073003328")
    message = Message(
        subject=f"Résultats {niss}",
        text_body=f"Bonjour, vos résultats (NISS {niss}) sont normaux.",
        sender="dr@cabinet-parc.be",
        sender_name="Dr Anne Lambert",
        to=to,
        headers=(Header("Date", "Tue, 08 Dec 2026 09:30:00 +0100"),),
    )
    result = protect_message(message, CONTEXT, OPTIONS)
    assert result.action is Action.APPLY
    (outgoing,) = result.outgoing
    raw = to_bytes(outgoing.message)
    assert_nothing_in_clear(raw, niss=[niss])
    return outgoing.message


@pytest.mark.parametrize(("address", "language"), [("els.wouters@gmail.com", "nl"), ("anna@web.de", "de"),
                                                   ("ann@gmail.com", "en")])
def test_the_clear_mail_speaks_the_recipients_language(address: str, language: str) -> None:
    sent = _protect((address,))
    expected = notice_text((language,), [], "Cabinet médical du Parc", "02 123 45 67")
    body = sent.text_body or ""
    assert body.split(t("notice.body", language, reference="").splitlines()[0])[0] == ""
    assert t("notice.sender", language, practice="Cabinet médical du Parc") in body
    assert t("notice.contact", language, contact="02 123 45 67") in body
    assert body.count("---") == 0 and len(body) < len(expected) + 40
    for other in set(LANGUAGES) - {language}:
        assert t("notice.sender", other, practice="Cabinet médical du Parc") not in body


@pytest.mark.parametrize("to", [("jan@telenet.be",), ("x@example.org", "y@example.org"), ("x@example.org",)])
def test_without_one_known_language_the_clear_mail_gives_all_four_the_practices_first(to: tuple[str, ...]) -> None:
    body = _protect(to).text_body or ""
    headings = [t("notice.language_heading", lang) for lang in ("fr", "nl", "de", "en")]
    positions = [body.index(f"--- {heading} ---") for heading in headings]
    assert positions == sorted(positions) and positions[0] == 0
    for lang in LANGUAGES:
        assert t("notice.sender", lang, practice="Cabinet médical du Parc") in body


def test_the_letter_is_in_the_recipients_language_and_carries_the_original_subject(tmp_path: Path) -> None:
    sent = _protect(("anna@web.de",))
    envelope = next(a for a in sent.attachments if a.filename == "message.pdf")
    reader = PdfReader(io.BytesIO(open_pdf(envelope.data, "correct-horse-battery").decrypted_pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Résultats 90010100321" in text  # inside the envelope, the subject as written
    assert "Datum: 8. Dezember 2026" in text and "Cabinet médical du Parc" in text and "Dr Anne Lambert" in text
    assert reader.root_object["/Lang"] == "de"


def test_without_a_practice_the_clear_mail_names_the_sender_address() -> None:
    text = notice_text(("en",), ["P-ABCD-EFGH"], "", "dr@cabinet.be")
    assert "For any question: dr@cabinet.be." in text and "Sent by" not in text and "P-ABCD-EFGH" in text
