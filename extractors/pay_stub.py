"""Pay stub extractor: employer, employee, period, pay date, current and year-to-date amounts.

Everything is found by label vocabulary and geometry (see :mod:`extractors.tables`): amounts are
read with their role (this period / year to date) from the column header above them, from a marker
on their line, or from their order; deductions are the rows of a "Deductions"/"Taxes" section.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from rapidfuzz.distance import Levenshtein

from extractors.base import Extraction, Extractor, signal
from extractors.layout import Line
from extractors.normalize import clean_name, parse_date
from extractors.tables import (
    DOUBTED_CONFIDENCE,
    AddressBlock,
    Amount,
    AmountRow,
    Cell,
    Header,
    Sources,
    accepts_date,
    address_blocks,
    amount_cells,
    amount_rows,
    cell_field,
    date_field,
    find_headers,
    label_groups,
    label_score,
    labelled,
    labelled_dates,
    looks_like_name,
    make_field,
    page_sources,
    period_length_days,
    repair_date_text,
    tokens,
)
from pipeline.models import DocKind, FieldValue, LineItem, ReadDocument, Word

log = logging.getLogger(__name__)

HEADER_VOCABULARY: dict[str, tuple[str, ...]] = {
    "current": ("current", "this period", "current period", "current amount", "this pay", "amount", "current pay"),
    "ytd": ("ytd", "year to date", "y t d", "ytd amount", "ytd total", "year to date amount"),
    "hours": ("hours", "hrs", "units"),
    "rate": ("rate", "pay rate"),
    "section": (
        "earnings", "deductions", "deduction", "taxes", "tax", "withholdings", "description", "type", "item",
        "statutory deductions", "voluntary deductions", "pre tax deductions", "post tax deductions",
        "taxes and deductions", "employee taxes", "other deductions", "benefits",
    ),
}
MONEY_ROLES = ("current", "ytd")
ROLE_MARKERS: dict[str, tuple[str, ...]] = {
    "ytd": ("ytd", "year to date", "y t d"),
    "current": ("current", "this period"),
}
SECTIONS: dict[str, tuple[str, ...]] = {
    "earnings": ("earnings", "hours and earnings", "gross earnings"),
    "deductions": (
        "deductions", "deduction", "taxes", "tax", "withholdings", "statutory", "taxes and deductions",
        "employee taxes", "benefits",
    ),
}
LABELS: dict[str, tuple[str, ...]] = {
    "gross_pay": ("gross pay", "gross earnings", "total gross", "gross wages", "gross", "total earnings",
                  "gross income", "total gross pay", "gross amount"),
    "net_pay": ("net pay", "net amount", "take home pay", "net check", "net", "net earnings", "total net pay",
                "net pay amount", "net deposit", "amount deposited", "check amount", "deposit amount"),
    "total_deductions": ("total deductions", "deductions total", "total taxes and deductions",
                         "total withholdings", "total deductions and taxes", "deductions"),
    "total_taxes": ("total taxes", "taxes total", "total tax"),
    "ytd_net": ("ytd net", "ytd net pay"),
}
CHEQUE_LABELS = ("pay to the order of", "pay to the order", "pay exactly")
DEDUCTION_WORDS = (
    "federal", "fed", "fica", "social security", "oasdi", "medicare", "state", "income tax", "withholding",
    "401k", "401 k", "403b", "retirement", "health", "medical", "dental", "vision", "insurance", "life",
    "sdi", "sui", "fli", "local", "city", "county", "garnishment", "union dues", "hsa", "fsa", "loan",
    "tax", "ee", "pension",
)
NON_DEDUCTION_WORDS = ("total", "gross", "net", "earnings")
DATE_LABELS: dict[str, tuple[str, ...]] = {
    "pay_date": ("pay date", "check date", "payment date", "pay day", "date of payment", "advice date",
                 "deposit date", "paid on", "date paid"),
    "pay_period_start": ("period beginning", "period begin", "period start", "pay period start",
                         "pay period begin", "pay period beginning", "start date", "period from",
                         "beginning date", "period start date"),
    "pay_period_end": ("period ending", "period end", "pay period end", "pay period ending", "end date",
                       "period to", "ending date", "week ending", "period end date"),
}
PERIOD_LABELS = ("pay period", "period", "pay period dates", "period covered", "for period", "for the period",
                 "dates", "pay period from")
FREQUENCY_LABELS = ("pay frequency", "frequency", "pay cycle", "pay schedule", "pay period type")
FREQUENCIES: dict[str, tuple[str, ...]] = {
    "weekly": ("weekly", "every week"),
    "biweekly": ("biweekly", "bi weekly", "every two weeks", "every other week", "fortnightly"),
    "semimonthly": ("semimonthly", "semi monthly", "twice monthly", "twice a month"),
    "monthly": ("monthly", "every month"),
}
EMPLOYEE_LABELS = ("employee name", "employee", "name", "pay to the order of", "payee", "employee information")
EMPLOYER_LABELS = ("employer name", "employer", "company name", "company")
TITLE_WORDS = ("earnings statement", "pay stub", "paystub", "payroll", "statement of earnings", "pay statement",
               "advice of deposit", "pay slip", "payslip", "remittance", "direct deposit", "earnings")
COMPANY_SUFFIXES = ("inc", "llc", "ltd", "corp", "corporation", "co", "company", "group", "holdings", "services",
                    "partners", "lp", "llp", "plc", "associates", "industries", "enterprises", "pllc")


@dataclass(frozen=True)
class _Found:
    """A chosen amount with its confidence already discounted for how it was found."""

    cell: Cell
    confidence: float


class PayStubExtractor(Extractor):
    """Reads a pay stub / earnings statement of any layout."""

    kind = DocKind.PAY_STUB
    fields = ("employer_name", "employee_name", "employee_address", "pay_period_start", "pay_period_end",
              "pay_date", "gross_pay", "total_deductions", "net_pay", "ytd_gross", "ytd_net", "pay_frequency")
    signals = (
        signal(r"\b(gross\s+pay|gross\s+earnings|total\s+gross)\b", 2.0),
        signal(r"\bnet\s+pay\b", 2.0),
        signal(r"\b(ytd|year\s+to\s+date)\b", 1.0),
        signal(r"\b(pay\s+period|period\s+(beginning|ending)|pay\s+date|check\s+date)\b", 1.5),
        signal(r"\b(earnings\s+statement|pay\s*stub|statement\s+of\s+earnings|pay\s+statement)\b", 2.0),
        signal(r"\b(fica|oasdi|medicare|social\s+security|federal\s+income\s+tax|fed\s+withholding)\b", 1.5),
        signal(r"\b(deductions|withholdings)\b", 1.0),
    )

    def extract(self, document: ReadDocument, lines: Sequence[Line]) -> Extraction:
        """Read the pay stub fields, deductions and pay frequency from all pages."""
        sources = page_sources(document.pages)
        headers = find_headers(lines, HEADER_VOCABULARY, lambda h: bool(h.roles() & set(MONEY_ROLES)))
        rows = amount_rows(lines, headers, roles=MONEY_ROLES, markers=ROLE_MARKERS)
        sections = _section_marks(lines, headers)
        out = Extraction()

        def put(name: str, found: _Found | None) -> None:
            if found is not None:
                out.fields[name] = cell_field(found.cell, found.confidence, sources)

        gross = _pick(rows, sections, "gross_pay", "current", section_total="earnings")
        net = _pick_net(rows, lines, sections)
        put("gross_pay", gross)
        put("net_pay", net)
        put("ytd_gross", _pick(rows, sections, "gross_pay", "ytd", section_total="earnings"))
        put("ytd_net", _pick(rows, sections, "net_pay", "ytd") or _pick(rows, sections, "ytd_net", "current"))
        put("total_deductions", _positive(_total_deductions(rows, sections, gross, net)))
        out.deductions = _deductions(rows, sections, lines)
        out.fields.update(_date_fields(lines, sources))
        out.fields.update(_party_fields(lines, sources))
        frequency = _frequency(lines, out.fields, sources)
        if frequency is not None:
            out.fields["pay_frequency"] = frequency
        log.debug("pay stub: %d headers, %d amount rows, %d deductions", len(headers), len(rows), len(out.deductions))
        return out


# --------------------------------------------------------------------------------------------------
# Sections (earnings vs deductions), by headings above a row in the same horizontal band.


@dataclass(frozen=True)
class _SectionMark:
    page: int
    y: float
    x0: float
    x1: float
    kind: str | None


def _section_marks(lines: Sequence[Line], headers: Sequence[Header]) -> list[_SectionMark]:
    """Where each section starts: header columns naming one, and stand-alone headings."""
    marks: list[_SectionMark] = []
    for header in headers:
        named = [c for c in header.columns if c.role == "section"]
        for k, column in enumerate(named):
            right = named[k + 1].x0 if k + 1 < len(named) else float("inf")
            marks.append(_SectionMark(header.page, header.line.bbox[1], column.x0, right, _section_kind(column.text)))
    header_lines = {id(h.line) for h in headers}
    for line in lines:
        if id(line) in header_lines:
            continue
        # A heading is a label with no amount of its own: "Federal Income Tax 250.00" is a row.
        titled = [g for g in label_groups(line, amount_cells(line.words, line.page))
                  if not g.cells and _section_kind(g.label)]
        for k, group in enumerate(titled):
            right = titled[k + 1].label_bbox[0] if k + 1 < len(titled) else float("inf")
            marks.append(_SectionMark(line.page, line.bbox[1], group.label_bbox[0], right, _section_kind(group.label)))
    return marks


def _section_kind(text: str) -> str | None:
    # "Total Deductions" (or a summary box's "Deductions Total") labels a sum, not the start of a
    # table of deductions: the box's own "YTD:" line under it is no deduction.
    if "total" in tokens(text):
        return None
    scores = {kind: label_score(text, words, max_extra=2) for kind, words in SECTIONS.items()}
    kind, score = max(scores.items(), key=lambda t: t[1])
    return kind if score >= 0.8 else None


def _section_of(row: AmountRow, marks: Sequence[_SectionMark]) -> str | None:
    """The section of the nearest heading above the row whose horizontal band holds the row's label."""
    x = row.label_bbox[0]
    tolerance = row.label_bbox[3] - row.label_bbox[1]
    above = [
        m for m in marks
        if m.page == row.page and m.y < row.label_bbox[1] and m.x0 - tolerance <= x < m.x1 - tolerance
    ]
    return max(above, key=lambda m: m.y).kind if above else None


