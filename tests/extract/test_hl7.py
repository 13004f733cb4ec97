"""HL7 v2 messages: segments as lines, delimiters as spaces, escapes undone."""

from __future__ import annotations

from medseal.extract import extract_text
from medseal.extract.hl7 import hl7_to_text, is_hl7
from medseal.model import Attachment

ADT = (
    "MSH|^~\\&|LABO|HOPITAL|MEDECIN|CABINET|20240105120000||ADT^A01|MSG00001|P|2.5\r"
    "EVN|A01|20240105120000\r"
    "PID|1||60020112345^^^BE^NISS||EXEMPLE^JEANNE^^^MME||19600201|F|||"
    "Rue de l\\E\\Exemple 1^^Bruxelles^^1000\r"
    "OBX|1|TX|||Ligne un\\.br\\ligne deux \\F\\ fin \\X41\\\r"
)


def test_adt_message_reads_as_words() -> None:
    lines = hl7_to_text(ADT).splitlines()
    assert lines[0] == "MSH LABO HOPITAL MEDECIN CABINET 20240105120000 ADT A01 MSG00001 P 2.5"
    assert (
        lines[2]
        == "PID 1 60020112345 BE NISS EXEMPLE JEANNE MME 19600201 F Rue de l\\Exemple 1 Bruxelles 1000"
    )
    assert lines[3] == "OBX 1 TX Ligne un ligne deux | fin A"  # \F\ is the field separator, written out


def test_other_delimiters_are_honoured() -> None:
    text = "MSH#*-!$#A#B\nPID#1##60020112345*BE##EXEMPLE*JEANNE-DUPONT$X"
    assert hl7_to_text(text).splitlines()[1] == "PID 1 60020112345 BE EXEMPLE JEANNE DUPONT X"


def test_hl7_is_sniffed_from_content_and_read_by_extension() -> None:
    assert is_hl7("\ufeff\r\n" + ADT)
    assert not is_hl7("MSHEET of results")
    sniffed = extract_text(Attachment("resultats.txt", "text/plain", ADT.encode("latin-1")))
    named = extract_text(Attachment("resultats.hl7", "application/octet-stream", ADT.encode("latin-1")))
    assert sniffed == named == hl7_to_text(ADT)
    assert "EXEMPLE JEANNE" in named
