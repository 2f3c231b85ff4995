"""Payroll: pay calendars, per-period pay with withholding, year-to-date sums, and the pay-stub record.

Every period of the calendar year is computed (not only the printed one) so that year-to-date figures
are true sums over the year's pay dates, and so that the bank statements can carry a payroll credit of
exactly each period's net pay on its pay date.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from samples.dates import month_end, previous_business_day

Frequency = Literal["weekly", "biweekly", "semimonthly", "monthly"]
PERIODS_PER_YEAR: dict[Frequency, int] = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}

# 2025 single-filer brackets after the standard deduction: (upper bound, marginal rate).
_FEDERAL_BRACKETS = ((11_925, 0.10), (48_475, 0.12), (103_350, 0.22), (197_300, 0.24), (250_525, 0.32), (10**9, 0.35))
_STANDARD_DEDUCTION = 15_000.0
SOCIAL_SECURITY_RATE = 0.062
MEDICARE_RATE = 0.0145


@dataclass(frozen=True)
class PayPeriod:
    start: date
    end: date
    pay_date: date


def pay_calendar(frequency: Frequency, year: int, *, friday_offset: int = 0) -> list[PayPeriod]:
    """Every pay period whose pay date falls in ``year``.

    Weekly and biweekly pay on Fridays (``friday_offset`` picks which alternate Friday for
    biweekly) for a period that closed the previous Sunday; semimonthly pays on the 15th and the
    last day, monthly on the last day, each moved to the previous business day when the bank is
    closed, as payroll processors do.
    """
    periods: list[PayPeriod] = []
    if frequency in ("weekly", "biweekly"):
        step = 7 if frequency == "weekly" else 14
        day = date(year, 1, 1)
        day += timedelta(days=(4 - day.weekday()) % 7 + 7 * (friday_offset % 2 if step == 14 else 0))
        while day.year == year:
            end = day - timedelta(days=5)
            periods.append(PayPeriod(end - timedelta(days=step - 1), end, previous_business_day(day)))
            day += timedelta(days=step)
        return periods
    for month in range(1, 13):
        if frequency == "semimonthly":
            first_end, last_end = date(year, month, 15), month_end(year, month)
            periods.append(PayPeriod(date(year, month, 1), first_end, previous_business_day(first_end)))
            periods.append(PayPeriod(date(year, month, 16), last_end, previous_business_day(last_end)))
        else:
            last_end = month_end(year, month)
            periods.append(PayPeriod(date(year, month, 1), last_end, previous_business_day(last_end)))
    return periods


def pay_periods_through(frequency: Frequency, last_pay_date: date, *, friday_offset: int = 0) -> list[PayPeriod]:
    """Pay periods of ``last_pay_date``'s year up to and including that pay date."""
    return [p for p in pay_calendar(frequency, last_pay_date.year, friday_offset=friday_offset) if p.pay_date <= last_pay_date]


@dataclass(frozen=True)
class TaxPolicy:
    """Withholding rates; a fraud scenario bends them to make a stub's taxes implausible."""

    social_security: float = SOCIAL_SECURITY_RATE
    medicare: float = MEDICARE_RATE
    federal_scale: float = 1.0
    state_rate: float = 0.0


@dataclass(frozen=True)
class Compensation:
    """How a job pays: salaried (annual) or hourly (rate with varying hours), plus benefits."""

    frequency: Frequency
    annual_salary: float | None = None
    hourly_rate: float | None = None
    retirement_pct: float = 0.0
    medical: float = 0.0
    dental: float = 0.0
    taxes: TaxPolicy = TaxPolicy()

    @property
    def periods(self) -> int:
        return PERIODS_PER_YEAR[self.frequency]


# Label sets for deduction lines, as different payroll providers word them.
DEDUCTION_LABELS: tuple[dict[str, str], ...] = (
    {"federal": "Federal Income Tax", "ss": "Social Security", "medicare": "Medicare", "state": "{st} State Income Tax",
     "retirement": "401(k)", "medical": "Medical Insurance", "dental": "Dental"},
    {"federal": "Fed Withholding", "ss": "FICA - Social Security", "medicare": "FICA - Medicare", "state": "State Tax - {st}",
     "retirement": "401K Contribution", "medical": "Health Ins Pre-Tax", "dental": "Dental Pre-Tax"},
    {"federal": "Federal W/H", "ss": "OASDI", "medicare": "Medicare EE", "state": "{st} Withholding",
     "retirement": "Retirement 401k", "medical": "Med/Rx", "dental": "Dental Plan"},
    {"federal": "Fed Income Tax", "ss": "Soc Sec", "medicare": "Fed MED/EE", "state": "{st} Income Tax",
     "retirement": "401k Pretax", "medical": "Medical", "dental": "Dental"},
)
EARNING_LABELS = (("Regular", "Overtime"), ("Regular Pay", "Overtime Pay"), ("Salary", "OT 1.5x"), ("Base Pay", "Overtime"))


@dataclass(frozen=True)
class Line:
    """A named amount with its year-to-date sum; earnings also carry rate and hours."""

    name: str
    current: float
    ytd: float
    rate: float | None = None
    hours: float | None = None


@dataclass(frozen=True)
class PeriodPay:
    period: PayPeriod
    earnings: tuple[tuple[str, float | None, float | None, float], ...]
    """(key, rate, hours, amount) with key "regular" or "overtime"."""
    deductions: dict[str, float]

    @property
    def gross(self) -> float:
        return round(sum(e[3] for e in self.earnings), 2)

    @property
    def net(self) -> float:
        return round(self.gross - sum(self.deductions.values()), 2)