# --------------------------------------------------------------------------------------------------
# Amounts.


def _pick(
    rows: Sequence[AmountRow],
    marks: Sequence[_SectionMark],
    field: str,
    role: str,
    *,
    section_total: str | None = None,
) -> _Found | None:
    """The best row for ``field`` with an amount in ``role``: best label, table rows first.

    A bare "Total" row counts for the field when it closes the ``section_total`` section (the
    earnings table's total is the gross pay).
    """
    best: tuple[float, int, _Found] | None = None
    for order, row in enumerate(rows):
        cell = row.amounts.get(role)
        if cell is None:
            continue
        score = label_score(row.label, LABELS[field])
        if not score and section_total and tokens(row.label) == ["total"]:
            score = 0.9 if _section_of(row, marks) == section_total else 0.0
        if field == "gross_pay" and _section_of(row, marks) == "deductions":
            score *= 0.5
        if score < 0.8:
            continue
        key = (score + (0.01 if row.tabled else 0.0), -order)
        if best is None or key > best[:2]:
            best = (key[0], key[1], _Found(cell, cell.confidence * score))
    return best[2] if best else None


def _pick_net(rows: Sequence[AmountRow], lines: Sequence[Line], marks: Sequence[_SectionMark]) -> _Found | None:
    """Net pay, cross-checked against every other place it is printed (summary, cheque, deposit).

    Agreement between two printings raises confidence; disagreement lowers it, and the summary
    figure (a labelled row) is kept over the cheque amount.
    """
    chosen = _pick(rows, marks, "net_pay", "current")
    others = [
        c for r in rows if label_score(r.label, LABELS["net_pay"]) >= 0.8 and (c := r.amounts.get("current"))
    ]
    others += [
        c for r in rows if label_score(r.label, CHEQUE_LABELS, max_extra=6) >= 0.8 and (c := r.amounts.get("current"))
    ]
    if chosen is None:
        if not others:
            return None
        chosen = _Found(others[0], others[0].confidence * 0.8)
    values = {round(c.value, 2) for c in others}
    if len(values) > 1:
        return _Found(chosen.cell, chosen.confidence * 0.7)
    if len(others) > 1:
        return _Found(chosen.cell, min(1.0, chosen.confidence + 0.05))
    return chosen


