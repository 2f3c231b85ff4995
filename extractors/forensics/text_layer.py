"""Two readings of the same field: the text layer against OCR of the rendered pixels.

For a page with a text layer, what an underwriter sees is the rendering; what the extractor read is
the text layer. A hidden overlay (invisible text over an image, text under a white box) makes the two
disagree. Only the fields that matter are OCR'd, as small crops stacked into one image so that a
whole document costs one Tesseract call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
from rapidfuzz.distance import Levenshtein

from extractors.imaging import TARGET_TEXT_PX, resize
from extractors.ocr import OCR_DPI, OcrEngine
from pipeline.config import ForensicSettings
from pipeline.models import BBox, FieldValue, ForensicSignal, PageText, Word

_PAD_PT = 2.0
_GAP_PX = 24
_MARGIN_PX = 16
_INK_LEVEL = 230
"""A pixel darker than this is ink (light grey print included): a crop without any shows nothing."""
_PT_TO_PX = OCR_DPI / 72.0
_FIT_SCALES = (0.4, 2.5)
"""Bounds of the rescale that brings a crop's ink to ``TARGET_TEXT_PX`` (a speck or a whole box is no text line)."""


@dataclass(frozen=True)
class Crop:
    """One field's pixels and where they sit in the stacked image (rows ``top``..``bottom``)."""

    name: str
    field: FieldValue
    image: np.ndarray
    top: int = 0

    @property
    def bottom(self) -> int:
        return self.top + self.image.shape[0]

    @property
    def has_ink(self) -> bool:
        return bool((self.image < _INK_LEVEL).any())


def fields_to_check(fields: dict[str, FieldValue], pages: tuple[PageText, ...], cfg: ForensicSettings) -> list[str]:
    """The configured fields read from a text-layer page with a box, in settings order, capped."""
    text_pages = {p.number for p in pages if p.source == "text"}
    chosen = [name for name in cfg.ocr_fields
              if (f := fields.get(name)) is not None and f.source == "text" and f.page in text_pages
              and f.bbox is not None and f.raw]
    return chosen[: cfg.ocr_max_fields]


def render_crops(pdf: pdfium.PdfDocument, fields: dict[str, FieldValue], names: list[str]) -> list[Crop]:
    """Each field's box rendered at the OCR resolution, in grey (one page render per page)."""
    crops = []
    for number in sorted({fields[n].page for n in names if fields[n].page}):
        page = pdf[number - 1]
        try:
            grey = page.render(scale=_PT_TO_PX, grayscale=True).to_numpy()
        finally:
            page.close()
        if grey.ndim == 3:
            grey = grey[..., 0]
        for name in names:
            if fields[name].page == number:
                crops.append(Crop(name, fields[name], _cut(grey, fields[name].bbox)))  # type: ignore[arg-type]
    return crops


def _cut(grey: np.ndarray, bbox: BBox) -> np.ndarray:
    x0, y0, x1, y1 = (round(v * _PT_TO_PX) for v in (bbox[0] - _PAD_PT, bbox[1] - _PAD_PT,
                                                            bbox[2] + _PAD_PT, bbox[3] + _PAD_PT))
    h, w = grey.shape[:2]
    return grey[max(0, y0):min(h, y1), max(0, x0):min(w, x1)].copy()


def stack(crops: list[Crop]) -> tuple[np.ndarray, list[Crop]]:
    """One white image with the crops one under another, and the crops with their row offsets."""
    width = max(c.image.shape[1] for c in crops) + 2 * _MARGIN_PX
    height = sum(c.image.shape[0] for c in crops) + _GAP_PX * (len(crops) - 1) + 2 * _MARGIN_PX
    canvas = np.full((height, width), 255, dtype=np.uint8)
    placed, top = [], _MARGIN_PX
    for crop in crops:
        h, w = crop.image.shape
        canvas[top:top + h, _MARGIN_PX:_MARGIN_PX + w] = crop.image
        placed.append(Crop(crop.name, crop.field, crop.image, top))
        top += h + _GAP_PX
    return canvas, placed


def read_crops(canvas: np.ndarray, placed: list[Crop], engine: OcrEngine, cfg: ForensicSettings
               ) -> dict[str, tuple[str, float]]:
    """OCR text and mean confidence per crop, from one Tesseract call over the stacked image; a crop
    whose reading disagrees with its text layer is read again alone (:func:`confirm_disagreement`)."""
    words = engine.read_words(canvas, psm=6, lang="eng", timeout_s=cfg.ocr_timeout_s)
    out = {}
    for crop in placed:
        inside = [w for w in words if crop.top <= (w.bbox[1] + w.bbox[3]) / 2 <= crop.bottom]
        out[crop.name] = confirm_disagreement(crop, (" ".join(w.text for w in inside), _mean_confidence(inside)),
                                           engine, cfg)
    return out


