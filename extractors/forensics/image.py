"""Image forensics on scans and photos: a field's value cloned from another field, with a heat-map.

A clone-stamp edit copies one printed figure over another (the gross pay over the net pay). Whatever
the scanner does afterwards (skew, blur, noise, JPEG), the copy and its source stay two views of one
patch of pixels, shifted by one translation. We look for exactly that, where it matters:

1. The page is levelled as the reader levelled it before OCR, so the extracted fields' boxes fall on
   their pixels and a clone on a skewed scan is a pure translation.
2. Each field's region gets SIFT keypoints; for every pair of fields, each keypoint of one is matched
   to its few nearest descriptors in the other (glyphs repeat, so the first is often not the partner).
3. The matches vote for their displacement. A cloned block moves every keypoint by one shift; two
   different figures that share digits scatter their votes. Enough votes at one shift, carrying one
   field's box onto the other's, make a candidate.
4. The candidate is confirmed block by block: the two regions, aligned by the shift, must correlate
   almost perfectly (normalised cross-correlation); different values printed alike do not.
5. Honest repeats are set apart by what the fields mean, because in pixels they are indistinguishable
   from a clone: one value printed twice in one style is one patch of pixels. Only fields are compared
   (a label on every row, a logo printed twice, table rules are no field); fields that may honestly
   hold one value (two dates, a first period's YTD and current pay) are never reported; fields sharing
   one box are left out.

Identity documents are not examined here (see ``extractors.forensics.examine``): guilloches and
the document number printed several times are by design.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.config import ForensicSettings
from pipeline.models import BBox, ForensicSignal

PixelBox = tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels of the levelled working image."""

_NEIGHBOURS = 3
"""Nearest descriptors kept per keypoint: glyphs repeat within a field, so the true partner of a
keypoint in a cloned block is often not the first."""
_BIN_PX = 3
"""Shift votes are pooled in cells of this size (keypoint positions are accurate to about a pixel)."""
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTEXT_PX = 12
"""Paper kept around a field when describing its keypoints: SIFT needs a neighbourhood."""


@dataclass(frozen=True)
class FieldBox:
    """An extracted field's box on one page, in the page's unit (as the reader measured it)."""

    name: str
    box: BBox
    value: object = None
    """The extracted value (decides which pairs may honestly look alike, see :func:`may_coincide`)."""


@dataclass(frozen=True)
class Keypoints:
    """SIFT keypoints of one field's region: positions on the page (working pixels) and descriptors."""

    points: np.ndarray
    descriptors: np.ndarray


@dataclass(frozen=True)
class CloneCandidate:
    """One field's region repeated at another field's region under one translation."""

    first: str
    second: str
    first_box: PixelBox
    second_box: PixelBox
    shift: tuple[int, int]
    matches: int
    correlation: float
    """Normalised cross-correlation of the two aligned regions (1.0 = identical up to noise)."""


