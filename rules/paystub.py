"""Rules on one pay stub: its arithmetic, its year-to-date figures, its statutory taxes.

A fabricated or edited stub usually gets the headline numbers right (gross, net) and the figures
that depend on them wrong: deductions that no longer sum, YTD totals that could not have been
earned by that date, Social Security that is not 6.2% of anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.config import RuleSettings
from pipeline.models import DocKind, Evidence, ExtractedDocument, Finding, LineItem, Severity
from rules.common import (
    PERIOD_DAYS,
    PERIODS_PER_YEAR,
    arithmetic_severity,
    as_money,
    cite,
    cite_item,
    field_confidence,
    field_date,
    field_money,
    figures_doubted,
    money,
    pay_frequency,
)
from rules.engine import NotRun, Rule, RuleContext


class PaystubArithmetic(Rule):
    """Gross pay minus total deductions is not net pay, or the deduction lines do not add up to the
    total. Payroll software never makes these errors; an edited stub (a raised gross, a lowered
    deduction) very often does. Rounding of a cent or two is not a finding."""

    id = "paystub_arithmetic"
    code = "PAYSTUB_ARITHMETIC"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        outcomes = [check(doc, ctx.thresholds) for doc in ctx.of_kind(DocKind.PAY_STUB)
                    for check in (self._net, self._lines)]
        if all(outcome is None for outcome in outcomes):
            return NotRun("no pay stub with gross, deductions and net pay (or deduction lines) read")
        return [finding for outcome in outcomes if outcome for finding in outcome]

    def _net(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding] | None:
        """Gross - total deductions = net; ``None`` when a figure is missing."""
        gross, deductions, net = (field_money(doc, n) for n in ("gross_pay", "total_deductions", "net_pay"))
        if gross is None or deductions is None or net is None:
            return None
        diff = abs(gross - deductions - net)
        if diff <= as_money(settings.money_tolerance):
            return []
        return [self.finding(
            f"{doc.file}: gross {gross} - deductions {deductions} = {gross - deductions}, but net pay is {net} "
            f"(off by {diff})",
            (cite(doc, "gross_pay"), cite(doc, "total_deductions"), cite(doc, "net_pay")),
            severity=arithmetic_severity(
                diff, settings, doc, _confidences(doc, "gross_pay", "total_deductions", "net_pay")),
            check="gross_minus_deductions", difference=float(diff), tolerance=settings.money_tolerance)]

    def _lines(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding] | None:
        """Deduction lines sum to total deductions; ``None`` when either is missing.

        A line whose amount OCR could not read explains lines summing short of the total (low),
        never lines summing above it."""
        total = field_money(doc, "total_deductions")
        read = [item for item in doc.deductions if item.amount is not None]
        if total is None or not doc.deductions:
            return None
        summed = sum((_item_money(item) or Decimal(0) for item in read), Decimal(0))
        diff = abs(summed - abs(total))
        tolerance = _lines_tolerance(settings, len(doc.deductions))
        if diff <= tolerance:
            return []
        unread = [item.name for item in doc.deductions if item.amount is None]
        message = f"{doc.file}: the {len(read)} deduction lines read sum to {summed}, but total deductions is {total}"
        if unread and summed < abs(total):
            severity = Severity.LOW
            message += f" (the amount of {', '.join(unread)} could not be read)"
        else:
            severity = arithmetic_severity(diff, settings, doc,
                                           [*_confidences(doc, "total_deductions"), *(i.confidence for i in read)])
        return [self.finding(
            message, (cite(doc, "total_deductions"), *(cite_item(doc, item) for item in doc.deductions)),
            severity=severity, check="deduction_lines", difference=float(diff), tolerance=float(tolerance))]


def _lines_tolerance(settings: RuleSettings, count: int) -> Decimal:
    """Each line was rounded on its own: half a cent per line on top of the base tolerance."""
    return as_money(settings.money_tolerance) + as_money(settings.line_item_rounding) * count


def _item_money(item: LineItem) -> Decimal | None:
    """A line's amount as a positive sum of money; None when it was not read."""
    return money(abs(item.amount)) if item.amount is not None else None


