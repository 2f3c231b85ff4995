"""Rules on what the applicant declared against what the documents prove: income, DTI, LTV.

Limits come from the application's product (``RuleSettings.for_product``): a mortgage allows less
debt-to-income than an auto loan, and a personal loan has no collateral to measure.
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.models import DocKind, Evidence, Finding, Severity
from rules.common import as_money, money
from rules.crossdoc import application_evidence
from rules.engine import NotRun, Rule, RuleContext
from rules.income import verified_income


def loan_evidence(field: str, value: object) -> Evidence:
    return Evidence(file="application.json", field=f"loan.{field}", value=value)


class IncomeOverstated(Rule):
    """The declared monthly income is more than 10% above what the pay stubs prove (gross per
    period x periods per year / 12). Inflated stated income is how an unaffordable loan gets
    approved; above 50% it is reported at high severity."""

    id = "income_overstated"
    code = "INCOME_OVERSTATED"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        stated = money(ctx.application.applicant.stated_monthly_income) if ctx.application else None
        if not stated:
            return NotRun("no declared monthly income")
        verified = verified_income(ctx.of_kind(DocKind.PAY_STUB))
        if verified is None:
            return NotRun("no pay stub with gross pay and a known pay frequency to verify income from")
        limits = ctx.thresholds
        excess = stated / verified.monthly - 1
        if excess <= as_money(limits.income_overstatement_tolerance):
            return []
        high = excess > as_money(limits.income_overstatement_high)
        return [self.finding(
            f"declared monthly income {stated} is {excess:.0%} above verified income ({verified.describe()})",
            (application_evidence("stated_monthly_income", float(stated)), *verified.evidence),
            severity=Severity.HIGH if high else None, stated=float(stated), verified=float(verified.monthly),
            excess=round(float(excess), 4), tolerance=limits.income_overstatement_tolerance)]


class DebtToIncomeExceeded(Rule):
    """Existing monthly debt plus the new loan's payment, divided by verified monthly gross income,
    is above the product's limit (auto 45%, mortgage 43%, personal 40%). A borrower past it is
    likely to default whatever the documents say. Without declared existing debt the rule can only
    fire when the new payment alone breaks the limit."""

    id = "debt_to_income"
    code = "DTI_EXCEEDED"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        app = ctx.application
        payment = money(app.loan.monthly_payment) if app else None
        if app is None or payment is None:
            return NotRun("no monthly payment for the new loan")
        loan = app.loan
        verified = verified_income(ctx.of_kind(DocKind.PAY_STUB))
        if verified is None or verified.monthly <= 0:
            return NotRun("no verified monthly income from pay stubs")
        existing = money(loan.existing_monthly_debt)
        ratio = (payment + (existing or Decimal(0))) / verified.monthly
        limit = as_money(ctx.thresholds.max_dti)
        if ratio <= limit:
            return [] if existing is not None else NotRun(
                "existing monthly debt not declared; the new payment alone is within the limit")
        evidence = [loan_evidence("monthly_payment", float(payment)), *verified.evidence]
        if existing is not None:
            evidence.insert(1, loan_evidence("existing_monthly_debt", float(existing)))
        return [self.finding(
            f"debt-to-income {ratio:.1%} is above the {app.product or 'default'} limit of {limit:.0%} "
            f"(debt {payment + (existing or Decimal(0))} a month against {verified.describe()})",
            tuple(evidence), dti=round(float(ratio), 4), limit=float(limit), product=app.product)]


class LoanToValueExceeded(Rule):
    """The loan amount divided by the collateral's value is above the product's limit (auto 120%,
    mortgage 95%). An over-advanced loan leaves the lender unsecured and is a sign of an inflated
    purchase price or valuation. Not applicable to personal loans (no collateral)."""

    id = "loan_to_value"
    code = "LTV_EXCEEDED"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        limit_value = ctx.thresholds.max_ltv
        if ctx.application is None or limit_value is None:
            return NotRun("no loan-to-value limit for this product")
        loan = ctx.application.loan
        amount = money(loan.amount)
        value = money(loan.collateral.value) if loan.collateral else None
        if amount is None or not value:
            return NotRun("needs the loan amount and the collateral value")
        ratio, limit = amount / value, as_money(limit_value)
        if ratio <= limit:
            return []
        return [self.finding(
            f"loan-to-value {ratio:.1%} is above the {ctx.application.product} limit of {limit:.0%}",
            (loan_evidence("amount", float(amount)), loan_evidence("collateral.value", float(value))),
            ltv=round(float(ratio), 4), limit=float(limit), product=ctx.application.product)]
