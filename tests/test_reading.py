"""Read stage: text layer words and boxes, OCR routing, bad documents, and real-OCR checks."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from extractors import reading
from extractors.ocr import OcrEngine, Orientation, apply_mrz_hook
from extractors.reading import read_document
from pipeline.config import IntakeLimits, Settings
from pipeline.intake import IntakeFile, load_bundle
from pipeline.models import ReadDocument, Word

TEXT = "Net Pay 1,724.78 for the pay period ending 02/15/2026"


class FakeEngine:
    """Stands in for Tesseract: records calls and returns confident canned words."""

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        self.images.append(image)
        return [
            Word(text=f"w{i}", bbox=(10, 10 + 40 * i, 90, 40 + 40 * i), confidence=0.95, line_id=i)
            for i in range(10)
        ]

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        raise AssertionError("confident first pass must not trigger OSD")


class NoOcr:
    """Fails the test if anything is OCR'd."""

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        raise AssertionError("a text-layer page was sent to OCR")

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        raise AssertionError("a text-layer page was sent to OCR")


def pdf_bytes(*pages: str, image: Image.Image | None = None) -> bytes:
    """A letter-size PDF; each page string is drawn at (72, 720) in Helvetica 12; '' leaves it blank."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=letter)
    for text in pages:
        if text:
            c.setFont("Helvetica", 12)
            c.drawString(72, 720, text)
        if image is not None:
            c.drawImage(ImageReader(image), 72, 72, width=612 - 144, height=612 - 144)
        c.showPage()
    c.setAuthor("tests")
    c.save()
    return buffer.getvalue()


def text_image(lines: list[str], size: tuple[int, int] = (2550, 1200)) -> Image.Image:
    """Black text on white at a size Tesseract reads well at 300 dpi."""
    import reportlab

    font_path = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    font = ImageFont.truetype(str(font_path), 48)
    im = Image.new("L", size, 255)
    draw = ImageDraw.Draw(im)
    for i, line in enumerate(lines):
        draw.text((150, 150 + 90 * i), line, font=font, fill=0)
    return im


def png_bytes(im: Image.Image, dpi: int = 300) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def read_bundle(
    tmp_path: Path, files: dict[str, bytes], settings: Settings | None = None, engine: OcrEngine | None = None
) -> dict[str, ReadDocument]:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    settings = settings or Settings()
    bundle = load_bundle(tmp_path, settings.intake)
    return {f.name: read_document(f, settings, engine=engine or NoOcr()) for f in bundle.files}


def assert_good_text_pdf(docs: dict[str, ReadDocument]) -> None:
    good = docs["good.pdf"]
    assert good.status == "ok" and good.error is None
    assert " ".join(w.text for w in good.pages[0].words) == TEXT


# --------------------------------------------------------------------------------------------------
# Text layer.


def test_text_layer_words_boxes_fonts_in_points_from_top_left() -> None:
    data = pdf_bytes(TEXT)
    doc = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=NoOcr())
    page = doc.pages[0]
    assert (doc.status, page.unit, page.source, page.width, page.height) == ("ok", "pt", "text", 612.0, 792.0)
    first = page.words[0]
    assert (
        first.text == "Net" and first.font == "Helvetica" and first.size == 12.0 and first.confidence == 1.0
    )
    x0, y0, x1, y1 = first.bbox
    baseline_from_top = 792 - 720
    assert x0 == pytest.approx(72, abs=0.5)
    assert y0 < baseline_from_top < y1 and y1 - y0 == pytest.approx(12 * 1.15, rel=0.25)
    assert x1 - x0 == pytest.approx(20.0, abs=2.0)  # "Net" in Helvetica 12 is ~20 pt wide
    assert {w.line_id for w in page.words} == {first.line_id}
    assert doc.metadata["Author"] == "tests" and "ReportLab" in doc.metadata["Producer"]


def test_positioned_cells_on_one_line_are_separate_words_and_lines_are_numbered() -> None:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=letter)
    c.drawString(72, 700, "Balance")
    c.drawString(400, 700, "5,120.10")
    c.drawString(72, 680, "Opening balance carried forward from January")
    c.save()
    data = buffer.getvalue()
    page = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=NoOcr()).pages[
        0
    ]
    words = {w.text: w for w in page.words}
    assert words["Balance"].bbox[2] < 150 and words["5,120.10"].bbox[0] == pytest.approx(400, abs=0.5)
    assert words["Balance"].line_id == words["5,120.10"].line_id != words["Opening"].line_id


def test_headings_printed_into_each_other_are_separate_words_kerned_letters_are_not() -> None:
    """A right-aligned heading running 4 pt into the next one ("Total GrossTotal Taxes") is two
    words; letters pulled 0.5 pt together (tight tracking, kerning) stay one word."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=letter)
    c.setFont("Helvetica-Bold", 9)
    c.drawRightString(300, 700, "Total Gross")
    c.drawString(296, 700, "Total Taxes")
    text = c.beginText(72, 650)
    text.setFont("Helvetica", 9)
    text.setCharSpace(-0.5)
    text.textLine("Withholding")
    c.drawText(text)
    c.save()
    data = buffer.getvalue()
    page = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=NoOcr()).pages[0]
    assert [w.text for w in page.words if w.bbox[1] < 100] == ["Total", "Gross", "Total", "Taxes"]
    assert "Withholding" in {w.text for w in page.words}


