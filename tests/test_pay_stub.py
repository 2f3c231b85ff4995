"""Pay stub extraction over layouts of our own design: every field of every layout is asserted.

Layouts differ in font, label words, column order and structure (side-by-side tables under column
headers; inline "YTD" markers; label-above-value boxes with a transposed summary; a noisy OCR scan).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from test_tables import ocr_document, pdf_document, words_page

from extractors.base import Extraction
from extractors.layout import document_lines
from extractors.pay_stub import PayStubExtractor
from pipeline.models import LineItem, ReadDocument


def side_by_side(via_reader: bool = False) -> ReadDocument:
    """Employer block top left, employee block, Earnings | Deductions tables side by side."""
    return pdf_document([[
        (50, 40, "ACME LOGISTICS INC"), (400, 40, "Earnings Statement"),
        (50, 52, "1200 Industrial Pkwy"), (50, 64, "Columbus, OH 43215"),
        (400, 64, "Pay Period: 02/01/2026 - 02/14/2026"), (400, 76, "Pay Date: 02/20/2026"),
        (300, 120, "JOHN Q PUBLIC"), (300, 132, "55 Maple Ave"), (300, 144, "Dayton, OH 45402"),
        (40, 180, "Earnings"), (125, 180, "Rate"), (160, 180, "Hours"), (205, 180, "Current"), (270, 180, "YTD"),
        (320, 180, "Deductions"), (460, 180, "Current"), (525, 180, "YTD"),
        (40, 194, "Regular"), (-145, 194, "31.25"), (-185, 194, "80.00"), (-238, 194, "2,500.00"),
        (-292, 194, "7,500.00"), (320, 194, "Federal Income Tax"), (-492, 194, "250.00"), (-548, 194, "750.00"),
        (40, 206, "Overtime"), (-145, 206, "46.88"), (-185, 206, "4.00"), (-238, 206, "187.52"),
        (-292, 206, "562.56"), (320, 206, "Social Security"), (-492, 206, "166.63"), (-548, 206, "499.89"),
        (320, 218, "Medicare"), (-492, 218, "38.97"), (-548, 218, "116.91"),
        (320, 230, "401(k)"), (-492, 230, "134.38"), (-548, 230, "403.14"),
        (40, 254, "Gross Pay"), (-238, 254, "2,687.52"), (-292, 254, "8,062.56"),
        (320, 254, "Total Deductions"), (-492, 254, "589.98"), (-548, 254, "1,769.94"),
        (40, 270, "Net Pay"), (-238, 270, "2,097.54"), (-292, 270, "6,292.62"),
    ]], font="Helvetica", via_reader=via_reader)


def inline_ytd() -> ReadDocument:
    """Labelled header fields, inline "YTD" markers, Taxes / Deductions headings, a cheque stub."""
    return pdf_document([[
        (50, 40, "PAYROLL ADVICE"),
        (50, 60, "Employer: Blue Heron Dental Group"),
        (50, 80, "Employee: Priya Raman"), (50, 92, "18 Orchard Lane"), (50, 104, "Madison, WI 53703"),
        (330, 80, "Period Beginning: 03/01/2026"), (330, 92, "Period Ending: 03/14/2026"),
        (330, 104, "Check Date: 03/20/2026"), (330, 116, "Pay Frequency: Bi-Weekly"),
        (50, 150, "Gross Pay"), (-260, 150, "1,846.15"), (300, 150, "YTD"), (-420, 150, "7,384.60"),
        (50, 170, "Taxes"),
        (50, 184, "Fed Withholding"), (-260, 184, "160.12"), (300, 184, "YTD"), (-420, 184, "640.48"),
        (50, 196, "FICA - Social Security"), (-260, 196, "114.46"), (300, 196, "YTD"), (-420, 196, "457.84"),
        (50, 208, "Medicare"), (-260, 208, "26.77"), (300, 208, "YTD"), (-420, 208, "107.08"),
        (50, 220, "State Tax"), (-260, 220, "72.00"), (300, 220, "YTD"), (-420, 220, "288.00"),
        (50, 240, "Deductions"),
        (50, 254, "Health Insurance"), (-260, 254, "95.00"), (300, 254, "YTD"), (-420, 254, "380.00"),
        (50, 270, "Total Deductions"), (-260, 270, "468.35"), (300, 270, "YTD"), (-420, 270, "1,873.40"),
        (50, 286, "Net Pay"), (-260, 286, "1,377.80"), (300, 286, "YTD"), (-420, 286, "5,511.20"),
        (50, 400, "Pay to the order of Priya Raman"), (-520, 400, "$1,377.80"),
    ]], font="Times-Roman", size=10)


def boxes_transposed() -> ReadDocument:
    """Labels above values, a summary with Current / YTD rows under Gross | Deductions | Net columns."""
    return pdf_document([[
        (50, 40, "Sunrise Health Partners LLC"), (380, 40, "Statement of Earnings"),
        (50, 90, "Employee Name"), (250, 90, "Pay Date"), (400, 90, "Pay Period"),
        (50, 102, "Carlos M. Ortega"), (250, 102, "Jan 30, 2026"), (400, 102, "Jan 16 - Jan 31, 2026"),
        (50, 114, "9 Birch Rd"), (50, 126, "Austin, TX 78701"),
        (150, 170, "Gross Pay"), (270, 170, "Deductions"), (400, 170, "Net Pay"),
        (50, 184, "Current"), (-200, 184, "3,125.00"), (-320, 184, "701.56"), (-450, 184, "2,423.44"),
        (50, 196, "YTD"), (-200, 196, "6,250.00"), (-320, 196, "1,403.12"), (-450, 196, "4,846.88"),
        (50, 240, "Description"), (300, 240, "This Period"), (420, 240, "Year To Date"),
        (50, 254, "Federal Income Tax"), (-345, 254, "312.50"), (-470, 254, "625.00"),
        (50, 266, "OASDI"), (-345, 266, "193.75"), (-470, 266, "387.50"),
        (50, 278, "Medicare"), (-345, 278, "45.31"), (-470, 278, "90.62"),
        (50, 290, "Dental"), (-345, 290, "150.00"), (-470, 290, "300.00"),
    ]], font="Courier", size=9)


def ocr_scan() -> ReadDocument:
    """An OCR page: "$" split off, "S" for "$", "O" for "0", a comma read as a period, a misspelt header."""
    return ocr_document([words_page([
        [(150, "Riverbend Bakery Co")],
        [(150, "Employee Name: Dana Whitfield")],
        [(150, "Pay Period: 04/01/2026 - 04/07/2026")],
        [(150, "Pay Date: 04/10/2026")],
        [],
        [(150, "Description"), (1200, "Curent"), (1600, "Year-To-Date")],
        [(150, "Gross Pay"), (1160, "$ 1,250.00"), (1600, "S16,25O.00")],
        [(150, "Federal Tax"), (1200, "95.00"), (1600, "1,235.00")],
        [(150, "Medicare"), (1200, "18.13"), (1600, "235.69")],
        [(150, "Social Security"), (1200, "77.50"), (1600, "1.007.50")],
        [(150, "Total Deductions"), (1200, "190.63"), (1600, "2,478.19")],
        [(150, "Net Pay"), (1200, "1,059.37"), (1600, "13,771.81")],
    ])])


EXPECTED: dict[str, dict[str, Any]] = {
    "side_by_side": {
        "employer_name": "ACME LOGISTICS INC", "employee_name": "JOHN Q PUBLIC",
        "employee_address": "55 Maple Ave, Dayton, OH 45402",
        "pay_period_start": "2026-02-01", "pay_period_end": "2026-02-14", "pay_date": "2026-02-20",
        "gross_pay": 2687.52, "total_deductions": 589.98, "net_pay": 2097.54,
        "ytd_gross": 8062.56, "ytd_net": 6292.62, "pay_frequency": "biweekly",
        "deductions": [("Federal Income Tax", 250.0, 750.0), ("Social Security", 166.63, 499.89),
                       ("Medicare", 38.97, 116.91), ("401(k)", 134.38, 403.14)],
    },
    "inline_ytd": {
        "employer_name": "Blue Heron Dental Group", "employee_name": "Priya Raman",
        "employee_address": "18 Orchard Lane, Madison, WI 53703",
        "pay_period_start": "2026-03-01", "pay_period_end": "2026-03-14", "pay_date": "2026-03-20",
        "gross_pay": 1846.15, "total_deductions": 468.35, "net_pay": 1377.80,
        "ytd_gross": 7384.60, "ytd_net": 5511.20, "pay_frequency": "biweekly",
        "deductions": [("Fed Withholding", 160.12, 640.48), ("FICA - Social Security", 114.46, 457.84),
                       ("Medicare", 26.77, 107.08), ("State Tax", 72.0, 288.0), ("Health Insurance", 95.0, 380.0)],
    },
    "boxes_transposed": {
        "employer_name": "Sunrise Health Partners LLC", "employee_name": "Carlos M. Ortega",
        "employee_address": "9 Birch Rd, Austin, TX 78701",
        "pay_period_start": "2026-01-16", "pay_period_end": "2026-01-31", "pay_date": "2026-01-30",
        "gross_pay": 3125.00, "total_deductions": 701.56, "net_pay": 2423.44,
        "ytd_gross": 6250.00, "ytd_net": 4846.88, "pay_frequency": "semimonthly",
        "deductions": [("Federal Income Tax", 312.5, 625.0), ("OASDI", 193.75, 387.5), ("Medicare", 45.31, 90.62),
                       ("Dental", 150.0, 300.0)],
    },
    "ocr_scan": {
        "employer_name": "Riverbend Bakery Co", "employee_name": "Dana Whitfield", "employee_address": None,
        "pay_period_start": "2026-04-01", "pay_period_end": "2026-04-07", "pay_date": "2026-04-10",
        "gross_pay": 1250.00, "total_deductions": 190.63, "net_pay": 1059.37,
        "ytd_gross": 16250.00, "ytd_net": 13771.81, "pay_frequency": "weekly",
        "deductions": [("Federal Tax", 95.0, 1235.0), ("Medicare", 18.13, 235.69),
                       ("Social Security", 77.5, 1007.5)],
    },
}
LAYOUTS = {"side_by_side": side_by_side, "inline_ytd": inline_ytd, "boxes_transposed": boxes_transposed,
           "ocr_scan": ocr_scan}


@cache
def extracted(layout: str) -> Extraction:
    document = LAYOUTS[layout]()
    return PayStubExtractor().extract(document, document_lines(document.pages))


@pytest.mark.parametrize(
    ("layout", "field"),
    [(layout, field) for layout, fields in EXPECTED.items() for field in fields if field != "deductions"],
)
def test_field(layout: str, field: str) -> None:
    got = extracted(layout).fields.get(field)
    expected = EXPECTED[layout][field]
    assert (got.value if got else None) == expected
    if got is not None:
        assert got.page == 1 and got.bbox is not None and 0 < got.confidence <= 1


@pytest.mark.parametrize("layout", list(EXPECTED))
def test_deductions(layout: str) -> None:
    items = extracted(layout).deductions
    assert [(d.name, d.amount, d.ytd) for d in items] == EXPECTED[layout]["deductions"]
    assert all(d.page == 1 and d.bbox is not None for d in items)


def test_ocr_repairs_lower_confidence() -> None:
    fields = extracted("ocr_scan").fields
    assert fields["ytd_gross"].confidence < fields["gross_pay"].confidence
    assert fields["ytd_gross"].source == "ocr"


def test_net_pay_cross_checked_with_cheque() -> None:
    """Net pay printed in the summary and on the cheque agree: confidence above a single printing."""
    assert extracted("inline_ytd").fields["net_pay"].confidence > 0.95


def test_disagreeing_cheque_lowers_net_pay_confidence() -> None:
    document = pdf_document([[
        (50, 40, "Net Pay"), (-300, 40, "1,377.80"),
        (50, 200, "Pay to the order of Priya Raman"), (-520, 200, "$1,477.80"),
    ]])
    fields = PayStubExtractor().extract(document, document_lines(document.pages)).fields
    assert fields["net_pay"].value == 1377.80
    assert fields["net_pay"].confidence < 0.8


def test_through_read_stage() -> None:
    """The same PDF read by the pipeline's read stage (text layer) gives the same fields."""
    pytest.importorskip("extractors.reading")
    document = side_by_side(via_reader=True)
    assert document.status == "ok" and document.source == "text"
    fields = PayStubExtractor().extract(document, document_lines(document.pages)).fields
    expected = {k: v for k, v in EXPECTED["side_by_side"].items() if k != "deductions"}
    assert {k: (fields[k].value if k in fields else None) for k in expected} == expected


