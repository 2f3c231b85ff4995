"""ICAO 9303 machine-readable zones: find, repair, parse and grade them.

Formats read: TD3 (passports, 2 x 44), TD2 (2 x 36), TD1 (ID cards, 3 x 30) and the visa formats
MRV-A (2 x 44) and MRV-B (2 x 36), which are laid out like TD3 / TD2 without a composite digit.

Nothing here raises on a bad scan. A zone that was found but does not add up is still returned,
with graded validity (PassportEye's lesson): one boolean per check digit, whether the line lengths
were right, and a 0..1 score, so the rules stage can say *which* digit failed.

OCR repairs are deliberately limited to look-alike characters:

* by field type: a letter in a numeric field becomes the digit it resembles (``O`` -> ``0``) and a
  digit in a letter field the letter (``0`` -> ``O``); this is unambiguous.
* guided by a check digit: in a mixed field (document number, optional data) one look-alike swap is
  tried per failing check, and kept only when exactly one swap makes the digit agree. A digit that
  was changed to another digit (``2`` -> ``8``: a forged expiry) is never "repaired".

Every repair is recorded, and a repaired zone scores a little below a clean one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, TypeVar

import numpy as np

from extractors.layout import Line, union_bbox
from extractors.ocr import OcrEngine, OcrError, default_engine
from pipeline.models import BBox, Word

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
FILLER = "<"

# Characters OCR prints for the filler '<'. '«' is usually two fillers read as one glyph.
_FILLER_LOOKALIKES = {
    "«": "<<",
    "‹": "<",
    "(": "<",
    "{": "<",
    "[": "<",
    "≤": "<",
    "¢": "<",
    "-": "<",
    "_": "<",
    "—": "<",
    "–": "<",
    "|": "I",
}
_LOWER_FILLER_RUN = re.compile(r"(?<=[<«])[ce]{2,}")
"""Two or more lower-case 'c'/'e' right after a filler: the rest of the filler run, misread."""
_DROPPED = set(" \t.,;:'\"`’‘´")

# Type repairs: a letter where a digit must be, a digit where a letter must be.
_LETTER_TO_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "T": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
    "A": "4",
}
_DIGIT_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"}
# Look-alike swaps tried under a check digit in mixed (alphanumeric) fields.
# ('<' / 'K' is absent on purpose: K is worth 20, so a check digit cannot tell them apart.)
_SWAPS = {
    "0": "O",
    "O": "0",
    "Q": "0",
    "1": "I",
    "I": "1",
    "2": "Z",
    "Z": "2",
    "5": "S",
    "S": "5",
    "6": "G",
    "G": "6",
    "8": "B",
    "B": "8",
}
# Tried only when no common swap satisfies a digit: OCR-B's Q read as 0 or O ("L7034747P" for
# "L7Q34747P"), a Z read as 7 ("L4A942517" for "L4A94251Z"). Tried with the others, they would make
# common repairs ambiguous.
_RARE_SWAPS = {"0": "Q", "O": "Q", "Q": "O", "7": "Z", "Z": "7"}

FieldType = Literal["alpha", "num", "alnum", "name", "sex", "check"]


@dataclass(frozen=True)
class FieldSpec:
    """One fixed-position field: line index, [start, end) columns and its character type."""

    name: str
    line: int
    start: int
    end: int
    kind: FieldType


@dataclass(frozen=True)
class CheckSpec:
    """One check digit: the spans it covers (line, start, end) and where the digit is."""

    name: str
    spans: tuple[tuple[int, int, int], ...]
    at: tuple[int, int]


@dataclass(frozen=True)
class MrzFormat:
    """A declarative MRZ layout: line count and length, fields and check digits."""

    name: str
    lines: int
    length: int
    fields: tuple[FieldSpec, ...]
    checks: tuple[CheckSpec, ...]


def _two_line(name: str, length: int, *, personal_check: bool, composite: bool) -> MrzFormat:
    """TD3 / TD2 / MRV-A / MRV-B: they share everything up to column 28 of line 2."""
    opt_end = length - (1 if composite else 0) - (1 if personal_check else 0)
    fields = [
        FieldSpec("document_code", 0, 0, 2, "alpha"),
        FieldSpec("issuing_country", 0, 2, 5, "alpha"),
        FieldSpec("names", 0, 5, length, "name"),
        FieldSpec("document_number", 1, 0, 9, "alnum"),
        FieldSpec("document_number_check", 1, 9, 10, "check"),
        FieldSpec("nationality", 1, 10, 13, "alpha"),
        FieldSpec("date_of_birth", 1, 13, 19, "num"),
        FieldSpec("date_of_birth_check", 1, 19, 20, "check"),
        FieldSpec("sex", 1, 20, 21, "sex"),
        FieldSpec("expiry_date", 1, 21, 27, "num"),
        FieldSpec("expiry_date_check", 1, 27, 28, "check"),
        FieldSpec("optional_data", 1, 28, opt_end, "alnum"),
    ]
    checks = [
        CheckSpec("document_number", ((1, 0, 9),), (1, 9)),
        CheckSpec("date_of_birth", ((1, 13, 19),), (1, 19)),
        CheckSpec("expiry_date", ((1, 21, 27),), (1, 27)),
    ]
    if personal_check:
        fields.append(FieldSpec("optional_data_check", 1, opt_end, opt_end + 1, "check"))
        checks.append(CheckSpec("optional_data", ((1, 28, opt_end),), (1, opt_end)))
    if composite:
        fields.append(FieldSpec("composite_check", 1, length - 1, length, "check"))
        checks.append(CheckSpec("composite", ((1, 0, 10), (1, 13, 20), (1, 21, length - 1)), (1, length - 1)))
    return MrzFormat(name, 2, length, tuple(fields), tuple(checks))


TD3 = _two_line("TD3", 44, personal_check=True, composite=True)
TD2 = _two_line("TD2", 36, personal_check=False, composite=True)
MRVA = _two_line("MRVA", 44, personal_check=False, composite=False)
MRVB = _two_line("MRVB", 36, personal_check=False, composite=False)
TD1 = MrzFormat(
    "TD1",
    3,
    30,
    (
        FieldSpec("document_code", 0, 0, 2, "alpha"),
        FieldSpec("issuing_country", 0, 2, 5, "alpha"),
        FieldSpec("document_number", 0, 5, 14, "alnum"),
        FieldSpec("document_number_check", 0, 14, 15, "check"),
        FieldSpec("optional_data", 0, 15, 30, "alnum"),
        FieldSpec("date_of_birth", 1, 0, 6, "num"),
        FieldSpec("date_of_birth_check", 1, 6, 7, "check"),
        FieldSpec("sex", 1, 7, 8, "sex"),
        FieldSpec("expiry_date", 1, 8, 14, "num"),
        FieldSpec("expiry_date_check", 1, 14, 15, "check"),
        FieldSpec("nationality", 1, 15, 18, "alpha"),
        FieldSpec("optional_data_2", 1, 18, 29, "alnum"),
        FieldSpec("composite_check", 1, 29, 30, "check"),
        FieldSpec("names", 2, 0, 30, "name"),
    ),
    (
        CheckSpec("document_number", ((0, 5, 14),), (0, 14)),
        CheckSpec("date_of_birth", ((1, 0, 6),), (1, 6)),
        CheckSpec("expiry_date", ((1, 8, 14),), (1, 14)),
        CheckSpec("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
    ),
)
FORMATS: tuple[MrzFormat, ...] = (TD3, TD2, TD1, MRVA, MRVB)

# Repairs lower the score by this much each (a clean zone beats a repaired one on ties).
_REPAIR_PENALTY = 0.02


# --------------------------------------------------------------------------------------------------
# Check digits.


def char_value(char: str) -> int:
    """ICAO value of one MRZ character: digits as such, A=10..Z=35, filler (and anything else) 0."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return 0


def check_digit(text: str) -> str:
    """The ICAO 9303 check digit of ``text`` (weights 7, 3, 1 repeating)."""
    total = sum(char_value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(text))
    return str(total % 10)


def _digit_matches(text: str, digit: str) -> bool:
    # A filler in the check position stands for 0 (ICAO allows '<' when the field is empty).
    return check_digit(text) == ("0" if digit == FILLER else digit)


