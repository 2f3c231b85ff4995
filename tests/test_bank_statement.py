"""Bank statement extraction over layouts of our own design: every field and transaction asserted.

Layouts: debit/credit columns with balance over two pages (header repeated); one signed amount column
with (12.00) / 12.00- / -12.00 and a Dec -> Jan period with year-less dates; a transposed summary and
an unsigned amount column whose signs only the running balance tells; a noisy OCR scan whose second
page has no header.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from test_tables import ocr_document, pdf_document, words_page

from extractors.bank_statement import (
    HEADER_VOCABULARY,
    BankStatementExtractor,
    _is_transaction_header,
    masked_account,
)
from extractors.base import Extraction
from extractors.layout import document_lines
from extractors.tables import read_header
from pipeline.models import ReadDocument


def _txn_rows(y: float, rows: list[tuple[str, str, str, str, str]], cols: tuple[float, ...]) -> list:
    """Rows of (date, description, withdrawal, deposit, balance) drawn under debit/credit columns."""
    out = []
    for k, (day, text, debit, credit, balance) in enumerate(rows):
        yy = y + 14 * k
        out += [(cols[0], yy, day), (cols[1], yy, text)]
        out += [(-cols[2], yy, v) for v in [debit] if v] + [(-cols[3], yy, v) for v in [credit] if v]
        out += [(-cols[4], yy, balance)]
    return out


def debit_credit_columns(via_reader: bool = False) -> ReadDocument:
    cols = (40.0, 90.0, 400.0, 480.0, 560.0)
    header = [(40, 0, "Date"), (90, 0, "Description"), (340, 0, "Withdrawals"), (430, 0, "Deposits"),
              (520, 0, "Balance")]
    page1 = [
        (40, 40, "First Lakeside Bank"), (40, 52, "100 Main St"), (40, 64, "Springfield, IL 62701"),
        (330, 40, "Statement Period: 02/01/2026 - 02/28/2026"), (330, 52, "Account Number: ****1234"),
        (40, 110, "JANE A DOE"), (40, 122, "42 Pine St"), (40, 134, "Springfield, IL 62704"),
        (40, 180, "Account Summary"),
        (40, 194, "Beginning Balance"), (-300, 194, "$1,000.00"),
        (40, 206, "Deposits & Other Credits"), (200, 206, "3"), (-300, 206, "4,210.55"),
        (40, 218, "Withdrawals & Other Debits"), (200, 218, "4"), (-300, 218, "1,234.56"),
        (40, 230, "Ending Balance"), (-300, 230, "$3,975.99"),
        *[(x, 270, t) for x, _, t in header],
        (40, 284, "02/01"), (90, 284, "Beginning balance"), (-560, 284, "1,000.00"),
        *_txn_rows(298, [("02/03", "PAYROLL ACME LOGISTICS", "", "2,097.54", "3,097.54")], cols),
        (90, 310, "DIRECT DEP PPD ID 99"),
        *_txn_rows(324, [("02/05", "GROCERY MART #123", "84.12", "", "3,013.42"),
                         ("02/09", "RENT PAYMENT", "1,100.00", "", "1,913.42"),
                         ("02/12", "ATM WITHDRAWAL", "40.00", "", "1,873.42")], cols),
        (260, 740, "Page 1 of 2"),
    ]
    page2 = [
        (40, 40, "First Lakeside Bank"), (330, 40, "Account Number: ****1234"), (480, 52, "Page 2 of 2"),
        *[(x, 90, t) for x, _, t in header],
        *_txn_rows(104, [("02/17", "PAYROLL ACME LOGISTICS", "", "2,097.54", "3,970.96"),
                         ("02/20", "ELECTRIC CO", "10.44", "", "3,960.52"),
                         ("02/25", "TRANSFER FROM SAVINGS", "", "15.47", "3,975.99")], cols),
        (90, 160, "Ending balance"), (-560, 160, "3,975.99"),
        (40, 740, "Member FDIC. Equal Housing Lender."),
    ]
    return pdf_document([page1, page2], font="Helvetica", size=9, via_reader=via_reader)


def signed_amount_column() -> ReadDocument:
    return pdf_document([[
        (40, 40, "Silver State Credit Union"),
        (40, 70, "Account Holder: Robert J. Smith"), (330, 70, "Account ending in 5678"),
        (40, 82, "9 Oak Ct"), (40, 94, "Reno, NV 89501"),
        (330, 82, "Statement Period: Dec 16, 2025 - Jan 15, 2026"),
        (40, 130, "Opening balance"), (-200, 130, "500.00"), (230, 130, "Total credits"), (-390, 130, "1,500.00"),
        (40, 142, "Closing balance"), (-200, 142, "1,687.50"), (230, 142, "Total debits"), (-390, 142, "312.50"),
        (40, 180, "Transaction Date"), (150, 180, "Details"), (450, 180, "Amount"),
        (40, 194, "Dec 18"), (150, 194, "Deposit - Mobile"), (-490, 194, "1,500.00"),
        (40, 206, "Dec 30"), (150, 206, "Coffee Shop"), (-490, 206, "(12.50)"),
        (40, 218, "Jan 02"), (150, 218, "Gym Membership"), (-493, 218, "50.00-"),
        (40, 230, "Jan 10"), (150, 230, "Card Payment"), (-490, 230, "-250.00"),
    ]], font="Times-Roman", size=10)


def transposed_unsigned() -> ReadDocument:
    return pdf_document([[
        (40, 40, "Harbor Point Savings"), (400, 40, "Page 1"),
        (40, 70, "MARIA L GONZALES"), (40, 82, "77 Elm Street Apt 5"), (40, 94, "Tacoma, WA 98402"),
        (330, 70, "Acct No. XXXX-XXXX-9012"), (330, 82, "March 1, 2026 through March 31, 2026"),
        (40, 130, "Previous Balance"), (170, 130, "Deposits"), (280, 130, "Withdrawals"), (400, 130, "New Balance"),
        (-120, 142, "250.00"), (-230, 142, "900.00"), (-340, 142, "175.25"), (-460, 142, "974.75"),
        (40, 180, "Posting Date"), (130, 180, "Amount"), (220, 180, "Balance"), (300, 180, "Description"),
        (40, 194, "03/02/2026"), (-170, 194, "900.00"), (-260, 194, "1,150.00"), (300, 194, "EMPLOYER DIRECT DEP"),
        (40, 206, "03/09/2026"), (-170, 206, "75.25"), (-260, 206, "1,074.75"), (300, 206, "UTILITY BILL PAY"),
        (40, 218, "03/20/2026"), (-170, 218, "100.00"), (-260, 218, "974.75"), (300, 218, "CASH WITHDRAWAL"),
    ]], font="Courier", size=9)


def ocr_two_pages() -> ReadDocument:
    page1 = words_page([
        [(150, "Northgate Bank")],
        [(150, "Account Number: 000123456789")],
        [(150, "Statement Period: 03/01/2026 to 03/31/2026")],
        [(150, "Account Holder: Sam Okafor")],
        [],
        [(150, "Date"), (400, "Description"), (1300, "Withdrawls"), (1700, "Deposits"), (2100, "Ba1ance")],
        [(150, "03/01"), (400, "Beginning Balance"), (2100, "500.00")],
        [(150, "03/02"), (400, "PAYROLL DEP"), (1700, "$ 1,500.00"), (2100, "2,000.00")],
        [(150, "03/04"), (400, "GAS STATION"), (1300, "45.1O"), (2100, "1,954.90")],
    ], number=1)
    page2 = words_page([
        [(150, "Northgate Bank"), (1900, "Page 2 of 2")],
        [],
        [(150, "03/10"), (400, "RENT"), (1300, "1.200.00"), (2100, "754.90")],
        [(150, "03/15"), (400, "TRANSFER IN"), (1700, "20000"), (2100, "954.90")],
        [(150, "03/18"), (400, "CARD REFUND"), (1300, "12.00"), (2100, "966.90")],
    ], number=2)
    return ocr_document([page1, page2])


EXPECTED: dict[str, dict[str, Any]] = {
    "debit_credit_columns": {
        "fields": {
            "bank_name": "First Lakeside Bank", "account_holder": "JANE A DOE",
            "account_holder_address": "42 Pine St, Springfield, IL 62704", "account_number": "****1234",
            "statement_period_start": "2026-02-01", "statement_period_end": "2026-02-28",
            "opening_balance": 1000.00, "closing_balance": 3975.99, "total_credits": 4210.55, "total_debits": 1234.56,
        },
        "transactions": [
            ("2026-02-03", "PAYROLL ACME LOGISTICS DIRECT DEP PPD ID 99", 2097.54, 3097.54, 1),
            ("2026-02-05", "GROCERY MART #123", -84.12, 3013.42, 1),
            ("2026-02-09", "RENT PAYMENT", -1100.00, 1913.42, 1),
            ("2026-02-12", "ATM WITHDRAWAL", -40.00, 1873.42, 1),
            ("2026-02-17", "PAYROLL ACME LOGISTICS", 2097.54, 3970.96, 2),
            ("2026-02-20", "ELECTRIC CO", -10.44, 3960.52, 2),
            ("2026-02-25", "TRANSFER FROM SAVINGS", 15.47, 3975.99, 2),
        ],
    },
    "signed_amount_column": {
        "fields": {
            "bank_name": "Silver State Credit Union", "account_holder": "Robert J. Smith",
            "account_holder_address": "9 Oak Ct, Reno, NV 89501", "account_number": "5678",
            "statement_period_start": "2025-12-16", "statement_period_end": "2026-01-15",
            "opening_balance": 500.00, "closing_balance": 1687.50, "total_credits": 1500.00, "total_debits": 312.50,
        },
        "transactions": [
            ("2025-12-18", "Deposit - Mobile", 1500.00, None, 1),
            ("2025-12-30", "Coffee Shop", -12.50, None, 1),
            ("2026-01-02", "Gym Membership", -50.00, None, 1),
            ("2026-01-10", "Card Payment", -250.00, None, 1),
        ],
    },
    "transposed_unsigned": {
        "fields": {
            "bank_name": "Harbor Point Savings", "account_holder": "MARIA L GONZALES",
            "account_holder_address": "77 Elm Street Apt 5, Tacoma, WA 98402", "account_number": "XXXX-XXXX-9012",
            "statement_period_start": "2026-03-01", "statement_period_end": "2026-03-31",
            "opening_balance": 250.00, "closing_balance": 974.75, "total_credits": 900.00, "total_debits": 175.25,
        },
        "transactions": [
            ("2026-03-02", "EMPLOYER DIRECT DEP", 900.00, 1150.00, 1),
            ("2026-03-09", "UTILITY BILL PAY", -75.25, 1074.75, 1),
            ("2026-03-20", "CASH WITHDRAWAL", -100.00, 974.75, 1),
        ],
    },
    "ocr_two_pages": {
        "fields": {
            "bank_name": "Northgate Bank", "account_holder": "Sam Okafor", "account_holder_address": None,
            "account_number": "000123456789",
            "statement_period_start": "2026-03-01", "statement_period_end": "2026-03-31",
            "opening_balance": 500.00, "closing_balance": 966.90, "total_credits": None, "total_debits": None,
        },
        "transactions": [
            ("2026-03-02", "PAYROLL DEP", 1500.00, 2000.00, 1),
            ("2026-03-04", "GAS STATION", -45.10, 1954.90, 1),
            ("2026-03-10", "RENT", -1200.00, 754.90, 2),
            ("2026-03-15", "TRANSFER IN", 200.00, 954.90, 2),
            ("2026-03-18", "CARD REFUND", 12.00, 966.90, 2),
        ],
    },
}
LAYOUTS = {"debit_credit_columns": debit_credit_columns, "signed_amount_column": signed_amount_column,
           "transposed_unsigned": transposed_unsigned, "ocr_two_pages": ocr_two_pages}


@cache
def extracted(layout: str) -> Extraction:
    document = LAYOUTS[layout]()
    return BankStatementExtractor().extract(document, document_lines(document.pages))


@pytest.mark.parametrize(
    ("layout", "field"), [(layout, f) for layout, case in EXPECTED.items() for f in case["fields"]]
)
def test_field(layout: str, field: str) -> None:
    got = extracted(layout).fields.get(field)
    assert (got.value if got else None) == EXPECTED[layout]["fields"][field]
    if got is not None:
        assert got.bbox is not None and 0 < got.confidence <= 1


@pytest.mark.parametrize("layout", list(EXPECTED))
def test_transactions(layout: str) -> None:
    got = [(t.date.isoformat(), t.description, t.amount, t.balance, t.page) for t in extracted(layout).transactions]
    assert got == EXPECTED[layout]["transactions"]


@pytest.mark.parametrize(
    ("layout", "repairs"),
    [("debit_credit_columns", 0), ("signed_amount_column", 0), ("transposed_unsigned", 2), ("ocr_two_pages", 1)],
)
def test_balance_repairs_are_recorded(layout: str, repairs: int) -> None:
    """Unsigned amounts (and a refund printed under Withdrawals) get their sign from the balance, noted."""
    fields = extracted(layout).fields
    assert (fields["transaction_repairs"].value if "transaction_repairs" in fields else 0) == repairs


def test_ocr_repaired_amounts_have_lower_confidence() -> None:
    by_text = {t.description: t.confidence for t in extracted("ocr_two_pages").transactions}
    assert by_text["GAS STATION"] < by_text["PAYROLL DEP"]  # "45.1O"
    assert by_text["TRANSFER IN"] < by_text["PAYROLL DEP"]  # "20000", decimal point dropped


def test_transaction_boxes_cover_continuation_lines() -> None:
    first = extracted("debit_credit_columns").transactions[0]
    assert first.bbox is not None and first.bbox[3] - first.bbox[1] > 20  # two printed lines


def test_through_read_stage() -> None:
    """The same PDF read by the pipeline's read stage (text layer) gives the same fields and rows."""
    pytest.importorskip("extractors.reading")
    document = debit_credit_columns(via_reader=True)
    assert document.status == "ok" and document.source == "text"
    got = BankStatementExtractor().extract(document, document_lines(document.pages))
    expected = EXPECTED["debit_credit_columns"]
    assert {k: (got.fields[k].value if k in got.fields else None) for k in expected["fields"]} == expected["fields"]
    rows = [(t.date.isoformat(), t.description, t.amount, t.balance, t.page) for t in got.transactions]
    assert rows == expected["transactions"]


