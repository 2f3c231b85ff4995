"""Document forensics: signs that a file was altered after it was produced.

:func:`examine` measures; it never judges. Each check returns :class:`~pipeline.models.ForensicSignal`
objects with a strength; the forensic rules (``rules/forensics.py``) turn them into findings. A check
that fails on a hostile or odd file is logged and skipped: forensics must never make a readable
document unreadable.

=====================  ===========================================================  ==============
module                 measures                                                      families
=====================  ===========================================================  ==============
``structure``          incremental updates and what they changed, dates,             structure,
                       annotations painted over text                                 metadata
``fingerprints``       producer / creator against known editors and fake tools       fingerprint
``overlay``            white boxes over text, invisible text, text drawn twice       overlay
``fonts``              numbers set in a font or size unlike their peers              font
``text_layer``         text layer against OCR of the same field's pixels             text_layer
``image``              cloned regions in scans and photos (with a heat-map)          image
=====================  ===========================================================  ==============
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pypdfium2 as pdfium

from extractors.forensics import fonts, image, overlay, structure, text_layer
from extractors.forensics.fingerprints import fingerprint_signals, recognised_scan
from extractors.imaging import decode_image_pages
from extractors.ocr import OCR_DPI, OcrEngine
from extractors.reading import default_engine
from pipeline.config import ForensicSettings, Settings
from pipeline.intake import IntakeFile
from pipeline.models import IDENTITY_KINDS, ExtractedDocument, ForensicSignal, PageText, ReadDocument

log = logging.getLogger(__name__)

PDF = "application/pdf"


def examine(file: IntakeFile, read: ReadDocument, doc: ExtractedDocument, settings: Settings,
            engine: OcrEngine | None = None) -> tuple[ForensicSignal, ...]:
    """Every forensic signal for one readable file.

    Args:
        file: the file's bytes as taken in.
        read: the read stage's pages (words with fonts, sources per page).
        doc: the extraction, whose field boxes say where the values that matter are.
        settings: all settings; ``settings.forensics`` holds the thresholds.
        engine: OCR backend for the text-layer comparison (the reader's default when None).

    Returns:
        The signals, in check order (empty for an unreadable file or when forensics is disabled).
    """
    cfg = settings.forensics
    if not cfg.enabled or read.status != "ok" or not file.data:
        return ()
    if file.media_type == PDF:
        checks = _pdf_checks(file.data, read, doc, settings, engine)
    elif cfg.image_check and doc.kind not in IDENTITY_KINDS:
        # Identity cards repeat printed patterns and numbers by design (guilloches, ghost portraits,
        # the number in several places): clone evidence there needs more than this detector.
        checks = [lambda: _image_file_signals(file.data, read, doc, settings)]
    else:
        checks = []
    signals: list[ForensicSignal] = []
    for check in checks:
        try:
            signals.extend(check())
        except Exception:  # a forensic check's crash is our bug: keep the document, lose one check
            log.warning("forensic check failed on %s", read.file, exc_info=True)
    return tuple(signals)


def _pdf_checks(data: bytes, read: ReadDocument, doc: ExtractedDocument, settings: Settings,
                engine: OcrEngine | None) -> list[Callable[[], list[ForensicSignal]]]:
    cfg = settings.forensics
    strengths = {"editor": cfg.editor_strength, "fake_generator": cfg.fake_generator_strength}
    return [
        lambda: _revision_signals(data, read, cfg),
        lambda: structure.date_signals(read.metadata, cfg),
        lambda: fingerprint_signals(read.metadata, strengths),
        lambda: structure.annotation_signals(data, read.pages, cfg),
        lambda: fonts.font_signals(_visible_pages(data, read, cfg), doc.fields, cfg),
        lambda: _pdf_page_signals(data, read, doc, settings, engine),
    ]


def _revision_signals(data: bytes, read: ReadDocument, cfg: ForensicSettings) -> list[ForensicSignal]:
    diff = structure.diff_revisions(data)
    if recognised_scan(read.metadata):
        ocr_pages = frozenset(range(1, read.page_count + 1))  # the OCR tool rewrote every page
    else:
        ocr_pages = _ocr_layer_pages(data, cfg) if diff.content_pages else frozenset()
    return structure.revision_signals(diff, cfg, ocr_pages)


def _ocr_layer_pages(data: bytes, cfg: ForensicSettings) -> frozenset[int]:
    """Pages that are scans with an invisible OCR text layer (their text layer says nothing of fonts)."""
    pdf = pdfium.PdfDocument(data)
    try:
        found = set()
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                if overlay.is_sandwich(overlay.page_objects(page, textpage, cfg.white_level), cfg):
                    found.add(index + 1)
            finally:
                textpage.close()
                page.close()
        return frozenset(found)
    finally:
        pdf.close()


def _visible_pages(data: bytes, read: ReadDocument, cfg: ForensicSettings) -> tuple[PageText, ...]:
    """Text pages whose fonts are the issuer's: not OCR layers (invisible, or fonts an OCR tool made up)."""
    if recognised_scan(read.metadata):
        return ()
    ocr_pages = _ocr_layer_pages(data, cfg)
    return tuple(p for p in read.pages if p.number not in ocr_pages)


def _pdf_page_signals(data: bytes, read: ReadDocument, doc: ExtractedDocument, settings: Settings,
                      engine: OcrEngine | None) -> list[ForensicSignal]:
    """Overlays on text pages, text layer against OCR, clones on scanned pages: one open of the file."""
    cfg = settings.forensics
    signals: list[ForensicSignal] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for page_text in read.pages:
            if page_text.source == "text":
                signals += _overlay_signals(pdf, page_text.number, cfg)
            elif cfg.image_check and doc.kind not in IDENTITY_KINDS:
                signals += _scanned_page_signals(pdf, page_text, doc, cfg)
        names = text_layer.fields_to_check(doc.fields, read.pages, cfg)
        if names and cfg.ocr_check:
            signals += _text_layer_signals(pdf, doc, names, cfg, engine)
    finally:
        pdf.close()
    return signals


def _overlay_signals(pdf: pdfium.PdfDocument, number: int, cfg: ForensicSettings) -> list[ForensicSignal]:
    page = pdf[number - 1]
    textpage = page.get_textpage()
    try:
        return overlay.overlay_signals(overlay.page_objects(page, textpage, cfg.white_level), number, cfg)
    finally:
        textpage.close()
        page.close()


def _scanned_page_signals(pdf: pdfium.PdfDocument, page_text: PageText, doc: ExtractedDocument, cfg: ForensicSettings
                          ) -> list[ForensicSignal]:
    page = pdf[page_text.number - 1]
    try:
        grey = page.render(scale=OCR_DPI / 72.0, grayscale=True).to_numpy()
    finally:
        page.close()
    grey = grey[..., 0] if grey.ndim == 3 else grey
    return _page_image_signals(grey, page_text, doc, cfg)


def _page_image_signals(grey: np.ndarray, page_text: PageText, doc: ExtractedDocument, cfg: ForensicSettings
                        ) -> list[ForensicSignal]:
    """Clone signals for one page image, in the frame the reader measured the page's field boxes in."""
    fields = [image.FieldBox(name, fv.bbox, fv.value) for name, fv in doc.fields.items()
              if fv.bbox is not None and fv.page == page_text.number]
    return image.image_signals(grey, page_text.number, page_text.width, fields, cfg,
                               turn=page_text.rotation_applied, skew=page_text.skew_corrected)


def _text_layer_signals(pdf: pdfium.PdfDocument, doc: ExtractedDocument, names: list[str], cfg: ForensicSettings,
                        engine: OcrEngine | None) -> list[ForensicSignal]:
    crops = text_layer.render_crops(pdf, doc.fields, names)
    canvas, placed = text_layer.stack(crops)
    readings = text_layer.read_crops(canvas, placed, engine or default_engine(), cfg)
    return text_layer.compare(placed, readings, cfg)


def _image_file_signals(data: bytes, read: ReadDocument, doc: ExtractedDocument, settings: Settings
                        ) -> list[ForensicSignal]:
    limits = settings.intake
    pages = decode_image_pages(data, max_pages=limits.max_pages, max_pixels=limits.max_image_pixels)
    signals = []
    for page_image, page_text in zip(pages, read.pages, strict=False):
        signals += _page_image_signals(page_image.grey, page_text, doc, settings.forensics)
    return signals
