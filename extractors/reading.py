"""The read stage: one intake file in, its pages as positioned words out.

PDF pages with a usable text layer are read from it through pypdfium2's character API (milliseconds
a page) and never OCR'd; other PDF pages are rendered in-process at 300 dpi grey and OCR'd. Images
are decoded defensively (header dimensions checked before decoding), turned upright from EXIF,
brought to 300 dpi when their DPI is believable, and OCR'd. A bad document never raises: it comes
back ``status="unreadable"`` with a reason a person can act on.
"""

from __future__ import annotations

import ctypes
import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp

from extractors.imaging import ImageRefused, decode_image_pages, measure_glyphs, ocr_scale, resize
from extractors.ocr import OCR_DPI, OcrEngine, OcrError, default_engine, ocr_page
from pipeline.config import Settings
from pipeline.intake import IntakeFile
from pipeline.models import Barcode, BBox, PageText, ReadDocument, Word

log = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})
WORD_GAP_EM = 0.2
"""A horizontal gap wider than this fraction of the font size splits a word (positioned table cells)."""
OVERLAP_EM = 0.25
"""A character overlapping the one before by more than this fraction of the font size starts a word."""
_BARCODE_FORMATS = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.PDF417, zxingcpp.BarcodeFormat.QRCode])
BARCODE_MAX_WORDS = 250
"""Confident words above which a scanned page is a text page, not an identity document (see
``_may_carry_barcode``); ID cards and licences, both sides on one page, read well under 150."""
_EOF_MARKER = b"%%EOF"
_EOF_WINDOW = 2048
_FONT_NAME_BYTES = 256


class Unreadable(Exception):
    """The document cannot be read; the message is the reason shown to a person."""


def read_document(
    file: IntakeFile, settings: Settings | None = None, *, engine: OcrEngine | None = None
) -> ReadDocument:
    """Read one intake file into pages of words. Never raises for a bad document.

    Args:
        file: the file as accepted (or refused) at intake.
        settings: limits and reading settings; defaults to ``Settings()``.
        engine: OCR backend; defaults to :func:`default_engine` (only created if a page needs OCR).

    Returns:
        The read document; ``status="unreadable"`` with ``error`` set when it could not be read.
    """
    settings = settings or Settings()
    if file.error:
        return _unreadable(file, file.error)
    try:
        if not file.data:
            raise Unreadable("file is empty")
        if file.media_type == PDF:
            pages, page_count, metadata = _PdfReader(file.data, settings, engine).read()
        elif file.media_type in IMAGE_TYPES:
            pages = _read_image(file.data, settings, engine)
            page_count, metadata = len(pages), {}
        else:
            raise Unreadable(f"unsupported file type {file.media_type} (expected PDF, PNG, JPEG or TIFF)")
    except Unreadable as exc:
        return _unreadable(file, str(exc))
    except OcrError as exc:
        return _unreadable(file, f"OCR failed: {exc}")
    except Exception as exc:  # contract: a document never crashes the bundle
        log.warning("reading %s failed unexpectedly", file.name, exc_info=True)
        return _unreadable(file, f"could not be read ({type(exc).__name__}: {exc})")
    return ReadDocument(
        file=file.name,
        sha256=file.sha256,
        media_type=file.media_type,
        size_bytes=file.size_bytes,
        pages=tuple(pages),
        page_count=page_count,
        metadata=metadata,
    )


def _unreadable(file: IntakeFile, reason: str) -> ReadDocument:
    return ReadDocument(
        file=file.name,
        sha256=file.sha256,
        media_type=file.media_type,
        size_bytes=file.size_bytes,
        status="unreadable",
        error=reason,
    )


# --------------------------------------------------------------------------------------------------
# PDF.