@pytest.mark.parametrize("pages", [[], [[(40, 40, "Nothing to see here 12.00")]]])
def test_sparse_document_yields_no_crash(pages: list) -> None:
    document = pdf_document(pages) if pages else ocr_document([])
    got = BankStatementExtractor().extract(document, document_lines(document.pages))
    assert got.transactions == []


def test_glued_account_number_and_bracketed_currency_totals() -> None:
    """"Acct No:000123456" has no space after the colon; "(USD 812.40)" and "-USD 90.00" are amounts."""
    document = ocr_document([words_page([
        [(150, "Granite Peak Credit Union")],
        [(150, "Acct No:000123456"), (1400, "Period: 03/01/2026 - 03/31/2026")],
        [(150, "Opening Balance"), (900, "USD 1,500.00")],
        [(150, "Total Withdrawals"), (900, "(USD 812.40)")],
        [(150, "Service Fees"), (900, "-USD 90.00")],
        [(150, "Closing Balance"), (900, "USD 687.60")],
    ])])
    fields = BankStatementExtractor().extract(document, document_lines(document.pages)).fields
    assert fields["account_number"].value == "000123456"
    assert fields["total_debits"].value == 812.40
    assert fields["opening_balance"].value == 1500.0 and fields["closing_balance"].value == 687.60


