"""Rules on bank statements: each one adds up, and consecutive ones of an account chain together.

Edited statements are the commonest income fraud: a payroll credit is raised or added and the
balances are not carried through, or a month is dropped and the neighbours no longer meet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from pipeline.config import RuleSettings
from pipeline.models import DocKind, ExtractedDocument, Finding, Severity
from rules.common import (
    arithmetic_severity,
    as_money,
    cite,
    cite_row,
    field_confidence,
    field_date,
    field_money,
    field_text,
    money,
    read_by_ocr,
)
from rules.engine import NotRun, Rule, RuleContext
from rules.matching import EMPLOYERS


def _chain_heals(doc: ExtractedDocument, amounts: list[Decimal], index: int, expected: Decimal,
                 tolerance: Decimal) -> bool:
    """Whether the next printed balance after row ``index`` agrees with ``expected`` carried on."""
    pending = Decimal(0)
    for tx, amount in zip(doc.transactions[index + 1 :], amounts[index + 1 :], strict=True):
        pending += amount
        balance = money(tx.balance)
        if balance is not None:
            return abs(expected + pending - balance) <= tolerance
    return False


def _amounts(doc: ExtractedDocument) -> list[Decimal]:
    return [money(tx.amount) or Decimal(0) for tx in doc.transactions]


def _unread_rows(doc: ExtractedDocument, settings: RuleSettings) -> Decimal | None:
    """On an OCR'd statement whose printed figures agree among themselves, how much the rows read
    fall short of the printed totals (None when that is not the case).

    Opening + stated credits - stated debits = closing means the bank's own summary adds up; rows
    that sum to less than those totals (never more) are rows the reader missed, a line OCR dropped
    or garbled past repair. A hand edit shows the other way: a raised row exceeds its total, or a
    raised closing balance no longer meets the summary. Deleting a row and leaving every printed
    total and balance as it was changes nothing an underwriter relies on.
    """
    if not read_by_ocr(doc) or not doc.transactions:
        return None
    opening, closing = field_money(doc, "opening_balance"), field_money(doc, "closing_balance")
    credits, debits = field_money(doc, "total_credits"), field_money(doc, "total_debits")
    if None in (opening, closing, credits, debits):
        return None
    assert opening is not None and closing is not None and credits is not None and debits is not None
    tolerance = as_money(settings.money_tolerance)
    if abs(opening + abs(credits) - abs(debits) - closing) > tolerance:
        return None
    amounts = _amounts(doc)
    short_credits = abs(credits) - sum((a for a in amounts if a > 0), Decimal(0))
    short_debits = abs(debits) - sum((-a for a in amounts if a < 0), Decimal(0))
    if min(short_credits, short_debits) < -tolerance or max(short_credits, short_debits) <= tolerance:
        return None
    return short_credits + short_debits


def _as_unread(finding: Finding, shortfall: Decimal) -> Finding:
    """The finding at low severity, saying that the statement's own figures agree."""
    note = (f" (the statement's own totals agree with its opening and closing balances; the rows read fall "
            f"{shortfall} short of them: a row OCR did not read)")
    return finding.model_copy(update={"severity": Severity.LOW, "message": finding.message + note})


