"""Bank-account activity and statement records with exact running balances.

Activity is generated for the whole span covered by a bundle's statements at once and then cut into
statement periods, so consecutive statements chain (closing = next opening) by construction and the
payroll credits land on the pay dates with the pay stubs' net pay.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from samples.dates import add_months

# Descriptions stay within this many characters so every layout prints them whole (truth = print).
MAX_DESCRIPTION = 32

MERCHANTS = ("WALMART #{n4}", "TARGET T-{n4}", "KROGER #{n3}", "SHELL OIL {n5}", "STARBUCKS STORE {n5}",
             "AMAZON MKTPLACE PMTS", "NETFLIX.COM", "SPOTIFY USA", "CVS/PHARMACY #{n4}", "THE HOME DEPOT #{n4}",
             "COSTCO WHSE #{n4}", "CHIPOTLE {n4}", "MCDONALD'S F{n5}", "UBER TRIP", "LYFT RIDE", "EXXONMOBIL {n4}",
             "TRADER JOE'S #{n3}", "WHOLE FOODS MKT {n5}", "BEST BUY {n5}", "WALGREENS #{n5}", "SAFEWAY #{n4}",
             "CHEVRON {n6}", "DOLLAR TREE {n4}", "PANERA BREAD #{n6}", "APPLE.COM/BILL", "LOWE'S #{n4}")
CARD_PREFIXES = ("POS PURCHASE ", "DEBIT CARD PURCHASE ", "CHECKCARD {mmdd} ", "PURCHASE {mmdd} ", "")
UTILITIES = ("COMCAST CABLE", "AT&T MOBILITY", "VERIZON WIRELESS", "DUKE ENERGY", "PG&E WEB ONLINE", "CITY WATER DEPT",
             "SPECTRUM", "XCEL ENERGY", "T-MOBILE")
INSURERS = ("GEICO AUTO INS", "STATE FARM RO 27", "PROGRESSIVE INS", "ALLSTATE INS CO")
CARD_ISSUERS = ("CHASE CREDIT CRD AUTOPAY", "CAPITAL ONE MOBILE PMT", "DISCOVER E-PAYMENT", "CITI CARD ONLINE PYMT",
                "AMEX EPAYMENT ACH PMT")
LANDLORDS = ("RENT PAYMENT {x} PROPERTIES", "{x} APARTMENTS RENT", "MORTGAGE PMT {x} MTG", "ACH DEBIT {x} HOA DUES")


@dataclass(frozen=True)
class Txn:
    day: date
    description: str
    amount: float
    """Signed: credit +, debit -."""
    balance: float = 0.0
    payroll: bool = False


@dataclass(frozen=True)
class Statement:
    bank_name: str
    bank_address: list[str]
    account_holder: str
    holder_address: list[str]
    account_number: str
    account_type: str
    start: date
    end: date
    opening: float
    txns: list[Txn]
    closing_override: float | None = None
    """A printed closing balance that is not the last running balance (an edited statement)."""

    @property
    def closing(self) -> float:
        if self.closing_override is not None:
            return self.closing_override
        return self.txns[-1].balance if self.txns else self.opening

    @property
    def total_credits(self) -> float:
        return round(sum(t.amount for t in self.txns if t.amount > 0), 2)

    @property
    def total_debits(self) -> float:
        """Debits as a positive sum, the way statement summaries print them."""
        return round(-sum(t.amount for t in self.txns if t.amount < 0), 2)

    def truth_fields(self) -> dict[str, object]:
        return {
            "bank_name": self.bank_name,
            "account_holder": self.account_holder,
            "account_holder_address": ", ".join(self.holder_address),
            "account_number": self.account_number,
            "statement_period_start": self.start.isoformat(),
            "statement_period_end": self.end.isoformat(),
            "opening_balance": self.opening,
            "closing_balance": self.closing,
            "total_credits": self.total_credits,
            "total_debits": self.total_debits,
        }

    def truth_transactions(self, *, balances_printed: bool) -> list[dict[str, object]]:
        return [{"date": t.day.isoformat(), "description": t.description, "amount": t.amount,
                 "balance": t.balance if balances_printed else None} for t in self.txns]


def with_balances(opening: float, txns: list[Txn]) -> list[Txn]:
    """Recompute the running balance of every row from ``opening``."""
    balance, out = opening, []
    for t in txns:
        balance = round(balance + t.amount, 2)
        out.append(replace(t, balance=balance))
    return out


@dataclass(frozen=True)
class Credit:
    """A credit that must appear: payroll on its pay date, or a planted deposit."""

    day: date
    description: str
    amount: float
    payroll: bool = False


class ActivityGenerator:
    """Everyday spending around the credits a scenario needs, scaled to the account holder's income."""

    def __init__(self, rng: random.Random, *, monthly_income: float, city: str, state: str) -> None:
        self.rng = rng
        self.monthly_income = monthly_income
        self.place = f"{city[:12].upper()} {state}"
        self.housing = (rng.choice(LANDLORDS).format(x=rng.choice(("OAKWOOD", "SUMMIT", "GREYSTAR", "WELLS FARGO", "PARKVIEW"))),
                        round(monthly_income * rng.uniform(0.22, 0.33), 2), rng.randint(1, 5))
        self.bills = [(f"ACH DEBIT {u}" if rng.random() < 0.5 else u, round(rng.uniform(35, 180), 2), rng.randint(3, 27))
                      for u in rng.sample(UTILITIES, 3)]
        self.bills.append((rng.choice(INSURERS), round(rng.uniform(80, 220), 2), rng.randint(5, 25)))
        self.card_payment = (rng.choice(CARD_ISSUERS), rng.randint(8, 24))
        self.savings = f"ONLINE TRANSFER TO SAV XXXX{rng.randint(1000, 9999)}"

    def _merchant(self, day: date) -> str:
        r = self.rng
        name = r.choice(MERCHANTS).format(n3=r.randint(100, 999), n4=r.randint(1000, 9999), n5=r.randint(10000, 99999),
                                          n6=r.randint(100000, 999999))
        prefix = r.choice(CARD_PREFIXES).format(mmdd=day.strftime("%m%d"))
        return f"{prefix}{name}"[:MAX_DESCRIPTION]

    def month(self, start: date, end: date, density: int) -> list[Txn]:
        """Non-payroll activity between ``start`` and ``end`` with about ``density`` rows."""
        r = self.rng
        days = [(start + timedelta(days=i)) for i in range((end - start).days + 1)]
        rows: list[Txn] = []
        for desc, amount, dom in [self.housing, *self.bills]:
            rows += [Txn(d, desc[:MAX_DESCRIPTION], -amount) for d in days if d.day == dom]
        rows += [Txn(d, self.card_payment[0], -round(self.monthly_income * r.uniform(0.05, 0.12), 2))
                 for d in days if d.day == self.card_payment[1]]
        if r.random() < 0.6:
            rows.append(Txn(r.choice(days), self.savings, -float(r.choice((100, 150, 200, 250, 300, 500)))))
        for _ in range(r.randint(1, 3)):
            d = r.choice(days)
            rows.append(Txn(d, f"ATM WITHDRAWAL {self.place}"[:MAX_DESCRIPTION], -float(r.choice((20, 40, 60, 100, 200)))))
        if r.random() < 0.5:
            friend = r.choice(("J SMITH", "M GARCIA", "K NGUYEN", "A JOHNSON", "T BROWN", "L DAVIS"))
            rows.append(Txn(r.choice(days), f"ZELLE PAYMENT FROM {friend}", round(r.uniform(20, 150), 0)))
        budget = self.monthly_income * r.uniform(0.2, 0.35)
        count = max(density - len(rows), 5)
        for _ in range(count):
            d = r.choice(days)
            rows.append(Txn(d, self._merchant(d), -round(min(budget / count * r.lognormvariate(0, 0.7), 400), 2)))
        return rows


