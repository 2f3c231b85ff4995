"""Risk score and decision thresholds."""

from __future__ import annotations

import pytest

from pipeline.models import Finding, Severity
from pipeline.scoring import decide


def _f(severity: Severity) -> Finding:
    return Finding(code="DOC_STALE", severity=severity, message="x")


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