@dataclass
class _PdfReader:
    data: bytes
    settings: Settings
    engine: OcrEngine | None
    pages: list[PageText] = field(default_factory=list)

    def read(self) -> tuple[list[PageText], int, dict[str, str]]:
        if _EOF_MARKER not in self.data[-_EOF_WINDOW:]:
            # pdfium would silently rebuild a cut file and show whatever survived; a partial
            # financial document is not one we can vouch for.
            raise Unreadable("PDF is truncated (no end-of-file marker)")
        doc = _open_pdf(self.data)
        try:
            count = len(doc)
            if count == 0:
                raise Unreadable("PDF has no pages")
            if count > self.settings.intake.max_pages:
                raise Unreadable(f"PDF has {count} pages; limit is {self.settings.intake.max_pages}")
            metadata = _metadata(doc)
            pages = [self._read_page(doc, index) for index in range(count)]
        finally:
            doc.close()
        return pages, count, metadata

    def _read_page(self, doc: pdfium.PdfDocument, index: int) -> PageText:
        try:
            page = doc[index]
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"page {index + 1} cannot be loaded: {exc}") from exc
        try:
            geometry = _PageGeometry.of(page)
            textpage = page.get_textpage()
            try:
                words, real_chars = text_layer_words(textpage, geometry)
            finally:
                textpage.close()
            if real_chars >= self.settings.reading.min_text_chars:
                barcodes = self._text_page_barcodes(page, geometry)
                return PageText(
                    number=index + 1,
                    width=geometry.width,
                    height=geometry.height,
                    unit="pt",
                    source="text",
                    words=tuple(words),
                    barcodes=barcodes,
                )
            return self._ocr_page(page, geometry, index + 1)
        finally:
            page.close()

    def _render(self, page: pdfium.PdfPage, geometry: _PageGeometry, dpi: int) -> np.ndarray:
        pixels = geometry.width * geometry.height * (dpi / 72.0) ** 2
        if pixels > self.settings.intake.max_image_pixels:
            raise Unreadable(
                f"page is {geometry.width:.0f}x{geometry.height:.0f} pt; at {dpi} dpi that is "
                f"{pixels:.0f} pixels, over the limit of {self.settings.intake.max_image_pixels}"
            )
        return page.render(scale=dpi / 72.0, grayscale=True).to_numpy()

    def _text_page_barcodes(self, page: pdfium.PdfPage, geometry: _PageGeometry) -> tuple[Barcode, ...]:
        # Only image objects can carry a barcode worth decoding; plain text pages stay in the ms budget.
        if next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), None) is None:
            return ()
        grey = self._render(page, geometry, OCR_DPI)
        return decode_barcodes(grey, 72.0 / OCR_DPI)

    def _ocr_page(self, page: pdfium.PdfPage, geometry: _PageGeometry, number: int) -> PageText:
        dpi = self.settings.reading.render_dpi
        grey = self._render(page, geometry, dpi)
        return ocr_to_page(grey, number, OCR_DPI / dpi, self.settings, self.engine)


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable("PDF is encrypted with a password") from exc
        raise Unreadable(f"PDF is corrupt or not a PDF ({exc})") from exc


def _metadata(doc: pdfium.PdfDocument) -> dict[str, str]:
    info = {key: str(value) for key, value in doc.get_metadata_dict().items() if value}
    version = doc.get_version()
    if version:
        info["PDFVersion"] = f"{version // 10}.{version % 10}"
    return info


