"""Bank statement extractor: bank, holder, account, period, summary totals and every transaction.

Transactions are read under the table header's columns (date, description, a signed amount or
separate debit and credit columns, an optional running balance); a page without its own header
reuses the last one's column geometry. Where running balances are printed they check each amount:
an amount whose sign (or OCR-damaged value) disagrees with the balance movement is repaired from it,
and the repair is recorded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from extractors.base import Extraction, Extractor, signal
from extractors.layout import Line, union_bbox
from extractors.normalize import clean_name, find_dates, parse_date
from extractors.tables import (
    DOUBTED_CONFIDENCE,
    REPAIR_PENALTY,
    AmountRow,
    Cell,
    Header,
    Sources,
    address_blocks,
    amount_cells,
    amount_rows,
    cell_field,
    find_headers,
    first_date,
    label_score,
    labelled,
    labelled_dates,
    looks_like_name,
    make_field,
    month_day,
    page_sources,
    parse_period,
    repair_date_text,
    tokens,
    with_year,
)
from pipeline.models import DocKind, FieldValue, ReadDocument, Transaction, Word

log = logging.getLogger(__name__)

HEADER_VOCABULARY: dict[str, tuple[str, ...]] = {
    "date": ("date", "transaction date", "posting date", "post date", "trans date", "value date", "effective date",
             "posted", "date posted"),
    "description": ("description", "details", "transaction", "transaction details", "transaction description",
                    "particulars", "memo", "payee", "narrative", "activity"),
    "debit": ("withdrawals", "withdrawal", "debits", "debit", "money out", "paid out", "subtractions", "charges",
              "checks and withdrawals", "withdrawals and debits", "payments and withdrawals", "debit amount"),
    "credit": ("deposits", "deposit", "credits", "credit", "money in", "paid in", "additions", "deposits and credits",
               "deposits and additions", "credit amount"),
    "amount": ("amount", "transaction amount"),
    "balance": ("balance", "running balance", "daily balance", "ending daily balance", "ledger balance"),
    "reference": ("ref", "reference", "check no", "check number", "cheque no", "check"),
}
MONEY_ROLES = ("amount", "debit", "credit", "balance")
SUMMARY_LABELS: dict[str, tuple[str, ...]] = {
    "opening_balance": ("beginning balance", "opening balance", "previous balance", "balance brought forward",
                        "starting balance", "balance forward", "balance last statement", "beginning ledger balance",
                        "balance at beginning of period", "opening ledger balance"),
    "closing_balance": ("ending balance", "closing balance", "new balance", "balance this statement",
                        "balance carried forward", "ending ledger balance", "balance at end of period",
                        "closing ledger balance", "statement balance"),
    "total_credits": ("total deposits and credits", "total deposits and other credits", "deposits and other credits",
                      "deposits and credits", "total deposits", "total credits", "deposits additions", "deposits",
                      "credits", "money in", "total money in", "paid in", "total additions"),
    "total_debits": ("total withdrawals and debits", "withdrawals and other debits", "total withdrawals",
                     "total debits", "withdrawals and debits", "checks and debits", "withdrawals", "debits",
                     "money out", "total money out", "paid out", "total subtractions", "checks and other debits"),
}
PERIOD_LABELS = ("statement period", "period", "for the period", "statement dates", "account period",
                 "period covered", "statement from", "for period", "statement period from", "activity period")
PERIOD_START_LABELS = ("period start", "beginning date", "from date", "opening date", "start date", "statement start")
PERIOD_END_LABELS = ("period end", "ending date", "closing date", "end date", "statement end")
ACCOUNT_LABELS = ("account number", "account no", "account #", "acct number", "acct no", "acct #",
                  "account ending in", "account", "acct", "checking account", "savings account")
HOLDER_LABELS = ("account holder", "account name", "primary account holder", "account owner", "customer name",
                 "prepared for", "name", "statement for", "customer")
BANK_WORDS = ("bank", "credit union", "savings", "financial", "trust", "bancorp", "banking", "fcu", "n a",
              "federal credit union", "bancshares")
_ACCOUNT_SHAPE = re.compile(r"^[\dXx*\u2022#\-. ]*\d{2,}[\dXx*\u2022\-. ]*$")
_MASK_CHARS = "*#Xx\u2022"
_MASKED = re.compile(rf"^(?P<mask>[{_MASK_CHARS}][{_MASK_CHARS}\d\-. ]*?)(?P<last>\d{{4}})$")
_MATCH = 0.005
"""Two amounts agree when they differ by less than half a cent."""


@dataclass
class _Row:
    """A transaction as read, before signs are checked against balances."""

    day: date
    description: list[str]
    amount: float
    balance: float | None
    page: int
    boxes: list[tuple[float, float, float, float]]
    confidence: float
    repaired: bool = False
    amount_unread: bool = False
    """The amount column holds ink OCR could not read as a number; ``amount`` is a placeholder."""
    notes: list[str] = field(default_factory=list)


@dataclass
class _Table:
    """What the transaction tables yielded: rows, balance rows, and which lines they used."""

    rows: list[_Row] = field(default_factory=list)
    opening: Cell | None = None
    closing: Cell | None = None
    used: set[int] = field(default_factory=set)


class BankStatementExtractor(Extractor):
    """Reads a bank account statement of any layout, all pages."""

    kind = DocKind.BANK_STATEMENT
    fields = ("bank_name", "account_holder", "account_holder_address", "account_number", "statement_period_start",
              "statement_period_end", "opening_balance", "closing_balance", "total_credits", "total_debits",
              "transaction_repairs")
    signals = (
        # The balances a statement opens and closes on, in the wordings banks print them.
        signal(r"\b(beginning|opening|previous|ending|closing|starting|new)\s+balance\b"
               r"|\bbalance\s+(?:(?:brought\s+|carried\s+)?forward|at\s+(?:the\s+)?(?:start|end)\s+of)\b", 2.0),
        signal(r"\bstatement\s+(?:period|dates?|from)\b|\b(?:account|bank)\s+statement\b|\bstatement\s+of\s+account\b",
               1.5),
        signal(r"\b(withdrawals|deposits)\b", 1.5),
        signal(r"\b(?:credits|debits)\b", 0.5),
        signal(r"\baccount\s+(number|no|#|ending)\b|\b(?:checking|savings|current)\s+account\b", 1.0),
        signal(r"\b(bank|credit\s+union|savings\s+(?:and|&)\s+loan|federal\s+savings)\b", 1.0),
        signal(r"\b(daily\s+balance|account\s+summary|account\s+activity|transaction\s+history)\b", 1.5),
    )

    def extract(self, document: ReadDocument, lines: Sequence[Line]) -> Extraction:
        """Read the statement's fields and its transactions across all pages."""
        sources = page_sources(document.pages)
        out = Extraction()
        start, end = labelled_dates(lines, PERIOD_START_LABELS, PERIOD_END_LABELS, PERIOD_LABELS, sources)
        if start is None or end is None:
            start, end = _unlabelled_period(lines, sources) or (start, end)
        for name, value in (("statement_period_start", start), ("statement_period_end", end)):
            if value is not None:
                out.fields[name] = value
        period = (_as_date(start), _as_date(end))
        if period == (None, None):
            period = (None, _first_date(lines))
        headers = find_headers(lines, HEADER_VOCABULARY, _is_transaction_header)
        table = _read_tables(lines, headers, period)
        summary_lines = [ln for ln in lines if id(ln) not in table.used]
        rows = amount_rows(summary_lines, headers, roles=("value",), markers={})
        out.fields.update(_summary(rows, table, sources))
        opening = out.fields.get("opening_balance")
        transactions, notes = _check_balances(table.rows, None if opening is None else float(str(opening.value)))
        out.transactions = transactions
        if notes:
            out.fields["transaction_repairs"] = make_field(
                len(notes), page=transactions[0].page or 1, bbox=(0.0, 0.0, 0.0, 0.0), raw="; ".join(notes),
                confidence=1.0, sources=sources, derived=True,
            )
        out.fields.update(_parties(lines, sources))
        log.debug("statement: %d headers, %d transactions, %d repaired", len(headers), len(transactions), len(notes))
        return out


