"""What the documents prove about income: monthly income from pay stubs, and which credits are pay.

Shared by the income, affordability and money-flow rules so that "verified income" means one thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pipeline.models import Evidence, ExtractedDocument, Transaction
from rules.common import (
    PERIODS_PER_YEAR,
    cite,
    field_date,
    field_money,
    field_text,
    has_keyword,
    median,
    pay_frequency,
)
from rules.matching import EMPLOYERS, compare_employer_to_deposit


@dataclass(frozen=True)
class StubIncome:
    """One pay stub's gross pay turned into a monthly figure, and what the figure rests on."""

    doc: ExtractedDocument
    monthly: Decimal
    frequency: str
    basis: str = "gross_pay"
    """The field the figure comes from: this period's ``gross_pay`` or the year's ``ytd_gross``."""


@dataclass(frozen=True)
class VerifiedIncome:
    """Monthly gross income the pay stubs prove, and the stubs it rests on."""

    monthly: Decimal
    stubs: tuple[StubIncome, ...]

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(cite(s.doc, s.basis, note=f"{s.frequency}: {s.monthly} a month") for s in self.stubs)

    def describe(self) -> str:
        return f"{self.monthly} a month from {len(self.stubs)} pay stub(s)"


YTD_MIN_MONTHS = Decimal(2)
"""Months of the year a stub's year-to-date must span before it is averaged: earlier, one bonus or
one short week weighs too much."""


def stub_income(doc: ExtractedDocument) -> StubIncome | None:
    """A stub's monthly income: this period's gross x periods per year / 12, or the year-to-date
    average when that is higher; ``None`` without gross pay or a frequency.

    An hourly worker's single week varies (38 hours instead of 40 is 5% less), while the
    applicant declares what they usually earn. The year-to-date gross on the same stub averages
    those weeks, as an underwriter reading the stub would; it can only raise the figure, so it
    never creates a shortfall, and a year-to-date figure inflated to match is what
    ``PAYSTUB_YTD_INCONSISTENT`` checks.
    """
    gross, frequency = field_money(doc, "gross_pay"), pay_frequency(doc)
    if gross is None or gross <= 0 or frequency is None:
        return None
    monthly = (gross * PERIODS_PER_YEAR[frequency] / 12).quantize(Decimal("0.01"))
    ytd_monthly = _ytd_monthly(doc, gross)
    if ytd_monthly is not None and ytd_monthly > monthly:
        return StubIncome(doc, ytd_monthly, frequency, basis="ytd_gross")
    return StubIncome(doc, monthly, frequency)


def _ytd_monthly(doc: ExtractedDocument, gross: Decimal) -> Decimal | None:
    """Year-to-date gross over the months elapsed by the pay date (None when not readable)."""
    ytd = field_money(doc, "ytd_gross")
    end = field_date(doc, "pay_date") or field_date(doc, "pay_period_end")
    if ytd is None or end is None or ytd < gross:
        return None
    months = Decimal(end.timetuple().tm_yday) / Decimal("30.4375")
    if months < YTD_MIN_MONTHS:
        return None
    return (ytd / months).quantize(Decimal("0.01"))


def verified_income(stubs: Sequence[ExtractedDocument]) -> VerifiedIncome | None:
    """Monthly income across jobs: the median of each employer's stubs, summed over employers.

    Stubs of one employer are periods of one job (a median ignores a one-off bonus); stubs of
    different employers are second jobs and add up. A stub whose employer was not read is counted as
    its own job: that can only raise verified income, never invent a shortfall.
    """
    jobs: list[list[StubIncome]] = []
    for income in filter(None, map(stub_income, stubs)):
        employer = field_text(income.doc, "employer_name")
        job = next((j for j in jobs if employer and (other := field_text(j[0].doc, "employer_name"))
                    and EMPLOYERS.compare(employer, other).matches), None)
        if job is None:
            jobs.append([income])
        else:
            job.append(income)
    if not jobs:
        return None
    total = sum((median(s.monthly for s in job) or Decimal(0) for job in jobs), Decimal(0))
    return VerifiedIncome(total.quantize(Decimal("0.01")), tuple(s for job in jobs for s in job))


def is_payroll_credit(tx: Transaction, keywords: Iterable[str], employers: Sequence[str] = ()) -> bool:
    """A credit that looks like pay: payroll wording, or a description naming a known employer."""
    if tx.amount <= 0:
        return False
    return has_keyword(tx.description, keywords) or any(
        compare_employer_to_deposit(e, tx.description).matches for e in employers)
