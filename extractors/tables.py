"""Shared readers for the tabular money documents (pay stubs, bank statements).

Both kinds print amounts beside labels ("Net Pay  1,900.00") or under column headers ("Current",
"YTD", "Withdrawals", "Balance"), dates and date ranges, and name-and-address blocks. This module
reads those generically, by geometry and label vocabularies handed in by the extractor, so each
extractor only declares *what* to look for:

* amounts as printed, with the OCR slips that are safe to repair (``S`` for ``$``, ``O`` for ``0``,
  comma read as period, a dropped decimal point inside a money column), flagged as repaired;
* labels matched word by word, tolerating one wrong letter in words of five letters or more;
* table headers: which column role each header word names, and which column an amount sits under
  by horizontal overlap;
* label groups: a label and the amounts that follow it on its line, or sit under it;
* date ranges ("02/01/2026 - 02/15/2026", "Feb 1 - Feb 15, 2026") and dates printed without a year;
* name + address blocks (a name line stacked over a street line and a "City, ST 12345" line).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations, pairwise
from typing import Literal

from rapidfuzz.distance import Levenshtein

from extractors.layout import Anchor, Found, Line, Segment, union_bbox, value_below
from extractors.normalize import MINUS_SIGNS, find_dates, parse_date, parse_money
from pipeline.models import BBox, FieldScalar, FieldValue, PageText, Word

DOUBTED_CONFIDENCE = 0.6
"""OCR confidence below which the reader itself doubted a word's characters."""
REPAIR_PENALTY = 0.8
"""Confidence multiplier for a value we had to repair (OCR digit slip, separator, decimal point)."""
FUZZY_PENALTY = 0.85
"""Confidence multiplier for a value found through a label matched with one wrong letter."""
FUZZY_MIN_LETTERS = 5
"""Labels shorter than this are matched exactly: one wrong letter in "Net" is a different word."""

DISTINCT_WORDS = frozenset({"employee", "employer", "debit", "debits", "credit", "credits", "payee", "payer",
                            "deposit", "deposits", "opening", "closing", "beginning", "ending"})
"""Real words one letter apart from another label word: printed exactly, they never match fuzzily."""

# --------------------------------------------------------------------------------------------------
# Amounts.

_AMOUNT_SHAPE = re.compile(
    r"""^(?P<pre>[-\u2212+(]*)\s*(?P<cur>[$\u20ac\u00a3]|USD|EUR|GBP|S(?=[\dOoIl]))?\s*(?P<pre2>[-(]*)
    (?P<body>[\dOoIl|S§,.:]*\d[\dOoIl|S§,.:]*)
    (?P<post>[)\s]*(?:-|\u2212|CR|DR|Cr|Dr)?\)?)$""",
    re.VERBOSE,
)
_DIGIT_SLIPS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5", "§": "5"})
"""Letters Tesseract prints for digits inside an amount ('§' is its commonest reading of a blurred 5)."""


@dataclass(frozen=True)
class Amount:
    """An amount as printed and its value; ``repaired`` when an OCR slip had to be corrected."""

    value: float
    raw: str
    repaired: bool


_MINUS_CLASS = "[" + "".join(MINUS_SIGNS) + "]"


def read_amount(text: str, *, bare_cents: bool = False) -> Amount | None:
    """Read a printed amount, repairing the OCR slips that cannot change a correct reading.

    Accepts what :func:`~extractors.normalize.parse_money` accepts when it has cents, plus: ``S`` or
    ``s`` read for ``$``; ``O``/``I``/``l``/``S``/``§`` read inside the digits; thousands and decimal
    separators confused (``1.234.56``, ``1,234,56``); cheque-protection asterisks. With
    ``bare_cents`` (the caller knows the column prints cents) a number without a decimal point is
    taken as having dropped it (``123456`` -> ``1234.56``), and a colon before the cents as the
    point misread (``52:37``).

    Args:
        text: the amount's words joined without spaces.
        bare_cents: whether a number printed without decimals is a dropped decimal point.

    Returns:
        The amount, or ``None`` when the text is not one.
    """
    cleaned = re.sub(_MINUS_CLASS, "-", text.strip().strip("*")).replace("$*", "$")
    cleaned = re.sub(r"(?<=\d)\.(?=(?:CR|DR|Cr|Dr)$)", "", cleaned)  # "35.21.DR": a speck before DR
    m = _AMOUNT_SHAPE.match(cleaned)
    if not m:
        return None
    body = m.group("body")
    if ":" in body:
        # "52:37" in a money column is a decimal point read as a colon; anywhere else it is a time.
        if not (bare_cents and re.fullmatch(r"[^:]+:\d{2}", body)):
            return None
        body = body.replace(":", ".")
        colon_repaired = True
    else:
        colon_repaired = False
    digits_body = body.translate(_DIGIT_SLIPS)
    repaired = digits_body != body or m.group("cur") == "S"
    if sum(c.isdigit() for c in body) < 2 and not bare_cents:
        return None
    number, sep_repaired = _canonical_number(digits_body, bare_cents=bare_cents)
    if number is None:
        return None
    sign_text = m.group("pre") + m.group("pre2") + m.group("post")
    negative = "-" in sign_text or ("(" in sign_text and ")" in sign_text) or "DR" in sign_text.upper()
    value = round(-number if negative else number, 2)
    return Amount(value=value, raw=text, repaired=repaired or sep_repaired or colon_repaired)


def _canonical_number(body: str, *, bare_cents: bool) -> tuple[float | None, bool]:
    """Value of a digits-and-separators body, and whether separators had to be reinterpreted."""
    if not re.fullmatch(r"\d[\d,.]*", body):
        return None, False
    seps = [c for c in body if c in ",."]
    groups = re.split(r"[,.]", body)
    if seps and len(groups[-1]) == 2:
        whole_groups = groups[:-1]
        if len(whole_groups) > 1 and any(len(g) != 3 for g in whole_groups[1:]):
            return None, False
        if len(whole_groups[0]) > 3 and len(whole_groups) > 1:
            return None, False
        standard = parse_money(body)
        value = float("".join(whole_groups) + "." + groups[-1])
        # Repaired when the plain parser would not have read it the same (e.g. "1.234.56").
        return value, standard is None or abs(standard - value) > 0.001
    if bare_cents and len(groups[-1]) != 2 and all(len(g) == 3 for g in groups[1:]):
        digits = "".join(groups)
        if len(digits) >= 3:
            return int(digits) / 100, True
    return None, False