def test_text_page_is_never_ocrd_nor_barcode_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_barcodes(*args: object) -> tuple[()]:
        raise AssertionError("a plain text page was scanned for barcodes")

    monkeypatch.setattr(reading, "decode_barcodes", no_barcodes)
    data = pdf_bytes(TEXT, TEXT)
    doc = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=NoOcr())
    assert doc.source == "text" and doc.page_count == 2


def test_text_page_with_an_image_gets_its_qr_code_decoded() -> None:
    qr = zxingcpp.create_barcode("DAQ R123-4567-8901", zxingcpp.BarcodeFormat.QRCode).to_image(scale=8)
    data = pdf_bytes(TEXT, image=Image.fromarray(np.asarray(qr)))
    page = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=NoOcr()).pages[
        0
    ]
    assert page.source == "text"
    assert [(b.format, b.text) for b in page.barcodes] == [("QRCode", "DAQ R123-4567-8901")]
    x0, y0, x1, y1 = page.barcodes[0].bbox or (0, 0, 0, 0)
    assert 60 < x0 < x1 < 552 and 170 < y0 < y1 < 730  # inside the drawn image, in points


def test_mixed_pdf_text_page_from_layer_blank_page_through_ocr() -> None:
    engine = FakeEngine()
    data = pdf_bytes(TEXT, "")
    doc = read_document(IntakeFile("a.pdf", "x", len(data), "application/pdf", data), engine=engine)
    assert [(p.source, p.unit) for p in doc.pages] == [("text", "pt"), ("ocr", "px300")]
    assert doc.source == "mixed" and len(engine.images) == 1
    height, width = engine.images[0].shape  # rendered at 300 dpi, grey (pdfium rounds up)
    assert (width, height) == (pytest.approx(2550, abs=1), pytest.approx(3300, abs=1))
    assert (doc.pages[1].width, doc.pages[1].height) == (width, height)


# --------------------------------------------------------------------------------------------------
# Images: page frame.


def test_image_declared_at_150_dpi_is_resampled_to_300(tmp_path: Path) -> None:
    engine = FakeEngine()
    im = text_image(["Net Pay 1,724.78"], size=(1275, 600))
    doc = read_document(IntakeFile("s.png", "x", 1, "image/png", png_bytes(im, dpi=150)), engine=engine)
    assert (doc.pages[0].width, doc.pages[0].height) == (2550, 1200)
    assert doc.pages[0].unit == "px300"


