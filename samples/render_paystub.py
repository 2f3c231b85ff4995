"""Pay-stub layouts: an ADP-like earnings statement, a summary-box payslip, and a cheque with a stub.

Each layout draws the same :class:`~samples.payroll.PayStub` with its own geometry and wording; the
wording (``Net Pay`` / ``Take Home Pay`` ...) is drawn per document so that extractors meet many labels.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from samples.payroll import PayStub
from samples.toolkit import (
    Column,
    PdfMeta,
    Sheet,
    Style,
    Tamper,
    amount_in_words,
    draw_row,
    draw_table_header,
)

PRODUCERS = ("ADP Workforce Now", "Paychex Flex", "Gusto Payroll", "Paylocity", "iText 7.2.5", "ReportLab PDF Library")


@dataclass(frozen=True)
class StubWording:
    """Labels a payroll provider uses; drawn verbatim."""

    title: str
    gross: str
    deductions: str
    net: str
    pay_date: str
    start: str
    end: str
    current: str
    ytd: str

    @classmethod
    def pick(cls, rng: random.Random) -> StubWording:
        return cls(
            title=rng.choice(("Earnings Statement", "Pay Statement", "PAYSLIP", "Statement of Earnings", "Pay Stub")),
            gross=rng.choice(("Gross Pay", "Gross Earnings", "Total Gross", "Total Earnings")),
            deductions=rng.choice(("Total Deductions", "Total Taxes & Deductions", "Deductions Total")),
            net=rng.choice(("Net Pay", "Net Amount", "Take Home Pay", "Net Earnings", "Net Check")),
            pay_date=rng.choice(("Pay Date", "Check Date", "Payment Date", "Advice Date")),
            start=rng.choice(("Period Start", "Period Beginning", "Pay Period Begin", "Period From")),
            end=rng.choice(("Period End", "Period Ending", "Pay Period End", "Period To")),
            current=rng.choice(("Current", "This Period", "Amount")),
            ytd=rng.choice(("YTD", "Year to Date", "Y-T-D")),
        )


@dataclass
class StubContext:
    stub: PayStub
    style: Style
    words: StubWording
    sheet: Sheet

    def money(self, amount: float, symbol: bool = False) -> str:
        return self.style.money(amount, symbol=symbol)

    def day(self, name: str) -> str:
        period = self.stub.period
        return self.style.dates({"pay_date": period.pay_date, "pay_period_start": period.start, "pay_period_end": period.end}[name])


def _earnings_rows(ctx: StubContext, with_rate: bool) -> list[list[str]]:
    rows = []
    for line in ctx.stub.earnings:
        rate = f"{line.rate:,.2f}" if line.rate is not None else ""
        hours = f"{line.hours:,.2f}" if line.hours is not None else ""
        cells = [line.name, rate, hours] if with_rate else [line.name, hours]
        rows.append([*cells, ctx.money(line.current), ctx.money(line.ytd)])
    return rows


def _table(ctx: StubContext, columns: list[Column], y: float, rows: list[list[str]], *, shade: bool, leading: float) -> float:
    y = draw_table_header(ctx.sheet, columns, y, shade=shade)
    for row in rows:
        draw_row(ctx.sheet, columns, y, row)
        y += leading
    return y


def _total_row(ctx: StubContext, columns: list[Column], y: float, label: str, current: tuple[str, float],
               ytd: tuple[str | None, float]) -> float:
    """A bold totals row whose two amounts are named fields; returns the next baseline."""
    ctx.sheet.line(columns[0].x, y - ctx.style.base_size - 1, columns[-1].x + columns[-1].width, y - ctx.style.base_size - 1, width=0.4)
    cells = [label] + [""] * (len(columns) - 3) + [ctx.money(current[1]), ctx.money(ytd[1])]
    draw_row(ctx.sheet, columns, y, cells, names=[None] * (len(columns) - 2) + [current[0], ytd[0]], bold=True)
    return y + ctx.style.base_size * 1.6


# --------------------------------------------------------------------------------------------------
# Layout 1: earnings statement (employer top-left, tables with Rate/Hours/Current/YTD)


def layout_statement(ctx: StubContext) -> None:
    s, stub, w, size = ctx.sheet, ctx.stub, ctx.words, ctx.style.base_size
    margin, width = 42.0, ctx.sheet.width - 84.0
    y = s.lines(margin, 50, [stub.employer_name], name="employer_name", size=size + 4, bold_first=True)
    y = s.lines(margin, y, stub.employer_address, size=size)
    s.text(margin + width, 54, w.title, size=size + 6, bold=True, align="right", color=ctx.style.accent)
    info_x = margin + width - 190
    for i, (label, name) in enumerate(((w.start, "pay_period_start"), (w.end, "pay_period_end"), (w.pay_date, "pay_date"))):
        s.label_value(info_x, 76 + i * size * 1.5, f"{label}:", name, ctx.day(name), gap=105)
    s.label_value(info_x, 76 + 3 * size * 1.5, "Advice No.:", None, stub.check_number, gap=105)
    y = max(y, 76 + 4 * size * 1.5) + 14
    s.text(margin, y, f"Employee ID: {stub.employee_id}", size=size)
    s.text(margin, y + size * 1.4, f"SSN: {stub.ssn_masked}", size=size)
    s.text(margin, y + size * 2.8, f"Pay Frequency: {stub.frequency.capitalize()}", size=size)
    s.lines(margin + width * 0.52, y, [stub.employee_name], name="employee_name", size=size + 1, bold_first=True)
    s.lines(margin + width * 0.52, y + (size + 1) * 1.3, stub.employee_address, name="employee_address", size=size)
    y += size * 6
    money_w = width * 0.17
    cols = [Column("Earnings", margin, width * 0.32), Column("Rate", margin + width * 0.32, width * 0.12, "right"),
            Column("Hours", margin + width * 0.44, width * 0.12, "right"),
            Column(w.current, margin + width * 0.56, money_w, "right"), Column(w.ytd, margin + width * 0.56 + money_w, money_w, "right")]
    y = _table(ctx, cols, y, _earnings_rows(ctx, True), shade=True, leading=size * 1.45)
    y = _total_row(ctx, cols, y + 4, w.gross, ("gross_pay", stub.gross), ("ytd_gross", stub.ytd_gross)) + 10
    dcols = [Column("Deductions", margin, width * 0.56), Column(w.current, margin + width * 0.56, money_w, "right"),
             Column(w.ytd, margin + width * 0.56 + money_w, money_w, "right")]
    # ADP-style statements print deductions as negatives; the truth keeps magnitudes (DESIGN fields).
    rows = [[d.name, ctx.money(-d.current), ctx.money(-d.ytd)] for d in stub.deductions]
    y = _table(ctx, dcols, y, rows, shade=True, leading=size * 1.45)
    y = _total_row(ctx, dcols, y + 4, w.deductions, ("total_deductions", -stub.total_deductions), (None, -stub.ytd_deductions))
    y = _total_row(ctx, dcols, y + 2, w.net, ("net_pay", stub.net), ("ytd_net", stub.ytd_net)) + 16
    s.box(margin, y, width, size * 3.2, stroke=ctx.style.accent)
    s.text(margin + 8, y + size * 2, "Net Pay Distribution", size=size, bold=True)
    s.text(margin + width * 0.35, y + size * 2, f"Direct Deposit  Checking {stub.deposit_account}", size=size)
    s.field("net_pay", margin + width - 8, y + size * 2, ctx.money(stub.net, True), size=size, bold=True, align="right")
    s.text(margin, s.height - 30, f"{stub.employer_name} - confidential earnings statement", size=size - 2, color=(0.4, 0.4, 0.4))


# --------------------------------------------------------------------------------------------------
# Layout 2: payslip with three summary boxes (label above value)


def layout_boxes(ctx: StubContext) -> None:
    s, stub, w, size = ctx.sheet, ctx.stub, ctx.words, ctx.style.base_size
    margin, width = 36.0, ctx.sheet.width - 72.0
    s.box(margin, 30, width, 44, fill=ctx.style.accent, stroke=None)
    s.field("employer_name", margin + 12, 52, stub.employer_name, size=size + 5, bold=True, color=(1, 1, 1))
    s.text(margin + 12, 66, "  ".join(stub.employer_address), size=size - 1, color=(1, 1, 1))
    s.text(margin + width - 12, 56, w.title.upper(), size=size + 3, bold=True, align="right", color=(1, 1, 1))
    y = 96.0
    grid = ((w.start, "pay_period_start"), (w.end, "pay_period_end"), (w.pay_date, "pay_date"))
    s.label_value(margin, y, "Employee", "employee_name", stub.employee_name, above=True, bold_value=True)
    for i, (label, name) in enumerate(grid):
        s.label_value(margin + width * (0.45 + 0.19 * i), y, label, name, ctx.day(name), above=True)
    s.lines(margin, y + size * 2.8, stub.employee_address, name="employee_address", size=size)
    s.label_value(margin + width * 0.45, y + size * 3.4, "Employee ID", None, stub.employee_id, above=True)
    s.label_value(margin + width * 0.64, y + size * 3.4, "Pay Frequency", None, stub.frequency.capitalize(), above=True)
    y += size * 8
    box_w = (width - 20) / 3
    summary = ((w.gross, "gross_pay", stub.gross, "ytd_gross", stub.ytd_gross),
               (w.deductions, "total_deductions", stub.total_deductions, None, stub.ytd_deductions),
               (w.net, "net_pay", stub.net, "ytd_net", stub.ytd_net))
    for i, (label, name, value, ytd_name, ytd_value) in enumerate(summary):
        x = margin + i * (box_w + 10)
        s.box(x, y, box_w, size * 5.4, stroke=ctx.style.accent, radius=4)
        s.text(x + 10, y + size * 1.6, label, size=size, color=(0.3, 0.3, 0.3))
        s.field(name, x + 10, y + size * 3.3, ctx.money(value, True), size=size + 5, bold=True)
        s.text(x + 10, y + size * 4.7, f"{w.ytd}:", size=size - 1, color=(0.3, 0.3, 0.3))
        if ytd_name:
            s.field(ytd_name, x + box_w - 10, y + size * 4.7, ctx.money(ytd_value, True), size=size - 1, align="right")
        else:
            s.text(x + box_w - 10, y + size * 4.7, ctx.money(ytd_value, True), size=size - 1, align="right")
    y += size * 7.5
    half = (width - 16) / 2
    ecols = [Column("Earnings", margin, half * 0.34), Column("Hours", margin + half * 0.34, half * 0.15, "right"),
             Column(w.current, margin + half * 0.49, half * 0.27, "right"), Column(w.ytd, margin + half * 0.76, half * 0.24, "right")]
    x2 = margin + half + 16
    dcols = [Column("Taxes & Deductions", x2, half * 0.52), Column(w.current, x2 + half * 0.52, half * 0.22, "right"),
             Column(w.ytd, x2 + half * 0.74, half * 0.26, "right")]
    _table(ctx, ecols, y, _earnings_rows(ctx, False), shade=False, leading=size * 1.5)
    _table(ctx, dcols, y, [[d.name, ctx.money(d.current), ctx.money(d.ytd)] for d in stub.deductions], shade=False, leading=size * 1.5)
    s.text(margin, s.height - 36, f"Deposited to account {stub.deposit_account}. Keep this statement for your records.",
           size=size - 1.5, color=(0.4, 0.4, 0.4))


# --------------------------------------------------------------------------------------------------
# Layout 3: stub above a detachable (non-negotiable) cheque


def layout_cheque(ctx: StubContext) -> None:
    s, stub, w, size = ctx.sheet, ctx.stub, ctx.words, ctx.style.base_size
    margin, width = 40.0, ctx.sheet.width - 80.0
    s.field("employer_name", margin, 48, stub.employer_name, size=size + 2, bold=True)
    s.text(margin + width, 48, f"{w.title}  #{stub.check_number}", size=size + 1, bold=True, align="right")
    s.label_value(margin, 66, "Employee:", "employee_name", stub.employee_name, gap=62)
    s.text(margin + width * 0.55, 66, f"ID {stub.employee_id}   {stub.ssn_masked}", size=size)
    s.label_value(margin, 66 + size * 1.5, f"{w.start}:", "pay_period_start", ctx.day("pay_period_start"), gap=95)
    s.label_value(margin + width * 0.55, 66 + size * 1.5, f"{w.end}:", "pay_period_end", ctx.day("pay_period_end"), gap=95)
    s.label_value(margin, 66 + size * 3, f"{w.pay_date}:", "pay_date", ctx.day("pay_date"), gap=95)
    y = 66 + size * 5
    half = (width - 12) / 2
    ecols = [Column("Earnings", margin, half * 0.34), Column("Hrs", margin + half * 0.34, half * 0.14, "right"),
             Column(w.current, margin + half * 0.48, half * 0.28, "right"), Column(w.ytd, margin + half * 0.76, half * 0.24, "right")]
    x2 = margin + half + 12
    dcols = [Column("Deductions", x2, half * 0.52), Column(w.current, x2 + half * 0.52, half * 0.22, "right"),
             Column(w.ytd, x2 + half * 0.74, half * 0.26, "right")]
    end1 = _table(ctx, ecols, y, _earnings_rows(ctx, False), shade=True, leading=size * 1.4)
    end2 = _table(ctx, dcols, y, [[d.name, ctx.money(d.current), ctx.money(d.ytd)] for d in stub.deductions], shade=True, leading=size * 1.4)
    y = max(end1, end2) + 6
    tcols = [Column("", margin, width * 0.25), Column(w.gross, margin + width * 0.25, width * 0.25, "right"),
             Column(w.deductions, margin + width * 0.5, width * 0.25, "right"), Column(w.net, margin + width * 0.75, width * 0.25, "right")]
    y = draw_table_header(s, tcols, y, shade=False)
    draw_row(s, tcols, y, [w.current, ctx.money(stub.gross), ctx.money(stub.total_deductions), ctx.money(stub.net)],
             names=[None, "gross_pay", "total_deductions", "net_pay"], bold=True)
    draw_row(s, tcols, y + size * 1.5, [w.ytd, ctx.money(stub.ytd_gross), ctx.money(stub.ytd_deductions), ctx.money(stub.ytd_net)],
             names=[None, "ytd_gross", None, "ytd_net"])
    cut = max(y + size * 5, s.height * 0.58)
    s.line(20, cut, s.width - 20, cut, dash=(4, 3), width=0.7)
    s.text(s.width / 2, cut - 3, "DETACH HERE", size=6, align="center", color=(0.4, 0.4, 0.4))
    _cheque(ctx, cut + 24, margin, width)


def _cheque(ctx: StubContext, top: float, margin: float, width: float) -> None:
    s, stub, size = ctx.sheet, ctx.stub, ctx.style.base_size
    s.box(margin, top, width, 190, stroke=ctx.style.accent, fill=(0.96, 0.97, 0.99), line=1)
    s.text(margin + 12, top + 22, stub.employer_name, size=size + 1, bold=True)
    s.lines(margin + 12, top + 34, stub.employer_address, size=size - 1)
    s.text(margin + width - 12, top + 22, f"No. {stub.check_number}", size=size, align="right")
    s.text(margin + width - 140, top + 44, "Date", size=size - 1)
    s.text(margin + width - 12, top + 44, ctx.day("pay_date"), size=size, align="right")
    s.text(margin + 12, top + 82, "Pay to the order of", size=size - 1)
    s.text(margin + 100, top + 82, stub.employee_name, size=size + 1, bold=True)
    s.box(margin + width - 130, top + 68, 118, 20, stroke=(0, 0, 0))
    s.field("net_pay", margin + width - 18, top + 82, f"**{ctx.money(stub.net, True)}", size=size + 1, bold=True, align="right")
    s.text(margin + 12, top + 102, amount_in_words(stub.net), size=size - 0.5)
    s.line(margin + 12, top + 105, margin + width - 140, top + 105, width=0.4)
    s.lines(margin + 100, top + 122, stub.employee_address, size=size - 0.5)
    s.text(margin + width - 12, top + 130, "NON-NEGOTIABLE", size=size + 2, bold=True, align="right", color=(0.6, 0.6, 0.6))
    s.line(margin + width - 200, top + 160, margin + width - 12, top + 160, width=0.5)
    s.text(margin + width - 106, top + 170, "Authorized Signature", size=size - 2, align="center")
    s.text(margin + 12, top + 182, f"C{stub.check_number}C A0{stub.employee_id[-8:]}A {stub.deposit_account[-4:]}C",
           size=10, font="Courier")


LAYOUTS: dict[str, Callable[[StubContext], None]] = {"statement": layout_statement, "boxes": layout_boxes, "cheque": layout_cheque}


def render_paystub(stub: PayStub, *, layout: str, style: Style, words: StubWording, producer: str,
                   tampers: tuple[Tamper, ...] = ()) -> tuple[bytes, Sheet]:
    """Draw ``stub`` with one of :data:`LAYOUTS`; returns the PDF and the sheet (field positions)."""
    sheet = Sheet(style, PdfMeta(producer=producer, creator=producer, created=stub.period.pay_date, title=words.title), tampers)
    LAYOUTS[layout](StubContext(stub, style, words, sheet))
    return sheet.finish(), sheet
