"""Shared table readers: amounts with OCR repair, fuzzy labels, headers, periods, address blocks.

Also holds the small PDF helpers the pay-stub and statement tests share: draw text with reportlab,
read it back as words through pypdfium2 character boxes (the text-layer path, no OCR).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.layout import document_lines, group_lines
from extractors.tables import (
    address_blocks,
    amount_cells,
    find_labels,
    is_city_line,
    label_score,
    labelled,
    looks_like_name,
    month_day,
    parse_period,
    read_amount,
    read_header,
    repair_date_text,
    tidy_city_line,
    with_year,
)
from pipeline.models import PageText, ReadDocument, Word

Text = tuple[float, float, str]
"""(x, y from the top in points, text) of one string drawn on a page; a negative x right-aligns the
string at -x (how amounts are printed in columns)."""


def build_pdf(pages: Sequence[Sequence[Text]], font: str = "Helvetica", size: float = 9.0) -> bytes:
    """A letter-size PDF with each page's strings drawn at their places."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    height = letter[1]
    for page in pages:
        pdf.setFont(font, size)
        for x, y, text in page:
            if x < 0:
                pdf.drawRightString(-x, height - y, text)
            else:
                pdf.drawString(x, height - y, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_pages(data: bytes) -> list[PageText]:
    """Words of every page from pypdfium2 character boxes (a space or a wide gap ends a word)."""
    document = pdfium.PdfDocument(data)
    pages = []
    for number, page in enumerate(document, start=1):
        width, height = page.get_size()
        textpage = page.get_textpage()
        chars = []
        for i in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            chars.append((textpage.get_text_range(i, 1), (left, height - top, right, height - bottom)))
        pages.append(PageText(number=number, width=width, height=height, unit="pt", source="text",
                              words=tuple(_words(chars))))
    return pages


def _words(chars: list[tuple[str, tuple[float, float, float, float]]]) -> list[Word]:
    groups: list[list[tuple[str, tuple[float, float, float, float]]]] = []
    for char, box in chars:
        if not char.strip():
            groups.append([])
            continue
        last = groups[-1] if groups else []
        if not last or box[0] - last[-1][1][2] > 0.3 * (box[3] - box[1]) or abs(box[1] - last[-1][1][1]) > 2.0:
            groups.append([])
        groups[-1].append((char, box))
    return [
        Word(text="".join(c for c, _ in g), bbox=(min(b[0] for _, b in g), min(b[1] for _, b in g),
                                                  max(b[2] for _, b in g), max(b[3] for _, b in g)))
        for g in groups if g
    ]


def pdf_document(
    pages: Sequence[Sequence[Text]], font: str = "Helvetica", size: float = 9.0, *, via_reader: bool = False
) -> ReadDocument:
    """A text-layer ReadDocument of the drawn pages, read here or by the pipeline's read stage."""
    data = build_pdf(pages, font, size)
    if via_reader:
        from extractors.reading import read_document
        from pipeline.intake import IntakeFile

        return read_document(IntakeFile(name="test.pdf", sha256="0" * 64, size_bytes=len(data),
                                        media_type="application/pdf", data=data))
    read = pdf_pages(data)
    return ReadDocument(file="test.pdf", sha256="0" * 64, media_type="application/pdf", size_bytes=0,
                        pages=tuple(read), page_count=len(read))


def words_page(rows: Sequence[Sequence[tuple[float, str]]], *, number: int = 1, unit: str = "px300",
               line_pitch: float = 40.0, char_width: float = 14.0, height: float = 30.0,
               confidence: float = 0.9) -> PageText:
    """A hand-built OCR-like page: each row lists (x, text) at one baseline; the text's words are laid
    out from x one space apart."""
    words = []
    for r, row in enumerate(rows):
        top = 100 + r * line_pitch
        for x, text in row:
            for word in text.split():
                words.append(Word(text=word, bbox=(x, top, x + char_width * len(word), top + height),
                                  confidence=confidence))
                x += char_width * (len(word) + 1)
    return PageText(number=number, width=2550, height=3300, unit=unit, source="ocr",  # type: ignore[arg-type]
                    words=tuple(words))


def ocr_document(pages: Sequence[PageText]) -> ReadDocument:
    return ReadDocument(file="scan.png", sha256="1" * 64, media_type="image/png", size_bytes=0,
                        pages=tuple(pages), page_count=len(pages))


# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bare", "value", "repaired"),
    [
        ("$1,234.56", False, 1234.56, False),
        ("S1,234.56", False, 1234.56, True),
        ("1.234.56", False, 1234.56, True),
        ("1,234,56", False, 1234.56, True),
        ("(12.00)", False, -12.0, False),
        ("12.00-", False, -12.0, False),
        ("45.10CR", False, 45.10, False),
        ("35.21.DR", False, -35.21, False),  # a speck read as a point before DR
        ("2,5OO.00", False, 2500.0, True),
        ("-§3.52", False, -53.52, True),  # Tesseract's section sign for a blurred 5
        ("***2,310.55", False, 2310.55, False),
        ("123456", True, 1234.56, True),
        ("1,234.56", True, 1234.56, False),
        ("52:37", True, 52.37, True),  # in a money column: the decimal point read as a colon
    ],
)
def test_read_amount(text: str, bare: bool, value: float, repaired: bool) -> None:
    amount = read_amount(text, bare_cents=bare)
    assert amount is not None
    assert (amount.value, amount.repaired) == (value, repaired)


