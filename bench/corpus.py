"""A deterministic, labelled corpus of outgoing GP messages for the benchmarks (never for tests).

Everything comes from one seed: a practice's patient directory of fictitious people, and messages in fr, nl,
de and en -- with or without patient identifiers -- in which every occurrence of a patient's national number
(kind ``niss``) and name (kind ``patient_name``) is labelled by its span.

What a message holds (see :meth:`CorpusGenerator.sample`):

* a subject, clean ("Réunion de service jeudi") or naming the patient or the number;
* a plain-text *or* an HTML body (never both, so each body is scanned once) of greeting, clinical filler,
  the patient's name in the forms people write it (``Marie Dupont``, ``DUPONT Marie``, ``Dupont, Marie``,
  ``Dupont M.``, ``Mme Dupont``, ``dhr. Jan Peeters``, ``Herr Müller``, ``Patient: ...``), the national or BIS
  number with or without a label, in the usual written forms (markup between groups in HTML), and the
  numbers that are *not* national numbers: phone numbers, IBANs, VAT and INAMI numbers, structured
  communications, dates, invoice references;
* a signature naming the sending doctor, and colleagues named after ``Dr`` -- people, but not patients:
  they are never labelled;
* usually a plain-text attachment (a lab report or a protocol) and its file name, which may name the patient.

Labelled spans cover the name itself (first and last name together, or the surname after a courtesy title,
title excluded) and the written number including its separators or markup. The directory holds every patient
the corpus mentions plus others, as a practice's would. Doctors' surnames never collide with patients'.

The national numbers are built from the rules by ``tests/strategies.py``'s helpers (no python-stdnum); the
PDFs by ``tests/fixtures/documents.py``.
"""

from __future__ import annotations

import datetime
import html
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

from fixtures.documents import make_pdf, make_typical_pdf, text_pages  # noqa: E402
from strategies import HTML_FORMATS, PLAIN_FORMATS, niss_check, render_html, render_niss  # noqa: E402

from medseal.compose import to_bytes  # noqa: E402
from medseal.model import Attachment, Message  # noqa: E402

SEED = 20_240_611
LANGUAGES = ("fr", "nl", "de", "en")
NISS = "niss"
NAME = "patient_name"

# --- people (fictitious combinations of common Belgian first names and surnames) ---------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "fr": _names(
        "Marie Sophie Camille Julie Isabelle Nathalie Claire Lucie Emma Léa Chloé Manon Céline Hélène Élodie "
        "Jean Pierre Luc Nicolas François Olivier Julien Antoine Hugo Louis Benoît Jérôme Stéphane Cédric "
        "Amandine Aurélie Valérie Christophe Grégory Laurence"
    ),
    "nl": _names(
        "Jan Pieter Wouter Bart Koen Stijn Lieven Joris Dirk Sarah Els An Lien Sofie Griet Katrien Hanne Lotte "
        "Marieke Anouk Jeroen Ruben Bram Annelies Eline Tine Wim Geert Ilse Jens Sander Femke"
    ),
    "de": _names(
        "Jürgen Günter Klaus Stefan Andreas Markus Michael Lukas Jonas Anna Monika Sabine Ursula Petra Claudia "
        "Katrin Julia Lena Jörg Tobias"
    ),
    "en": _names("John James David Sarah Emily Laura Paul Rachel Helen Oliver Jack Grace"),
}
SURNAMES: dict[str, tuple[str, ...]] = {
    "fr": _names(
        "Dupont Dubois Lambert Dumont Leroy Renard Lejeune Lemaire Collard Delvaux Gilson Jacquet Lefèvre "
        "Leclercq Dufour Thiry Masson Dethier Bodart Piette Henrard Charlier Pirard Gérard Simonet Marchal "
        "Evrard Baudoin Lecomte Gillet Delhaye Rousseau Moreau Lefebvre Fontaine Mercier Dewez Cornet Bastin "
        "Lhoest"
    ),
    "nl": (
        *_names(
            "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters Vermeulen Hermans Michiels Aerts"
            " Verstraeten Lambrechts Smets Segers Cools Verhoeven Claeys Pauwels Desmet Vandenberghe Verbruggen"
            " Maenhout Bogaert Coppens Declercq Martens"
        ),
        "De Smet",
        "Van Damme",
        "De Clercq",
        "Van den Broeck",
        "De Backer",
        "Van de Velde",
        "Van Dyck",
        "De Vos",
        "D'Hondt",
        "De Wilde",
    ),
    "de": _names(
        "Müller Schmitz Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Krings Heinen Cremer "
        "Kessler Jost Lentz Kohnen Thelen Pauels Brüll"
    ),
    "en": _names("Smith Johnson Brown Taylor Wilson Davies Evans Roberts Walker Wright Hughes Green"),
}
FEMALE = frozenset(
    _names(
        "Marie Sophie Camille Julie Isabelle Nathalie Claire Lucie Emma Léa Chloé Manon Céline Hélène Élodie "
        "Amandine Aurélie Valérie Laurence Sarah Els An Lien Sofie Griet Katrien Hanne Lotte Marieke Anouk "
        "Annelies Eline Tine Ilse Femke Anna Monika Sabine Ursula Petra Claudia Katrin Julia Lena Emily Laura "
        "Rachel Helen Grace"
    )
)
#: The senders and the colleagues they name: never patients, never in the patients' surname pools.
DOCTOR_SURNAMES = _names(
    "Vandermeulen Lebrun Verbeke Dierickx Gobert Laloux Moens Vanhoutte Huybrechts Delcourt Ruelle Stas "
    "Crahay Schoonjans Lenaerts Piron Goffin Vanderstraeten Beckers Kaiser"
)
MAIL_DOMAINS = ("gmail.com", "hotmail.com", "skynet.be", "telenet.be", "outlook.com", "proximus.be")