def test_exif_orientation_is_applied_before_ocr() -> None:
    engine = FakeEngine()
    im = Image.new("L", (400, 200), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    buffer = io.BytesIO()
    im.save(buffer, format="JPEG", exif=exif)
    doc = read_document(IntakeFile("id.jpg", "x", 1, "image/jpeg", buffer.getvalue()), engine=engine)
    assert engine.images[0].shape[:2] == (400, 200)
    assert (doc.pages[0].width, doc.pages[0].height) == (200, 400)


def test_multi_page_tiff_reads_every_frame() -> None:
    engine = FakeEngine()
    frames = [Image.new("L", (300, 300), 255) for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    doc = read_document(IntakeFile("s.tif", "x", 1, "image/tiff", buffer.getvalue()), engine=engine)
    assert doc.page_count == 3 and [p.number for p in doc.pages] == [1, 2, 3]


def test_mrz_hook_replaces_words_inside_the_band_only() -> None:
    words = [
        Word(text="PASSPORT", bbox=(10, 10, 200, 40)),
        Word(text="P<UTOERIKSSON<<ANNA", bbox=(10, 500, 900, 540)),
        Word(text="L898902C36UTO7408122F", bbox=(10, 560, 900, 600)),
    ]
    fixed = [
        Word(text="P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", bbox=(10, 498, 910, 542)),
        Word(text="L898902C36UTO7408122F1204159ZE184226B<<<<<10", bbox=(10, 558, 910, 602)),
    ]
    result = apply_mrz_hook(np.zeros((700, 1000), np.uint8), words, hook=lambda image, ws, engine: fixed)
    assert [w.text for w in result] == ["PASSPORT", fixed[0].text, fixed[1].text]


def test_mrz_hook_is_not_called_without_mrz_like_text() -> None:
    def hook(image: np.ndarray, words: object, engine: object) -> list[Word]:
        raise AssertionError("called without MRZ-like text")

    words = [Word(text="Net", bbox=(0, 0, 1, 1))]
    assert apply_mrz_hook(np.zeros((5, 5), np.uint8), words, hook=hook) == words


# --------------------------------------------------------------------------------------------------
# Bad documents: one per case; each names its reason and leaves the good file readable.


def encrypted_pdf() -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf_bytes(TEXT))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions in 60 bytes: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("corrupt.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", "PDF is corrupt"),
        ("empty.pdf", b"", "file is empty"),
        ("truncated.pdf", pdf_bytes(TEXT * 3, TEXT)[:900], "PDF is truncated"),
        ("locked.pdf", encrypted_pdf(), "PDF is encrypted with a password"),
        (
            "program.pdf",
            b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
            "unsupported file type application/x-executable",
        ),
        ("notes.pdf", b"just some text pretending to be a PDF", "unsupported file type text/plain"),
        ("bomb.png", png_header(200_000, 200_000), "decompression bomb"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image cannot be decoded"),
    ],
)
def test_bad_document_is_unreadable_with_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    docs = read_bundle(tmp_path, {"good.pdf": pdf_bytes(TEXT), name: data})
    bad = docs[name]
    assert bad.status == "unreadable" and bad.pages == ()
    assert reason in (bad.error or "")
    assert_good_text_pdf(docs)


def test_image_over_the_pixel_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    settings = Settings(intake=IntakeLimits(max_image_pixels=1_000_000))
    docs = read_bundle(tmp_path, {"good.pdf": pdf_bytes(TEXT), "big.png": png_header(2000, 1000)}, settings)
    assert "declares 2000x1000 pixels; limit is 1000000" in (docs["big.png"].error or "")
    assert_good_text_pdf(docs)


def test_too_many_pages_is_unreadable(tmp_path: Path) -> None:
    settings = Settings(intake=IntakeLimits(max_pages=2))
    docs = read_bundle(
        tmp_path, {"good.pdf": pdf_bytes(TEXT), "long.pdf": pdf_bytes(TEXT, TEXT, TEXT)}, settings
    )
    assert docs["long.pdf"].error == "PDF has 3 pages; limit is 2"
    assert_good_text_pdf(docs)


def test_file_refused_at_intake_passes_its_reason_through(tmp_path: Path) -> None:
    settings = Settings(intake=IntakeLimits(max_file_bytes=len(pdf_bytes(TEXT)) + 10))
    docs = read_bundle(tmp_path, {"good.pdf": pdf_bytes(TEXT), "huge.pdf": pdf_bytes(TEXT * 40)}, settings)
    assert docs["huge.pdf"].status == "unreadable" and "limit is" in (docs["huge.pdf"].error or "")
    assert_good_text_pdf(docs)


# --------------------------------------------------------------------------------------------------
# Real OCR (Tesseract): few, and tolerant of engine drift.

OCR_LINES = ["ACME WIDGETS INC", "Gross Pay 2,536.50", "Net Pay 1,724.78", "Pay Date 02/20/2026"]


def ocr_text(doc: ReadDocument, page: int = 0) -> str:
    return " ".join(w.text for w in doc.pages[page].words)


def image_file(im: Image.Image) -> IntakeFile:
    data = png_bytes(im)
    return IntakeFile("scan.png", "x", len(data), "image/png", data)


@pytest.mark.ocr
def test_ocr_reads_a_rendered_text_image() -> None:
    doc = read_document(image_file(text_image(OCR_LINES)))
    page = doc.pages[0]
    assert (page.source, page.unit, page.rotation_applied, page.skew_corrected) == ("ocr", "px300", 0, 0.0)
    assert "Net Pay 1,724.78" in ocr_text(doc) and page.mean_confidence > 0.8
    net = next(w for w in page.words if w.text == "1,724.78")
    assert 150 < net.bbox[0] < net.bbox[2] < 1000 and 300 < net.bbox[1] < net.bbox[3] < 400
    assert len({w.line_id for w in page.words}) == len(OCR_LINES)


@pytest.mark.ocr
def test_ocr_turns_an_upside_down_page() -> None:
    doc = read_document(image_file(text_image(OCR_LINES * 3, size=(2550, 2400)).rotate(180)))
    assert doc.pages[0].rotation_applied == 180
    assert "Net Pay 1,724.78" in ocr_text(doc)