@pytest.mark.parametrize("pages", [[], [[(40, 40, "Nothing to see here 12.00")]]])
def test_sparse_document_yields_no_crash(pages: list) -> None:
    document = pdf_document(pages) if pages else ocr_document([])
    got = PayStubExtractor().extract(document, document_lines(document.pages))
    assert got.deductions == [] and "net_pay" not in got.fields


def summary_strip_and_cheque() -> ReadDocument:
    """OCR-like page: a label row over its values with month-name dates; summary titles a single
    space apart over right-aligned values (deductions printed negative, two values touching); a
    cheque whose payee address sits below the amount in words."""
    return ocr_document([words_page([
        [(150, "Copperline Freight Co"), (1700, "REMITTANCE")],
        [(150, "Employee Name"), (800, "Period Start"), (1200, "Period End"), (1600, "Pay Date")],
        [(150, "Rosa T. Delgado"), (800, "05-OCT-2026"), (1200, "18-OCT-2026"), (1600, "23-OCT-2026")],
        [],
        # Words: Gross 402-472, Pay -528, Total 542-612, Deductions -766, Net 780-822, Pay -878.
        [(402, "Gross Pay Total Deductions Net Pay")],
        [(416, "3,120.00"), (668, "-845.20"), (766, "2,274.80")],
        [],
        [(150, "Pay to the order of"), (600, "Rosa T. Delgado"), (1500, "$2,274.80")],
        [(150, "Two thousand two hundred seventy four and 80/100")],
        [(400, "88 Quarry Hill Rd")],
        [(400, "Bangor, ME 04401")],
    ])])