@dataclass(frozen=True)
class Patient:
    """A fictitious patient of the practice."""

    first: str
    last: str
    niss: str = field(repr=False)
    birth: datetime.date
    email: str
    language: str

    @property
    def female(self) -> bool:
        return self.first in FEMALE


def name_key(text: str) -> str:
    """``text`` lower case, without accents, letters only: ``"Van den Broeck"`` -> ``"vandenbroeck"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c))


@dataclass(frozen=True)
class Span:
    """A labelled occurrence: ``kind`` is ``niss`` or ``patient_name``; ``text[start:end]`` is the thing as
    written. ``value`` is what it stands for: the 11 digits of the number, or the :func:`name_key` of the
    patient's surname."""

    kind: str
    start: int
    end: int
    value: str = field(repr=False)


@dataclass(frozen=True)
class Unit:
    """One piece of text a scanner sees: ``where`` as in :class:`medseal.model.Where`, ``part`` the
    attachment index (``None`` for subject and body)."""

    where: str
    part: int | None
    text: str = field(repr=False)
    labels: tuple[Span, ...]


@dataclass(frozen=True)
class Sample:
    """A labelled message: the message, and the units of text it is made of with their labels."""

    language: str
    has_identifiers: bool
    message: Message = field(repr=False)
    units: tuple[Unit, ...] = field(repr=False)

    @property
    def labels(self) -> int:
        return sum(len(u.labels) for u in self.units)