def _is_transaction_header(header: Header) -> bool:
    """A header with a date column and a column of money moved, or one whose date label OCR lost."""
    roles = header.roles()
    if not roles & {"amount", "debit", "credit"}:
        return False
    return "date" in roles or _date_label_misread(header)


def _date_label_misread(header: Header) -> bool:
    """The header's first column is an unread word ("mate" for "Date" on a tinted band) left of its
    description column: rows still start with their dates (``_leading_date`` finds them there)."""
    description = next((c for c in header.columns if c.role == "description"), None)
    if description is None or description is not header.columns[0]:
        return False
    first = header.line.words[0]
    return first.bbox[2] < description.x0 and not any(c.x0 <= first.bbox[0] <= c.x1 for c in header.columns)


def _as_date(value: FieldValue | None) -> date | None:
    return None if value is None else date.fromisoformat(str(value.value))


def _first_date(lines: Sequence[Line]) -> date | None:
    """Any full date printed on the statement: the year for year-less rows when no period is printed."""
    for line in lines:
        found = find_dates(repair_date_text(line.text))
        if found:
            return found[0][0]
    return None


def _unlabelled_period(lines: Sequence[Line], sources: Sources) -> tuple[FieldValue, FieldValue] | None:
    """A date range printed on its own near the top of page one ("February 1 - February 28, 2026")."""
    first_page = lines[0].page if lines else 1
    for line in lines:
        if line.page != first_page:
            break
        for segment in line.segments:
            period = parse_period(segment.text)
            if period is not None:
                fields = [make_field(d.isoformat(), page=line.page, bbox=segment.bbox, raw=segment.text,
                                     confidence=0.8 * segment.confidence, sources=sources) for d in period]
                return fields[0], fields[1]
    return None


