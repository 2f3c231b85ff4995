"""Money, dates and identifiers as printed by many issuers."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.normalize import (
    clean_identifier,
    clean_name,
    find_dates,
    is_money,
    mask,
    parse_date,
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", 1234.56),
        ("1,234.56", 1234.56),
        ("2310.55", 2310.55),
        ("(12.00)", -12.0),
        ("-12.00", -12.0),
        ("12.00-", -12.0),
        ("\u221212.00", -12.0),
        ("75.52\u2014", -75.52),  # OCR reads a trailing minus as an em dash
        ("\u201312.00", -12.0),
        ("$ 45.10 CR", 45.10),
        ("45.10 DR", -45.10),
        ("1.234,56", 1234.56),
        ("12,50", 12.5),
        ("1,234", 1234.0),
        ("USD 99.99", 99.99),
        ("0.00", 0.0),
    ],
)
def test_parse_money(text: str, expected: float) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "12/02/2026", "Net Pay", "1.2.3", "$", "--", "\u2014"])
def test_parse_money_rejects_non_amounts(text: str) -> None:
    assert parse_money(text) is None


@pytest.mark.parametrize(("text", "expected"), [("1,234.56", True), ("2026", False), ("12", False)])
def test_is_money_wants_cents(text: str, expected: bool) -> None:
    assert is_money(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02", date(2026, 3, 2)),
        ("03/02/2026", date(2026, 3, 2)),
        ("3/2/26", date(2026, 3, 2)),
        ("25/02/2026", date(2026, 2, 25)),
        ("02.03.2026", date(2026, 3, 2)),
        ("02 MAR 1985", date(1985, 3, 2)),
        ("02 MAR/MARS 1985", date(1985, 3, 2)),
        ("09 AUG/AOÛT 1965", date(1965, 8, 9)),  # the second month accented
        ("14 DEC/DÉC 2030", date(2030, 12, 14)),
        ("2 March 1985", date(1985, 3, 2)),
        ("March 2, 2026", date(2026, 3, 2)),
        ("Mar 2nd, 2026", date(2026, 3, 2)),
        ("02-Mar-2026", date(2026, 3, 2)),
        ("03022026", date(2026, 3, 2)),
        ("23-FEB- 2026", date(2026, 2, 23)),  # OCR split the date at a separator
        ("12 / 29 / 2025", date(2025, 12, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "Net Pay", "13/13/2026", "2026", "1,234.56", "Page 1 of 3", "01/11/2026 - 01/24/2026"])
def test_parse_date_rejects_non_dates(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_day_first_hint_decides_ambiguous() -> None:
    assert parse_date("03/02/2026", dayfirst=True) == date(2026, 2, 3)


def test_find_dates_in_a_period_line() -> None:
    found = [d for d, _ in find_dates("Pay Period: 02/01/2026 - 02/15/2026  Pay Date: Feb 20, 2026")]
    assert found == [date(2026, 2, 1), date(2026, 2, 15), date(2026, 2, 20)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  SMITH,  ROBERT J. ", "SMITH, ROBERT J"), ("O'Neil-Brown", "O'Neil-Brown"), ("Ana*María", "Ana María")],
)
def test_clean_name(text: str, expected: str) -> None:
    assert clean_name(text) == expected


def test_clean_identifier_and_mask() -> None:
    assert clean_identifier("l898 902-c3") == "L898902C3"
    assert mask("123456789") == "*****6789"
    assert mask("123") == "***"
    assert mask(None) == ""


def test_one_glyph_misread_in_a_long_name_word() -> None:
    from extractors.normalize import one_glyph_misread

    assert one_glyph_misread("LAUREN ELIZABETH", "LAUREN ELTZABETH", 5)
    assert one_glyph_misread("ZACHARY AARON", "ZACHARY AARONK", 5)
    assert not one_glyph_misread("ANNA", "ANNE", 5)  # too short to tell a misread from another name
    assert not one_glyph_misread("LAUREN ELIZABETH", "LAURA ELTZABETH", 5)  # two words differ
    assert not one_glyph_misread("ELIZABETH", "ELIZABET", 5)  # a lost letter is letters_lost's case
    assert not one_glyph_misread("ELIZABETH", "ELIZABETH", 5)  # the same name is no misread


def test_an_ocr_b_look_alike_is_a_misread_in_a_short_word_too() -> None:
    from extractors.normalize import one_glyph_misread

    assert one_glyph_misread("JERRY JOHN", "JERRY JQHN", 5)  # O read as Q
    assert one_glyph_misread("LIAM", "IIAM", 5)  # L read as I
    assert not one_glyph_misread("JOHN", "JOAN", 5)  # H/A is no look-alike: another name
    assert not one_glyph_misread("JOHN", "JQAN", 5)  # a look-alike beside another change