class _Builder:
    """Text assembled piece by piece, remembering where the labelled pieces are."""

    def __init__(self, html_mode: bool = False) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.labels: list[Span] = []
        self.html = html_mode

    def add(self, text: str) -> None:
        """Plain text (escaped in HTML mode)."""
        self.raw(html.escape(text, quote=False) if self.html else text)

    def raw(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def label(self, kind: str, text: str, value: str, *, escape: bool = True) -> None:
        start = self.size
        if escape:
            self.add(text)
        else:
            self.raw(text)
        self.labels.append(Span(kind, start, self.size, value))

    def text(self) -> str:
        return "".join(self.parts)


# --- what people write ---------------------------------------------------------------------------------------

GREETINGS = {
    "fr": ("Bonjour Docteur,", "Cher confrère,", "Chère consœur,", "Madame, Monsieur,", "Bonjour,", "Chers collègues,"),
    "nl": ("Beste collega,", "Geachte collega,", "Dag dokter,", "Beste,", "Geachte heer, mevrouw,"),
    "de": ("Sehr geehrte Frau Kollegin,", "Sehr geehrter Herr Kollege,", "Liebe Kolleginnen und Kollegen,", "Hallo,"),
    "en": ("Dear colleague,", "Dear Doctor,", "Hello,", "Dear all,"),
}
CLOSINGS = {
    "fr": ("Bien confraternellement,", "Cordialement,", "Bien à vous,", "Avec mes remerciements,"),
    "nl": ("Met collegiale groeten,", "Vriendelijke groeten,", "Groeten,", "Met dank,"),
    "de": ("Mit freundlichen Grüßen,", "Mit kollegialen Grüßen,", "Viele Grüße,"),
    "en": ("Kind regards,", "Best wishes,", "Yours sincerely,", "Many thanks,"),
}
#: Clinical and practice sentences with no identifier in them (capitalised places and institutions included).
FILLER = {
    "fr": (
        "L'examen clinique est rassurant : tension artérielle 128/82 mmHg, pouls régulier à 72/min.",
        "La biologie montre une légère anémie ferriprive, à contrôler dans trois mois.",
        "Je propose de poursuivre le traitement actuel et de réévaluer à la prochaine consultation.",
        "L'échographie abdominale réalisée au CHU de Liège ne montre pas d'anomalie.",
        "Merci de me tenir informé de l'évolution après la consultation de cardiologie.",
        "Le dossier a été discuté en réunion pluridisciplinaire aux Cliniques universitaires Saint-Luc.",
        "Les vaccins de la campagne de grippe sont arrivés au cabinet, la permanence est assurée mardi.",
        "Une prise de sang de contrôle est prévue à jeun, avec glycémie, HbA1c et fonction rénale.",
        "Pas d'allergie médicamenteuse connue. Tabagisme sevré depuis deux ans.",
        "La kinésithérapie respiratoire peut être reprise à raison de deux séances par semaine.",
        "Le rapport complet de l'Hôpital Erasme suivra par courrier.",
        "La garde du week-end est organisée depuis le poste médical de garde de Namur.",
        "Le traitement par metformine 500 mg deux fois par jour est bien toléré.",
        "Nous restons à votre disposition pour toute information complémentaire.",
    ),
    "nl": (
        "Het klinisch onderzoek is geruststellend, bloeddruk 130/85 mmHg en regelmatige pols.",
        "Het labo toont een licht verhoogde CRP, te controleren binnen twee weken.",
        "Ik stel voor de huidige behandeling verder te zetten en op de volgende raadpleging te herevalueren.",
        "De echografie in het AZ Sint-Jan Brugge toonde geen afwijkingen.",
        "Het dossier werd besproken op het multidisciplinair overleg in UZ Leuven.",
        "De wachtdienst van het weekend wordt georganiseerd vanuit de huisartsenwachtpost Gent.",
        "Graag een controle van nierfunctie en elektrolyten binnen drie maanden.",
        "Geen gekende allergieën. Rookt niet meer sinds vorig jaar.",
        "De kinesitherapie kan hervat worden met twee sessies per week.",
        "Het volledige verslag van het ZNA Middelheim volgt per post.",
        "De behandeling met bisoprolol 2,5 mg wordt goed verdragen.",
        "Bij vragen mag u mij altijd contacteren tijdens de raadplegingsuren.",
    ),
    "de": (
        "Der klinische Befund ist unauffällig, Blutdruck 125/80 mmHg, Puls regelmäßig.",
        "Die Laborwerte zeigen eine leichte Erhöhung der Leberwerte, Kontrolle in vier Wochen.",
        "Ich schlage vor, die aktuelle Behandlung fortzuführen und beim nächsten Termin neu zu bewerten.",
        "Die Ultraschalluntersuchung im St. Nikolaus-Hospital Eupen war ohne Befund.",
        "Der Fall wurde in der interdisziplinären Besprechung in der Klinik St. Josef in St. Vith besprochen.",
        "Keine bekannten Allergien. Nichtraucher seit drei Jahren.",
        "Die Physiotherapie kann mit zwei Sitzungen pro Woche fortgesetzt werden.",
        "Der vollständige Bericht folgt per Post.",
        "Die Behandlung mit Ramipril 5 mg wird gut vertragen.",
        "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
    ),
    "en": (
        "The clinical examination is reassuring, blood pressure 124/78 mmHg, regular pulse.",
        "Blood tests show a mild vitamin D deficiency, to be rechecked in three months.",
        "I suggest continuing the current treatment and reviewing at the next appointment.",
        "The ultrasound performed at the Brussels University Hospital was normal.",
        "The case was discussed at the multidisciplinary meeting on Thursday.",
        "No known drug allergies. Stopped smoking two years ago.",
        "Physiotherapy can resume with two sessions a week.",
        "The full report will follow by post.",
        "Treatment with atorvastatin 20 mg is well tolerated.",
        "Please do not hesitate to contact me if you need anything else.",
    ),
}
INTROS = {
    "fr": (
        "Je vous adresse {p} pour avis concernant une douleur thoracique atypique.",
        "Veuillez trouver ci-joint les résultats de la prise de sang de {p}.",
        "{p} s'est présenté(e) ce matin en consultation pour une toux persistante.",
        "Suite à notre entretien téléphonique, voici le compte rendu concernant {p}.",
        "Je revois {p} en consultation la semaine prochaine.",
    ),
    "nl": (
        "Hierbij verwijs ik {p} door voor verder nazicht van de aanhoudende rugpijn.",
        "In bijlage vindt u de labresultaten van {p}.",
        "{p} kwam vandaag op consultatie voor een hardnekkige hoest.",
        "Zoals telefonisch besproken, stuur ik u het verslag over {p}.",
    ),
    "de": (
        "Ich überweise Ihnen {p} zur weiteren Abklärung der Beschwerden.",
        "Anbei finden Sie die Laborergebnisse von {p}.",
        "{p} stellte sich heute in meiner Sprechstunde mit anhaltendem Husten vor.",
        "Wie telefonisch besprochen, sende ich Ihnen den Bericht über {p}.",
    ),
    "en": (
        "I am referring {p} for an opinion on persistent chest pain.",
        "Please find attached the blood results of {p}.",
        "{p} came to the surgery this morning with a persistent cough.",
        "Further to our phone call, here is the report on {p}.",
    ),
}
CLEAN_SUBJECTS = {
    "fr": ("Réunion de service jeudi", "Garde du week-end", "Commande de vaccins", "Formation continue", "Résultats"),
    "nl": ("Wachtdienst planning", "Teamvergadering dinsdag", "Bestelling vaccins", "Nascholing", "Verslag"),
    "de": ("Dienstbesprechung Donnerstag", "Bereitschaftsdienst", "Impfstoffbestellung", "Fortbildung", "Befund"),
    "en": ("Staff meeting Thursday", "Weekend rota", "Vaccine order", "Training session", "Results"),
}
SUBJECT_WITH_NAME = {
    "fr": ("Résultats {p}", "Demande d'avis - {p}", "Concerne : {p}", "Rapport de consultation {p}"),
    "nl": ("Labresultaten {p}", "Verwijzing {p}", "Betreft: {p}", "Verslag {p}"),
    "de": ("Laborergebnisse {p}", "Überweisung {p}", "Betreff: {p}", "Befund {p}"),
    "en": ("Results {p}", "Referral - {p}", "Re: {p}", "Report {p}"),
}
NISS_LABELS = {
    "fr": ("NISS", "N° national", "numéro de registre national", "NISS du patient", "N° NISS", "RRN", "numéro BIS"),
    "nl": ("INSZ", "Rijksregisternummer", "rijksregisternr.", "INSZ-nummer", "Nr. INSZ", "RRN", "Bisnummer"),
    "de": ("Nationalregisternummer", "ENSS", "Nationalnummer", "NISS"),
    "en": ("SSIN", "national number", "National register number", "NISS/INSZ"),
}
LABEL_JOINS = (" ", ": ", " : ", ":", "\u00a0: ")
BORN = {"fr": "né(e) le", "nl": "geboren op", "de": "geboren am", "en": "DOB"}
TITLES = {
    "fr": (("Mme", "M."), ("Madame", "Monsieur")),
    "nl": (("mevrouw", "meneer"), ("mevr.", "dhr.")),
    "de": (("Frau", "Herr"),),
    "en": (("Mrs", "Mr"), ("Ms", "Mr")),
}
PROFESSION = {"fr": "Médecin généraliste", "nl": "Huisarts", "de": "Allgemeinmediziner", "en": "General practitioner"}
PATIENT_LABEL = {"fr": "Patient :", "nl": "Patiënt:", "de": "Patientin:", "en": "Patient:"}
REPORT_HEAD = {
    "fr": "LABORATOIRE DE BIOLOGIE CLINIQUE - RAPPORT DE RÉSULTATS",
    "nl": "LABORATORIUM KLINISCHE BIOLOGIE - RESULTATENVERSLAG",
    "de": "LABOR FÜR KLINISCHE BIOLOGIE - BEFUNDBERICHT",
    "en": "CLINICAL LABORATORY - RESULTS REPORT",
}
REPORT_LINES = (
    "Hémoglobine / Hemoglobine / Hämoglobin      13,6 g/dl       (12,0 - 16,0)",
    "Leucocytes / Leukocyten / Leukozyten        6,8 10^3/µl     (4,0 - 10,0)",
    "Glycémie à jeun / nuchtere glucose          5,4 mmol/l      (3,9 - 5,5)",
    "Créatinine / Creatinine / Kreatinin         78 µmol/l       (45 - 90)",
    "eGFR (CKD-EPI)                              > 90 ml/min/1,73 m²",
    "Cholestérol total / totale cholesterol      4,9 mmol/l      (< 5,0)",
    "HbA1c                                       5,6 %           (< 6,0)",
    "TSH                                         1,8 mUI/l       (0,3 - 4,2)",
    "CRP                                         2,1 mg/l        (< 5,0)",
    "Ferritine / Ferritin                        54 µg/l         (15 - 150)",
)
REPORT_NAMES = {"fr": ("labo", "rapport", "resultats"), "nl": ("labo", "verslag"), "de": ("Befund", "Labor"),
                "en": ("lab", "report")}
CLEAN_ATTACHMENTS = ("protocole_vaccination.txt", "planning_garde.txt", "wachtdienst.txt", "agenda.txt")


def _mod97(number: str) -> int:
    return int(number) % 97 or 97


class CorpusGenerator:
    """Builds every piece of the corpus from ``seed``; the same seed always gives the same texts."""

    def __init__(self, seed: int = SEED, directory_size: int = 1500) -> None:
        self.rng = random.Random(seed)
        self.patients = self._patients(directory_size)

    # --- people ---------------------------------------------------------------------------------------------

    def _niss(self, birth: datetime.date, unknown_date: bool) -> str:
        rng = self.rng
        month, day = birth.month, birth.day
        if unknown_date:  # birth date unknown at registration
            month, day = 0, rng.randint(0, 9)
        if rng.random() < 0.1:  # a BIS number
            month += rng.choice((20, 40))
        first_nine = f"{birth.year % 100:02d}{month:02d}{day:02d}{rng.randint(1, 998):03d}"
        return f"{first_nine}{niss_check(first_nine, birth.year):02d}"

    def _patients(self, count: int) -> tuple[Patient, ...]:
        rng = self.rng
        seen: set[tuple[str, str]] = set()
        people: list[Patient] = []
        while len(people) < count:
            language = rng.choices(LANGUAGES, weights=(5, 5, 1, 1))[0]
            first, last = rng.choice(FIRST_NAMES[language]), rng.choice(SURNAMES[language])
            if (first, last) in seen:
                continue
            seen.add((first, last))
            birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 34_000))
            niss = self._niss(birth, rng.random() < 0.02)
            local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            local = local.translate(str.maketrans("éèëêïîöôüûäàçß", "eeeeiioouuaacs"))
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
            people.append(Patient(first, last, niss, birth, email, language))
        return tuple(people)

    def directory_csv(self) -> str:
        """The practice's patient directory (``last_name,first_name,niss,birth_date,email``)."""
        lines = ["last_name,first_name,niss,birth_date,email"]
        lines += [f"{p.last},{p.first},{p.niss},{p.birth.isoformat()},{p.email}" for p in self.patients]
        return "\n".join(lines) + "\n"

    def _doctor(self, language: str) -> str:
        return f"{self.rng.choice(FIRST_NAMES[language])} {self.rng.choice(DOCTOR_SURNAMES)}"

    # --- numbers --------------------------------------------------------------------------------------------

    def _written_niss(self, niss: str, html_mode: bool) -> tuple[str, bool]:
        """The number as written, and whether it is raw markup."""
        if html_mode and self.rng.random() < 0.4:
            return render_html(niss, self.rng.choice(HTML_FORMATS)), True
        formats = PLAIN_FORMATS[:6] if self.rng.random() < 0.8 else PLAIN_FORMATS
        return render_niss(niss, self.rng.choice(formats)), False

    def _digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def _decoy(self, language: str) -> str:
        """A line with a number that is not a national number."""
        rng = self.rng
        shape = rng.randrange(9)
        if shape == 0:
            rest = self._digits(6)
            return f"GSM : +32 4{rng.choice('789')}{rng.randint(0, 9)} {rest[:2]} {rest[2:4]} {rest[4:]}"
        if shape == 1:
            rest = self._digits(7)
            return f"Tél. {rng.choice(('02', '03', '09', '04'))}/{rest[:3]}.{rest[3:5]}.{rest[5:]}"
        if shape == 2:
            account = self._digits(10)
            bban = f"{account}{_mod97(account):02d}"
            check = 98 - int(bban + "111400") % 97
            return f"IBAN BE{check:02d} {bban[:4]} {bban[4:8]} {bban[8:]}"
        if shape == 3:
            enterprise = "0" + self._digits(7)
            enterprise += f"{97 - int(enterprise) % 97:02d}"
            return f"TVA/BTW BE {enterprise[:4]}.{enterprise[4:7]}.{enterprise[7:]}"
        if shape == 4:
            return f"INAMI/RIZIV 1-{self._digits(5)}-{self._digits(2)}-{self._digits(3)}"
        if shape == 5:
            base = self._digits(10)
            comm = f"{base}{_mod97(base):02d}"
            return f"Communication +++{comm[:3]}/{comm[3:7]}/{comm[7:]}+++"
        if shape == 6:
            day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 700))
            return f"{day:%d/%m/%Y} - {day + datetime.timedelta(days=14):%d.%m.%Y}"
        if shape == 7:
            return f"{rng.choice(('Facture n°', 'Factuur', 'Rechnung Nr.', 'Invoice'))} {self._digits(11)}"
        return f"Dossier {rng.randint(2019, 2025)}/{self._digits(7)}"

    # --- names ----------------------------------------------------------------------------------------------

    def _name_form(self, patient: Patient, language: str, short: bool = False) -> tuple[str, str, str]:
        """(before, name, after): the name as written, with the courtesy words around it (not labelled);
        ``short``: no label or "your patient" before it (as in a subject)."""
        rng = self.rng
        first, last = patient.first, patient.last
        shape = rng.randrange(6 if short else 8)
        if shape == 0:
            return "", f"{first} {last}", ""
        if shape == 1:
            return "", f"{last.upper()} {first}", ""
        if shape == 2:
            return "", f"{last}, {first}", ""
        if shape == 3:
            return "", f"{last} {first[0]}.", ""
        if shape == 4:
            return f"{self._title(patient, language)} ", last, ""
        if shape == 5:
            return f"{self._title(patient, language)} ", f"{first} {last}", ""
        if shape == 6:
            return f"{PATIENT_LABEL[language]} ", f"{first} {last}", ""
        return {"fr": "votre patient(e) ", "nl": "uw patiënt ", "de": "Ihren Patienten ", "en": "your patient "}[
            language
        ], f"{first} {last}", ""

    def _title(self, patient: Patient, language: str) -> str:
        return self.rng.choice(TITLES[language])[0 if patient.female else 1]

    def _add_name(
        self, out: _Builder, patient: Patient, language: str, short: bool = False, capitalise: bool = False
    ) -> str:
        """Write the patient's name; return the last character written."""
        before, name, after = self._name_form(patient, language, short)
        if capitalise:
            before = before[:1].upper() + before[1:]
        out.add(before)
        out.label(NAME, name, name_key(patient.last))
        out.add(after)
        return (name + after)[-1]

    def _add_niss(self, out: _Builder, patient: Patient, language: str) -> None:
        if self.rng.random() < 0.7:
            out.add(self.rng.choice(NISS_LABELS[language]) + self.rng.choice(LABEL_JOINS))
        written, markup = self._written_niss(patient.niss, out.html)
        out.label(NISS, written, patient.niss, escape=not markup)

    # --- pieces of a message --------------------------------------------------------------------------------

    def _sentence_with(
        self, out: _Builder, template: str, patient: Patient, language: str, short: bool = False
    ) -> None:
        before, _, after = template.partition("{p}")
        out.add(before)
        if self._add_name(out, patient, language, short, capitalise=not before) == "." and after.startswith("."):
            after = after[1:]  # "Dupont M." ends the sentence
        out.add(after)

    def _paragraph_break(self, out: _Builder) -> None:
        out.raw("</p>\n<p>" if out.html else "\n\n")

    def _line_break(self, out: _Builder) -> None:
        out.raw("<br>\n" if out.html else "\n")

    def body(self, language: str, patient: Patient | None, size: int, html_mode: bool) -> _Builder:
        """A body of about ``size`` characters; about ``patient`` if given."""
        rng = self.rng
        out = _Builder(html_mode)
        if html_mode:
            out.raw('<html><body style="font-family:Arial">\n<p>')
        out.add(rng.choice(GREETINGS[language]))
        self._paragraph_break(out)
        if patient is not None:
            self._sentence_with(out, rng.choice(INTROS[language]), patient, language)
            out.add(" ")
            if rng.random() < 0.8:
                out.add(f"({BORN[language]} {patient.birth:%d/%m/%Y}, ")
                self._add_niss(out, patient, language)
                out.add(")")
            self._paragraph_break(out)
        sentences = FILLER[language]
        mentions = 0
        while out.size < size - 400:
            for _ in range(rng.randint(2, 5)):
                out.add(rng.choice(sentences) + " ")
            if patient is not None and mentions < 3 and rng.random() < 0.35:
                mentions += 1
                self._sentence_with(out, rng.choice(INTROS[language]), patient, language)
                out.add(" ")
            if rng.random() < 0.2:
                out.add(f"Dr {rng.choice(DOCTOR_SURNAMES)} ")
                out.add({"fr": "suivra le dossier.", "nl": "volgt het dossier op.", "de": "übernimmt den Fall.",
                         "en": "will follow up."}[language])
            if rng.random() < 0.25:
                self._line_break(out)
                out.add(self._decoy(language))
            self._paragraph_break(out)
        out.add(rng.choice(CLOSINGS[language]))
        self._line_break(out)
        if rng.random() < 0.5:
            out.add(f"Dr {self._doctor(language)}")
        else:  # the sender's name without a title, then the profession
            out.add(self._doctor(language))
            self._line_break(out)
            out.add(PROFESSION[language])
        for _ in range(rng.randint(1, 3)):
            self._line_break(out)
            out.add(self._decoy(language))
        out.raw("</p>\n</body></html>\n" if html_mode else "\n")
        return out

    def report(self, language: str, patient: Patient | None, pages: int = 1) -> _Builder:
        """A lab report (one page of about 60 lines per ``pages``), about ``patient`` if given."""
        rng = self.rng
        out = _Builder()
        for page in range(pages):
            out.add(f"{REPORT_HEAD[language]}\n")
            if patient is not None:
                out.add(f"{PATIENT_LABEL[language]} ")
                forms = (f"{patient.last.upper()} {patient.first}", f"{patient.first} {patient.last}")
                out.label(NAME, rng.choice(forms), name_key(patient.last))
                out.add(f"\n{BORN[language]} {patient.birth:%d/%m/%Y}\n")
                self._add_niss(out, patient, language)
                out.add("\n")
            out.add(f"Prescripteur / Voorschrijver: Dr {self._doctor(language)}\n")
            out.add(f"{self._decoy(language)}\n")
            for _ in range(48):
                out.add(rng.choice(REPORT_LINES) + "\n")
            out.add(f"Page {page + 1}/{pages}\n")
        return out

    def _filename(self, language: str, patient: Patient | None) -> _Builder:
        rng = self.rng
        out = _Builder()
        stem = rng.choice(REPORT_NAMES[language])
        if patient is None or rng.random() < 0.4:
            out.add(f"{stem}_{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}.txt")
            return out
        last = patient.last.lower().replace(" ", "_").replace("'", "")
        first = patient.first.lower()
        out.add(f"{stem}_")
        forms = (f"{last}_{first}", f"{first}_{last}", f"{patient.last.upper()} {patient.first}")
        out.label(NAME, rng.choice(forms), name_key(patient.last))
        out.add(".txt")
        return out

    # --- messages -------------------------------------------------------------------------------------------

    def sample(
        self,
        language: str | None = None,
        body_size: int | None = None,
        identifiers: bool | None = None,
        attachment: bool | None = None,
    ) -> Sample:
        """A labelled message (drawn language, size and content when not given)."""
        rng = self.rng
        language = language or rng.choices(LANGUAGES, weights=(5, 5, 1, 2))[0]
        identifiers = rng.random() < 0.6 if identifiers is None else identifiers
        pool = [p for p in self.patients[:400] if p.language == language] or list(self.patients[:400])
        patient = rng.choice(pool) if identifiers else None
        html_mode = rng.random() < 0.3

        subject = _Builder()
        roll = rng.random()
        if patient is not None and roll < 0.45:
            self._sentence_with(subject, rng.choice(SUBJECT_WITH_NAME[language]), patient, language, short=True)
        elif patient is not None and roll < 0.55:
            subject.add(rng.choice(CLEAN_SUBJECTS[language]) + " - ")
            self._add_niss(subject, patient, language)
        else:
            subject.add(rng.choice(CLEAN_SUBJECTS[language]))

        body = self.body(language, patient, body_size or rng.randint(800, 5000), html_mode)
        units = [Unit("subject", None, subject.text(), tuple(subject.labels)),
                 Unit("body", None, body.text(), tuple(body.labels))]
        attachments: list[Attachment] = []
        if attachment if attachment is not None else rng.random() < 0.7:
            if patient is not None:
                report, name = self.report(language, patient), self._filename(language, patient)
            else:
                report, name = self.report(language, None), _Builder()
                name.add(rng.choice(CLEAN_ATTACHMENTS))
            attachments.append(Attachment(name.text(), "text/plain", report.text().encode("utf-8")))
            units.append(Unit("attachment_name", 0, name.text(), tuple(name.labels)))
            units.append(Unit("attachment", 0, report.text(), tuple(report.labels)))
        doctor = f"dr.{rng.choice(DOCTOR_SURNAMES).lower()}@cabinet-medical.be"
        to = patient.email if patient is not None and rng.random() < 0.5 else f"secretariat@{rng.choice(MAIL_DOMAINS)}"
        message = Message(
            subject=subject.text(),
            text_body=None if html_mode else body.text(),
            html_body=body.text() if html_mode else None,
            attachments=tuple(attachments),
            sender=doctor,
            to=(to,),
        )
        return Sample(language, patient is not None, message, tuple(units))

    def samples(self, count: int) -> list[Sample]:
        return [self.sample() for _ in range(count)]

    def bodies(self, total_chars: int, size: int = 5000) -> list[str]:
        """Plain-text bodies of about ``size`` characters (mixed languages, 60 % about a patient)."""
        out: list[str] = []
        used = 0
        while used < total_chars:
            language = self.rng.choices(LANGUAGES, weights=(5, 5, 1, 2))[0]
            patient = self.rng.choice(self.patients[:400]) if self.rng.random() < 0.6 else None
            text = self.body(language, patient, size, html_mode=False).text()
            out.append(text)
            used += len(text)
        return out

    # --- whole messages as bytes ----------------------------------------------------------------------------

    def typical_message(self, text_heavy: bool = False) -> tuple[bytes, tuple[bytes, bytes]]:
        """A 5 KB body about a patient and two 200 KB PDF reports (RFC 5322 bytes, and the two PDFs).

        Typical: a report PDF is mostly a picture (logo, scanned header) and three pages of text.
        ``text_heavy``: two PDFs of text only, about 200 KB each (hundreds of pages): a worst case."""
        patient = self.patients[0]
        body = self.body("fr", patient, 5000, html_mode=False).text()
        pdfs = []
        for _ in (1, 2):
            report = self.report("fr", patient).text()
            if text_heavy:
                pdfs.append(make_pdf(text_pages(report, 230_000)))
            else:
                pdfs.append(make_typical_pdf(report, target_bytes=200_000, pages=3))
        message = Message(
            subject="Résultats de laboratoire",
            text_body=body,
            attachments=tuple(
                Attachment(f"rapport_{n}.pdf", "application/pdf", pdf) for n, pdf in enumerate(pdfs, 1)
            ),
            sender="dr.lebrun@cabinet-medical.be",
            to=(patient.email,),
        )
        return to_bytes(message), (pdfs[0], pdfs[1])

    def large_message(self, target_bytes: int = 25_000_000) -> bytes:
        """A message of about ``target_bytes`` on the wire: a 5 KB body, four report PDFs of 3 MB (pictures
        and text), a 40-page text PDF and JPEG photos filling the rest (as in a referral with scans)."""
        patient = self.patients[1]
        body = self.body("nl", patient, 5000, html_mode=False).text()
        report = self.report("nl", patient).text()
        attachments = [
            Attachment(f"verslag_{n}.pdf", "application/pdf", make_typical_pdf(report, target_bytes=3_000_000))
            for n in range(1, 5)
        ]
        history = self.report("nl", patient, pages=40).text()
        attachments.append(Attachment("historiek.pdf", "application/pdf", make_pdf(history.split("Page "))))
        raw_so_far = sum(len(a.data) for a in attachments) + len(body)
        remaining = max(int(target_bytes / 1.37) - raw_so_far, 3 * 1024)
        photo_rng = random.Random(11)
        for n in range(3):
            photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + photo_rng.randbytes(remaining // 3)
            attachments.append(Attachment(f"foto_{n + 1}.jpg", "image/jpeg", photo))
        message = Message(
            subject="Verwijzing",
            text_body=body,
            attachments=tuple(attachments),
            sender="dr.verbeke@praktijk.be",
            to=(patient.email,),
        )
        return to_bytes(message)


def all_labels(samples: Sequence[Sample]) -> dict[str, int]:
    """How many labelled occurrences of each kind."""
    counts = {NISS: 0, NAME: 0}
    for sample in samples:
        for unit in sample.units:
            for span in unit.labels:
                counts[span.kind] += 1
    return counts
