"""MRZ parsing: check digits, graded validity, OCR repairs (and non-repairs), finding, re-reading."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from extractors.layout import document_lines
from extractors.mrz import (
    Glyph,
    band_from_texture,
    best_zone,
    check_digit,
    fill_skipped_fillers,
    find_mrz,
    fix_filler_glyphs,
    hocr_glyph_lines,
    is_chevron,
    normalize_mrz_text,
    one_per_cell,
    parse_mrz,
    prefer_printed,
    reocr_mrz_band,
)
from pipeline.models import PageText, Word

TODAY = date(2026, 3, 1)

# ICAO 9303 specimen zones (Utopia), all digits as printed in the specification.
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
MRVA = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<")


def td3(number: str, dob: str, sex: str, expiry: str, personal: str = "") -> tuple[str, str]:
    """A TD3 zone of our own, every check digit computed."""
    personal = personal.ljust(14, "<")
    head = number.ljust(9, "<") + check_digit(number.ljust(9, "<")) + "XYZ"
    body = dob + check_digit(dob) + sex + expiry + check_digit(expiry) + personal + check_digit(personal)
    composite = check_digit(head[:10] + body[:7] + body[8:])
    return ("P<XYZDOE<<JANE<Q<<<<<<<<<<<<<<<<<<<<<<<<<<<<"[:44], head + body + composite)


@pytest.mark.parametrize(
    ("text", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("D23145890", "7"),
        ("<<<<<<<<<", "0"),
    ],
)
def test_check_digit_matches_icao_specimens(text: str, digit: str) -> None:
    assert check_digit(text) == digit


@pytest.mark.parametrize(
    ("lines", "fmt", "expected"),
    [
        (
            TD3,
            "TD3",
            {
                "surname": "ERIKSSON",
                "given_names": "ANNA MARIA",
                "full_name": "ANNA MARIA ERIKSSON",
                "document_number": "L898902C3",
                "date_of_birth": "1974-08-12",
                "expiry_date": "2012-04-15",
                "issuing_country": "UTO",
                "nationality": "UTO",
                "sex": "F",
            },
        ),
        (TD2, "TD2", {"document_number": "D23145890", "date_of_birth": "1974-08-12", "sex": "F"}),
        (TD1, "TD1", {"surname": "ERIKSSON", "document_number": "D23145890", "expiry_date": "2012-04-15"}),
        (
            MRVA,
            "MRVA",
            {
                "document_number": "L8988901C",
                "nationality": "XXX",
                "date_of_birth": "1940-09-07",
                "expiry_date": "1996-12-10",
            },
        ),
        (
            td3("X1234567", "010228", "M", "300101"),
            "TD3",
            {
                "document_number": "X1234567",
                "date_of_birth": "2001-02-28",
                "expiry_date": "2030-01-01",
                "sex": "M",
                "surname": "DOE",
                "given_names": "JANE Q",
            },
        ),
        (
            td3("AB12", "991231", "<", "991231", "P123"),
            "TD3",
            {
                "date_of_birth": "1999-12-31",
                "expiry_date": "1999-12-31",
                "sex": "X",
                "document_number": "AB12",
            },
        ),
    ],
    ids=["td3", "td2", "td1", "mrva", "own-td3", "filler-sex"],
)
def test_valid_zones_parse(lines: tuple[str, ...], fmt: str, expected: dict[str, str]) -> None:
    mrz = parse_mrz(lines)
    assert mrz is not None and mrz.format == fmt
    assert mrz.valid and mrz.valid_line_lengths and mrz.score == 1.0 and not mrz.repairs
    fields = mrz.to_fields(TODAY)
    assert {k: fields[k] for k in expected} == expected
    assert fields["mrz"] == list(lines)


def _replace(line: str, index: int, char: str) -> str:
    return line[:index] + char + line[index + 1 :]


@pytest.mark.parametrize(
    ("line2", "failing"),
    [
        (_replace(TD3[1], 9, "7"), {"document_number", "composite"}),
        (_replace(TD3[1], 19, "3"), {"date_of_birth", "composite"}),
        (_replace(TD3[1], 27, "8"), {"expiry_date", "composite"}),
        (_replace(TD3[1], 42, "2"), {"optional_data", "composite"}),
        (_replace(TD3[1], 43, "9"), {"composite"}),
        (_replace(TD3[1], 22, "8"), {"expiry_date", "composite"}),  # expiry 2012 -> 2082, digit kept
        (_replace(TD3[1], 3, "7"), {"document_number", "composite"}),  # one digit of the number changed
    ],
    ids=[
        "number-digit",
        "dob-digit",
        "expiry-digit",
        "personal-digit",
        "composite",
        "forged-expiry",
        "forged-no",
    ],
)
def test_every_check_failure_is_detected(line2: str, failing: set[str]) -> None:
    mrz = parse_mrz([TD3[0], line2])
    assert mrz is not None and not mrz.valid
    assert {name for name, ok in mrz.checks.items() if not ok} == failing
    assert mrz.score < 1.0
    for name in failing:
        assert f"{name}:bad" in mrz.checks_summary()


@pytest.mark.parametrize(
    ("line1", "line2"),
    [
        (TD1[0], _replace(TD1[1], 29, "0")),
        (_replace(TD1[0], 14, "1"), TD1[1]),
        (TD1[0], _replace(TD1[1], 6, "9")),
    ],
    ids=["td1-composite", "td1-number", "td1-dob"],
)
def test_td1_check_failures(line1: str, line2: str) -> None:
    mrz = parse_mrz([line1, line2, TD1[2]])
    assert mrz is not None and mrz.format == "TD1" and not mrz.valid


@pytest.mark.parametrize(
    ("lines", "field", "value"),
    [
        # '<' read as 'K' and '«' in the names tail; spaces inside the lines.
        (("P<UTOERIKSSON<<ANNA<MARIA<<<K<<<K<<<<<<<<<<<", TD3[1]), "given_names", "ANNA MARIA"),
        (
            ("P<UTOERIKSSON<<ANNA<MARIA«<<<<<<<<<<<<<<<<<", "L898902C36 UTO7408122F1204159ZE184226B<<<<<10"),
            "document_number",
            "L898902C3",
        ),
        # O for 0 in numeric fields, 0 for O in a country code.
        ((TD3[0], "L898902C36UT07408122F12O4159ZE184226B<<<<<1O"), "expiry_date", "2012-04-15"),
        ((TD3[0], "L898902C36UTO74O8I22F1204159ZE184226B<<<<<10"), "date_of_birth", "1974-08-12"),
        # A check digit guides a lone look-alike in a mixed field: '0' read as 'O' in the number.
        ((TD1[0][:13] + "O" + TD1[0][14:], TD1[1], TD1[2]), "document_number", "D23145890"),
        ((TD1[0][:10] + "S" + TD1[0][11:], TD1[1], TD1[2]), "document_number", "D23145890"),
        # Fillers lost at the end of the names line, one filler too many in the data line.
        (
            ("P<UTOERIKSSON<<ANNA<MARIA<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<<10"),
            "surname",
            "ERIKSSON",
        ),
        # A card's code letter at the edge of the crop: "I<" read as "T<".
        (("T" + TD1[0][1:], TD1[1], TD1[2]), "mrz", list(TD1)),
        # Lower case and '(' for '<' as a general-purpose OCR pass prints them.
        (("p(utoeriksson((anna(maria(((((((((((((((((((", TD3[1]), "full_name", "ANNA MARIA ERIKSSON"),
    ],
    ids=[
        "k-for-filler",
        "guillemet-space",
        "o-for-zero",
        "letters-in-date",
        "check-guided-O",
        "check-guided-S",
        "lengths",
        "code-letter",
        "lowercase-paren",
    ],
)
def test_ocr_confusions_are_repaired(lines: tuple[str, ...], field: str, value: str) -> None:
    mrz = parse_mrz(lines)
    assert mrz is not None and mrz.valid, mrz.to_dict() if mrz else None
    assert mrz.to_fields(TODAY)[field] == value


@pytest.mark.parametrize(
    ("line2", "note"),
    [
        # 'B' for '8' in the number: both 8 and a second swap satisfy the digit -> ambiguous, left alone.
        (_replace(TD3[1], 3, "B"), "ambiguous look-alike"),
        # A digit changed to another digit is not a look-alike: never repaired.
        (_replace(TD3[1], 23, "1"), "digit for digit"),
    ],
)
def test_lookalikes_not_repaired_into_validity(line2: str, note: str) -> None:
    mrz = parse_mrz([TD3[0], line2])
    assert mrz is not None and not mrz.valid, note
    assert not any("check" in r for r in mrz.repairs)


@pytest.mark.parametrize(
    ("number", "read"),
    [("AA0000000", "AAQOOOOOO"), ("ZE000509<", "ZEOODSO9<"), ("L898902C3", "L898902C3")],
)
def test_a_serial_read_as_letters_is_repaired_whole(number: str, read: str) -> None:
    line1, line2 = td3(number.rstrip("<"), "740812", "F", "120415")
    mrz = parse_mrz([line1, read + line2[9:]])
    assert mrz is not None and mrz.valid and mrz.document_number == number.rstrip("<")


def test_best_zone_ignores_lines_read_around_the_zone() -> None:
    read = [
        Word(text=t, bbox=(0, 40 * i, 900, 40 * i + 30))
        for i, t in enumerate(["PIENLISISSNEIBEOUUPJRUIILU1", *TD3, "1TEOPOTTETDORT"])
    ]
    zone = best_zone(read)
    assert zone is not None and zone[0].valid and [w.text for w in zone[1]] == list(TD3)


def test_text_layer_zone_is_never_repaired_by_check_digit() -> None:
    line1 = TD1[0][:13] + "O" + TD1[0][14:]
    assert parse_mrz([line1, TD1[1], TD1[2]], ocr=False).valid is False  # type: ignore[union-attr]
    assert parse_mrz([line1, TD1[1], TD1[2]], ocr=True).valid is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["hello"],
        ["The quick brown fox", "jumps over the lazy dog"],
        ["<<<<", "1234"],
        ["\x00\xff" * 50] * 2,
    ],
)
def test_garbage_never_raises(lines: list[str]) -> None:
    mrz = parse_mrz(lines)
    assert mrz is None or (0.0 <= mrz.score <= 1.0 and not mrz.valid)


def test_a_filler_run_read_as_lower_case_c_and_e_is_fillers() -> None:
    assert normalize_mrz_text("I<DEUD451540532<<<<<<<ceeeeeeee") == "I<DEUD451540532" + "<" * 16


def test_capital_c_and_e_and_lower_case_away_from_fillers_stay_letters() -> None:
    assert normalize_mrz_text("ANNA<CE<<") == "ANNA<CE<<"
    assert normalize_mrz_text("ee<<") == "EE<<"


def test_a_letter_in_the_names_padding_is_a_misread_filler() -> None:
    mrz = parse_mrz(["I<UTOT442016327<<<<<<<<<<<<<<<", "9004012M3303090UTO<<<<<<<<<<<2", "JONES<<ERIC<JACOB<<<<<<<<<<<C<"])
    assert mrz is not None and mrz.lines[2] == "JONES<<ERIC<JACOB" + "<" * 13


def test_a_name_after_extra_fillers_is_kept() -> None:
    mrz = parse_mrz(["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<<<MARIA<<<<<<<<"])
    assert mrz is not None and "MARIA" in mrz.lines[2]


def test_a_zero_read_for_q_is_repaired_by_the_check_digits() -> None:
    mrz = parse_mrz(["I<UTOL7034747P8<<<<<<<<<<<<<<<", "0004097F2803021UTO<<<<<<<<<<<8", "BROWN<<JESSICA<ANGELA<<<<<<<<<"])
    assert mrz is not None and mrz.valid and mrz.lines[0].startswith("I<UTOL7Q34747P8")


def test_a_seven_read_for_z_is_repaired_by_the_check_digits() -> None:
    """A Z read as 7 ("L4A942517"): no common swap satisfies the number's check digit, the rare one
    does, and the composite agrees. Look-alike: a real 7 in a verifying zone is never touched."""
    mrz = parse_mrz(["I<UTOL4A9425179<<<<<<<<<<<<<<<", "7911060M2610243UTO<<<<<<<<<<<0", "GRIFFITH<<RAYMOND<SAMUEL<<<<<<"])
    assert mrz is not None and mrz.valid and mrz.document_number == "L4A94251Z"
    genuine = parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"])
    assert genuine is not None and genuine.valid and not genuine.repairs


def test_normalize_maps_filler_lookalikes() -> None:
    assert normalize_mrz_text("P<UTO ERIKSSON«ANNA(MARIA") == "P<UTOERIKSSON<<ANNA<MARIA"


def _page(rows: list[tuple[float, str]]) -> PageText:
    words = []
    for y, text in rows:
        x = 100.0
        for token in text.split():
            words.append(Word(text=token, bbox=(x, y, x + 20 * len(token), y + 30), confidence=0.9))
            x += 20 * (len(token) + 1)
    return PageText(number=1, width=1200, height=900, unit="px300", source="ocr", words=tuple(words))


def test_find_mrz_among_page_lines_picks_the_zone() -> None:
    page = _page(
        [(50, "PASSPORT"), (100, "Surname ERIKSSON"), (700, TD3[0]), (745, TD3[1]), (800, "Signature")]
    )
    found = find_mrz(document_lines([page]))
    assert found is not None and found.mrz.valid and found.page == 1
    assert found.bbox[1] == 700 and found.bbox[3] == 775


def test_a_note_printed_beside_the_zone_does_not_split_it() -> None:
    page = _page([(700, TD3[0]), (745, TD3[1])])
    note = Word(text="Zone", bbox=(1100, 730, 1180, 750), confidence=0.9)  # right of the zone, between rows
    page = page.model_copy(update={"words": (*page.words, note), "width": 1300})
    found = find_mrz(document_lines([page]))
    assert found is not None and found.mrz.valid


def test_a_card_edge_read_beside_the_zone_does_not_shift_its_lines() -> None:
    page = _page([(700, "| " + TD1[0]), (745, TD1[1]), (790, "I " + TD1[2])])
    found = find_mrz(document_lines([page]))
    assert found is not None and found.mrz.valid and found.mrz.lines == TD1


def test_a_speck_read_between_the_zone_lines_does_not_split_it() -> None:
    page = _page([(700, TD3[0]), (745, TD3[1])])
    speck = Word(text="_", bbox=(100, 734, 102, 742), confidence=0.1)  # under the zone's first column
    page = page.model_copy(update={"words": (*page.words, speck)})
    found = find_mrz(document_lines([page]))
    assert found is not None and found.mrz.valid


def test_a_printed_line_between_two_zone_like_lines_still_separates_them() -> None:
    page = _page([(700, TD3[0]), (745, "Signature of bearer 1985"), (790, TD3[1])])
    found = find_mrz(document_lines([page]))
    assert found is None or found.mrz.lines != TD3


def test_a_zone_whose_first_word_is_short_keeps_it() -> None:
    page = _page([(700, "P< " + TD3[0][2:]), (745, TD3[1])])
    found = find_mrz(document_lines([page]))
    assert found is not None and found.mrz.valid and found.mrz.lines == TD3


def test_find_mrz_none_without_zone() -> None:
    assert find_mrz(document_lines([_page([(50, "Pay stub"), (100, "Net pay 1,234.56")])])) is None


def test_reocr_returns_none_quickly_without_mrz_like_words() -> None:
    image = np.full((300, 600), 255, np.uint8)
    assert reocr_mrz_band(image, [Word(text="Hello", bbox=(10, 10, 60, 30))]) is None


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def _render(lines: tuple[str, ...], size: int = 36) -> tuple[np.ndarray, list[Word]]:
    """A page with printed text above an MRZ band, and the words a sloppy first OCR pass gave."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    image = Image.new("L", (1400, 700), 255)
    draw = ImageDraw.Draw(image)
    draw.text((80, 80), "PASSPORT", font=font, fill=0)
    words = []
    y = 420
    for line in lines:
        draw.text((60, y), line, font=font, fill=20)
        left, top, right, bottom = draw.textbbox((60, y), line, font=font)
        # First pass: fillers read as 'K' and the line cut short, as a general OCR pass does.
        words.append(
            Word(
                text=line.replace("<<", "KK")[: len(line) - 6],
                bbox=(left, top, right - 120, bottom),
                confidence=0.5,
            )
        )
        y += int(size * 1.5)
    return np.asarray(image), words


