"""Geometry over words: lines, column segments, label anchors and the values beside them.

Extractors find a field by its label ("Net Pay", "Date of birth", "Closing balance") and then look
for a value of the right type to the right of the label on the same line, or just below it. This
is what lets one extractor read layouts it has never seen, instead of one template per issuer.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.models import BBox, PageText, Word


class _WordRun:
    """Text and box of a run of words (a line or a segment of one)."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)


@dataclass(frozen=True)
class Segment(_WordRun):
    """Words of one line that sit close together: a label, a value, or one table cell."""

    words: tuple[Word, ...]

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=1.0)


@dataclass(frozen=True)
class Line(_WordRun):
    """Words sharing a baseline on one page, left to right, split into segments at wide gaps."""

    page: int
    words: tuple[Word, ...]
    segments: tuple[Segment, ...] = field(default=())

    @property
    def height(self) -> float:
        return statistics.median(w.bbox[3] - w.bbox[1] for w in self.words)


@dataclass(frozen=True)
class Anchor:
    """Where a label was found: its line, the words it covers and what lies to its right."""

    line: Line
    start: int
    """Index in ``line.words`` of the label's first word."""
    end: int
    """Index after the label's last word."""

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.line.words[self.start : self.end])

    @property
    def page(self) -> int:
        return self.line.page

    @property
    def words_after(self) -> tuple[Word, ...]:
        return self.line.words[self.end :]


@dataclass(frozen=True)
class Found:
    """A value found next to an anchor, with its provenance."""

    text: str
    page: int
    bbox: BBox
    confidence: float


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    boxes = list(boxes)
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def group_lines(page: PageText, gap_factor: float = 1.6) -> list[Line]:
    """Group a page's words into lines (top to bottom) and each line into segments.

    Words join a line when their vertical centres are within half the line height. A horizontal gap
    wider than ``gap_factor`` x the line height starts a new segment: inside a label or an address
    the gap is one space (~0.3 em), between a label and its value or between table columns it is
    several em.
    """
    words = sorted((w for w in page.words if w.text.strip()), key=lambda w: (w.bbox[1] + w.bbox[3]) / 2)
    typical = _typical_height(words)

    def height_of(word: Word) -> float:
        # OCR boxes hug the ink: a hyphen or a period is a few pixels tall, and measured by its own
        # box it would split its line in two. Punctuation is as tall as the text it sits in.
        own = word.bbox[3] - word.bbox[1]
        return max(own, typical) if not any(ch.isalnum() for ch in word.text) else max(own, 1e-6)

    rows: list[list[Word]] = []
    for word in words:
        centre = (word.bbox[1] + word.bbox[3]) / 2
        height = height_of(word)
        if rows:
            last = rows[-1]
            last_centre = statistics.fmean((w.bbox[1] + w.bbox[3]) / 2 for w in last)
            last_height = statistics.median(height_of(w) for w in last)
            if abs(centre - last_centre) <= 0.5 * min(height, last_height) + 0.15 * max(height, last_height):
                last.append(word)
                continue
        rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w.bbox[0])
        lines.append(_make_line(page.number, row, gap_factor))
    return lines


def _typical_height(words: Sequence[Word]) -> float:
    """Median box height of the words with letters or digits (0.0 when there are none)."""
    heights = [w.bbox[3] - w.bbox[1] for w in words if any(ch.isalnum() for ch in w.text)]
    return statistics.median(heights) if heights else 0.0


def _make_line(page: int, row: list[Word], gap_factor: float) -> Line:
    """Build one line and split it into segments at gaps wider than ``gap_factor`` x its height."""
    height = statistics.median(w.bbox[3] - w.bbox[1] for w in row)
    segments: list[list[Word]] = [[row[0]]]
    for prev, word in zip(row, row[1:], strict=False):
        if word.bbox[0] - prev.bbox[2] > gap_factor * height:
            segments.append([word])
        else:
            segments[-1].append(word)
    return Line(page=page, words=tuple(row), segments=tuple(Segment(tuple(s)) for s in segments))


def document_lines(pages: Sequence[PageText]) -> list[Line]:
    """Lines of every page, in reading order (page, then top to bottom)."""
    return [line for page in pages for line in group_lines(page)]


def _norm_token(text: str) -> str:
    return re.sub(r"[^0-9a-z#]", "", text.lower())