@pytest.mark.parametrize(
    ("text", "doubted", "expected"),
    [
        ("#4440273", True, "****0273"),  # stars OCR read as '#' and '4', the reader unsure
        ("\u2022\u2022\u2022\u2022 1714", False, "**** 1714"),
        ("xxxx-xxxx-9060", False, "xxxx-xxxx-9060"),
        ("#12345678", False, "#12345678"),  # read with confidence: a number sign and a full number
        ("1234567890", True, "1234567890"),
    ],
)
def test_masked_account_numbers(text: str, doubted: bool, expected: str) -> None:
    assert masked_account(text, doubted=doubted) == expected


def test_holder_skips_an_unreadable_name_line_and_account_mask_is_normalised() -> None:
    """A name line OCR turned into "ee" is no holder; the block's address still is the holder's, and
    the doubted "#4440273" printed after "Account:" is the masked ****0273."""
    page = words_page([
        [(150, "Granite Peak Credit Union")],
        [(150, "ee"), (1300, "Account:"), (1700, "#4440273")],
        [(150, "48 Maple Street")],
        [(150, "Springfield, IL 62704")],
    ])
    words = tuple(w.model_copy(update={"confidence": 0.4}) if w.text == "#4440273" else w for w in page.words)
    document = ocr_document([page.model_copy(update={"words": words})])
    fields = BankStatementExtractor().extract(document, document_lines(document.pages)).fields
    assert "account_holder" not in fields
    assert fields["account_holder_address"].value == "48 Maple Street, Springfield, IL 62704"
    assert fields["account_number"].value == "****0273"


