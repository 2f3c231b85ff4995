"""Money-flow rules: cash deposits kept under the reporting threshold, large unexplained credits.

Statements shared by two documents (an overlap, or one statement handed in twice) would count a
deposit twice, so rows are de-duplicated by date, amount and description first.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pipeline.models import DocKind, ExtractedDocument, Finding, Severity, Transaction
from rules.common import as_money, cite_row, field_text, has_keyword, median, money
from rules.engine import NotRun, Rule, RuleContext
from rules.income import is_payroll_credit, verified_income


def _unique_rows(docs: list[ExtractedDocument]) -> list[tuple[ExtractedDocument, Transaction]]:
    seen: set[tuple[object, ...]] = set()
    rows = []
    for doc in docs:
        for tx in doc.transactions:
            key = (tx.date, tx.amount, " ".join(tx.description.upper().split()))
            if key not in seen:
                seen.add(key)
                rows.append((doc, tx))
    return sorted(rows, key=lambda row: row[1].date)


class CashStructuring(Rule):
    """Three or more cash deposits within ten days, each between 80% and 100% of the $10,000
    reporting threshold. Splitting cash to stay under the currency transaction report is
    structuring, a federal offence and a money-laundering red flag whatever the loan."""

    id = "aml_structuring"
    code = "AML_STRUCTURING"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        rows = _unique_rows(ctx.of_kind(DocKind.BANK_STATEMENT))
        if not rows:
            return NotRun("no statement transactions read")
        limits = ctx.thresholds
        threshold = as_money(limits.cash_reporting_threshold)
        lower = threshold * as_money(limits.structuring_lower_fraction)
        near = [(doc, tx) for doc, tx in rows if has_keyword(tx.description, limits.cash_deposit_keywords)
                and lower <= (money(tx.amount) or Decimal(0)) <= threshold]
        # Every run of deposits inside one window; report the first run long enough (one finding).
        for start in range(len(near)):
            run = [row for row in near[start:] if (row[1].date - near[start][1].date).days
                   <= limits.structuring_window_days]
            if len(run) >= limits.structuring_min_count:
                total = sum((money(tx.amount) or Decimal(0) for _, tx in run), Decimal(0))
                return [self.finding(
                    f"{len(run)} cash deposits between {lower} and {threshold} within "
                    f"{limits.structuring_window_days} days, {total} in all",
                    tuple(cite_row(doc, tx, "cash deposit just under the reporting threshold") for doc, tx in run),
                    count=len(run), total=float(total), lower=float(lower), threshold=float(threshold),
                    window_days=limits.structuring_window_days)]
        return []


def _own_account_suffixes(docs: list[ExtractedDocument]) -> set[str]:
    return {number[-4:] for d in docs if len(number := "".join(filter(str.isdigit, field_text(d, "account_number") or ""))) >= 4}


def _is_own_transfer(tx: Transaction, keywords: tuple[str, ...], own_suffixes: set[str]) -> bool:
    """Clearly labelled as a transfer between the applicant's accounts: the wording says so, or a
    transfer names another statement's account in this bundle."""
    if has_keyword(tx.description, keywords):
        return True
    upper = tx.description.upper()
    return ("TRANSFER" in upper or "XFER" in upper) and any(s in upper for s in own_suffixes)


def _monthly_payroll(rows: list[tuple[ExtractedDocument, Transaction]], keywords: tuple[str, ...],
                     employers: list[str]) -> list[Decimal]:
    months: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for _, tx in rows:
        if is_payroll_credit(tx, keywords, employers):
            months[(tx.date.year, tx.date.month)] += money(tx.amount) or Decimal(0)
    return list(months.values())


class LargeUnexplainedDeposit(Rule):
    """A credit that is not pay and not a labelled transfer between the applicant's own accounts,
    larger than three times monthly income. Sudden unexplained funds may be an undisclosed loan
    (for a down payment), a straw deposit to dress up the balance, or laundering. Monthly income is
    the pay stubs' verified income, else the declared income, else the median month of payroll
    credits."""

    id = "aml_large_deposit"
    code = "AML_LARGE_UNEXPLAINED_DEPOSIT"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        statements = ctx.of_kind(DocKind.BANK_STATEMENT)
        rows = _unique_rows(statements)
        if not rows:
            return NotRun("no statement transactions read")
        limits = ctx.thresholds
        employers = [e for d in ctx.of_kind(DocKind.PAY_STUB) if (e := field_text(d, "employer_name"))]
        if ctx.application and ctx.application.applicant.employer:
            employers.append(ctx.application.applicant.employer)
        income, basis = self._income(ctx, rows, employers)
        if income is None:
            return NotRun("no monthly income to measure deposits against")
        ceiling = income * as_money(limits.large_deposit_income_multiple)
        own = _own_account_suffixes(statements)
        return [
            self.finding(
                f"credit of {tx.amount} on {tx.date.isoformat()} is more than {limits.large_deposit_income_multiple}x "
                f"monthly income ({income}, {basis}) and is neither pay nor a labelled own-account transfer",
                (cite_row(doc, tx, "unexplained credit"),), amount=tx.amount, monthly_income=float(income),
                income_basis=basis, multiple=limits.large_deposit_income_multiple)
            for doc, tx in rows
            if tx.amount > ceiling and not is_payroll_credit(tx, limits.payroll_keywords, employers)
            and not _is_own_transfer(tx, limits.own_transfer_keywords, own)
        ]

    @staticmethod
    def _income(ctx: RuleContext, rows: list[tuple[ExtractedDocument, Transaction]],
                employers: list[str]) -> tuple[Decimal | None, str]:
        verified = verified_income(ctx.of_kind(DocKind.PAY_STUB))
        if verified is not None:
            return verified.monthly, "verified from pay stubs"
        stated = money(ctx.application.applicant.stated_monthly_income) if ctx.application else None
        if stated:
            return stated, "declared"
        monthly = median(_monthly_payroll(rows, ctx.thresholds.payroll_keywords, employers))
        return (monthly, "median month of payroll credits") if monthly else (None, "")
