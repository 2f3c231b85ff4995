"""The rule engine: registration checks, crash isolation, every rule reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pipeline.config import RuleSettings
from pipeline.models import DocKind, ExtractedDocument, Finding, Severity
from rules import engine
from rules.codes import CODES
from rules.engine import RULES, NotRun, Rule, RuleContext, run_rules


@pytest.fixture
def isolated_registry() -> Iterator[None]:
    engine.load_rules()
    saved = dict(RULES)
    RULES.clear()
    yield
    RULES.clear()
    RULES.update(saved)


def _ctx(*docs: ExtractedDocument) -> RuleContext:
    return RuleContext(documents=docs, application=None, settings=RuleSettings(), as_of=date(2026, 3, 2))


def _doc(name: str, **kw: object) -> ExtractedDocument:
    return ExtractedDocument(file=name, sha256="0" * 64, kind=kw.pop("kind", DocKind.PAY_STUB), **kw)  # type: ignore[arg-type]


def test_crashing_rule_is_reported_and_others_still_run(isolated_registry: None) -> None:
    class Crashes(Rule):
        """Always crashes."""

        id = "crashes"
        code = "DOC_STALE"
        severity = Severity.LOW

        def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
            raise ZeroDivisionError("boom")

    class Fires(Rule):
        """Always fires."""

        id = "fires"
        code = "DOC_MISSING"
        severity = Severity.MEDIUM

        def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
            return [self.finding("missing")]

    run = run_rules(_ctx(_doc("a.pdf")))
    statuses = {c.rule: (c.status, c.reason) for c in run.checks}
    assert statuses["crashes"] == ("not_run", "internal error: ZeroDivisionError: boom")
    assert statuses["fires"] == ("failed", None)
    assert [f.code for f in run.findings] == ["DOC_MISSING"]


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"id": "x", "code": "NOT_A_CODE", "severity": Severity.LOW, "__doc__": "d"}, "unknown reason code"),
        ({"id": "x", "code": "DOC_STALE", "severity": Severity.LOW, "__doc__": ""}, "needs a docstring"),
        ({"code": "DOC_STALE", "severity": Severity.LOW, "__doc__": "d"}, "must define 'id'"),
    ],
)
def test_rule_definition_is_checked(isolated_registry: None, attrs: dict, message: str) -> None:
    def evaluate(self: Rule, ctx: RuleContext) -> list[Finding]:
        return []

    with pytest.raises(TypeError, match=message):
        type("Bad", (Rule,), {**attrs, "evaluate": evaluate})


def test_every_registered_rule_uses_a_design_code() -> None:
    engine.load_rules()
    assert RULES
    assert all(rule.code in CODES for rule in RULES.values())


@pytest.mark.parametrize(
    ("docs", "codes"),
    [
        ([_doc("ok.pdf")], []),
        ([_doc("bad.pdf", status="unreadable", error="encrypted PDF"), _doc("ok.pdf")], ["DOC_UNREADABLE"]),
        ([_doc("letter.pdf", kind=DocKind.UNKNOWN)], ["DOC_UNCLASSIFIED"]),
    ],
)
def test_document_condition_rules(docs: list[ExtractedDocument], codes: list[str]) -> None:
    run = run_rules(_ctx(*docs))
    assert sorted(f.code for f in run.findings if f.code.startswith("DOC_UN")) == codes
