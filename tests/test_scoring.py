"""Risk score and decision thresholds."""

from __future__ import annotations

import pytest

from pipeline.models import Evidence, Finding, Severity
from pipeline.scoring import decide

_COUNT = iter(range(10**6))


def _f(severity: Severity, code: str = "DOC_STALE", file: str | None = None) -> Finding:
    """A finding on a document of its own unless ``file`` is given."""
    return Finding(code=code, severity=severity, message="x", evidence=(Evidence(file=file or f"doc{next(_COUNT)}.pdf"),))


@pytest.mark.parametrize(
    ("severities", "score", "decision"),
    [
        ([], 0, "clear"),
        ([Severity.INFO], 0, "clear"),
        ([Severity.LOW], 5, "clear"),
        ([Severity.LOW] * 5, 23, "review"),
        ([Severity.MEDIUM], 25, "review"),
        ([Severity.HIGH], 50, "review"),
        ([Severity.HIGH, Severity.HIGH], 75, "decline"),
        ([Severity.MEDIUM] * 5, 76, "review"),  # symptoms of one misread document: a person decides
        ([Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM], 72, "decline"),
        ([Severity.CRITICAL], 90, "decline"),
    ],
)
def test_decide(severities: list[Severity], score: int, decision: str) -> None:
    assert decide([_f(s) for s in severities]) == (score, decision)


def test_low_findings_of_one_code_on_one_document_are_one_symptom() -> None:
    # An unread statement row breaks the closing balance, the running balance and the totals.
    one_row = [_f(Severity.LOW, "STATEMENT_BALANCE_MISMATCH", "statement.pdf") for _ in range(5)]
    assert decide(one_row) == (5, "clear")
    # Low doubts about five different documents, or of different kinds, still add up.
    spread = [_f(Severity.LOW, "STATEMENT_BALANCE_MISMATCH") for _ in range(3)] + [
        _f(Severity.LOW, "PAYSTUB_ARITHMETIC", "statement.pdf"), _f(Severity.LOW, "DOC_STALE", "statement.pdf")]
    assert decide(spread) == (23, "review")
    # Higher severities are never merged: two high findings on one document decline.
    assert decide([_f(Severity.HIGH, "PDF_EDITED", "a.pdf"), _f(Severity.HIGH, "PDF_EDITED", "a.pdf")])[1] == "decline"