def _total_deductions(
    rows: Sequence[AmountRow], marks: Sequence[_SectionMark], gross: _Found | None, net: _Found | None
) -> _Found | None:
    """Printed total deductions; when taxes are totalled apart, taxes + deductions if that closes gross - net."""
    total = _pick(rows, marks, "total_deductions", "current", section_total="deductions")
    taxes = _pick(rows, marks, "total_taxes", "current")
    if total is None or taxes is None or gross is None or net is None:
        return total
    expected = round(gross.cell.value - net.cell.value, 2)
    if abs(total.cell.value - expected) > 0.01 and abs(total.cell.value + taxes.cell.value - expected) <= 0.01:
        raw = f"{taxes.cell.amount.raw} + {total.cell.amount.raw}"
        both = Cell(Amount(expected, raw, False), total.cell.page, total.cell.bbox, total.cell.confidence, ())
        return _Found(both, min(total.confidence, taxes.confidence) * 0.9)
    return total


def _positive(found: _Found | None) -> _Found | None:
    """Deductions are reported as an amount taken off: a total printed negative ("(589.98)",
    "-589.98") is the same figure."""
    if found is None or found.cell.value >= 0:
        return found
    amount = replace(found.cell.amount, value=-found.cell.value)
    return _Found(replace(found.cell, amount=amount), found.confidence)