@pytest.mark.ocr
@pytest.mark.skipif(
    shutil.which("tesseract") is None or not FONT.exists(), reason="needs tesseract and DejaVu"
)
@pytest.mark.parametrize("lines", [TD3, TD1], ids=["td3", "td1"])
def test_reocr_band_reads_a_rendered_zone(lines: tuple[str, ...]) -> None:
    image, words = _render(lines)
    read = reocr_mrz_band(image, words)
    assert read is not None and len(read) == len(lines)
    mrz = parse_mrz([w.text for w in read])
    assert mrz is not None and mrz.valid, [w.text for w in read]
    for word, original in zip(read, words, strict=True):
        assert abs(word.bbox[1] - original.bbox[1]) < 25  # boxes are in page pixels


# --------------------------------------------------------------------------------------------------
# Glyph-level filler decisions and the texture locator (no Tesseract needed).

CELL, CAP_TOP, CAP_BOTTOM = 40, 20, 60


def _draw_glyph(ink: np.ndarray, char: str, x: int) -> None:
    """Stroke one capital-height glyph into a cell starting at ``x`` (crude, but the right shape)."""
    import cv2

    left, right, mid = x + 6, x + 32, (CAP_TOP + CAP_BOTTOM) // 2
    strokes = {
        "<": [((right, CAP_TOP + 6), (left, mid)), ((left, mid), (right, CAP_BOTTOM - 6))],
        "K": [
            ((left, CAP_TOP), (left, CAP_BOTTOM)),
            ((left, mid), (right, CAP_TOP)),
            ((left + 8, mid - 4), (right, CAP_BOTTOM)),
        ],
        "X": [((left, CAP_TOP), (right, CAP_BOTTOM)), ((left, CAP_BOTTOM), (right, CAP_TOP))],
        "E": [
            ((left, CAP_TOP), (left, CAP_BOTTOM)),
            ((left, CAP_TOP), (right, CAP_TOP)),
            ((left, mid), (right - 6, mid)),
            ((left, CAP_BOTTOM), (right, CAP_BOTTOM)),
        ],
        "C": [
            ((right, CAP_TOP), (left, CAP_TOP + 8)),
            ((left, CAP_TOP + 8), (left, CAP_BOTTOM - 8)),
            ((left, CAP_BOTTOM - 8), (right, CAP_BOTTOM)),
        ],
    }[char]
    for start, end in strokes:
        cv2.line(ink, start, end, 1, 4)