def build_statements(
    rng: random.Random, activity: ActivityGenerator, periods: list[tuple[date, date]], credits: list[Credit], *,
    opening: float, density: tuple[int, int], header: Mapping[str, Any],
) -> list[Statement]:
    """Statements for consecutive ``periods`` with every credit of ``credits`` inside its period.

    Debits that would overdraw the account are dropped (people do not overdraw every month), so
    every printed balance stays positive and each statement's running balance is exact.
    """
    statements = []
    balance = opening
    for start, end in periods:
        rows = activity.month(start, end, rng.randint(*density))
        rows += [Txn(c.day, c.description[:MAX_DESCRIPTION], c.amount, payroll=c.payroll) for c in credits if start <= c.day <= end]
        rows.sort(key=lambda t: (t.day, t.amount < 0))
        kept, running = [], balance
        for t in rows:
            if t.amount < 0 and running + t.amount < 25:
                continue
            running = round(running + t.amount, 2)
            kept.append(t)
        txns = with_balances(balance, kept)
        statements.append(Statement(start=start, end=end, opening=balance, txns=txns, **header))  # type: ignore[arg-type]
        balance = txns[-1].balance if txns else balance
    return statements


def statement_periods(last_end: date, count: int) -> list[tuple[date, date]]:
    """``count`` consecutive monthly cycles ending on ``last_end``, each starting the day after the last.

    ``last_end`` should be a month end or a day <= 28 so that every cycle ends on the same day.
    """
    ends = [add_months(last_end, -i) for i in range(count)][::-1]
    starts = [add_months(ends[0], -1) + timedelta(days=1)] + [e + timedelta(days=1) for e in ends[:-1]]
    return list(zip(starts, ends, strict=True))
