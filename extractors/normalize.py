"""Turning printed values into typed ones: money, dates, names, identifiers.

Pure functions, shared by every extractor. Each returns ``None`` when the text is not a value of that
type, so a caller can try the next candidate instead of catching exceptions.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from dateutil import parser as date_parser
from rapidfuzz.distance import Levenshtein

_MONEY_RE = re.compile(
    r"""^
    (?P<lead_sign>[-\u2212\u2013\u2014+])?\s*
    (?P<open>\()?\s*
    (?P<lead_sign2>[-\u2212\u2013\u2014])?\s*
    (?:[$\u20ac\u00a3]|USD|EUR|GBP)?\s*
    (?P<number>\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)
    \s*(?P<close>\))?
    \s*(?P<trail>-|\u2212|\u2013|\u2014|CR|DR|Cr|Dr)?
    $""",
    re.VERBOSE,
)

MINUS_SIGNS = ("-", "\u2212", "\u2013", "\u2014")
"""A minus as printed or as OCR reads it (an en or em dash as often as not)."""


def parse_money(text: str) -> float | None:
    """Parse an amount as printed: ``$1,234.56``, ``(12.00)``, ``12.00-``, ``1.234,56``, ``45.10 CR``.

    Parentheses, a leading or trailing minus and ``DR`` make it negative. Returns ``None`` when the
    text is not an amount.
    """
    if not text:
        return None
    cleaned = text.strip().replace("\u00a0", " ")
    m = _MONEY_RE.match(cleaned)
    if not m:
        return None
    number = m.group("number").replace(" ", "")
    number = _normalise_separators(number)
    try:
        amount = float(number)
    except ValueError:
        return None
    negative = bool(
        (m.group("lead_sign") in MINUS_SIGNS)
        or m.group("lead_sign2")
        or (m.group("open") and m.group("close"))
        or (m.group("trail") in (*MINUS_SIGNS, "DR", "Dr"))
    )
    return round(-amount if negative else amount, 2)


def _normalise_separators(number: str) -> str:
    """Decide which of ``,`` and ``.`` is the decimal separator."""
    last_dot, last_comma = number.rfind("."), number.rfind(",")
    if last_dot == -1 and last_comma == -1:
        return number
    if last_comma > last_dot:
        # "1.234,56" or "12,50" (decimal comma) versus "1,234" (thousands comma).
        decimals = len(number) - last_comma - 1
        if decimals in (1, 2):
            return number.replace(".", "").replace(",", ".")
        return number.replace(",", "")
    decimals = len(number) - last_dot - 1
    if decimals == 3 and last_comma == -1 and number.count(".") >= 1 and len(number) > 4:
        # "1.234" as thousands separator (European) only when no decimals follow.
        return number.replace(".", "")
    return number.replace(",", "")


def is_money(text: str) -> bool:
    """True when the text is an amount with cents (the shape pay stubs and statements print)."""
    return parse_money(text) is not None and bool(re.search(r"\d[.,]\d{2}\b", text))


_LETTERS = r"[^\W\d_]"
"""A letter of any script: the second month of a bilingual date is often accented (AOÛT, FÉVR, DÉC)."""
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC"
_DATE_SHAPES = [
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"),
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$"),
    re.compile(rf"^\d{{1,2}}[\s-]*({_MONTHS})[A-Z]*\.?[\s-]*(?:/\s*{_LETTERS}+\.?\s*)?\d{{2,4}}$", re.I),
    re.compile(rf"^({_MONTHS})[A-Z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}$", re.I),
    re.compile(r"^\d{8}$"),
]


def parse_date(text: str, *, dayfirst: bool | None = None) -> date | None:
    """Parse a printed date into a ``date``.

    Handles ISO, ``MM/DD/YYYY`` (US default), ``DD.MM.YYYY`` (dot means day first),
    ``02 MAR 1985``, bilingual ``02 MAR/MARS 1985``, ``March 2, 2026`` and ``MMDDYYYY``. When a slash
    date is ambiguous, ``dayfirst`` decides; without it a first part > 12 means day first.
    """
    if not text:
        return None
    cleaned = re.sub(r"\s+", " ", text.strip().strip(",;:"))
    # OCR splits a date at its separator now and then ("23-FEB- 2026"): no date has a space there.
    cleaned = re.sub(r"\s*([-/])\s*", r"\1", cleaned)
    if not any(shape.match(cleaned) for shape in _DATE_SHAPES):
        return None
    if re.fullmatch(r"\d{8}", cleaned):
        return _parse_compact(cleaned)
    # Bilingual month labels ("MAR/MARS"): keep the first.
    cleaned = re.sub(rf"({_LETTERS}+)\s*/\s*{_LETTERS}+", r"\1", cleaned)
    first_day = dayfirst
    parts = re.split(r"[-/.]", cleaned)
    if first_day is None:
        if "." in cleaned and len(parts) == 3 and len(parts[0]) <= 2:
            first_day = True
        elif len(parts) == 3 and parts[0].isdigit() and len(parts[0]) <= 2 and int(parts[0]) > 12:
            first_day = True
        else:
            first_day = False
    try:
        parsed = date_parser.parse(
            cleaned, dayfirst=first_day, yearfirst=bool(re.match(r"^\d{4}", cleaned)), fuzzy=False
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date()


def _parse_compact(text: str) -> date | None:
    """``MMDDYYYY`` (AAMVA) or ``YYYYMMDD``."""
    for order in ((4, 6, 0), (0, 2, 4)):
        if order[0] == 4:
            month, day, year = int(text[0:2]), int(text[2:4]), int(text[4:8])
        else:
            year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def find_dates(text: str, *, dayfirst: bool | None = None) -> list[tuple[date, str]]:
    """Every date printed in a line of text, in order, with the text it was read from."""
    pattern = re.compile(
        rf"\b(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
        rf"|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
        rf"|\d{{1,2}}[\s-]*(?:{_MONTHS})[A-Z]*\.?(?:\s*/\s*{_LETTERS}+\.?)?[\s-]*\d{{2,4}}"
        rf"|(?:{_MONTHS})[A-Z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
        re.I,
    )
    found = []
    for m in pattern.finditer(text):
        parsed = parse_date(m.group(1), dayfirst=dayfirst)
        if parsed is not None:
            found.append((parsed, m.group(1)))
    return found


def clean_name(text: str) -> str:
    """A name as printed, with spacing and stray punctuation tidied (case kept)."""
    text = re.sub(r"[^\w\s,.'\-]", " ", text, flags=re.UNICODE)
    return re.sub(r"\s+", " ", text).strip(" ,.-")


def ascii_fold(text: str) -> str:
    """Upper-case ASCII without accents: ``"José Núñez"`` -> ``"JOSE NUNEZ"`` (as an MRZ prints it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def letters_lost(printed: str, machine: str, most: int) -> bool:
    """Whether ``machine`` is ``printed`` with 1 to ``most`` characters missing, the rest in order
    (spaces and MRZ fillers ignored).

    MRZ names carry no check digit, and OCR of a zone's tightly set OCR-B drops a glyph or two
    ("JEREY" for JEREMY, "KEDRA" for KENDRA) where nothing can repair it; a forger who changes a
    name writes another name, which adds or replaces letters.
    """
    printed, machine = (re.sub(r"[\s<]", "", name) for name in (printed, machine))
    if not printed or not machine or not 0 < len(printed) - len(machine) <= most:
        return False
    letters = iter(printed)
    return all(char in letters for char in machine)


def one_glyph_misread(printed: str, machine: str, min_letters: int) -> bool:
    """Whether the two readings of a name differ in one word only, by one letter read as another or
    one filler read as a letter ("ELTZABETH" for ELIZABETH, "AARONK" for AARON<), in a word of at
    least ``min_letters`` letters.

    Like :func:`letters_lost`, this is how OCR of an MRZ's OCR-B name goes wrong; nobody forges a
    document to change one letter of a long name, while a borrowed or altered name changes words.
    """
    left, right = printed.split(), machine.split()
    if len(left) != len(right):
        return False
    apart = [(a, b) for a, b in zip(left, right, strict=True) if a != b]
    if len(apart) != 1:
        return False
    word, read = apart[0]
    if len(word) == len(read) and _lookalike_swap(word, read):
        return True
    return (len(word) >= min_letters and 0 <= len(read) - len(word) <= 1
            and Levenshtein.distance(word, read) == 1)


OCR_B_LOOKALIKES = frozenset(frozenset(pair) for pair in ("OQ", "OD", "DQ", "IL", "IJ", "CG", "EF"))
"""Letter pairs OCR-B glyphs are confused by at a zone's resolution. One of them read for the other
is a misread in a word of any length ("JQHN" for JOHN); a short word one other letter apart is
another name ("ANNE", "ANNA"), hence ``min_letters`` for the rest."""


def _lookalike_swap(word: str, read: str) -> bool:
    """Whether two equally long words differ in one place only, by an OCR-B look-alike pair."""
    apart = [(a, b) for a, b in zip(word, read, strict=True) if a != b]
    return len(apart) == 1 and frozenset(apart[0]) in OCR_B_LOOKALIKES


def read_as(printed: str, reading: str, *, lost: int, misread_min_letters: int) -> bool:
    """Whether ``reading`` is the name ``printed`` as OCR of an MRZ gets it: equal, short of up to
    ``lost`` letters (:func:`letters_lost`), or one glyph of a long word misread
    (:func:`one_glyph_misread`)."""
    return (printed == reading or letters_lost(printed, reading, lost)
            or one_glyph_misread(printed, reading, misread_min_letters))


def clean_identifier(text: str) -> str:
    """An ID / account / document number without spaces and separators, upper case."""
    return re.sub(r"[\s\-./]", "", text).upper()


def mask(value: str | None, keep: int = 4) -> str:
    """Mask an identifier for logs and UI: only the last ``keep`` characters stay visible."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]