def test_summary_strip_and_cheque() -> None:
    document = summary_strip_and_cheque()
    fields = PayStubExtractor().extract(document, document_lines(document.pages)).fields
    got = {k: fields[k].value for k in fields if k != "pay_frequency"}
    assert got == {
        "employer_name": "Copperline Freight Co", "employee_name": "Rosa T. Delgado",
        "employee_address": "88 Quarry Hill Rd, Bangor, ME 04401",
        "pay_period_start": "2026-10-05", "pay_period_end": "2026-10-18", "pay_date": "2026-10-23",
        "gross_pay": 3120.0, "total_deductions": 845.20, "net_pay": 2274.80,
    }
    # The address is found through the payee line, not a name line of its own: less sure.
    assert fields["employee_address"].confidence < fields["employee_name"].confidence


def test_year_to_date_marker_under_each_summary_value() -> None:
    """A boxed summary: each title over its amount, with "Year-to-date:" and the YTD figure below."""
    document = ocr_document([words_page([
        [(150, "Gross Pay"), (900, "Net Pay")],
        [(150, "$ 3,120.00"), (900, "$ 2,274.80")],
        [(150, "Year-to-date: 40,560.00"), (900, "Year-to-date: 29,572.40")],
    ])])
    fields = PayStubExtractor().extract(document, document_lines(document.pages)).fields
    assert {k: fields[k].value for k in ("gross_pay", "net_pay", "ytd_gross", "ytd_net")} == {
        "gross_pay": 3120.0, "net_pay": 2274.80, "ytd_gross": 40560.0, "ytd_net": 29572.40,
    }