class StatementBalanceMismatch(Rule):
    """A statement does not add up: opening balance plus its transactions is not the closing
    balance, a running balance is not the previous one plus the row's amount, or the stated total
    credits / debits are not the sums of the rows. Banks' systems do not print such statements; a
    hand-edited one (an inflated deposit, a removed overdraft) does. The first broken row is cited;
    on a scan, a lone balance the next one contradicts is reported low, as one misread figure, and so
    are rows falling short of printed totals that agree among themselves (a row OCR did not read)."""

    id = "statement_balance"
    code = "STATEMENT_BALANCE_MISMATCH"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        found: list[Finding] = []
        ran = False
        for doc in ctx.of_kind(DocKind.BANK_STATEMENT):
            outcomes = [check(doc, ctx.thresholds) for check in (self._ending, self._running, self._totals)]
            ran = ran or any(outcome is not None for outcome in outcomes)
            findings = [finding for outcome in outcomes if outcome for finding in outcome]
            shortfall = _unread_rows(doc, ctx.thresholds) if findings else None
            if shortfall is not None:
                findings = [_as_unread(finding, shortfall) for finding in findings]
            found += findings
        if not ran:
            return NotRun("no bank statement with balances and transactions (or totals) read")
        return found

    def _ending(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding] | None:
        """Opening + transactions (or + credits - debits when no rows were read) = closing."""
        opening, closing = field_money(doc, "opening_balance"), field_money(doc, "closing_balance")
        credits, debits = field_money(doc, "total_credits"), field_money(doc, "total_debits")
        if opening is None or closing is None:
            return None
        if doc.transactions:
            computed, basis = opening + sum(_amounts(doc), Decimal(0)), "its transactions"
            cited: tuple[str, ...] = ("opening_balance", "closing_balance")
        elif credits is not None and debits is not None:
            computed, basis = opening + credits - abs(debits), "total credits and debits"
            cited = ("opening_balance", "total_credits", "total_debits", "closing_balance")
        else:
            return None
        diff = abs(computed - closing)
        if diff <= as_money(settings.money_tolerance):
            return []
        return [self.finding(
            f"{doc.file}: opening balance {opening} plus {basis} gives {computed}, but the closing balance is {closing}",
            tuple(cite(doc, name) for name in cited),
            severity=arithmetic_severity(diff, settings, doc, (field_confidence(doc, name) for name in cited)),
            check="closing_balance", difference=float(diff), tolerance=settings.money_tolerance)]

    def _running(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding] | None:
        """Each printed balance = the previous printed balance + the amounts in between.

        On an OCR'd statement, one balance that disagrees while the next printed balance agrees with
        the chain through it is one misread figure (the chain heals): a low finding, and the check
        goes on from the next balance. On a text layer, it is an edited balance and stops the check.
        """
        if not any(tx.balance is not None for tx in doc.transactions):
            return None  # no balance column: nothing to chain
        amounts = _amounts(doc)
        previous = field_money(doc, "opening_balance")
        pending = Decimal(0)
        tolerance = as_money(settings.money_tolerance)
        findings: list[Finding] = []
        for index, (tx, amount) in enumerate(zip(doc.transactions, amounts, strict=True)):
            pending += amount
            balance = money(tx.balance)
            if balance is None:
                continue  # some rows print no balance (several rows a day): carry the amounts on
            if previous is not None and abs(previous + pending - balance) > tolerance:
                expected = previous + pending
                healed = read_by_ocr(doc) and _chain_heals(doc, amounts, index, expected, tolerance)
                severity = Severity.LOW if healed else arithmetic_severity(
                    abs(expected - balance), settings, doc, (tx.confidence,))
                note = " (the next balance agrees with the chain: one misread figure)" if healed else ""
                findings.append(self.finding(
                    f"{doc.file}: row {index + 1} ({tx.date.isoformat()}) shows balance {balance}, but the previous "
                    f"balance plus the amounts since gives {expected}{note}",
                    (cite_row(doc, tx, f"printed balance {balance}, expected {expected}"),),
                    severity=severity, check="running_balance",
                    row=index + 1, difference=float(abs(expected - balance)), tolerance=settings.money_tolerance))
                if not healed:
                    return findings
                previous, pending = expected, Decimal(0)
                continue
            previous, pending = balance, Decimal(0)
        return findings

    def _totals(self, doc: ExtractedDocument, settings: RuleSettings) -> list[Finding] | None:
        """Stated total credits and debits = the sums of the rows."""
        if not doc.transactions:
            return None
        amounts = _amounts(doc)
        sums = {"total_credits": sum((a for a in amounts if a > 0), Decimal(0)),
                "total_debits": sum((-a for a in amounts if a < 0), Decimal(0))}
        stated = {name: field_money(doc, name) for name in sums}
        if all(value is None for value in stated.values()):
            return None
        findings = []
        for name, total in stated.items():
            if total is None:
                continue
            diff = abs(abs(total) - sums[name])
            if diff > as_money(settings.money_tolerance):
                findings.append(self.finding(
                    f"{doc.file}: stated {name.replace('_', ' ')} {abs(total)} but the rows sum to {sums[name]}",
                    (cite(doc, name),),
                    severity=arithmetic_severity(diff, settings, doc, (field_confidence(doc, name),)), check=name,
                    difference=float(diff), tolerance=settings.money_tolerance))
        return findings