def level(grey: np.ndarray, turn: int, skew: float) -> np.ndarray:
    """The page image turned and levelled as the reader did before OCR, so field boxes fall on their pixels.

    ``turn`` is clockwise quarter turns in degrees; ``skew`` is degrees counter-clockwise about the
    centre, size kept (as ``extractors.ocr`` and the HTML report apply them).
    """
    out = np.rot90(grey, k=-(turn // 90) % 4) if turn % 360 else grey
    if skew:
        h, w = out.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), skew, 1.0)
        out = cv2.warpAffine(np.ascontiguousarray(out), matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return np.ascontiguousarray(out)


def region_keypoints(grey: np.ndarray, box: PixelBox) -> Keypoints | None:
    """SIFT keypoints inside ``box``, described with a little surrounding paper; None if too few.

    Only field regions are described: the decision is about fields, and describing a whole page
    costs over a second where a dozen field crops cost milliseconds.
    """
    x0, y0 = max(0, box[0] - _CONTEXT_PX), max(0, box[1] - _CONTEXT_PX)
    crop = grey[y0:box[3] + _CONTEXT_PX, x0:box[2] + _CONTEXT_PX]
    if crop.size == 0:
        return None
    keypoints, descriptors = cv2.SIFT_create().detectAndCompute(crop, None)  # type: ignore[attr-defined]
    if descriptors is None or len(keypoints) == 0:
        return None  # an empty crop edge can give descriptors without keypoints: nothing to match
    points = np.array([k.pt for k in keypoints], dtype=np.float32) + np.array([x0, y0], dtype=np.float32)
    inside = ((points[:, 0] >= box[0]) & (points[:, 0] <= box[2]) & (points[:, 1] >= box[1]) & (points[:, 1] <= box[3]))
    if inside.sum() < 2:
        return None
    return Keypoints(points[inside], descriptors[inside])


def pair_shifts(a: Keypoints, b: Keypoints, max_distance: float) -> np.ndarray:
    """Displacements (dx, dy) from ``a``'s keypoints to the ``b`` keypoints whose descriptors agree."""
    k = min(_NEIGHBOURS, len(b.descriptors))
    shifts = [b.points[m.trainIdx] - a.points[m.queryIdx]
              for row in cv2.BFMatcher(cv2.NORM_L2).knnMatch(a.descriptors, b.descriptors, k=k)
              for m in row if m.distance <= max_distance]
    return np.array(shifts, dtype=np.float32).reshape(-1, 2)


def dominant_shift(shifts: np.ndarray) -> tuple[tuple[int, int], int]:
    """The displacement most matches agree on (within a pixel or two) and how many agree.

    A cloned block moves every keypoint by one shift; glyphs that merely look alike (a "1" here, a
    "1" there) scatter their shifts over the page.
    """
    if len(shifts) == 0:
        return (0, 0), 0
    cells = np.round(shifts / _BIN_PX).astype(np.int64)
    unique, counts = np.unique(cells, axis=0, return_counts=True)
    # Pool each cell with its 8 neighbours so that a shift on a cell border is not split in two.
    pooled = [int(counts[(np.abs(unique - cell) <= 1).all(axis=1)].sum()) for cell in unique]
    peak = unique[int(np.argmax(pooled))]
    members = shifts[(np.abs(shifts / _BIN_PX - peak) <= 1.5).all(axis=1)]
    dx, dy = np.median(members, axis=0)
    return (round(float(dx)), round(float(dy))), len(members)


def aligned_correlation(grey: np.ndarray, box: PixelBox, shift: tuple[int, int], search_px: int) -> float:
    """Best normalised cross-correlation of ``box`` with its copy near ``box + shift`` (within ``search_px``)."""
    x0, y0, x1, y1 = box
    template = grey[y0:y1, x0:x1].astype(np.float32)
    tx0, ty0 = x0 + shift[0] - search_px, y0 + shift[1] - search_px
    tx1, ty1 = x1 + shift[0] + search_px, y1 + shift[1] + search_px
    if template.size == 0 or tx0 < 0 or ty0 < 0 or tx1 > grey.shape[1] or ty1 > grey.shape[0] or template.std() < 1.0:
        return 0.0
    region = grey[ty0:ty1, tx0:tx1].astype(np.float32)
    return float(cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED).max())