def test_take_home_pay_under_the_deductions_is_no_deduction() -> None:
    """A net-pay row printed in the deductions block, with a label that has no "net" in it."""
    document = ocr_document([words_page([
        [(150, "Deductions"), (1500, "Current")],
        [(150, "Fed Income Tax"), (1500, "111.26")],
        [(150, "Medical"), (1500, "145.00")],
        [(150, "Take Home Pay"), (1500, "1,310.28")],
    ])])
    got = PayStubExtractor().extract(document, document_lines(document.pages))
    assert [d.name for d in got.deductions] == ["Fed Income Tax", "Medical"]
    assert got.fields["net_pay"].value == 1310.28


def test_a_summary_box_titled_deductions_total_heads_no_deductions() -> None:
    """Boxes "Total Earnings | Deductions Total | Net Check", each with a "YTD:" line that OCR read
    as "iD"; the deductions table proper is below them under its own heading."""
    document = ocr_document([words_page([
        [(150, "Total Earnings"), (900, "Deductions Total"), (1650, "Net Check")],
        [(150, "$3,187.50"), (900, "$911.44"), (1650, "$2,276.06")],
        [(150, "YTD: $66,937.50"), (900, "iD $19,140.24"), (1650, "YTD: $47,797.26")],
        [(1250, "Taxes & Deductions"), (1850, "Current"), (2150, "YTD")],
        [(1250, "Federal W/H"), (1850, "307.94"), (2150, "6,466.74")],
        [(1250, "OASDI"), (1850, "197.62"), (2150, "4,150.02")],
    ])])
    got = PayStubExtractor().extract(document, document_lines(document.pages))
    assert [d.name for d in got.deductions] == ["Federal W/H", "OASDI"]
    assert got.fields["total_deductions"].value == 911.44