def _confidences(doc: ExtractedDocument, *names: str) -> list[float]:
    return [field_confidence(doc, name) for name in names]


def periods_elapsed(pay_date: date, frequency: str) -> int:
    """How many pay dates of ``frequency`` can fall from January 1 through ``pay_date`` (at least 1).

    YTD resets by pay date, so a stub paid on January 3 for a December period starts a new year.
    """
    if frequency == "semimonthly":
        return 2 * (pay_date.month - 1) + (1 if pay_date.day < 15 else 2)
    if frequency == "monthly":
        return pay_date.month
    day_of_year = pay_date.timetuple().tm_yday
    return (day_of_year - 1) // PERIOD_DAYS[frequency] + 1


class PaystubYtdInconsistent(Rule):
    """Year-to-date figures contradict the current period: YTD below this period's amount, YTD net
    above YTD gross, or YTD gross far more than the pay periods so far could have earned (a stub
    "paid" in January carrying a year's income). Fabricated stubs are often made by editing one
    period's numbers and forgetting, or inflating, the YTD column."""

    id = "paystub_ytd"
    code = "PAYSTUB_YTD_INCONSISTENT"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        stubs = [d for d in ctx.of_kind(DocKind.PAY_STUB)
                 if field_money(d, "ytd_gross") is not None or field_money(d, "ytd_net") is not None]
        if not stubs:
            return NotRun("no pay stub with year-to-date figures read")
        findings = []
        for doc in stubs:
            for check, message, evidence, params in _ytd_problems(doc, ctx.thresholds):
                # A YTD figure OCR doubted (a "5" read as "$") explains the inconsistency as well as an edit.
                cited = _confidences(doc, *(e.field for e in evidence if e.field))
                doubted = figures_doubted(doc, ctx.thresholds, cited)
                findings.append(self.finding(message, evidence, severity=Severity.LOW if doubted else None,
                                             check=check, **params))
        return findings


YtdProblem = tuple[str, str, tuple[Evidence, ...], dict[str, Any]]
"""(check name, message, evidence, parameters) of one YTD inconsistency."""


def _ytd_problems(doc: ExtractedDocument, settings: RuleSettings) -> list[YtdProblem]:
    tolerance = as_money(settings.money_tolerance)
    problems: list[YtdProblem] = []
    for current, ytd in (("gross_pay", "ytd_gross"), ("net_pay", "ytd_net")):
        now, total = field_money(doc, current), field_money(doc, ytd)
        if now is not None and total is not None and total + tolerance < now:
            problems.append(("below_current", f"{doc.file}: {ytd} {total} is less than this period's {current} {now}",
                             (cite(doc, ytd), cite(doc, current)), {}))
    ytd_gross, ytd_net = field_money(doc, "ytd_gross"), field_money(doc, "ytd_net")
    if ytd_gross is not None and ytd_net is not None and ytd_net > ytd_gross + tolerance:
        problems.append(("net_above_gross", f"{doc.file}: YTD net {ytd_net} exceeds YTD gross {ytd_gross}",
                         (cite(doc, "ytd_net"), cite(doc, "ytd_gross")), {}))
    gross, pay_date, frequency = field_money(doc, "gross_pay"), field_date(doc, "pay_date"), pay_frequency(doc)
    if ytd_gross is not None and gross and pay_date and frequency:
        periods = periods_elapsed(pay_date, frequency)
        ceiling = gross * periods * as_money(settings.ytd_plausibility_factor)
        if ytd_gross > ceiling:
            problems.append((
                "implausibly_high",
                (f"{doc.file}: YTD gross {ytd_gross} by {pay_date.isoformat()} is more than "
                 f"{settings.ytd_plausibility_factor}x the {periods} {frequency} period(s) so far at {gross}"),
                (cite(doc, "ytd_gross"), cite(doc, "gross_pay"), cite(doc, "pay_date")),
                {"periods_elapsed": periods, "frequency": frequency, "ceiling": float(ceiling),
                 "factor": settings.ytd_plausibility_factor}))
    return problems


