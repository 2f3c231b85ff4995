"""Overlay, font and text-layer signals on hand-built pages: each forgery and its harmless look-alike."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
from forensic_builders import pay_lines, pdf, read
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from extractors.forensics import text_layer
from extractors.forensics.fonts import font_family, font_signals
from extractors.forensics.overlay import overlay_signals, page_objects
from extractors.imaging import TARGET_TEXT_PX
from pipeline.config import ForensicSettings
from pipeline.models import FieldValue, Word

CFG = ForensicSettings()


def overlay_names(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    page = doc[0]
    textpage = page.get_textpage()
    try:
        return [s.name for s in overlay_signals(page_objects(page, textpage, CFG.white_level), 1, CFG)]
    finally:
        textpage.close()
        page.close()
        doc.close()


def _body(c: Canvas) -> None:
    c.setFont("Helvetica", 10)
    for i in range(10):
        c.drawString(72, 700 - 14 * i, f"Regular visible line of text number {i}")


def test_white_box_over_text_with_new_value_on_top() -> None:
    def draw(c: Canvas) -> None:
        _body(c)
        c.drawString(300, 500, "2,310.55")
        c.setFillColorRGB(1, 1, 1)
        c.rect(298, 497, 50, 12, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(300, 500, "2,910.55")
    assert overlay_names(pdf(draw)) == ["covered_text_redrawn"]


def test_white_box_over_text_alone() -> None:
    def draw(c: Canvas) -> None:
        _body(c)
        c.drawString(300, 500, "2,310.55")
        c.setFillColorRGB(1, 1, 1)
        c.rect(298, 497, 50, 12, stroke=0, fill=1)
    assert overlay_names(pdf(draw)) == ["covered_text"]


def test_shading_drawn_before_text_and_fake_bold_are_harmless() -> None:
    def draw(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.rect(0, 0, 612, 792, stroke=0, fill=1)  # white page background first
        c.setFillColorRGB(0.95, 0.95, 0.95)
        c.rect(298, 497, 50, 12, stroke=0, fill=1)  # cell shading first
        c.setFillColorRGB(0, 0, 0)
        _body(c)
        c.drawString(300, 500, "2,310.55")
        c.drawString(300.25, 500, "2,310.55")  # the same text twice: a generator's fake bold
    assert overlay_names(pdf(draw)) == []


def test_two_different_texts_at_one_place() -> None:
    def draw(c: Canvas) -> None:
        _body(c)
        c.drawString(300, 500, "2,310.55")
        c.drawString(300, 500, "2,910.55")
    assert overlay_names(pdf(draw)) == ["text_drawn_twice"]


def _picture(text: str) -> ImageReader:
    image = Image.new("L", (400, 60), 255)
    ImageDraw.Draw(image).text((5, 5), text, fill=0)
    return ImageReader(image)


def test_invisible_text_over_an_image_of_other_figures() -> None:
    def draw(c: Canvas) -> None:
        _body(c)
        c.drawImage(_picture("2,310.55"), 300, 495, 60, 12)
        hidden = c.beginText(300, 500)
        hidden.setTextRenderMode(3)
        hidden.setFont("Helvetica", 10)
        hidden.textOut("2,910.55")
        hidden.setTextRenderMode(0)
        c.drawText(hidden)
    assert overlay_names(pdf(draw)) == ["invisible_text_over_image"]


def test_ocr_sandwich_page_is_harmless() -> None:
    def draw(c: Canvas) -> None:
        c.drawImage(_picture("scanned page"), 0, 0, 612, 792)  # the page image
        hidden = c.beginText(72, 700)
        hidden.setTextRenderMode(3)
        hidden.setFont("Helvetica", 10)
        for i in range(10):
            hidden.textLine(f"OCR text of the scanned line {i}")
        c.drawText(hidden)
    assert overlay_names(pdf(draw)) == []


def test_font_family_normalisation() -> None:
    assert font_family("ABCDEF+Arial-BoldMT") == font_family("ArialMT") == "arial"
    assert font_family("Times-Roman") == font_family("Times-Bold") == "times"
    assert font_family("Helvetica") != font_family("Courier")


def _font_names(draw_amounts: list[str], **kwargs: object) -> list[str]:
    page = read(pdf(pay_lines(draw_amounts, **kwargs))).pages  # type: ignore[arg-type]
    return [s.name for s in font_signals(page, {}, CFG)]


AMOUNTS = ["1,200.00", "340.50", "2,310.55", "88.10", "410.00"]


def test_one_amount_in_another_family_is_caught() -> None:
    assert _font_names(AMOUNTS, odd={2: ("Courier", 10.5)}) == ["number_font_differs"]


def test_one_amount_a_fraction_of_a_point_off_is_caught() -> None:
    assert _font_names(AMOUNTS, odd={2: ("Helvetica", 10.3)}) == ["number_size_differs"]


def test_one_amount_in_the_plain_face_half_a_point_off_is_caught() -> None:
    # a one-font stub whose net pay was retyped in the issuer's own face, a little larger
    assert _font_names(AMOUNTS, font="Courier", odd={2: ("Courier", 10.6)}) == ["number_size_differs"]


def test_a_whole_point_step_or_a_bolder_larger_amount_is_design() -> None:
    assert _font_names(AMOUNTS, odd={2: ("Helvetica", 11.0)}) == []
    assert _font_names(AMOUNTS, font="Courier", odd={2: ("Courier-Bold", 10.6)}) == []


def test_bold_heading_bold_total_and_a_table_in_its_own_font_are_harmless() -> None:
    assert _font_names(AMOUNTS) == []
    assert _font_names(AMOUNTS, font="Courier") == []  # the whole table in one other font
    assert _font_names(AMOUNTS, odd={2: ("Helvetica-Bold", 10.0)}) == []  # a bold amount: same family


class FakeEngine:
    """Answers OCR with fixed words placed on the rows it is told, like Tesseract's TSV would."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        return [Word(text=t, bbox=(20, y - 5, 80, y + 5), confidence=0.95) for y, t in self.rows]


