"""Speed of the structured medical readers and their recall on generated files.

    python bench/medical_readers.py [--repeats 5] [--examples 200]

For each format a file of about 1 MB (many patients; a DICOM image with 1 MB of pixels) is read by
``read_medical`` alone and scanned whole by ``scan_attachment`` (reader + every detector); the median CPU time
of the repeats is printed per MB. Recall: generated files of each format (``tests/fixtures/medical/cases.py``:
random names, numbers, dates, encodings, optional blocks) are scanned without a directory, and each expected
national number, name and birth date counts as found when a full-confidence finding of its kind carries it.
Reports only; asserts nothing. Nothing printed shows a name or a number.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.medical import dicom, fhir, hl7, kmehr, labs
from fixtures.medical.cases import FORMATS, cases
from fixtures.medical.people import Patient
from hypothesis.errors import NonInteractiveExampleWarning

from medseal.extract.medical import read_medical
from medseal.model import Attachment, Kind
from medseal.scan import ScanContext, scan_attachment

MB = 2**20


def _people(count: int) -> list[Patient]:
    return [
        Patient(f"Van den Berghe-{i}", ("Marie", "Anne"), "85073003328", datetime.date(1985, 7, 30), "female",
                "+32 2 555 12 34", "patient@example.be", "Rue Haute 12", "1000", "Bruxelles")
        for i in range(count)
    ]  # fmt: skip


def _grow(build: Callable[[list[Patient]], bytes], target: int = MB) -> bytes:
    """The file ``build`` makes for as many patients as bring it to about ``target`` bytes."""
    one = len(build(_people(1)))
    return build(_people(max(1, target // one)))


def _hl7_batch(people: list[Patient]) -> bytes:
    return b"".join(hl7.er7(p) for p in people)


FILES: dict[str, Callable[[], bytes]] = {
    "KMEHR": lambda: _grow(lambda p: kmehr.kmehr(p)),
    "PCDH/hub KMEHR": lambda: _grow(lambda p: kmehr.kmehr(p, hub=True)),
    "HL7 v2 (ER7)": lambda: _grow(_hl7_batch),
    "FHIR JSON": lambda: _grow(lambda p: fhir.to_json(fhir.document(p, bundle=True))),
    "FHIR XML": lambda: _grow(lambda p: fhir.to_xml(fhir.document(p, bundle=True))),
    "Medidoc": lambda: _grow(lambda p: labs.medidoc([Patient("Dupont", ("Marie",), q.niss, q.birth) for q in p])),
    "HealthOne": lambda: _grow(lambda p: labs.healthone(p)),
}


def _dicom_with_pixels() -> bytes:
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(dicom.dicom(_people(1)[0])))
    ds.Rows, ds.Columns = 1024, 1024
    ds.PixelData = bytes(1024 * 1024)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _median_cpu(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def speed(repeats: int) -> None:
    print(f"{'format':18} {'size':>8} {'read_medical s/MB':>18} {'scan s/MB':>10}")
    files = {name: make() for name, make in FILES.items()}
    files["DICOM (1 MB pixels)"] = _dicom_with_pixels()
    for name, data in files.items():
        size = len(data) / MB
        attachment = Attachment("file.bin", "application/octet-stream", data)
        read = _median_cpu(lambda data=data: read_medical(data), repeats)
        scan = _median_cpu(lambda a=attachment: scan_attachment(0, a, ScanContext()), repeats)
        print(f"{name:18} {size:7.2f}M {read / size:18.3f} {scan / size:10.3f}")


def recall(examples: int) -> None:
    print(f"\n{'format':10} {'files':>5} {'niss':>12} {'names':>12} {'birth dates':>12}")
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    for fmt in FORMATS:
        expected: Counter[str] = Counter()
        found: Counter[str] = Counter()
        for _ in range(examples):
            case = cases((fmt,)).example()
            findings = scan_attachment(0, Attachment("f", "", case.data), ScanContext())
            sure = [f for f in findings if f.confidence == 1.0]
            numbers = Counter(f.clear for f in sure if f.kind is Kind.NISS)
            names = Counter(f.clear for f in sure if f.kind is Kind.PATIENT_NAME)
            births = Counter(f.clear for f in sure if f.kind is Kind.BIRTH_DATE)
            for person in case.people:
                patient = person.patient
                expected["names"] += 1
                name = f"{patient.first} {' '.join(patient.family.split())}"
                if names[name] > 0:
                    names[name] -= 1
                    found["names"] += 1
                if person.niss and patient.niss:
                    expected["niss"] += 1
                    if numbers[patient.niss] > 0:
                        numbers[patient.niss] -= 1
                        found["niss"] += 1
                if person.birth and patient.birth:
                    expected["birth"] += 1
                    if births[patient.birth.isoformat()] > 0:
                        births[patient.birth.isoformat()] -= 1
                        found["birth"] += 1
        cells = [f"{found[k]}/{expected[k]}" if expected[k] else "-" for k in ("niss", "names", "birth")]
        print(f"{fmt:10} {examples:5} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    speed(args.repeats)
    recall(args.examples)


if __name__ == "__main__":
    main()
