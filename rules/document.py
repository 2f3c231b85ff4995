"""Rules about the documents as a set: readable, of a known kind, recent enough, and complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pipeline.models import IDENTITY_KINDS, DocKind, Evidence, ExtractedDocument, Finding, Severity
from rules.common import cite, field_date, field_text
from rules.engine import NotRun, Rule, RuleContext
from rules.matching import EMPLOYERS
from rules.statement import account_key


class UnreadableDocument(Rule):
    """A file in the bundle could not be read (corrupt, empty, encrypted, oversized, unsupported or
    hostile). The underwriter must know a document was handed in but not checked: its content may
    be exactly what the rest of the file does not show."""

    id = "document_readable"
    code = "DOC_UNREADABLE"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        if not ctx.documents:
            return NotRun("no files in bundle")
        return [
            self.finding(
                f"{doc.file} could not be read: {doc.error}",
                (Evidence(file=doc.file, note=doc.error),),
                reason=doc.error,
            )
            for doc in ctx.documents
            if doc.status == "unreadable"
        ]


class UnclassifiedDocument(Rule):
    """A readable file is none of the document kinds docsentry verifies. It was not checked, so the
    underwriter should look at it by hand (it may also be padding to make a bundle look complete)."""

    id = "document_classified"
    code = "DOC_UNCLASSIFIED"
    severity = Severity.LOW

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        readable = [d for d in ctx.documents if d.status == "ok"]
        if not readable:
            return NotRun("no readable document in bundle")
        return [
            self.finding(
                f"{doc.file} is not a document kind docsentry recognises",
                (Evidence(file=doc.file, page=1, note="classification scores: "
                          + (", ".join(f"{k}={v}" for k, v in sorted(doc.kind_scores.items())) or "none")),),
            )
            for doc in readable
            if doc.kind == DocKind.UNKNOWN
        ]


def _newest_per_group(dated: list[tuple[ExtractedDocument, date]], key: Callable[[ExtractedDocument], object]
                      ) -> list[tuple[ExtractedDocument, date]]:
    newest: dict[object, tuple[ExtractedDocument, date]] = {}
    for doc, day in dated:
        group = key(doc)
        if group not in newest or day > newest[group][1]:
            newest[group] = (doc, day)
    return list(newest.values())


class StaleDocument(Rule):
    """The newest pay stub of an employer was paid more than 60 days before submission, or the newest
    statement of an account ended more than 90 days before. Old documents hide a lost job or a
    drained account; underwriting needs the current picture. Older stubs or statements handed in
    next to a recent one are history, not staleness, and are not reported."""

    id = "document_fresh"
    code = "DOC_STALE"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        limits = ctx.thresholds
        stubs = [(d, day) for d in ctx.of_kind(DocKind.PAY_STUB) if (day := field_date(d, "pay_date"))]
        statements = [(d, day) for d in ctx.of_kind(DocKind.BANK_STATEMENT)
                      if (day := field_date(d, "statement_period_end"))]
        if not stubs and not statements:
            return NotRun("no pay stub with a pay date and no statement with a period end read")
        checks = (
            (_newest_per_group(stubs, lambda d: employer_key(d)), "pay_date", limits.paystub_max_age_days),
            (_newest_per_group(statements, lambda d: account_key(d) or d.file), "statement_period_end",
             limits.statement_max_age_days),
        )
        return [
            self.finding(f"{doc.file}: {field.replace('_', ' ')} {day.isoformat()} is {(ctx.as_of - day).days} days "
                         f"before submission (limit {max_age})", (cite(doc, field),),
                         age_days=(ctx.as_of - day).days, max_age_days=max_age)
            for newest, field, max_age in checks for doc, day in newest if (ctx.as_of - day).days > max_age
        ]


def employer_key(doc: ExtractedDocument) -> object:
    """Group pay stubs by employer words; a stub without a readable employer is its own group."""
    return EMPLOYERS.parse(field_text(doc, "employer_name") or "") or doc.file


# A requirement's check: None when met, else why it is not (a sentence for the underwriter);
# UNKNOWN when a document is there but could not be dated.
UNKNOWN = "unknown"
Requirement = Callable[[RuleContext], str | None]


def _identity(ctx: RuleContext) -> str | None:
    return None if ctx.of_kind(*IDENTITY_KINDS) else "no identity document (passport, ID card or driver's licence)"


def _recent_pay_stub(ctx: RuleContext) -> str | None:
    stubs = ctx.of_kind(DocKind.PAY_STUB)
    if not stubs:
        return "no pay stub"
    days = ctx.thresholds.required_paystub_max_age_days
    dates = [d for s in stubs if (d := field_date(s, "pay_date"))]
    if not dates:
        return UNKNOWN
    if any(0 <= (ctx.as_of - d).days <= days for d in dates):
        return None
    return f"no pay stub paid within {days} days before submission"


def _statement_periods(ctx: RuleContext) -> list[tuple[date, date]]:
    return [(s, e) for d in ctx.of_kind(DocKind.BANK_STATEMENT)
            if (s := field_date(d, "statement_period_start")) and (e := field_date(d, "statement_period_end"))
            and s <= e]


def _latest_statement(ctx: RuleContext) -> str | None:
    if not ctx.of_kind(DocKind.BANK_STATEMENT):
        return "no bank statement"
    ends = [e for d in ctx.of_kind(DocKind.BANK_STATEMENT) if (e := field_date(d, "statement_period_end"))]
    if not ends:
        return UNKNOWN
    days = ctx.thresholds.latest_statement_max_age_days
    if any(0 <= (ctx.as_of - e).days <= days for e in ends):
        return None
    return f"no statement ending within {days} days before submission (the latest monthly statement)"


def _statements_3_months(ctx: RuleContext) -> str | None:
    if not ctx.of_kind(DocKind.BANK_STATEMENT):
        return "no bank statements"
    periods = _statement_periods(ctx)
    if not periods:
        return UNKNOWN
    covered = len({start.toordinal() + i for start, end in periods for i in range((end - start).days + 1)})
    needed = ctx.thresholds.statements_history_days
    return None if covered >= needed else f"statements cover {covered} days, {needed} needed (3 months)"


def _tax_form(ctx: RuleContext) -> str | None:
    # docsentry does not read tax forms yet, so none is ever in the bundle as a recognised kind:
    # the requirement is reported as unmet on purpose, for the underwriter to check by hand.
    return "no tax form (docsentry does not recognise tax forms yet: check the bundle by hand)"


REQUIREMENTS: dict[str, Requirement] = {
    "identity": _identity,
    "recent_pay_stub": _recent_pay_stub,
    "latest_statement": _latest_statement,
    "statements_3_months": _statements_3_months,
    "tax_form": _tax_form,
}


class MissingDocument(Rule):
    """A document the product and occupation require is not in the bundle: an employee needs an
    identity document, a pay stub from the last 30 days and the latest monthly statement; the
    self-employed need an identity document, three months of statements and a tax form. What is
    left out is often what would have shown the problem. Without a declared occupation only the
    requirements common to every occupation are checked."""

    id = "document_required"
    code = "DOC_MISSING"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        required = self._required(ctx)
        if not required:
            return NotRun("no document requirements configured for this application")
        outcomes = {name: REQUIREMENTS[name](ctx) for name in required}
        unknown = [name for name, why in outcomes.items() if why == UNKNOWN]
        missing = {name: why for name, why in outcomes.items() if why and why != UNKNOWN}
        if unknown and not missing:
            return NotRun(f"documents present but undated for: {', '.join(unknown)}")
        occupation = ctx.application.applicant.occupation_type if ctx.application else None
        return [self.finding(f"{why} (required for {occupation or 'every applicant'})",
                             (Evidence(note=f"requirement {name}"),), requirement=name, occupation=occupation,
                             product=ctx.application.product if ctx.application else None)
                for name, why in missing.items()]

    @staticmethod
    def _required(ctx: RuleContext) -> tuple[str, ...]:
        table = ctx.thresholds.required_documents
        occupation = ctx.application.applicant.occupation_type if ctx.application else None
        if occupation in table:
            return table[occupation]
        common = set.intersection(*(set(v) for v in table.values())) if table else set()
        return tuple(name for name in next(iter(table.values()), ()) if name in common)