# --------------------------------------------------------------------------------------------------
# Transaction tables.


def _read_tables(lines: Sequence[Line], headers: Sequence[Header], period: tuple[date | None, date | None]) -> _Table:
    """Every transaction row under a header, across pages; a page without a header keeps the last one's columns.

    A page with no header before the first one (OCR lost the first page's heading, printed on a tinted
    band, down to "Description Balance") takes the first header's columns for its dated rows only: one
    statement prints one table layout, and its summary block ("Previous Balance ...") is no row.
    """
    by_line = {id(h.line): h for h in headers}
    headed_pages = {h.line.page for h in headers}
    borrowed = headers[0] if headers else None
    table = _Table()
    active: Header | None = None
    last: _Row | None = None
    last_bottom = 0.0
    page = None
    for line in lines:
        if line.page != page:
            page, last = line.page, None
        header = by_line.get(id(line))
        if header is not None:
            active, last = header, None
            table.used.add(id(line))
            continue
        columns = active
        if columns is None and borrowed and line.page < borrowed.line.page and line.page not in headed_pages:
            columns = borrowed
        if columns is None:
            continue
        parsed = _parse_line(line, columns, period)
        if parsed is None:
            continue
        kind, row, cells = parsed
        if kind == "balance" and active is None:
            continue  # a summary line above the lost heading, not the table's balance row
        if kind == "balance":
            label = " ".join(row.description)
            balance = cells.get("balance") or next(iter(cells.values()), None)
            if balance is not None and label_score(_undated(label), SUMMARY_LABELS["opening_balance"]) >= 0.8:
                table.opening = table.opening or balance
            elif balance is not None:
                table.closing = balance
            table.used.add(id(line))
            last = None
        elif kind == "row":
            table.rows.append(row)
            table.used.add(id(line))
            last, last_bottom = row, line.bbox[3]
        elif kind == "text" and last is not None and line.bbox[1] - last_bottom < line.height:
            last.description.extend(row.description)
            last.boxes.append(line.bbox)
            table.used.add(id(line))
            last_bottom = line.bbox[3]
        else:
            last = None
    return table