@dataclass(frozen=True)
class _PageGeometry:
    """Crop box of a page: its size and where its top-left corner sits in PDF user space."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> _PageGeometry:
        left, bottom, right, top = page.get_cropbox()
        return cls(left=left, top=top, width=right - left, height=top - bottom)


def text_layer_words(textpage: pdfium.PdfTextPage, geometry: _PageGeometry) -> tuple[list[Word], int]:
    """Group a page's text-layer characters into words with top-left-origin point boxes.

    Words split at spaces (real or inserted by pdfium), at horizontal gaps wider than
    ``WORD_GAP_EM`` of the font size, and where a character starts a new line.

    Args:
        textpage: pdfium text page.
        geometry: the page's crop box (boxes are made relative to its top-left corner).

    Returns:
        The words and the number of real (non-space, correctly mapped) characters on the page.
    """
    words: list[Word] = []
    builder = _WordBuilder(textpage.raw, geometry)
    real_chars = 0
    for char in _chars(textpage.raw):
        if char is None:
            builder.flush(words)
            continue
        real_chars += 1
        if builder.breaks_before(char):
            builder.flush(words)
        builder.add(char)
    builder.flush(words)
    return words, real_chars


@dataclass(frozen=True)
class _Char:
    index: int
    text: str
    left: float
    top: float
    right: float
    bottom: float
    size: float


def _chars(handle: object) -> Iterator[_Char | None]:
    """Each character with its loose box (font ascent to descent); None for a separator."""
    rect = pdfium_c.FS_RECTF()
    for index in range(pdfium_c.FPDFText_CountChars(handle)):
        code = pdfium_c.FPDFText_GetUnicode(handle, index)
        text = chr(code) if 0 < code < 0x110000 else ""
        if (
            not text
            or text.isspace()
            or not text.isprintable()
            or pdfium_c.FPDFText_IsGenerated(handle, index) == 1
            # Without a ToUnicode map the "text" is glyph ids: not a usable layer.
            or pdfium_c.FPDFText_HasUnicodeMapError(handle, index) == 1
        ):
            yield None
            continue
        pdfium_c.FPDFText_GetLooseCharBox(handle, index, rect)
        size = pdfium_c.FPDFText_GetFontSize(handle, index)
        yield _Char(index, text, rect.left, rect.top, rect.right, rect.bottom, size)


@dataclass
class _WordBuilder:
    """Collects characters into a word; remembers the last character across separators for lines."""

    handle: object
    geometry: _PageGeometry
    chars: list[_Char] = field(default_factory=list)
    last: _Char | None = None
    line: int = 0

    def breaks_before(self, char: _Char) -> bool:
        """Whether ``char`` starts a new word; counts a new line when it starts one."""
        last = self.last
        if last is None:
            return False
        em = max(last.size, char.size, 1.0)
        mid_last = (last.top + last.bottom) / 2
        mid_char = (char.top + char.bottom) / 2
        if abs(mid_char - mid_last) > 0.5 * em or char.left < last.left - 0.1 * em:
            self.line += 1
            return True
        gap = char.left - last.right
        # A character starting well inside the last one's box belongs to another positioned run (two
        # table headers printed into each other); kerning pulls letters together by ~0.1 em at most.
        return bool(self.chars) and (gap > WORD_GAP_EM * em or gap < -OVERLAP_EM * em)

    def add(self, char: _Char) -> None:
        self.chars.append(char)
        self.last = char

    def flush(self, out: list[Word]) -> None:
        if not self.chars:
            return
        first = self.chars[0]
        g = self.geometry
        bbox: BBox = (
            round(min(c.left for c in self.chars) - g.left, 2),
            round(g.top - max(c.top for c in self.chars), 2),
            round(max(c.right for c in self.chars) - g.left, 2),
            round(g.top - min(c.bottom for c in self.chars), 2),
        )
        out.append(
            Word(
                text="".join(c.text for c in self.chars),
                bbox=bbox,
                confidence=1.0,
                font=_font_name(self.handle, first.index),
                size=round(first.size, 2),
                line_id=self.line,
            )
        )
        self.chars = []


def _font_name(handle: object, index: int) -> str | None:
    buffer = ctypes.create_string_buffer(_FONT_NAME_BYTES)
    length = pdfium_c.FPDFText_GetFontInfo(handle, index, buffer, _FONT_NAME_BYTES, None)
    if length <= 0:
        return None
    return buffer.raw[: min(length, _FONT_NAME_BYTES) - 1].decode("utf-8", "replace") or None


# --------------------------------------------------------------------------------------------------
# Images and OCR.


def _read_image(data: bytes, settings: Settings, engine: OcrEngine | None) -> list[PageText]:
    limits = settings.intake
    try:
        images = decode_image_pages(data, max_pages=limits.max_pages, max_pixels=limits.max_image_pixels)
    except ImageRefused as exc:
        raise Unreadable(str(exc)) from exc
    return [
        ocr_to_page(page.grey, number, 1.0, settings, engine) for number, page in enumerate(images, start=1)
    ]


def ocr_to_page(
    grey: np.ndarray, number: int, to_px300: float, settings: Settings, engine: OcrEngine | None
) -> PageText:
    """OCR a page-frame grey image and report words, barcodes and sizes in px300.

    Args:
        grey: the page image.
        number: 1-based page number.
        to_px300: factor from ``grey`` pixels to 300-dpi pixels (1.0 unless rendered at another dpi).
        settings: reading settings.
        engine: OCR backend (default engine when None).

    Returns:
        An OCR page.
    """
    glyphs = measure_glyphs(grey)
    scale = ocr_scale(grey, settings.intake.max_image_pixels, glyphs.text_height if glyphs else None)
    ocr_image = resize(grey, scale)
    result = ocr_page(
        ocr_image,
        engine or default_engine(settings.reading.ocr_engine),
        lang=settings.reading.ocr_language,
        timeout_s=settings.reading.ocr_timeout_s,
        glyphs=glyphs.scaled(scale) if glyphs else None,
    )
    back = to_px300 / scale
    height, width = result.image.shape[:2]
    return PageText(
        number=number,
        width=round(width * back, 2),
        height=round(height * back, 2),
        unit="px300",
        source="ocr",
        words=tuple(_scale_word(w, back) for w in result.words),
        barcodes=_page_barcodes(result.image, back, result.words) if _may_carry_barcode(result.words) else (),
        rotation_applied=result.rotation_applied,
        skew_corrected=result.skew_corrected,
        mean_confidence=result.mean_confidence,
    )


def _may_carry_barcode(words: Sequence[Word]) -> bool:
    """Whether a scanned page is worth a barcode search (~0.1 s at 300 dpi).

    The barcodes we read are on identity documents, which hold a few dozen words even when both
    sides are copied onto one page; a page of hundreds of confident words is a statement or a pay
    stub, whose barcodes (if any) are mailing codes that verify nothing.
    """
    return sum(1 for w in words if w.confidence >= 0.5) <= BARCODE_MAX_WORDS


BARCODE_RETRY_SCALES = (0.5, 0.7)
"""Reductions of a licence photo tried when its barcode does not decode at OCR size: upscaled,
warped and re-sampled for OCR, a PDF417's narrow bars blur together; a smaller copy sharpens them
(one of these decoded each of the 3 of 21 scanned licence photos missed at full size)."""
_LICENCE_WORDS = re.compile(r"\b(driver|driving|licen[cs]e|permis|identification\s+card)\b", re.IGNORECASE)


def _page_barcodes(image: np.ndarray, factor: float, words: Sequence[Word]) -> tuple[Barcode, ...]:
    """A page's barcodes; on a page that says it is a licence, smaller copies are tried when none decodes.

    Only licences (and US ID cards) carry the AAMVA barcode that verifies their front, so only
    they pay for the retries; a passport without a barcode costs one search.
    """
    found = decode_barcodes(image, factor)
    if found or not _LICENCE_WORDS.search(" ".join(w.text for w in words)):
        return found
    # zxing's default local-average binariser loses narrow bars that warping and resampling have
    # blurred; one threshold for the whole image keeps them (scanned licence photos of two sample
    # sets: 31 of 36 decoded at OCR size by default, 35 with this binariser, all 36 with either).
    found = decode_barcodes(image, factor, binarizer=zxingcpp.Binarizer.GlobalHistogram)
    if found:
        return found
    for reduce in BARCODE_RETRY_SCALES:
        small = resize(image, reduce)
        found = decode_barcodes(small, factor / reduce)
        if found:
            return found
    return ()


def _scale_word(word: Word, factor: float) -> Word:
    if math.isclose(factor, 1.0):
        return word
    return word.model_copy(update={"bbox": _scale_box(word.bbox, factor)})


def _scale_box(bbox: BBox, factor: float) -> BBox:
    x0, y0, x1, y1 = bbox
    return (round(x0 * factor, 2), round(y0 * factor, 2), round(x1 * factor, 2), round(y1 * factor, 2))


def decode_barcodes(
    grey: np.ndarray, factor: float, *, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
) -> tuple[Barcode, ...]:
    """Decode PDF417 and QR codes on a grey image; boxes are multiplied by ``factor``.

    Args:
        grey: 8-bit grey image.
        factor: from image pixels to the page's unit.
        binarizer: how zxing tells bars from spaces (its default: a local average).

    Returns:
        The decoded barcodes (invalid reads dropped).
    """
    found = []
    # Plain text mode: AAMVA payloads are separated by control characters (LF, RS, CR) that the
    # default human-readable mode would spell out as "<LF>".
    for code in zxingcpp.read_barcodes(
        grey, formats=_BARCODE_FORMATS, text_mode=zxingcpp.TextMode.Plain, binarizer=binarizer
    ):
        if not code.valid:
            continue
        pos = code.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        bbox = _scale_box((min(xs), min(ys), max(xs), max(ys)), factor)
        found.append(Barcode(format=code.format.name, text=code.text, bbox=bbox))
    return tuple(found)