@dataclass(frozen=True)
class Cell:
    """An amount on a page: value, the words it was read from and how sure we are of it."""

    amount: Amount
    page: int
    bbox: BBox
    confidence: float
    word_indexes: tuple[int, ...]

    @property
    def value(self) -> float:
        return self.amount.value


def amount_cells(
    words: Sequence[Word],
    page: int,
    *,
    bare_cents: Callable[[BBox], bool] | None = None,
) -> list[Cell]:
    """Every amount printed in a run of words (one line), left to right.

    An amount may span up to three words when OCR split it (``$`` ``1,234.56``; ``(`` ``12.00``
    ``)``; ``12.00`` ``CR``; ``1,234`` ``56`` with the point lost) as long as they sit about a space
    apart. ``bare_cents(bbox)`` says whether a number without decimals at that place lies in a money
    column (so it dropped its decimal point).
    """
    cells: list[Cell] = []
    i = 0
    while i < len(words):
        cell = _cell_at(words, i, page, bare_cents)
        if cell is None:
            i += 1
            continue
        cells.append(cell)
        i = cell.word_indexes[-1] + 1
    return cells


def _cell_at(
    words: Sequence[Word], i: int, page: int, bare_cents: Callable[[BBox], bool] | None
) -> Cell | None:
    for span in (3, 2, 1):
        chunk = words[i : i + span]
        if len(chunk) < span or not _tight(chunk):
            continue
        bbox = union_bbox(w.bbox for w in chunk)
        texts = [w.text for w in chunk]
        candidates = ["".join(texts)] if _one_number(texts) else []
        if span == 2 and re.fullmatch(r"\d{2}", texts[1]) and re.fullmatch(r"\d{1,3}(,\d{3})+|\d{3,}", texts[0]):
            # "1,234 56": the decimal point was read as a space.
            candidates = [texts[0] + "." + texts[1]]
        for text in candidates:
            amount = read_amount(text, bare_cents=bool(bare_cents and bare_cents(bbox)))
            if amount is None or not _has_digits_in_every_word(chunk):
                continue
            if span == 2 and candidates[0].count(".") == 1 and "." not in "".join(texts):
                amount = Amount(amount.value, " ".join(texts), True)
            confidence = min(w.confidence for w in chunk) * (REPAIR_PENALTY if amount.repaired else 1.0)
            return Cell(amount, page, bbox, confidence, tuple(range(i, i + span)))
    return None


_AMOUNT_AFFIX = re.compile(r"[-\u2212$()*SsCRDcrd]{1,3}|[-\u2212+(]{0,2}(?:USD|EUR|GBP)\)?")
"""A word of an amount that carries no digit: a sign, bracket, currency ("(USD", "-USD") or CR/DR."""


def _one_number(texts: Sequence[str]) -> bool:
    """Whether words with digits can be one number split apart ("1,234" ".56"; "$" "1,234.56").

    Two complete amounts side by side ("712.45" "2,267.55") are two numbers, never one: a later
    piece must start at a separator, and no earlier piece may already end in cents.
    """
    numeric = [t for t in texts if any(c.isdigit() for c in t)]
    return all(t[:1] in ",." for t in numeric[1:]) and not any(re.search(r"[.,]\d{2}\)?$", t) for t in numeric[:-1])


def _has_digits_in_every_word(chunk: Sequence[Word]) -> bool:
    """Only the amount word carries digits; the others are signs, currency or CR/DR."""
    return all(any(c.isdigit() for c in w.text) or _AMOUNT_AFFIX.fullmatch(w.text) for w in chunk)


AMOUNT_GAP = 1.2
"""Widest gap inside one amount, in heights of its taller word.

OCR boxes hug the ink (a capital is ~0.7 em tall) and a monospace space is 0.6 em wide, so
"USD 7,491.57" in Courier has a gap of ~0.9 box heights; a text layer's loose boxes (~1.2 em) make
the same gap ~0.5. Two columns stand several em apart, and two whole amounts never join anyway
(see ``_one_number``)."""


def _tight(chunk: Sequence[Word]) -> bool:
    """Words close enough to be one printed amount (about a space apart at most)."""
    for prev, word in pairwise(chunk):
        height = max(prev.bbox[3] - prev.bbox[1], word.bbox[3] - word.bbox[1], 1e-6)
        if word.bbox[0] - prev.bbox[2] > AMOUNT_GAP * height:
            return False
    return True