def _federal_tax(annual_taxable: float) -> float:
    tax, lower = 0.0, 0.0
    for upper, rate in _FEDERAL_BRACKETS:
        if annual_taxable <= lower:
            break
        tax += (min(annual_taxable, upper) - lower) * rate
        lower = upper
    return tax


def period_pay(comp: Compensation, period: PayPeriod, rng: random.Random) -> PeriodPay:
    """One period's earnings and withholding, rounded to cents line by line as payroll does."""
    if comp.annual_salary is not None:
        earnings: list[tuple[str, float | None, float | None, float]] = [("regular", None, None, round(comp.annual_salary / comp.periods, 2))]
    else:
        assert comp.hourly_rate is not None
        base_hours = {"weekly": 40.0, "biweekly": 80.0, "semimonthly": 86.67, "monthly": 173.33}[comp.frequency]
        hours = round(base_hours - rng.choice((0, 0, 0, 4, 8)) * (base_hours / 80), 2)
        earnings = [("regular", comp.hourly_rate, hours, round(comp.hourly_rate * hours, 2))]
        if rng.random() < 0.4:
            ot_hours = float(rng.choice((1.5, 2.0, 3.0, 4.5, 6.0, 8.0)))
            earnings.append(("overtime", round(comp.hourly_rate * 1.5, 2), ot_hours, round(comp.hourly_rate * 1.5 * ot_hours, 2)))
    gross = sum(e[3] for e in earnings)
    pretax = {"retirement": round(gross * comp.retirement_pct, 2), "medical": comp.medical, "dental": comp.dental}
    taxable = gross - sum(pretax.values())
    annual = max(0.0, taxable * comp.periods - _STANDARD_DEDUCTION)
    deductions = {
        "federal": round(_federal_tax(annual) / comp.periods * comp.taxes.federal_scale, 2),
        "ss": round(gross * comp.taxes.social_security, 2),
        "medicare": round(gross * comp.taxes.medicare, 2),
        "state": round(taxable * comp.taxes.state_rate, 2),
        **pretax,
    }
    return PeriodPay(period, tuple(earnings), {k: v for k, v in deductions.items() if v > 0})


def pay_history(comp: Compensation, last_pay_date: date, rng: random.Random, *, friday_offset: int = 0) -> list[PeriodPay]:
    """Every period of the year through ``last_pay_date``, in order."""
    return [period_pay(comp, p, rng) for p in pay_periods_through(comp.frequency, last_pay_date, friday_offset=friday_offset)]


@dataclass(frozen=True)
class PayStub:
    """Everything a pay stub prints, as strings where the document decides the wording."""

    employer_name: str
    employer_address: list[str]
    employee_name: str
    employee_address: list[str]
    employee_id: str
    ssn_masked: str
    frequency: Frequency
    period: PayPeriod
    earnings: list[Line]
    deductions: list[Line]
    gross: float
    total_deductions: float
    net: float
    ytd_gross: float
    ytd_deductions: float
    ytd_net: float
    check_number: str
    deposit_account: str
    extra: dict[str, str] = field(default_factory=dict)

    def truth_fields(self) -> dict[str, object]:
        """DESIGN.md pay_stub fields as printed on this stub."""
        return {
            "employer_name": self.employer_name,
            "employee_name": self.employee_name,
            "employee_address": ", ".join(self.employee_address),
            "pay_period_start": self.period.start.isoformat(),
            "pay_period_end": self.period.end.isoformat(),
            "pay_date": self.period.pay_date.isoformat(),
            "gross_pay": self.gross,
            "total_deductions": self.total_deductions,
            "net_pay": self.net,
            "ytd_gross": self.ytd_gross,
            "ytd_net": self.ytd_net,
        }

    def truth_deductions(self) -> list[dict[str, object]]:
        return [{"name": d.name, "amount": d.current} for d in self.deductions]


def build_stub(history: list[PeriodPay], index: int, *, labels: dict[str, str], earning_labels: tuple[str, str], state: str,
               header: Mapping[str, Any]) -> PayStub:
    """The stub for ``history[index]``, year-to-date summed over the periods up to it.

    Args:
        history: the year's periods in order.
        index: which period the stub is for.
        labels: deduction wording (one of :data:`DEDUCTION_LABELS`).
        earning_labels: wording of the regular and overtime earnings lines.
        state: two-letter state for the state-tax label.
        header: the printed identity fields (employer_name, employee_name, addresses, ids, frequency...).
    """
    this, to_date = history[index], history[: index + 1]
    earn_names = dict(zip(("regular", "overtime"), earning_labels, strict=True))
    earnings = []
    for key, rate, hours, amount in this.earnings:
        ytd = round(sum(e[3] for p in to_date for e in p.earnings if e[0] == key), 2)
        earnings.append(Line(earn_names[key], amount, ytd, rate, hours))
    deductions = [
        Line(labels[key].format(st=state), amount, round(sum(p.deductions.get(key, 0.0) for p in to_date), 2))
        for key, amount in this.deductions.items()
    ]
    ytd_gross = round(sum(p.gross for p in to_date), 2)
    ytd_net = round(sum(p.net for p in to_date), 2)
    return PayStub(
        period=this.period, earnings=earnings, deductions=deductions, gross=this.gross,
        total_deductions=round(sum(this.deductions.values()), 2), net=this.net, ytd_gross=ytd_gross,
        ytd_deductions=round(ytd_gross - ytd_net, 2), ytd_net=ytd_net, **header,  # type: ignore[arg-type]
    )