def _glyph_line(printed: str, read: str) -> tuple[list[Glyph], np.ndarray]:
    """Glyphs Tesseract 'read' over an ink image of what was printed, one cell each."""
    ink = np.zeros((80, CELL * len(printed) + 20), np.uint8)
    glyphs = []
    for i, (shape, char) in enumerate(zip(printed, read, strict=True)):
        _draw_glyph(ink, shape, 10 + CELL * i)
        glyphs.append(Glyph(char, (16 + CELL * i, CAP_TOP, 42 + CELL * i, CAP_BOTTOM), 0.9))
    return glyphs, ink.astype(bool)


@pytest.mark.parametrize(
    ("shape", "chevron"),
    [("<", True), ("K", False), ("X", False), ("E", False), ("C", False)],
)
def test_only_the_chevron_shape_is_a_filler(shape: str, chevron: bool) -> None:
    _, ink = _glyph_line("E" + shape + "E", "E" + shape + "E")
    assert is_chevron(ink, (10 + CELL, 10 + 2 * CELL), CAP_TOP, CAP_BOTTOM) is chevron


@pytest.mark.parametrize(
    ("printed", "read", "fixed"),
    [
        ("EK<<K", "EKKKK", "EK<<K"),  # a name's own K stays; K read over a chevron becomes '<'
        ("E<X<C", "EXXKC", "E<X<C"),  # '<' read as X or K
        ("CEEKX", "CEEKX", "CEEKX"),  # nothing to fix
    ],
)
def test_fillers_are_decided_by_glyph_shape(printed: str, read: str, fixed: str) -> None:
    glyphs, ink = _glyph_line(printed, read)
    assert "".join(g.char for g in fix_filler_glyphs(glyphs, ink)) == fixed


