"""Identity documents: passports, ID cards and driver's licences.

All three share one reading strategy, so they share one mixin and differ only in declarations
(kind, classification signals, extra labels):

1. Machine-readable sources first. An AAMVA PDF417 payload decoded by the reading stage is the
   authority on a licence or US state ID (source ``derived``: the value is decoded from a machine
   encoding, not printed text and not file metadata). Otherwise an ICAO MRZ whose check digits all
   verify is the authority for the fields it carries (source ``mrz``).
2. The visual inspection zone (VIZ) is read by label anchors in many real-world variants (bilingual
   "Surname / Nom", US numbered fields "4d DLN", "3 DOB", "8" address lines), value right of or
   below the label.
3. Where a machine source exists, VIZ values of the fields it also carries are kept as ``viz_*``
   fields, so the rules stage can raise ``ID_MRZ_MISMATCH``; ``mrz_valid`` (1/0) and ``mrz_checks``
   (``"document_number:ok,...,composite:bad"``) let ``ID_CHECKSUM_INVALID`` cite the failing digit.

An MRZ that does not verify is never authoritative: its fields are used only where the VIZ has
nothing, at a low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar, Literal

from extractors.aamva import AamvaRecord, parse_aamva
from extractors.base import Extraction, Extractor, Signal, signal
from extractors.layout import (
    Anchor,
    Found,
    Line,
    Segment,
    find_anchors,
    union_bbox,
    value_below,
    value_right_of,
)
from extractors.mrz import FORMATS, FoundMRZ, find_mrz, prefer_printed
from extractors.normalize import (
    ascii_fold,
    clean_identifier,
    clean_name,
    parse_date,
    read_as,
)
from extractors.tables import address_blocks
from pipeline.config import RuleSettings
from pipeline.models import DocKind, FieldValue, ReadDocument, Word

IDENTITY_FIELDS: tuple[str, ...] = (
    "full_name",
    "surname",
    "given_names",
    "date_of_birth",
    "document_number",
    "expiry_date",
    "issuing_country",
    "nationality",
    "sex",
    "address",
    "mrz",
)
# VIZ copies of machine-carried fields, for the MRZ / barcode consistency rule.
VIZ_COMPARED: tuple[str, ...] = (
    "surname",
    "given_names",
    "date_of_birth",
    "document_number",
    "expiry_date",
    "sex",
)
EXTRA_FIELDS: tuple[str, ...] = (
    "issue_date",
    "mrz_valid",
    "mrz_checks",
    "mrz_format",
    "mrz_score",
    *(f"viz_{name}" for name in VIZ_COMPARED),
)

ValueKind = Literal["name", "date", "number", "sex", "country", "address"]

# Confidence of a value decoded from a PDF417 (the symbology carries its own error correction).
_BARCODE_CONFIDENCE = 0.99
_MRZ_VALID_CONFIDENCE = 0.97
# An MRZ whose digits do not verify is evidence of a slip or a forgery, never an authority.
_MRZ_INVALID_FACTOR = 0.4
_VIZ_FACTOR = 0.9


@dataclass(frozen=True)
class VizRule:
    """How to find one field in the visual zone: its label variants and the kind of value."""

    field: str
    labels: tuple[str, ...]
    kind: ValueKind


_COMMON_RULES: tuple[VizRule, ...] = (
    VizRule(
        "surname",
        (
            "surname",
            "surnames",
            "last name",
            "family name",
            "nom",
            "nom de famille",
            "apellidos",
            "apellido",
            "nachname",
            "cognome",
            "achternaam",
        ),
        "name",
    ),
    VizRule(
        "given_names",
        (
            "given names",
            "given name",
            "given names(s)",
            "given name(s)",
            "first name",
            "first names",
            "forenames",
            "forename",
            "prenoms",
            "prénoms",
            "prénom",
            "vornamen",
            "nombres",
            "nome",
            "voornamen",
        ),
        "name",
    ),
    VizRule("full_name", ("name", "full name", "holder", "name of holder", "nom et prenoms"), "name"),
    VizRule(
        "date_of_birth",
        (
            "date of birth",
            "birth date",
            "birthdate",
            "dob",
            "born",
            "date de naissance",
            "geburtsdatum",
            "fecha de nacimiento",
            "data di nascita",
            "geboortedatum",
        ),
        "date",
    ),
    VizRule(
        "document_number",
        (
            "passport no",
            "passport number",
            "passport nr",
            "no du passeport",
            "passeport no",
            "document no",
            "document number",
            "document nr",
            "doc no",
            "card no",
            "card number",
            "id no",
            "id number",
            "identity card no",
            "no de la carte",
            "numero",
            "número",
            "licence no",
            "license no",
            "license number",
            "licence number",
            "lic no",
            "dl no",
            "dln",
            "dl",
        ),
        "number",
    ),
    VizRule(
        "expiry_date",
        (
            "date of expiry",
            "expiry date",
            "expiry",
            "expires",
            "exp",
            "expiration",
            "expiration date",
            "valid until",
            "valid thru",
            "date d'expiration",
            "date dexpiration",
            "gultig bis",
            "gültig bis",
            "fecha de caducidad",
        ),
        "date",
    ),
    VizRule(
        "issue_date",
        (
            "date of issue",
            "issue date",
            "issued",
            "iss",
            "date de delivrance",
            "date de délivrance",
            "ausstellungsdatum",
            "fecha de expedicion",
        ),
        "date",
    ),
    VizRule("sex", ("sex", "sexe", "gender", "geschlecht", "sexo", "sesso"), "sex"),
    VizRule(
        "nationality",
        (
            "nationality",
            "nationalité",
            "nationalite",
            "staatsangehorigkeit",
            "staatsangehörigkeit",
            "nacionalidad",
            "cittadinanza",
        ),
        "country",
    ),
    VizRule(
        "issuing_country",
        (
            "issuing country",
            "issuing state",
            "country code",
            "code",
            "code du pays",
            "code of issuing state",
            "country",
        ),
        "country",
    ),
    VizRule(
        "address",
        ("address", "addr", "adresse", "residence", "domicile", "home address", "domicilio", "anschrift"),
        "address",
    ),
)

# AAMVA card design numbers the fields printed on US licences ("1 SAMPLE", "4d DLN 123"), and
# California-style licences abbreviate the name labels.
_LICENCE_RULES: tuple[VizRule, ...] = (
    VizRule("surname", ("1 ln", "ln", "1"), "name"),
    VizRule("given_names", ("2 fn", "fn", "2"), "name"),
    VizRule("date_of_birth", ("3 dob", "3"), "date"),
    VizRule("issue_date", ("4a iss", "4a"), "date"),
    VizRule("expiry_date", ("4b exp", "4b"), "date"),
    VizRule("document_number", ("4d dln", "4d lic no", "4d"), "number"),
    VizRule("address", ("8",), "address"),
    VizRule("sex", ("15 sex", "15"), "sex"),
)

# Every word any label uses: a value containing one of them is a label run-on, not a value.
_LABEL_WORDS = frozenset(
    token
    for rule in (*_COMMON_RULES, *_LICENCE_RULES)
    for label in rule.labels
    for token in (re.sub(r"[^0-9a-z]", "", w.lower()) for w in label.split())
    if token and not token.isdigit() and len(token) > 1
) | {"de", "of", "date", "no", "nr", "class", "restr", "end", "endorsements", "restrictions"}
_NUMBERED_TAG = re.compile(r"^\d{1,2}[a-z]?$")

_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+){0,4}$")
NUMBER_MIN_DIGIT_SHARE = 0.3
"""Least share of digits in a document number (UK licences, the most lettered, are ~45% digits)."""
_NUMBER_RE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 \-]{3,22}[A-Z0-9]$")
_SEX_RE = re.compile(r"^(M|F|X|H|MALE|FEMALE|MASCULIN|FEMININ)(?:\s*/\s*(M|F|X|H))?$", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^[A-Z]{3}$|^D$")
_CITY_LINE_RE = re.compile(r"\b[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?\b|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b")

_US_STATE_HEADERS = re.compile(r"\bUSA\b|UNITED STATES|\bDRIVER LICENSE\b", re.IGNORECASE)
_CANADA_HEADERS = re.compile(
    r"\bCANADA\b|\bONTARIO\b|\bQU[EÉ]BEC\b|\bALBERTA\b|BRITISH COLUMBIA", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------------
# Value acceptors: does a run of words look like this kind of value?


def _tokens(text: str) -> list[str]:
    return [re.sub(r"[^0-9a-z]", "", w.lower()) for w in text.split()]


def _name_text(text: str) -> str:
    """A name without the stray punctuation OCR adds around and inside it (``SMITH,`` ``.JOHN``)."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s'\-]", " ", text)).strip(" '-")