MAX_ROW_GAP = 4.0
"""Row heights of blank space after which a deductions table has ended (absent a new heading)."""


def _deductions(rows: Sequence[AmountRow], marks: Sequence[_SectionMark], lines: Sequence[Line]) -> list[LineItem]:
    """Rows of a deductions/taxes section, and rows outside any section named like a deduction.

    A row of the deductions table whose current amount OCR could not make out is kept with no
    amount: the table's sum is then unknown, not short by that row."""
    items = []
    for row in rows:
        cell = row.amounts.get("current")
        words = tokens(row.label)
        if not words or any(w in NON_DEDUCTION_WORDS for w in words):
            continue
        if label_score(row.label, CHEQUE_LABELS, max_extra=6) >= 0.8 or _is_header_fragment(row.label):
            continue
        # A summary row under the deductions table ("Take Home Pay") names no deduction word, but is
        # the net (or gross) pay, not something taken off it.
        if any(label_score(row.label, LABELS[name]) >= 0.8 for name in ("net_pay", "gross_pay")):
            continue
        section = _section_of(row, marks)
        named = any(label_score(row.label, (w,), max_extra=5) >= 0.8 for w in DEDUCTION_WORDS)
        if section == "earnings" or not (section == "deductions" or (section is None and named)):
            continue
        ytd = row.amounts.get("ytd")
        name = row.label
        if cell is not None:
            box, amount, confidence = cell.bbox, abs(cell.value), round(cell.confidence, 4)
        elif section == "deductions" and (unread := _unread_current(row, ytd, lines)) is not None:
            # What OCR made of the amount ended up in the label: "Medicare (3:2:229')".
            box, amount, confidence = unread.bbox, None, 0.0
            name = " ".join(t for t in row.label.split() if t != unread.text)
        else:
            continue
        items.append(LineItem(
            name=name.strip(" :"), amount=amount, ytd=abs(ytd.value) if ytd else None,
            confidence=confidence, page=row.page,
            bbox=(min(row.label_bbox[0], box[0]), min(row.label_bbox[1], box[1]),
                  max(row.label_bbox[2], box[2]), max(row.label_bbox[3], box[3]))))
    return _without_total(_contiguous(items, marks))


