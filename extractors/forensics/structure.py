"""PDF structure and metadata: incremental updates and what they changed, dates, annotations on text.

A generator writes a PDF once. An editor that saves "in place" appends an incremental update: the
original bytes stay and a new revision redefines some objects. Which objects it redefines is the
evidence: a digital signature or a filled form field touches annotations only, an "edit text" touches
page content streams and fonts. We compare the first revision with the last object by object.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pikepdf

from pipeline.config import ForensicSettings
from pipeline.models import BBox, ForensicSignal, PageText

_EOF = re.compile(rb"%%EOF[ \t]*(?:\r\n|\r|\n)?")
_LINEARIZED_WINDOW = 1024
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")
_OVERLAY_ANNOTS = frozenset({"/FreeText", "/Square", "/Stamp", "/Widget", "/Redact", "/Ink"})
"""Annotation kinds that paint something over the page (links, notes and popups do not)."""


@dataclass(frozen=True)
class RevisionDiff:
    """Objects an incremental update added or redefined, grouped by what they are."""

    revisions: int
    content_pages: tuple[int, ...] = ()
    fonts: int = 0
    annotations: int = 0
    other: int = 0


def revision_ends(data: bytes) -> list[int]:
    """Byte offsets just past each ``%%EOF`` that ends a revision.

    A linearized file carries an ``%%EOF`` after its first-page section without being edited, so that
    one does not count.
    """
    ends = [m.end() for m in _EOF.finditer(data)]
    if ends and b"/Linearized" in data[:_LINEARIZED_WINDOW] and len(ends) > 1:
        ends = ends[1:]
    # Trailing garbage after the last marker is not a revision; the last marker ends the file.
    return ends


def diff_revisions(data: bytes) -> RevisionDiff:
    """What the file's incremental updates changed relative to its first revision."""
    ends = revision_ends(data)
    if len(ends) < 2:
        return RevisionDiff(revisions=max(1, len(ends)))
    try:
        first = pikepdf.open(io.BytesIO(data[: ends[0]]))
    except pikepdf.PdfError:
        # The first revision does not stand on its own (unusual writers): count revisions only.
        return RevisionDiff(revisions=len(ends))
    with first, pikepdf.open(io.BytesIO(data)) as last:
        changed = {og for og in _object_ids(last) if _differs(last, first, og)}
        return RevisionDiff(
            revisions=len(ends),
            content_pages=tuple(n for n, ids in _content_ids(last) if ids & changed),
            fonts=len(changed & _font_ids(last)),
            annotations=len(changed & _annotation_ids(last)),
            other=len(changed),
        )


def _object_ids(pdf: pikepdf.Pdf) -> Iterator[tuple[int, int]]:
    for obj in pdf.objects:
        if obj.is_indirect:
            yield obj.objgen


def _differs(last: pikepdf.Pdf, first: pikepdf.Pdf, objgen: tuple[int, int]) -> bool:
    new = last.get_object(objgen)
    try:
        old = first.get_object(objgen)
    except (pikepdf.PdfError, ValueError):
        return True
    if isinstance(new, pikepdf.Stream) != isinstance(old, pikepdf.Stream):
        return True
    if isinstance(new, pikepdf.Stream):
        return new.read_raw_bytes() != old.read_raw_bytes() or _unparse(new.stream_dict) != _unparse(old.stream_dict)
    return _unparse(new) != _unparse(old)


def _unparse(obj: object) -> bytes:
    try:
        return obj.unparse()  # type: ignore[attr-defined, no-any-return]
    except (AttributeError, pikepdf.PdfError):
        return repr(obj).encode()


def _ids(objects: Iterable[object]) -> set[tuple[int, int]]:
    return {o.objgen for o in objects if getattr(o, "is_indirect", False)}  # type: ignore[attr-defined]


def _content_ids(pdf: pikepdf.Pdf) -> list[tuple[int, set[tuple[int, int]]]]:
    """Per page (1-based): its dictionary, content streams and form XObjects."""
    out = []
    for number, page in enumerate(pdf.pages, start=1):
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        xobjects = page.obj.get("/Resources", {}).get("/XObject", {}) if "/Resources" in page.obj else {}
        forms = [x for x in xobjects.values() if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == "/Form"]
        out.append((number, _ids(streams) | _ids(forms)))
    return out


def _font_ids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    ids = set()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and obj.get("/Type") in ("/Font", "/FontDescriptor"):
            ids.add(obj.objgen)
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in obj:
                    ids |= _ids([obj[key]])
    return ids


def _annotation_ids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    ids = set()
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            ids |= _ids([annots]) | _ids(annots)
    if "/AcroForm" in pdf.Root:
        ids |= _ids([pdf.Root["/AcroForm"]])
    return ids


