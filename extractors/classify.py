"""Document classification over the registered extractors' signals.

Each extractor declares weighted text patterns that are evidence for its kind (see
:class:`extractors.base.Signal`). A document's score for a kind is the sum of the weights of the
patterns found in its text; the best kind wins when it clears a minimum score and a margin over the
runner-up. Anything else is ``unknown`` and becomes a ``DOC_UNCLASSIFIED`` finding downstream.

A machine-readable zone that parses with agreeing check digits names its document kind by its
document code, however the rest of the page read: a photographed card whose title OCR lost, or whose
zone reads ``UT0`` for ``UTO``, is still an ID card. The parsed zone stands in for the pattern on its
first line (never both). A decoded AAMVA barcode names its kind the same way: a licence photo whose
printed title OCR lost still carries its PDF417.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.aamva import parse_aamva
from extractors.base import EXTRACTORS
from extractors.layout import Line, page_text
from extractors.mrz import find_mrz, mrz_likeness
from extractors.registry import load_extractors
from pipeline.models import Barcode, Classification, DocKind

MIN_SCORE = 2.0
"""Total signal weight a kind needs before we name it: one weak keyword is not a classification."""
MIN_MARGIN = 1.0
"""How far ahead of the runner-up the best kind must be; closer calls are ``unknown``."""
MRZ_WEIGHT = 4.0
"""Weight of a parsed machine-readable zone for the kind its document code names."""
MRZ_MAX_FAILED_CHECKS = 1
"""Check digits that may disagree in a parse that counts: a zone with one forged field still names
its kind; look-alike repairs can make junk agree on a check or two by chance, never on all but one."""
MRZ_MIN_FILLERS = 4
"""Filler characters a zone must show as read: every ICAO layout pads with '<' (or reads it as 'KK'),
a statement row that happens to parse has none."""
_FILLER_AS_READ = re.compile(r"[<«]|K(?=K)")
BARCODE_WEIGHT = MRZ_WEIGHT
"""Weight of a decoded AAMVA payload for the kind its subfile names: as sure as a verified zone."""
AAMVA_KINDS = {"DL": DocKind.DRIVERS_LICENSE, "ID": DocKind.ID_CARD}
"""AAMVA subfile types: DL driver's licence, ID identification card."""
MRZ_KINDS = {"P": DocKind.PASSPORT, "I": DocKind.ID_CARD, "A": DocKind.ID_CARD, "C": DocKind.ID_CARD}
"""ICAO 9303 document codes: P passports; I, A and C official travel and identity cards."""


def classify(
    lines: Sequence[Line], *, text_pages: frozenset[int] = frozenset(), barcodes: Sequence[Barcode] = ()
) -> Classification:
    """Classify a document from its lines (all pages); ``text_pages`` are the pages read from a text
    layer (an MRZ there is parsed without look-alike repairs), ``barcodes`` those decoded on its pages.

    Returns the winning kind with a confidence in 0..1 that grows with the winner's score and its
    lead over the runner-up, plus every kind's score for the report.
    """
    load_extractors()
    text = page_text(lines)
    zone_kind = mrz_kind(lines, text_pages)
    barcode_kinds = {AAMVA_KINDS.get(record.subfile) for b in barcodes if (record := parse_aamva(b.text))}
    scores = {}
    for kind, extractor in EXTRACTORS.items():
        matched = [s for s in extractor.signals if s.pattern.search(text)]
        zone = max((s.weight for s in matched if s.mrz_line), default=0.0)
        if kind == zone_kind:
            zone = max(zone, MRZ_WEIGHT)
        barcode = BARCODE_WEIGHT if kind in barcode_kinds else 0.0
        scores[kind.value] = round(sum(s.weight for s in matched if not s.mrz_line) + zone + barcode, 2)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return Classification(kind=DocKind.UNKNOWN, confidence=0.0, scores=scores)
    best_kind, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < MIN_SCORE or best - runner_up < MIN_MARGIN:
        return Classification(kind=DocKind.UNKNOWN, confidence=0.0, scores=scores)
    confidence = min(1.0, 0.5 + 0.5 * (best - runner_up) / best) * min(1.0, best / (2 * MIN_SCORE))
    return Classification(kind=DocKind(best_kind), confidence=round(confidence, 3), scores=scores)


def mrz_kind(lines: Sequence[Line], text_pages: frozenset[int] = frozenset()) -> DocKind | None:
    """The kind named by the document code of a machine-readable zone among ``lines``: one with
    fillers as read whose check digits agree but for at most :data:`MRZ_MAX_FAILED_CHECKS`."""
    # The fillers the zone must show can only come from MRZ-like lines: without them there is no
    # zone to find, and the search (windows of statement rows, look-alike repairs) costs 50-350 ms
    # on a scanned statement.
    candidates = [line.text for line in lines if mrz_likeness(line.text) > 0]
    if sum(len(_FILLER_AS_READ.findall(text.upper())) for text in candidates) < MRZ_MIN_FILLERS:
        return None
    found = find_mrz(lines, text_pages=text_pages)
    if found is None:
        return None
    zone = found.mrz
    failed = sum(not ok for ok in zone.checks.values())
    fillers = sum(len(_FILLER_AS_READ.findall(raw.upper())) for raw in zone.raw_lines)
    if failed > MRZ_MAX_FAILED_CHECKS or fillers < MRZ_MIN_FILLERS:
        return None
    return MRZ_KINDS.get(found.mrz.lines[0][:1])