def test_skipped_and_merged_fillers_are_put_back() -> None:
    # Printed "EEC<<<<<<" ; Tesseract read "EEC<", the last '<' box spanning three cells and the
    # cells between lost.
    glyphs, ink = _glyph_line("EEC<<<<<<", "EEC<<<<<<")
    merged = Glyph("<", (16 + CELL * 6, CAP_TOP, 42 + CELL * 8, CAP_BOTTOM), 0.6)
    assert "".join(g.char for g in fill_skipped_fillers([*glyphs[:4], merged], ink)) == "EEC<<<<<<"


def test_fillers_after_the_last_glyph_are_put_back() -> None:
    glyphs, ink = _glyph_line("ECE<<<", "ECE<<<")
    assert "".join(g.char for g in fill_skipped_fillers(glyphs[:4], ink)) == "ECE<<<"


def test_one_reading_per_character_cell() -> None:
    glyphs = [Glyph(c, (10.0 * i, 0, 10.0 * i + 8, 20), 0.9) for i, c in enumerate("ANNA")]
    doubled = [*glyphs[:2], Glyph("X", (13, 0, 19, 20), 0.4), *glyphs[2:]]
    assert [g.char for g in one_per_cell(doubled)] == list("ANNA")


def test_hocr_char_boxes_are_parsed_per_line() -> None:
    hocr = (
        "<span class='ocr_line' id='line_1'><span class='ocrx_word'>"
        "<span class='ocrx_cinfo' title='x_bboxes 1 2 11 22; x_conf 99.5'>P</span>"
        "<span class='ocrx_cinfo' title='x_bboxes 12 2 22 22; x_conf 80'>&lt;</span></span></span>"
        "<span class='ocr_line' id='line_2'>"
        "<span class='ocrx_cinfo' title='x_bboxes 1 30 11 50; x_conf 90'>L</span></span>"
    )
    lines = hocr_glyph_lines(hocr)
    assert ["".join(g.char for g in line) for line in lines] == ["P<", "L"]
    assert lines[0][1].box == (12.0, 2.0, 22.0, 22.0) and lines[0][1].confidence == pytest.approx(0.8)


