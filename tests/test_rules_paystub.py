"""Pay-stub rules: arithmetic, year-to-date plausibility, statutory taxes."""

from __future__ import annotations

from datetime import date

import pytest
from rule_builders import codes, item, run, stub

from pipeline.models import ExtractedDocument, LineItem, Severity
from rules.paystub import periods_elapsed

# A clean biweekly stub: gross 3000.00, SS 186.00 (6.2%), Medicare 43.50 (1.45%), 401(k) 150, health 80.
CLEAN_LINES = [item("Federal Income Tax", 240.50), item("Social Security", 186.00), item("Medicare", 43.50),
               item("401(k)", 150.00), item("Medical Insurance", 80.00)]
CLEAN_TOTAL = 700.00


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, []),
        ({"net_pay": 2299.99}, []),  # a one-cent slip is not a finding
        ({"net_pay": 2299.50}, [("gross_minus_deductions", Severity.LOW)]),
        ({"net_pay": 2800.00}, [("gross_minus_deductions", Severity.HIGH)]),
        ({"deductions": CLEAN_LINES}, []),
        ({"deductions": [*CLEAN_LINES[:4], item("Medical Insurance", 20.00)]}, [("deduction_lines", Severity.HIGH)]),
        ({"deductions": [item(f"line {i}", 70.004) for i in range(10)]}, []),  # rounding over ten lines
    ],
)
def test_paystub_arithmetic(fields: dict, expected: list[tuple[str, Severity]]) -> None:
    outcome = run("paystub_arithmetic", stub(**fields))
    assert [(f.params["check"], f.severity) for f in outcome] == expected


def test_paystub_arithmetic_not_run_without_figures() -> None:
    assert codes(run("paystub_arithmetic", stub(net_pay=None, total_deductions=None))) == "not_run"


@pytest.mark.parametrize(
    ("pay_date", "frequency", "periods"),
    [
        (date(2026, 1, 2), "biweekly", 1),
        (date(2026, 2, 27), "biweekly", 5),
        (date(2026, 1, 9), "weekly", 2),
        (date(2026, 2, 13), "semimonthly", 3),
        (date(2026, 2, 28), "semimonthly", 4),
        (date(2026, 3, 31), "monthly", 3),
    ],
)
def test_periods_elapsed(pay_date: date, frequency: str, periods: int) -> None:
    assert periods_elapsed(pay_date, frequency) == periods


@pytest.mark.parametrize(
    ("fields", "checks"),
    [
        ({}, []),
        ({"ytd_gross": 2500.0, "ytd_net": 2000.0}, ["below_current", "below_current"]),
        ({"ytd_net": 16000.0}, ["net_above_gross"]),
        ({"ytd_gross": 29000.0}, []),  # a bonus earlier in the year: under 2x five periods
        ({"ytd_gross": 31000.0, "ytd_net": 24000.0}, ["implausibly_high"]),
        ({"pay_date": "2026-01-09", "ytd_gross": 48000.0, "ytd_net": 36000.0}, ["implausibly_high"]),  # January
        ({"pay_date": "2026-01-09", "ytd_gross": 3000.0, "ytd_net": 2300.0}, []),
        # No printed frequency: the 14-day period says biweekly.
        ({"pay_frequency": None, "ytd_gross": 31000.0, "ytd_net": 24000.0}, ["implausibly_high"]),
        # Frequency unknown and period unread: only the simple checks run.
        ({"pay_frequency": None, "pay_period_start": None, "ytd_gross": 31000.0, "ytd_net": 24000.0}, []),
    ],
)
def test_paystub_ytd(fields: dict, checks: list[str]) -> None:
    assert [f.params["check"] for f in run("paystub_ytd", stub(**fields))] == checks


def test_paystub_ytd_not_run_without_ytd() -> None:
    assert codes(run("paystub_ytd", stub(ytd_gross=None, ytd_net=None))) == "not_run"


def _with(name: str, amount: float, lines: list[LineItem] = CLEAN_LINES) -> list[LineItem]:
    return [item(name, amount) if line.name == name else line for line in lines]


SECTION_125 = [item("Federal Income Tax", 240.50), item("Social Security", 176.08), item("Medicare", 41.18),
               item("Section 125 Medical", 160.00)]


@pytest.mark.parametrize(
    ("fields", "taxes"),
    [
        ({"deductions": CLEAN_LINES}, []),
        ({"deductions": _with("Social Security", 186.03)}, []),  # rounding cents
        ({"deductions": SECTION_125}, []),  # Section 125 plan lowers the FICA base
        ({"deductions": _with("Social Security", 176.70)}, []),  # base less the 401(k): lenient
        ({"deductions": _with("Social Security", 120.00)}, ["social_security"]),
        ({"deductions": _with("Medicare", 60.00)}, ["medicare"]),
        ({"deductions": [item("FICA", 229.50)]}, []),  # combined line, 7.65%
        ({"deductions": [item("FICA", 300.00)]}, ["fica"]),
        # Past the wage base earlier in the year: no SS withheld is right.
        ({"gross_pay": 10000.0, "ytd_gross": 200000.0, "ytd_net": 130000.0,
          "deductions": [item("OASDI", 0.0), item("Medicare EE", 145.00)]}, []),
        # Crossing the wage base in this period: SS on the remaining 4,500 only.
        ({"gross_pay": 10000.0, "ytd_gross": 190000.0, "ytd_net": 130000.0,
          "deductions": [item("OASDI", 279.00), item("Medicare EE", 145.00)]}, []),
        ({"gross_pay": 10000.0, "ytd_gross": 100000.0, "ytd_net": 70000.0,
          "deductions": [item("OASDI", 0.0), item("Medicare EE", 145.00)]}, ["social_security"]),
        # Additional Medicare above 200k YTD: 1.45% + 0.9%.
        ({"gross_pay": 10000.0, "ytd_gross": 230000.0, "ytd_net": 160000.0,
          "deductions": [item("Medicare EE", 235.00)]}, []),
    ],
)
def test_paystub_tax(fields: dict, taxes: list[str]) -> None:
    assert [f.params["tax"] for f in run("paystub_tax", stub(**fields))] == taxes