def confirm_disagreement(crop: Crop, reading: tuple[str, float], engine: OcrEngine, cfg: ForensicSettings
                         ) -> tuple[str, float]:
    """A disagreement with the text layer checked by second, independent readings of the crop alone.

    One swapped digit is the commonest forgery, but also a slip Tesseract makes now and then even
    when sure ('10-OCT' read '40-OCT' at 0.94; a bold '5' read '9' at 0.96 however large it is drawn),
    and a bold total squeezed between two table rules comes back two digits off ('2,255.74-' read
    '2,290.74-' at 0.75) from the stacked read. A slip rarely survives reading the glyphs again at
    another scale, as a single line, and with their strokes thinned; a forged figure is in the pixels
    and reads the same every time. When one of the second readings agrees with the text layer it
    replaces the first; otherwise the first stands.
    """
    layer = crop.field.raw or ""
    text, confidence = reading
    if not differs(layer, text, confidence, cfg):
        return reading
    for view in confirm_views(crop.image, cfg):
        words = engine.read_words(view, psm=7, lang="eng", timeout_s=cfg.ocr_timeout_s)
        second = (" ".join(w.text for w in words), _mean_confidence(words))
        if disagreement(layer, second[0]) == 0:
            return second
    return reading


def confirm_views(image: np.ndarray, cfg: ForensicSettings) -> Iterator[np.ndarray]:
    """The crop on a white margin scaled so its ink is as tall as Tesseract reads best
    (``TARGET_TEXT_PX``: a 14 pt bold total is twice that at 300 dpi, and its '5' reads '9'); then
    enlarged by ``ocr_confirm_scale``; then enlarged with every stroke thinned by
    ``ocr_confirm_thin_px`` (a grey dilation widens the paper), which opens the counters of heavy
    bold 5, 6, 8 and 9 again."""
    rows = np.flatnonzero((image < _INK_LEVEL).any(axis=1))
    if rows.size:
        fit = min(max(TARGET_TEXT_PX / (rows[-1] - rows[0] + 1), _FIT_SCALES[0]), _FIT_SCALES[1])
        if abs(fit - 1.0) > 0.1:  # already at that size: the stacked read saw this view
            yield _on_margin(resize(image, fit))
    enlarged = resize(image, cfg.ocr_confirm_scale)
    yield _on_margin(enlarged)
    if cfg.ocr_confirm_thin_px > 1:
        kernel = np.ones((cfg.ocr_confirm_thin_px, cfg.ocr_confirm_thin_px), np.uint8)
        yield _on_margin(cv2.dilate(enlarged, kernel))


def _on_margin(image: np.ndarray) -> np.ndarray:
    return cv2.copyMakeBorder(image, _MARGIN_PX, _MARGIN_PX, _MARGIN_PX, _MARGIN_PX,
                              cv2.BORDER_CONSTANT, value=255)


def _mean_confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def disagreement(layer: str, ocr: str) -> int:
    """How far the two readings are apart: edits between their digits when the field is a number or
    a date, else between their letters (case, spacing and punctuation ignored)."""
    layer_digits, ocr_digits = _only(layer, str.isdigit), _only(ocr, str.isdigit)
    if len(layer_digits) >= 2:
        return Levenshtein.distance(layer_digits, ocr_digits)
    return Levenshtein.distance(_only(layer, str.isalpha).upper(), _only(ocr, str.isalpha).upper())


def differs(layer: str, ocr: str, confidence: float, cfg: ForensicSettings) -> bool:
    """Whether the readings disagree beyond an OCR slip.

    Two edits always count. One digit swapped for another in a number of the same length counts when
    OCR is sure: a rendered page is clean, and a one-digit change is the commonest forgery, whereas
    OCR's usual slips (``l`` for ``1``, a dropped character) change the length of the digit string.
    """
    distance = disagreement(layer, ocr)
    if distance >= cfg.ocr_min_distance:
        return True
    layer_digits, ocr_digits = _only(layer, str.isdigit), _only(ocr, str.isdigit)
    return (distance == 1 and len(layer_digits) >= 2 and len(layer_digits) == len(ocr_digits)
            and confidence >= cfg.ocr_sure_confidence)


def _only(text: str, keep: object) -> str:
    return "".join(c for c in text if keep(c))  # type: ignore[operator]


def compare(placed: list[Crop], readings: dict[str, tuple[str, float]], cfg: ForensicSettings) -> list[ForensicSignal]:
    """Signals for fields whose pixels show nothing or say something else than the text layer."""
    signals = []
    for crop in placed:
        layer = crop.field.raw or ""
        ocr, confidence = readings.get(crop.name, ("", 0.0))
        if not crop.has_ink:
            signals.append(_signal(crop, "field_not_visible", cfg.ocr_blank_strength,
                                   f"the text layer says '{layer}' but nothing is drawn there"))
            continue
        if confidence >= cfg.ocr_min_confidence and differs(layer, ocr, confidence, cfg):
            signals.append(_signal(crop, "ocr_disagrees", cfg.ocr_mismatch_strength,
                                   f"the text layer says '{layer}' but the page shows '{ocr}' "
                                   f"(OCR confidence {confidence:.2f})"))
    return signals


def _signal(crop: Crop, name: str, strength: float, detail: str) -> ForensicSignal:
    return ForensicSignal(family="text_layer", name=name, strength=strength, detail=detail,
                          page=crop.field.page, bbox=crop.field.bbox, field=crop.name)