def _zone_page(lines: tuple[str, ...], with_zone: bool = True) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 34)
    image = Image.new("L", (1400, 900), 255)
    draw = ImageDraw.Draw(image)
    draw.text((80, 80), "PASSPORT", font=font, fill=0)
    draw.text((500, 200), "Surname ERIKSSON", font=font, fill=0)
    for i, line in enumerate(lines if with_zone else ()):
        draw.text((70, 680 + 52 * i), line, font=font, fill=20)
    return np.asarray(image)


@pytest.mark.skipif(not FONT.exists(), reason="needs DejaVu Sans Mono")
@pytest.mark.parametrize("lines", [TD3, TD1], ids=["td3", "td1"])
def test_texture_locator_finds_the_zone_rows(lines: tuple[str, ...]) -> None:
    band = band_from_texture(_zone_page(lines))
    assert band is not None
    x0, y0, x1, y1 = band
    assert y0 < 690 and y1 > 680 + 52 * (len(lines) - 1) + 30 and y0 > 300
    assert x0 < 80 and x1 > 60 + 19 * len(lines[0])  # a 34 px DejaVu Mono cell is ~20 px wide


@pytest.mark.skipif(not FONT.exists(), reason="needs DejaVu Sans Mono")
def test_texture_locator_finds_nothing_without_a_zone() -> None:
    assert band_from_texture(_zone_page(TD3, with_zone=False)) is None