def _unread_current(row: AmountRow, ytd: Cell | None, lines: Sequence[Line]) -> Word | None:
    """Ink with digits that OCR doubted (``(3:2:229')`` at 0.02) after the row's first word and
    before its YTD amount, where the current amount is printed. A row with a YTD and nothing
    before it is a deduction not taken this period, and is left out; so is a row with no YTD read
    (nothing then bounds where its own amounts end and the next column begins)."""
    if ytd is None:
        return None
    middle = (row.label_bbox[1] + row.label_bbox[3]) / 2
    right = ytd.bbox[0]
    for line in lines:
        if line.page != row.page or not line.bbox[1] <= middle <= line.bbox[3]:
            continue
        for word in line.words:
            if (row.label_bbox[0] < word.bbox[0] and word.bbox[2] <= right
                    and word.confidence < DOUBTED_CONFIDENCE and any(c.isdigit() for c in word.text)):
                return word
    return None


COLUMN_HEADER_WORDS = frozenset({"amount", "year", "to", "date", "ytd", "current", "this", "period", "hours", "hrs",
                                  "rate", "units"})
"""Words of amount-column headings ("Amount", "Year to Date", "This Period")."""


def _is_header_fragment(label: str) -> bool:
    """A row "label" that is a piece of the column headings ("to Date", "AmountYear" where two headings
    touch): the heading line was not taken for a header, and its words fell onto the first row."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", label)]
    return bool(words) and all(w in COLUMN_HEADER_WORDS for w in words)


def _contiguous(items: list[LineItem], marks: Sequence[_SectionMark]) -> list[LineItem]:
    """The deduction rows that form the table: a row far below the last one, with no deductions
    heading just above it, belongs to something else on the page (the cheque below a "detach here"
    line, whose date and cheque number fall under the deductions column)."""
    kept: list[LineItem] = []
    for item in sorted(items, key=lambda i: (i.page or 0, (i.bbox or (0, 0, 0, 0))[1])):
        if kept and item.page == kept[-1].page and item.bbox and kept[-1].bbox:
            top, last_bottom = item.bbox[1], kept[-1].bbox[3]
            reach = MAX_ROW_GAP * (kept[-1].bbox[3] - kept[-1].bbox[1])
            # A heading restarts the table only right above the row: a "Deductions" heading between
            # the table and a cheque far below heads nothing under it.
            headed = any(m.kind == "deductions" and m.page == item.page and last_bottom <= m.y <= top
                         and top - m.y <= 2 * reach for m in marks)
            if top - last_bottom > reach and not headed:
                continue
        kept.append(item)
    return kept


def _without_total(items: list[LineItem]) -> list[LineItem]:
    """The rows above the first one that is the sum of all before it (at least two): a total whose
    label lost its "Total" (glued to the next column's heading: "Gross EarningsTotal Taxes &
    Deductions"), and the summary rows under it (the net pay beside a label OCR read as "hh")."""
    running = 0.0
    for index, item in enumerate(items):
        if item.amount is None:
            return items
        if index >= 2 and abs(running - item.amount) < 0.005:
            return items[:index]
        running += item.amount
    return items


# --------------------------------------------------------------------------------------------------
# Dates and frequency.


def _date_fields(lines: Sequence[Line], sources: Sources) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    pay_date = labelled(lines, DATE_LABELS["pay_date"], accepts_date)
    if pay_date is not None:
        parsed = parse_date(repair_date_text(pay_date.found.text))
        assert parsed is not None  # accepts_date took it
        out["pay_date"] = date_field(parsed, pay_date.found, pay_date.confidence, sources)
    start, end = labelled_dates(lines, DATE_LABELS["pay_period_start"], DATE_LABELS["pay_period_end"],
                                PERIOD_LABELS, sources)
    for name, value in (("pay_period_start", start), ("pay_period_end", end)):
        if value is not None:
            out[name] = value
    return out


def _frequency(lines: Sequence[Line], fields: dict[str, FieldValue], sources: Sources) -> FieldValue | None:
    """Printed pay frequency, else derived from the period length (7, 14, ~15 or ~30 days)."""
    printed = labelled(lines, FREQUENCY_LABELS, lambda t: _frequency_word(t) is not None)
    if printed is not None:
        return make_field(_frequency_word(printed.found.text), page=printed.found.page, bbox=printed.found.bbox,
                          raw=printed.found.text, confidence=printed.confidence, sources=sources)
    start, end = fields.get("pay_period_start"), fields.get("pay_period_end")
    if start is None or end is None or start.page is None or start.bbox is None:
        return None
    days = period_length_days(date.fromisoformat(str(start.value)), date.fromisoformat(str(end.value)))
    derived = {7: "weekly", 14: "biweekly"}.get(days)
    if derived is None and 13 <= days <= 16:
        derived = "semimonthly"
    elif derived is None and 28 <= days <= 31:
        derived = "monthly"
    if derived is None:
        return None
    return make_field(derived, page=start.page, bbox=start.bbox, raw=f"{start.value}..{end.value}",
                      confidence=0.7, sources=sources, derived=True)


def _frequency_word(text: str) -> str | None:
    """The frequency a printed word names ("Bi-Weekly" is biweekly, not weekly: best match wins)."""
    name, score = max(((n, label_score(text, words, max_extra=1)) for n, words in FREQUENCIES.items()),
                      key=lambda t: t[1])
    return name if score >= 0.85 else None


# --------------------------------------------------------------------------------------------------
# Employer and employee.


def _party_fields(lines: Sequence[Line], sources: Sources) -> dict[str, FieldValue]:
    """Employer and employee names by label, else from the name-and-address blocks; employee address."""
    out: dict[str, FieldValue] = {}
    employee = _labelled_name(lines, EMPLOYEE_LABELS, sources, rivals=EMPLOYER_LABELS)
    employer = _labelled_name(lines, EMPLOYER_LABELS, sources, rivals=EMPLOYEE_LABELS, person=False)
    every_block = address_blocks(lines)
    blocks = [b for b in every_block if b.name is not None]
    if employer is None:
        employer = _employer_from_top(lines, sources)
    # The first name-and-address block is the employer's, unless it is the employee's own (the
    # employer's block lost to OCR, a header band read as junk).
    first = next((b for b in blocks if b.name is not None and not (
        employee is not None and _same_name(clean_name(b.name.text), str(employee.value)))), None)
    if employer is None and first is not None and first.name is not None:
        name = first.name
        employer = make_field(clean_name(name.text), page=first.page, bbox=name.bbox, raw=name.text,
                              confidence=0.6, sources=sources)
    employee_block = None
    for block in blocks:
        assert block.name is not None
        text = clean_name(block.name.text)
        if employer is not None and _same_name(text, str(employer.value)):
            continue
        if employee is not None and not _same_name(text, str(employee.value)):
            continue
        if employee is None and not looks_like_name(text):
            continue
        employee_block = block
        break
    if employee is None and employee_block is not None and employee_block.name is not None:
        name = employee_block.name
        employee = make_field(clean_name(name.text), page=employee_block.page, bbox=name.bbox, raw=name.text,
                              confidence=0.7, sources=sources)
    confidence = 0.8
    if employee_block is None and employee is not None:
        employee_block, confidence = _block_under_name(str(employee.value), every_block, lines), 0.65
    if employer is not None:
        out["employer_name"] = employer
    if employee is not None:
        out["employee_name"] = employee
    if employee_block is not None:
        out["employee_address"] = make_field(
            employee_block.address_text, page=employee_block.page, bbox=employee_block.bbox,
            raw=employee_block.address_text,
            confidence=confidence * min(s.confidence for s in employee_block.address), sources=sources,
        )
    return out


def _block_under_name(name: str, blocks: Sequence[AddressBlock], lines: Sequence[Line]) -> AddressBlock | None:
    """An address printed without a name of its own, under a line naming the employee.

    A cheque prints the payee on its "Pay to the order of" line and the payee's address a few lines
    lower (for a window envelope), with the amount in words between, so the block has no name line.
    """
    best: tuple[float, AddressBlock] | None = None
    for block in blocks:
        if block.name is not None:
            continue
        top = block.bbox[1]
        reach = 8 * (block.bbox[3] - block.bbox[1]) / max(len(block.address), 1)
        for line in lines:
            gap = top - line.bbox[3]
            if line.page == block.page and 0 <= gap <= reach and _same_name(line.text, name):
                if best is None or gap < best[0]:
                    best = (gap, block)
    return best[1] if best else None


def _labelled_name(
    lines: Sequence[Line], labels: Sequence[str], sources: Sources, *, rivals: Sequence[str], person: bool = True
) -> FieldValue | None:
    def accept(text: str) -> bool:
        cleaned = clean_name(text)
        return looks_like_name(cleaned) if person else bool(cleaned) and not cleaned[:1].isdigit()

    found = labelled(lines, labels, accept, rivals=rivals)
    if found is None:
        return None
    return make_field(clean_name(found.found.text), page=found.found.page, bbox=found.found.bbox,
                      raw=found.found.text, confidence=0.95 * found.confidence, sources=sources)


def _employer_from_top(lines: Sequence[Line], sources: Sources) -> FieldValue | None:
    """The company name printed in the top band of page one (a segment ending in Inc/LLC/... wins)."""
    first = [ln for ln in lines if ln.page == (lines[0].page if lines else 1)]
    if not first:
        return None
    page_top = first[0].bbox[1]
    band = [ln for ln in first if ln.bbox[1] - page_top <= 12 * first[0].height]
    candidates = [
        s for ln in band for s in ln.segments
        if not any(c.isdigit() for c in s.text) and ":" not in s.text
        and label_score(s.text, TITLE_WORDS, max_extra=2) < 0.8 and len(tokens(s.text)) >= 1
    ]
    for segment in candidates:
        if tokens(segment.text)[-1:] and tokens(segment.text)[-1] in COMPANY_SUFFIXES:
            return make_field(clean_name(segment.text), page=first[0].page, bbox=segment.bbox, raw=segment.text,
                              confidence=0.85, sources=sources)
    return None


def _same_name(printed: str, known: str) -> bool:
    """Whether a line names ``known``. It may carry a label ("Employee: Priya Raman"), and a text layer
    may have no space between the label and the name ("Pay to the order ofCameron K Bennett"); OCR
    may glue the label's last letter to the name and misread the name's first ("oMordan, Colleen V"
    for "of Jordan, Colleen V"), which the rest of the name, read exactly, still pins down."""
    wanted, words = tokens(known), tokens(printed)
    if not wanted:
        return False
    if set(wanted) <= set(words):
        return True
    for start in range(len(words) - len(wanted) + 1):
        run = words[start : start + len(wanted)]
        if run[1:] == wanted[1:] and _glued_start(run[0], wanted[0], misread=len(wanted) > 1):
            return True
    return False


def _glued_start(printed: str, wanted: str, *, misread: bool) -> bool:
    """Whether ``printed`` ends with ``wanted``, one letter off when ``misread`` is allowed (and the
    word is long enough for one slip not to make another name): misread in its tail, or read with a
    letter more or less ("AnaHV" for the stub's "AnaH", OCR's gluing of "Ana H V")."""
    if printed.endswith(wanted):
        return True
    if not misread or len(wanted) < 4:
        return False
    tail = printed[-len(wanted):]
    return Levenshtein.distance(tail, wanted) == 1 or Levenshtein.distance(printed, wanted) == 1