def _is_name(text: str) -> bool:
    name = _name_text(text)
    if not _NAME_RE.match(name) or not any(len(t) >= 2 for t in name.split()):
        return False
    # Identity documents print names in capitals or title case; all lower case ("a i bl") is
    # background or a photo's texture OCR'd beside a label.
    if name == name.lower():
        return False
    return not any(t in _LABEL_WORDS for t in _tokens(name))


def _is_number(text: str) -> bool:
    upper = text.upper().strip()
    # Document numbers are printed in capitals and digits: a word of lower-case letters beside one
    # ("751374173 j") is a scrap of background OCR read, not a group of the number.
    if parse_date(text) is not None or any(w.isalpha() and w.islower() for w in text.split()):
        return False
    # Document numbers are mostly digits (C01X00T47, MORGA753116SM9IJ); a tag glued to a name
    # ("1HERRERA": card-design field 1 and the surname) is not one.
    compact = re.sub(r"[\s\-]", "", upper)
    if sum(c.isdigit() for c in compact) < max(2, NUMBER_MIN_DIGIT_SHARE * len(compact)):
        return False
    return (
        bool(_NUMBER_RE.match(upper))
        and len(upper.split()) <= 3
        and not any(t in _LABEL_WORDS for t in _tokens(text) if not any(c.isdigit() for c in t))
    )


def _is_sex(text: str) -> bool:
    return bool(_SEX_RE.match(text.strip()))