@pytest.mark.parametrize("text", ["02/13", "2026", "80", "1234.5", "Balance", "123456", "12-34", "§ 12", "12:30"])
def test_read_amount_rejects(text: str) -> None:
    assert read_amount(text) is None


def spaced_line(words: Sequence[tuple[str, float]]) -> PageText:
    """One OCR-like line: each word follows the previous one after the given gap (in px)."""
    laid, x = [], 100.0
    for text, gap in words:
        x += gap
        laid.append(Word(text=text, bbox=(x, 100, x + 14 * len(text), 130), confidence=0.9))
        x += 14 * len(text)
    return PageText(number=1, width=2550, height=3300, unit="px300", source="ocr", words=tuple(laid))


@pytest.mark.parametrize(
    ("words", "values"),
    [
        ([("$", 0), ("1,234.56", 8)], [1234.56]),
        ([("(", 0), ("12.00", 4), (")", 4), ("5.00", 200)], [-12.0, 5.0]),
        ([("1,234", 0), ("56", 10)], [1234.56]),
        ([("Deposits", 0), ("12", 200), ("4,210.55", 200)], [4210.55]),
        ([("2,500.00", 0), ("30,000.00", 200)], [2500.0, 30000.0]),
        # A monospace space in OCR pixels: wider than the currency word's ink is tall.
        ([("EUR", 0), ("7,491.57", 34)], [7491.57]),
    ],
)
def test_amount_cells_join_split_words(words: list[tuple[str, float]], values: list[float]) -> None:
    line = group_lines(spaced_line(words))[0]
    assert [c.value for c in amount_cells(line.words, 1)] == values


@pytest.mark.parametrize(
    ("text", "labels", "score"),
    [
        ("Net Pay", ["net pay"], 1.0),
        ("Total Net Pay", ["net pay"], 0.95),
        ("Ba1ance", ["balance"], 0.85),
        ("Nct Pay", ["net pay"], 0.0),  # "net" is too short to forgive a wrong letter
        ("Withdrawls", ["withdrawals"], 0.85),
    ],
)
def test_label_score(text: str, labels: list[str], score: float) -> None:
    assert label_score(text, labels) == pytest.approx(score)


def test_find_labels_prefers_exact_and_longest() -> None:
    page = words_page([[(100, "YTD"), (160, "Net"), (220, "Pay")], [(100, "Net"), (160, "Pay")]])
    matches = find_labels(group_lines(page), ["net pay", "ytd net pay"])
    assert [(m.label, m.anchor.line.text) for m in matches] == [("ytd net pay", "YTD Net Pay"), ("net pay", "Net Pay")]


