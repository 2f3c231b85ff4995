"""Declared income, debt-to-income and loan-to-value against the documents, per product."""

from __future__ import annotations

import pytest
from rule_builders import application, codes, run, stub

from pipeline.config import RuleSettings
from pipeline.models import Severity

# A biweekly gross of 3000.00 verifies 3000 x 26 / 12 = 6500.00 a month.


@pytest.mark.parametrize(
    ("stated", "stubs", "expected"),
    [
        (7000.0, [stub()], []),  # 7.7% over: within 10%
        (7500.0, [stub()], [Severity.MEDIUM]),
        (12000.0, [stub()], [Severity.HIGH]),
        (13000.0, [stub("a.pdf"), stub("b.pdf", employer_name="Oakwood Logistics LLC")], []),  # two jobs add up
        # One job's stubs count by their median: a bonus period does not raise verified income.
        (7500.0, [stub("a.pdf"), stub("b.pdf"), stub("c.pdf", gross_pay=9000.0)], [Severity.MEDIUM]),
        (6500.0, [stub(pay_frequency=None, pay_period_start="2026-02-01", pay_period_end="2026-02-15",
                       gross_pay=3250.0)], []),  # semimonthly from the period
    ],
)
def test_income_overstated(stated: float, stubs: list, expected: list[Severity]) -> None:
    outcome = run("income_overstated", *stubs, app=application(stated_monthly_income=stated))
    assert [f.severity for f in outcome] == expected


# A short week of an hourly worker in November: this period's 1,400.00 weekly is 6,066.67 a month,
# the year to date through 7 Nov (10.2 months) averages 7,150.00.
_SHORT_WEEK = {"pay_frequency": "weekly", "pay_date": "2025-11-07", "pay_period_start": "2025-10-27",
               "pay_period_end": "2025-11-02", "gross_pay": 1400.0, "ytd_gross": 72_950.0}


@pytest.mark.parametrize(
    ("stated", "fields", "expected"),
    [
        (7350.0, _SHORT_WEEK, []),  # the usual pay, declared: the year's average verifies it
        (9400.0, _SHORT_WEEK, [Severity.MEDIUM]),  # 31% over even the year's average
        # A year to date below this period's pay (a new hire) leaves this period's figure.
        (7350.0, {**_SHORT_WEEK, "ytd_gross": 20_000.0}, [Severity.MEDIUM]),
        # In February two months have not passed: one bonus would swing the average.
        (7000.0, {**_SHORT_WEEK, "pay_date": "2026-02-20", "pay_period_end": "2026-02-15", "ytd_gross": 14_000.0},
         [Severity.MEDIUM]),
    ],
)
def test_income_overstated_averages_the_year_to_date(stated: float, fields: dict, expected: list[Severity]) -> None:
    outcome = run("income_overstated", stub(**fields), app=application(stated_monthly_income=stated))
    assert [f.severity for f in outcome] == expected


@pytest.mark.parametrize(
    ("stubs", "app"),
    [
        ([stub()], application()),
        ([], application(stated_monthly_income=9000.0)),
        ([stub(pay_frequency=None, pay_period_start=None)], application(stated_monthly_income=9000.0)),
    ],
)
def test_income_overstated_not_run(stubs: list, app: object) -> None:
    assert codes(run("income_overstated", *stubs, app=app)) == "not_run"


@pytest.mark.parametrize(
    ("product", "payment", "existing", "expected"),
    [
        ("auto", 700.0, 2000.0, []),  # 41.5%
        ("auto", 900.0, 2200.0, ["DTI_EXCEEDED"]),  # 47.7%
        ("mortgage", 900.0, 1900.0, ["DTI_EXCEEDED"]),  # 43.1% > 43%
        ("personal", 700.0, 2000.0, ["DTI_EXCEEDED"]),  # 41.5% > 40%
        ("personal", 3000.0, None, ["DTI_EXCEEDED"]),  # the new payment alone is too much
        ("personal", 500.0, None, "not_run"),  # existing debt unknown: cannot say it passed
    ],
)
def test_debt_to_income(product: str, payment: float, existing: float | None, expected: object) -> None:
    app = application(product, loan={"monthly_payment": payment, "existing_monthly_debt": existing})
    assert codes(run("debt_to_income", stub(), app=app)) == expected


def test_debt_to_income_not_run_without_income() -> None:
    assert codes(run("debt_to_income", app=application(loan={"monthly_payment": 500.0}))) == "not_run"


@pytest.mark.parametrize(
    ("product", "amount", "value", "expected"),
    [
        ("auto", 30000.0, 28000.0, []),  # 107%
        ("auto", 36000.0, 28000.0, ["LTV_EXCEEDED"]),  # 129%
        ("mortgage", 380000.0, 400000.0, []),  # 95%
        ("mortgage", 390000.0, 400000.0, ["LTV_EXCEEDED"]),
        ("personal", 390000.0, 100.0, "not_run"),
        ("auto", 30000.0, None, "not_run"),
    ],
)
def test_loan_to_value(product: str, amount: float, value: float | None, expected: object) -> None:
    app = application(product, loan={"amount": amount, "collateral": {"kind": "vehicle", "value": value}})
    assert codes(run("loan_to_value", app=app)) == expected


def test_product_override_is_config() -> None:
    settings = RuleSettings(product_overrides={"auto": {"max_dti": 0.60, "max_ltv": 1.20}})
    app = application("auto", loan={"monthly_payment": 900.0, "existing_monthly_debt": 2200.0})
    assert run("debt_to_income", stub(), app=app, settings=settings) == []


def test_unknown_override_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown settings"):
        RuleSettings(product_overrides={"auto": {"max_dtii": 0.5}})