@dataclass(frozen=True)
class _Period:
    doc: ExtractedDocument
    start: date
    end: date


def account_key(doc: ExtractedDocument) -> tuple[str, str] | None:
    """Which account a statement is of: the last four characters of its number (statements mask the
    rest) and the bank's first word. ``None`` without an account number."""
    number = re.sub(r"[^0-9A-Za-z]", "", field_text(doc, "account_number") or "")
    if len(number) < 4:
        return None
    bank = EMPLOYERS.parse(field_text(doc, "bank_name") or "")
    return number[-4:], bank[0] if bank else ""


class StatementDiscontinuity(Rule):
    """Consecutive statements of one account do not chain: one's closing balance is not the next's
    opening balance, or there is a gap of more than a few days (a month left out) or an overlap (two
    versions of one period) between their periods. Applicants who hide a bad month, or submit an
    edited copy next to the original, leave exactly these seams."""

    id = "statement_continuity"
    code = "STATEMENT_DISCONTINUITY"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        accounts: dict[tuple[str, str], list[_Period]] = defaultdict(list)
        for doc in ctx.of_kind(DocKind.BANK_STATEMENT):
            key = account_key(doc)
            start, end = field_date(doc, "statement_period_start"), field_date(doc, "statement_period_end")
            if key and start and end:
                accounts[key].append(_Period(doc, start, end))
        chains = [sorted(periods, key=lambda p: (p.start, p.end)) for periods in accounts.values() if len(periods) > 1]
        if not chains:
            return NotRun("fewer than two dated statements of any one account")
        return [f for chain in chains for earlier, later in pairwise(chain) for f in self._seam(earlier, later, ctx)]

    def _seam(self, earlier: _Period, later: _Period, ctx: RuleContext) -> list[Finding]:
        findings: list[Finding] = []
        a, b = earlier.doc, later.doc
        if a.sha256 == b.sha256:
            return findings  # one file handed in twice: a duplicate, not a seam
        dates = (cite(a, "statement_period_end"), cite(b, "statement_period_start"))
        gap = (later.start - earlier.end).days - 1
        if gap > ctx.thresholds.statement_max_gap_days:
            findings.append(self.finding(
                f"{gap} days between {a.file} (ends {earlier.end.isoformat()}) and {b.file} "
                f"(starts {later.start.isoformat()}): a period is missing", dates, check="gap", gap_days=gap,
                max_gap_days=ctx.thresholds.statement_max_gap_days))
        elif gap < 0:
            findings.append(self.finding(
                f"{a.file} and {b.file} overlap by {-gap} days: two statements cover the same dates", dates,
                check="overlap", overlap_days=-gap))
        closing, opening = field_money(a, "closing_balance"), field_money(b, "opening_balance")
        if 0 <= gap <= ctx.thresholds.statement_max_gap_days and closing is not None and opening is not None \
                and abs(closing - opening) > as_money(ctx.thresholds.money_tolerance):
            findings.append(self.finding(
                f"{a.file} closes at {closing} but the next statement {b.file} opens at {opening}",
                (cite(a, "closing_balance"), cite(b, "opening_balance")), severity=Severity.HIGH,
                check="balance_chain", difference=float(abs(closing - opening))))
        return findings
