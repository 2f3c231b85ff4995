"""Document classification over the registered extractors' signals.

Each extractor declares weighted text patterns that are evidence for its kind (see
:class:`extractors.base.Signal`). A document's score for a kind is the sum of the weights of the
patterns found in its text; the best kind wins when it clears a minimum score and a margin over the
runner-up. Anything else is ``unknown`` and becomes a ``DOC_UNCLASSIFIED`` finding downstream.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.base import EXTRACTORS
from extractors.layout import Line, page_text
from extractors.registry import load_extractors
from pipeline.models import Classification, DocKind

MIN_SCORE = 2.0
"""Total signal weight a kind needs before we name it: one weak keyword is not a classification."""
MIN_MARGIN = 1.0
"""How far ahead of the runner-up the best kind must be; closer calls are ``unknown``."""


def classify(lines: Sequence[Line]) -> Classification:
    """Classify a document from its lines (all pages).

    Returns the winning kind with a confidence in 0..1 that grows with the winner's score and its
    lead over the runner-up, plus every kind's score for the report.
    """
    load_extractors()
    text = page_text(lines)
    scores = {
        kind.value: round(sum(s.weight for s in extractor.signals if s.pattern.search(text)), 2)
        for kind, extractor in EXTRACTORS.items()
    }
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return Classification(kind=DocKind.UNKNOWN, confidence=0.0, scores=scores)
    best_kind, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < MIN_SCORE or best - runner_up < MIN_MARGIN:
        return Classification(kind=DocKind.UNKNOWN, confidence=0.0, scores=scores)
    confidence = min(1.0, 0.5 + 0.5 * (best - runner_up) / best) * min(1.0, best / (2 * MIN_SCORE))
    return Classification(kind=DocKind(best_kind), confidence=round(confidence, 3), scores=scores)
