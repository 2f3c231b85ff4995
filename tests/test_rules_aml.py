"""Money-flow rules: structuring under the cash threshold, large unexplained credits."""

from __future__ import annotations

import pytest
from rule_builders import application, codes, run, statement, stub, tx

from pipeline.models import Transaction


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([tx("2026-02-02", "CASH DEP BRANCH 12", 9500.0), tx("2026-02-05", "ATM DEPOSIT 331", 9000.0),
          tx("2026-02-09", "COUNTER CREDIT", 9900.0)], ["AML_STRUCTURING"]),
        ([tx("2026-02-02", "CASH DEPOSIT", 9500.0), tx("2026-02-05", "CASH DEPOSIT", 9000.0)], []),  # only two
        ([tx("2026-02-02", "CASH DEPOSIT", 9500.0), tx("2026-02-09", "CASH DEPOSIT", 9000.0),
          tx("2026-02-20", "CASH DEPOSIT", 9900.0)], []),  # spread beyond ten days
        ([tx("2026-02-02", "CASH DEPOSIT", 5000.0), tx("2026-02-05", "CASH DEPOSIT", 6000.0),
          tx("2026-02-09", "CASH DEPOSIT", 7000.0)], []),  # well under the band
        ([tx("2026-02-02", "WIRE FROM BROKER", 9500.0), tx("2026-02-05", "WIRE FROM BROKER", 9000.0),
          tx("2026-02-09", "WIRE FROM BROKER", 9900.0)], []),  # not cash
    ],
)
def test_aml_structuring(rows: list[Transaction], expected: list[str]) -> None:
    assert codes(run("aml_structuring", statement(transactions=rows))) == expected


def test_aml_structuring_counts_a_row_once_across_overlapping_statements() -> None:
    rows = [tx("2026-02-02", "CASH DEPOSIT", 9500.0), tx("2026-02-05", "CASH DEPOSIT", 9000.0)]
    assert run("aml_structuring", statement("a.pdf", transactions=rows), statement("b.pdf", transactions=rows)) == []


def test_aml_structuring_not_run_without_rows() -> None:
    assert codes(run("aml_structuring", statement())) == "not_run"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([tx("2026-02-10", "WIRE IN J DOE", 25000.0)], ["AML_LARGE_UNEXPLAINED_DEPOSIT"]),  # > 3 x 6500
        ([tx("2026-02-10", "WIRE IN J DOE", 15000.0)], []),
        ([tx("2026-02-10", "ONLINE TRANSFER FROM SAV XXXX7710", 25000.0)], []),  # labelled own transfer
        ([tx("2026-02-10", "TRANSFER FROM ACCT 4821", 25000.0)], []),  # names the applicant's own account
        ([tx("2026-02-10", "HARTLEY FOODS PAYROLL", 25000.0)], []),  # pay, however large
    ],
)
def test_aml_large_deposit(rows: list[Transaction], expected: list[str]) -> None:
    assert codes(run("aml_large_deposit", stub(), statement(transactions=rows))) == expected


@pytest.mark.parametrize(
    ("docs_rows", "app", "expected"),
    [
        # No stub: declared income is the yardstick.
        ([tx("2026-02-10", "WIRE IN", 25000.0)], application(stated_monthly_income=10000.0), []),
        # Neither: the median month of payroll credits.
        ([tx("2026-01-15", "ACME PAYROLL", 2000.0), tx("2026-02-15", "ACME PAYROLL", 2000.0),
          tx("2026-02-20", "WIRE IN", 7000.0)], None, ["AML_LARGE_UNEXPLAINED_DEPOSIT"]),
        ([tx("2026-02-20", "WIRE IN", 7000.0)], None, "not_run"),
    ],
)
def test_aml_large_deposit_income_fallbacks(docs_rows: list[Transaction], app: object, expected: object) -> None:
    assert codes(run("aml_large_deposit", statement(transactions=docs_rows), app=app)) == expected