def _garble(document: ReadDocument, printed: str, junk: tuple[str, ...]) -> ReadDocument:
    """The document with the word ``printed`` read as doubted junk instead (OCR gave up on it)."""
    pages = []
    for page in document.pages:
        words = []
        for word in page.words:
            if word.text != printed:
                words.append(word)
                continue
            x0, y0, _, y1 = word.bbox
            words += [word.model_copy(update={"text": t, "confidence": 0.36, "bbox": (x0 + 20 * k, y0, x0 + 20 * k + 15, y1)})
                      for k, t in enumerate(junk)]
        pages.append(page.model_copy(update={"words": tuple(words)}))
    return document.model_copy(update={"pages": tuple(pages)})


def _extract(document: ReadDocument) -> Extraction:
    return BankStatementExtractor().extract(document, document_lines(document.pages))


def test_unreadable_amount_is_taken_from_the_balance_movement() -> None:
    """A row whose amount OCR garbled keeps its place: the printed balances on either side give it."""
    got = _extract(_garble(ocr_two_pages(), "45.1O", ("=", "Hs", "6")))
    row = next(t for t in got.transactions if t.description == "GAS STATION")
    assert row.amount == -45.10 and row.balance == 1954.90
    assert row.confidence < 0.9
    assert "unreadable amount taken from balance movement" in (got.fields["transaction_repairs"].raw or "")