def _overlaps(a: PixelBox, b: PixelBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _moved(box: PixelBox, shift: tuple[int, int]) -> PixelBox:
    return (box[0] + shift[0], box[1] + shift[1], box[2] + shift[0], box[3] + shift[1])


def may_coincide(a: str, b: str, values: dict[str, object], honest_pairs: Sequence[tuple[str, str]]) -> bool:
    """Whether fields ``a`` and ``b`` may honestly print the same value, so identical pixels prove nothing.

    Printed in one font at one size and pixel phase, two equal values ARE one patch of pixels: the
    pay date and the period end, this period's gross and a first period's YTD gross. Dates coincide
    in too many ways to list; amounts only in the configured pairs (``clone_honest_pairs``).
    """
    if all(isinstance(values.get(n), str) and _ISO_DATE.fullmatch(str(values[n])) for n in (a, b)):
        return True
    return (a, b) in honest_pairs or (b, a) in honest_pairs


def comparable_fields(fields: Sequence[FieldBox]) -> list[FieldBox]:
    """Fields with a box of their own: a box two fields share (a label's value read into both) does
    not say which value its pixels show, so neither can be a clone's source or target."""
    return [f for f in fields
            if not any(g.name != f.name and _overlaps_bbox(f.box, g.box) for g in fields)]


def _overlaps_bbox(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def clone_candidates(grey: np.ndarray, boxes: dict[str, PixelBox], cfg: ForensicSettings) -> list[CloneCandidate]:
    """Pairs of distinct fields whose regions are one patch of pixels, most matches first.

    ``grey`` is levelled (see :func:`level`) and ``boxes`` are in its pixels, one per field that
    may be compared (see :func:`comparable_fields`).
    """
    described = {name: kp for name, box in boxes.items() if (kp := region_keypoints(grey, box)) is not None}
    names = sorted(described, key=lambda n: (boxes[n][1], boxes[n][0]))  # reading order: first is above/left
    candidates = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shift, votes = dominant_shift(pair_shifts(described[a], described[b], cfg.clone_max_descriptor_distance))
            # The shifted box must land on the other field, not merely graze it.
            if votes < cfg.clone_min_matches or not _overlaps(_moved(boxes[a], shift), boxes[b]):
                continue
            correlation = aligned_correlation(grey, boxes[a], shift, cfg.clone_search_px)
            if correlation >= cfg.clone_min_correlation:
                candidates.append(CloneCandidate(a, b, boxes[a], _moved(boxes[a], shift), shift, votes,
                                                 round(correlation, 3)))
    return sorted(candidates, key=lambda c: -c.matches)


def heatmap_png(shape: tuple[int, int], candidates: Sequence[CloneCandidate], max_side: int) -> str:
    """A small grey PNG (base64) of the page: white where the cloned regions are, both ends bright."""
    height, width = shape
    scale = max_side / max(height, width)
    heat = np.zeros((max(1, round(height * scale)), max(1, round(width * scale))), dtype=np.float32)
    for candidate in candidates:
        # Which end is the copy is not knowable from the pixels alone; the field read second is the
        # usual target (net pay below gross pay), so it is drawn brightest.
        for box, brightness in ((candidate.first_box, 0.6), (candidate.second_box, 1.0)):
            x0, y0, x1, y1 = (round(v * scale) for v in box)
            region = heat[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
            np.maximum(region, brightness, out=region)
    soft = cv2.GaussianBlur(heat, (3, 3), 0.8)
    ok, png = cv2.imencode(".png", np.clip(soft * 255.0, 0, 255).astype(np.uint8))
    return base64.b64encode(png.tobytes()).decode("ascii") if ok else ""


def image_signals(grey: np.ndarray, page: int, page_width: float, fields: Sequence[FieldBox], cfg: ForensicSettings,
                  *, turn: int = 0, skew: float = 0.0) -> list[ForensicSignal]:
    """Clone signals for one page image.

    Args:
        grey: the page image as decoded or rendered (not yet turned or levelled).
        page: 1-based page number.
        page_width: the page's width in its unit after the reader's turn (``PageText.width``).
        fields: the extracted fields' boxes on this page, in the page's unit.
        cfg: thresholds.
        turn: clockwise degrees the reader turned the page (``PageText.rotation_applied``).
        skew: degrees the reader levelled it by (``PageText.skew_corrected``).

    Returns:
        One ``cloned_region`` signal per pair of fields, boxes in the page's unit.
    """
    levelled = level(grey, turn, skew)
    scale = min(1.0, cfg.image_max_side_px / max(levelled.shape))
    work = levelled if scale == 1.0 else cv2.resize(levelled, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    to_page = page_width / work.shape[1]
    usable = comparable_fields(fields)
    boxes = {f.name: _pixels(f.box, 1.0 / to_page, cfg.clone_field_margin_px, work.shape[:2]) for f in usable}
    values = {f.name: f.value for f in usable}
    candidates = [c for c in clone_candidates(work, boxes, cfg)
                  if not may_coincide(c.first, c.second, values, cfg.clone_honest_pairs)]
    if not candidates:
        return []
    heat = heatmap_png(work.shape[:2], candidates, cfg.heatmap_max_side_px)
    page_box: BBox = (0.0, 0.0, round(page_width, 2), round(levelled.shape[0] * page_width / levelled.shape[1], 2))
    signals = []
    for c in candidates:
        target, source = _scaled(c.second_box, to_page), _scaled(c.first_box, to_page)
        signals.append(ForensicSignal(
            family="image", name="cloned_region", strength=cfg.clone_strength, page=page, bbox=target, field=c.second,
            heatmap=heat, heatmap_bbox=page_box,
            detail=f"the {c.second} region at {target} repeats the {c.first} region at {source} "
                   f"({c.matches} matching keypoints at one shift, correlation {c.correlation:.3f})"))
    return signals


def _pixels(box: BBox, factor: float, margin: int, shape: tuple[int, ...]) -> PixelBox:
    """A page-unit box in working pixels, widened by ``margin`` (OCR boxes hug the ink) and kept on the image."""
    height, width = shape[0], shape[1]
    x0, y0 = max(0, int(box[0] * factor) - margin), max(0, int(box[1] * factor) - margin)
    return (x0, y0, min(width, int(np.ceil(box[2] * factor)) + margin), min(height, int(np.ceil(box[3] * factor)) + margin))


def _scaled(box: PixelBox, factor: float) -> BBox:
    return (round(box[0] * factor, 2), round(box[1] * factor, 2), round(box[2] * factor, 2), round(box[3] * factor, 2))
