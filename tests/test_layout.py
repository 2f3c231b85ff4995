"""Lines, segments and label anchors on hand-built pages."""

from __future__ import annotations

from conftest import make_page

from extractors.layout import find_anchors, group_lines, labelled_value
from extractors.normalize import is_money, parse_date


def test_lines_and_segments_split_at_column_gaps() -> None:
    page = make_page([[("Net Pay:", 40), ("2,310.55", 300)], [("Employee Name", 40)]])
    lines = group_lines(page)
    assert [ln.text for ln in lines] == ["Net Pay: 2,310.55", "Employee Name"]
    assert [s.text for s in lines[0].segments] == ["Net Pay:", "2,310.55"]


def test_value_right_of_label() -> None:
    page = make_page([[("Gross Pay", 40), ("3,000.00", 200), ("YTD", 300), ("9,000.00", 360)]])
    found = labelled_value(group_lines(page), ["gross pay"], is_money)
    assert found is not None and found.text == "3,000.00"


def test_value_below_label_in_form_layout() -> None:
    page = make_page([[("Date of Birth", 40), ("Sex", 260)], [("14 AUG 1974", 40), ("F", 260)]])
    found = labelled_value(group_lines(page), ["date of birth"], lambda t: parse_date(t) is not None)
    assert found is not None and found.text == "14 AUG 1974"


def test_column_values_read_as_one_segment_are_split_under_their_labels() -> None:
    """Three dates set close under three labels come out of the text layer as one segment."""
    page = make_page([[("Period From", 100), ("Period End", 208), ("Advice Date", 316)],
                      [("November 16, 2025 November 30, 2025 November 28, 2025", 100)]])
    lines = group_lines(page)
    assert len(lines[1].segments) == 1
    is_date = lambda t: parse_date(t) is not None
    got = [labelled_value(lines, [label], is_date) for label in ("period from", "period end", "advice date")]
    assert [f.text if f else None for f in got] == ["November 16, 2025", "November 30, 2025", "November 28, 2025"]


def test_longer_label_wins_at_same_place() -> None:
    page = make_page([[("YTD Net Pay", 40), ("27,000.00", 300)], [("Net Pay", 40), ("2,310.55", 300)]])
    anchors = find_anchors(group_lines(page), ["net pay", "ytd net pay"])
    assert sorted((a.line.text, a.end - a.start) for a in anchors) == [
        ("Net Pay 2,310.55", 2),
        ("YTD Net Pay 27,000.00", 3),
    ]


def test_label_match_ignores_case_and_punctuation() -> None:
    page = make_page([[("NET PAY:", 40), ("$2,310.55", 300)]])
    found = labelled_value(group_lines(page), ["net pay"], is_money)
    assert found is not None and found.text == "$2,310.55"


def test_tiny_punctuation_box_does_not_split_its_line() -> None:
    """OCR boxes hug the ink: a dash 4 px tall, a few px below the row's mean centre, stays in the row
    (a period "From Mar 3 - Apr 2, 2026" printed beside an address line, both slightly offset)."""
    from pipeline.models import PageText, Word

    def word(text: str, x0: float, top: float, bottom: float) -> Word:
        return Word(text=text, bbox=(x0, top, x0 + 20 * len(text), bottom), confidence=0.9)

    words = (
        word("Springfield,", 100, 508, 539), word("IL", 360, 510, 534), word("62704", 420, 509, 534),
        word("Mar", 1300, 521, 549), word("3", 1400, 521, 546), word("-", 1450, 533, 537),
        word("Apr", 1500, 520, 551), word("2,", 1600, 521, 549), word("2026", 1660, 521, 546),
    )
    page = PageText(number=1, width=2550, height=3300, unit="px300", source="ocr", words=words)
    lines = group_lines(page)
    assert [ln.text for ln in lines] == ["Springfield, IL 62704 Mar 3 - Apr 2, 2026"]


def test_value_below_whose_box_reaches_up_into_the_label_is_still_below() -> None:
    """A speck above a card's surname stretches its OCR box up to the label's bottom; the surname
    sits below the label all the same, and must win over the next label's value further down."""
    from pipeline.models import PageText, Word

    def word(text: str, x0: float, top: float, bottom: float) -> Word:
        return Word(text=text, bbox=(x0, top, x0 + 20 * len(text), bottom), confidence=0.9)

    words = (
        word("Surname", 421, 285, 307), word("WASHINGTON", 421, 298, 350),
        word("Given", 421, 361, 373), word("names", 475, 361, 373),
        word("JOSHUA", 418, 391, 418), word("RICHARD", 548, 391, 418),
    )
    page = PageText(number=1, width=1100, height=700, unit="px300", source="ocr", words=words)
    found = labelled_value(group_lines(page), ["surname"], lambda t: t.isupper())
    assert found is not None and found.text == "WASHINGTON"