# --------------------------------------------------------------------------------------------------
# Labels.


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped (``Withdrawals/Debits`` -> two tokens)."""
    return re.findall(r"[a-z0-9#]+", text.lower())


def _word_tokens(words: Sequence[Word]) -> list[tuple[str, int]]:
    return [(tok, i) for i, w in enumerate(words) for tok in tokens(w.text)]


def tokens_match(got: Sequence[str], wanted: Sequence[str]) -> float:
    """1.0 for equal token lists, ``FUZZY_PENALTY`` when one long enough word is one letter off, else 0.

    Word by word, so "Net Pay" never matches "Net Day"-like slips in short words and a wrong letter
    is allowed only in words of at least ``FUZZY_MIN_LETTERS`` letters (two in words of ten or more).
    """
    if len(got) != len(wanted):
        return 0.0
    score = 1.0
    for g, w in zip(got, wanted, strict=True):
        if g == w:
            continue
        if len(w) < FUZZY_MIN_LETTERS or w.isdigit() or g in DISTINCT_WORDS:
            return 0.0
        allowed = 2 if len(w) >= 10 else 1
        if Levenshtein.distance(g, w, score_cutoff=allowed) > allowed:
            return 0.0
        score = FUZZY_PENALTY
    return score


@dataclass(frozen=True)
class LabelMatch:
    """A label found on a line: the anchor (for the layout helpers) and how well it matched."""

    anchor: Anchor
    label: str
    score: float


def find_labels(lines: Iterable[Line], labels: Iterable[str]) -> list[LabelMatch]:
    """Every place one of ``labels`` is printed, OCR-tolerant, exact matches first.

    Longest labels are tried first at each place, so "YTD Net Pay" wins over "Net Pay".
    """
    wanted = sorted(((tokens(lb), lb) for lb in labels), key=lambda t: len(t[0]), reverse=True)
    found: list[LabelMatch] = []
    for line in lines:
        toks = _word_tokens(line.words)
        taken: set[int] = set()
        for want, label in wanted:
            n = len(want)
            for k in range(len(toks) - n + 1):
                if any(j in taken for j in range(k, k + n)):
                    continue
                score = tokens_match([t for t, _ in toks[k : k + n]], want)
                if score:
                    start, end = toks[k][1], toks[k + n - 1][1] + 1
                    found.append(LabelMatch(Anchor(line=line, start=start, end=end), label, score))
                    taken.update(range(k, k + n))
    found.sort(key=lambda m: -m.score)  # stable: reading order within each score
    return found


def label_score(text: str, labels: Iterable[str], *, max_extra: int = 2) -> float:
    """How well a printed row label names one of ``labels``: 1 exact, less for extra words or slips.

    A printed label may carry up to ``max_extra`` words beyond the wanted ones ("Total Net Pay",
    "Net Pay Amount"), which costs a little, so that the exact label wins when both are printed.
    """
    # "and" / "&" come and go between printings ("Deposits & Other Credits").
    got = [t for t in tokens(text) if t != "and"]
    best = 0.0
    for label in labels:
        want = [t for t in tokens(label) if t != "and"]
        extra = len(got) - len(want)
        if not want or extra < 0 or extra > max_extra:
            continue
        for k in range(extra + 1):
            score = tokens_match(got[k : k + len(want)], want) * (1.0 - 0.05 * extra)
            best = max(best, score)
    return best


# --------------------------------------------------------------------------------------------------
# Table headers and columns.


@dataclass(frozen=True)
class Column:
    """One header cell: the role its words name and its horizontal extent."""

    role: str
    x0: float
    x1: float
    text: str


@dataclass(frozen=True)
class Header:
    """A table header line and its columns, left to right."""

    line: Line
    columns: tuple[Column, ...]

    @property
    def page(self) -> int:
        return self.line.page

    def roles(self) -> set[str]:
        return {c.role for c in self.columns}

    def column_at(self, bbox: BBox, roles: Iterable[str] | None = None) -> Column | None:
        """The column a box sits under: most horizontal overlap, else the nearest within reach.

        Amounts are usually right-aligned under a header word of a different width, so overlap (not
        containment) decides; a value just outside every header (narrow header, wide amount) goes to
        the nearest column when that is within a few character heights.
        """
        wanted = set(roles) if roles is not None else None
        columns = [c for c in self.columns if wanted is None or c.role in wanted]
        if not columns:
            return None
        x0, x1 = bbox[0], bbox[2]
        overlaps = [(min(x1, c.x1) - max(x0, c.x0), c) for c in columns]
        best_overlap, best = max(overlaps, key=lambda t: t[0])
        if best_overlap > 0:
            return best
        reach = 3 * self.line.height
        gap, nearest = min(((max(c.x0 - x1, x0 - c.x1), c) for c in columns), key=lambda t: t[0])
        return nearest if gap <= reach else None


def read_header(
    line: Line,
    vocabulary: Mapping[str, Sequence[str]],
    *,
    min_columns: int = 2,
    min_coverage: float = 0.6,
) -> Header | None:
    """Read ``line`` as a table header if most of its words name column roles.

    Args:
        line: the candidate line.
        vocabulary: role -> header phrases naming it ("ytd": ["ytd", "year to date"]).
        min_columns: how many columns a header needs.
        min_coverage: share of the line's word tokens that must belong to a header phrase (keeps
            ordinary sentences that mention "balance" or "date" out).

    Returns:
        The header with one column per matched phrase (adjacent matches of one role in one segment
        merged), or ``None``.
    """
    phrases = sorted(
        ((tokens(p), role) for role, ps in vocabulary.items() for p in ps), key=lambda t: len(t[0]), reverse=True
    )
    toks = _word_tokens(line.words)
    if not toks:
        return None
    spans: list[tuple[str, int, int]] = []  # role, first word, last word
    k = matched = 0
    while k < len(toks):
        for want, role in phrases:
            n = len(want)
            if n and tokens_match([t for t, _ in toks[k : k + n]], want):
                spans.append((role, toks[k][1], toks[k + n - 1][1]))
                matched += n
                k += n
                break
        else:
            k += 1
    if matched / len(toks) < min_coverage:
        return None
    columns = _merge_spans(line, spans)
    if len(columns) < min_columns:
        return None
    return Header(line=line, columns=tuple(columns))


def _merge_spans(line: Line, spans: list[tuple[str, int, int]]) -> list[Column]:
    """Columns from matched phrases: one role repeated inside one segment is one column."""
    segment_of = {id(w): s for s, seg in enumerate(line.segments) for w in seg.words}
    columns: list[Column] = []
    last_key: tuple[str, int] | None = None
    for role, first, last in spans:
        words = line.words[first : last + 1]
        key = (role, segment_of[id(words[0])])
        box = union_bbox(w.bbox for w in words)
        text = " ".join(w.text for w in words)
        if columns and key == last_key:
            prev = columns.pop()
            columns.append(Column(role, prev.x0, box[2], f"{prev.text} {text}"))
        else:
            columns.append(Column(role, box[0], box[2], text))
        last_key = key
    return columns


def find_headers(
    lines: Iterable[Line],
    vocabulary: Mapping[str, Sequence[str]],
    accept: Callable[[Header], bool],
) -> list[Header]:
    """Every line that reads as a header and that ``accept`` takes (e.g. needs a date column)."""
    headers = []
    for line in lines:
        header = read_header(line, vocabulary)
        if header is not None and accept(header):
            headers.append(header)
    return headers


# --------------------------------------------------------------------------------------------------
# Label groups: a label and the amounts after it on its line.


@dataclass(frozen=True)
class LabelGroup:
    """Text on a line followed by the amounts printed after it (before the next text)."""

    line: Line
    label_words: tuple[Word, ...]
    cells: tuple[Cell, ...]

    @property
    def label(self) -> str:
        return " ".join(w.text for w in self.label_words)

    @property
    def label_bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.label_words)

    @property
    def page(self) -> int:
        return self.line.page


def label_groups(line: Line, cells: Sequence[Cell]) -> list[LabelGroup]:
    """Split a line into label groups: each run of text words owns the amounts that follow it.

    This reads side-by-side tables ("Regular 2,500.00  Federal Tax 250.00"), one-line summaries
    ("Beginning balance 1,000.00  Deposits 4,210.55") and rows of column titles ("Gross Pay  Net Pay",
    split at the wide gaps) the same way. Words without letters that are not amounts (a count like
    "12") stay in the label before them.
    """
    in_cell = {i: c for c in cells for i in c.word_indexes}
    segment_starts = {id(seg.words[0]) for seg in line.segments}
    groups: list[LabelGroup] = []
    label: list[Word] = []
    owned: list[Cell] = []
    for i, word in enumerate(line.words):
        cell = in_cell.get(i)
        if cell is not None:
            if cell.word_indexes[0] == i:
                owned.append(cell)
            continue
        new_column = id(word) in segment_starts and any(ch.isalpha() for ch in word.text)
        if owned or (label and new_column):
            groups.append(LabelGroup(line, tuple(label), tuple(owned)))
            label, owned = [], []
        label.append(word)
    if label or owned:
        groups.append(LabelGroup(line, tuple(label), tuple(owned)))
    return groups


def cells_below(
    box: BBox,
    page: int,
    lines: Sequence[Line],
    line_cells: Mapping[int, Sequence[Cell]],
    *,
    right_limit: float = float("inf"),
    passes: Callable[[str], bool] = lambda text: False,
    max_lines: int = 3,
) -> list[tuple[Line, Cell]]:
    """Amounts stacked under a label (boxed forms, transposed summaries), nearest first.

    Walks down at most ``max_lines`` lines on the same page while they stay close, taking on each
    line the amount that overlaps the label horizontally; stops at a line where text, not an amount,
    sits under the label (the next label of a stacked form) unless ``passes`` takes that text (a
    role marker such as "YTD:"): then the first amount after it in the label's column (up to
    ``right_limit``, where the next label starts) is the label's, as in a box printing
    "YTD: 103,874.94" under "Total Earnings".
    """
    x0, y0, x1, y1 = box
    height = y1 - y0
    found: list[tuple[Line, Cell]] = []
    bottom = y1
    below = sorted(
        (ln for ln in lines if ln.page == page and ln.bbox[1] >= y1 - 0.3 * height), key=lambda ln: ln.bbox[1]
    )
    for line in below[:max_lines]:
        if line.bbox[1] - bottom > 3 * max(height, line.height):
            break
        cells = line_cells.get(id(line), ())
        under = [c for c in cells if min(x1, c.bbox[2]) - max(x0, c.bbox[0]) > -height]
        in_cells = {i for c in cells for i in c.word_indexes}
        text_under = [w for i, w in enumerate(line.words) if i not in in_cells
                      and min(x1, w.bbox[2]) - max(x0, w.bbox[0]) > 0 and any(ch.isalpha() for ch in w.text)]
        if under:
            found.append((line, min(under, key=lambda c: abs((c.bbox[0] + c.bbox[2]) - (x0 + x1)))))
        elif text_under:
            marker_end = max(w.bbox[2] for w in text_under)
            after = [c for c in cells if c.bbox[0] >= marker_end and c.bbox[2] <= right_limit]
            between = _words_between(line, x0 - height, after[0].bbox[0]) if after else ""
            if not after or not passes(between):
                break
            found.append((line, after[0]))
        bottom = line.bbox[3]
    return found


# --------------------------------------------------------------------------------------------------
# Dates.

_MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_PARTIAL_DATE = re.compile(
    r"^(?:(?P<m>\d{1,2})[/\-.](?P<d>\d{1,2})"
    r"|(?P<mon>[A-Za-z]{3,9})\.?[\s\-]*(?P<d2>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<d3>\d{1,2})[\s\-]*(?P<mon2>[A-Za-z]{3,9})\.?)$"
)
_RANGE_SPLIT = re.compile(r"\s*(?:\s-\s|[-\u2013\u2014]|\bto\b|\bthrough\b|\bthru\b|\buntil\b)\s*", re.IGNORECASE)
_OCR_DATE_SLIPS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


_SLIPPED_NUMERIC_DATE = re.compile(r"(?<![A-Za-z])[\dOoIl|]+(?:[/\-.][\dOoIl|]+)+(?![A-Za-z])")
"""A numeric date whose digits may be read as look-alike letters. It must not touch other letters,
so the "O" of a month name ("01-OCT-2025") is never taken for a zero."""


_MONTH_WORD = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?", re.IGNORECASE)
_SLIPPED_DAY = re.compile(r"(?=.*\d)[\dOoIl|]{1,2},?")
"""A one- or two-character day with a letter read for a digit ("O1"): at least one real digit."""
_STRAY_BEFORE_DAY = re.compile(r"[OoIl|](\d{2},?)")
"""A two-digit day with a look-alike glyph read in front of it ("O01": Tesseract doubled the 0)."""


def repair_date_text(text: str) -> str:
    """Undo OCR letter-for-digit slips inside numeric dates (``02/l5/2O26``) and in a day printed
    beside a month name (``O1 Oct``, ``Oct O1``, ``Nov O01``); month names themselves are untouched."""
    text = _SLIPPED_NUMERIC_DATE.sub(lambda m: m.group(0).translate(_OCR_DATE_SLIPS), text)
    parts = re.split(r"(\s+)", text)
    words = parts[::2]
    for i, word in enumerate(words):
        beside_month = any(0 <= j < len(words) and _MONTH_WORD.fullmatch(words[j]) for j in (i - 1, i + 1))
        if beside_month and _SLIPPED_DAY.fullmatch(word):
            words[i] = word.translate(_OCR_DATE_SLIPS)
        elif beside_month and (stray := _STRAY_BEFORE_DAY.fullmatch(word)):
            words[i] = stray.group(1)
    parts[::2] = words
    return "".join(parts)


def month_day(text: str) -> tuple[int, int] | None:
    """Month and day of a date printed without a year: ``02/13``, ``Feb 13``, ``13 Feb``."""
    m = _PARTIAL_DATE.match(repair_date_text(text.strip().strip(",")))
    if not m:
        return None
    if m.group("m"):
        month, day = int(m.group("m")), int(m.group("d"))
    else:
        name = (m.group("mon") or m.group("mon2")).lower()[:3]
        if name not in _MONTH_NAMES:
            return None
        month, day = _MONTH_NAMES.index(name) + 1, int(m.group("d2") or m.group("d3"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return month, day


def with_year(month: int, day: int, start: date | None, end: date | None) -> date | None:
    """A year-less date placed inside a period: the year that puts it nearest the period.

    A December to January statement prints ``12/30`` and ``01/02``; each gets the year that makes it
    fall within (or closest to) the period.
    """
    anchor = end or start
    if anchor is None:
        return None
    best: date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or _distance(candidate, start, end) < _distance(best, start, end):
            best = candidate
    return best


def _distance(day: date, start: date | None, end: date | None) -> int:
    lo, hi = start or end, end or start
    assert lo is not None and hi is not None  # with_year checked one is set
    if day < lo:
        return (lo - day).days
    if day > hi:
        return (day - hi).days
    return 0


def parse_period(text: str) -> tuple[date, date] | None:
    """A printed date range: two full dates, or a year-less start before a full end date.

    Reads "02/01/2026 - 02/15/2026", "February 1, 2026 through February 28, 2026",
    "Feb 1 - Feb 15, 2026" and "1 Feb to 15 Feb 2026". The start gets the end's year (the year
    before when its month is later, for a Dec -> Jan period).
    """
    text = repair_date_text(text)
    full = find_dates(text)
    if len(full) >= 2:
        start, end = full[0][0], full[1][0]
        return (start, end) if start <= end else (end, start)
    parts = [p for p in _RANGE_SPLIT.split(text) if p.strip()]
    for k in range(len(parts) - 1):
        closing = parse_date(parts[k + 1].strip())
        left = month_day(_last_words(parts[k], 2))
        if closing is None or left is None:
            continue
        year = closing.year - 1 if left[0] > closing.month else closing.year
        try:
            return date(year, *left), closing
        except ValueError:
            continue
    return None


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def first_date(text: str) -> date | None:
    """The first full date in a piece of text, OCR slips in digits repaired."""
    found = find_dates(repair_date_text(text))
    return found[0][0] if found else None


def period_length_days(start: date, end: date) -> int:
    return (end - start).days + 1


def near(day: date, start: date | None, end: date | None, slack_days: int = 10) -> bool:
    """Whether a date lies within the period, give or take ``slack_days``."""
    if start is None or end is None:
        return True
    return start - timedelta(days=slack_days) <= day <= end + timedelta(days=slack_days)


# --------------------------------------------------------------------------------------------------
# Name and address blocks.

# Stray commas, dots and dashes between the city and the state are OCR's ("GREGORYVIEW, , WI 98063",
# "HINESSHIRE. — HI 52548": a comma read as a dot, paper grain as a dash).
_CITY_STATE_ZIP = re.compile(
    r"(?P<city>[A-Za-z][A-Za-z .'\-]*?)(?P<marks>(?:\s*[,.\-–—])*)\s+(?P<state>[A-Za-z]{2})\.?,?\s+"
    r"(?P<zip>\d{5}(?:-\d{4})?)$")
USPS_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
    "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI",
    "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP",
})
"""USPS state, district, territory and military codes: OCR reads "HI" as "Hi" at times, and the code
itself, not its case, tells a city line from "Policy No 12345"."""
_STREET = re.compile(r"^(?:\d+[A-Za-z]?\s+\S+|P\.?\s*O\.?\s+Box\b|(?:Apt|Suite|Ste|Unit|#)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class AddressBlock:
    """A name stacked over its address lines (left-aligned), as on letters and cheques."""

    name: Segment | None
    address: tuple[Segment, ...]
    page: int

    @property
    def address_text(self) -> str:
        *street, city = (s.text.strip(" ,") for s in self.address)
        return ", ".join([*street, tidy_city_line(city)])

    @property
    def bbox(self) -> BBox:
        return union_bbox(s.bbox for s in ((self.name,) if self.name else ()) + self.address)


def tidy_city_line(text: str) -> str:
    """A "City, ST 12345" line with OCR's stray marks between city and state made one comma
    ("HINESSHIRE. — HI 52548" is "HINESSHIRE, HI 52548"); a line as printed is left as it is."""
    match = _CITY_STATE_ZIP.search(text)
    if match is None or not (set(match["marks"]) & set("-–—") or match["marks"].count(",") > 1):
        return text
    return f"{text[:match.start()]}{match['city'].rstrip(' .')}, {match['state']} {match['zip']}"


def is_city_line(text: str) -> bool:
    """Whether ``text`` ends "City, ST 12345" with a real state code (in any case)."""
    match = _CITY_STATE_ZIP.search(text.strip())
    return match is not None and match["state"].upper() in USPS_STATES


def address_blocks(lines: Sequence[Line]) -> list[AddressBlock]:
    """Every name + address block, found from its "City, ST 12345" line upwards, in reading order."""
    blocks = []
    for idx, line in enumerate(lines):
        for segment in line.segments:
            if is_city_line(segment.text):
                blocks.append(_block_above(lines, idx, segment))
    return blocks


def _block_above(lines: Sequence[Line], idx: int, city: Segment) -> AddressBlock:
    """Walk up from the city line through left-aligned segments: address lines, then the name."""
    stack: list[Segment] = [city]
    page = lines[idx].page
    height = lines[idx].height
    top = city.bbox[1]
    for prev in reversed(lines[:idx]):
        if prev.page != page or top - prev.bbox[3] > 1.2 * height:
            break
        aligned = [s for s in prev.segments if abs(s.bbox[0] - city.bbox[0]) <= 1.5 * height]
        if not aligned:
            continue
        stack.insert(0, aligned[0])
        top = aligned[0].bbox[1]
        if len(stack) >= 5 or not _STREET.match(aligned[0].text.strip()):
            break
    address: list[Segment] = []
    name: Segment | None = None
    for segment in reversed(stack):
        is_address = segment is city or _STREET.match(segment.text.strip())
        if is_address and name is None:
            address.insert(0, segment)
        else:
            name = segment
            break
    return AddressBlock(name=name, address=tuple(address), page=page)


_NOT_NAME_WORDS = frozenset(
    ["id", "no", "number", "ssn", "address", "date", "period", "account", "acct", "statement", "page", "total", "amount", "pay", "employee", "employer", "bank", "balance", "summary", "department", "dept", "social", "security"]
)


_NAME_PARTICLES = frozenset(["de", "da", "del", "della", "der", "den", "di", "du", "la", "le", "van", "von", "bin",
                             "binti", "al", "el", "y", "e", "of", "and"])
"""Lower-case words a printed name may carry ("Ana de la Cruz", "Jennings and Bowman")."""


def looks_like_name(text: str) -> bool:
    """Two to six words of letters (a person or company name), not another label or a number.

    A name is printed capitalised: OCR fragments of a line it could not read ("ee", "ae Bh") are
    short lower-case runs, so at least two words of two letters or more are needed, and every word
    but a particle ("de", "van") must start with a capital.
    """
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 6 or ":" in text:
        return False
    if any(any(ch.isdigit() for ch in w) for w in words):
        return False
    if any(tokens(w) and tokens(w)[0] in _NOT_NAME_WORDS for w in words):
        return False
    letters = [re.sub(r"[^A-Za-z]", "", w) for w in words]
    if sum(len(w) >= 2 for w in letters) < 2:
        return False
    return all(not w or w[0].isupper() or w.lower() in _NAME_PARTICLES for w in letters)


# --------------------------------------------------------------------------------------------------
# Amount rows: every label on the document with the amounts that belong to it, by role.


@dataclass(frozen=True)
class AmountRow:
    """A printed label and its amounts by role ("current", "ytd", ...), wherever they were printed.

    ``label`` is the printed label without role markers ("YTD Gross" -> "Gross" with its amount in
    the "ytd" role); ``tabled`` is true when roles came from column headers rather than from order.
    """

    label: str
    label_bbox: BBox
    page: int
    amounts: Mapping[str, Cell]
    tabled: bool


def amount_rows(
    lines: Sequence[Line],
    headers: Sequence[Header],
    *,
    roles: Sequence[str],
    markers: Mapping[str, Sequence[str]],
) -> list[AmountRow]:
    """Read every label group of the document into :class:`AmountRow` s, in reading order.

    Roles of an amount come, in order of trust, from the column header above it (nearest header on
    the page with a column of one of ``roles`` over it), from a role marker printed in or after the
    label ("Gross Pay 2,500.00 YTD 30,000.00"), or from position: a lone amount takes ``roles[0]``,
    the last two of several take ``roles[0]`` and ``roles[1]`` (hours and rate come first).
    A label with no amount on its line takes the amounts stacked under it.

    Args:
        lines: the document's lines in reading order.
        headers: table headers found on them (their own lines are not read as rows).
        roles: the roles wanted, most important first.
        markers: role -> words that name the role inside a label ("ytd": ["ytd", "year to date"]).
    """
    header_lines = {id(h.line) for h in headers}
    line_cells = {
        id(line): amount_cells(line.words, line.page, bare_cents=_money_column_test(line, headers, roles))
        for line in lines
    }
    rows: list[AmountRow] = []
    for line in lines:
        if id(line) in header_lines:
            continue
        groups = _merge_marker_groups(label_groups(line, line_cells[id(line)]), markers)
        groups = [(part, marked) for k, (group, marked) in enumerate(groups)
                  for part in _split_titles(group, _value_row_below(group, _next_x(groups, k), lines, line_cells))]
        for k, (group, marked) in enumerate(groups):
            label, label_role = _strip_markers(group.label, markers)
            if not label:
                # Only a role marker ("YTD:"): its amounts belong to the label above it.
                continue
            if group.cells:
                amounts, tabled = _roles_on_line(group, marked, label_role, headers, roles)
            else:
                amounts = _roles_below(group, _next_x(groups, k), lines, line_cells, label_role, roles, markers)
                tabled = False
            if amounts:
                rows.append(AmountRow(label, group.label_bbox, group.page, amounts, tabled))
    return rows


def _next_x(groups: Sequence[tuple[LabelGroup, object]], k: int) -> float:
    """Where the label after group ``k`` on its line starts (its column ends there)."""
    return groups[k + 1][0].label_bbox[0] if k + 1 < len(groups) else float("inf")


def _value_row_below(
    group: LabelGroup, right_limit: float, lines: Sequence[Line], line_cells: Mapping[int, Sequence[Cell]]
) -> list[Cell]:
    """The amounts of the next line when it is a row of values under this label's column, no text.

    Empty when the label has amounts of its own, or when text shares the column below it (then it
    is a stacked form or the next table, not a value row).
    """
    if group.cells:
        return []
    x0, y0, _, y1 = group.label_bbox
    height = y1 - y0
    below = [ln for ln in lines if ln.page == group.page and ln.bbox[1] >= y1 - 0.3 * height]
    if not below:
        return []
    line = min(below, key=lambda ln: ln.bbox[1])
    if line.bbox[1] - y1 > 3 * max(height, line.height):
        return []
    cells = line_cells.get(id(line), ())
    in_cells = {i for c in cells for i in c.word_indexes}
    if any(i not in in_cells and x0 - height <= w.bbox[2] and w.bbox[0] < right_limit for i, w in enumerate(line.words)):
        return []
    return [c for c in cells if x0 - height <= c.bbox[2] < right_limit]


def _split_titles(group: LabelGroup, values: Sequence[Cell]) -> list[LabelGroup]:
    """Split one run of column titles over several values into one title per value.

    Titles printed a single space apart ("Total Earnings Total Deductions") read as one label; the
    values under them say how many there are, and each title is aligned with its value (left, right
    or centred), so the split that aligns every part best with its value is taken.
    """
    words = group.label_words
    if len(values) < 2 or len(words) < len(values):
        return [group]

    def misalignment(part: Sequence[Word], cell: Cell) -> float:
        a, b = part[0].bbox[0], part[-1].bbox[2]
        c, d = cell.bbox[0], cell.bbox[2]
        return min(abs(a - c), abs(b - d), abs((a + b) - (c + d)) / 2)

    best: tuple[float, tuple[int, ...]] | None = None
    for cuts in combinations(range(1, len(words)), len(values) - 1):
        bounds = (0, *cuts, len(words))
        cost = sum(misalignment(words[i:j], cell) for (i, j), cell in zip(pairwise(bounds), values, strict=True))
        if best is None or cost < best[0]:
            best = (cost, bounds)
    assert best is not None  # len(words) >= len(values) >= 2 gives at least one split
    return [LabelGroup(group.line, tuple(words[i:j]), ()) for i, j in pairwise(best[1])]


def _money_column_test(line: Line, headers: Sequence[Header], roles: Sequence[str]) -> Callable[[BBox], bool]:
    def in_money_column(box: BBox) -> bool:
        return header_above(headers, line, box, roles) is not None

    return in_money_column


def header_above(headers: Sequence[Header], line: Line, box: BBox, roles: Iterable[str]) -> Header | None:
    """The header that governs ``box`` on ``line`` if its column there is one of ``roles``.

    That is the nearest header above on the same page with any column over the box; a header of
    another table further across the page has no column within reach and is passed over.
    """
    wanted = set(roles)
    above = [h for h in headers if h.page == line.page and h.line.bbox[3] <= line.bbox[1] + 1e-6]
    for header in sorted(above, key=lambda h: -h.line.bbox[1]):
        column = header.column_at(box)
        if column is not None:
            return header if column.role in wanted else None
    return None


def _merge_marker_groups(
    groups: list[LabelGroup], markers: Mapping[str, Sequence[str]]
) -> list[tuple[LabelGroup, dict[int, str]]]:
    """Fold a group whose label is only a role marker ("YTD") into the group before it.

    Returns each kept group with the roles its markers gave to some of its cells (by cell index).
    """
    merged: list[tuple[LabelGroup, dict[int, str]]] = []
    for group in groups:
        rest, role = _strip_markers(group.label, markers)
        # Not into a group that is itself only a marker: "YTD: 1.00  YTD: 2.00" are two columns.
        if merged and role and not rest and group.cells and _strip_markers(merged[-1][0].label, markers)[0]:
            prev, marked = merged[-1]
            start = len(prev.cells)
            combined = LabelGroup(prev.line, prev.label_words, prev.cells + group.cells)
            merged[-1] = (combined, {**marked, **{start + k: role for k in range(len(group.cells))}})
        else:
            merged.append((group, {}))
    return merged


def _strip_markers(label: str, markers: Mapping[str, Sequence[str]]) -> tuple[str, str | None]:
    """The printed label without its role-marker words, and the role they named (if any)."""
    words = label.split()
    flat = [(tok, i) for i, w in enumerate(words) for tok in tokens(w)]
    dropped: set[int] = set()
    found: str | None = None
    for role, phrases in markers.items():
        for phrase in sorted(phrases, key=lambda p: -len(tokens(p))):
            want = tokens(phrase)
            for k in range(len(flat) - len(want) + 1):
                if [t for t, _ in flat[k : k + len(want)]] == want:
                    dropped.update(i for _, i in flat[k : k + len(want)])
                    found = found or role
    return " ".join(w for i, w in enumerate(words) if i not in dropped), found


def _roles_on_line(
    group: LabelGroup,
    marked: Mapping[int, str],
    label_role: str | None,
    headers: Sequence[Header],
    roles: Sequence[str],
) -> tuple[dict[str, Cell], bool]:
    amounts: dict[str, Cell] = {}
    tabled = False
    for cell in group.cells:
        header = header_above(headers, group.line, cell.bbox, roles)
        column = header.column_at(cell.bbox, roles) if header else None
        if column is not None:
            amounts.setdefault(column.role, cell)
            tabled = True
    if tabled:
        return amounts, True
    untagged = [c for k, c in enumerate(group.cells) if k not in marked]
    for k, role in marked.items():
        amounts.setdefault(role, group.cells[k])
    if label_role and untagged:
        amounts.setdefault(label_role, untagged[-1] if len(roles) == 1 else untagged[0])
    elif untagged and (len(untagged) == 1 or len(roles) == 1):
        amounts.setdefault(roles[0], untagged[-1])
    elif len(untagged) >= 2:
        first, second = untagged[-2], untagged[-1]
        if abs(second.value) >= abs(first.value):
            amounts.setdefault(roles[0], first)
            amounts.setdefault(roles[1], second)
        else:
            amounts.setdefault(roles[0], second)
    return amounts, False


def _roles_below(
    group: LabelGroup,
    right_limit: float,
    lines: Sequence[Line],
    line_cells: Mapping[int, Sequence[Cell]],
    label_role: str | None,
    roles: Sequence[str],
    markers: Mapping[str, Sequence[str]],
) -> dict[str, Cell]:
    """Roles of the amounts stacked under a label that has none on its own line.

    A role comes from the marker printed just before the amount ("YTD: 30,000.00" in the label's
    box), else from the marker that starts the value row (a transposed summary: "YTD  30,000.00
    1,200.00 ..."), else from the label, else from the order of the rows.
    """

    def is_marker(text: str) -> bool:
        rest, role = _strip_markers(text, markers)
        return role is not None and not rest.strip(" :")

    amounts: dict[str, Cell] = {}
    below = cells_below(group.label_bbox, group.page, lines, line_cells, right_limit=right_limit, passes=is_marker)
    for k, (line, cell) in enumerate(below):
        cells = line_cells[id(line)]
        before = [c.bbox[2] for c in cells if c.bbox[2] <= cell.bbox[0]]
        own = _words_between(line, max(before, default=float("-inf")), cell.bbox[0])
        row_lead = _words_between(line, float("-inf"), cells[0].bbox[0])
        role = _strip_markers(own, markers)[1] or _strip_markers(row_lead, markers)[1]
        role = role or label_role or (roles[k] if k < len(roles) else None)
        if role is not None and role in roles:
            amounts.setdefault(role, cell)
    return amounts


def _words_between(line: Line, left: float, right: float) -> str:
    """The text printed on ``line`` wholly between two x positions."""
    return " ".join(w.text for w in line.words if w.bbox[0] >= left and w.bbox[2] <= right)


# --------------------------------------------------------------------------------------------------
# Labelled values and the fields made from them.


@dataclass(frozen=True)
class Labelled:
    """A value found beside or under a label, and how well the label matched."""

    found: Found
    score: float

    @property
    def confidence(self) -> float:
        return self.found.confidence * self.score


def labelled(
    lines: Sequence[Line],
    labels: Iterable[str],
    accept: Callable[[str], bool],
    *,
    max_words: int = 6,
    rivals: Iterable[str] = (),
) -> Labelled | None:
    """The first value ``accept`` takes right of one of ``labels`` or under it (exact labels first).

    ``rivals`` are the labels of a neighbouring field: a slip that reads as one of them at least as
    well is no label of ours ("Employes", an OCR'd "Employee", is one letter from "Employer" too).
    """
    rival_tokens = [tokens(r) for r in rivals]
    for match in find_labels(lines, labels):
        if match.score < 1.0 and _reads_as_rival(match, rival_tokens):
            continue
        found = value_beside(match.anchor, accept, max_words=max_words) or value_below(match.anchor, lines, accept)
        if found is not None:
            return Labelled(found, match.score)
    return None


def _reads_as_rival(match: LabelMatch, rivals: Sequence[Sequence[str]]) -> bool:
    """Whether the words of a fuzzy label match read as well as one of ``rivals``, from the same word."""
    toks = _word_tokens(match.anchor.line.words)
    first = next(k for k, (_, word) in enumerate(toks) if word == match.anchor.start)
    printed = [t for t, _ in toks[first:]]
    return any(tokens_match(printed[: len(rival)], rival) >= match.score for rival in rivals)


def value_beside(anchor: Anchor, accept: Callable[[str], bool], *, max_words: int = 6) -> Found | None:
    """The first run of words right of a label on its line that ``accept`` takes, longest first.

    A value is printed as one segment (see :class:`~extractors.layout.Segment`): the rest of the
    label's own segment, where it may start past a stray colon or a second label, or a whole later
    segment read from its start. A run never starts inside, or spans, another segment: that would
    glue the tails of the next labels into a value ("Employee || Pay Period End || Payment Date"
    has no name "End Payment").
    """
    last = anchor.line.words[anchor.end - 1]
    for segment in anchor.line.segments:
        if segment.bbox[2] <= last.bbox[0]:
            continue  # left of the label, or the label's segment
        own = last in segment.words
        words = [w for w in segment.words if not own or w.bbox[0] > last.bbox[0]]
        words = [*(_glued_value(last) if own else ()), *(w for w in words if w.text.strip(":") != "")]
        for start in range(len(words) if own else min(1, len(words))):
            for stop in range(min(len(words), start + max_words), start, -1):
                chunk = words[start:stop]
                text = " ".join(w.text for w in chunk).strip(" :")
                if text and accept(text):
                    return Found(text=text, page=anchor.page, bbox=union_bbox(w.bbox for w in chunk),
                                 confidence=min(w.confidence for w in chunk))
    return None


def _glued_value(word: Word) -> tuple[Word, ...]:
    """The value printed after a label's colon without a space ("Account:XXXX8021"), as a word.

    Its box is the word's box cut where the colon is, assuming even character widths.
    """
    head, colon, tail = word.text.partition(":")
    if not colon or not tail.strip() or not head:
        return ()
    x0, y0, x1, y1 = word.bbox
    cut = x0 + (x1 - x0) * (len(head) + 1) / len(word.text)
    return (word.model_copy(update={"text": tail.strip(), "bbox": (cut, y0, x1, y1)}),)


def accepts_date(text: str) -> bool:
    return parse_date(repair_date_text(text)) is not None


def accepts_period(text: str) -> bool:
    return parse_period(text) is not None


Sources = Mapping[int, Literal["text", "ocr"]]
"""Page number -> how the page was read, so each field states its source."""


def page_sources(pages: Iterable[PageText]) -> dict[int, Literal["text", "ocr"]]:
    return {p.number: p.source for p in pages}


def make_field(
    value: FieldScalar,
    *,
    page: int,
    bbox: BBox,
    raw: str,
    confidence: float,
    sources: Sources,
    derived: bool = False,
) -> FieldValue:
    """A :class:`FieldValue` with its source taken from the page it was read on."""
    source: Literal["text", "ocr", "derived"] = "derived" if derived else sources.get(page, "text")
    return FieldValue(value=value, confidence=round(max(0.0, min(1.0, confidence)), 3), page=page, bbox=bbox,
                      raw=raw, source=source)


def cell_field(cell: Cell, confidence: float, sources: Sources) -> FieldValue:
    """A money field from an amount cell."""
    return make_field(round(cell.value, 2), page=cell.page, bbox=cell.bbox, raw=cell.amount.raw,
                      confidence=confidence, sources=sources)


def date_field(
    day: date, found: Found, confidence: float, sources: Sources
) -> FieldValue:
    """An ISO date field from the text it was read from."""
    return make_field(day.isoformat(), page=found.page, bbox=found.bbox, raw=found.text, confidence=confidence,
                      sources=sources)


def labelled_dates(
    lines: Sequence[Line],
    start_labels: Sequence[str],
    end_labels: Sequence[str],
    range_labels: Sequence[str],
    sources: Sources,
) -> tuple[FieldValue | None, FieldValue | None]:
    """A period's start and end: their own labels first ("Period Ending"), then a printed range.

    The range is read after a range label ("Pay Period: a - b", up to 9 words) or under it.
    """
    start = labelled(lines, start_labels, accepts_date)
    end = labelled(lines, end_labels, accepts_date)
    out_start = _date_of(start, sources)
    out_end = _date_of(end, sources)
    if out_start is not None and out_end is not None:
        return out_start, out_end
    span = labelled(lines, range_labels, accepts_period, max_words=9)
    if span is None:
        return out_start, out_end
    period = parse_period(span.found.text)
    assert period is not None  # accepts_period took it
    return (out_start or date_field(period[0], span.found, span.confidence, sources),
            out_end or date_field(period[1], span.found, span.confidence, sources))


def _date_of(value: Labelled | None, sources: Sources) -> FieldValue | None:
    if value is None:
        return None
    parsed = parse_date(repair_date_text(value.found.text))
    return None if parsed is None else date_field(parsed, value.found, value.confidence, sources)
