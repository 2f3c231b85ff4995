"""Bank-statement layouts: signed amount column, withdrawals/deposits columns, debit/credit without balances.

All layouts share the header, the summary box and pagination; a layout is its column set and how
a transaction fills those columns. Continuation pages either repeat the full header (some banks) or
only carry the account number and page (others).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from samples.banking import Statement, Txn
from samples.toolkit import Column, PdfMeta, Sheet, Style, Tamper, draw_row, draw_table_header

BANKS = (("First Meridian Bank", "PO Box 1800, Columbus, OH 43216"), ("Cascade Federal Credit Union", "PO Box 9040, Tacoma, WA 98490"),
         ("Harborview Savings Bank", "100 Harbor Plaza, Baltimore, MD 21202"), ("Pinecrest National Bank", "PO Box 4410, Charlotte, NC 28230"),
         ("Union Valley Bank, N.A.", "2 Union Sq, Dallas, TX 75201"), ("Lakeshore Community Bank", "PO Box 77, Madison, WI 53701"),
         ("Summit Trust Bank", "500 Summit Ave, Denver, CO 80202"), ("Bayside Federal Savings", "PO Box 311, Tampa, FL 33601"))
PRODUCERS = ("Bank statement service 4.2", "iText 5.5.13", "Apache FOP Version 2.8", "PDFlib 9.3.1", "ReportLab PDF Library")


@dataclass(frozen=True)
class StatementWording:
    title: str
    opening: str
    credits: str
    debits: str
    closing: str
    period: str
    through: str
    row_date: str
    """strftime pattern of the date column; without year on many statements."""
    debits_negative: bool

    @classmethod
    def pick(cls, rng: random.Random) -> StatementWording:
        return cls(
            title=rng.choice(("Account Statement", "Statement of Account", "Checking Account Statement", "Your Account Statement")),
            opening=rng.choice(("Opening Balance", "Beginning Balance", "Previous Balance", "Balance Forward")),
            credits=rng.choice(("Total Deposits", "Deposits and Credits", "Total Credits", "Deposits & Other Credits")),
            debits=rng.choice(("Total Withdrawals", "Withdrawals and Debits", "Total Debits", "Checks & Other Debits")),
            closing=rng.choice(("Closing Balance", "Ending Balance", "New Balance", "Balance at End of Period")),
            period=rng.choice(("Statement Period", "For the period", "Statement Dates", "Period")),
            through=rng.choice(("through", "to", "-")),
            row_date=rng.choice(("%m/%d", "%b %d", "%m/%d/%Y", "%d %b", "%m-%d")),
            debits_negative=rng.random() < 0.4,
        )


@dataclass(frozen=True)
class TxnLayout:
    """Columns as fractions of the table width, and how one transaction fills them."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]
    right: tuple[bool, ...]
    cells: Callable[[Txn, Style], list[str]]
    balances: bool


def _signed(t: Txn, st: Style) -> list[str]:
    return [st.money(t.amount, symbol=False), st.money(t.balance, symbol=False)]


def _split(t: Txn, st: Style) -> list[str]:
    amount = st.money(abs(t.amount), symbol=False)
    return [amount if t.amount < 0 else "", amount if t.amount > 0 else "", st.money(t.balance, symbol=False)]


def _debit_credit(t: Txn, st: Style) -> list[str]:
    amount = st.money(abs(t.amount), symbol=False)
    return [amount if t.amount < 0 else "", amount if t.amount > 0 else ""]


LAYOUTS: dict[str, TxnLayout] = {
    "signed": TxnLayout(("Amount", "Balance"), (0.16, 0.16), (True, True), _signed, True),
    "split": TxnLayout(("Withdrawals", "Deposits", "Balance"), (0.14, 0.14, 0.14), (True, True, True), _split, True),
    "debit_credit": TxnLayout(("Debit", "Credit"), (0.17, 0.17), (True, True), _debit_credit, False),
}