def test_unreadable_amount_without_a_balance_before_is_left_out_and_noted() -> None:
    """No printed balance before the row: nothing to derive the amount from, so the row is noted, not invented."""
    balance_lost = _garble(ocr_two_pages(), "1,954.90", ("#",))
    got = _extract(_garble(balance_lost, "1.200.00", ("=", "Hs", "6")))
    texts = [t.description for t in got.transactions]
    assert "RENT" not in texts and len(texts) == 4
    assert "amount unreadable, row left out" in (got.fields["transaction_repairs"].raw or "")


def test_doubted_words_in_the_description_do_not_make_an_amount() -> None:
    """Low-confidence words outside the amount columns are description text, not an unread amount."""
    got = _extract(_garble(ocr_two_pages(), "STATION", ("ST4TI0N",)))
    assert [t.amount for t in got.transactions] == [t[2] for t in EXPECTED["ocr_two_pages"]["transactions"]]


def test_a_row_date_whose_year_lost_a_digit_is_placed_in_the_period() -> None:
    """"03/04/202" parses as the year 202: month and day still say where the row belongs."""
    got = _extract(_garble(ocr_two_pages(), "03/04", ("03/04/202",)))
    row = next(t for t in got.transactions if t.description == "GAS STATION")
    assert row.date.isoformat() == "2026-03-04"


