"""What a page draws on top of what: hidden text and text painted over.

pdfium lists a page's objects in paint order, each with its box. Three forgeries show up there:
text painted over by a white (background-coloured) box, often with a new value drawn on top; text in
render mode 3 (invisible) placed over an image of other text; and two different texts drawn at one
place. Their look-alikes are left alone: an OCR'd scan keeps its text invisible over a page-sized
image, a table shades its cells *before* drawing text, and a generator that fakes bold draws the *same*
text twice.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.forensics.structure import covers
from pipeline.config import ForensicSettings
from pipeline.models import BBox, ForensicSignal

_ROW_PT = 4.0
"""Vertical bucket (points) for finding texts drawn at one place."""
_KIND = {pdfium_c.FPDF_PAGEOBJ_TEXT: "text", pdfium_c.FPDF_PAGEOBJ_PATH: "path", pdfium_c.FPDF_PAGEOBJ_IMAGE: "image"}


@dataclass(frozen=True)
class Painted:
    """One top-level page object: what it is, where (top-left points) and its paint order."""

    order: int
    kind: str
    bbox: BBox
    text: str = ""
    invisible: bool = False
    white_fill: bool = False


def page_objects(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, white_level: float) -> list[Painted]:
    """The page's top-level text, path and image objects in paint order.

    Objects inside form XObjects are not descended into: their boxes are in the form's own space.
    """
    left, _, _, top = page.get_cropbox()
    out = []
    for order, obj in enumerate(page.get_objects(max_depth=1, textpage=textpage)):
        kind = _KIND.get(obj.type)
        if kind is None:
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        bbox: BBox = (x0 - left, top - y1, x1 - left, top - y0)
        if kind == "text":
            mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            text = obj.extract().strip()  # type: ignore[attr-defined]
            out.append(Painted(order, kind, bbox, text=text, invisible=mode == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE))
        elif kind == "path":
            out.append(Painted(order, kind, bbox, white_fill=_white_fill(obj.raw, white_level)))
        else:
            out.append(Painted(order, kind, bbox))
    return out


def _white_fill(handle: object, white_level: float) -> bool:
    fill_mode, stroke = ctypes.c_int(0), ctypes.c_int(0)
    if not pdfium_c.FPDFPath_GetDrawMode(handle, ctypes.byref(fill_mode), ctypes.byref(stroke)) or fill_mode.value == 0:
        return False
    rgba = [ctypes.c_uint(0) for _ in range(4)]
    if not pdfium_c.FPDFPageObj_GetFillColor(handle, *(ctypes.byref(v) for v in rgba)):
        return False
    r, g, b, a = (v.value for v in rgba)
    return a > 0 and min(r, g, b) >= white_level * 255


def overlay_signals(objects: list[Painted], page: int, cfg: ForensicSettings) -> list[ForensicSignal]:
    """Hidden-text and painted-over signals for one page's objects."""
    texts = [o for o in objects if o.kind == "text" and o.text]
    return [*_covered_text(objects, texts, page, cfg), *_invisible_text(objects, texts, page, cfg),
            *_text_twice(objects, texts, page, cfg)]


def _covered_text(objects: list[Painted], texts: list[Painted], page: int, cfg: ForensicSettings) -> Iterator[ForensicSignal]:
    boxes = [o for o in objects if o.white_fill]
    for text in texts:
        if text.invisible:
            continue
        box = next((b for b in boxes if b.order > text.order and covers(b.bbox, text.bbox) >= cfg.cover_fraction), None)
        if box is None:
            continue
        redrawn = [t for t in texts if t.order > box.order and not t.invisible
                   and covers(box.bbox, t.bbox) >= cfg.cover_fraction and _norm(t.text) != _norm(text.text)]
        if redrawn:
            yield ForensicSignal(
                family="overlay", name="covered_text_redrawn", strength=cfg.covered_redrawn_strength, page=page,
                bbox=_round(box.bbox), detail=f"'{text.text}' is painted over by a white box and "
                f"'{redrawn[0].text}' drawn on top: the text layer keeps both")
        else:
            yield ForensicSignal(
                family="overlay", name="covered_text", strength=cfg.covered_text_strength, page=page,
                bbox=_round(box.bbox), detail=f"'{text.text}' is in the text layer but painted over by a white box")


def _invisible_text(objects: list[Painted], texts: list[Painted], page: int, cfg: ForensicSettings) -> Iterator[ForensicSignal]:
    hidden = [t for t in texts if t.invisible]
    if not hidden:
        return
    images = [o for o in objects if o.kind == "image"]
    if is_sandwich(objects, cfg):
        return
    over_image = [t for t in hidden if any(covers(i.bbox, t.bbox) >= cfg.cover_fraction for i in images)]
    for text in over_image:
        yield ForensicSignal(
            family="overlay", name="invisible_text_over_image", strength=cfg.invisible_over_image_strength, page=page,
            bbox=_round(text.bbox), detail=f"invisible text '{text.text}' (render mode 3) over an image of other text")
    rest = [t for t in hidden if t not in over_image]
    if rest:
        # One signal for the rest: the count is the evidence, not a list of every word.
        yield ForensicSignal(
            family="overlay", name="invisible_text", strength=cfg.invisible_text_strength, page=page,
            bbox=_round(rest[0].bbox), detail=f"{len(rest)} invisible text object(s) (render mode 3) among visible "
            f"text, first '{rest[0].text}'")


def is_sandwich(objects: list[Painted], cfg: ForensicSettings) -> bool:
    """An OCR'd scan: a page-sized image with the text kept invisible over it (normal, not an overlay)."""
    if not any(o.kind == "text" and o.invisible for o in objects):
        return False
    page_area = max(_area(o.bbox) for o in objects)
    return any(o.kind == "image" and _area(o.bbox) >= cfg.sandwich_image_share * page_area for o in objects)


def _area(bbox: BBox) -> float:
    return max(0.0, bbox[2] - bbox[0]) * max(0.0, bbox[3] - bbox[1])


def _text_twice(objects: list[Painted], texts: list[Painted], page: int, cfg: ForensicSettings) -> Iterator[ForensicSignal]:
    visible = [t for t in texts if not t.invisible]
    covered_orders = {t.order for t in visible for b in objects
                      if b.white_fill and b.order > t.order and covers(b.bbox, t.bbox) >= cfg.cover_fraction}
    # Only texts on about the same line can coincide: bucket by vertical centre instead of all pairs.
    rows: dict[int, list[Painted]] = {}
    for text in visible:
        rows.setdefault(round((text.bbox[1] + text.bbox[3]) / 2 / _ROW_PT), []).append(text)
    for row, members in rows.items():
        for first in members:
            for second in members + rows.get(row + 1, []):
                if second.order <= first.order or first.order in covered_orders or _norm(first.text) == _norm(second.text):
                    continue  # a covered original is reported above; identical text twice is fake bold
                if min(covers(first.bbox, second.bbox), covers(second.bbox, first.bbox)) >= cfg.cover_fraction:
                    yield ForensicSignal(
                        family="overlay", name="text_drawn_twice", strength=cfg.text_twice_strength, page=page,
                        bbox=_round(second.bbox), detail=f"'{first.text}' and '{second.text}' are drawn at the same place")


def _norm(text: str) -> str:
    return "".join(text.split()).lower()


def _round(bbox: BBox) -> BBox:
    return (round(bbox[0], 2), round(bbox[1], 2), round(bbox[2], 2), round(bbox[3], 2))