def find_anchors(lines: Iterable[Line], labels: Iterable[str]) -> list[Anchor]:
    """Every place one of ``labels`` is printed, matched word by word, case and punctuation ignored.

    A label such as ``"date of birth"`` matches the words ``Date of Birth:`` or ``DATE OF BIRTH``;
    labels are tried longest first so ``"ytd net pay"`` wins over ``"net pay"`` at the same place.
    """
    label_tokens = sorted(
        ([t for t in (_norm_token(x) for x in label.split()) if t] for label in labels),
        key=len,
        reverse=True,
    )
    anchors: list[Anchor] = []
    for line in lines:
        tokens = [_norm_token(w.text) for w in line.words]
        taken: set[int] = set()
        for wanted in label_tokens:
            n = len(wanted)
            for i in range(len(tokens) - n + 1):
                if any(j in taken for j in range(i, i + n)):
                    continue
                if tokens[i : i + n] == wanted:
                    anchors.append(Anchor(line=line, start=i, end=i + n))
                    taken.update(range(i, i + n))
    return anchors


def value_right_of(
    anchor: Anchor,
    accept: Callable[[str], bool],
    *,
    max_words: int = 6,
) -> Found | None:
    """The first run of words after the label on its line whose joined text ``accept`` takes.

    Tries the longest run first (so ``Mar 2, 2026`` beats ``Mar``), starting at each word after the
    label, so a stray colon or a second label between does not hide the value.
    """
    after = [w for w in anchor.words_after if w.text.strip(":") != ""]
    for start in range(len(after)):
        for stop in range(min(len(after), start + max_words), start, -1):
            chunk = after[start:stop]
            text = " ".join(w.text for w in chunk).strip(" :")
            if text and accept(text):
                return Found(
                    text=text,
                    page=anchor.page,
                    bbox=union_bbox(w.bbox for w in chunk),
                    confidence=min(w.confidence for w in chunk),
                )
    return None


def value_below(
    anchor: Anchor,
    lines: Sequence[Line],
    accept: Callable[[str], bool],
    *,
    max_lines: int = 2,
) -> Found | None:
    """A value printed under the label (form layouts: label above, value below), overlapping it in x.

    Looks at the next ``max_lines`` lines on the same page, at the segments that overlap the label
    horizontally, and returns the first one ``accept`` takes.
    """
    x0, _, x1, y1 = anchor.bbox
    label_height = anchor.bbox[3] - anchor.bbox[1]
    # By the line's middle, not its top: a speck or an accent can stretch a value's box up into the
    # label's, yet the value still sits below it.
    below = [ln for ln in lines if ln.page == anchor.page and _middle(ln.bbox) >= y1 and ln is not anchor.line]
    below.sort(key=lambda ln: _middle(ln.bbox))
    for line in below[:max_lines]:
        if line.bbox[1] - y1 > 4 * max(label_height, line.height):
            break
        for segment in line.segments:
            sx0, _, sx1, _ = segment.bbox
            if sx1 < x0 - label_height or sx0 > x1 + 4 * label_height:
                continue
            text = segment.text.strip(" :")
            if accept(text):
                return Found(text=text, page=line.page, bbox=segment.bbox, confidence=segment.confidence)
            found = _run_under(segment, x0 - label_height, accept, line.page)
            if found is not None:
                return found
    return None


def _run_under(segment: Segment, left: float, accept: Callable[[str], bool], page: int) -> Found | None:
    """The longest run of a segment's words starting under the label that ``accept`` takes.

    Column values printed close together read as one segment ("November 16, 2025 November 30, 2025
    November 28, 2025" under "Period From | Period End | Advice Date"); each label's value is the
    run that starts under it."""
    words = [w for w in segment.words if w.bbox[0] >= left]
    if len(words) == len(segment.words):
        words = words[: len(words) - 1]  # the whole segment was tried already
    for stop in range(len(words), 0, -1):
        chunk = words[:stop]
        text = " ".join(w.text for w in chunk).strip(" :")
        if text and accept(text):
            return Found(text=text, page=page, bbox=union_bbox(w.bbox for w in chunk),
                         confidence=min(w.confidence for w in chunk))
    return None


def _middle(bbox: BBox) -> float:
    return (bbox[1] + bbox[3]) / 2


def labelled_value(
    lines: Sequence[Line],
    labels: Iterable[str],
    accept: Callable[[str], bool],
    *,
    below: bool = True,
) -> Found | None:
    """Find a value by label: right of the label first, then under it."""
    for anchor in find_anchors(lines, labels):
        found = value_right_of(anchor, accept)
        if found is None and below:
            found = value_below(anchor, lines, accept)
        if found is not None:
            return found
    return None


def page_text(lines: Iterable[Line]) -> str:
    return "\n".join(line.text for line in lines)
