"""Patient names, kind ``patient_name``: one finding per mention of a person (first and last name together).

Two sources of evidence, combined:

* **The practice's directory** (when given): the patients' surnames are compiled, once per directory, into
  one trie-shaped regular expression run over a folded copy of the text (lower case, no accents, same
  offsets), so the text is scanned once whatever the directory's size. Particles and hyphens match loosely
  (``Van den Berghe``, ``Vandenberghe``, ``van_den_berghe``, ``d'Hondt``, ``D’HONDT``). Around each surname
  the usual forms are tried: ``Marie Dupont``, ``DUPONT Marie``, ``Dupont, Marie``, ``Dupont M.``,
  ``M. Dupont``, a courtesy title (``Mme``, ``mevrouw``, ``dhr.``, ``Herr``, ``Mrs``...) before the surname.
  In a file name (``where=attachment_name``) ``_``, ``-`` and ``.`` separate words too.

  A **surname alone** is reported, with a lower confidence, only when it is written with a capital (any
  case in a file name) and is neither a common word (``Wit``, ``Blanc``, ``Lange``, ``Noël``...) nor a
  common first name (``Martin``, ``Simon``...): a capitalised word at the start of a sentence, or a
  colleague's first name, would otherwise raise false alarms. A surname with a particle (``De Wit``,
  ``Van Damme``) is distinctive enough when its last word is capitalised. A name right after a doctor's
  title (``Dr``, ``Dokter``, ``Prof.``...) belongs to a professional, not a patient, and is skipped.

* **What a careful reader would notice** (always; the directory's professionals are left out): a courtesy
  title followed by capitalised words, a ``Patient:`` / ``Patiënt:`` / ``Patientin:`` label or a name field
  (``Nom :``, ``Naam:``...) followed by a name, a common first name (the shipped list of first names given
  in Belgium, ``medseal/data/first_names.txt``) followed by a capitalised surname, or an upper-case surname
  followed by a first name. Common words, weekdays and months never count as surnames; a name after a
  street or institution word (``rue``, ``Sint``, ``Hôpital``...) is a place.

  **The writer is no patient**: the heuristics never report the sender's own name (``ignore_names``, the
  From display name: whole, surname alone or with an initial), a name followed on the same or the next line
  by a profession or a practice (``Sander Gobert`` / ``Huisarts``, ``Jack Smith, GP``), nor anything in a
  signature after a ``-- `` line (up to a quoted message). Directory patients are reported wherever they are.

**Speed.** Most text is lower-case prose, so the text is split once, at C speed, into its words
(``_Prepared.words``) and only the words that can matter are looked at: the directory's surnames (the trie
pattern runs only in windows around them), common first names written with a capital, courtesy titles, and
colons (``Patient:``). Runs of capitalised words are then looked for only in the stretch around such a word
(a run never crosses a line break, digit or ``.:;()``), and what a run holds is worked out once per distinct
run. The results are those of a scan of the whole text.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import importlib.resources
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from medseal.directory import Directory
from medseal.model import Finding, Kind, Where
from medseal.text import fold, initials

__all__ = ["common_first_names", "find_names"]

# --- confidences ---------------------------------------------------------------------------------------
_FULL = 0.95  # first and last name of a directory patient
_FULL_TITLED = 0.97
_INITIAL = 0.85  # surname and the first name's initial
_TITLED = 0.85  # courtesy title and surname
_BARE = 0.6  # a directory surname alone
_H_LABEL = 0.85
_H_TITLE = 0.8
_H_TITLE_FIRST_ONLY = 0.65
_H_FIELD = 0.7
_H_FIRST_LAST = 0.75
_H_ALLCAPS = 0.6
_H_FIRST_FIRST = 0.5
_H_FILE = 0.6

# --- characters ----------------------------------------------------------------------------------------
_RANGES = (range(0x41, 0x5B), range(0x61, 0x7B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
_UPPER = "".join(chr(c) for r in _RANGES for c in r if chr(c).isalpha() and chr(c).isupper())
_LOWER = "".join(chr(c) for r in _RANGES for c in r if chr(c).isalpha() and not chr(c).isupper())
_LETTERS = re.compile(r"[^\W\d_]+")
_H = r"[ \t\u00a0\u202f]"

# Patterns below run on the folded text, where digits and ``_`` are ``#`` (in a file name ``_`` and ``.``
# are spaces): ``\b`` is then a letter boundary.
# Inside a surname or a first name (``Van den Berghe``, ``d’Hondt``, ``Jean-Pierre``, ``Vandenberghe``).
_SEP_IN = r"[\s'’\-]{0,3}"
# Between first and last name: spaces with at most one line break; in a file name ``_ - .`` too.
_SEP_NAME = {False: rf"(?:{_H}+(?:\r?\n{_H}*)?|\r?\n{_H}*)", True: r"[\s\-]{1,3}"}
_COMMA = {False: rf"{_H}*,{_H}*(?:\r?\n{_H}*)?", True: r"[\s\-]*,[\s\-]*"}

# Letters without a canonical decomposition, folded to their base letter when comparing names.
_EXTRA_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ħ": "h", "ŀ": "l", "ŧ": "t"})
_CHUNK = 1 << 20


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in text.split())


def _phrases(text: str) -> frozenset[str]:
    """Comma-separated phrases, folded, their words joined by one space (``patient's`` -> ``patient s``)."""
    return frozenset(" ".join(re.split(r"[\s'’]+", fold(p).strip())) for p in text.split(","))


# --- word lists (folded when loaded) ---------------------------------------------------------------------
_TITLE_TEXT = """madame monsieur mademoiselle mesdames messieurs mme mmes mlle mlles mevrouw mevr mw mej
    mejuffrouw juffrouw meneer mijnheer mnr dhr heer herr herrn frau fräulein frl mr mrs ms miss mister madam"""
_TITLE_WORDS = _words(_TITLE_TEXT)
_DOTTED_TITLES = ("m", "fr", "hr")
_DOCTOR_WORDS = _words(
    """dr drs dres med docteur docteurs dokter dokters doktor doctor doctors prof pr professeur professor
    professoren dott"""
)
# Places and institutions: a name right after one of these is a street, a hospital, a school...
_PLACE_WORDS = _words(
    """rue avenue av boulevard bd place chaussée chemin allée square quai impasse clos drève sentier route
    straat str laan lei plein steenweg dreef kaai weg wijk markt strasse straße platz gasse ring street road
    lane saint sainte st ste sint san santa sankt hôpital hôpitaux clinique cliniques ziekenhuis kliniek
    klinik krankenhaus hospital gasthuis hospice résidence institut instituut institute université
    universiteit universität university école school schule collège college lycée athénée église kerk kirche
    pavillon salle zaal saal centre centrum zentrum center fondation stichting stiftung az uz chu chr chirec
    campus gare station metro métro parc park prix prijs preis award bibliothèque musée museum stade
    stadion"""
)
_SAINTS = _words("saint sainte st ste sint san santa sankt")
_PARTICLES = _words(
    """van von vom de den der du des del della di da dos das le la les ten ter te zu vande vanden vander vd
    op het 't el al"""
)
# Particles that may start a surname; the others only follow one (``van den``, ``van der``, ``van 't``).
_LEADING_PARTICLES = _PARTICLES - _words("den der les het 't")
# Upper-case abbreviations that are rarely titles: ``MS Teams``, ``MR knie`` (an MRI)...
_ACRONYM_TITLES = _words("ms mr mrs mw")
# Lower-case particles allowed between capitalised words of a run (``Jan van den Berghe``).
_RUN_PARTICLES = "|".join(re.escape(p) for p in sorted(_PARTICLES - _words("vd op het el al les")))

_COMMON_WORDS = _words(
    # function words, greetings (fr, nl, de, en)
    """le la les un une des du de et ou à au aux en dans pour par sur avec sans chez sous ce cet cette ces
    mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je tu il elle on nous vous ils elles qui
    que quoi dont où ne pas plus très bien tout tous toute toutes mais donc or ni car si oui non merci
    bonjour bonsoir salut cher chère chers chères cordialement bonne bon bravo voici voilà suite objet
    concerne urgent svp ps re tr fw fwd aw wg
    het een en of in op aan met voor naar bij uit door over onder tot om als dan dat die dit deze wie wat
    waar hoe ik jij je hij zij ze wij we jullie u uw mijn zijn haar ons onze hun niet geen wel ja nee ook
    nog maar want dus beste geachte hallo dag goedemorgen goedemiddag goedenavond dank bedankt groeten
    groetjes mvg vriendelijke betreft onderwerp
    der die das ein eine einen dem des und oder im auf an am mit für von vom zu zum zur bei nach aus über
    unter ich du er sie es wir ihr ihnen mein meine dein sein unser nicht kein keine ja nein auch noch aber
    denn also liebe lieber sehr geehrte geehrter guten morgen tag abend danke vielen gruß grüße grüsse mfg
    betreff
    the a an and or at to for of with from by about as into is are was be this that these those i you he
    she it we they my your his her our their not no yes also but so dear hi hello thanks thank regards
    best kind good morning afternoon evening subject please
    """
    # weekdays, months, seasons, holidays
    """lundi mardi mercredi jeudi vendredi samedi dimanche maandag dinsdag woensdag donderdag vrijdag
    zaterdag zondag montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag monday tuesday
    wednesday thursday friday saturday sunday janvier février mars avril mai juin juillet août septembre
    octobre novembre décembre januari februari maart april mei juni juli augustus september oktober
    november december januar februar märz august dezember january february march may june july october
    janv févr sept oct nov déc feb mrt apr aug okt dez dec mar jun jul sep weekend week-end semaine week
    woche mois maand monat month année jaar jahr year jour dag day printemps été hiver automne lente zomer
    herfst winter frühling sommer herbst spring summer autumn noël pâques kerstmis kerst pasen ostern
    weihnachten christmas easter toussaint carnaval nouvel nieuwjaar neujahr
    """
    # subjects of a practice's mail
    """réunion rapport résultats résultat laboratoire labo analyse analyses bilan prise sang urgence urgences
    garde gardes planning service services procédure stérilisation facture factures devis commande
    livraison rappel information informations invitation formation conférence congrès séminaire atelier
    agenda compte rendu protocole dossier dossiers consultation consultations rendez rdv demande demandes
    réponse question questions suivi courrier lettre document documents attestation certificat ordonnance
    prescription prescriptions radiographie radio échographie écho scanner irm biopsie vaccination vaccin
    vaccins grippe covid test tests tableau horaire horaires congé congés vacances absence remplacement
    remplaçant équipe personnel secrétariat accueil direction comptabilité administration assurance
    mutuelle mutualité inami riziv patient patiente patients patientes médecin médecins généraliste
    infirmier infirmière infirmiers kiné kinésithérapeute pharmacie pharmacien maison médicale santé
    nouveau nouvelle nouveaux nouvelles annuel annuelle mensuel hebdomadaire important importante
    urgente final finale premier première deuxième dernier dernière prochain prochaine ministre président
    présidente directeur directrice maire bourgmestre doyen doyenne collègue collègues confrère consœur
    chef secrétaire responsable coordinateur coordinatrice vice co ex
    vergadering verslag resultaten resultaat laboratorium bloed bloedafname wachtdienst wachtdienstplanning
    dienst procedure sterilisatie factuur facturen offerte bestelling levering herinnering informatie
    uitnodiging opleiding vorming congres seminarie protocol raadpleging afspraak aanvraag antwoord vraag
    vragen opvolging brief attest certificaat voorschrift recept radiografie echografie scan vaccinatie
    griep rooster uurrooster verlof vakantie afwezigheid vervanging team personeel secretariaat onthaal
    directie boekhouding administratie verzekering mutualiteit ziekenfonds patiënt patiënte patiënten arts
    artsen huisarts huisartsen verpleegkundige kinesist apotheek apotheker praktijk groepspraktijk
    gezondheid dringend nieuw nieuwe jaarverslag voorzitter directeur burgemeester collega collega's
    besprechung dienstbesprechung sitzung bericht ergebnisse ergebnis labor blut blutabnahme
    bereitschaftsdienst notdienst dienstplan planung verfahren sterilisation rechnung angebot bestellung
    lieferung erinnerung einladung fortbildung schulung kongress seminar tagesordnung protokoll akte
    sprechstunde termin anfrage antwort frage fragen nachsorge dokument dokumente bescheinigung rezept
    verordnung röntgen ultraschall impfung impfstoff urlaub abwesenheit vertretung personal sekretariat
    empfang leitung buchhaltung verwaltung versicherung krankenkasse patientin patienten arzt ärzte ärztin
    hausarzt pfleger krankenschwester physiotherapeut apotheke apotheker praxis gemeinschaftspraxis
    gesundheit dringend neu neue jahresbericht kollege kollegin präsident direktor bürgermeister
    meeting report results result laboratory lab blood duty roster rota schedule invoice quote order
    delivery reminder invitation training course congress minutes file record appointment request answer
    follow update letter certificate xray ultrasound vaccine flu leave holiday holidays replacement staff
    office reception management accounting insurance nurse physiotherapist pharmacy pharmacist clinic
    practice health annual news newsletter conference chairman director president mayor colleague
    """
    # adjectives, colours, nature and other words that are also surnames
    """grand grande petit petite beau belle blanc blanche noir noire rouge vert verte bleu bleue jaune gris
    grise brun brune roux rousse fort forte gros grosse long longue court courte doux douce vieux vieille
    jeune wit witte zwart zwarte rood rode groen groene blauw blauwe geel gele grijs bruin groot grote klein
    kleine lang lange kort korte oud oude jong jonge goed goede mooi mooie sterk weiss weiß schwarz rot roth
    grün blau gelb grau braun gross groß kurz alt jung gut schön stark white black red green blue yellow
    grey gray brown big small little short old young great strong vos wolf fuchs vogel haas leeuw loup
    renard bois berg bos dijk beek brook hill wood stone stein bach feld meer zee mer pont roche mont val
    fontaine rivière
    """
    # places and organisations often written after a first name
    """belgique belgië belgien belgium bruxelles brussel brüssel brussels liège luik lüttich namur namen gand
    gent anvers antwerpen bruges brugge charleroi mons bergen louvain leuven wavre eupen hasselt kortrijk
    courtrai tournai arlon malmedy verviers mechelen malines aalst ostende oostende europe europa
    proximus telenet ehealth ehealthbox recip-e mycarenet pdf doc docx jpg png copie kopie copy draft
    version versie fichier bestand datei attachment annexe bijlage anhang pièce jointe text texte tekst
    windows teams office outlook word excel zoom google microsoft apple android iphone"""
)

# Fields that hold a person's name, and generic ones (``Name:`` may name a project) that need more evidence.
_NAME_FIELDS = _phrases(
    """nom et prénom, nom de famille, prénom, naam en voornaam, voornaam, achternaam, familienaam,
    name und vorname, nachname, vorname, last name, family name, surname, first name, given name"""
)
_GENERIC_FIELDS = _phrases("nom, naam, name, full name, identité")
_PATIENT_LABELS = _phrases(
    """nom du patient, nom de la patiente, nom patient, identité du patient, patiente, patient,
    naam van de patiënt, naam patiënt, patiënte, patiënt, patientin, name des patienten, name der patientin,
    patientenname, patient name, name of patient, patient's name, pat, pt, bénéficiaire, rechthebbende,
    assuré, assurée, verzekerde, versicherter, versicherte, betrokkene"""
)


@functools.cache
def common_first_names() -> frozenset[str]:
    """The shipped list of first names given in Belgium, folded (lower case, no accents); loaded once."""
    data = (importlib.resources.files("medseal") / "data" / "first_names.txt").read_text("utf-8")
    names = {fold(line.strip()) for line in data.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(names - _COMMON_WORDS - _TITLE_WORDS - _DOCTOR_WORDS - _PLACE_WORDS)


# --- folding -----------------------------------------------------------------------------------------------
@functools.cache
def _byte_table(filename: bool) -> bytes:
    """Latin-1 byte -> folded byte: lower case, no accent; digits and ``_`` become ``#``."""
    table = bytearray(range(256))
    for byte in range(256):
        table[byte] = ord(fold(chr(byte)).translate(_EXTRA_FOLD))
    table[ord("0") : ord("9") + 1] = b"#" * 10
    table[ord("_")] = ord(" " if filename else "#")
    if filename:
        table[ord(".")] = ord(" ")
    return bytes(table)


_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """A character outside Latin-1, folded: a letter to its base letter (``š`` -> ``s``, kept when it has
    none), an apostrophe or dash to its ASCII twin, a space to a space, anything else to ``?``."""
    if char.isalpha():
        folded = fold(char).translate(_EXTRA_FOLD)
        return folded if len(folded) == 1 else char
    if char.isspace():
        return " "
    return char.translate(_PUNCTUATION) if char in "’‘ʼ‐‑–—" else "?"


def _fold_text(norm: str, filename: bool) -> str:
    """``norm`` in lower case without accents, one character per character (C speed for Latin-1 text; the
    result stays a compact Latin-1 string unless the text has letters of other scripts)."""
    table = _byte_table(filename)
    out = []
    for i in range(0, len(norm), _CHUNK):
        chunk = norm[i : i + _CHUNK]
        try:
            out.append(chunk.encode("latin-1").translate(table).decode("latin-1"))
            continue
        except UnicodeEncodeError:
            pass
        folded = chunk.encode("latin-1", "replace").translate(table).decode("latin-1")
        pieces = []
        last = 0
        pos = folded.find("?")
        while pos >= 0:
            if chunk[pos] != "?":  # a character outside Latin-1, replaced by the encoder
                pieces.append(folded[last:pos])
                pieces.append(_fold_char(chunk[pos]))
                last = pos + 1
            pos = folded.find("?", pos + 1)
        pieces.append(folded[last:])
        out.append("".join(pieces))
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def _name_tokens(name: str) -> tuple[str, ...]:
    """``Van den Berghe`` -> ``('van', 'den', 'berghe')``: folded letter runs, ``ss`` written ``ß``."""
    folded = fold(unicodedata.normalize("NFC", name)).translate(_EXTRA_FOLD)
    return tuple(t.replace("ss", "ß") for t in _LETTERS.findall(folded))


def _char_rx(char: str) -> str:
    return "(?:ß|ss)" if char == "ß" else re.escape(char)


def _tokens_rx(tokens: tuple[str, ...]) -> str:
    return _SEP_IN.join("".join(_char_rx(c) for c in token) for token in tokens)


def _key(last: str, first: str) -> str:
    return f"name:{' '.join(_fold_word(last).split())}|{' '.join(_fold_word(first).split())}"


# \w bytes of the folded text kept, everything else a space: ``split()`` then gives its words.
_WORD_TABLE = bytes(b if re.match(r"\w", chr(b)) and chr(b) != "?" else 0x20 for b in range(256))
# Characters that never occur in a run of capitalised words (line breaks, digits, ``.:;()``...) become
# ``\n``: a run never crosses one, so runs can be looked for between two of them.
_BARRIER_TABLE = bytes(0x20 if chr(b).isalpha() or chr(b) in "?'- \t\u00a0," else 0x0A for b in range(256))


@dataclass
class _Prepared:
    """The NFC text and its folded twin (same length). When composing accents shortened the text, ``breaks``
    (positions in ``norm`` right after a composed character) and ``shifts`` (characters removed up to
    there) lead back to the original offsets. ``words`` is `` `` + the folded text's words separated by
    spaces + `` `` (Latin-1 bytes, same offsets plus one; other letters are spaces)."""

    norm: str
    folded: str
    breaks: tuple[int, ...] = ()
    shifts: tuple[int, ...] = ()
    words: bytes | bytearray = b""
    _barriers: bytes | None = None

    def original(self, pos: int) -> int:
        i = bisect.bisect_right(self.breaks, pos)
        return pos + (self.shifts[i - 1] if i else 0)

    def occurrences(self, word: bytes) -> Iterator[int]:
        """Where the folded text holds the whole word ``word``."""
        needle = b" " + word + b" "
        i = self.words.find(needle)
        while i >= 0:
            yield i
            i = self.words.find(needle, i + len(word) + 1)

    def segment(self, pos: int) -> tuple[int, int]:
        """The stretch around ``pos`` between two characters no run of capitalised words can hold."""
        if self._barriers is None:
            self._barriers = self.folded.encode("latin-1", "replace").translate(_BARRIER_TABLE)
        end = self._barriers.find(b"\n", pos)
        return self._barriers.rfind(b"\n", 0, pos) + 1, len(self.norm) if end < 0 else end


_CLUSTER = re.compile("[^\u0300-\u036f][\u0300-\u036f]+")


def _prepared(
    norm: str, filename: bool, breaks: tuple[int, ...] = (), shifts: tuple[int, ...] = ()
) -> tuple[_Prepared, bool]:
    """The prepared text, and whether it is all Latin-1 (folded at C speed, a chunk at a time)."""
    table = _byte_table(filename)
    folded: list[str] = []
    words = bytearray(b" ")  # grown in place: no second copy of a large text
    latin = True
    for i in range(0, len(norm), _CHUNK):
        chunk = norm[i : i + _CHUNK]
        try:
            encoded = chunk.encode("latin-1").translate(table)
            folded.append(encoded.decode("latin-1"))
        except UnicodeEncodeError:
            latin = False
            folded.append(_fold_text(chunk, filename))
            encoded = folded[-1].encode("latin-1", "replace")
        words += encoded.translate(_WORD_TABLE)
    words += b" "
    return _Prepared(norm, "".join(folded), breaks, shifts, words), latin


def _prepare(text: str, filename: bool) -> _Prepared:
    prep, latin = _prepared(text, filename)
    if latin or unicodedata.is_normalized("NFC", text):  # Latin-1 text is composed
        return prep
    # Decomposed accents (file names from macOS...): compose them, remembering how offsets moved.
    pieces: list[str] = []
    breaks: list[int] = []
    shifts: list[int] = []
    last = removed = 0
    for cluster in _CLUSTER.finditer(text):
        composed = unicodedata.normalize("NFC", cluster.group())
        if len(composed) != 1:
            continue
        pieces.append(text[last : cluster.start()])
        pieces.append(composed)
        removed += len(cluster.group()) - 1
        breaks.append(cluster.end() - removed)
        shifts.append(removed)
        last = cluster.end()
    pieces.append(text[last:])
    return _prepared("".join(pieces), filename, tuple(breaks), tuple(shifts))[0]


def _hits(prep: _Prepared, vocabulary: frozenset[bytes]) -> set[bytes]:
    """The words of ``vocabulary`` in the text (``ß`` read as ``ss`` too), a chunk at a time."""
    words, hits = prep.words, set[bytes]()
    start = 0
    while start < len(words):
        end = words.find(b" ", start + _CHUNK)
        end = len(words) if end < 0 else end
        chunk = bytes(words[start:end])
        hits |= vocabulary.intersection(chunk.split())
        if b"\xdf" in chunk:
            hits |= vocabulary.intersection(chunk.replace(b"\xdf", b"ss").split())
        start = end
    return hits


def _byte_words(word: str) -> set[bytes]:
    """The pieces ``word`` (folded) leaves in ``_Prepared.words``, with and without the extra folding."""
    out: set[bytes] = set()
    for variant in (word, word.translate(_EXTRA_FOLD)):
        out.update(variant.encode("latin-1", "replace").translate(_WORD_TABLE).split())
    return out


# --- what comes before a name ------------------------------------------------------------------------------
_TAIL_SPLIT = re.compile(r"[\W_]+")


def _lookback(folded: str, pos: int) -> str | None:
    """``doctor``, ``title``, ``label``, ``namefield``, ``field`` or ``place`` when the folded text right
    before ``pos`` ends with one."""
    tail = folded[max(0, pos - 40) : pos].rstrip()
    colon = tail.endswith((":", "=", "："))
    if colon:
        tail = tail[:-1].rstrip(" \t\u00a0")
    dot = tail.endswith(".")
    if dot:
        tail = tail[:-1]
    if not tail or not tail[-1].isalpha():
        return None
    if not colon:  # only the last word counts
        k = len(tail) - 1
        while k and tail[k - 1].isalpha():
            k -= 1
        if k and tail[k - 1].isalnum():
            return None
        return _last_word_context(tail[k:], dot)
    words: list[str] = []
    for word in reversed(_TAIL_SPLIT.split(tail)[-4:]):
        if not word.isalpha():
            break
        words.insert(0, word)
    for k in range(len(words), 0, -1):
        phrase = " ".join(words[-k:])
        if phrase in _PATIENT_LABELS:
            return "label"
        if phrase in _NAME_FIELDS:
            return "namefield"
        if phrase in _GENERIC_FIELDS:
            return "field"
    return None


def _last_word_context(last: str, dot: bool) -> str | None:
    if last in _DOCTOR_WORDS:
        return "doctor"
    if last in _TITLE_WORDS or (dot and last in _DOTTED_TITLES):
        return "title"
    if last in _PLACE_WORDS:
        return "place"
    return None


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    confidence: float
    directory: bool
    detail: str
    patient_key: str


# --- the directory -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Patient:
    first: tuple[str, ...]
    last: tuple[str, ...]
    patient_key: str
    surname_key: str  # ``name:<folded last>|``, for a mention that fits several patients
    first_tail: str = ""  # the first name's last word, ``ß`` written ``ss``
    first_letter: str = ""  # the first name's first letter, ``ß`` written ``s``


@dataclass(frozen=True)
class _Group:
    """The patients sharing a surname, by their first name's first letter and last word."""

    by_letter: dict[str, tuple[int, ...]]
    by_tail: dict[str, tuple[int, ...]]
    tail_sizes: tuple[int, ...]

    @classmethod
    def of(cls, patients: tuple[_Patient, ...]) -> _Group:
        by_letter: dict[str, list[int]] = {}
        by_tail: dict[str, list[int]] = {}
        for i, patient in enumerate(patients):
            if patient.first:
                by_letter.setdefault(patient.first_letter, []).append(i)
                by_tail.setdefault(patient.first_tail, []).append(i)
        return cls(
            {k: tuple(v) for k, v in by_letter.items()},
            {k: tuple(v) for k, v in by_tail.items()},
            tuple(sorted({len(t) for t in by_tail})),
        )


@dataclass(frozen=True)
class _Index:
    pattern: re.Pattern[str] | None
    patients: dict[str, tuple[_Patient, ...]]  # concatenated folded surname -> patients
    professionals: frozenset[str]  # concatenated folded surnames of professionals
    keys: frozenset[bytes] = frozenset()  # a word every mention of a surname holds (see ``_surname_keys``)
    vocabulary: frozenset[bytes] = frozenset()  # ``keys`` and the heuristics' anchor words
    longest: int = 0  # the longest text a surname can match
    everywhere: bool = False  # some surname has no key: scan the whole text
    groups: dict[str, _Group] = dataclasses.field(default_factory=dict)  # as ``patients``


_MAX_NAME = 80
_Trie = dict[str, "_Trie"]
_INDEX_CACHE: list[tuple[Directory, _Index]] = []
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _trie_rx(names: Iterable[tuple[str, ...]]) -> str:
    """One pattern for many names: a trie, so the regex engine follows one branch per position."""
    root: _Trie = {}
    for tokens in names:
        node = root
        for char in "\x00".join(tokens):
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        alts = [
            (_SEP_IN if char == "\x00" else _char_rx(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _surname_keys(tokens: tuple[str, ...]) -> set[bytes]:
    """The words that end a mention of a surname: its last token with the tokens written together before it
    (``berghe``, ``denberghe``, ``vandenberghe``; ``ß`` as ``ss``), as Latin-1 pieces."""
    out: set[bytes] = set()
    for k in range(len(tokens)):
        out.update(_byte_words("".join(tokens[k:]).replace("ß", "ss")))
    return out


def _build_index(directory: Directory) -> _Index:
    patients: dict[str, list[_Patient]] = {}
    professionals: set[str] = set()
    for person in directory.people:
        spellings = {person.last_name, person.last_name.translate(_UMLAUTS)}  # Müller, Mueller
        for spelling in spellings:
            last = _name_tokens(spelling)
            if not last or len("".join(last)) > _MAX_NAME:
                continue
            if person.role != "patient":
                professionals.add("".join(last))
                continue
            first = _name_tokens(person.first_name)[:4]
            tail = first[-1].replace("ß", "ss") if first else ""
            letter = first[0][0].replace("ß", "s") if first else ""
            patient = _Patient(first, last, person.patient_key, _key(person.last_name, ""), tail, letter)
            patients.setdefault("".join(last), []).append(patient)
    names = {p.last for group in patients.values() for p in group}
    pattern = re.compile(rf"\b{_trie_rx(names)}\b") if names else None
    keys: set[bytes] = set()
    everywhere = False
    for tokens in names:
        found = _surname_keys(tokens)
        everywhere = everywhere or not found
        keys |= found
    longest = max((2 * sum(map(len, t)) + 3 * len(t) for t in names), default=0)
    first_words, title_words = _anchor_words()
    groups = {k: tuple(v) for k, v in patients.items()}
    return _Index(
        pattern,
        groups,
        frozenset(professionals),
        frozenset(keys),
        frozenset(keys) | first_words | title_words,
        longest,
        everywhere,
        {k: _Group.of(v) for k, v in groups.items()},
    )


def _index(directory: Directory) -> _Index:
    """The directory's index, built once (the last few directories are kept)."""
    for cached, index in _INDEX_CACHE:
        if cached is directory:
            return index
    index = _build_index(directory)
    _INDEX_CACHE.insert(0, (directory, index))
    del _INDEX_CACHE[4:]
    return index


@dataclass(frozen=True)
class _FirstPatterns:
    before: re.Pattern[str]
    after: re.Pattern[str]
    initial_before: re.Pattern[str] | None
    initial_after: re.Pattern[str] | None


@functools.lru_cache(maxsize=8192)
def _first_patterns(first: tuple[str, ...], filename: bool) -> _FirstPatterns:
    name = _tokens_rx(first)
    sep, comma = _SEP_NAME[filename], _COMMA[filename]
    before = re.compile(rf"\b{name}{sep}\Z")
    after = re.compile(rf"(?:(?P<comma>{comma})|{sep}){name}\b")
    if filename:  # no initials in file names: too many one-letter words
        return _FirstPatterns(before, after, None, None)
    initial = _char_rx(first[0][0])
    more = "".join(rf"(?:-?{_char_rx(t[0])}\.)?" for t in first[1:2])
    return _FirstPatterns(
        before,
        after,
        re.compile(rf"\b(?P<i>{initial})\.{more}{_H}*\Z"),
        re.compile(rf"(?:{comma}|{sep})(?P<i>{initial})(?:\.{more}|\b)"),
    )


_Form = tuple[int, int, float, str]
_DOCTOR = "doctor"


def _patient_form(prep: _Prepared, start: int, end: int, patient: _Patient, filename: bool) -> _Form | str | None:
    """The best form of ``patient``'s name around the surname at ``start:end`` (``"doctor"`` when the name
    follows a doctor's title)."""
    if not patient.first:
        return None
    folded, norm = prep.folded, prep.norm
    pats = _first_patterns(patient.first, filename)
    before = pats.before.search(folded, max(0, start - _MAX_NAME - 8), start)
    if before:
        context = _lookback(folded, before.start())
        if context == "doctor":
            return _DOCTOR
        if context == "title":
            return before.start(), end, _FULL_TITLED, "courtesy title, then directory patient as 'First LAST'"
        return before.start(), end, _FULL, "directory patient matched as 'First LAST'"
    after = pats.after.match(folded, end)
    if after:
        form = "'LAST, First'" if after.group("comma") else "'LAST First'"
        return start, after.end(), _FULL, f"directory patient matched as {form}"
    if pats.initial_before is not None:
        initial = pats.initial_before.search(folded, max(0, start - 12), start)
        if initial and norm[initial.start("i")].isupper():
            if _lookback(folded, initial.start()) == "doctor":
                return _DOCTOR
            return initial.start(), end, _INITIAL, "directory patient matched as 'F. LAST' (initial)"
    if pats.initial_after is not None:
        initial = pats.initial_after.match(folded, end)
        if initial and norm[initial.start("i")].isupper():
            return start, initial.end(), _INITIAL, "directory patient matched as 'LAST F.' (initial)"
    return None


def _bare_allowed(prep: _Prepared, start: int, end: int, last: tuple[str, ...], filename: bool) -> bool:
    """May this surname, alone, be reported? (see the module's docstring)"""
    cores = _LETTERS.findall(prep.norm, start, end)
    if not cores or not (filename or cores[-1][0].isupper()):
        return False
    if len(last) > 1:
        return True
    word = last[0].replace("ß", "ss")
    return len(word) > 2 and word not in _COMMON_WORDS and word not in common_first_names()


_CAPITALISED_BEFORE = re.compile(rf"(?:[{_UPPER}][{_UPPER}{_LOWER}'’\-]*\.?{_H}+){{1,3}}\Z")


def _doctor_before(prep: _Prepared, start: int) -> bool:
    """Do the capitalised words (or initials) right before ``start`` follow or hold a doctor's title?"""
    match = _CAPITALISED_BEFORE.search(prep.norm, max(0, start - 60), start)
    if match is None:
        return False
    words = _LETTERS.findall(prep.folded, match.start(), start)
    return any(w in _DOCTOR_WORDS for w in words) or _lookback(prep.folded, match.start()) == "doctor"


def _directory_matches(prep: _Prepared, index: _Index, hits: Iterable[bytes]) -> Iterator[re.Match[str]]:
    """The pattern's matches, looked for only around the words that end a surname (the whole text when
    one of the words might be written with ``ß``)."""
    pattern = index.pattern
    if pattern is None:
        return
    if index.everywhere:
        yield from pattern.finditer(prep.folded)
        return
    sharp = b"\xdf" in prep.words
    positions = sorted(
        p for key in hits for word in (_sharp_s_spellings(key) if sharp else (key,)) for p in prep.occurrences(word)
    )
    folded, size, reach = prep.folded, len(prep.folded), index.longest
    i = 0
    while i < len(positions):
        start = max(0, positions[i] - reach)
        end = positions[i] + reach
        i += 1
        while i < len(positions) and positions[i] - reach <= end:
            end = positions[i] + reach
            i += 1
        # End the window on a space, so that ``\b`` sees what it would see in the whole text.
        end = folded.find(" ", min(end, size))
        yield from pattern.finditer(folded, start, size if end < 0 else end)


@functools.lru_cache(maxsize=4096)
def _sharp_s_spellings(key: bytes) -> tuple[bytes, ...]:
    """Every way of writing ``key`` with ``ß`` for some of its ``ss``."""
    at = key.find(b"ss")
    if at < 0:
        return (key,)
    rest = _sharp_s_spellings(key[at + 1 :])
    sharp = _sharp_s_spellings(key[at + 2 :])
    return tuple(key[: at + 1] + r for r in rest) + tuple(key[:at] + b"\xdf" + r for r in sharp)


def _neighbours(prep: _Prepared, start: int, end: int, filename: bool) -> tuple[str, str, str]:
    """Cheap necessary conditions for ``_patient_form``: the word before the surname (``ß`` as ``ss``), the
    first letter after it, and the letters followed by a dot just before it (initials)."""
    folded = prep.folded
    i = start
    while i > 0 and (folded[i - 1].isspace() or folded[i - 1] == "-"):
        i -= 1
    j = prep.words.rfind(b" ", 0, i + 1)  # the word's start in ``folded`` (``words`` is one longer)
    while j > 0 and folded[j - 1].isalnum():  # a letter outside Latin-1
        j -= 1
    k = end
    while k < len(folded) and (folded[k].isspace() or folded[k] in ",-"):
        k += 1
    after = folded[k] if k < len(folded) else ""
    dotted = ""
    if not filename and folded.find(".", max(0, start - 11), start) >= 0:
        tail = folded[max(0, start - 12) : start]
        dotted = "".join(c for c, d in itertools.pairwise(tail) if d == ".")
    return folded[j:i].replace("ß", "ss"), after.replace("ß", "s"), dotted.replace("ß", "s")


def _possible(patients: tuple[_Patient, ...], group: _Group, before: str, after: str, dotted: str) -> list[_Patient]:
    """The patients (in their order) whose name might be written around the surname: the others' forms
    cannot match (see ``_neighbours``)."""
    found: set[int] = set(group.by_letter.get(after, ()))
    for letter in dotted:
        found.update(group.by_letter.get(letter, ()))
    for size in group.tail_sizes:
        if size <= len(before):
            found.update(group.by_tail.get(before[len(before) - size :], ()))
    return [patients[i] for i in sorted(found)]


def _directory_candidates(
    prep: _Prepared, index: _Index, filename: bool, hits: Iterable[bytes]
) -> Iterator[_Candidate]:
    for match in _directory_matches(prep, index, hits):
        start, end = match.span()
        surname = "".join(_name_tokens(match.group()))
        group = index.patients.get(surname)
        if not group:
            continue
        context = _lookback(prep.folded, start)
        if context == "doctor":
            continue
        before, after, dotted = _neighbours(prep, start, end, filename)
        forms: list[tuple[_Form, _Patient]] = []
        doctor = False
        for patient in _possible(group, index.groups[surname], before, after, dotted):
            form = _patient_form(prep, start, end, patient, filename)
            if isinstance(form, tuple):
                forms.append((form, patient))
            elif form == _DOCTOR:
                doctor = True
        if forms:
            top = max(form[2] for form, _ in forms)
            winners = [(form, p) for form, p in forms if form[2] == top]
            (s, e, confidence, detail), patient = winners[0]
            keys = {p.patient_key for _, p in winners}
            key = patient.patient_key if len(keys) == 1 else patient.surname_key
            yield _Candidate(s, e, confidence, True, detail, key)
            continue
        if doctor or _doctor_before(prep, start):
            continue  # ``Dr. Jean Dupont`` is a colleague, even with a patient's surname
        keys = {p.patient_key for p in group}
        key = group[0].patient_key if len(keys) == 1 else group[0].surname_key
        if context == "title":
            detail = "courtesy title followed by a directory patient's surname"
            yield _Candidate(start, end, _TITLED, True, detail, key)
        elif _bare_allowed(prep, start, end, group[0].last, filename):
            detail = "directory patient's surname alone (lower confidence)"
            yield _Candidate(start, end, _BARE, True, detail, key)


# --- heuristics --------------------------------------------------------------------------------------------
_TITLE, _DOC, _PLACE, _FIRST, _COMMON, _OTHER = "title", "doctor", "place", "first", "common", "other"
_NAMED_CONTEXTS = ("title", "label", "namefield", "field")
_LABELLED = "patient label followed by a name"

# A capitalised word (``Dupont``, ``DUPONT``, ``McLean``, ``D'Hondt``, ``Jean-Pierre``), never a word's tail.
_WORD = (
    rf"[{_UPPER}](?<![^\W_][{_UPPER}])(?:['’](?=[{_UPPER}]))?[{_UPPER}{_LOWER}]+"
    rf"(?:-[{_UPPER}][{_UPPER}{_LOWER}]+)*(?![^\W_])(?!-[^\W\d_])"
)
_RUN_SEP = rf"(?:{_H}+|{_H}*,{_H}*)"
# Capitalised words in a row, with lower-case particles between them (``Jan van den Berghe``).
_RUN = re.compile(rf"{_WORD}(?:{_RUN_SEP}(?:(?:{_RUN_PARTICLES}){_H}+){{0,3}}(?:[dl]['’])?{_WORD}){{0,7}}")
_MULTI = re.compile(rf"{_WORD}(?:{_RUN_SEP}(?:(?:{_RUN_PARTICLES}){_H}+){{0,3}}(?:[dl]['’])?{_WORD}){{1,7}}")


def _word_start_alternatives(words: Iterable[str]) -> str:
    """Folded words as one pattern whose alternatives start with a literal (the regex engine then skips
    quickly to their first letters), each at the start of a word."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word[1:])
    alts = []
    for first, rests in sorted(by_first.items()):
        rest = "|".join(re.escape(r) for r in sorted(set(rests), key=lambda r: (-len(r), r)))
        alts.append(rf"{re.escape(first)}(?<![^\W\d_]{re.escape(first)})(?:{rest})")
    return "(?:" + "|".join(alts) + ")"


# On the folded text: a title in any case, with or without its dot, then spaces (the name's capital is
# checked on the original text).
_TITLE_BEFORE = re.compile(
    _word_start_alternatives([*_TITLE_WORDS, *(f"{t}." for t in _DOTTED_TITLES), "de heer"]) + rf"(?:\.{_H}*|{_H}+)"
)
_COLON = re.compile(rf"[:=：]\s{{0,4}}(?=[{_UPPER}])")
_RUN_TOKEN = re.compile(r"[^\s,]+|,")
_FILE_GAP = re.compile(r"[\s_.\-]{1,3}")
_ELISION = re.compile(r"^[dlo]['’]")


@dataclass
class _Unit:
    """A name part: a word with the particles before it."""

    start: int
    end: int
    words: list[str]
    cls: str
    comma: bool  # a comma separates it from the previous unit
    allcaps: bool


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)


@functools.lru_cache(maxsize=65536)
def _classify(word: str) -> str:
    core = _ELISION.sub("", _fold_word(word))
    if core in _TITLE_WORDS:
        return _COMMON if word.isupper() and core in _ACRONYM_TITLES else _TITLE
    if core in _DOCTOR_WORDS:
        return _DOC
    parts = core.split("-")
    if core in _PLACE_WORDS or parts[0] in _SAINTS:
        return _PLACE
    firsts = common_first_names()
    if core in firsts or (len(parts) > 1 and all(p in firsts for p in parts)):
        return _FIRST
    if core in _COMMON_WORDS or all(p in _COMMON_WORDS for p in parts):
        return _COMMON
    letters = "".join(_LETTERS.findall(word))
    if len(letters) < 2 or (word.isupper() and len(letters) <= 3):
        return _COMMON  # an initial or an acronym
    return _OTHER


def _units(tokens: list[tuple[int, int, str, bool]], filename: bool) -> list[_Unit]:
    """Group (start, end, word, comma before) tokens into units: particles stick to the next word."""
    units: list[_Unit] = []
    pending: list[tuple[int, int, str, bool]] = []
    for i, token in enumerate(tokens):
        start, end, word, comma = token
        last = i == len(tokens) - 1
        folded = _fold_word(word)
        particle = folded in _PARTICLES
        if particle and not last and not tokens[i + 1][3] and (pending or folded in _LEADING_PARTICLES):
            pending.append(token)
            continue
        cls = _COMMON if particle else _classify(word)
        if cls == _FIRST:
            pending = []  # ``de Marie``: a preposition, not a particle
        letters = "".join(_LETTERS.findall(word))
        units.append(
            _Unit(
                start=pending[0][0] if pending else start,
                end=end,
                words=[p[2] for p in pending] + [word],
                cls=cls,
                comma=pending[0][3] if pending else comma,
                allcaps=letters.isupper() and len(letters) > 1,
            )
        )
        pending = []
    return units


def _emit(units: list[_Unit], confidence: float, detail: str) -> _Candidate:
    """A heuristic candidate over ``units``; the key guesses which units are the first name."""
    if len(units) > 1 and units[0].cls == _FIRST and units[-1].cls != _FIRST:
        i = 1
        while i < len(units) - 1 and units[i].cls == _FIRST:
            i += 1
        first, last = units[:i], units[i:]
    elif len(units) > 1 and units[-1].cls == _FIRST:
        i = len(units) - 1
        while i > 1 and units[i - 1].cls == _FIRST:
            i -= 1
        first, last = units[i:], units[:i]
    elif len(units) == 1 and units[0].cls == _FIRST:
        first, last = units, []
    else:
        first, last = [], units
    key = _key(" ".join(w for u in last for w in u.words), " ".join(w for u in first for w in u.words))
    return _Candidate(units[0].start, units[-1].end, confidence, False, detail, key)


def _titled_sequence(seq: list[_Unit]) -> list[_Unit]:
    """After a title or a label: the name's units, at most 3, at most one comma (``DUPONT, Marie``)."""
    out: list[_Unit] = []
    for unit in seq:
        if out and unit.comma and (len(out) > 1 or unit.cls != _FIRST or out[-1].cls != _OTHER):
            break
        out.append(unit)
        if len(out) == 3:
            break
    return out


def _analyse(units: list[_Unit], context: str | None, filename: bool) -> Iterator[_Candidate]:
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.cls in (_TITLE, _DOC, _PLACE):
            context = unit.cls
            i += 1
            continue
        seq = []
        if unit.cls == _COMMON:
            # ``mevrouw An Claes``: after a title, a word before the name is a first name, not a word.
            nxt = units[i + 1] if i + 1 < len(units) else None
            if context in _NAMED_CONTEXTS and len(unit.words) == 1 and nxt and nxt.cls in (_FIRST, _OTHER):
                seq.append(dataclasses.replace(unit, cls=_FIRST))
            else:
                if not (context == "title" and len(unit.words) > 1):  # ``Monsieur le Directeur Dupont``
                    context = None
                i += 1
                continue
        j = i + len(seq)
        while j < len(units) and units[j].cls in (_FIRST, _OTHER):
            j += 1
        seq += units[i + len(seq) : j]
        if context in _NAMED_CONTEXTS:
            named = _titled_sequence(seq)
            j = i + len(named)
            if context == "title":
                only_first = all(u.cls == _FIRST for u in named)
                confidence = _H_TITLE_FIRST_ONLY if only_first else _H_TITLE
                yield _emit(named, confidence, "courtesy title followed by a capitalised name")
            elif context == "label":
                yield _emit(named, _H_LABEL, _LABELLED)
            elif context == "namefield" or any(u.cls == _FIRST or u.allcaps for u in named):
                yield _emit(named, _H_FIELD, "name field followed by a capitalised name")
        elif context not in (_DOC, _PLACE):
            yield from _pairs(seq, filename)
        context = None
        i = j


def _pairs(seq: list[_Unit], filename: bool) -> Iterator[_Candidate]:
    """First names next to surnames, with no title or label to help."""

    def found(units: list[_Unit], detail: str) -> _Candidate:
        if filename:
            return _emit(units, _H_FILE, "file name made of a common first name and a surname")
        # In upper-case text a first name that is also a word (``FINN``, ``METIN``) is weaker evidence.
        shouting = all(u.allcaps for u in units)
        return _emit(units, _H_ALLCAPS if shouting else _H_FIRST_LAST, detail)

    k = 0
    while k < len(seq):
        unit = seq[k]
        m = k + 1
        if unit.cls == _FIRST:
            while m < len(seq) and seq[m].cls == _FIRST and not seq[m].comma:
                m += 1
            if m < len(seq) and seq[m].cls == _OTHER and not seq[m].comma:
                yield found(seq[k : m + 1], "common first name followed by a capitalised surname")
                m += 1
            elif m - k >= 2 and not filename:
                yield _emit(seq[k:m], _H_FIRST_FIRST, "two common first names in a row")
        elif (unit.allcaps or filename) and m < len(seq) and seq[m].cls == _FIRST:
            m += 1
            while m < len(seq) and seq[m].cls == _FIRST and not seq[m].comma:
                m += 1
            yield found(seq[k:m], "upper-case surname followed by a common first name")
        k = m


_Relative = tuple[int, int, float, str, str]  # a candidate's start, end, confidence, detail, key in a run


@functools.lru_cache(maxsize=16384)
def _run_units(prefix: str, text: str) -> tuple[int, tuple[_Unit, ...]]:
    """The units of a run of capitalised words (offsets from its start) and how many characters of
    ``prefix`` (``d'``, ``l'``) it takes; no units when none can be part of a name. Runs repeat (names,
    hospitals, greetings), so this is kept."""
    tokens: list[tuple[int, int, str, bool]] = []
    comma = False
    for token in _RUN_TOKEN.finditer(text):
        if token.group() == ",":
            comma = True
            continue
        tokens.append((token.start(), token.end(), token.group(), comma))
        comma = False
    shift = 0
    if prefix and _classify(tokens[0][2]) != _FIRST:
        shift = len(prefix)  # ``chez d'Hondt``: the particle belongs to the name
        tokens = [(0, shift + tokens[0][1], prefix + tokens[0][2], False)] + [
            (s + shift, e + shift, w, c) for s, e, w, c in tokens[1:]
        ]
    units = _units(tokens, False)
    if not any(u.cls in (_FIRST, _OTHER) for u in units):
        return shift, ()
    return shift, tuple(units)


@functools.lru_cache(maxsize=16384)
def _run_analysis(prefix: str, text: str, context: str | None) -> tuple[_Relative, ...]:
    units = list(_run_units(prefix, text)[1])
    return tuple((c.start, c.end, c.confidence, c.detail, c.patient_key) for c in _analyse(units, context, False))


def _run_candidates(prep: _Prepared, start: int, text: str, context: str | None) -> Iterator[_Candidate]:
    """Candidates in one run of capitalised words starting at ``start``."""
    norm = prep.norm
    elided = (
        start >= 2
        and norm[start - 2] in "dl"
        and norm[start - 1] in "'’"
        and (start < 3 or not norm[start - 3].isalpha())
    )
    prefix = norm[start - 2 : start] if elided else ""
    shift, units = _run_units(prefix, text)
    if not units:
        return
    start -= shift
    if context is None:
        context = _lookback(prep.folded, start)
    for rel_start, rel_end, confidence, detail, key in _run_analysis(prefix, text, context):
        yield _Candidate(start + rel_start, start + rel_end, confidence, False, detail, key)


@functools.cache
def _anchor_words() -> tuple[frozenset[bytes], frozenset[bytes]]:
    """The words without which the heuristics find nothing: the pieces of common first names, and of
    courtesy titles (``m.``, ``fr.``, ``hr.``, ``de heer`` included)."""
    first: set[bytes] = set()
    for name in common_first_names():
        first |= _byte_words(name)
    title: set[bytes] = set()
    for word in (*_TITLE_WORDS, *_DOTTED_TITLES, "heer"):
        title |= _byte_words(word)
    return frozenset(first), frozenset(title)


_AFTER_TITLE = re.compile(rf"[.,\s]*(?:[dlDL]['’])?[{_UPPER}]")
_SKIP_TO_NAME = re.compile(r"[\s.:=：]*")
_WORD_ONLY = re.compile(_WORD)


def _compound(folded: str, start: int, end: int) -> tuple[int, int]:
    """The hyphenated word (``Sint-Jan``, ``D'Hondt``) holding the letters at ``start:end``."""
    while start >= 2 and folded[start - 1] == "-" and folded[start - 2].isalpha():
        start -= 1
        while start > 0 and folded[start - 1].isalpha():
            start -= 1
    if (
        start >= 2
        and folded[start - 1] == "'"
        and folded[start - 2].isalpha()
        and (start < 3 or not folded[start - 3].isalpha())
    ):
        start -= 2
    size = len(folded)
    while end + 1 < size and folded[end] == "-" and folded[end + 1].isalpha():
        end += 1
        while end < size and folded[end].isalpha():
            end += 1
    return start, end


def _first_name_matters(prep: _Prepared, pos: int, end: int) -> bool:
    """Can a common first name at ``pos:end`` (capitalised) take part in a name? Not when it is part of a
    capitalised word that is not a first name (``Sint-Jan``, ``Saint-Luc``)."""
    folded = prep.folded
    if not ((pos and folded[pos - 1] in "-'") or folded[end : end + 1] == "-"):
        return True
    start, stop = _compound(folded, pos, end)
    return _compound_matters(prep.norm[start:stop])


@functools.lru_cache(maxsize=4096)
def _compound_matters(word: str) -> bool:
    return not _WORD_ONLY.fullmatch(word) or _classify(word) in (_FIRST, _TITLE)


def _text_candidates(prep: _Prepared, hits: Iterable[bytes]) -> Iterator[_Candidate]:
    """The heuristics, looked for only around their anchors (common first names, titles, colons). The runs
    of capitalised words are those ``_MULTI`` finds in the whole text: a run never crosses a barrier (see
    ``_BARRIER_TABLE``), so it is looked for in the barrier-free stretch around an anchor, and right after a
    title or a colon (which ``_lookback`` reads)."""
    norm, folded, words = prep.norm, prep.folded, prep.words
    first_words, title_words = _anchor_words()
    starts: set[int] = set()
    segments: list[tuple[int, int]] = []
    titles: list[int] = []
    size = len(norm)

    def add_segment(pos: int) -> None:
        if pos < size:
            seg = prep.segment(pos)
            if seg[0] not in starts:
                starts.add(seg[0])
                segments.append(seg)

    for word in hits:
        is_first, is_title = word in first_words, word in title_words
        needle = b" " + word + b" "
        pos = words.find(needle)  # ``words`` is one longer: ``pos`` is where the word starts in ``norm``
        while pos >= 0:
            stop = pos + len(word)
            if is_title:
                if _AFTER_TITLE.match(norm, stop):
                    titles.append(pos)
                    add_segment(pos)
                    add_segment(_skip_to_name(norm, stop))
                elif norm[pos].isupper():
                    add_segment(pos)  # ``Monsieur le Directeur Dupuis``
            if is_first and norm[pos].isupper() and _first_name_matters(prep, pos, stop):
                add_segment(pos)
            pos = words.find(needle, stop + 1)
    colons = sorted(pos for char in ":=：" for pos in _find_all(norm, char))
    for pos in colons:
        start = _skip_to_name(norm, pos + 1)  # where a run after the colon would start
        if (
            start < size
            and (norm[start].isupper() or norm[start] in "dl")
            and _lookback(folded, start) in _NAMED_CONTEXTS
        ):
            add_segment(start)
    # Two capitalised words or more: first names and surnames, or a capitalised title (``Madame Dupont``).
    for start, stop in sorted(segments):
        for multi in _MULTI.finditer(norm, start, min(stop + 1, size)):
            yield from _run_candidates(prep, multi.start(), multi.group(), None)
    # A title written in lower case or with a dot (``mevrouw Peeters``, ``M. Dupont``), then the name.
    done = -1
    for pos in sorted(titles):
        hit = None
        if pos >= 3 and folded.startswith("de ", pos - 3):
            hit = _TITLE_BEFORE.match(folded, pos - 3)  # ``de heer``
        hit = hit or _TITLE_BEFORE.match(folded, pos)
        if hit is None or hit.start() < done:
            continue
        done = hit.end()
        title = norm[hit.start() : hit.end()].strip(". \t\u00a0\u202f")
        if title.isupper() and _fold_word(title) in _ACRONYM_TITLES:
            continue
        run = _RUN.match(norm, hit.end()) if norm[hit.end() : hit.end() + 1].isupper() else None
        if run:
            yield from _run_candidates(prep, run.start(), run.group(), "title")
    # ``Patient: DUPONT Marie``, ``Naam: Peeters``.
    for pos in colons:
        hit = _COLON.match(norm, pos)
        if hit is None:
            continue
        context = _lookback(folded, hit.start() + 1)
        if context in _NAMED_CONTEXTS:
            run = _RUN.match(norm, hit.end())
            if run:
                yield from _run_candidates(prep, run.start(), run.group(), context)


def _skip_to_name(text: str, pos: int) -> int:
    skip = _SKIP_TO_NAME.match(text, pos)
    return pos if skip is None else skip.end()


def _find_all(text: str, char: str) -> Iterator[int]:
    pos = text.find(char)
    while pos >= 0:
        yield pos
        pos = text.find(char, pos + 1)


def _file_candidates(prep: _Prepared) -> Iterator[_Candidate]:
    text = prep.norm
    stem_end = text.rfind(".")
    if stem_end <= 0 or len(text) - stem_end > 6:
        stem_end = len(text)
    group: list[tuple[int, int, str, bool]] = []
    for match in _LETTERS.finditer(text, 0, stem_end):
        if group and not _FILE_GAP.fullmatch(text, group[-1][1], match.start()):
            yield from _analyse(_units(group, True), None, True)
            group = []
        group.append((match.start(), match.end(), match.group(), False))
    if group:
        yield from _analyse(_units(group, True), None, True)


# --- the public function -------------------------------------------------------------------------------
def _select(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    """Keep the strongest of overlapping candidates (directory before heuristics, longer before shorter)."""
    ranked = sorted(candidates, key=lambda c: (-c.confidence, not c.directory, c.start - c.end, c.start))
    starts: list[int] = []
    kept: list[_Candidate] = []  # sorted by start, never overlapping
    for cand in ranked:
        i = bisect.bisect_right(starts, cand.start)
        if (i and kept[i - 1].end > cand.start) or (i < len(kept) and kept[i].start < cand.end):
            continue
        starts.insert(i, cand.start)
        kept.insert(i, cand)
    return kept


# --- the writer: signatures, roles, the sender's own name ---------------------------------------------------
# Professions and practices written right after a name (same or next line): the signature of a professional.
_ROLE_TEXT = """huisarts, huisartsen, huisartsenpraktijk, huisartspraktijk, arts, geneesheer,
    medecin, medecins, medecin generaliste, generaliste, medecin traitant, docteur en medecine, praticien,
    allgemeinarzt, allgemeinarztin, allgemeinmediziner, allgemeinmedizinerin, hausarzt, hausarztin, arzt,
    arztin, facharzt, facharztin, internist, internistin, general practitioner, gp, md, m d, physician,
    dr med, doctor of medicine, kinesitherapeute, kinesitherapeut, kinesist, kine, physiotherapeut,
    physiotherapeutin, physiotherapist, physiotherapy, psychologue, psycholoog, psychologin, psychologe,
    psychologist, psychotherapeute, psychotherapeut, psychotherapist, infirmier, infirmiere, infirmieres,
    verpleegkundige, verpleger, krankenschwester, krankenpfleger, pflegefachkraft, sage femme,
    vroedvrouw, hebamme, midwife, logopede, logopedist, logopadin, logopade, speech therapist, dieteticien,
    dieteticienne, dietist, dietiste, diatassistent, dietitian, osteopathe, osteopaat, osteopath, ergotherapeute,
    ergotherapeut, occupational therapist, podologue, podoloog, pharmacien, pharmacienne, apotheker, apothekerin,
    pharmacist, tandarts, dentiste, zahnarzt, zahnarztin, dentist, pediatre, kinderarts, kinderarzt,
    pediatrician, gynecologue, gynaecoloog, gynecoloog, gynakologe, gynakologin, cardiologue, cardioloog,
    kardiologe, psychiatre, psychiater, chirurgien, chirurg, surgeon, radiologue, radioloog, assistante,
    assistentin, secretaire medicale, medisch secretaresse, secretaresse, arzthelferin,
    medizinische fachangestellte, medical secretary, praxis, gemeinschaftspraxis, cabinet, cabinet medical,
    groepspraktijk, praktijk, maison medicale, wijkgezondheidscentrum, centre medical, medisch centrum"""
_ROLES = sorted({" ".join(p.split()) for p in fold(_ROLE_TEXT).split(",")}, key=lambda r: (-len(r), r))
_ROLE_AFTER = re.compile(
    r"[ \t\u00a0,;\-/|(]*(?:\r?\n[ \t\u00a0\-]*){0,2}(?:"  # the next line; from HTML, after a blank one
    + "|".join(r"[. \t\u00a0\-]{0,2}".join(re.escape(w) for w in role.split()) for role in _ROLES)
    + r")\.?\b(?![ \t\u00a0]*[:=])"
)
# ``-- `` alone on a line starts a signature; it ends at a quoted line or a reply's header.
_SIGNATURE = re.compile(r"(?m)^--[ \t\u00a0]*\r?$")
_SIGNATURE_END = re.compile(r"(?m)^(?:>|-{4,}|_{4,}|.*(?:wrote|a ecrit|schreef|schrieb)[ \t\u00a0]*:[ \t\u00a0]*\r?$)")


def _signatures(prep: _Prepared) -> list[tuple[int, int]]:
    """Where the signatures after a ``-- `` line are (start, end)."""
    blocks = []
    pos = 0
    while (found := prep.norm.find("--", pos)) >= 0:
        sig = _SIGNATURE.match(prep.norm, found)
        pos = found + 2
        if sig is None or not (found == 0 or prep.norm[found - 1] == "\n"):
            continue
        end = _SIGNATURE_END.search(prep.folded, sig.end())
        # A reply's header (``Le 3 mars, Anne Martin a écrit :``) names a writer too: it stays in the block.
        stop = len(prep.norm) if end is None else end.end() if prep.folded[end.start()] not in ">-_" else end.start()
        blocks.append((found, stop))
        pos = blocks[-1][1]
    return blocks


def _role_follows(prep: _Prepared, end: int) -> bool:
    """Is a name ending at ``end`` followed by a profession (``Sander Gobert\nHuisarts``)?"""
    return _ROLE_AFTER.match(prep.folded, end) is not None


@dataclass(frozen=True)
class _Writer:
    words: frozenset[str]  # every word of the writer's name (and the surname written together)
    surname: frozenset[str]  # the words of the surname, particles left out
    initials: frozenset[str]  # the initials it is written with (``A.`` in ``Dr. A. Martin``)


_NOT_NAME = _TITLE_WORDS | _DOCTOR_WORDS | frozenset(w for r in _ROLES for w in r.split())


def _writer(name: str) -> _Writer | None:
    """The sender's display name (``Dr. A. Martin``, ``Sander Gobert``, ``Gobert, Sander (Huisarts)``)."""
    name = re.sub(r"\([^)]*\)|<[^>]*>|\S+@\S+", " ", name)
    before, comma, after = name.partition(",")
    order = [before, after] if comma else [name]
    parts = [[t for t in _name_tokens(p) if len(t) > 1 and t not in _NOT_NAME] for p in order]
    words = [t for p in parts for t in p]
    if not words:
        return None
    if comma and parts[0]:
        surname = parts[0]  # ``Gobert, Sander``
    else:
        capitals = [w for w in re.findall(r"[^\W\d_]{2,}", name) if w.isupper()]
        upper = {t for c in capitals for t in _name_tokens(c)} - _NOT_NAME
        surname = [w for w in words if w in upper] or (words[1:] if len(words) > 1 else words)
    core = frozenset(surname) - _PARTICLES
    if not core:
        return None
    letters = frozenset(t for t in _name_tokens(name) if len(t) == 1)
    return _Writer(frozenset(words) | {"".join(surname)}, core | {"".join(surname)}, letters)


def _is_writer(clear: str, writers: Sequence[_Writer]) -> bool:
    """Is ``clear`` the writer's name: whole, surname alone, initial and surname, in any case?"""
    words = {t for t in _name_tokens(clear) if len(t) > 1} - _PARTICLES
    joined = "".join(t for t in _name_tokens(clear) if len(t) > 1)
    return bool(words) and any(
        (all(t in w.words or t[0] in w.initials for t in words) and words & w.surname) or joined in w.surname
        for w in writers
    )


def find_names(
    text: str,
    where: Where,
    directory: Directory | None = None,
    part: int | None = None,
    *,
    ignore_names: Sequence[str] = (),
) -> list[Finding]:
    """Every mention of a person's name in ``text``: directory patients and what the heuristics see.

    ``ignore_names``: the writer's own name(s) (the From display name): the heuristics never report them;
    neither do they report a name followed by a profession (a signature) nor anything in a signature after a
    ``-- `` line. A directory patient is reported wherever it is."""
    if not text:
        return []
    filename = where == Where.ATTACHMENT_NAME
    prep = _prepare(text, filename)
    index = _index(directory) if directory is not None else None
    vocabulary = index.vocabulary if index is not None else _heuristic_vocabulary()
    hits = _hits(prep, vocabulary)
    candidates: list[_Candidate] = []
    professionals: frozenset[str] = frozenset()
    if index is not None:
        professionals = index.professionals
        candidates.extend(_directory_candidates(prep, index, filename, hits & index.keys))
    heuristics = _file_candidates(prep) if filename else _text_candidates(prep, hits)
    signatures = [] if filename else _signatures(prep)
    writers = [w for w in map(_writer, ignore_names) if w is not None]
    for cand in heuristics:
        surname = cand.patient_key.removeprefix("name:").split("|")[0]
        if professionals and "".join(_name_tokens(surname)) in professionals:
            continue
        if any(start <= cand.start < end for start, end in signatures):
            continue
        if writers and _is_writer(prep.norm[cand.start : cand.end], writers):
            continue
        if not filename and cand.detail != _LABELLED and _role_follows(prep, cand.end):
            continue
        candidates.append(cand)
    findings = []
    for cand in _select(candidates):
        start, end = prep.original(cand.start), prep.original(cand.end)
        clear = text[start:end]
        shown = re.sub(r"[_.]", " ", clear) if filename else clear
        findings.append(
            Finding(
                kind=Kind.PATIENT_NAME,
                where=where,
                span=(start, end),
                confidence=cand.confidence,
                masked=initials(shown.replace("-", " ") if filename else shown),
                detail=cand.detail,
                part=part,
                clear=clear,
                patient_key=cand.patient_key,
            )
        )
    return findings


@functools.cache
def _heuristic_vocabulary() -> frozenset[bytes]:
    first, title = _anchor_words()
    return first | title