# Deduction line names, by what they are. Matched on the upper-cased name with punctuation dropped.
_SOCIAL_SECURITY = re.compile(r"\b(SOCIAL SECURITY|SOC SEC|OASDI|SS TAX|FICA SS|SS EE|EE SS|SOCSEC)\b")
_MEDICARE = re.compile(r"\b(MEDICARE|MED EE|FED MED|FICA MED|MEDI|MCARE|MED TAX)\b")
_FICA_COMBINED = re.compile(r"^(FICA|FICA TAX|FICA EE)$")
# Deductions that may lower the FICA wage base. Section 125 (health, dental, vision, FSA/HSA) and
# transit plans legally do; 401(k)/403(b) deferrals legally do not, but payroll lines often lump
# them with 125 plans, so they widen the accepted range rather than risk a false finding.
_PRETAX = re.compile(r"\b(401 ?K|403 ?B|457|SECTION 125|SEC 125|S125|CAFETERIA|PRE ?TAX|MEDICAL|HEALTH|DENTAL|"
                     r"VISION|HSA|FSA|DEPENDENT CARE|DEP CARE|TRANSIT|COMMUTER|PARKING|MED RX|RETIREMENT)\b")


_FEDERAL_INCOME_TAX = re.compile(r"\b(FEDERAL|FED|FIT|FWT)\b")


def _complete_table_without_fica(doc: ExtractedDocument, settings: RuleSettings) -> bool:
    """A deductions table read whole (every amount read, summing to the printed total) with a federal
    income tax line and no Social Security, Medicare or FICA line."""
    total = field_money(doc, "total_deductions")
    amounts = [_item_money(item) for item in doc.deductions]
    if total is None or len(amounts) < 2 or None in amounts:
        return False
    summed = sum((a for a in amounts if a is not None), Decimal(0))
    tolerance = _lines_tolerance(settings, len(amounts))
    labels = [_label(item) for item in doc.deductions]
    federal = any(_FEDERAL_INCOME_TAX.search(label) and not _MEDICARE.search(label) for label in labels)
    fica = any(_SOCIAL_SECURITY.search(label) or _MEDICARE.search(label) or _FICA_COMBINED.match(label)
               for label in labels)
    return abs(summed - abs(total)) <= tolerance and federal and not fica


def _label(item: LineItem) -> str:
    return " ".join(re.findall(r"[A-Z0-9]+", item.name.upper().replace("(", "").replace(")", "")))


@dataclass(frozen=True)
class TaxRange:
    """The amounts a statutory tax line may hold for this stub, from the lowest plausible base to gross."""

    low: Decimal
    high: Decimal

    def __add__(self, other: TaxRange) -> TaxRange:
        return TaxRange(self.low + other.low, self.high + other.high)

    def holds(self, amount: Decimal, tolerance: Decimal) -> bool:
        return self.low - tolerance <= amount <= self.high + tolerance


def social_security_range(gross: Decimal, pretax: Decimal, ytd_gross: Decimal | None, annual_periods: int,
                          settings: RuleSettings) -> TaxRange:
    """Social Security this period: 6.2% of a base between gross less pre-tax deductions and gross,
    capped by what is left of the annual wage base."""
    rate, wage_base = as_money(settings.social_security_rate), as_money(settings.social_security_wage_base)
    low_base = max(Decimal(0), gross - pretax)
    if ytd_gross is not None:
        # Prior YTD gross overstates prior SS wages (pre-tax deductions), so this remaining room is
        # a lower bound: the low end only ever drops, never rises.
        remaining = max(Decimal(0), wage_base - (ytd_gross - gross))
        low_base = min(low_base, remaining)
    elif gross * annual_periods > wage_base:
        low_base = Decimal(0)  # could have reached the wage base already; unknown without YTD
    return TaxRange((low_base * rate).quantize(Decimal("0.01")), (gross * rate).quantize(Decimal("0.01")))


def medicare_range(gross: Decimal, pretax: Decimal, ytd_gross: Decimal | None, annual_periods: int,
                   settings: RuleSettings) -> TaxRange:
    """Medicare this period: 1.45% of the base, plus 0.9% on wages above the additional-tax threshold."""
    rate, extra = as_money(settings.medicare_rate), as_money(settings.additional_medicare_rate)
    threshold = as_money(settings.additional_medicare_threshold)
    low = max(Decimal(0), gross - pretax) * rate
    high = gross * rate
    if ytd_gross is not None:
        high += extra * min(gross, max(Decimal(0), ytd_gross - threshold))
    elif gross * annual_periods > threshold:
        high += extra * gross
    return TaxRange(low.quantize(Decimal("0.01")), high.quantize(Decimal("0.01")))