def test_the_reread_zone_replaces_every_first_pass_reading_of_its_rows() -> None:
    from extractors.ocr import apply_mrz_hook

    words = [
        Word(text="IDENTITY", bbox=(10, 10, 200, 40)),
        Word(text="I<UTOD231458907<<<<<", bbox=(10, 500, 600, 540)),
        Word(text="eeeeeecc", bbox=(610, 505, 900, 560)),  # the filler run, box stretched down
        Word(text="I", bbox=(960, 498, 975, 542)),  # the card's edge past the zone's end
    ]
    reread = [Word(text=TD1[0], bbox=(10, 500, 640, 540))]
    result = apply_mrz_hook(np.zeros((700, 1000), np.uint8), words, hook=lambda image, ws, engine: reread)
    assert [w.text for w in result] == ["IDENTITY", TD1[0]]


def test_lone_letters_amid_optional_fillers_are_misread_fillers() -> None:
    """The composite fails only because two fillers of the optional data were read as 'E'."""
    zone = ["I<FRAL2R46423M5<<<<<<<E<E<<<<<", "6901268M3407079FRA<<<<<<<<<<<6", "HENDERSON<<RAYMOND<<<<<<<<<<<<"]
    mrz = parse_mrz(zone)
    assert mrz is not None and mrz.valid and mrz.lines[0] == "I<FRAL2R46423M5<<<<<<<<<<<<<<<"
    # Optional data printed as a word is data, not stray fillers: the composite still fails.
    worded = ["I<FRAL2R46423M5<<<<<<<EE<<<<<<", *zone[1:]]
    assert not parse_mrz(worded).valid


