"""Perspective correction of document photos: found and warped when sure, scans left untouched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.imaging import (
    estimate_text_height,
    find_document_quad,
    measure_glyphs,
    needs_warp,
    ocr_scale,
    warp_to_rectangle,
    whiten_paper,
)
from extractors.ocr import straighten_photo

CARD = (600, 380)  # width, height of the synthetic card


def _card() -> np.ndarray:
    """A light card with dark text rows and a photo box, as printed (upright)."""
    width, height = CARD
    card = np.full((height, width), 235, np.uint8)
    cv2.rectangle(card, (30, 60), (170, 240), 150, -1)
    for y in range(70, 330, 40):
        cv2.putText(card, "SURNAME WASHINGTON 1968", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
    return card


def _photo(
    corners: list[tuple[float, float]], desk: int = 90, size: tuple[int, int] = (900, 760)
) -> np.ndarray:
    """The card laid on a desk with its corners at ``corners`` (tl, tr, br, bl)."""
    width, height = CARD
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, np.float32))
    warped = cv2.warpPerspective(_card(), matrix, size, borderValue=desk)
    return np.asarray(warped, np.uint8)


KEYSTONED = [(140.0, 120.0), (760.0, 170.0), (800.0, 600.0), (110.0, 560.0)]


def test_quad_of_a_keystoned_card_is_found_in_order() -> None:
    quad = find_document_quad(_photo(KEYSTONED))
    assert quad is not None and needs_warp(quad)
    assert np.max(np.linalg.norm(quad - np.array(KEYSTONED), axis=1)) < 12


def test_flattened_card_has_level_text_rows() -> None:
    flat = straighten_photo(_photo(KEYSTONED))
    height, width = flat.shape
    # Inside the kept margin (desk), text is the only ink; upright rows leave empty gaps between lines.
    ink = flat[int(0.1 * height) : int(0.9 * height), int(0.1 * width) : int(0.9 * width)] < 60
    rows = ink.mean(axis=1)
    assert (rows < 0.002).sum() > 0.3 * len(rows)
    assert 1.4 < flat.shape[1] / flat.shape[0] < 1.8  # the card's aspect, plus the kept margin


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(np.full((1100, 850), 250, np.uint8), id="blank-page"),
        pytest.param(np.pad(_card(), 0), id="scan-fills-frame"),
        pytest.param(np.pad(_card(), 20, constant_values=255), id="flatbed-white-margin"),
        pytest.param(_photo([(150, 150), (750, 150), (750, 530), (150, 530)]), id="upright-photo"),
    ],
)
def test_scans_and_upright_photos_are_untouched(image: np.ndarray) -> None:
    assert straighten_photo(image) is image


def test_a_small_card_in_a_big_scene_is_not_trusted() -> None:
    tiny = [(400.0, 300.0), (480.0, 305.0), (478.0, 360.0), (402.0, 355.0)]
    assert find_document_quad(_photo(tiny)) is None


def test_warp_keeps_a_margin_beyond_the_outline() -> None:
    quad = np.array([[100, 100], [300, 100], [300, 200], [100, 200]], np.float32)
    out = warp_to_rectangle(np.zeros((300, 400), np.uint8), quad, margin=0.1)
    assert out.shape == (120, 240)


def _grainy_page(ground: int, grain: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.clip(rng.normal(ground, grain, (400, 600)), 0, 255).astype(np.uint8)
    cv2.putText(page, "Oct 31  12.26", (20, 200), cv2.FONT_HERSHEY_PLAIN, 3, 60, 2, cv2.LINE_AA)
    page[300:320, 20:300] = 200  # a light grey label's ink
    return page


def test_a_scanned_pages_grain_becomes_white_and_its_print_keeps_its_grey() -> None:
    page = _grainy_page(ground=238, grain=4)
    white = whiten_paper(page)
    ink = page < 120
    assert (white[page > 230] == 255).all()  # within two grain deviations of the paper: paper
    assert np.array_equal(white[ink], page[ink])  # ink and its anti-aliased edges untouched
    assert (white[300:320, 20:300] == 200).all()  # light grey print is print, not grain
    assert (white[:40] == 255).mean() > 0.95  # a band of bare paper is (nearly all) white


def test_a_photographed_card_on_a_tinted_ground_is_left_alone() -> None:
    card = _grainy_page(ground=185, grain=12)  # most pixels are tint, not paper
    assert np.array_equal(whiten_paper(card), card)


def _page_of_text() -> np.ndarray:
    page = np.full((1650, 1275), 255, np.uint8)
    for row in range(40):
        cv2.putText(page, "Deposit 03/09 Purchase 1,204.55", (60, 60 + 38 * row),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    return page


def test_a_page_turned_a_quarter_measures_the_same_text_height_as_upright() -> None:
    """Glyph blobs of a turned page lie on their side: their width is the text's height. Measured as
    the blob height, the turned page would be enlarged for OCR for nothing."""
    upright = estimate_text_height(_page_of_text())
    turned = estimate_text_height(np.ascontiguousarray(np.rot90(_page_of_text())))
    assert upright is not None and turned is not None
    assert abs(turned - upright) <= 0.15 * upright
    assert ocr_scale(np.rot90(_page_of_text()), 50_000_000, turned) == ocr_scale(_page_of_text(), 50_000_000, upright) == 1.0
    sideways, upright_glyphs = measure_glyphs(np.rot90(_page_of_text())), measure_glyphs(_page_of_text())
    assert sideways is not None and sideways.on_end and upright_glyphs is not None and not upright_glyphs.on_end
