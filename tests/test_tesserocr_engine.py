"""The in-process Tesseract backend reads exactly what the binary reads, and says so when it cannot."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors import tesserocr_engine
from extractors.ocr import OcrError, TesseractCliEngine, default_engine
from extractors.tesserocr_engine import TesserocrEngine, _release

pytestmark = pytest.mark.skipif(not tesserocr_engine.available(), reason="tesserocr not built against this Tesseract")


def _printed_page() -> np.ndarray:
    page = np.full((700, 1400), 255, np.uint8)
    for row, text in enumerate(("Statement Period: 03 Dec 2025", "Net Pay 2,362.98", "ACCOUNT HOLDER JANE ROE")):
        cv2.putText(page, text, (60, 120 + 140 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    return page


def test_same_words_boxes_and_confidences_as_the_binary() -> None:
    page = _printed_page()
    ours = TesserocrEngine().read_words(page, psm=6, lang="eng", timeout_s=30)
    binary = TesseractCliEngine().read_words(page, psm=6, lang="eng", timeout_s=30)
    assert [w.text for w in ours] == [w.text for w in binary]
    assert [w.bbox for w in ours] == [w.bbox for w in binary]
    assert [w.line_id for w in ours] == [w.line_id for w in binary]
    assert max(abs(a.confidence - b.confidence) for a, b in zip(ours, binary, strict=True)) < 0.01
    assert "2,362.98" in [w.text for w in ours]


def test_hocr_honours_tesseract_variables() -> None:
    page = _printed_page()
    hocr = TesserocrEngine().read_hocr(page, psm=6, lang="eng", timeout_s=30,
                                       variables={"tessedit_char_whitelist": "0123456789", "hocr_char_boxes": "1"})
    assert "ocrx_cinfo" in hocr  # per-character boxes were asked for
    assert "Net" not in hocr and "ACCOUNT" not in hocr  # letters are outside the whitelist


def test_orientation_is_the_clockwise_turn_that_makes_the_page_upright() -> None:
    page = np.full((1400, 1100), 255, np.uint8)
    for row in range(14):
        cv2.putText(page, f"Line {row} of ordinary printed text 123.45", (40, 80 + 90 * row),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    engine = TesserocrEngine()
    upright = engine.detect_orientation(page, timeout_s=30)
    assert upright is not None and upright.rotate == 0
    turned = engine.detect_orientation(np.ascontiguousarray(np.rot90(page)), timeout_s=30)
    binary = TesseractCliEngine().detect_orientation(np.ascontiguousarray(np.rot90(page)), timeout_s=30)
    assert turned is not None and binary is not None and turned.rotate == binary.rotate == 90


def test_a_blank_image_has_no_orientation() -> None:
    assert TesserocrEngine().detect_orientation(np.full((200, 200), 255, np.uint8), timeout_s=10) is None


def test_missing_language_data_is_an_ocr_error(tmp_path) -> None:
    with pytest.raises(OcrError):
        TesserocrEngine(tessdata=str(tmp_path)).read_words(_printed_page(), psm=6, lang="eng", timeout_s=10)


def test_auto_prefers_the_in_process_engine_and_cli_stays_selectable() -> None:
    assert isinstance(default_engine("auto"), TesserocrEngine)
    assert isinstance(default_engine("cli"), TesseractCliEngine)


def test_release_is_read_from_version_banners() -> None:
    assert _release("tesseract 5.3.0\n leptonica-1.82.0") == "5.3.0"
    assert _release("tesseract 5.5.4\n leptonica-1.87.0\n  libjpeg 6b") == "5.5.4"
    assert _release("no version here") is None