def test_paystub_tax_not_run_without_tax_lines() -> None:
    assert codes(run("paystub_tax", stub(deductions=[item("401(k)", 150.0)]))) == "not_run"


def _ocr(document: ExtractedDocument) -> ExtractedDocument:
    return document.model_copy(update={"source": "ocr"})


@pytest.mark.parametrize(
    ("fields", "severity"),
    [
        # Read confidently by OCR, a net pay 500 off asks for review: an edit or one misread digit.
        ({"net_pay": 2800.00}, Severity.MEDIUM),
        # OCR doubted the net pay it read: the misread is the likelier story.
        ({"net_pay": 2800.00, "confidence": {"net_pay": 0.55}}, Severity.LOW),
        # A doubted figure the sum does not rest on changes nothing.
        ({"net_pay": 2800.00, "confidence": {"pay_date": 0.30}}, Severity.MEDIUM),
        # A deduction line OCR doubted ("75.52" read "15.52" at 0.29).
        ({"deductions": [*CLEAN_LINES[:2], LineItem(name="Medicare", amount=13.50, confidence=0.29),
                         *CLEAN_LINES[3:]]}, Severity.LOW),
        ({"deductions": [*CLEAN_LINES[:2], item("Medicare", 13.50), *CLEAN_LINES[3:]]}, Severity.MEDIUM),
    ],
)
def test_arithmetic_on_a_figure_ocr_doubted_is_low(fields: dict, severity: Severity) -> None:
    [finding] = run("paystub_arithmetic", _ocr(stub(**fields)))
    assert finding.severity == severity


def test_a_doubted_figure_on_a_text_layer_changes_nothing() -> None:
    [finding] = run("paystub_arithmetic", stub(net_pay=2800.00, confidence={"net_pay": 0.55}))
    assert finding.severity == Severity.HIGH


def test_ytd_inconsistency_on_a_doubted_ocr_figure_is_low() -> None:
    # "52,298.19" read "$2,298.19" at 0.64: YTD net seems to exceed YTD gross.
    doubted = _ocr(stub(ytd_gross=2298.19, ytd_net=34315.19, confidence={"ytd_gross": 0.64}))
    assert [(f.params["check"], f.severity) for f in run("paystub_ytd", doubted)] == [
        ("below_current", Severity.LOW), ("net_above_gross", Severity.LOW)]
    sure = _ocr(stub(ytd_gross=2298.19, ytd_net=34315.19))
    assert {f.severity for f in run("paystub_ytd", sure)} == {Severity.MEDIUM}


def test_a_tax_line_ocr_doubted_is_low() -> None:
    misread = LineItem(name="Medicare", amount=13.50, confidence=0.29)  # 43.50 read 13.50
    lines = [*CLEAN_LINES[:2], misread, *CLEAN_LINES[3:]]
    assert [f.severity for f in run("paystub_tax", _ocr(stub(deductions=lines)))] == [Severity.LOW]
    sure = [*CLEAN_LINES[:2], item("Medicare", 13.50), *CLEAN_LINES[3:]]
    assert [f.severity for f in run("paystub_tax", _ocr(stub(deductions=sure)))] == [Severity.MEDIUM]


def test_a_line_whose_amount_ocr_could_not_read_explains_a_short_sum() -> None:
    """Medicare's "(32.29)" read as "(3:2:229')": the lines read sum short of the total by that line."""
    unread = LineItem(name="Medicare", amount=None, confidence=0.0)
    lines = [*CLEAN_LINES[:2], unread, *CLEAN_LINES[3:]]
    [short] = run("paystub_arithmetic", _ocr(stub(deductions=lines)))
    assert short.severity == Severity.LOW and "Medicare could not be read" in short.message
    # Lines read that already exceed the total: no unread line explains that.
    raised = [item("Federal Income Tax", 540.50), *CLEAN_LINES[1:2], unread, *CLEAN_LINES[3:]]
    [over] = run("paystub_arithmetic", _ocr(stub(deductions=raised)))
    assert over.severity == Severity.MEDIUM
    # The unread line is no tax line to check, and adds nothing to pre-tax deductions.
    assert codes(run("paystub_tax", _ocr(stub(deductions=lines)))) == []


def test_a_complete_deductions_table_with_federal_tax_and_no_fica_is_implausible() -> None:
    """Federal withholding and a 401(k) that add up to the total: no Social Security, no Medicare."""
    no_fica = [item("Federal W/H", 45.69), item("Retirement 401k", 226.15)]
    [finding] = run("paystub_tax", stub(gross_pay=3769.23, total_deductions=271.84, deductions=no_fica))
    assert finding.params["tax"] == "fica_missing" and finding.severity == Severity.MEDIUM
    # Lines that fall short of the total: a row may not have been read, nothing to conclude.
    assert codes(run("paystub_tax", stub(gross_pay=3769.23, total_deductions=560.00, deductions=no_fica))) == "not_run"
    # No federal withholding either (a contractor's advance, a non-US stub): no finding.
    local = [item("State Tax", 45.69), item("Retirement 401k", 226.15)]
    assert codes(run("paystub_tax", stub(gross_pay=3769.23, total_deductions=271.84, deductions=local))) == "not_run"
    # The clean stub's table has FICA lines: only their rates are checked.
    assert codes(run("paystub_tax", stub(deductions=CLEAN_LINES))) == []