def test_a_doubled_filler_after_the_document_code_is_dropped_there_not_from_the_code() -> None:
    """Line one read a character long ('I<<DEU'): dropping the 'I' verifies as well as dropping the extra
    filler (check digits do not cover the codes), but only the second leaves a possible country code."""
    mrz = parse_mrz(["I<<DEUC993400531<<<<<<<<<<<<<<<", "6211202F2805139DEU<<<<<<<<<<<4",
                     "MASON<<REBECCA<BRENDA<<<<<<<<<"])
    assert mrz is not None and mrz.valid and mrz.well_formed
    assert (mrz.lines[0][:5], mrz.values["issuing_country"]) == ("I<DEU", "DEU")


def test_a_lost_digit_is_not_covered_up_by_a_filler_inside_the_number() -> None:
    """'R92265857' read without its 7: a filler slid into the number plus a look-alike repair can make the
    check digit agree, but a document number holds fillers only as padding at its end. The zone stays
    unverified instead of verifying with a wrong number."""
    mrz = parse_mrz(["I<UTOR92265853<<<<<<<<<<<<<<<", "9303243F2509105UT0<<<<<<<<<<<Q",
                     "TOWNSEND<<CATHERINE<KAREN<<<<<"])
    assert mrz is not None and mrz.well_formed and not mrz.checks["document_number"]
    assert "<" not in mrz.values["document_number"]


def test_a_short_document_number_padded_at_its_end_is_well_formed() -> None:
    number, birth, expiry = "L898902C<", "7408122", "1204159"
    line2 = f"{number}{check_digit(number)}UTO{birth}F{expiry}ZE184226B<<<<<1"
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    mrz = parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", line2], ocr=False)
    assert mrz is not None and mrz.valid and mrz.well_formed


_GENUINE = ("P<UTOCARRILLO<<GREGORY<DEVIN<<<<<<<<<<<<<<<<", "M8948467<6UTO9612154M3411137<<<<<<<<<<<<<<00")


@pytest.mark.parametrize("line", [
    "M8948467<6UTO9612154M341113<<<<<<<<<<<<<<<00",  # the expiry's check digit read as a filler
    "M8948467<6UTO9612154M341113<<<<<<<<<<<<<<00",  # ... or lost, the line padded back
])
def test_a_date_check_digit_read_as_a_filler_is_restored_when_the_composite_verifies(line: str) -> None:
    mrz = parse_mrz([_GENUINE[0], line])
    assert mrz is not None and mrz.valid and mrz.lines == _GENUINE
    assert any(r.startswith("expiry_date check") for r in mrz.repairs)


def test_a_filler_date_check_digit_stays_when_the_composite_does_not_witness_it() -> None:
    """The composite disagrees (05 for 00), or the zone is a text layer: nothing is restored."""
    wrong_composite = parse_mrz([_GENUINE[0], "M8948467<6UTO9612154M341113<<<<<<<<<<<<<<<05"])
    assert wrong_composite is not None and not wrong_composite.checks["expiry_date"]
    typed = parse_mrz([_GENUINE[0], "M8948467<6UTO9612154M341113<<<<<<<<<<<<<<<00"], ocr=False)
    assert typed is not None and not typed.checks["expiry_date"]


_CARD = ("I<DEU8201518137<<<<<<<<<<<<<<<", "9311103M3505023DEU<<<<<<<<<<<8", "PONCE<<DAVID<CHRISTOPHER<<<<<<")


def test_a_document_number_check_read_as_a_filler_is_restored_when_the_composite_verifies() -> None:
    """A card's number check '7' read as '<': with no run-on number in the optional data, the '<' is
    no long-number marker, and the computed digit makes the composite verify (no shifted reading)."""
    mrz = parse_mrz(["I<DEU820151813<<<<<<<<<<<<<<<<", *_CARD[1:]])
    assert mrz is not None and mrz.valid and mrz.lines == _CARD
    assert any(r.startswith("document_number check") for r in mrz.repairs)


