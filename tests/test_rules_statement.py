"""Statement rules: each statement adds up; consecutive statements of an account chain."""

from __future__ import annotations

import pytest
from rule_builders import codes, run, statement, tx

from pipeline.models import Transaction

ROWS = [tx("2026-02-03", "GROCERY", -50.25, 949.75), tx("2026-02-13", "HARTLEY FOODS PAYROLL", 2300.00, 3249.75),
        tx("2026-02-20", "RENT", -1200.00, 2049.75)]
GOOD = {"opening_balance": 1000.00, "closing_balance": 2049.75, "total_credits": 2300.00, "total_debits": 1250.25}


def _no_balances(rows: list[Transaction]) -> list[Transaction]:
    return [r.model_copy(update={"balance": None}) for r in rows]


@pytest.mark.parametrize(
    ("rows", "fields", "checks"),
    [
        (ROWS, GOOD, []),
        (ROWS, {**GOOD, "closing_balance": 2049.76}, []),  # a cent of rounding
        (ROWS, {**GOOD, "closing_balance": 4049.75}, ["closing_balance"]),
        ([ROWS[0], tx("2026-02-13", "HARTLEY FOODS PAYROLL", 4300.00, 3249.75), ROWS[2]],
         {**GOOD, "closing_balance": 4049.75, "total_credits": 4300.00}, ["running_balance"]),
        (ROWS, {**GOOD, "total_credits": 3300.00}, ["total_credits"]),
        (_no_balances(ROWS), GOOD, []),  # no balance column: the running check has nothing to chain
        ([ROWS[0], ROWS[1].model_copy(update={"balance": None}), ROWS[2]], GOOD, []),  # some rows print none
        ([], {**GOOD, "closing_balance": 2049.75}, []),  # no rows read: totals carry the check
        ([], {**GOOD, "closing_balance": 3049.75}, ["closing_balance"]),
    ],
)
def test_statement_balance(rows: list[Transaction], fields: dict, checks: list[str]) -> None:
    assert [f.params["check"] for f in run("statement_balance", statement(transactions=rows, **fields))] == checks


def test_statement_balance_cites_first_broken_row() -> None:
    rows = [ROWS[0], tx("2026-02-13", "PAYROLL", 4300.00, 3249.75), tx("2026-02-20", "RENT", -1200.0, 9.0)]
    [finding] = run("statement_balance", statement(transactions=rows))
    assert (finding.params["row"], finding.evidence[0].value, finding.evidence[0].page) == (2, 4300.00, 1)


def test_statement_balance_not_run_without_figures() -> None:
    assert codes(run("statement_balance", statement())) == "not_run"


JAN = {"statement_period_start": "2026-01-01", "statement_period_end": "2026-01-31", "opening_balance": 500.0,
       "closing_balance": 1000.0}
FEB = {"statement_period_start": "2026-02-01", "statement_period_end": "2026-02-28", "opening_balance": 1000.0,
       "closing_balance": 2049.75}


@pytest.mark.parametrize(
    ("jan", "feb", "checks"),
    [
        (JAN, FEB, []),
        (JAN, {**FEB, "opening_balance": 1500.0}, ["balance_chain"]),
        ({**JAN, "statement_period_end": "2026-01-05"}, {**FEB, "opening_balance": 1000.0}, ["gap"]),
        ({**JAN, "statement_period_end": "2026-01-29"}, FEB, []),  # two days between cycles
        ({**JAN, "statement_period_end": "2026-02-10"}, FEB, ["overlap"]),
        (JAN, {**FEB, "account_number": "XXXX9999", "opening_balance": 1.0}, "not_run"),  # another account
    ],
)
def test_statement_continuity(jan: dict, feb: dict, checks: object) -> None:
    outcome = run("statement_continuity", statement("jan.pdf", **jan), statement("feb.pdf", **feb))
    assert (codes(outcome) if checks == "not_run" else [f.params["check"] for f in outcome]) == checks