def test_a_full_row_date_near_the_period_is_kept_as_printed() -> None:
    """A date printed with its year a few days before the period (a late posting) is no misread."""
    got = _extract(_garble(ocr_two_pages(), "03/04", ("02/27/2026",)))
    row = next(t for t in got.transactions if t.description == "GAS STATION")
    assert row.date.isoformat() == "2026-02-27"


def test_a_first_page_whose_heading_ocr_lost_takes_the_next_pages_columns() -> None:
    """Page 1's heading read only as "Description Balance": its dated rows still count, under page
    2's columns; its summary block ("Beginning Balance", "Ending Balance") stays the summary."""
    document = debit_credit_columns()
    first = document.pages[0]
    heading_lost = tuple(w for w in first.words if w.text not in ("Date", "Withdrawals", "Deposits"))
    document = document.model_copy(update={"pages": (first.model_copy(update={"words": heading_lost}),
                                                     *document.pages[1:])})
    got = BankStatementExtractor().extract(document, document_lines(document.pages))
    assert [(t.date.isoformat(), t.description, t.amount, t.balance, t.page) for t in got.transactions] \
        == EXPECTED["debit_credit_columns"]["transactions"]
    assert got.fields["opening_balance"].value == 1000.0 and got.fields["closing_balance"].value == 3975.99


def test_a_header_whose_date_label_ocr_misread_still_heads_the_table() -> None:
    """"Date" on a tinted band read as "mate": the rows under it still start with their dates."""
    got = _extract(_garble(ocr_two_pages(), "Date", ("mate",)))
    assert [t.amount for t in got.transactions] == [t[2] for t in EXPECTED["ocr_two_pages"]["transactions"]]


def test_a_description_and_amount_header_with_nothing_before_it_is_no_transaction_table() -> None:
    """A "Description Amount" line (a fee schedule) heads no transactions: no date column, and no
    unread word where one would be."""
    page = words_page([[(400, "Description"), (1700, "Amount")]])
    header = read_header(document_lines([page])[0], HEADER_VOCABULARY)
    assert header is not None and not _is_transaction_header(header)
    page = words_page([[(150, "mate"), (400, "Description"), (1700, "Amount")]])
    header = read_header(document_lines([page])[0], HEADER_VOCABULARY)
    assert header is not None and _is_transaction_header(header)


@pytest.mark.parametrize(("printed", "expected"), [(None, None), ("****6079", "****6079"), ("12-3456-78", "12-3456-78")])
def test_the_period_under_an_account_label_is_no_account_number(printed: str | None, expected: str | None) -> None:
    """"Checking Account:" whose number OCR lost sits above "02-23-2026 to 03-22-2026": a date is
    no account number, while a dashed number printed beside the label still is."""
    beside = [(1700, printed)] if printed else []
    page = words_page([
        [(150, "Summit Trust Bank")],
        [(150, "WILLIAM B JACKSON"), (1300, "Checking Account:"), *beside],
        [(150, "348 ELM PL"), (1300, "Statement Dates:")],
        [(150, "DENVER, CO 80202"), (1300, "02-23-2026 to 03-22-2026")],
    ])
    fields = _extract(ocr_document([page])).fields
    assert (fields["account_number"].value if "account_number" in fields else None) == expected