def test_a_deduction_whose_current_amount_ocr_could_not_read_is_kept_without_amount() -> None:
    document = ocr_document([words_page([
        [(150, "Deductions"), (1500, "Amount"), (1900, "YTD")],
        [(150, "Federal Income Tax"), (1500, "(187.37)"), (1900, "(4,424.26)")],
        [(150, "Medicare"), (1500, "(3:2:229')"), (1900, "(766.21)")],
        [(150, "Dental"), (1900, "(297.60)")],  # not taken this period: a YTD only
    ])])
    page = document.pages[0]
    garbled = tuple(w.model_copy(update={"confidence": 0.02}) if w.text == "(3:2:229')" else w for w in page.words)
    document = document.model_copy(update={"pages": (page.model_copy(update={"words": garbled}),)})
    got = PayStubExtractor().extract(document, document_lines(document.pages)).deductions
    assert [(d.name, d.amount, d.ytd, d.confidence) for d in got] == [
        ("Federal Income Tax", 187.37, 4424.26, 0.9), ("Medicare", None, 766.21, 0.0)]


@pytest.mark.parametrize(
    ("printed", "known", "same"),
    [
        ("Employee: Priya Raman", "Priya Raman", True),
        ("Pay to the order ofCameron K Bennett", "Cameron K Bennett", True),  # label glued to the name
        ("Pay to the order of Cameron K Bennett", "Cameron Bennett", True),
        ("Pay to the order ofCameron K Bennett", "Karen K Bennett", False),
        ("Joann Leeds", "Ann Lee", False),
        # OCR glued "of" to the name and misread its first letter; the rest of the name pins it down.
        ("Pay to the order oMordan, Colleen V", "Jordan, Colleen V", True),
        ("Pay to the order of Gordon, Colleen V", "Jordan, Colleen V", False),  # two letters off
        ("Pay to the order oMordan", "Jordan", False),  # nothing else to pin a slip down
        # OCR read the stub's "AnaH" (glued "Ana H") with the middle initial's neighbour on the cheque.
        ("Pay to the orderof AnaHV Watkins **USD 4,597.04", "AnaH Watkins", True),
        ("Pay to the order of Anna Watkins", "Ana Watkins", False),  # a short first name: no slip allowed
    ],
)
def test_name_line_matching(printed: str, known: str, same: bool) -> None:
    from extractors.pay_stub import _same_name

    assert _same_name(printed, known) is same


def _item(name: str, amount: float, top: float) -> LineItem:
    return LineItem(name=name, amount=amount, page=1, bbox=(315.0, top, 500.0, top + 10.0))


def test_rows_far_below_the_deductions_table_are_not_deductions() -> None:
    """The cheque under "detach here" puts its number and date under the deductions column."""
    from extractors.pay_stub import _contiguous

    table = [_item("Federal W/H", 132.85, 133), _item("OASDI", 116.11, 146), _item("Medicare", 27.16, 160)]
    cheque = [_item("No. 87314", 1484.31, 497), _item("Mar 13, 2026", 1484.31, 519)]
    assert _contiguous(table + cheque, []) == table