@pytest.mark.parametrize(
    ("row", "roles"),
    [
        ([(100, "Date"), (400, "Description"), (1400, "Withdrawals/Debits"), (1800, "Balance")],
         ["date", "description", "debit", "balance"]),
        ([(100, "Transaction"), (260, "Date"), (500, "Details"), (1500, "Amount")], ["date", "description", "amount"]),
        ([(100, "Dcscription"), (1400, "Deposits"), (1800, "Ba1ance")], ["description", "credit", "balance"]),
    ],
)
def test_read_header_roles(row: list[tuple[float, str]], roles: list[str]) -> None:
    vocabulary = {
        "date": ["date", "transaction date"],
        "description": ["description", "details", "transaction"],
        "debit": ["withdrawals", "debits"],
        "credit": ["deposits", "credits"],
        "amount": ["amount"],
        "balance": ["balance"],
    }
    header = read_header(group_lines(words_page([row]))[0], vocabulary)
    assert header is not None
    assert [c.role for c in header.columns] == roles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02/01/2026 - 02/15/2026", (date(2026, 2, 1), date(2026, 2, 15))),
        ("Feb 1 - Feb 15, 2026", (date(2026, 2, 1), date(2026, 2, 15))),
        ("Dec 16 - Jan 15, 2026", (date(2025, 12, 16), date(2026, 1, 15))),
        ("February 1, 2026 through February 28, 2026", (date(2026, 2, 1), date(2026, 2, 28))),
        ("02/01/26-02/15/26", (date(2026, 2, 1), date(2026, 2, 15))),
        ("1 Feb to 15 Feb 2026", (date(2026, 2, 1), date(2026, 2, 15))),
        ("O2/01/2026 to 02/l5/2026", (date(2026, 2, 1), date(2026, 2, 15))),
    ],
)
def test_parse_period(text: str, expected: tuple[date, date]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("02/13", date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 13)),
        ("Dec 30", date(2025, 12, 16), date(2026, 1, 15), date(2025, 12, 30)),
        ("01/02", date(2025, 12, 16), date(2026, 1, 15), date(2026, 1, 2)),
        ("13 Feb", date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 13)),
        ("Oct-17", date(2025, 9, 25), date(2025, 10, 24), date(2025, 10, 17)),
        ("17-Oct", date(2025, 9, 25), date(2025, 10, 24), date(2025, 10, 17)),
    ],
)
def test_year_less_dates(text: str, start: date, end: date, expected: date) -> None:
    parsed = month_day(text)
    assert parsed is not None
    assert with_year(*parsed, start, end) == expected


def test_address_blocks_from_pdf() -> None:
    doc = pdf_document([[
        (50, 50, "Northwind Traders LLC"), (50, 62, "400 Harbor Way"), (50, 74, "Seattle, WA 98101"),
        (50, 150, "Maria L. Gonzales"), (50, 162, "77 Elm Street"), (50, 174, "Apt 5"), (50, 186, "Tacoma, WA 98402"),
    ]])
    blocks = address_blocks(document_lines(doc.pages))
    assert [(b.name.text if b.name else None, b.address_text) for b in blocks] == [
        ("Northwind Traders LLC", "400 Harbor Way, Seattle, WA 98101"),
        ("Maria L. Gonzales", "77 Elm Street, Apt 5, Tacoma, WA 98402"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("31-OCT-2025", "31-OCT-2025"), ("01-Oct-2025", "01-Oct-2025"), ("O1/l5/2026", "01/15/2026"),
     ("Paid on 2O26-O3-O1", "Paid on 2026-03-01"),
     ("O1 Oct", "01 Oct"), ("Oct O1", "Oct 01"), ("Sept O9, 2025", "Sept 09, 2025"),  # a day beside a month
     ("Nov O01", "Nov 01"), ("I12 Nov", "12 Nov"), ("Nov 101", "Nov 101"),  # a look-alike read before the day
     ("Olive Oct", "Olive Oct"), ("I Oct", "I Oct"), ("IO Oct", "IO Oct")],  # words and digit-less scraps stay
)
def test_repair_date_text_leaves_month_names(text: str, expected: str) -> None:
    """The "O" of "OCT" is a letter of a month name, not a zero misread inside a numeric date."""
    assert repair_date_text(text) == expected


@pytest.mark.parametrize(
    ("words", "values"),
    [
        ([("Owed", 0), ("(EUR", 200), ("72.10)", 8)], [-72.10]),
        ([("Fees", 0), ("-USD", 200), ("9.99", 8)], [-9.99]),
    ],
)
def test_amount_cells_take_bracketed_currency(words: list[tuple[str, float]], values: list[float]) -> None:
    """A sign or bracket printed against the currency code is part of the amount, not a label."""
    line = group_lines(spaced_line(words))[0]
    assert [c.value for c in amount_cells(line.words, 1)] == values


