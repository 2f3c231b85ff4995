"""Font anomalies: a number drawn in a font or size unlike the numbers around it.

A forger who retypes one amount rarely has the issuer's font, so the new digits come out in another
family, or in the right family at a slightly wrong size. We compare like with like: numbers with the
numbers in the same row and the same column, by font *family* (bold labels, bold totals and subset
prefixes such as ``ABCDEF+Helvetica-Bold`` are the same family), and only flag a family that is rare in
the document; a table set in its own font has many words in it and is not an anomaly.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.config import ForensicSettings
from pipeline.models import BBox, FieldValue, ForensicSignal, PageText, Word

_SUBSET = re.compile(r"^[A-Z]{6}\+")
_VALUE = re.compile(r"\d[\d,. ]*[.,]\d{2}\)?-?$|\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}$|\d{1,2}[-/ ][A-Za-z]{3}[-/ ]\d{2,4}$")
"""Amounts (``1,234.56``) and dates (``03/14/2026``, ``14-MAR-2026``): the values a forger retypes."""
_STYLE = re.compile(r"(?:[-, ]?(?:bold|italic|oblique|regular|roman|book|medium|semibold|light|black|mt|ps|psmt))+$",
                    re.IGNORECASE)


def font_family(font: str | None) -> str | None:
    """``ABCDEF+Arial-BoldMT`` -> ``arial``: the family with subset prefix and style words removed."""
    if not font:
        return None
    name = _SUBSET.sub("", font)
    base = re.split(r"[-,]", name, maxsplit=1)[0] or name
    return (_STYLE.sub("", base) or base).lower()


@dataclass(frozen=True)
class Token:
    """A number-bearing text-layer word with the measures we compare."""

    page: int
    word: Word
    family: str

    @property
    def middle(self) -> float:
        return (self.word.bbox[1] + self.word.bbox[3]) / 2

    def same_row(self, other: Token) -> bool:
        em = max(self.word.size or 0.0, other.word.size or 0.0, 1.0)
        return self.page == other.page and abs(self.middle - other.middle) <= 0.6 * em

    def same_column(self, other: Token, tolerance: float) -> bool:
        a, b = self.word.bbox, other.word.bbox
        return self.page == other.page and (abs(a[2] - b[2]) <= tolerance or abs(a[0] - b[0]) <= tolerance)


def numeric_tokens(pages: tuple[PageText, ...]) -> list[Token]:
    """Amount and date words on text-layer pages (reference numbers and MRZ lines, often in their own
    mono font, are left out)."""
    tokens = []
    for page in pages:
        if page.source != "text":
            continue
        for word in page.words:
            family = font_family(word.font)
            if family and word.size and _VALUE.search(word.text):
                tokens.append(Token(page.number, word, family))
    return tokens


def font_signals(pages: tuple[PageText, ...], fields: dict[str, FieldValue], cfg: ForensicSettings) -> list[ForensicSignal]:
    """A signal per number whose font family, or size within its family, differs from its peers."""
    tokens = numeric_tokens(pages)
    counts = Counter(t.family for t in tokens)
    on_page: dict[int, list[Token]] = {}
    for token in tokens:
        on_page.setdefault(token.page, []).append(token)
    signals = []
    for token in tokens:
        peers = [p for p in on_page[token.page] if p is not token
                 and (token.same_row(p) or token.same_column(p, cfg.font_column_tolerance_pt))]
        signal = _family_outlier(token, peers, counts, len(tokens), cfg) or _size_outlier(token, peers, cfg)
        if signal is not None:
            signals.append(signal.model_copy(update={"field": _field_at(fields, token)}))
    return signals


def _family_outlier(token: Token, peers: list[Token], counts: Counter[str], total: int,
                    cfg: ForensicSettings) -> ForensicSignal | None:
    if counts[token.family] > min(cfg.font_rare_max_words, max(1.0, cfg.font_rare_share * total)):
        return None
    families = Counter(p.family for p in peers)
    if not families:
        return None
    usual, seen = families.most_common(1)[0]
    if usual == token.family or seen < cfg.font_min_peers:
        return None
    return ForensicSignal(
        family="font", name="number_font_differs", strength=cfg.font_family_strength, page=token.page,
        bbox=token.word.bbox, detail=f"'{token.word.text}' is set in {token.word.font} while {seen} neighbouring "
        f"numbers use {usual}; the document uses that font for {counts[token.family]} number(s) only")


def font_face(font: str | None) -> str:
    """``ABCDEF+Arial-BoldMT`` -> ``arial-boldmt``: the face (family and weight), subset prefix removed."""
    return _SUBSET.sub("", font or "").lower()


def _size_outlier(token: Token, peers: list[Token], cfg: ForensicSettings) -> ForensicSignal | None:
    """A number a fraction of a point off its peers' agreed size. Peers in the very same face (weight
    included) allow a wider step: a designer who emphasises a total changes its weight or takes a
    whole step, while a forger retyping a value in the issuer's plain face misses the size by a little."""
    face = font_face(token.word.font)
    same_face = [p.word.size or 0.0 for p in peers if font_face(p.word.font) == face]
    same_family = [p.word.size or 0.0 for p in peers if p.family == token.family]
    for sizes, delta_max in ((same_face, cfg.font_size_same_face_delta_max_pt),
                             (same_family, cfg.font_size_delta_max_pt)):
        if len(sizes) < cfg.font_min_size_peers or max(sizes) - min(sizes) > cfg.font_size_agreement_pt:
            continue  # the peers do not agree on one size themselves: nothing to compare against
        delta = abs((token.word.size or 0.0) - sizes[0])
        if cfg.font_size_delta_min_pt <= delta <= delta_max:
            break
    else:
        return None  # equal, or a deliberate size step (a total, a heading)
    return ForensicSignal(
        family="font", name="number_size_differs", strength=cfg.font_size_strength, page=token.page,
        bbox=token.word.bbox, detail=f"'{token.word.text}' is {token.word.size} pt while {len(sizes)} neighbouring "
        f"numbers in the same font are {sizes[0]} pt")


def _field_at(fields: dict[str, FieldValue], token: Token) -> str | None:
    return next((name for name, f in fields.items()
                 if f.page == token.page and f.bbox is not None and _overlaps(f.bbox, token.word.bbox)), None)


def _overlaps(a: BBox, b: BBox) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])