@pytest.mark.ocr
def test_ocr_deskews_a_tilted_page() -> None:
    tilted = text_image(OCR_LINES * 2, size=(2550, 1800)).rotate(
        2.0, fillcolor=255, resample=Image.Resampling.BICUBIC
    )
    doc = read_document(image_file(tilted))
    assert doc.pages[0].skew_corrected == pytest.approx(-2.0, abs=0.2)
    assert "Net Pay 1,724.78" in ocr_text(doc)


@pytest.mark.ocr
def test_ocr_mixed_pdf_reads_text_page_from_layer_and_image_page_by_ocr() -> None:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=letter)
    c.drawString(72, 720, TEXT)
    c.showPage()
    c.drawImage(ImageReader(text_image(OCR_LINES)), 0, 792 - 288, width=612, height=288)
    c.showPage()
    c.save()
    data = buffer.getvalue()
    doc = read_document(IntakeFile("m.pdf", "x", len(data), "application/pdf", data))
    assert [p.source for p in doc.pages] == ["text", "ocr"]
    assert ocr_text(doc, 0) == TEXT
    assert "Net Pay 1,724.78" in ocr_text(doc, 1)


def test_a_licence_barcode_missed_at_ocr_size_is_looked_for_on_smaller_copies(monkeypatch) -> None:
    from extractors import reading
    from pipeline.models import Barcode

    tried: list[tuple[int, float]] = []

    def decode(image: np.ndarray, factor: float, **binariser: object) -> tuple[Barcode, ...]:
        tried.append((image.shape[1], factor))
        # Decodes only on the half-size copy, as a blurred PDF417 does.
        return (Barcode(format="PDF417", text="@ANSI", bbox=(0, 0, 10, 10)),) if image.shape[1] == 500 else ()

    monkeypatch.setattr(reading, "decode_barcodes", decode)
    image = np.full((800, 1000), 255, np.uint8)
    licence = [Word(text="DRIVER", bbox=(0, 0, 1, 1)), Word(text="LICENSE", bbox=(0, 0, 1, 1))]
    assert len(reading._page_barcodes(image, 1.0, licence)) == 1
    # At OCR size with both binarisers, then smaller; boxes scaled back to the page's frame.
    assert tried == [(1000, 1.0), (1000, 1.0), (500, 2.0)]

    tried.clear()
    passport = [Word(text="PASSPORT", bbox=(0, 0, 1, 1))]
    assert reading._page_barcodes(image, 1.0, passport) == ()
    assert tried == [(1000, 1.0)]  # no barcode to verify a passport: one search only


CARD_PHOTO = Path(__file__).resolve().parent.parent / "samples" / "bundles" / "S-0003" / "IMG_5768.jpg"
"""A committed phone photo of an ID card (document number L8A86184X, per its bundle's truth.json)."""


@pytest.mark.ocr
@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270])
def test_ocr_finds_the_right_way_up_of_a_turned_card_photo(turn: Image.Transpose) -> None:
    """A card photo arriving sideways or upside down (no EXIF orientation) is read upright: OSD on
    cards often gets the direction wrong, so the reader tries the other turns before giving up."""
    with Image.open(CARD_PHOTO) as im:
        data = png_bytes(im.convert("L").transpose(turn), dpi=220)
    doc = read_document(IntakeFile("card.png", "x", len(data), "image/png", data))
    page = doc.pages[0]
    counter_clockwise = {Image.Transpose.ROTATE_90: 90, Image.Transpose.ROTATE_180: 180, Image.Transpose.ROTATE_270: 270}
    assert page.rotation_applied == counter_clockwise[turn]  # PIL turns counter-clockwise; we undo it clockwise
    assert "L8A86184X" in ocr_text(doc).replace(" ", "")


@pytest.mark.ocr
def test_ocr_turns_an_upside_down_statement_whose_figures_still_read() -> None:
    """Upside down, a statement's 0s, 1s and 8s still read as digits with confidence ("OT/OT" for a
    10/10 date column): only words of letters say a page is upright, so this one is turned."""
    import pypdfium2 as pdfium

    scan = next((CARD_PHOTO.parent.parent / "S-0004").glob("statement_*_scan.pdf"))
    document = pdfium.PdfDocument(scan)
    try:
        page = document[0].render(scale=300 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    doc = read_document(image_file(page.convert("L").transpose(Image.Transpose.ROTATE_180)))
    assert doc.pages[0].rotation_applied == 180
    assert "Statement" in ocr_text(doc)
