"""Image signals: a field's figure cloned over another field in a scan, against honest repeats."""

from __future__ import annotations

import base64

import cv2
import numpy as np

from extractors.forensics.image import FieldBox, comparable_fields, image_signals, level, may_coincide
from pipeline.config import ForensicSettings

CFG = ForensicSettings()
SKEW = 1.6
"""Degrees the simulated scanner tilts the page (the reader levels it by this much before OCR)."""
# (name, baseline origin, text): three big figures in boxes, a small YTD figure, two dates.
FIGURES = [("gross_pay", (150, 400), "$1,970.64"), ("total_deductions", (900, 400), "$499.19"),
           ("net_pay", (1650, 400), "$1,471.45")]


def _draw(grey: np.ndarray, origin: tuple[int, int], text: str, scale: float = 2.2, thickness: int = 5) -> FieldBox:
    """Draw ``text`` and return its box (unnamed) as the reader would measure it."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    cv2.putText(grey, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 0, thickness)
    x, y = origin
    return FieldBox("", (float(x), float(y - h), float(x + w), float(y + base)))


def stub(*, clone: bool, ytd: str = "$2,121.45", logo_twice: bool = False, seed: int = 7
         ) -> tuple[np.ndarray, list[FieldBox]]:
    """A stub-like 300 dpi strip, tilted and noisy as a scan, and its fields' boxes in the levelled frame.

    Body text repeats a label on every row; two dates share a value (period end = pay date).
    """
    grey = np.full((900, 2550), 255, dtype=np.uint8)
    for row in range(8):
        for col in range(4):  # a label on every row: honest repeated text that is no field
            cv2.putText(grey, "Hours 80.00", (100 + col * 600, 600 + row * 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    fields = [FieldBox(name, _draw(grey, at, text).box, text) for name, at, text in FIGURES]
    fields.append(FieldBox("ytd_gross", _draw(grey, (150, 480), ytd).box, ytd))
    fields += [FieldBox(name, _draw(grey, at, "2025-10-31", 1.0, 2).box, "2025-10-31")
               for name, at in (("pay_period_end", (1200, 150)), ("pay_date", (1800, 150)))]
    if logo_twice:  # a logo printed in the header and again in the footer
        for y in (90, 850):
            _draw(grey, (150, y), "ACME PAYROLL", 1.6, 4)
    if clone:
        source, target = fields[0].box, fields[2].box
        x0, y0, x1, y1 = (int(v) for v in source)
        x0, y0, x1, y1 = x0 - 10, y0 - 10, max(x1, x0 + int(target[2] - target[0])) + 10, y1 + 10
        tx, ty = int(target[0]) - 10, int(target[1]) - 10
        grey[ty:ty + y1 - y0, tx:tx + x1 - x0] = grey[y0:y1, x0:x1].copy()
    # The scanner: tilt (the reader's deskew undoes it), blur and noise, after any edit.
    matrix = cv2.getRotationMatrix2D((grey.shape[1] / 2, grey.shape[0] / 2), -SKEW, 1.0)
    scanned = cv2.GaussianBlur(cv2.warpAffine(grey, matrix, grey.shape[::-1], borderValue=255), (3, 3), 0.7)
    noise = np.random.default_rng(seed).normal(0, 3.0, scanned.shape)
    return np.clip(scanned + noise, 0, 255).astype(np.uint8), fields


def signals_of(grey: np.ndarray, fields: list[FieldBox]) -> list:  # type: ignore[type-arg]
    return image_signals(grey, 1, float(grey.shape[1]), fields, CFG, skew=SKEW)


def test_figure_cloned_over_another_field_is_found_with_a_heatmap() -> None:
    grey, fields = stub(clone=True)
    signals = signals_of(grey, fields)
    assert [(s.name, s.field) for s in signals] == [("cloned_region", "net_pay")]
    assert "repeats the gross_pay region" in signals[0].detail
    net = fields[2].box
    assert signals[0].bbox is not None and abs(signals[0].bbox[0] - net[0]) < 25 and abs(signals[0].bbox[1] - net[1]) < 25
    heat = cv2.imdecode(np.frombuffer(base64.b64decode(signals[0].heatmap or ""), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert heat is not None and max(heat.shape) <= CFG.heatmap_max_side_px and heat.max() > 150
    assert signals[0].heatmap_bbox == (0.0, 0.0, 2550.0, 900.0)


def test_untouched_scan_with_repeated_labels_equal_dates_and_a_logo_twice_is_clean() -> None:
    grey, fields = stub(clone=False, logo_twice=True)
    assert signals_of(grey, fields) == []


def test_first_pay_period_with_ytd_equal_to_gross_is_clean() -> None:
    # The same string printed twice in one style is one patch of pixels, exactly like a clone: only
    # the knowledge that these two fields may hold one value keeps it quiet.
    grey = np.full((300, 1800), 255, dtype=np.uint8)
    gross = FieldBox("gross_pay", _draw(grey, (100, 150), "$3,711.54").box, 3711.54)
    ytd = FieldBox("ytd_gross", _draw(grey, (1000, 150), "$3,711.54").box, 3711.54)
    grey = np.clip(grey + np.random.default_rng(3).normal(0, 3.0, grey.shape), 0, 255).astype(np.uint8)
    assert image_signals(grey, 1, 1800.0, [gross, ytd], CFG) == []
    # The same pixels under two fields that should differ are a clone.
    net = FieldBox("net_pay", ytd.box, 3711.54)
    assert [s.field for s in image_signals(grey, 1, 1800.0, [gross, net], CFG)] == ["net_pay"]


def test_only_dates_and_configured_amount_pairs_may_coincide() -> None:
    values: dict[str, object] = {"pay_date": "2025-10-31", "pay_period_end": "2025-10-31", "gross_pay": 1.0,
                                 "net_pay": 1.0, "ytd_gross": 1.0}
    assert may_coincide("pay_date", "pay_period_end", values, CFG.clone_honest_pairs)
    assert may_coincide("ytd_gross", "gross_pay", values, CFG.clone_honest_pairs)
    assert not may_coincide("gross_pay", "net_pay", values, CFG.clone_honest_pairs)


def test_fields_sharing_one_box_are_not_compared() -> None:
    shared = (10.0, 10.0, 100.0, 30.0)
    fields = [FieldBox("pay_period_start", shared), FieldBox("pay_frequency", shared), FieldBox("net_pay", (200.0, 10.0, 300.0, 30.0))]
    assert [f.name for f in comparable_fields(fields)] == ["net_pay"]


def test_level_undoes_a_quarter_turn_and_a_tilt() -> None:
    grey = np.full((40, 100), 255, dtype=np.uint8)
    grey[:10, :10] = 0
    turned = level(grey, 90, 0.0)
    assert turned.shape == (100, 40) and turned[:10, -10:].max() == 0  # clockwise: top-left goes top-right