class PaystubTaxImplausible(Rule):
    """Social Security or Medicare withheld does not match its statutory rate (6.2% up to the annual
    wage base; 1.45%, plus 0.9% above $200,000 YTD) on gross pay or on any plausible base reduced by
    pre-tax deductions; or a stub withholds federal income tax and no Social Security or Medicare at
    all, while its deduction lines add up to its total (so no line went unread). Forgers scale gross
    pay and forget the taxes, make them up, or leave them out."""

    id = "paystub_tax"
    code = "PAYSTUB_TAX_IMPLAUSIBLE"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        stubs = [d for d in ctx.of_kind(DocKind.PAY_STUB) if field_money(d, "gross_pay")]
        rated = [d for d in stubs if self._tax_lines(d)]
        untaxed = [d for d in stubs if not self._tax_lines(d) and _complete_table_without_fica(d, ctx.thresholds)]
        if not rated and not untaxed:
            return NotRun("no pay stub with gross pay and a Social Security or Medicare line, or a complete "
                          "deductions table with federal withholding")
        return [*(f for doc in rated for f in self._check(doc, ctx.thresholds)),
                *(self._no_fica(doc) for doc in untaxed)]

    def _no_fica(self, doc: ExtractedDocument) -> Finding:
        return self.finding(
            f"{doc.file}: federal income tax is withheld but no Social Security or Medicare, and the "
            f"{len(doc.deductions)} deduction lines account for the whole total: FICA is withheld from "
            "almost every US employee's pay",
            (cite(doc, "total_deductions"), cite(doc, "gross_pay"), *(cite_item(doc, i) for i in doc.deductions)),
            tax="fica_missing")

    @staticmethod
    def _tax_lines(doc: ExtractedDocument) -> list[tuple[str, LineItem]]:
        lines = []
        for item in doc.deductions:
            if item.amount is None:
                continue
            label = _label(item)
            if _FICA_COMBINED.match(label):
                lines.append(("fica", item))
            elif _SOCIAL_SECURITY.search(label):
                lines.append(("social_security", item))
            elif _MEDICARE.search(label):
                lines.append(("medicare", item))
        return lines

    def _check(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding]:
        gross = field_money(doc, "gross_pay")
        assert gross is not None  # filtered in evaluate
        pretax = sum((_item_money(i) or Decimal(0) for i in doc.deductions if _PRETAX.search(_label(i))), Decimal(0))
        ytd = field_money(doc, "ytd_gross")
        # Without a known frequency assume weekly: the most periods, so the caps are reached soonest.
        annual_periods = PERIODS_PER_YEAR.get(pay_frequency(doc) or "weekly", 52)
        ss = social_security_range(gross, pretax, ytd, annual_periods, settings)
        medicare = medicare_range(gross, pretax, ytd, annual_periods, settings)
        expected = {"social_security": ss, "medicare": medicare, "fica": ss + medicare}
        tolerance = as_money(settings.tax_tolerance)
        findings = []
        for kind, item in self._tax_lines(doc):
            amount, accepted = _item_money(item), expected[kind]
            if amount is None or accepted.holds(amount, tolerance):
                continue
            # A tax line OCR doubted ("75.52" read "15.52" at 0.29) is likelier misread than miscalculated.
            doubted = figures_doubted(doc, settings, (item.confidence, field_confidence(doc, "gross_pay")))
            findings.append(self.finding(
                f"{doc.file}: {item.name} {amount} is outside {accepted.low}-{accepted.high}, the {kind.replace('_', ' ')} "
                f"range for gross {gross} (pre-tax deductions {pretax})",
                (cite_item(doc, item), cite(doc, "gross_pay")), severity=Severity.LOW if doubted else None,
                tax=kind, amount=float(amount), expected_low=float(accepted.low), expected_high=float(accepted.high),
                pretax_deductions=float(pretax), tolerance=settings.tax_tolerance))
        return findings