def revision_signals(diff: RevisionDiff, cfg: ForensicSettings, ocr_pages: frozenset[int] = frozenset()
                     ) -> list[ForensicSignal]:
    """Signals for incremental updates, strongest for a change to what the page shows.

    ``ocr_pages`` are scanned pages carrying an invisible OCR layer: an update that changed only those
    is what "recognise text" in Acrobat saves (the monopoly example statement), and stays weak.
    """
    if diff.revisions < 2:
        return []
    updates = diff.revisions - 1
    signals = [ForensicSignal(
        family="structure", name="incremental_update", strength=cfg.incremental_update_strength,
        detail=f"{updates} incremental update(s) appended after the file was first written")]
    for page in diff.content_pages:
        if page in ocr_pages:
            signals.append(ForensicSignal(
                family="structure", name="update_adds_ocr_layer", strength=cfg.update_annotations_strength,
                page=page, detail=f"a later revision changed scanned page {page}, which carries an OCR text layer"))
            continue
        signals.append(ForensicSignal(
            family="structure", name="update_changes_content", strength=cfg.update_content_strength, page=page,
            detail=f"a later revision replaced what page {page} draws (its content streams)"))
    if diff.fonts and not set(diff.content_pages) <= ocr_pages:
        signals.append(ForensicSignal(
            family="structure", name="update_changes_fonts", strength=cfg.update_fonts_strength,
            detail=f"a later revision added or replaced {diff.fonts} font object(s)"))
    if diff.annotations and not diff.content_pages:
        # Annotations only is what signing or filling a form looks like: weak on its own.
        signals.append(ForensicSignal(
            family="structure", name="update_changes_annotations", strength=cfg.update_annotations_strength,
            detail=f"a later revision added or changed {diff.annotations} annotation/form object(s)"))
    return signals


def parse_pdf_date(text: str | None) -> datetime | None:
    """A PDF date string (``D:YYYYMMDDHHmmSS+HH'mm'``) as an aware datetime; None when it is not one."""
    m = _PDF_DATE.match((text or "").strip())
    if not m:
        return None
    year, month, day, hour, minute, second, sign, tz_h, tz_m = m.groups()
    try:
        offset = timedelta(hours=int(tz_h or 0), minutes=int(tz_m or 0))
        tz = timezone(-offset if sign == "-" else offset)
        return datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                        int(second or 0), tzinfo=tz)
    except ValueError:
        return None


def date_signals(metadata: dict[str, str], cfg: ForensicSettings) -> list[ForensicSignal]:
    """ModDate well after CreationDate: weak alone (issuers re-save published files), corroborating."""
    created, modified = parse_pdf_date(metadata.get("CreationDate")), parse_pdf_date(metadata.get("ModDate"))
    if created is None or modified is None:
        return []
    gap = modified - created
    if gap <= timedelta(days=cfg.moddate_gap_days):
        return []
    return [ForensicSignal(
        family="metadata", name="modified_after_creation", strength=cfg.moddate_strength,
        detail=f"modified {gap.days} day(s) after creation ({metadata['CreationDate']} -> {metadata['ModDate']})")]


def annotation_signals(data: bytes, pages: tuple[PageText, ...], cfg: ForensicSettings) -> list[ForensicSignal]:
    """Annotations or form fields that paint over text-layer words (a value typed over the original)."""
    signals = []
    text_pages = {p.number: p for p in pages if p.source == "text"}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            annots = page.obj.get("/Annots")
            if number not in text_pages or not isinstance(annots, pikepdf.Array):
                continue
            left, _, _, top = (float(v) for v in page.cropbox)
            for annot in annots:
                if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") not in _OVERLAY_ANNOTS:
                    continue
                x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
                box: BBox = (min(x0, x1) - left, top - max(y0, y1), max(x0, x1) - left, top - min(y0, y1))
                covered = [w.text for w in text_pages[number].words if covers(box, w.bbox) >= cfg.cover_fraction]
                if covered:
                    signals.append(ForensicSignal(
                        family="structure", name="annotation_over_text", strength=cfg.annotation_over_text_strength,
                        page=number, bbox=tuple(round(v, 2) for v in box),  # type: ignore[arg-type]
                        detail=f"{annot.get('/Subtype')} annotation painted over '{' '.join(covered)[:60]}'"))
    return signals


def covers(outer: BBox, inner: BBox) -> float:
    """Share of ``inner``'s area that ``outer`` covers (0 when ``inner`` has no area)."""
    w = min(outer[2], inner[2]) - max(outer[0], inner[0])
    h = min(outer[3], inner[3]) - max(outer[1], inner[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return 0.0 if w <= 0 or h <= 0 or area <= 0 else (w * h) / area