def _crop(name: str, raw: str, ink: bool) -> text_layer.Crop:
    image = np.full((30, 120), 255, dtype=np.uint8)
    if ink:
        image[10:20, 10:100] = 0
    return text_layer.Crop(name, FieldValue(value=raw, raw=raw, page=1, bbox=(1, 2, 3, 4)), image)


def test_text_layer_against_ocr() -> None:
    canvas, placed = text_layer.stack([_crop("net_pay", "$2,910.55", True), _crop("gross_pay", "$3,400.00", True),
                                       _crop("pay_date", "03/13/2026", False)])
    middle = [(c.top + c.bottom) // 2 for c in placed]
    engine = FakeEngine([(middle[0], "$2,310.55"), (middle[1], "$3,400.0O")])
    readings = text_layer.read_crops(canvas, placed, engine, CFG)  # type: ignore[arg-type]
    signals = {s.field: s.name for s in text_layer.compare(placed, readings, CFG)}
    # net pay: the pixels say another figure; gross pay: an OCR slip of one character is not a finding;
    # pay date: the text layer has a value where nothing is drawn.
    assert signals == {"net_pay": "ocr_disagrees", "pay_date": "field_not_visible"}


class StackedThenAlone:
    """The stacked read says one thing; each later read of the crop alone (psm 7) says the next of ``alone``."""

    def __init__(self, stacked: str, *alone: str) -> None:
        self.stacked, self.alone, self.calls = stacked, list(alone), 0

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        self.calls += 1
        h = image.shape[0]
        text = self.alone.pop(0) if psm == 7 else self.stacked
        return [Word(text=text, bbox=(20, h // 2 - 5, 80, h // 2 + 5), confidence=0.94)]


def _one_digit_signals(stacked: str, *alone: str) -> tuple[list[str], int]:
    canvas, placed = text_layer.stack([_crop("pay_date", "10-OCT-2026", True)])
    engine = StackedThenAlone(stacked, *alone)
    readings = text_layer.read_crops(canvas, placed, engine, CFG)  # type: ignore[arg-type]
    return [s.name for s in text_layer.compare(placed, readings, CFG)], engine.calls


def test_a_one_digit_slip_that_does_not_repeat_is_no_finding() -> None:
    assert _one_digit_signals("40-OCT-2026", "10-OCT-2026") == ([], 2)


def test_a_slip_that_repeats_at_every_size_but_not_with_thinner_strokes_is_no_finding() -> None:
    # A bold '5' reads '9' as printed and enlarged; with its strokes thinned it reads '5' again.
    assert _one_digit_signals("40-OCT-2026", "40-OCT-2026", "40-OCT-2026", "10-OCT-2026") == ([], 4)


def test_a_forged_digit_reads_the_same_every_time() -> None:
    assert _one_digit_signals("40-OCT-2026", *["40-OCT-2026"] * 3) == (["ocr_disagrees"], 4)
    assert _one_digit_signals("10-OCT-2026") == ([], 1)  # agreement costs no second read


def test_a_two_digit_misread_between_table_rules_is_confirmed_alone_too() -> None:
    """The stacked read says two digits off; read alone the crop says what the text layer says: no
    finding. A forged figure reads the same alone: the finding stands."""
    def signals(stacked: str, *alone: str) -> list[str]:
        canvas, placed = text_layer.stack([_crop("total_deductions", "2,255.74-", True)])
        readings = text_layer.read_crops(canvas, placed, StackedThenAlone(stacked, *alone), CFG)  # type: ignore[arg-type]
        return [s.name for s in text_layer.compare(placed, readings, CFG)]
    assert signals("2,290.74-", "2,255.74-") == []
    assert signals("2,290.74-", *["2,290.74-"] * 3) == ["ocr_disagrees"]


def test_the_confirming_views_fit_the_ink_to_tesseracts_size_then_enlarge_and_thin_it() -> None:
    image = np.full((100, 300), 255, dtype=np.uint8)
    image[20:80, 10:290] = 0  # ink 60 px tall: a large bold total
    fitted, enlarged, thinned = text_layer.confirm_views(image, CFG)
    ink_rows = np.flatnonzero((fitted < 128).any(axis=1))
    assert abs(len(ink_rows) - TARGET_TEXT_PX) <= 2
    assert enlarged.shape == thinned.shape and enlarged.shape[0] > fitted.shape[0]
    assert (thinned < 128).sum() < (enlarged < 128).sum()


def test_disagreement_compares_digits_for_numbers_and_letters_for_names() -> None:
    assert text_layer.disagreement("$2,310.55", "2310.55") == 0
    assert text_layer.disagreement("$2,910.55", "$2,310.56") == 2
    assert text_layer.disagreement("SUSAN STEELE", "Susan Steele") == 0