def test_labelled_value_does_not_start_inside_another_label() -> None:
    """A row of labels with values under them: the words right of "Worker" belong to other labels,
    and the tails of two of them ("End Deposit") are not a name."""
    lines = group_lines(words_page([
        [(100, "Worker"), (700, "Shift Period End"), (1200, "Deposit Number")],
        [(100, "Lena Okafor"), (700, "2026-05-02"), (1200, "2026-05-06")],
    ]))
    found = labelled(lines, ["worker"], lambda t: looks_like_name(t))
    assert found is not None and found.found.text == "Lena Okafor"


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Michaelshire, SD 70405", True),
        ("East Jessica, Hi 44214", True),  # OCR read the state "HI" in mixed case
        ("LAKE GREGORYVIEW, , WI 98063", True),  # a stray comma read beside the real one
        ("HINESSHIRE. \u2014 HI 52548", True),  # a comma read as a dot, grain as a dash
        ("SOUTH PETERCHESTER, GA 25324-1102", True),
        ("Policy No 12345", False),  # a label and a number: "No" is no state
        ("Claim Nr 55012", False),
    ],
)
def test_city_lines_need_a_real_state_code(text: str, city: bool) -> None:
    assert is_city_line(text) is city


def test_a_slip_that_reads_as_a_rival_label_is_not_ours() -> None:
    """OCR read "Employee ID" as "Employes 1D": one letter from "Employer" and from "Employee", so it
    is no employer label, and "Pay Frequency" beside it no employer."""
    lines = group_lines(words_page([[(100, "Employes 1D"), (700, "Pay Frequency")], [(100, "276449")]]))
    def anything(text: str) -> bool:
        return True
    assert labelled(lines, ["employer"], anything) is not None  # without rivals the slip reads as ours
    assert labelled(lines, ["employer"], anything, rivals=["employee"]) is None


def test_an_exact_label_or_a_slip_nearer_ours_is_kept_despite_rivals() -> None:
    for printed in ("Employer", "Emplayer"):
        lines = group_lines(words_page([[(100, printed), (700, "Hill Software Inc.")]]))
        found = labelled(lines, ["employer"], lambda t: t[:1].isupper(), rivals=["employee"])
        assert found is not None and found.found.text == "Hill Software Inc."


def test_labelled_value_glued_to_its_colon() -> None:
    lines = group_lines(words_page([[(100, "Member"), (230, "No:77-0412-9")]]))
    found = labelled(lines, ["member no"], lambda t: t[:1].isdigit())
    assert found is not None and found.found.text == "77-0412-9"
    assert found.found.bbox[0] > lines[0].words[1].bbox[0]


def test_adjacent_amounts_are_never_glued() -> None:
    """Two amounts printed with no gap stay two amounts; a number split at its separator is joined."""
    line = group_lines(spaced_line([("Totals", 0), ("-712.45", 200), ("2,267.55", 0), ("1,234", 200), (".56", 0)]))[0]
    assert [c.value for c in amount_cells(line.words, 1)] == [-712.45, 2267.55, 1234.56]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KYLE C SMITH", True),
        ("Ana de la Cruz", True),
        ("Okafor, Chidi", True),
        ("ee", False),
        ("ae Bh", False),
        ("ane ees", False),
        ("Tm oe Rr", False),
    ],
)
def test_looks_like_name_rejects_ocr_fragments(text: str, expected: bool) -> None:
    assert looks_like_name(text) is expected


@pytest.mark.parametrize(
    ("text", "tidy"),
    [
        ("HINESSHIRE. \u2014 HI 52548", "HINESSHIRE, HI 52548"),
        ("LAKE GREGORYVIEW, , WI 98063", "LAKE GREGORYVIEW, WI 98063"),
        # Look-alikes: lines as printed stay as they are, a city's own dots and hyphen included.
        ("Washington D.C., DC 20001", "Washington D.C., DC 20001"),
        ("Winston-Salem, NC 27101", "Winston-Salem, NC 27101"),
        ("St. Louis MO 63101", "St. Louis MO 63101"),
    ],
)
def test_stray_marks_between_city_and_state_become_one_comma(text: str, tidy: str) -> None:
    assert tidy_city_line(text) == tidy