def test_a_second_deductions_table_under_its_own_heading_is_kept() -> None:
    from extractors.pay_stub import _contiguous, _SectionMark

    taxes = [_item("Federal W/H", 132.85, 133), _item("OASDI", 116.11, 146)]
    voluntary = [_item("Dental", 12.40, 300), _item("401k", 90.00, 313)]
    heading = _SectionMark(page=1, y=285.0, x0=300.0, x1=600.0, kind="deductions")
    assert _contiguous(taxes + voluntary, [heading]) == taxes + voluntary


def test_a_totals_line_naming_deductions_does_not_head_the_cheque_far_below() -> None:
    """"Total Earnings | Deductions Total | Net Pay" sits between the table and the cheque."""
    from extractors.pay_stub import _contiguous, _SectionMark

    table = [_item("Federal W/H", 119.59, 166), _item("Med/Rx", 48.50, 177)]
    cheque = [_item("Date 11/07/2025", 1328.37, 519)]
    totals_line = _SectionMark(page=1, y=200.0, x0=300.0, x1=600.0, kind="deductions")
    assert _contiguous(table + cheque, [totals_line]) == table


def test_a_last_row_equal_to_the_sum_above_is_the_total_not_a_deduction() -> None:
    from extractors.pay_stub import _without_total

    rows = [_item("Fed", 181.40, 130), _item("FICA", 143.99, 142), _item("Health", 145.00, 155)]
    assert _without_total([*rows, _item("Taxes & Deductions", 470.39, 222)]) == rows
    assert _without_total([*rows, _item("Dental", 12.40, 167)]) == [*rows, _item("Dental", 12.40, 167)]
    # The net pay read under the total with a junk label ("hh") goes with the total.
    assert _without_total([*rows, _item("Deductions", 470.39, 222), _item("hh", 991.53, 230)]) == rows
    # Look-alike: a deduction equal to one row above it is no total (it must be the sum of two or more).
    same = [_item("Fed", 181.40, 130), _item("State", 181.40, 142), _item("Health", 145.00, 155)]
    assert _without_total(same) == same


def test_pieces_of_touching_column_headings_are_not_deductions() -> None:
    """"Amount" and "Year to Date" printed touching read as "AmountYear" + "to Date" on the first row."""
    from extractors.pay_stub import _is_header_fragment

    assert _is_header_fragment("AmountYear") and _is_header_fragment("to Date") and _is_header_fragment("This Period")
    assert not _is_header_fragment("Federal Income Tax") and not _is_header_fragment("401(k)")
    assert not _is_header_fragment("Dental Pre-Tax")


@pytest.mark.parametrize(("header", "employer"), [
    # The employer's header band read as junk, its address in scattered pieces.
    ([[(1800, "PAY SL")], [(150, "18705"), (500, "Franklin Parkway"), (1000, "Davidside,"), (1300, "AL 94918")]],
     None),
    # Look-alike: the band read, its block is the employer's.
    ([[(150, "Hill Software Services")], [(150, "18705 Franklin Parkway")], [(150, "Davidside, AL 94918")]],
     "Hill Software Services"),
])
def test_the_employees_own_block_is_never_the_employer(header: list, employer: str | None) -> None:
    """With the employer's block lost, the first name-and-address block left is the employee's, under
    its "Employee" label: no employer rather than the employee named as one."""
    document = ocr_document([words_page([
        *header,
        [(150, "Employee"), (1100, "Pay Date")],
        [(150, "GRIFFIN, ANNA CHARLOTTE"), (1100, "01/30/2026")],
        [(150, "887 RIDGE PKWY")],
        [(150, "JONATHANSTAD, AL 28338")],
    ])])
    fields = PayStubExtractor().extract(document, document_lines(document.pages)).fields
    assert fields["employee_name"].value == "GRIFFIN, ANNA CHARLOTTE"
    assert (fields["employer_name"].value if "employer_name" in fields else None) == employer
    assert fields["employee_address"].value == "887 RIDGE PKWY, JONATHANSTAD, AL 28338"