# --------------------------------------------------------------------------------------------------
# Cleaning raw OCR text into MRZ characters.


def normalize_mrz_text(text: str) -> str:
    """Upper-case, drop spaces and punctuation, map filler look-alikes ('«', '(', '-') to '<'.

    A zone is printed in capitals only, and a reader without the MRZ alphabet often reads a run of
    chevrons as lower-case 'c' and 'e' ("<<<<<<<ceeeeeeee"): such a run after a filler is fillers,
    not the letters C and E (which, in capitals, stay as read).
    """
    text = _LOWER_FILLER_RUN.sub(lambda m: FILLER * len(m.group()), text)
    out: list[str] = []
    for char in text.upper():
        if char in _DROPPED:
            continue
        mapped = _FILLER_LOOKALIKES.get(char, char)
        out.append(mapped)
    return "".join(c for c in "".join(out) if c in MRZ_ALPHABET)


def mrz_likeness(text: str) -> float:
    """0..1: how much a line of OCR text looks like an MRZ line (length, alphabet, fillers)."""
    compact = "".join(c for c in text if not c.isspace())
    if len(compact) < 20:
        return 0.0
    in_alphabet = sum(1 for c in compact.upper() if c in MRZ_ALPHABET or c in _FILLER_LOOKALIKES)
    ratio = in_alphabet / len(compact)
    if ratio < 0.85:
        return 0.0
    # A general OCR pass often reads a filler run as 'KKK': those count as fillers here.
    fillers = len(re.findall(r"[<«]|K(?=K)", compact.upper()))
    # Mostly lower case with few fillers is prose (a bilingual header), not a zone in capitals.
    if sum(c.islower() for c in compact) > 0.3 * len(compact) and fillers < 5:
        return 0.0
    digits = sum(c.isdigit() for c in compact)
    lower = sum(c.islower() for c in compact)
    # Without fillers, a line must at least look like a data line (many digits, no prose).
    if fillers < 2 and (digits < 0.25 * len(compact) or lower > 2):
        return 0.0
    length_fit = min(1.0, len(compact) / 30)
    return round(ratio * length_fit * (1.0 if fillers >= 2 else 0.8), 3)


def _fit_length(line: str, length: int, *, names: bool) -> tuple[str, bool]:
    """Pad or trim a line to ``length``; returns the line and whether it had the right length.

    OCR mostly loses or adds fillers (a long '<' run is easy to miscount), so characters are added
    to or taken from the longest '<' run; a names line (whose tail is all fillers) is cut or padded
    at its end.
    """
    if len(line) == length:
        return line, True
    if names:
        return (line + FILLER * length)[:length], False
    while len(line) != length:
        runs = [(m.end() - m.start(), m.start(), m.end()) for m in re.finditer(r"<+", line)]
        if len(line) > length:
            if not runs:
                return line[:length], False
            _, start, _ = max(runs)
            line = line[:start] + line[start + 1 :]
        else:
            if not runs:
                return line + FILLER * (length - len(line)), False
            _, _, end = max(runs)
            line = line[:end] + FILLER + line[end:]
    return line, False


# --------------------------------------------------------------------------------------------------
# The parsed zone.

_FIELD_SHAPES = {
    "document_code": re.compile(r"^[A-Z][A-Z<]$"),
    "issuing_country": re.compile(r"^[A-Z]+<*$"),
    "nationality": re.compile(r"^[A-Z]+<*$"),
    "document_number": re.compile(r"^[A-Z0-9]+<*$"),
}
"""Shapes a field can have (ICAO 9303: codes start with a letter; fillers pad at the end only)."""


@dataclass(frozen=True)
class MRZ:
    """A parsed machine-readable zone with graded validity.

    Attributes:
        format: "TD1", "TD2", "TD3", "MRVA" or "MRVB".
        lines: the zone after cleaning and repairs, each of the format's length.
        raw_lines: the text as read, before cleaning.
        values: raw field strings by name (``document_number``, ``date_of_birth`` as YYMMDD, ...).
        checks: per check digit (``document_number``, ``date_of_birth``, ``expiry_date``,
            ``optional_data``, ``composite``, as the format has them), whether it agrees.
        valid_line_lengths: whether every line was read at the format's length.
        repairs: human-readable notes of every look-alike correction made.
    """

    format: str
    lines: tuple[str, ...]
    raw_lines: tuple[str, ...]
    values: dict[str, str]
    checks: dict[str, bool]
    valid_line_lengths: bool
    repairs: tuple[str, ...] = ()

    @property
    def valid_check_digits(self) -> bool:
        return all(self.checks.values())

    @property
    def valid(self) -> bool:
        """Every check digit agrees (line lengths may have been fixed up by padding)."""
        return self.valid_check_digits

    @property
    def score(self) -> float:
        """0..1: share of check digits, line lengths and dates that are right, less repairs."""
        parts = [
            *self.checks.values(),
            self.valid_line_lengths,
            self.date_of_birth() is not None,
            self.expiry_date() is not None,
        ]
        raw = sum(parts) / len(parts)
        return round(max(0.0, raw - _REPAIR_PENALTY * len(self.repairs)), 3)

    @property
    def well_formed(self) -> bool:
        """Whether the code, country and number fields have a possible shape: a letter first, fillers
        only as padding at the end. Check digits do not cover the codes, and a realigned line can
        verify with a field shifted ("<<DEU" for "I<DEU", "<R922658" for "R9226585"): such a reading
        must lose to one whose fields are well formed."""
        for name, shape in _FIELD_SHAPES.items():
            value = self.values.get(name)
            if value is not None and not shape.match(value):
                return False
        return True

    def checks_summary(self) -> str:
        """``"document_number:ok,date_of_birth:ok,expiry_date:bad,composite:ok"``."""
        return ",".join(f"{name}:{'ok' if ok else 'bad'}" for name, ok in self.checks.items())

    @property
    def surname(self) -> str:
        return _split_names(self.values.get("names", ""))[0]

    @property
    def given_names(self) -> str:
        return _split_names(self.values.get("names", ""))[1]

    @property
    def document_number(self) -> str:
        return self.values.get("document_number", "").replace(FILLER, "")

    @property
    def sex(self) -> str:
        value = self.values.get("sex", "")
        return value if value in ("M", "F") else "X"

    def date_of_birth(self, today: date | None = None) -> date | None:
        """Birth date; a two-digit year goes to the latest century that keeps it in the past."""
        return _resolve_date(self.values.get("date_of_birth", ""), today or date.today(), birth=True)

    def expiry_date(self, today: date | None = None) -> date | None:
        """Expiry date; two-digit years up to 50 years ahead are this century, the rest the last."""
        return _resolve_date(self.values.get("expiry_date", ""), today or date.today(), birth=False)

    def to_fields(self, today: date | None = None) -> dict[str, str | list[str] | None]:
        """The DESIGN.md identity fields this zone carries, plus ``mrz`` (its lines)."""
        dob, expiry = self.date_of_birth(today), self.expiry_date(today)
        surname, given = self.surname, self.given_names
        return {
            "surname": surname or None,
            "given_names": given or None,
            "full_name": " ".join(p for p in (given, surname) if p) or None,
            "document_number": self.document_number or None,
            "date_of_birth": dob.isoformat() if dob else None,
            "expiry_date": expiry.isoformat() if expiry else None,
            "issuing_country": self.values.get("issuing_country", "").replace(FILLER, "") or None,
            "nationality": self.values.get("nationality", "").replace(FILLER, "") or None,
            "sex": self.sex,
            "mrz": list(self.lines),
        }

    def to_dict(self) -> dict[str, object]:
        """Everything, JSON-ready: values, per-check results, validity, score and repairs."""
        return {
            "format": self.format,
            "lines": list(self.lines),
            "values": dict(self.values),
            "checks": dict(self.checks),
            "valid_check_digits": self.valid_check_digits,
            "valid_line_lengths": self.valid_line_lengths,
            "score": self.score,
            "repairs": list(self.repairs),
        }


def _split_names(field_text: str) -> tuple[str, str]:
    """``ERIKSSON<<ANNA<MARIA<<<`` -> (``ERIKSSON``, ``ANNA MARIA``).

    Letters after a second double filler are still given names: a zone is padded with fillers only,
    so they are a name whose separating filler OCR doubled ("KENNET<<MAR" read from KENNETH<MARK).
    """
    surname, _, rest = field_text.partition("<<")
    return surname.replace(FILLER, " ").strip(), " ".join(rest.replace(FILLER, " ").split())