def _is_country(text: str) -> bool:
    return bool(_COUNTRY_RE.match(text.strip()))


def _is_address(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 10 and bool(re.search(r"\d", text)) and len(text) <= 80


# Letters OCR prints for digits inside a number ("O1/O2/198O", "I2 AUG 1974").
_DIGIT_SLIPS = str.maketrans("OoQDIl|SsBZ", "00001115582")


def _date_text(text: str) -> str:
    """A printed date with look-alike letters in its numeric parts read as digits.

    Only parts that are at least half digits change, so month names ("AUG", "MARS") stay; stray
    punctuation at either end goes.
    """
    parts = re.split(r"([\s/.\-]+)", text.strip(" .,;:'\"`"))
    return "".join(
        p.translate(_DIGIT_SLIPS) if sum(c.isdigit() for c in p) * 2 >= len(p) > 0 else p for p in parts
    )


def read_printed_date(text: str, *, dayfirst: bool | None = None) -> date | None:
    """A printed date, as printed or, failing that, with OCR's look-alike slips undone."""
    return parse_date(text, dayfirst=dayfirst) or parse_date(_date_text(text), dayfirst=dayfirst)


def _is_date(text: str) -> bool:
    return read_printed_date(text) is not None


_ACCEPT: dict[ValueKind, Callable[[str], bool]] = {
    "name": _is_name,
    "date": _is_date,
    "number": _is_number,
    "sex": _is_sex,
    "country": _is_country,
    "address": _is_address,
}


# --------------------------------------------------------------------------------------------------
# Labels as OCR prints them: one comparison, tolerant of look-alike glyphs, for every label.

# Glyphs OCR confuses on ID cards, each mapped to one representative. 'D' joins 'O' because card
# fonts print both round ("3 DOB" reads "3008"); 'A' joins '4' ("4d" reads "ad").
_CONFUSION_CLASSES: dict[str, str] = {
    **dict.fromkeys("oqd0", "0"),
    **dict.fromkeys("il1|!", "1"),
    **dict.fromkeys("s5$", "5"),
    **dict.fromkeys("b8", "8"),
    **dict.fromkeys("a4", "4"),
    **dict.fromkeys("z2", "2"),
    **dict.fromkeys("g6", "6"),
}
_FUZZY_MIN_CHARS = 5
"""A label this long (letters and digits) may also differ by one lost or garbled glyph."""
_FUZZY_MIN_CHARS_NUMBERED = 4
"""The same for a label led by its field number ("3 DOB"): the number anchors the match."""
_TOLERANT_MIN_CHARS = 3
"""Shorter labels are matched only as printed."""


# Letter pairs OCR reads for one wide letter (and back): folded to the single letter.
_SPLIT_GLYPHS = (("rn", "m"), ("vv", "w"))


def fold_label(text: str) -> str:
    """A label's letters and digits, lower case, each look-alike glyph replaced by its class."""
    text = text.lower()
    for pair, single in _SPLIT_GLYPHS:
        text = text.replace(pair, single)
    return "".join(_CONFUSION_CLASSES.get(c, c) for c in text if c.isalnum() or c in "|!$")


def label_matches(read: str, label: str) -> bool:
    """Whether OCR text ``read`` is the printed ``label``, allowing look-alike glyphs, lost spaces and
    punctuation, and (for labels of five characters or more, four after a field number) one lost
    or garbled glyph."""
    got, wanted = fold_label(read), fold_label(label)
    if got == wanted:
        return True
    numbered = label[:1].isdigit() and got[:1] == wanted[:1]
    long_enough = len(wanted) >= (_FUZZY_MIN_CHARS_NUMBERED if numbered else _FUZZY_MIN_CHARS)
    return long_enough and _one_edit_apart(got, wanted)


def _one_edit_apart(a: str, b: str) -> bool:
    """Levenshtein distance of at most one."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def find_label_anchors(lines: Sequence[Line], labels: Sequence[str]) -> list[Anchor]:
    """Labels printed on the lines: exact word matches first, then OCR-tolerant ones.

    A tolerant match may span one word more or fewer than the label ("3 DOB" read as "3008",
    "4a ISS" as "4aiss") and must start a column segment, where labels are printed: a look-alike
    reading anywhere inside a line (a ZIP code that folds like "4a iss") is not a label.
    """
    anchors = find_anchors(lines, labels)
    exact = {(id(a.line), i) for a in anchors for i in range(a.start, a.end)}
    # A bare field number ("8", "4d") folds onto too much ("B", "ad"): only printed exactly.
    tolerant = [label for label in labels if len(fold_label(label)) >= _TOLERANT_MIN_CHARS]
    ordered = sorted(tolerant, key=lambda label: len(fold_label(label)), reverse=True)
    for line in lines:
        starts = _segment_starts(line)
        for start in starts:
            match = next(
                (
                    end
                    for label in ordered
                    for end in _label_ends(line, start, label)
                    if not any((id(line), i) in exact for i in range(start, end))
                ),
                None,
            )
            if match is not None:
                anchors.append(Anchor(line=line, start=start, end=match))
    return anchors


def _segment_starts(line: Line) -> list[int]:
    """Index in ``line.words`` of each segment's first word."""
    starts, index = [], 0
    for segment in line.segments:
        starts.append(index)
        index += len(segment.words)
    return starts


def _label_ends(line: Line, start: int, label: str) -> list[int]:
    """Word indices where ``label`` ends if it is printed from ``start`` (one word more or less)."""
    count = len(label.split())
    ends = range(start + max(1, count - 1), min(len(line.words), start + count + 1) + 1)
    return [end for end in ends if label_matches("".join(w.text for w in line.words[start:end]), label)]


# --------------------------------------------------------------------------------------------------
# Reading the visual zone.


@dataclass(frozen=True)
class VizValue:
    """A value read from the visual zone, normalised, with where it was printed."""

    value: str
    found: Found


def _is_label_word(word: Word) -> bool:
    return word.text.strip() in ("/", ":") or re.sub(r"[^0-9a-z]", "", word.text.lower()) in _LABEL_WORDS


def _extend_bilingual(anchor: Anchor) -> Anchor:
    """Widen a label to both languages of "Surname / Nom" or "Passport No. / No du passeport".

    Without this the second label ("Nom") would be taken as the value to the right, and a value
    printed under the first label would not sit under an anchor found on the second one.
    """
    words = anchor.line.words
    # Stay inside the label's own segment: the next column may hold another bilingual label.
    low, high = _segment_range(anchor)
    start, end = anchor.start, anchor.end
    if start > low and words[start - 1].text.endswith("/"):
        start -= 1
        while start > low and _is_label_word(words[start - 1]):
            start -= 1
    if words[end - 1].text.endswith("/") or (end < high and words[end].text.startswith("/")):
        while end < high and _is_label_word(words[end]):
            end += 1
        # The first word of the second language may be misread ("Nom" as "Norm"); a value is never
        # printed straight after the slash of a bilingual label.
        if end < high and words[end - 1].text.endswith("/") and _misread_label_word(words[end]):
            end += 1
            while end < high and _is_label_word(words[end]):
                end += 1
    return Anchor(line=anchor.line, start=start, end=end)


def _misread_label_word(word: Word) -> bool:
    """A label word read with one glyph lost, added or garbled (three letters or more)."""
    got = fold_label(word.text)
    return len(got) >= _TOLERANT_MIN_CHARS and any(
        _one_edit_apart(got, fold_label(label)) for label in _LABEL_WORDS if len(label) >= _TOLERANT_MIN_CHARS
    )


def _segment_range(anchor: Anchor) -> tuple[int, int]:
    """[first, last + 1) word indices of the segment holding the anchor's first word."""
    index = 0
    for segment in anchor.line.segments:
        if index <= anchor.start < index + len(segment.words):
            return index, index + len(segment.words)
        index += len(segment.words)
    return 0, len(anchor.line.words)


_SHORT_LABEL_CHARS = 2
"""A one-word label this short ("LN", "FN", "DL") is also an everyday abbreviation ("SPRING LN")."""


def _anchor_allowed(anchor: Anchor) -> bool:
    """A bare field number ("1", "4d") or a short abbreviation ("LN") counts as a label only where a
    segment starts: in the middle of a line it is part of the text ("4811 SPRING LN APT 10")."""
    first = anchor.line.words[anchor.start]
    token = re.sub(r"[^0-9a-z]", "", first.text.lower())
    short = _NUMBERED_TAG.match(token) or len(token) <= _SHORT_LABEL_CHARS
    if not short or anchor.end - anchor.start > 1:
        return True
    return any(seg.words[0] is first for seg in anchor.line.segments) or anchor.start == 0


def _part_of_longer_label(anchor: Anchor) -> bool:
    """ "Name" in "Given name" is not the full-name label: a label word sits right before it."""
    if anchor.start == 0:
        return False
    before = re.sub(r"[^0-9a-z]", "", anchor.line.words[anchor.start - 1].text.lower())
    return before in _LABEL_WORDS


def _split_slash_words(line: Line) -> Line:
    """Split "Surname/Nom" into "Surname/" + "Nom" so each language's label matches on its own.

    Only letter/letter words are split (dates and "F/F" stay whole); boxes are shared out by length.
    """

    def split(word: Word) -> tuple[Word, ...]:
        match = re.fullmatch(r"([^\W\d_]{2,}/)([^\W\d_]{2,}\.?)", word.text)
        if match is None:
            return (word,)
        x0, y0, x1, y1 = word.bbox
        cut = x0 + (x1 - x0) * len(match.group(1)) / len(word.text)
        return (
            word.model_copy(update={"text": match.group(1), "bbox": (x0, y0, cut, y1)}),
            word.model_copy(update={"text": match.group(2), "bbox": (cut, y0, x1, y1)}),
        )

    if not any("/" in w.text for w in line.words):
        return line
    segments = tuple(Segment(tuple(p for w in seg.words for p in split(w))) for seg in line.segments)
    return Line(page=line.page, words=tuple(w for seg in segments for w in seg.words), segments=segments)


def _find(lines: Sequence[Line], rule: VizRule) -> Found | None:
    accept = _ACCEPT[rule.kind]
    for anchor in find_label_anchors(lines, rule.labels):
        if not _anchor_allowed(anchor) or _part_of_longer_label(anchor):
            continue
        anchor = _extend_bilingual(anchor)
        found = value_right_of(anchor, accept) or value_below(anchor, lines, accept)
        if found is not None:
            if rule.kind == "address":
                found = _address_continuation(found, lines)
            return found
    return None


def _address_continuation(found: Found, lines: Sequence[Line]) -> Found:
    """Append the "CITY, ST 12345" line printed under a street line (US licences split addresses)."""
    if _CITY_LINE_RE.search(found.text):
        return found
    below = [
        ln
        for ln in lines
        if ln.page == found.page
        and ln.bbox[1] >= found.bbox[3] - 2
        and ln.bbox[1] - found.bbox[3] < 2.5 * (found.bbox[3] - found.bbox[1])
    ]
    for line in sorted(below, key=lambda ln: ln.bbox[1])[:1]:
        for seg in line.segments:
            if (
                seg.bbox[2] >= found.bbox[0]
                and seg.bbox[0] <= found.bbox[2]
                and _CITY_LINE_RE.search(seg.text)
            ):
                return Found(
                    text=f"{found.text}, {seg.text}",
                    page=found.page,
                    bbox=union_bbox([found.bbox, seg.bbox]),
                    confidence=min(found.confidence, seg.confidence),
                )
    return found


def _normalise(kind: ValueKind, text: str, *, dayfirst: bool | None, birth: bool = False) -> str | None:
    if kind == "name":
        return clean_name(_name_text(text)) or None
    if kind == "date":
        parsed = read_printed_date(text, dayfirst=dayfirst)
        if parsed is None:
            return None
        if birth and parsed > date.today():
            # Two-digit printed years ("12 AUG 30"): a birth date is never in the future.
            parsed = parsed.replace(year=parsed.year - 100)
        return parsed.isoformat()
    if kind == "number":
        return clean_identifier(text)
    if kind == "sex":
        first = text.strip().upper()[:1]
        return {"H": "M"}.get(first, first)
    if kind == "country":
        return text.strip().upper()
    return re.sub(r"\s+", " ", text).strip(" ,")


def read_viz(
    lines: Sequence[Line], rules: Iterable[VizRule], *, dayfirst: bool | None
) -> dict[str, VizValue]:
    """Every field the rules find in the visual zone (first rule with a value wins per field)."""
    lines = [_split_slash_words(line) for line in lines]
    out: dict[str, VizValue] = {}
    for rule in rules:
        if rule.field in out:
            continue
        found = _find(lines, rule)
        if found is None:
            continue
        value = _normalise(rule.kind, found.text, dayfirst=dayfirst, birth=rule.field == "date_of_birth")
        if value:
            out[rule.field] = VizValue(value, found)
    return out


def _agree_on_date(viz: VizValue, machine: str | None) -> VizValue:
    """Re-read an ambiguous printed date (04/05/1980) in the order that agrees with the MRZ/barcode.

    Day/month order is a harmless variation, not a mismatch; a different date stays different.
    """
    if machine is None or viz.value == machine:
        return viz
    for dayfirst in (True, False):
        parsed = read_printed_date(viz.found.text, dayfirst=dayfirst)
        if parsed is not None and parsed.isoformat() == machine:
            return VizValue(machine, viz.found)
    return viz


# --------------------------------------------------------------------------------------------------
# Machine-readable sources.


def _barcode_record(
    document: ReadDocument,
) -> tuple[AamvaRecord, int, tuple[float, float, float, float] | None] | None:
    """The first AAMVA payload among the PDF417 barcodes the reading stage decoded."""
    for page in document.pages:
        for barcode in page.barcodes:
            if "PDF417" not in barcode.format.upper():
                continue
            record = parse_aamva(barcode.text)
            if record is not None:
                return record, page.number, barcode.bbox
    return None


def _mrz_line_of(found: FoundMRZ, field: str) -> int:
    """Index of the MRZ line that carries a DESIGN field (names, number, dates...)."""
    fmt = next(f for f in FORMATS if f.name == found.mrz.format)
    spec_name = "names" if field in ("surname", "given_names", "full_name") else field
    return next((s.line for s in fmt.fields if s.name == spec_name), 0)


def _mrz_values(found: FoundMRZ) -> dict[str, FieldValue]:
    mrz = found.mrz
    if mrz.valid:
        confidence = max(0.8, _MRZ_VALID_CONFIDENCE - 0.02 * len(mrz.repairs))
    else:
        confidence = round(_MRZ_INVALID_FACTOR * mrz.score, 3)
    out: dict[str, FieldValue] = {}
    for name, value in mrz.to_fields().items():
        if value is None:
            continue
        if name == "mrz":
            bbox = found.bbox
            raw = "\n".join(mrz.raw_lines)
        else:
            line_index = _mrz_line_of(found, name)
            bbox = found.lines[line_index].bbox if line_index < len(found.lines) else found.bbox
            raw = mrz.lines[line_index]
        out[name] = FieldValue(
            value=value, confidence=confidence, page=found.page, bbox=bbox, raw=raw, source="mrz"
        )
    summary: dict[str, str | float | int] = {
        "mrz_valid": int(mrz.valid),
        "mrz_checks": mrz.checks_summary(),
        "mrz_format": mrz.format,
        "mrz_score": mrz.score,
    }
    if mrz.repairs:
        # What the reader changed to parse the zone ("date_of_birth[0] S->5"): a rule weighing a failed
        # check needs to know which characters were guesses.
        summary["mrz_repairs"] = "; ".join(mrz.repairs)
    for name, flag in summary.items():
        out[name] = FieldValue(value=flag, confidence=1.0, page=found.page, bbox=found.bbox, source="derived")
    return out


def _barcode_values(
    record: AamvaRecord, page: int, bbox: tuple[float, float, float, float] | None
) -> dict[str, FieldValue]:
    out = {}
    for name, value in record.to_fields().items():
        if value is not None:
            out[name] = FieldValue(
                value=value, confidence=_BARCODE_CONFIDENCE, page=page, bbox=bbox, raw=value, source="derived"
            )
    issue = record.date("DBD")
    if issue is not None:
        out["issue_date"] = FieldValue(
            value=issue.isoformat(),
            confidence=_BARCODE_CONFIDENCE,
            page=page,
            bbox=bbox,
            raw=record.get("DBD"),
            source="derived",
        )
    return out


# --------------------------------------------------------------------------------------------------
# Putting it together.


def _viz_field(viz: VizValue, source: Literal["text", "ocr"]) -> FieldValue:
    return FieldValue(
        value=viz.value,
        confidence=round(_VIZ_FACTOR * viz.found.confidence, 3),
        page=viz.found.page,
        bbox=viz.found.bbox,
        raw=viz.found.text,
        source=source,
    )


def _page_sources(document: ReadDocument) -> dict[int, Literal["text", "ocr"]]:
    return {p.number: p.source for p in document.pages}


def _complete_names(fields: dict[str, FieldValue]) -> None:
    """Full name from given names + surname when only the parts were printed, or when the "full
    name" read is one of the parts: a label "Name / Surname / Nom" names the surname's box."""
    surname, given = fields.get("surname"), fields.get("given_names")
    full = fields.get("full_name")
    if full is not None and surname is not None and given is not None and full.bbox is not None and (
            full.bbox in (surname.bbox, given.bbox)):
        del fields["full_name"]
    if "full_name" not in fields and surname is not None and given is not None:
        fields["full_name"] = FieldValue(
            value=f"{given.value} {surname.value}",
            confidence=min(surname.confidence, given.confidence),
            page=surname.page,
            bbox=union_bbox([b for b in (given.bbox, surname.bbox) if b is not None]),
            source="derived",
        )


def merge_identity(
    viz: dict[str, VizValue],
    machine: dict[str, FieldValue],
    *,
    authoritative: bool,
    sources: dict[int, Literal["text", "ocr"]],
) -> dict[str, FieldValue]:
    """Combine VIZ and machine-read fields.

    Args:
        viz: values read by label from the visual zone.
        machine: values from the MRZ or the barcode (may be empty).
        authoritative: whether the machine source verified (valid MRZ, decoded barcode).
        sources: page number -> "text"/"ocr", the provenance of VIZ values.

    Returns:
        The document's fields: machine values win when authoritative, VIZ values otherwise; VIZ
        values of machine-carried fields are also kept as ``viz_*`` whenever a machine source exists.
    """
    fields: dict[str, FieldValue] = {}
    machine_dates = {k: machine[k].value for k in ("date_of_birth", "expiry_date") if k in machine}
    for name, read in viz.items():
        if name in machine_dates:
            read = _agree_on_date(read, str(machine_dates[name]))
        field = _viz_field(read, sources.get(read.found.page, "ocr"))
        if machine and name in VIZ_COMPARED:
            fields[f"viz_{name}"] = field
        fields[name] = field
    printed_parts = "surname" in fields and "given_names" in fields
    for name, decoded in machine.items():
        # An unverified zone's full name does not stand beside the printed parts: the full name is
        # then made of the parts it names, not of another reading.
        if authoritative or (name not in fields and not (name == "full_name" and printed_parts)):
            fields[name] = decoded
    _complete_names(fields)
    return fields


_NAME_JUDGEMENT = RuleSettings()
"""The rules' defaults for when an OCR'd MRZ name is the printed one (``mrz_name_lost_glyphs``,
``mrz_name_misread_min_letters``): the same judgement, made here to pick the better reading."""
_NAME_PARTS = ("surname", "given_names")
PRINTED_NAME_MIN_CONFIDENCE = 0.70
"""A printed name OCR read less surely than this does not replace the zone's reading."""


def _prefer_fuller_printed_names(fields: dict[str, FieldValue]) -> None:
    """Take a name part from the printed zone where the OCR'd MRZ lost a letter or two of it, or
    misread one glyph of a long word (:func:`~extractors.normalize.one_glyph_misread`).

    An MRZ name has no check digit, so a verified zone is no authority on it: "JEREY" in the zone
    beside a confident printed "JEREMY" is the zone's OCR losing a glyph. The printed reading then
    fills ``surname``/``given_names`` (and the full name); ``viz_*`` and ``mrz`` keep both readings,
    and a printed name that is not the zone's with letters lost (another name) is left to the rules.
    """
    changed = False
    for name in _NAME_PARTS:
        machine, printed = fields.get(name), fields.get(f"viz_{name}")
        if (machine is None or printed is None or machine.source != "mrz" or printed.source != "ocr"
                or printed.confidence < PRINTED_NAME_MIN_CONFIDENCE):
            continue
        printed_letters, read = ascii_fold(str(printed.value)), ascii_fold(str(machine.value))
        if printed_letters != read and read_as(printed_letters, read, lost=_NAME_JUDGEMENT.mrz_name_lost_glyphs,
                                               misread_min_letters=_NAME_JUDGEMENT.mrz_name_misread_min_letters):
            fields[name] = printed.model_copy(update={"value": printed_letters})
            changed = True
    if changed and "surname" in fields and "given_names" in fields:
        fields.pop("full_name", None)
        _complete_names(fields)


def _find_unlabelled_names(fields: dict[str, FieldValue], lines: Sequence[Line]) -> None:
    """The print of each name part whose label OCR lost, as ``viz_*``, for
    :func:`_prefer_fuller_printed_names` to judge.

    Small labels over large values ("Given names / Prénoms" over "KENNETH MARK") are the print a
    card photo loses first; without them the visual zone has no name to fill a zone's lost letters
    from.
    """
    for name in _NAME_PARTS:
        zone = fields.get(name)
        if zone is not None and zone.source == "mrz" and f"viz_{name}" not in fields:
            printed = _printed_as_zone(str(zone.value), [ln for ln in lines if ln.page == zone.page])
            if printed is not None:
                fields[f"viz_{name}"] = printed


def _printed_as_zone(zone_name: str, lines: Sequence[Line]) -> FieldValue | None:
    """The words of one line that are the zone's words of a name, each as printed in full where the
    zone lost or misread a letter of it. Looked for only to repair the zone, so the print must differ
    from the zone's reading, word for word in the way OCR of a zone goes wrong: another name printed
    on the card (a parent's, an issuing officer's) never matches."""
    wanted = ascii_fold(zone_name).upper().split()
    for line in lines:
        words = [w for w in line.words if w.text.isalpha()]
        for start in range(len(words) - len(wanted) + 1):
            run = words[start : start + len(wanted)]
            printed = [ascii_fold(w.text).upper() for w in run]
            if printed != wanted and all(
                    read_as(p, z, lost=_NAME_JUDGEMENT.mrz_name_lost_glyphs,
                            misread_min_letters=_NAME_JUDGEMENT.mrz_name_misread_min_letters)
                    for p, z in zip(printed, wanted, strict=True)):
                return FieldValue(value=" ".join(printed), page=line.page, bbox=union_bbox(w.bbox for w in run),
                                  confidence=round(_VIZ_FACTOR * min(w.confidence for w in run), 3),
                                  raw=" ".join(w.text for w in run), source="ocr")
    return None


UNLABELLED_ADDRESS_CONFIDENCE = 0.6
"""Confidence factor of an address found by its shape alone, its label unread."""


def _unlabelled_address(lines: Sequence[Line], sources: dict[int, Literal["text", "ocr"]]) -> FieldValue | None:
    """The holder's address when OCR lost its label: the first block of a street line over a
    "City, ST 12345" line. An identity card prints one address, the holder's; the small label over
    it ("Address / Adresse") is the print a card photo loses first."""
    for block in address_blocks(lines):
        if len(block.address) >= 2:  # a street line (or more) over the city line
            return FieldValue(
                value=block.address_text, page=block.page, bbox=union_bbox(s.bbox for s in block.address),
                confidence=round(UNLABELLED_ADDRESS_CONFIDENCE * min(s.confidence for s in block.address), 3),
                raw=block.address_text, source=sources.get(block.page, "ocr"),
            )
    return None


def _licence_country(lines: Sequence[Line]) -> str | None:
    text = "\n".join(line.text for line in lines[:12])
    if _CANADA_HEADERS.search(text):
        return "CAN"
    if _US_STATE_HEADERS.search(text):
        return "USA"
    return None


class IdentityMixin:
    """The shared reading strategy; subclasses only declare kind, signals and extra VIZ rules.

    A mixin rather than an abstract :class:`Extractor` because every ``Extractor`` subclass
    registers itself when defined.
    """

    viz_rules: ClassVar[tuple[VizRule, ...]] = _COMMON_RULES
    dayfirst: ClassVar[bool | None] = None

    def extract(self, document: ReadDocument, lines: Sequence[Line]) -> Extraction:
        """Fields from the barcode or MRZ (authoritative when they verify) and the visual zone."""
        viz = read_viz(lines, self.viz_rules, dayfirst=self.dayfirst)
        sources = _page_sources(document)
        barcode = _barcode_record(document)
        if barcode is not None:
            record, page, bbox = barcode
            fields = merge_identity(
                viz, _barcode_values(record, page, bbox), authoritative=True, sources=sources
            )
        else:
            text_pages = frozenset(p.number for p in document.pages if p.source == "text")
            found = find_mrz(lines, text_pages=text_pages)
            if found is not None and "document_number" in viz:
                found = replace(found, mrz=prefer_printed(found.mrz, "document_number", viz["document_number"].value))
            machine = _mrz_values(found) if found is not None else {}
            fields = merge_identity(
                viz, machine, authoritative=bool(found and found.mrz.valid), sources=sources
            )
            if found is not None and found.page not in text_pages:
                _find_unlabelled_names(fields, lines)
                _prefer_fuller_printed_names(fields)
        self._complete(fields, lines)
        if "address" not in fields:
            address = _unlabelled_address(lines, sources)
            if address is not None:
                fields["address"] = address
        return Extraction(fields=fields)

    def _complete(self, fields: dict[str, FieldValue], lines: Sequence[Line]) -> None:
        """Hook for kind-specific defaults (e.g. a licence's issuing country from its header)."""


class PassportExtractor(IdentityMixin, Extractor):
    kind = DocKind.PASSPORT
    fields = IDENTITY_FIELDS + EXTRA_FIELDS
    signals: ClassVar[tuple[Signal, ...]] = (
        signal(r"\bPASS?PORT\b", 3.0),
        signal(r"\bPASSEPORT\b|\bPASAPORTE\b|\bREISEPASS\b|\bPASSAPORTO\b|\bPASPOORT\b|\bPASZPORT\b", 3.0),
        # TD3 / MRV-A first line: P + type + issuing state + names.
        signal(r"^\s*P[A-Z<][A-Z<]{3}[A-Z]+<<[A-Z<]{10,}", 4.0, mrz_line=True),
        signal(r"\bpassport\s+(?:no|number)\b|\bplace\s+of\s+birth\b|\bauthority\b", 1.0),
        signal(r"\bnationality\b|\bnationalit[eé]\b", 0.5),
    )


class IdCardExtractor(IdentityMixin, Extractor):
    kind = DocKind.ID_CARD
    fields = IDENTITY_FIELDS + EXTRA_FIELDS
    signals: ClassVar[tuple[Signal, ...]] = (
        signal(r"IDENTITY\s+CARD|\bID\s+CARD\b|IDENTIFICATION\s+CARD", 3.0),
        signal(
            r"CARTE\s+(?:NATIONALE\s+)?D.?\s?IDENTIT|PERSONALAUSWEIS|DOCUMENTO\s+NACIONAL\s+DE\s+IDENTIDAD"
            r"|CARTA\s+D.?IDENTIT|IDENTITEITSKAART",
            3.0,
        ),
        # TD1 first line: I/A/C + type + state + document number + check digit.
        signal(r"^\s*[IAC][A-Z<][A-Z<]{3}[A-Z0-9<]{9}[0-9<][A-Z0-9<]{10,}\s*$", 4.0, mrz_line=True),
        signal(r"\bcard\s+(?:no|number)\b|\bid\s+no\b", 1.0),
    )


class DriversLicenseExtractor(IdentityMixin, Extractor):
    kind = DocKind.DRIVERS_LICENSE
    fields = IDENTITY_FIELDS + EXTRA_FIELDS
    signals: ClassVar[tuple[Signal, ...]] = (
        signal(
            r"DRIVER'?S?\s*LICEN[CS]E|PERMIS\s+DE\s+CONDUIRE|F[UÜ]HRERSCHEIN|LICENCIA\s+DE\s+CONDUCIR", 4.0
        ),
        signal(r"ANSI\s*636\d{3}|\bAAMVA\b", 5.0),
        signal(r"\b4d\s*DLN\b|\bDLN\b|\bDL\s*(?:NO|#)", 2.0),
        signal(r"\bCLASS\b", 1.0),
        signal(r"\bENDORSEMENTS?\b|\bEND\s+NONE\b|\bRESTRICTIONS?\b|\bRSTR\b", 1.5),
        signal(r"\b4b\s*EXP\b|\b3\s*DOB\b|\b4a\s*ISS\b|\bDD\b\s*\d", 1.5),
        # AAMVA's numbered labels beyond the dates, and the issuing motor-vehicle agency: what a licence
        # photo still shows when OCR lost its coloured title band (and the barcode did not decode).
        signal(r"\b15\s*SEX\b|\b16\s*HGT\b|\b18\s*EYES\b|\b9\s*CLASS\b", 1.0),
        signal(r"\bMOTOR\s+VEHICLES?\b|\bDMV\b|\bDRIVER\s+SERVICES\b", 2.0),
        signal(r"\bDL\b", 0.5),
    )
    viz_rules = _COMMON_RULES[:2] + _LICENCE_RULES + _COMMON_RULES[2:]
    # US licences print MM/DD/YYYY.
    dayfirst = False

    def _complete(self, fields: dict[str, FieldValue], lines: Sequence[Line]) -> None:
        if "issuing_country" not in fields:
            country = _licence_country(lines)
            if country is not None:
                fields["issuing_country"] = FieldValue(value=country, confidence=0.6, source="derived")
