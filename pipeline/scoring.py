"""Risk score and decision from a bundle's findings.

Each finding contributes a weight by severity; weights combine like independent risks,
``score = 100 * (1 - prod(1 - w/100))``, so two high findings score more than one but the score never
passes 100 and many low findings cannot outweigh one critical one. A decline needs at least one
finding of high severity or above: medium means "a person should look" (an OCR'd figure that does not
add up, a policy limit), and five such symptoms of one misread statement are still a question for a
person, not a reason to turn the applicant away. Low findings of one code on one document are one
symptom and count once: a statement row OCR did not read breaks its closing balance, its running
balance and its totals, and three cents-level doubts about one scan are not three reasons to look.

| severity | weight |      | decision | when |
|---|---|---|---|---|
| info | 0 | | `decline` | any critical finding, or score >= 70 with a high one |
| low | 5 | | `review` | any medium or high finding, or score >= 20 |
| medium | 25 | | `clear` | otherwise |
| high | 50 | | | |
| critical | 90 | | | |
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from pipeline.models import Finding, Severity

SEVERITY_WEIGHT = {
    Severity.INFO: 0.0,
    Severity.LOW: 5.0,
    Severity.MEDIUM: 25.0,
    Severity.HIGH: 50.0,
    Severity.CRITICAL: 90.0,
}
DECLINE_SCORE = 70
REVIEW_SCORE = 20

Decision = Literal["clear", "review", "decline"]


def risk_score(findings: Iterable[Finding]) -> int:
    """0..100: combined risk of the findings (see module docstring)."""
    counted = [f for f in findings if f.severity != Severity.LOW]
    symptoms = {(f.code, _document(f)) for f in findings if f.severity == Severity.LOW}
    weights = [SEVERITY_WEIGHT[f.severity] for f in counted] + [SEVERITY_WEIGHT[Severity.LOW]] * len(symptoms)
    keep = math.prod(1.0 - weight / 100.0 for weight in weights)
    return round(100.0 * (1.0 - keep))


def _document(finding: Finding) -> str | None:
    """The document a finding is about: the file its first piece of evidence cites."""
    return finding.evidence[0].file if finding.evidence else None


def decide(findings: list[Finding]) -> tuple[int, Decision]:
    """The risk score and the decision it leads to."""
    score = risk_score(findings)
    severities = {f.severity for f in findings}
    if Severity.CRITICAL in severities or (score >= DECLINE_SCORE and Severity.HIGH in severities):
        return score, "decline"
    if severities & {Severity.MEDIUM, Severity.HIGH} or score >= REVIEW_SCORE:
        return score, "review"
    return score, "clear"