def _parse_line(
    line: Line, header: Header, period: tuple[date | None, date | None]
) -> tuple[str, _Row, dict[str, Cell]] | None:
    """Read one line under a header as a transaction ("row"), a balance row, or description text."""
    description_x = next((c.x0 for c in header.columns if c.role == "description"), None)
    day, used, day_conf = _leading_date(line, description_x, period)
    words = line.words[used:]

    def money_column(box: tuple[float, float, float, float]) -> bool:
        column = header.column_at(box)
        return column is not None and column.role in MONEY_ROLES

    cells = amount_cells(words, line.page, bare_cents=money_column)
    roles: dict[str, Cell] = {}
    for cell in cells:
        column = header.column_at(cell.bbox, MONEY_ROLES)
        if column is not None:
            roles.setdefault(column.role, cell)
    in_cells = {i for c in cells for i in c.word_indexes}
    text = [w.text for i, w in enumerate(words) if i not in in_cells]
    description = " ".join(text).strip()
    if _is_balance_label(description) and roles:
        return "balance", _Row(day or date.min, [description], 0.0, None, line.page, [line.bbox], 1.0), roles
    if tokens(description)[:1] == ["total"]:
        return None
    moved = [roles[r] for r in ("amount", "debit", "credit") if r in roles]
    if day is not None and moved:
        amount = _signed(roles)
        balance = roles.get("balance")
        conf = min([day_conf] + [c.confidence for c in moved])
        repaired = any(c.amount.repaired for c in moved)
        return "row", _Row(day, [description], amount, balance.value if balance else None, line.page,
                           [line.bbox], conf, repaired), roles
    unread = [w.text for i, w in enumerate(words) if i not in in_cells and _doubted_in_amount_column(w, header)]
    if day is not None and "balance" in roles and unread:
        description = " ".join(t for t in text if t not in unread).strip()
        return "row", _Row(day, [description], 0.0, roles["balance"].value, line.page, [line.bbox],
                           roles["balance"].confidence * REPAIR_PENALTY, True, amount_unread=True), roles
    if day is None and not cells and description:
        return "text", _Row(date.min, [description], 0.0, None, line.page, [line.bbox], 1.0), roles
    return None


def _doubted_in_amount_column(word: Word, header: Header) -> bool:
    """Ink OCR doubted (``= Hs ¥ 6``) where a row's amount belongs."""
    column = header.column_at(word.bbox)
    return word.confidence < DOUBTED_CONFIDENCE and column is not None and column.role in ("amount", "debit", "credit")


def _signed(roles: dict[str, Cell]) -> float:
    """Credit +, debit -: from the column when there are two, else as printed in the amount column."""
    if "debit" in roles or "credit" in roles:
        credit = abs(roles["credit"].value) if "credit" in roles else 0.0
        debit = abs(roles["debit"].value) if "debit" in roles else 0.0
        return round(credit - debit, 2)
    return roles["amount"].value


def _leading_date(
    line: Line, description_x: float | None, period: tuple[date | None, date | None]
) -> tuple[date | None, int, float]:
    """The date a row starts with (full, or month and day placed in the period) and how many words it took."""
    for span in (3, 2, 1):
        chunk = line.words[:span]
        if len(chunk) < span or (description_x is not None and chunk[-1].bbox[0] >= description_x - 1):
            continue
        text = " ".join(w.text for w in chunk)
        conf = min(w.confidence for w in chunk)
        full = parse_date(repair_date_text(text))
        if full is not None and _year_misread(full, period):
            # "10/01/202": the year lost a digit (read as 0202); month and day still place the row.
            full = with_year(full.month, full.day, *period) or full
        if full is not None:
            return full, span, conf
        partial = month_day(text)
        if partial is not None:
            placed = with_year(*partial, *period)
            if placed is not None:
                return placed, span, conf
    return None, 0, 1.0


YEAR_MISREAD_DAYS = 400
"""A row dated further than this from its statement's period has a misread year, not a real date."""