def _resolve_date(yymmdd: str, today: date, *, birth: bool) -> date | None:
    if not re.fullmatch(r"\d{6}", yymmdd):
        return None
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    candidates: tuple[int, ...]
    if birth:
        candidates = (2000 + yy, 1900 + yy)
    else:
        candidates = (2000 + yy, 1900 + yy) if 2000 + yy <= today.year + 50 else (1900 + yy,)
    for year in candidates:
        try:
            resolved = date(year, month, day)
        except ValueError:
            return None
        if not birth or resolved <= today:
            return resolved
    return None


# --------------------------------------------------------------------------------------------------
# Parsing.


def parse_mrz(texts: Sequence[str], fmt: MrzFormat | None = None, *, ocr: bool = True) -> MRZ | None:
    """Parse MRZ lines as read (OCR noise allowed); ``None`` only when nothing MRZ-like is there.

    Args:
        texts: the zone's lines, top to bottom, as read.
        fmt: force a layout; by default every layout with this many lines is tried and the one
            that scores best is kept.
        ocr: whether the text was OCR'd. A text layer has no look-alike slips, so then no
            check-digit-guided repair is tried (it could only hide an edit).

    Returns:
        The parsed zone with graded validity, or ``None`` for fewer than two non-empty lines.
    """
    cleaned = [normalize_mrz_text(t) for t in texts]
    cleaned = [c for c in cleaned if c]
    if len(cleaned) < 2:
        return None
    formats = (fmt,) if fmt else tuple(f for f in FORMATS if f.lines == len(cleaned))
    if not formats:
        return None
    attempts = [_parse_as(f, cleaned, tuple(texts), ocr=ocr) for f in formats]
    if ocr:
        attempts += [_realign(f, cleaned, tuple(texts)) for f in formats]
    parsed = [r for r in attempts if r is not None]
    return max(parsed, key=_rank, default=None)


def _rank(mrz: MRZ) -> tuple[float, float, float]:
    # Well-formed fields first, then score; on a tie prefer the layout whose lengths were read as printed.
    return (float(mrz.well_formed), mrz.score, float(mrz.valid_line_lengths))