def test_a_td1_long_number_marker_is_not_taken_for_a_lost_check_digit() -> None:
    """Look-alike: a 12-character number, '<' in the check position and the rest (with its own check
    digit) in the optional data, as ICAO prints it."""
    number, extension = "D23145890", "734"
    check = check_digit(number + extension)
    line1 = f"I<UTO{number}<{extension}{check}".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    mrz = parse_mrz([line1, line2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"])
    assert mrz is not None and mrz.valid and mrz.document_number == number + extension
    assert not any(r.startswith("document_number check") for r in mrz.repairs)


def test_given_names_after_a_doubled_filler_are_kept() -> None:
    """A genuine zone pads its names with fillers only: letters after a second "<<" are a given name
    whose separating filler OCR doubled (KENNETH<MARK read KENNET<<MAR), not padding to drop."""
    mrz = parse_mrz([TD1[0], TD1[1], "CRUZ<<KENNET<<MAR<<<<<<<<<<<<<"])
    assert mrz is not None and (mrz.surname, mrz.given_names) == ("CRUZ", "KENNET MAR")
    padded = parse_mrz([TD1[0], TD1[1], "CRUZ<<KENNETH<MARK<<<<<<<<<<<<"])
    assert padded is not None and padded.given_names == "KENNETH MARK"


def test_of_several_verifying_realignments_the_fewest_swaps_cut_nearest_an_end_wins() -> None:
    """A stray mark read as a glyph before a French number (07OS29828): five single cuts of the line
    verify with one swap or two; the cut at the line's start, with one swap, is the zone as printed."""
    mrz = parse_mrz(["P<FRAFRANCIS<<VICTORIA<LISA<<<<<<", "6070S298286FRA7807150F2902131<<<<<<<<<<<<<<08"])
    assert mrz is not None and mrz.valid and mrz.document_number == "07OS29828"


ZONE_TD1 = ["I<UTOR966742265<<<<<<<<<<<<<<<", "7112100M2804110UTO<<<<<<<<<<<8", "VALENTINE<<ARTHUR<JUSTIN<<<<<<"]


def test_the_print_replaces_a_repair_that_satisfied_the_check_by_chance() -> None:
    """'6' read as '0' is no look-alike slip, so the repair picked '0'->'Q', which the check digit
    accepts by chance; the printed number satisfies the check and the composite, and wins."""
    misread = parse_mrz([ZONE_TD1[0].replace("R96674226", "R96674220"), *ZONE_TD1[1:]])
    assert misread is not None and misread.document_number == "R9667422Q"
    fixed = prefer_printed(misread, "document_number", "R9667 4226")
    assert fixed.document_number == "R96674226" and fixed.valid and fixed.lines[0] == ZONE_TD1[0]
    assert any("from print" in r for r in fixed.repairs)


def test_the_print_does_not_override_a_zone_read_as_printed_or_a_print_that_fails_the_checks() -> None:
    """Look-alikes: a forged print over a genuine zone (no repair: the zone stands), and a print that
    does not satisfy the check digits (the repair stands)."""
    genuine = parse_mrz(ZONE_TD1)
    assert prefer_printed(genuine, "document_number", "R96674227") is genuine
    misread = parse_mrz([ZONE_TD1[0].replace("R96674226", "R96674220"), *ZONE_TD1[1:]])
    assert prefer_printed(misread, "document_number", "R96674227") is misread


def test_a_state_code_that_lost_a_letter_takes_it_from_the_zone_s_other_code() -> None:
    """'DEU' read 'DE' and padded with a filler: no state code has two letters, and the issuing state
    on line 1 says which letter was lost. Look-alike: Germany's one-letter code 'D<<' stays."""
    lost = parse_mrz(["I<DEUI120401206<<<<<<<<<<<<<<<", "0106108M2902245DE<<<<<<<<<<<<0", "DAVIS<<DAVID<ANDREW<<<<<<<<<<<"])
    assert lost is not None and lost.values["nationality"] == "DEU" and lost.valid
    one_letter = parse_mrz(["I<D<<I120401206<<<<<<<<<<<<<<<", "0106108M2902245D<<<<<<<<<<<<<0", "DAVIS<<DAVID<ANDREW<<<<<<<<<<<"])
    assert one_letter is not None and one_letter.values["nationality"] == "D<<"