def _year_misread(day: date, period: tuple[date | None, date | None]) -> bool:
    anchor = period[1] or period[0]
    return anchor is not None and abs((day - anchor).days) > YEAR_MISREAD_DAYS


def _undated(label: str) -> str:
    """A label without the dates printed in it ("Ending balance on 02/28/2026")."""
    for _, raw in find_dates(label):
        label = label.replace(raw, " ")
    return re.sub(r"\b(on|as of)\b", " ", label, flags=re.IGNORECASE)


def _is_balance_label(text: str) -> bool:
    undated = _undated(text)
    return any(label_score(undated, SUMMARY_LABELS[k]) >= 0.8 for k in ("opening_balance", "closing_balance"))


def _check_balances(rows: list[_Row], opening: float | None) -> tuple[list[Transaction], list[str]]:
    """Check each amount against the running balance; repair a flipped sign or an OCR-damaged amount.

    Only a row that alone moves the balance from the last printed one can be checked. A sign that
    disagrees is flipped (the column or sign was misread); an amount that disagrees is replaced by the
    balance movement only when its reading was already an OCR repair, so a genuinely wrong printed
    amount on a clean page is left for the balance rules to report. An amount OCR could not read at
    all is taken from the balance movement when the row before shows a balance; otherwise the row is
    left out and the omission recorded.
    """
    notes: list[str] = []
    previous = opening
    since = 0
    out: list[Transaction] = []
    for index, row in enumerate(rows, start=1):
        since += 1
        if row.amount_unread:
            if previous is None or since != 1 or row.balance is None:
                notes.append(f"row {index} (page {row.page}): amount unreadable, row left out")
                continue
            row = replace(row, amount=round(row.balance - previous, 2))
            notes.append(f"row {index} (page {row.page}): unreadable amount taken from balance movement")
        elif row.balance is not None and previous is not None and since == 1:
            delta = round(row.balance - previous, 2)
            if abs(delta - row.amount) > _MATCH:
                if abs(delta + row.amount) <= _MATCH:
                    row = replace(row, amount=-row.amount, confidence=row.confidence * REPAIR_PENALTY)
                    notes.append(f"row {index} (page {row.page}): sign taken from balance movement")
                elif row.repaired:
                    row = replace(row, amount=delta, confidence=row.confidence * REPAIR_PENALTY)
                    notes.append(f"row {index} (page {row.page}): amount taken from balance movement")
        if row.balance is not None:
            previous, since = row.balance, 0
        out.append(Transaction(
            date=row.day, description=" ".join(d for d in row.description if d), amount=round(row.amount, 2),
            balance=row.balance, page=row.page, bbox=union_bbox(row.boxes), confidence=round(row.confidence, 3),
        ))
    return out, notes


# --------------------------------------------------------------------------------------------------
# Summary, account and parties.


def _summary(rows: Sequence[AmountRow], table: _Table, sources: Sources) -> dict[str, FieldValue]:
    """Opening/closing balances and totals from labelled amounts; balances fall back to the table's rows."""
    out: dict[str, FieldValue] = {}
    for name, labels in SUMMARY_LABELS.items():
        best: tuple[float, Cell] | None = None
        for row in rows:
            cell = row.amounts.get("value")
            score = label_score(_undated(row.label), labels)
            if cell is not None and score >= 0.8 and (best is None or score > best[0]):
                best = (score, cell)
        if best is not None:
            score, cell = best
            field_value = cell_field(cell, cell.confidence * score, sources)
            if name in ("total_credits", "total_debits"):
                field_value = field_value.model_copy(update={"value": abs(float(str(field_value.value)))})
            out[name] = field_value
    for name, cell in (("opening_balance", table.opening), ("closing_balance", table.closing)):
        if name not in out and cell is not None:
            out[name] = cell_field(cell, cell.confidence * 0.9, sources)
    if "closing_balance" not in out and table.rows and table.rows[-1].balance is not None:
        last = table.rows[-1]
        out["closing_balance"] = make_field(last.balance, page=last.page, bbox=last.boxes[0],
                                            raw=str(last.balance), confidence=0.7 * last.confidence, sources=sources)
    return out