def _parse_as(fmt: MrzFormat, cleaned: list[str], raw: tuple[str, ...], *, ocr: bool) -> MRZ | None:
    code = cleaned[0][:1]
    # Visas start with V; passports (TD3) with P; cards with I, A or C. A mismatched first letter
    # is allowed (OCR), but the visa layouts are only tried for 'V' so that a passport with a bad
    # composite digit is not re-read as a visa that has none.
    if fmt.name.startswith("MRV") and code != "V":
        return None
    fitted: list[str] = []
    lengths_ok = True
    names_line = next((f.line for f in fmt.fields if f.kind == "name"), -1)
    for i, line in enumerate(cleaned):
        # Reject lines far off the format's length: they belong to another layout. A names line
        # may be much shorter (its filler tail is the part OCR loses most).
        slack = max(4, fmt.length // 6)
        too_short = len(line) < (fmt.length // 2 if i == names_line else fmt.length - slack)
        if too_short or len(line) > fmt.length + slack:
            return None
        fixed, ok = _fit_length(line, fmt.length, names=i == names_line)
        fitted.append(fixed)
        lengths_ok &= ok
    chars = [list(line) for line in fitted]
    repairs: list[str] = []
    _repair_by_type(fmt, chars, repairs)
    if ocr:
        _restore_filler_checks(fmt, chars, repairs)
        _repair_by_checks(fmt, chars, repairs)
        _restore_lost_code_letter(fmt, chars, repairs)
    lines = tuple("".join(c) for c in chars)
    values = {f.name: lines[f.line][f.start : f.end] for f in fmt.fields}
    if fmt.name == "TD1":
        _td1_long_document_number(values, lines)
    checks = {c.name: _check_ok(c, lines) for c in fmt.checks}
    if fmt.name == "TD1" and values.get("document_number_long"):
        checks["document_number"] = True
    return MRZ(fmt.name, lines, raw, values, checks, lengths_ok, tuple(repairs))


def _realign(fmt: MrzFormat, cleaned: list[str], raw: tuple[str, ...]) -> MRZ | None:
    """Fix one inserted or lost character in a data line by asking the check digits where it was.

    OCR sometimes adds a glyph ("UTO0740812") or loses one inside a line; the filler-run guess of
    :func:`_fit_length` cannot place that. Every single deletion (line one too long) or filler
    insertion (one too short) is tried and the reading that verifies best is kept, marked as a
    repair and with ``valid_line_lengths`` false.
    """
    if len(cleaned) != fmt.lines:
        return None
    names_line = next((f.line for f in fmt.fields if f.kind == "name"), -1)
    best: tuple[tuple[float, ...], MRZ] | None = None
    for index, line in enumerate(cleaned):
        if index == names_line or abs(len(line) - fmt.length) != 1:
            continue
        if len(line) > fmt.length:
            variants = [(i, line[:i] + line[i + 1 :]) for i in range(len(line))]
        else:
            variants = [(i, line[:i] + FILLER + line[i:]) for i in range(len(line) + 1)]
        for at, variant in variants:
            trial = [*cleaned[:index], variant, *cleaned[index + 1 :]]
            mrz = _parse_as(fmt, trial, raw, ocr=True)
            if mrz is None:
                continue
            # Several readings may verify (a line of 44 places to cut, each with look-alike swaps,
            # against two or three check digits): the one needing fewest swaps, then the one cut
            # nearest an end of the line, where a stray mark beside the zone is read as a glyph.
            key = (*_rank(mrz), -sum(r.count("->") for r in mrz.repairs), -min(at, len(line) - 1 - at))
            if best is None or key > best[0]:
                best = (key, mrz)
    if best is None:
        return None
    best_mrz = best[1]
    note = f"line length realigned by check digits ({fmt.name})"
    return replace(best_mrz, valid_line_lengths=False, repairs=(*best_mrz.repairs, note))


def _check_ok(spec: CheckSpec, lines: Sequence[str]) -> bool:
    covered = "".join(lines[ln][s:e] for ln, s, e in spec.spans)
    return _digit_matches(covered, lines[spec.at[0]][spec.at[1]])


def _repair_by_type(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """Letters in numeric fields become digits, digits in letter fields letters (look-alikes only)."""
    for spec in fmt.fields:
        row = chars[spec.line]
        for col in range(spec.start, spec.end):
            char = row[col]
            new = char
            if spec.kind in ("num", "check") and char.isalpha():
                new = _LETTER_TO_DIGIT.get(char, char)
            elif spec.kind in ("alpha", "name") and char.isdigit():
                new = _DIGIT_TO_LETTER.get(char, char)
            elif spec.kind == "sex" and char not in "MFX<":
                new = {"H": "M", "N": "M", "E": "F", "P": "F", "K": "<"}.get(char, char)
            if new != char:
                row[col] = new
                repairs.append(f"{spec.name}[{col - spec.start}] {char}->{new}")
    _repair_document_code(fmt, chars, repairs)
    if any(f.kind == "name" for f in fmt.fields):
        _repair_name_fillers(fmt, chars, repairs)


# ICAO 9303 document codes open with P (passports), V (visas) or I, A, C (cards and TD2 documents).
_CODE_LETTERS = {"TD3": "P", "MRVA": "V", "MRVB": "V", "TD1": "IAC", "TD2": "IAC"}
# What OCR prints for them, mostly at the very edge of a cropped line ("I<" read as "T<").
_CODE_LOOKALIKES = {"T": "I", "L": "I", "J": "I", "R": "P", "F": "P", "G": "C", "O": "C", "Y": "V"}


def _repair_document_code(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """A document code's first letter outside the format's set becomes the code letter it resembles."""
    char = chars[0][0]
    new = _CODE_LOOKALIKES.get(char, char)
    if char not in _CODE_LETTERS[fmt.name] and new in _CODE_LETTERS[fmt.name]:
        chars[0][0] = new
        repairs.append(f"document_code[0] {char}->{new}")


def _repair_name_fillers(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """'K' read for '<' in the filler run that ends the names (``ANNA<K<<K<`` -> ``ANNA<<<<<<``).

    Only a K that follows a filler inside the final run of fillers and K's is changed: a name's own
    K ("ERIK<<<") follows a letter. A one-letter K initial at the very end is lost; Tesseract's
    K-for-'<' slip is far more common than that initial.
    """
    spec = next(f for f in fmt.fields if f.kind == "name")
    _clear_after_names(spec, chars, repairs)
    text = "".join(chars[spec.line][spec.start : spec.end])
    tail = re.search(r"[<K]*$", text)
    if tail is None or "<" not in tail.group():
        return
    fixed = re.sub(r"(?<=<)K", "<", tail.group())
    while fixed != re.sub(r"(?<=<)K", "<", fixed):
        fixed = re.sub(r"(?<=<)K", "<", fixed)
    if fixed == tail.group():
        return
    for offset, new in enumerate(fixed):
        chars[spec.line][spec.start + tail.start() + offset] = new
    repairs.append(f"names filler tail {tail.group()}->{fixed}")


_MAX_STRAY_AFTER_PADDING = 2
"""Most letters seen after the names' padding that are taken for misread fillers."""


def _clear_after_names(spec: FieldSpec, chars: list[list[str]], repairs: list[str]) -> None:
    """A letter or two after the padding has begun are misread fillers (``ERIC<JACOB<<<<<<<<C<``).

    Names are ``SURNAME<<GIVEN<NAMES``: the double filler appears once, between the parts; three
    fillers after the given names have begun are the padding, and only fillers follow it.
    """
    text = "".join(chars[spec.line][spec.start : spec.end])
    separator = text.find("<<")
    if separator <= 0:
        return
    given_start = separator + 2
    while given_start < len(text) and text[given_start] == FILLER:
        given_start += 1
    padding = text.find("<<<", given_start)
    stray = [c for c in text[padding:] if c != FILLER] if padding >= 0 else []
    # A longer run after three fillers may be a name OCR split with extra fillers: left as read.
    if not stray or len(stray) > _MAX_STRAY_AFTER_PADDING:
        return
    cleared = text[:padding] + FILLER * (len(text) - padding)
    for offset, new in enumerate(cleared):
        chars[spec.line][spec.start + offset] = new
    repairs.append(f"names after padding {text[padding:]}->{cleared[padding:]}")


_STATE_CODES = ("issuing_country", "nationality")


def _restore_lost_code_letter(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """A state code read as two letters and a filler ("DE<" beside the zone's "DEU") lost its third
    letter to OCR, and fitting the line to length put a filler in its place. ICAO 9303's state codes
    are three letters, or "D" alone, never two; no check digit covers them, and the zone's other
    code starting with the same two letters says which letter was lost (a holder's nationality is
    nearly always the issuing state's)."""
    specs = {f.name: f for f in fmt.fields if f.name in _STATE_CODES}
    if len(specs) != len(_STATE_CODES):
        return
    values = {name: "".join(chars[f.line][f.start : f.end]) for name, f in specs.items()}
    for name, other in (_STATE_CODES, _STATE_CODES[::-1]):
        read, witness = values[name], values[other]
        if re.fullmatch(r"[A-Z]{2}<", read) and re.fullmatch(r"[A-Z]{3}", witness) and witness[:2] == read[:2]:
            spec = specs[name]
            chars[spec.line][spec.end - 1] = witness[2]
            repairs.append(f"{name}[2] <->{witness[2]} (a letter lost; the zone's {other} is {witness})")


_MAX_NUMBER_PREFIX = 3
"""Letters a document number starts with, at most (``L898902C3``, ``AA0000000``, ``ZE000509``)."""

_NUMBER_SHAPE = re.compile(rf"[A-Z]{{0,{_MAX_NUMBER_PREFIX}}}[0-9]+<*")
"""A document number as most are printed: a short letter prefix, a digit serial, filler padding."""

Fix = tuple[tuple[int, int, str, str], ...]
"""Character changes (line, column, read, repaired) that together make one check digit agree."""


_DATE_CHECKS = frozenset({"date_of_birth", "expiry_date"})


def _restore_filler_checks(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """A date's or a document number's check digit read as a filler ('341113<' for 3411137, or lost
    and padded back as one) gets the digit its field computes, when the composite, which covers that
    digit, then verifies.

    ICAO 9303 never prints a filler for a date's check digit, nor for a document number's but in
    TD1's long-number scheme (the number runs on into the optional data, which then starts with its
    characters, not a filler), so the '<' is the reader's; the composite is the independent witness
    (a wrong field or digit satisfies it one time in ten).
    """
    composite = next((c for c in fmt.checks if c.name == "composite"), None)
    if composite is None:
        return
    for spec in fmt.checks:
        line, col = spec.at
        covered = "".join("".join(chars[ln][start:end]) for ln, start, end in spec.spans)
        if chars[line][col] != FILLER or not _filler_never_printed(fmt, spec, chars, covered):
            continue
        trial = [list(row) for row in chars]
        trial[line][col] = check_digit(covered)
        if _check_ok(composite, ["".join(row) for row in trial]):
            chars[line][col] = trial[line][col]
            repairs.append(f"{spec.name} check: line {line + 1} col {col + 1} <->{trial[line][col]}")


def _filler_never_printed(fmt: MrzFormat, spec: CheckSpec, chars: list[list[str]], covered: str) -> bool:
    """Whether ``spec``'s check digit can never be a printed filler: a date's (over a date read as
    digits), or a document number's outside TD1's long-number scheme."""
    if spec.name in _DATE_CHECKS:
        return covered.isdigit()
    if spec.name != "document_number" or covered.strip(FILLER) == "":
        return False
    optional = next((f for f in fmt.fields if f.name == "optional_data" and f.line == spec.at[0]), None)
    return fmt.name != "TD1" or optional is None or chars[optional.line][optional.start] == FILLER


def _repair_by_checks(fmt: MrzFormat, chars: list[list[str]], repairs: list[str]) -> None:
    """For each failing check, try look-alike repairs of its mixed fields; keep a unique fix.

    Two kinds of hypothesis are tried: one look-alike swap anywhere in the field, and (for a
    field's own check, not the composite) the field read as letters then digits
    (:func:`_split_readings`), which repairs a whole serial whose zeros came out as 'O' or 'Q'.
    Field checks go first; the composite then may only touch characters that no field check
    covers (optional data without its own digit), so it never overrides a field's own verdict.
    The rare swaps (``_RARE_SWAPS``) are a second round, for a digit no common swap satisfies.
    """
    alnum = {(f.line, col) for f in fmt.fields if f.kind == "alnum" for col in range(f.start, f.end)}
    own_check = {
        (ln, col) for c in fmt.checks if c.name != "composite" for ln, s, e in c.spans for col in range(s, e)
    }
    for spec in sorted(fmt.checks, key=lambda c: c.name == "composite"):
        positions = [(ln, col) for ln, s, e in spec.spans for col in range(s, e)]
        lines = ["".join(r) for r in chars]
        digit = lines[spec.at[0]][spec.at[1]]
        # A filler check digit over a non-empty field is TD1's long-number marker, not an OCR slip.
        if _check_ok(spec, lines) or not digit.isdigit():
            continue
        candidates = [p for p in positions if p in alnum]
        fixes: list[Fix] = []
        for swaps in (_SWAPS, _RARE_SWAPS):
            hypotheses: list[Fix] = [
                ((ln, col, chars[ln][col], alt),)
                for ln, col in candidates
                for alt in swaps.get(chars[ln][col], "")
            ]
            if spec.name == "composite":
                hypotheses = [h for h in hypotheses if (h[0][0], h[0][1]) not in own_check]
                hypotheses += _stray_fillers([p for p in candidates if p not in own_check], chars)
            elif swaps is _SWAPS:
                hypotheses += _split_readings(chars, candidates)
            fixes = _disambiguate(
                fmt, spec, chars, [h for h in set(hypotheses) if _fix_satisfies(spec, chars, h)]
            )
            if fixes:
                break
        if len({_apply(chars, fix) for fix in fixes}) == 1:
            for ln, col, original, alt in fixes[0]:
                chars[ln][col] = alt
            changes = ", ".join(f"line {ln + 1} col {col + 1} {a}->{b}" for ln, col, a, b in fixes[0])
            repairs.append(f"{spec.name} check: {changes}")


def _stray_fillers(positions: Sequence[tuple[int, int]], chars: list[list[str]]) -> list[Fix]:
    """Every lone letter amid the fillers of optional data read back as a filler, as one hypothesis
    for the composite check: OCR-B's '<' reads 'E', 'K' or 'C' now and then ("<<<<E<E<<<<"),
    and optional data is printed as words or serials, never as single letters between fillers."""
    changes = []
    for ln, col in positions:
        row = chars[ln]
        before = row[col - 1] if col > 0 else "<"
        after = row[col + 1] if col + 1 < len(row) else "<"
        if row[col].isalpha() and before == "<" and after == "<":
            changes.append((ln, col, row[col], "<"))
    return [tuple(changes)] if changes else []


def _split_readings(chars: list[list[str]], positions: Sequence[tuple[int, int]]) -> list[Fix]:
    """The field read as a letter prefix then a digit serial, for every split point.

    Document numbers are mostly printed that way (``AA0000000``), and Tesseract reads a run of
    zeros in OCR-B as 'O', 'Q' or 'D' together, which one swap cannot repair. Only look-alikes
    change; fillers and characters without a look-alike stay. The prefix is at most
    ``_MAX_NUMBER_PREFIX`` long: longer ones are not how numbers are printed, and each extra
    hypothesis is another 1-in-10 chance of satisfying the digit by accident.
    """
    readings: list[Fix] = []
    for split in range(min(_MAX_NUMBER_PREFIX, len(positions)) + 1):
        changes = []
        for index, (ln, col) in enumerate(positions):
            char = chars[ln][col]
            new = _DIGIT_TO_LETTER.get(char, char) if index < split else _LETTER_TO_DIGIT.get(char, char)
            if new != char:
                changes.append((ln, col, char, new))
        if len(changes) > 1:  # one change is already a single-swap hypothesis
            readings.append(tuple(changes))
    return readings


def _apply(chars: list[list[str]], fix: Fix) -> tuple[str, ...]:
    """The zone's lines with ``fix`` applied (``chars`` is left as it was)."""
    rows = [list(r) for r in chars]
    for ln, col, _, new in fix:
        rows[ln][col] = new
    return tuple("".join(r) for r in rows)


def _fix_satisfies(spec: CheckSpec, chars: list[list[str]], fix: Fix) -> bool:
    return _check_ok(spec, _apply(chars, fix))


def _disambiguate(fmt: MrzFormat, spec: CheckSpec, chars: list[list[str]], fixes: list[Fix]) -> list[Fix]:
    """Several fixes satisfy one digit (a 1-in-10 chance each): keep those the composite confirms,
    then the most plausible: a field printed as letters then digits, assuming the fewest slips."""
    composite = next((c for c in fmt.checks if c.name == "composite"), None)
    if len({_apply(chars, f) for f in fixes}) > 1 and composite is not None and spec is not composite:
        fixes = [fix for fix in fixes if _fix_satisfies(composite, chars, fix)]

    def plausibility(fix: Fix) -> tuple[bool, int]:
        lines = _apply(chars, fix)
        text = "".join(lines[ln][s:e] for ln, s, e in spec.spans)
        return bool(_NUMBER_SHAPE.fullmatch(text)), -len(fix)

    best = max((plausibility(fix) for fix in fixes), default=None)
    return [fix for fix in fixes if plausibility(fix) == best]


def prefer_printed(mrz: MRZ, name: str, printed: str) -> MRZ:
    """The zone with a guessed repair of field ``name`` replaced by the value printed in the visual
    zone, when the print is the better witness; else the zone unchanged.

    A repair guided by one check digit is right nine times in ten: a slip that is no look-alike
    ('6' read as '0') leaves the repair to pick whichever look-alike satisfies the digit by chance
    ('0'->'Q'). The print is independent evidence. It wins only when the field was repaired, the
    printed value fits the field, and with it in place the field's own check digit and the
    composite (where the format has one) agree: a forged print over a genuine zone matches neither.
    """
    fmt = next(f for f in FORMATS if f.name == mrz.format)
    spec = next((f for f in fmt.fields if f.name == name), None)
    own = next((c for c in fmt.checks if c.name == name), None)
    value = re.sub(r"[^A-Z0-9]", "", printed.upper())
    if spec is None or own is None or not value or len(value) > spec.end - spec.start:
        return mrz
    width = spec.end - spec.start
    current = mrz.values.get(name, "")
    if value == current.rstrip(FILLER) or not any(r.startswith(name) for r in mrz.repairs):
        return mrz
    rows = [list(line) for line in mrz.lines]
    rows[spec.line][spec.start:spec.end] = list(value.ljust(width, FILLER))
    lines = tuple("".join(row) for row in rows)
    composite = next((c for c in fmt.checks if c.name == "composite"), None)
    if not _check_ok(own, lines) or (composite is not None and not _check_ok(composite, lines)):
        return mrz
    reparsed = _parse_as(fmt, list(lines), mrz.raw_lines, ocr=False)
    if reparsed is None:
        return mrz
    kept = tuple(r for r in mrz.repairs if not r.startswith(name))
    return replace(reparsed, valid_line_lengths=mrz.valid_line_lengths,
                   repairs=(*kept, f"{name} from print {current.rstrip(FILLER)}->{value}"))


def _td1_long_document_number(values: dict[str, str], lines: Sequence[str]) -> None:
    """TD1 numbers over 9 characters: '<' in the check position, the rest in the optional field.

    The extension ends with the number's own check digit, which then covers all the characters.
    """
    if values.get("document_number_check") != FILLER:
        return
    extension = values.get("optional_data", "").split(FILLER)[0]
    if len(extension) < 2:
        return
    number = values["document_number"] + extension[:-1]
    if _digit_matches(number, extension[-1]):
        values["document_number"] = number
        values["document_number_long"] = "1"


# --------------------------------------------------------------------------------------------------
# Finding a zone among a document's lines.

_Row = TypeVar("_Row", Line, Word)
"""A line of text: a reader's line of words, or one word holding a whole re-read MRZ line."""


@dataclass(frozen=True)
class FoundMRZ:
    """A zone found among a document's lines: the parse and where it is printed."""

    mrz: MRZ
    page: int
    bbox: BBox
    confidence: float
    lines: tuple[Line, ...] = field(default=())


def find_mrz(lines: Sequence[Line], *, text_pages: frozenset[int] = frozenset()) -> FoundMRZ | None:
    """The best-scoring MRZ among runs of consecutive MRZ-like lines (any page), or ``None``.

    Args:
        lines: a document's lines in reading order.
        text_pages: numbers of pages read from a text layer (no check-digit-guided repair there).
    """
    best: FoundMRZ | None = None
    for group in _candidate_groups(lines):
        for window in _windows(group):
            ocr = window[0].page not in text_pages
            readings = {tuple(ln.text for ln in window), tuple(_without_stray_edges(ln) for ln in window)}
            parsed = [m for m in (parse_mrz(list(texts), ocr=ocr) for texts in readings) if m is not None]
            if not parsed:
                continue
            mrz = max(parsed, key=_rank)
            confidence = min(w.confidence for ln in window for w in ln.words)
            found = FoundMRZ(
                mrz, window[0].page, union_bbox(ln.bbox for ln in window), confidence, tuple(window)
            )
            if best is None or _rank(found.mrz) > _rank(best.mrz):
                best = found
    return best


_STRAY_EDGE_CHARS = 2
"""Most letters and digits in a separate word at a line's end that may be a mark beside the zone."""


def _without_stray_edges(line: Line) -> str:
    """A line's text without a short separate word at either end.

    A photo's card edge, a shadow or a hologram beside the zone reads as a lone ``|`` or ``I``
    word left of the first character; glued on, it shifts the whole line by one. A zone's own
    text can also start with a short word (``P<`` then a space), which is why the caller keeps the
    whole line as a reading too and ranks the parses: only the right one verifies.
    """
    words = list(line.words)

    def stray(text: str) -> bool:
        return len(re.sub(r"[^A-Z0-9]", "", text.upper())) <= _STRAY_EDGE_CHARS

    while len(words) > 1 and stray(words[0].text):
        words.pop(0)
    while len(words) > 1 and stray(words[-1].text):
        words.pop()
    return " ".join(w.text for w in words)


def _candidate_groups(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of consecutive MRZ-like lines on one page.

    Text printed beside the zone (a specimen's "Machine Readable Zone" note, a card's edge) does
    not interrupt a run: a line that shares no columns with the run's last line is passed over, and
    so is a line without a letter or digit (a scan's edge or a speck between two zone lines read as
    ``_`` or ``|``).
    """
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if mrz_likeness(line.text) > 0 and (not current or current[-1].page == line.page):
            current.append(line)
            continue
        if current and current[-1].page == line.page and (
            not _shares_columns(current[-1], line) or not re.search(r"[A-Za-z0-9]", line.text)
        ):
            continue
        if current:
            groups.append(current)
        current = [line] if mrz_likeness(line.text) > 0 else []
    if current:
        groups.append(current)
    return [g for g in groups if len(g) >= 2]


def _shares_columns(a: Line, b: Line) -> bool:
    return min(a.bbox[2], b.bbox[2]) > max(a.bbox[0], b.bbox[0])


def _windows(group: Sequence[_Row]) -> list[Sequence[_Row]]:
    """Every 3- and 2-line window of a group (a stray MRZ-like line may sit next to the zone)."""
    return [group[i : i + n] for n in (3, 2) for i in range(len(group) - n + 1)]


# --------------------------------------------------------------------------------------------------
# Locating the band: from the first pass's words, or from the image's texture when they fail.

Band = tuple[int, int, int, int]
"""A pixel box (x0, y0, x1, y1) in the page image."""

# Rows of one zone are a line pitch apart; a row further than this many line heights away from the
# previous one belongs to other text (the personal-data block above a passport's zone).
_MAX_ROW_GAP = 2.5


def _rows_of_words(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into text rows by vertical overlap (boxes only, no reader line ids needed)."""
    rows: list[list[Word]] = []
    for word in sorted((w for w in words if w.text.strip()), key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        centre = (word.bbox[1] + word.bbox[3]) / 2
        if rows:
            last = rows[-1]
            top = min(w.bbox[1] for w in last)
            bottom = max(w.bbox[3] for w in last)
            if top <= centre <= bottom:
                last.append(word)
                continue
        rows.append([word])
    return [sorted(r, key=lambda w: w.bbox[0]) for r in rows]


def _row_clusters(rows: list[list[Word]]) -> list[list[list[Word]]]:
    """Consecutive MRZ-like rows split wherever the gap is wider than a zone's line pitch."""
    clusters: list[list[list[Word]]] = []
    for row in rows:
        box = union_bbox(w.bbox for w in row)
        if clusters:
            last = union_bbox(w.bbox for w in clusters[-1][-1])
            height = max(box[3] - box[1], last[3] - last[1], 1.0)
            if box[1] - last[3] <= _MAX_ROW_GAP * height:
                clusters[-1].append(row)
                continue
        clusters.append([row])
    return clusters


def _cluster_weight(cluster: list[list[Word]]) -> float:
    """How zone-like a cluster is: its rows' likeness, at most three rows counted (a zone's most)."""
    scores = sorted((mrz_likeness(" ".join(w.text for w in r)) for r in cluster), reverse=True)
    return sum(scores[:3])


def _band_from_words(words: Sequence[Word], width: int, height: int) -> Band | None:
    """Pixel box around the best cluster of MRZ-like rows, widened to the full MRZ length and a line
    each way."""
    rows = [r for r in _rows_of_words(words) if mrz_likeness(" ".join(w.text for w in r)) > 0]
    if not rows:
        return None
    mrz_rows = max(_row_clusters(rows), key=_cluster_weight)
    boxes = [union_bbox(w.bbox for w in r) for r in mrz_rows]
    x0, y0, x1, y1 = union_bbox(boxes)
    line_h = float(np.median([b[3] - b[1] for b in boxes]))
    longest = max(mrz_rows, key=lambda r: len("".join(w.text for w in r)))
    chars = len("".join(w.text for w in longest))
    lx0, _, lx1, _ = union_bbox(w.bbox for w in longest)
    char_w = (lx1 - lx0) / max(chars, 1)
    expected = 44 if chars >= 38 else 36 if chars >= 33 else 30
    # OCR often drops the trailing '<' run: the zone reaches the full length from its left edge.
    x1 = max(x1, x0 + expected * char_w * 1.04)
    # A missed first or last line (TD1 has three) sits one line pitch beyond the rows found.
    tops = sorted(b[1] for b in boxes)
    pitch = float(np.median(np.diff(tops))) if len(tops) > 1 else 1.8 * line_h
    pad_y = min(pitch, 2.5 * line_h) + 0.6 * line_h
    return _clip_band((x0 - 2.0 * char_w, y0 - pad_y, x1 + 2.0 * char_w, y1 + pad_y), width, height)


def _clip_band(box: BBox, width: int, height: int) -> Band:
    x0, y0, x1, y1 = box
    return max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1))


# The texture locator works on a copy this wide: an MRZ row is then 8-25 px tall on a page or card.
_TEXTURE_WIDTH = 1000
_MIN_ROW_WIDTH = 0.3
"""A zone row spans at least this share of the image width (a card's zone spans ~90% of the card)."""
_MIN_ROW_ASPECT = 10.0
"""Width / height of one printed MRZ row: 30-44 characters on one line."""


def band_from_texture(image: np.ndarray) -> Band | None:
    """Find an MRZ band from the image alone: 2-3 long, aligned, evenly spaced rows of dark glyphs.

    PassportEye's idea in our own terms: a black-hat filter keeps dark print smaller than the
    kernel, a horizontal gradient keeps glyph edges, and a horizontal closing joins a row's glyphs
    into one bar; zone rows are the bars that are long, thin, left-aligned and of similar length.
    Costs a few ms on a page.

    Args:
        image: grey page image.

    Returns:
        The band in ``image`` pixels (with a margin), or None when no set of rows looks like a zone.
    """
    import cv2  # local: only the OCR path needs OpenCV

    scale = _TEXTURE_WIDTH / image.shape[1]
    small = cv2.resize(
        image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (21, 9)))
    edges = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
    gradient = (255 * edges / max(float(edges.max()), 1e-6)).astype(np.uint8)
    closed = cv2.morphologyEx(gradient, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1)))
    _, bars = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    bars = cv2.morphologyEx(bars, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    contours, _ = cv2.findContours(bars, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rows = [
        (x, y, x + w, y + h)
        for x, y, w, h in (cv2.boundingRect(c) for c in contours)
        if w >= _MIN_ROW_WIDTH * small.shape[1] and w >= _MIN_ROW_ASPECT * h
    ]
    zone = _zone_rows(sorted(rows, key=lambda r: r[1]))
    if zone is None:
        return None
    x0, y0, x1, y1 = union_bbox(zone)
    line_h = float(np.median([r[3] - r[1] for r in zone]))
    margin = (x1 - x0) * 0.04
    box = (x0 - margin, y0 - line_h, x1 + margin, y1 + line_h)
    return _clip_band(tuple(v / scale for v in box), image.shape[1], image.shape[0])  # type: ignore[arg-type]


def _zone_rows(rows: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]] | None:
    """The lowest run of 2-3 rows that line up like a zone: same left edge and length, even pitch."""
    best: list[tuple[int, int, int, int]] | None = None
    start = 0
    while start < len(rows):
        run = [rows[start]]
        for row in rows[start + 1 :]:
            if len(run) == 3 or not _continues_zone(run, row):
                break
            run.append(row)
        if len(run) >= 2:
            best = run  # a later run is lower on the page: the zone is printed at the bottom
        start += len(run)
    return best


def _continues_zone(run: list[tuple[int, int, int, int]], row: tuple[int, int, int, int]) -> bool:
    last = run[-1]
    width = last[2] - last[0]
    height = max(last[3] - last[1], row[3] - row[1], 1)
    aligned = abs(row[0] - last[0]) <= 0.06 * width and abs((row[2] - row[0]) - width) <= 0.2 * width
    near = 0 <= row[1] - last[3] <= 1.5 * height
    if len(run) == 2:
        pitch = last[1] - run[0][1]
        near = near and abs((row[1] - last[1]) - pitch) <= 0.35 * pitch
    return aligned and near


# --------------------------------------------------------------------------------------------------
# Re-reading the band with Tesseract restricted to the MRZ alphabet, glyph by glyph.

# Tesseract reads capitals best at ~30-40 px; bands are scaled to that height, up or down.
_LINE_PX_TRIES = (40, 30)
"""Glyph heights the band is scaled to for Tesseract, in order: a second, smaller height only when
the first reading does not verify. Tesseract's recognition of one glyph shape varies with its size
(a 57 px Courier zone read '7509306F' as 'wooo s00P' and read right at 23-40 px), and which size
reads a given print best varies: on 58 zones (generated photos and scans, PassportEye's specimens)
40 px alone verified 44, 40 then 30 px 48, the earlier upscale-only 40 px 41."""
_REOCR_TIMEOUT_S = 20.0
_BORDER = 20


def reocr_mrz_band(image: np.ndarray, words: Sequence[Word], engine: OcrEngine | None = None) -> list[Word] | None:
    """Re-read a page's MRZ band with Tesseract limited to the MRZ alphabet.

    The band is placed from the first pass's MRZ-like rows; only when their band does not read as
    a verified zone is the image's texture (:func:`band_from_texture`) tried as well, so a clean
    zone costs one extra Tesseract call.

    Args:
        image: the grey page image the words were read from.
        words: the words OCR found on it, boxes in that image's pixels.
        engine: the Tesseract backend (the process default when None).

    Returns:
        One word per MRZ line of the best zone read in a band (text without spaces, box in page
        pixels; text read above or below the zone is left out), or ``None`` when no band reads as
        a zone, or only as an unverified zone worse than the first pass's.
    """
    try:
        best: tuple[MRZ, list[Word]] | None = None
        tried: list[Band] = []
        for locate in (
            lambda: _band_from_words(words, image.shape[1], image.shape[0]),
            lambda: band_from_texture(image),
        ):
            band = locate()
            if band is None or any(_overlap(band, seen) > 0.8 for seen in tried):
                continue
            tried.append(band)
            for line_px in _LINE_PX_TRIES:
                zone = best_zone(_ocr_band(image, band, engine or default_engine(), line_px) or [])
                if zone is not None and (best is None or _rank(zone[0]) > _rank(best[0])):
                    best = zone
                if best is not None and best[0].valid:
                    break
            if best is not None and best[0].valid:
                break
        if best is None or (not best[0].valid and _first_pass_reads_better(words, best[0])):
            return None
        return best[1]
    except (OSError, ValueError, OcrError):
        # A failed re-read leaves the page as the first OCR pass read it.
        return None


def _first_pass_reads_better(words: Sequence[Word], reread: MRZ) -> bool:
    """Whether the first pass's own zone outranks a re-read that does not verify.

    A verified re-read always wins (its fillers were decided glyph by glyph; a general pass's
    'K' for '<' after a name can verify too), but a failed one must not replace a better reading.
    """
    rows = [
        Word(text=" ".join(w.text for w in row), bbox=union_bbox(w.bbox for w in row))
        for row in _rows_of_words(words)
    ]
    first = best_zone(rows)
    return first is not None and _rank(first[0]) > _rank(reread)


def best_zone(read: Sequence[Word]) -> tuple[MRZ, list[Word]] | None:
    """The best-parsing window of 2-3 consecutive MRZ-like lines among a band's lines.

    A band is cut with a line's margin above and below, so it may also hold a line of the visual
    zone or of a card's back; those must neither spoil the parse nor be spliced into the page.
    """
    rows = [w for w in read if mrz_likeness(w.text) > 0]
    best: tuple[MRZ, list[Word]] | None = None
    for window in _windows(rows):
        mrz = parse_mrz([w.text for w in window])
        if mrz is not None and (best is None or _rank(mrz) > _rank(best[0])):
            best = (mrz, list(window))
    return best


def _overlap(a: Band, b: Band) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(smaller, 1)


@dataclass(frozen=True)
class Glyph:
    """One character Tesseract read, with its box in the image it was given and its confidence."""

    char: str
    box: BBox
    confidence: float


def _ocr_band(image: np.ndarray, band: Band, engine: OcrEngine, line_px_target: float) -> list[Word] | None:
    import cv2  # local: only the OCR path needs OpenCV

    x0, y0, x1, y1 = band
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    line_px = _estimate_line_px(crop)
    scale = min(3.0, max(0.25, line_px_target / line_px)) if line_px else 1.0
    if abs(scale - 1.0) > 0.05:
        shrink = scale < 1.0
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    else:
        scale = 1.0
    crop = cv2.copyMakeBorder(crop, _BORDER, _BORDER, _BORDER, _BORDER, cv2.BORDER_REPLICATE)
    # Ink from the band alone: Otsu over a whole page is swayed by photos and backgrounds.
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    words = []
    hocr = engine.read_hocr(crop, psm=6, lang="eng", timeout_s=_REOCR_TIMEOUT_S,
                            variables={"tessedit_char_whitelist": MRZ_ALPHABET, "hocr_char_boxes": "1"})
    for glyphs in hocr_glyph_lines(hocr):
        glyphs = fix_filler_glyphs(fill_skipped_fillers(one_per_cell(glyphs), ink > 0), ink > 0)
        if len(glyphs) < 20:
            continue
        bx0, by0, bx1, by1 = union_bbox(g.box for g in glyphs)
        box = (
            x0 + (bx0 - _BORDER) / scale,
            y0 + (by0 - _BORDER) / scale,
            x0 + (bx1 - _BORDER) / scale,
            y0 + (by1 - _BORDER) / scale,
        )
        confidence = round(sum(g.confidence for g in glyphs) / len(glyphs), 4)
        words.append(Word(text="".join(g.char for g in glyphs), bbox=box, confidence=confidence))
    return words or None


def _estimate_line_px(crop: np.ndarray) -> float:
    """Typical height of dark text rows in the crop (0 when none), from a horizontal projection.

    Columns dark from top to bottom are the desk or a card's edge beside the zone, not text: left in,
    they made every row "dark" and the whole band one 500 px line."""
    dark = crop < min(128, float(np.mean(crop)) - 10)
    dark = dark[:, dark.mean(axis=0) < 0.6]
    if dark.size == 0:
        return 0.0
    rows = dark.mean(axis=1) > 0.05
    runs, run = [], 0
    for on in rows:
        if on:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    if run:
        runs.append(run)
    runs = [r for r in runs if r >= 4]
    return float(np.median(runs)) if runs else 0.0


_HOCR_TOKEN = re.compile(
    r"class='ocr_line'|class='ocrx_cinfo' title='x_bboxes (\d+) (\d+) (\d+) (\d+); x_conf ([\d.]+)'>([^<]*)<"
)


def hocr_glyph_lines(hocr: str) -> list[list[Glyph]]:
    """Per text line, the characters of Tesseract's hOCR (``hocr_char_boxes``), left to right."""
    lines: list[list[Glyph]] = []
    for match in _HOCR_TOKEN.finditer(hocr):
        if match.group(6) is None:
            lines.append([])
            continue
        char = html.unescape(match.group(6))
        if len(char) != 1 or not lines:
            continue
        box = tuple(float(match.group(i)) for i in range(1, 5))
        lines[-1].append(Glyph(char, box, float(match.group(5)) / 100))  # type: ignore[arg-type]
    return [sorted(line, key=lambda g: g.box[0]) for line in lines if line]


def _pitch(glyphs: Sequence[Glyph]) -> float:
    """The line's character pitch: the median distance between neighbouring glyph centres."""
    centres = [(g.box[0] + g.box[2]) / 2 for g in glyphs]
    return float(np.median(np.diff(centres)))


def one_per_cell(glyphs: list[Glyph]) -> list[Glyph]:
    """Drop a second reading of one character cell (MRZ type is monospace, one glyph per pitch).

    Tesseract sometimes reads one '<' as two symbols ("KX") with overlapping boxes; that adds a
    character, shifting every field after it. Of two glyphs whose centres are closer than half the
    line's pitch, the more confident is kept.
    """
    if len(glyphs) < 3:
        return glyphs
    pitch = _pitch(glyphs)
    kept = [glyphs[0]]
    for glyph in glyphs[1:]:
        last = kept[-1]
        if (glyph.box[0] + glyph.box[2]) / 2 - (last.box[0] + last.box[2]) / 2 < 0.5 * pitch:
            if glyph.confidence > last.confidence:
                kept[-1] = glyph
            continue
        kept.append(glyph)
    return kept


def _cell_indices(glyphs: Sequence[Glyph], pitch: float) -> list[int]:
    """Each glyph's cell number on the line, counted from the first glyph."""
    centres = np.array([(g.box[0] + g.box[2]) / 2 for g in glyphs])
    return [int(i) for i in np.round((centres - centres[0]) / pitch)]


def _grid(glyphs: Sequence[Glyph], pitch: float) -> tuple[float, float]:
    """(slope, intercept) of cell centre against cell number, fitted through every glyph's centre."""
    centres = np.array([(g.box[0] + g.box[2]) / 2 for g in glyphs])
    index = _cell_indices(glyphs, pitch)
    if len(set(index)) < 2:
        return pitch, float(centres[0])
    slope, intercept = np.polyfit(index, centres, 1)
    return float(slope), float(intercept)


def _cells(glyphs: Sequence[Glyph]) -> list[tuple[float, float]]:
    """Each glyph's character cell (x0, x1) on the line's fitted monospace grid.

    Tesseract's per-symbol boxes are often partial (half a chevron) or shifted; a straight line fitted
    through every glyph's centre against its cell index gives each cell from the whole line.
    """
    pitch = _pitch(glyphs)
    slope, intercept = _grid(glyphs, pitch)
    return [
        (intercept + slope * (i - 0.5), intercept + slope * (i + 0.5)) for i in _cell_indices(glyphs, pitch)
    ]


_WIDE_GLYPH = 1.5
"""A glyph box wider than this many pitches is a merged run of characters, not one character."""
_MAX_LINE_CELLS = 44


def fill_skipped_fillers(glyphs: list[Glyph], ink: np.ndarray) -> list[Glyph]:
    """Put back the fillers Tesseract skipped or merged into one wide box (``<<<<<`` read as ``<``).

    MRZ type is monospace, so every cell of the line's grid holds a character: an empty cell
    between two glyphs (or after the last one, while the ink goes on) becomes '<' when its ink is
    the chevron, and a wide glyph becomes one '<' per cell when every cell it covers is a chevron.
    Glyphs read are never dropped or reordered: only fillers are added.

    Args:
        glyphs: one line's characters, one per cell, boxes in ``ink`` pixels.
        ink: the binarised image Tesseract read (True = ink).
    """
    span = _text_rows(ink, glyphs) if len(glyphs) >= 3 else None
    if span is None:
        return glyphs
    pitch = _pitch(glyphs)

    def wide(glyph: Glyph) -> bool:
        return glyph.box[2] - glyph.box[0] > _WIDE_GLYPH * pitch

    narrow = [g for g in glyphs if not wide(g)]
    if len(narrow) < 3:
        return glyphs
    slope, intercept = _grid(narrow, pitch)

    def index_at(x: float) -> int:
        return round((x - intercept) / slope)

    def chevron(index: int) -> bool:
        return _chevron_at(ink, index, slope, intercept, span)

    def filler(index: int) -> Glyph:
        return Glyph(
            FILLER,
            (intercept + slope * (index - 0.5), span[0], intercept + slope * (index + 0.5), span[1]),
            0.5,
        )

    out: list[Glyph] = []
    done: int | None = None  # the last cell filled so far
    for glyph in glyphs:
        if wide(glyph):
            first, last = index_at(glyph.box[0] + pitch / 2), index_at(glyph.box[2] - pitch / 2)
        else:
            first = last = index_at((glyph.box[0] + glyph.box[2]) / 2)
        if done is not None:
            out.extend(filler(i) for i in range(done + 1, first) if chevron(i))
        covered = range(first, last + 1)
        if wide(glyph) and all(chevron(i) for i in covered):
            out.extend(filler(i) for i in covered)
        else:
            out.append(glyph)
        done = last if done is None else max(done, last)
    while done is not None and len(out) < _MAX_LINE_CELLS and chevron(done + 1):
        done += 1
        out.append(filler(done))
    return out


def _chevron_at(
    ink: np.ndarray, index: int, slope: float, intercept: float, span: tuple[float, float]
) -> bool:
    cell = (intercept + slope * (index - 0.5), intercept + slope * (index + 0.5))
    return cell[1] <= ink.shape[1] and is_chevron(ink, cell, *span)


# A filler '<' is a chevron: its leftmost ink is a point at mid-height. Of the left quarter of the
# glyph's ink, at least this share lies in the middle third of the line's cap height; letters have
# a stem (K, B, E), two arms (X, Z) or a bowl (C, O) there instead.
_CHEVRON_MID_SHARE = 0.75


def fix_filler_glyphs(glyphs: list[Glyph], ink: np.ndarray) -> list[Glyph]:
    """Letters whose printed shape is the filler chevron become '<' (Tesseract's '<' -> 'K' slip).

    Check digits cannot catch it in a names field (no digit covers it) and K is worth 20 where
    '<' is worth 0, so the decision is made from the glyph itself.

    Args:
        glyphs: one line's characters, boxes in ``ink`` pixels, one per cell.
        ink: the binarised image Tesseract read (True = ink).
    """
    span = _text_rows(ink, glyphs) if len(glyphs) >= 3 else None
    if span is None:
        return glyphs
    top, bottom = span
    return [
        Glyph(FILLER, g.box, g.confidence) if g.char.isalpha() and is_chevron(ink, cell, top, bottom) else g
        for g, cell in zip(glyphs, _cells(glyphs), strict=True)
    ]


def _text_rows(ink: np.ndarray, glyphs: Sequence[Glyph]) -> tuple[float, float] | None:
    """Cap top and baseline of a line, from its ink: the longest run of inked rows under its boxes.

    Tesseract's boxes stretch to a rule printed just above a zone's first line; the ink's own
    horizontal profile does not.
    """
    x0, y0, x1, y1 = union_bbox(g.box for g in glyphs)
    reach = 0.3 * (y1 - y0)
    top, bottom = max(0, int(y0 - reach)), min(ink.shape[0], round(y1 + reach))
    profile = ink[top:bottom, max(0, int(x0)) : round(x1)].mean(axis=1) > 0.03
    inked = np.concatenate([[False], profile, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(inked))
    if edges.size < 2:
        return None
    starts, stops = edges[::2], edges[1::2]
    longest = int(np.argmax(stops - starts))
    return float(top + starts[longest]), float(top + stops[longest])


def is_chevron(ink: np.ndarray, cell: tuple[float, float], top: float, bottom: float) -> bool:
    """Whether the glyph in a character cell is shaped like '<': left-quarter ink only at mid-height.

    Args:
        ink: binarised image (True = ink).
        cell: the cell's left and right edges.
        top: the line's cap top, in the same pixels.
        bottom: the line's baseline.
    """
    height = bottom - top
    if height < 6:
        return False
    x0, x1 = max(0, int(cell[0])), min(ink.shape[1], round(cell[1]))
    y0, y1 = max(0, int(top - 0.1 * height)), min(ink.shape[0], round(bottom + 0.1 * height))
    glyph = _widest_ink_run(ink[y0:y1, x0:x1])
    if glyph is None:
        return False
    rows = np.flatnonzero(glyph[:, : max(1, glyph.shape[1] // 4)].any(axis=1)) + y0
    if rows.size == 0:
        return False
    middle = (rows >= top + height / 3) & (rows < top + 2 * height / 3)
    return float(middle.mean()) >= _CHEVRON_MID_SHARE


def _widest_ink_run(cell: np.ndarray) -> np.ndarray | None:
    """The cell's widest run of inked columns: the glyph, without a neighbour's edge bleeding in."""
    inked = np.concatenate([[False], cell.any(axis=0), [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(inked))
    if edges.size < 2:
        return None
    starts, stops = edges[::2], edges[1::2]
    widest = int(np.argmax(stops - starts))
    if stops[widest] - starts[widest] < 3:
        return None
    return cell[:, starts[widest] : stops[widest]]