def test_statement_continuity_ignores_the_same_file_twice() -> None:
    assert run("statement_continuity", statement("a.pdf", **FEB), statement("a.pdf", **FEB)) == []


# A scan whose second balance OCR misread (3249.75 read as 3299.75): the third balance agrees with the chain.
MISREAD = [ROWS[0], ROWS[1].model_copy(update={"balance": 3299.75}), ROWS[2]]


def _scanned(doc_: object) -> object:
    return doc_.model_copy(update={"source": "ocr"})  # type: ignore[attr-defined]


def test_a_lone_misread_balance_on_a_scan_is_low() -> None:
    """The chain heals at the next balance: one misread figure, reported low, not a decline."""
    [finding] = run("statement_balance", _scanned(statement(transactions=MISREAD, **GOOD)))
    assert finding.severity == "low" and finding.params["row"] == 2 and "misread" in finding.message


def test_a_lone_wrong_balance_on_a_text_layer_is_high() -> None:
    """The same figure in a text layer was typed, not misread: an edited balance."""
    [finding] = run("statement_balance", statement(transactions=MISREAD, **GOOD))
    assert finding.severity == "high"


def test_a_broken_chain_on_a_scan_asks_for_review_not_decline() -> None:
    """An amount off by 2000 that the balances never recover from: medium on a scan (OCR figures),
    high on a text layer."""
    rows = [ROWS[0], tx("2026-02-13", "HARTLEY FOODS PAYROLL", 4300.00, 5249.75), tx("2026-02-20", "RENT", -1200.0, 4049.75)]
    fields = {**GOOD, "closing_balance": 2049.75}
    scanned = run("statement_balance", _scanned(statement(transactions=rows, **fields)))
    typed = run("statement_balance", statement(transactions=rows, **fields))
    assert {f.severity for f in scanned} == {"medium"} and {f.severity for f in typed} == {"high"}


def test_rows_short_of_totals_that_agree_among_themselves_are_an_unread_row_on_a_scan() -> None:
    """OCR dropped the rent row: the bank's own opening, totals and closing still add up."""
    read = [ROWS[0], ROWS[1]]
    scanned = run("statement_balance", _scanned(statement(transactions=read, **GOOD)))
    assert scanned and {f.severity for f in scanned} == {"low"}
    assert all("did not read" in f.message and "1200.00" in f.message for f in scanned)
    typed = run("statement_balance", statement(transactions=read, **GOOD))
    assert {f.severity for f in typed} == {"high"}  # a text layer has no unread rows


def test_a_raised_closing_balance_on_a_scan_is_not_an_unread_row() -> None:
    """The summary itself no longer adds up (closing raised by 1000): still a finding to review."""
    read = [ROWS[0], ROWS[1]]
    scanned = run("statement_balance", _scanned(statement(transactions=read, **{**GOOD, "closing_balance": 3049.75})))
    assert "medium" in {f.severity for f in scanned}


def test_a_broken_chain_at_a_row_ocr_doubted_is_low() -> None:
    """The last balance misread (3249.75 read 3299.75), nothing after it to heal the chain: low when
    OCR doubted that row, medium when it read it confidently. A doubted closing balance likewise."""
    fields = {**GOOD, "closing_balance": 3249.75, "total_debits": 50.25}
    misread = ROWS[1].model_copy(update={"balance": 3299.75})
    for confidence, severity in ((0.41, "low"), (1.0, "medium")):
        rows = [ROWS[0], misread.model_copy(update={"confidence": confidence})]
        findings = run("statement_balance", _scanned(statement(transactions=rows, **fields)))
        assert [(f.params["check"], f.severity) for f in findings] == [("running_balance", severity)]
    unsure = statement(transactions=[ROWS[0], ROWS[1]], confidence={"closing_balance": 0.5},
                       **{**fields, "closing_balance": 3449.75})
    assert [(f.params["check"], f.severity) for f in run("statement_balance", _scanned(unsure))] == [
        ("closing_balance", "low")]