def _parties(lines: Sequence[Line], sources: Sources) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    bank = _bank_name(lines, sources)
    if bank is not None:
        out["bank_name"] = bank
    account = labelled(lines, ACCOUNT_LABELS, _is_account_number)
    if account is not None:
        printed = masked_account(account.found.text.strip(), doubted=account.found.confidence < DOUBTED_CONFIDENCE)
        out["account_number"] = make_field(printed, page=account.found.page, bbox=account.found.bbox,
                                           raw=account.found.text, confidence=account.confidence, sources=sources)
    holder = labelled(lines, HOLDER_LABELS, lambda t: looks_like_name(clean_name(t)))
    blocks = [b for b in address_blocks(lines) if b.name is not None and not _is_bank(b.name.text)]
    if holder is not None:
        out["account_holder"] = make_field(clean_name(holder.found.text), page=holder.found.page,
                                           bbox=holder.found.bbox, raw=holder.found.text,
                                           confidence=0.95 * holder.confidence, sources=sources)
        wanted = set(tokens(holder.found.text))
        blocks = [b for b in blocks if b.name is not None and wanted <= set(tokens(b.name.text))] or blocks
    else:
        # A name line OCR could not read comes out as fragments ("ee"): take the first block whose
        # name reads as one; the first block's address stands either way.
        named = next((b for b in blocks if b.name is not None and looks_like_name(clean_name(b.name.text))), None)
        if named is not None and named.name is not None:
            name = named.name
            out["account_holder"] = make_field(clean_name(name.text), page=named.page, bbox=name.bbox,
                                               raw=name.text, confidence=0.75 * name.confidence, sources=sources)
    if blocks:
        block = blocks[0]
        out["account_holder_address"] = make_field(
            block.address_text, page=block.page, bbox=block.bbox, raw=block.address_text,
            confidence=0.8 * min(s.confidence for s in block.address), sources=sources,
        )
    return out


def _is_account_number(text: str) -> bool:
    """Digits (masked or not) that are no date: with the number beside its label lost, the value
    below ("02-23-2026 to 03-22-2026", the period printed under "Statement Dates") is not it."""
    return bool(_ACCOUNT_SHAPE.match(text)) and len(text.strip()) >= 4 and first_date(text) is None


def masked_account(text: str, *, doubted: bool) -> str:
    """An account number printed masked, in one printed form: ``*`` for star-like masks, the rest kept.

    A run of mask characters (``*``, ``#``, ``X``, ``x``, ``•``) before the last four digits is a
    mask. OCR reads small mask stars as ``#`` or ``•``, so those become ``*``; when OCR doubted the
    word, digits inside the mask are stars it misread (``#4440273`` for ``****0273``), since a
    masked number shows only its last four digits. Text that is not masked comes back as it is.
    """
    m = _MASKED.match(text)
    if m is None or (not doubted and any(ch.isdigit() for ch in m.group("mask"))):
        return text  # "#12345678" read with confidence is a number sign and a full number
    mask = re.sub(r"\d", "*", m.group("mask")).replace("#", "*").replace("\u2022", "*")
    return mask + m.group("last")


def _is_bank(text: str) -> bool:
    """A name that says it is a bank ("Savings Account Statement" is a title, not a bank)."""
    if label_score(text, ("account", "statement"), max_extra=8) >= 0.85:
        return False
    return any(label_score(text, (w,), max_extra=8) >= 0.85 for w in BANK_WORDS)


def _bank_name(lines: Sequence[Line], sources: Sources) -> FieldValue | None:
    """The top-most name on page one that says it is a bank (none when no name says so)."""
    first_page = [ln for ln in lines if ln.page == (lines[0].page if lines else 1)]
    for line in first_page[:15]:
        for segment in line.segments:
            text = segment.text
            if _is_bank(text) and not any(ch.isdigit() for ch in text) and ":" not in text:
                return make_field(clean_name(text), page=line.page, bbox=segment.bbox, raw=text,
                                  confidence=0.9 * segment.confidence, sources=sources)
    return None
