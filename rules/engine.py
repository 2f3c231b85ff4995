"""The rule engine: registered rules, each evaluated in isolation, every outcome reported.

A rule is a small class with its reason code, severity and a docstring saying what it catches and
why an underwriter cares. ``evaluate`` returns findings (possibly none: passed) or :class:`NotRun`
with the reason it could not be checked — "not checked" must never look like "passed". A rule that
raises is our bug, not the borrower's: it is logged, reported as ``not_run`` with the error, and the
other rules still run.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from typing import ClassVar

from pipeline.config import RuleSettings
from pipeline.models import Application, CheckResult, DocKind, ExtractedDocument, Finding, Severity
from rules.codes import CODES

log = logging.getLogger(__name__)

RULE_MODULES = (
    "rules.document",
    "rules.identity",
    "rules.paystub",
    "rules.statement",
    "rules.crossdoc",
    "rules.affordability",
    "rules.aml",
    "rules.forensics",
)
"""Every module defining rules; importing one registers its rules (tests check none is missing)."""


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at for one bundle."""

    documents: tuple[ExtractedDocument, ...]
    application: Application | None
    settings: RuleSettings
    as_of: date
    """The submission date (application's ``submitted_at``, else the day of verification)."""

    def of_kind(self, *kinds: DocKind) -> list[ExtractedDocument]:
        return [d for d in self.documents if d.kind in kinds and d.status == "ok"]

    @cached_property
    def thresholds(self) -> RuleSettings:
        """``settings`` with the application's product overrides applied: what rules compare to."""
        return self.settings.for_product(self.application.product if self.application else None)


@dataclass(frozen=True)
class NotRun:
    reason: str


@dataclass
class RuleRun:
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)


RULES: dict[str, Rule] = {}


class Rule(ABC):
    """Base class: a subclass registers itself under ``id`` when defined.

    Class attributes: ``id`` (stable rule id, snake case), ``code`` (a DESIGN.md reason code) and
    ``severity`` (default severity of its findings). The class docstring is the rule's description.
    """

    id: ClassVar[str]
    code: ClassVar[str]
    severity: ClassVar[Severity]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # ABCMeta computes __abstractmethods__ only after this hook, so also look at the class body:
        # an intermediate base declaring its own abstract methods is not a rule to register.
        if getattr(cls, "__abstractmethods__", None) or any(
                getattr(member, "__isabstractmethod__", False) for member in vars(cls).values()):
            return
        for attr in ("id", "code", "severity"):
            if not hasattr(cls, attr):
                raise TypeError(f"rule {cls.__name__} must define {attr!r}")
        if cls.code not in CODES:
            raise TypeError(f"rule {cls.__name__} uses unknown reason code {cls.code!r}")
        if not (cls.__doc__ or "").strip():
            raise TypeError(f"rule {cls.__name__} needs a docstring saying what it catches and why")
        if cls.id in RULES:
            raise TypeError(f"duplicate rule id {cls.id!r}")
        RULES[cls.id] = cls()

    @classmethod
    def describe(cls) -> str:
        return " ".join((cls.__doc__ or "").split())

    @abstractmethod
    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        """Check the bundle; return findings (empty when it passed) or why it could not run."""

    def finding(self, message: str, evidence: tuple = (), severity: Severity | None = None, **params: object) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            evidence=tuple(evidence),
            rule=self.id,
            params=dict(params),
        )


@cache
def load_rules() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


def run_rules(ctx: RuleContext) -> RuleRun:
    """Evaluate every registered rule; collect every finding and one check entry per rule."""
    load_rules()
    run = RuleRun()
    for rule_id, rule in sorted(RULES.items()):
        try:
            outcome = rule.evaluate(ctx)
        except Exception as exc:  # a crashing rule is our bug: report it, keep the others running
            log.exception("rule %s crashed", rule_id)
            run.checks.append(CheckResult(rule=rule_id, code=rule.code, status="not_run",
                                          reason=f"internal error: {type(exc).__name__}: {exc}"))
            continue
        if isinstance(outcome, NotRun):
            run.checks.append(CheckResult(rule=rule_id, code=rule.code, status="not_run", reason=outcome.reason))
            continue
        run.findings.extend(outcome)
        run.checks.append(CheckResult(rule=rule_id, code=rule.code, status="failed" if outcome else "passed"))
    return run