@dataclass
class StatementRenderer:
    statement: Statement
    style: Style
    words: StatementWording
    layout: TxnLayout
    repeat_header: bool
    rows_per_page: int
    sheet: Sheet

    @property
    def margin(self) -> float:
        return 40.0

    @property
    def table_width(self) -> float:
        return self.sheet.width - 2 * self.margin

    def columns(self) -> list[Column]:
        fixed = sum(self.layout.widths) + 0.11
        x, width = self.margin, self.table_width
        cols = [Column("Date", x, width * 0.11), Column("Description", x + width * 0.11, width * (1 - fixed))]
        x += width * (1 - sum(self.layout.widths))
        for header, frac, right in zip(self.layout.headers, self.layout.widths, self.layout.right, strict=True):
            cols.append(Column(header, x, width * frac, "right" if right else "left"))
            x += width * frac
        return cols

    def day(self, name: str) -> str:
        st = self.statement
        return self.style.dates(st.start if name == "statement_period_start" else st.end)

    def money(self, amount: float) -> str:
        return self.style.money(amount, symbol=True)

    def header(self, page: int, pages: int) -> float:
        """Full header on page 1 (and on every page for banks that repeat it); returns table top."""
        s, st, size = self.sheet, self.statement, self.style.base_size
        m, w = self.margin, self.table_width
        s.field("bank_name", m, 50, st.bank_name, size=size + 7, bold=True, color=self.style.accent)
        s.lines(m, 64, st.bank_address, size=size - 1)
        s.text(m + w, 50, self.words.title, size=size + 3, bold=True, align="right")
        s.text(m + w, 64, f"Page {page} of {pages}", size=size - 1, align="right")
        y = s.lines(m, 104, [st.account_holder], name="account_holder", size=size + 1, bold_first=True)
        s.lines(m, y, st.holder_address, name="account_holder_address", size=size)
        bx = m + w * 0.5
        s.box(bx, 90, w * 0.5, size * 5.2, stroke=self.style.accent)
        s.label_value(bx + 8, 90 + size * 1.6, f"{st.account_type} Account:", "account_number", st.account_number, gap=w * 0.22)
        s.text(bx + 8, 90 + size * 3.2, f"{self.words.period}:", size=size, bold=True)
        start = s.field("statement_period_start", bx + 8, 90 + size * 4.5, self.day("statement_period_start"), size=size)
        through = s.text(start[2] + 4, 90 + size * 4.5, self.words.through, size=size)
        s.field("statement_period_end", through[2] + 4, 90 + size * 4.5, self.day("statement_period_end"), size=size)
        return 170.0

    def continuation_header(self, page: int, pages: int) -> float:
        s, st, size = self.sheet, self.statement, self.style.base_size
        s.text(self.margin, 40, f"{st.bank_name}  |  Account {st.account_number}", size=size, bold=True)
        s.text(self.margin + self.table_width, 40, f"Page {page} of {pages}", size=size - 1, align="right")
        return 60.0

    def summary(self, y: float) -> float:
        s, st, w, size = self.sheet, self.statement, self.words, self.style.base_size
        s.text(self.margin, y, "Account Summary", size=size + 2, bold=True)
        y += size * 1.8
        debits = -st.total_debits if w.debits_negative else st.total_debits
        rows = ((w.opening, "opening_balance", st.opening), (w.credits, "total_credits", st.total_credits),
                (w.debits, "total_debits", debits), (w.closing, "closing_balance", st.closing))
        for i, (label, name, value) in enumerate(rows):
            x = self.margin + (i % 2) * self.table_width * 0.5
            row_y = y + (i // 2) * size * 1.6
            s.text(x, row_y, label, size=size)
            s.field(name, x + self.table_width * 0.45, row_y, self.money(value), size=size, bold=i == 3, align="right")
        return y + size * 4.5

    def rows(self, y: float, txns: list[Txn]) -> None:
        cols = self.columns()
        y = draw_table_header(self.sheet, cols, y, shade=self.layout.balances)
        leading = self.style.base_size * 1.42
        for t in txns:
            cells = [t.day.strftime(self.words.row_date), t.description, *self.layout.cells(t, self.style)]
            # The description is recorded as printed (clipped to the column) for the ground truth.
            draw_row(self.sheet, cols, y, cells, names=[None, "description"] + [None] * (len(cells) - 2))
            y += leading

    def render(self) -> None:
        txns = self.statement.txns
        first = max(self.rows_per_page - 8, 12)
        chunks = [txns[:first]] + [txns[i : i + self.rows_per_page] for i in range(first, len(txns), self.rows_per_page)]
        for page, chunk in enumerate(chunks, start=1):
            if page > 1:
                self.sheet.new_page()
            full = page == 1 or self.repeat_header
            y = self.header(page, len(chunks)) if full else self.continuation_header(page, len(chunks))
            if page == 1:
                y = self.summary(y)
            self.rows(y, chunk)
        footer = "Member FDIC. Report errors within 60 days of the statement date."
        self.sheet.text(self.margin, self.sheet.height - 28, footer, size=6.5, color=(0.4, 0.4, 0.4))


def rows_capacity(style: Style) -> int:
    """Rows that fit below a repeated header on this page size and font size."""
    return int((style.page[1] - 170 - 60) / (style.base_size * 1.42))


def render_statement(statement: Statement, *, layout: str, style: Style, words: StatementWording, repeat_header: bool,
                     rows_per_page: int, producer: str, tampers: tuple[Tamper, ...] = ()) -> tuple[bytes, Sheet]:
    """Draw ``statement``; returns the PDF and the sheet (field positions)."""
    sheet = Sheet(style, PdfMeta(producer=producer, creator=producer, created=statement.end, title=words.title), tampers)
    rows = max(20, min(rows_per_page, rows_capacity(style)))
    StatementRenderer(statement, style, words, LAYOUTS[layout], repeat_header, rows, sheet).render()
    return sheet.finish(), sheet
