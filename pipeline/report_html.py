"""The explainable report: one self-contained HTML page per verified bundle.

An underwriter opens the page, sees the decision and why: every finding in plain words with a crop of
the page it rests on and the cited values boxed, every check that passed, failed or could not run
(with the reason), and what was read from each document. The page carries everything inline (CSS,
crops as ``data:`` URIs) so it can be mailed, archived or opened offline.

Crops are drawn in the frame the evidence boxes were measured in. Text-layer pages use PDF points
with the origin at the top-left of the crop box and ignore the page's ``/Rotate``; OCR pages use
pixels at 300 dpi of the page image *as OCR'd*, i.e. after the reader's quarter turn and deskew, so
the renderer redoes both before it draws. When the recorded frame does not match the file (a photo
straightened by perspective, or a report stored before frames were recorded) the page says so
instead of drawing a box in the wrong place.

Every value that reaches the markup goes through :func:`_e`; identifiers are masked to their last
four characters unless the caller asks for them in full.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont, ImageOps

from extractors.normalize import mask
from pipeline.intake import sniff_media_type
from pipeline.models import (
    BBox,
    CheckResult,
    Evidence,
    ExtractedDocument,
    FieldValue,
    Finding,
    PageFrame,
    Report,
)
from rules.codes import CODES
from rules.engine import RULES, load_rules

MASKED_FIELDS = frozenset({"document_number", "account_number", "id_number", "viz_document_number", "mrz"})
"""Identifiers shown only by their last 4 characters in UI (the JSON report keeps them whole)."""

UNITS_PER_INCH = {"pt": 72.0, "px300": 300.0}
CROP_DPI = 150.0
"""Crops are rendered at this resolution: print stays legible and a crop weighs a few tens of KB."""
MAX_RENDER_PIXELS = 16_000_000
"""A page larger than this at ``CROP_DPI`` (a poster-sized PDF) is rendered coarser instead."""
CROP_MARGIN_IN = 0.3
"""Context around the cited boxes: enough to show the label printed beside or above a value."""
MIN_CROP_IN = (3.5, 1.0)
"""Smallest crop (width, height) in inches, so a lone number is seen with its row."""
MAX_GROUP_HEIGHT_IN = 2.5
"""Cited boxes on one page further apart than this vertically get crops of their own."""
MAX_CROPS_PER_FINDING = 4
FRAME_TOLERANCE = 0.015
"""Relative aspect-ratio difference above which a file's page is not the frame its boxes came from."""
BOX_COLOUR = (214, 40, 40)
BOX_PAD_PX = 3
HEATMAP_DISPLAY_PX = 192
"""Long side of a heat-map thumbnail on the page: the stored map (<= 96 px) scaled up, blocks kept sharp."""
MAX_HEATMAP_SIDE_PX = 512
"""A stored heat-map larger than this is not one the examination wrote: it is not shown."""
HEAT_COLOURS = ("#f7f8fa", "#d92d20")
"""Heat-map from paper (nothing suspect) to the box colour (the copied region)."""

DECISION_TEXT = {
    "clear": "No finding needs attention.",
    "review": "Findings need a person's review before a decision.",
    "decline": "Findings are serious enough to decline.",
}
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def render_html(report: Report, files: Mapping[str, bytes], *, reveal_identifiers: bool = False) -> str:
    """The report of one bundle as one self-contained HTML page.

    Args:
        report: the verified bundle's report.
        files: the bundle's file bytes by the names the report uses (``IntakeFile.name``); a cited
            file missing here gets no crop, only its evidence in words.
        reveal_identifiers: show identifiers (document, account and ID numbers, MRZ) in full.

    Returns:
        The HTML page.
    """
    load_rules()
    crops = _CropMaker({doc.file: doc for doc in report.documents}, files)
    body = "\n".join((
        _banner(report),
        _findings_section(report.findings, crops, reveal_identifiers),
        _checks_section(report.checks),
        _documents_section(report.documents, reveal_identifiers),
    ))
    return _PAGE.format(title=_e(f"docsentry report: application {report.application_id}"), css=_CSS, body=body)


# --------------------------------------------------------------------------------------------------
# Crop geometry: pure functions over boxes in page units.


def crop_window(boxes: Sequence[BBox], page_size: tuple[float, float], unit: str) -> BBox:
    """The region of the page a crop shows: the boxes with a margin, at least a minimum size, on the page.

    Args:
        boxes: cited boxes (x0, y0, x1, y1) in page units, origin top-left.
        page_size: (width, height) of the page in the same units.
        unit: ``pt`` or ``px300``.

    Returns:
        The window in page units.
    """
    inch = UNITS_PER_INCH[unit]
    width, height = page_size
    margin = CROP_MARGIN_IN * inch
    x0, x1 = _span(min(b[0] for b in boxes) - margin, max(b[2] for b in boxes) + margin,
                   MIN_CROP_IN[0] * inch, width)
    y0, y1 = _span(min(b[1] for b in boxes) - margin, max(b[3] for b in boxes) + margin,
                   MIN_CROP_IN[1] * inch, height)
    return (x0, y0, x1, y1)


def _span(low: float, high: float, minimum: float, limit: float) -> tuple[float, float]:
    """Widen [low, high] about its centre to ``minimum``, then slide and clip it into [0, limit]."""
    if high - low < minimum:
        centre = (low + high) / 2
        low, high = centre - minimum / 2, centre + minimum / 2
    if low < 0:
        low, high = 0.0, high - low
    if high > limit:
        low, high = low - (high - limit), limit
    return max(low, 0.0), min(high, limit)


def to_pixels(box: BBox, origin: tuple[float, float], px_per_unit: float) -> tuple[int, int, int, int]:
    """A box in page units as whole pixels of an image whose top-left sits at ``origin`` (page units)."""
    ox, oy = origin
    x0, y0, x1, y1 = box
    # Outward to whole pixels, but a product that is an integer up to float noise stays that integer.
    return (math.floor((x0 - ox) * px_per_unit + _EPSILON), math.floor((y0 - oy) * px_per_unit + _EPSILON),
            math.ceil((x1 - ox) * px_per_unit - _EPSILON), math.ceil((y1 - oy) * px_per_unit - _EPSILON))


_EPSILON = 1e-6


# --------------------------------------------------------------------------------------------------
# Page images in the frame the boxes were measured in.


class NoCrop(Exception):
    """No trustworthy crop can be drawn; the message says why, for the page."""


@dataclass(frozen=True)
class PageImage:
    """A page rendered in its boxes' frame: a box times ``px_per_unit`` is its pixel position."""

    image: Image.Image
    px_per_unit: float
    note: str | None = None
    """What the reader did to the page before reading it, said under the crop."""


def render_page(data: bytes, number: int, frame: PageFrame, size: tuple[float, float],
                dpi: float = CROP_DPI) -> PageImage:
    """Render page ``number`` of a PDF or image file as the reader measured it.

    Args:
        data: the file's bytes.
        number: 1-based page (or image frame) number.
        frame: the page's recorded unit, quarter turn and deskew.
        size: (width, height) of the page in ``frame.unit`` after the turn, as the report records it.
        dpi: rendering resolution.

    Returns:
        The page image, turned and levelled as the reader did.

    Raises:
        NoCrop: the file cannot be rendered, or its page is not the recorded frame.
    """
    turn = frame.rotation_applied % 360
    if turn % 90:
        raise NoCrop(f"the page was turned {frame.rotation_applied} degrees before reading, "
                     "which cannot be redrawn exactly")
    width, height = size
    unturned = (height, width) if turn in (90, 270) else (width, height)
    px_per_unit = min(dpi / UNITS_PER_INCH[frame.unit], math.sqrt(MAX_RENDER_PIXELS / max(width * height, 1.0)))
    target = (max(1, round(unturned[0] * px_per_unit)), max(1, round(unturned[1] * px_per_unit)))
    source = _source_image(data, number, frame.unit, target)
    _check_frame(source.size, unturned)
    image = source.resize(target, Image.Resampling.LANCZOS) if source.size != target else source
    if turn:
        # PIL turns counter-clockwise; the reader's turn is clockwise.
        image = image.rotate(-turn, expand=True)
    if frame.skew_corrected:
        # Same rotation as the reader's deskew: counter-clockwise about the centre, size kept.
        image = image.rotate(frame.skew_corrected, resample=Image.Resampling.BICUBIC, fillcolor="white")
    return PageImage(image, px_per_unit, _frame_note(turn, frame.skew_corrected))


def _source_image(data: bytes, number: int, unit: str, target: tuple[int, int]) -> Image.Image:
    """The file's page before the reader's turn and deskew, about ``target`` pixels in size, RGB."""
    media_type = sniff_media_type(data[:1024])
    try:
        if media_type == "application/pdf":
            return _render_pdf_page(data, number, unit, target)
        if media_type.startswith("image/"):
            return _decode_image_frame(data, number, target)
    except NoCrop:
        raise
    except Exception as exc:  # a file the reader accepted but the renderer chokes on: say so, go on
        raise NoCrop(f"the page could not be rendered ({type(exc).__name__}: {exc})") from exc
    raise NoCrop(f"files of type {media_type} are not rendered")


def _render_pdf_page(data: bytes, number: int, unit: str, target: tuple[int, int]) -> Image.Image:
    pdf = pdfium.PdfDocument(data)
    try:
        if not 1 <= number <= len(pdf):
            raise NoCrop(f"the file has no page {number}")
        page = pdf[number - 1]
        if unit == "pt":
            # Text-layer boxes are in unrotated user space; an OCR'd page was rendered with /Rotate.
            page.set_rotation(0)
        width_pt, _ = page.get_size()
        bitmap = page.render(scale=target[0] / max(width_pt, 1e-6))
        return bitmap.to_pil().convert("RGB")
    finally:
        pdf.close()


def _decode_image_frame(data: bytes, number: int, target: tuple[int, int]) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        if number > getattr(im, "n_frames", 1):
            raise NoCrop(f"the file has no page {number}")
        im.seek(number - 1)
        # JPEG can decode straight at a fraction of its size: a 12 MP photo costs a tenth.
        im.draft("RGB", target)
        upright = ImageOps.exif_transpose(im) or im
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            # Transparent pixels read as white by the reader; show them so too.
            rgba = upright.convert("RGBA")
            return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
        return upright.convert("RGB")


def _check_frame(actual: tuple[int, int], recorded: tuple[float, float]) -> None:
    """Refuse to draw when the file's page is not the shape of the frame the boxes were measured in."""
    actual_ratio = actual[0] / max(actual[1], 1)
    recorded_ratio = recorded[0] / max(recorded[1], 1e-6)
    if abs(actual_ratio - recorded_ratio) > FRAME_TOLERANCE * recorded_ratio:
        raise NoCrop(
            "the reader measured this page on a reshaped image (for example a photo straightened by "
            "perspective), so its boxes cannot be placed on the file's own page; no box is drawn")


def _frame_note(turn: int, skew: float) -> str | None:
    done = []
    if turn:
        done.append(f"turned {turn}° clockwise")
    if skew:
        done.append(f"straightened by {abs(skew):.1f}°")
    return f"Shown as read: the page was {' and '.join(done)} before reading." if done else None


# --------------------------------------------------------------------------------------------------
# Crops of one finding's evidence.


@dataclass(frozen=True)
class Crop:
    """One picture of cited boxes with the numbers of the evidence items it shows."""

    png: bytes
    file: str
    page: int
    numbers: tuple[int, ...]
    note: str | None


@dataclass
class _CropMaker:
    """Draws crops for evidence, rendering each cited page once per report."""

    documents: Mapping[str, ExtractedDocument]
    files: Mapping[str, bytes]
    pages: dict[tuple[str, int], PageImage | NoCrop] = field(default_factory=dict)

    def crop(self, items: Sequence[tuple[int, Evidence]]) -> Crop:
        """Crop the page the items cite (one file, one page) with each item's box drawn and numbered."""
        first = items[0][1]
        assert first.file is not None and first.page is not None and first.bbox is not None
        doc = self.documents.get(first.file)
        if doc is None or first.file not in self.files:
            raise NoCrop("the cited file is not part of this bundle")
        size, frame = page_geometry(doc, first.page)
        page = self._page(first.file, first.page, frame, size)
        boxes = [ev.bbox for _, ev in items if ev.bbox is not None]
        return Crop(draw_crop(page, boxes, [n for n, _ in items], size, frame.unit),
                    first.file, first.page, tuple(n for n, _ in items), page.note)

    def _page(self, file: str, number: int, frame: PageFrame, size: tuple[float, float]) -> PageImage:
        key = (file, number)
        if key not in self.pages:
            try:
                self.pages[key] = render_page(self.files[file], number, frame, size)
            except NoCrop as exc:
                self.pages[key] = exc
        found = self.pages[key]
        if isinstance(found, NoCrop):
            raise found
        return found


def page_geometry(doc: ExtractedDocument, number: int) -> tuple[tuple[float, float], PageFrame]:
    """The recorded size and frame of page ``number`` of a document.

    A report stored before frames were recorded still maps text-layer pages exactly (points need no
    correction); its OCR pages are refused, because their deskew is unknown.

    Raises:
        NoCrop: the page's geometry is not in the report, or is not enough to place a box.
    """
    if not 1 <= number <= len(doc.page_sizes):
        raise NoCrop("the report does not record this page's size")
    if number <= len(doc.page_frames):
        return doc.page_sizes[number - 1], doc.page_frames[number - 1]
    if doc.bbox_unit == "pt":
        return doc.page_sizes[number - 1], PageFrame(unit="pt")
    raise NoCrop("this report does not record how the page was straightened before OCR, "
                 "so a box could land on the wrong line; no box is drawn")


def draw_crop(page: PageImage, boxes: Sequence[BBox], numbers: Sequence[int],
              page_size: tuple[float, float], unit: str) -> bytes:
    """Cut the window around ``boxes`` from the page image, box and number each, and encode as PNG."""
    window = crop_window(boxes, page_size, unit)
    left, top, right, bottom = to_pixels(window, (0.0, 0.0), page.px_per_unit)
    crop = page.image.crop((left, top, right, bottom))
    draw = ImageDraw.Draw(crop)
    font = ImageFont.load_default(size=14)
    for number, box in zip(numbers, boxes, strict=True):
        x0, y0, x1, y1 = to_pixels(box, window[:2], page.px_per_unit)
        draw.rectangle((x0 - BOX_PAD_PX, y0 - BOX_PAD_PX, x1 + BOX_PAD_PX, y1 + BOX_PAD_PX),
                       outline=BOX_COLOUR, width=2)
        _draw_tag(draw, font, str(number), (x0 - BOX_PAD_PX, y0 - BOX_PAD_PX))
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_tag(draw: ImageDraw.ImageDraw, font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
              text: str, corner: tuple[int, int]) -> None:
    """A small filled number left of a box's top-left corner: beside, not above, so that on tightly
    stacked rows it never hides the row above (inside the box when there is no room on the left)."""
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    width, height = x1 - x0 + 6, y1 - y0 + 4
    left = corner[0] - width if corner[0] >= width else corner[0]
    top = max(corner[1], 0)
    draw.rectangle((left, top, left + width, top + height), fill=BOX_COLOUR)
    draw.text((left + 3 - x0, top + 2 - y0), text, fill="white", font=font)


def crop_groups(evidence: Sequence[Evidence], documents: Mapping[str, ExtractedDocument]
                ) -> list[list[tuple[int, Evidence]]]:
    """Number a finding's evidence from 1 and group the items with a box into crops.

    Items on one page share a crop while they stay within ``MAX_GROUP_HEIGHT_IN`` of each other
    vertically, so a pay stub's gross, deductions and net on one row make one picture.
    """
    by_page: dict[tuple[str, int], list[tuple[int, Evidence]]] = {}
    for number, ev in enumerate(evidence, start=1):
        if ev.file is not None and ev.page is not None and ev.bbox is not None:
            by_page.setdefault((ev.file, ev.page), []).append((number, ev))
    groups: list[list[tuple[int, Evidence]]] = []
    for (file, page), items in by_page.items():
        inch = UNITS_PER_INCH[_page_unit(documents.get(file), page)]
        current: list[tuple[int, Evidence]] = []
        for item in sorted(items, key=lambda it: it[1].bbox[1]):  # type: ignore[index]
            top = min(ev.bbox[1] for _, ev in current) if current else 0.0  # type: ignore[index]
            if current and item[1].bbox[3] - top > MAX_GROUP_HEIGHT_IN * inch:  # type: ignore[index]
                groups.append(current)
                current = []
            current.append(item)
        groups.append(current)
    return groups


def _page_unit(doc: ExtractedDocument | None, number: int) -> str:
    """The unit of a page's boxes: its recorded frame, else the document's, else points."""
    if doc is None:
        return "pt"
    if 1 <= number <= len(doc.page_frames):
        return doc.page_frames[number - 1].unit
    return "px300" if doc.bbox_unit == "px300" else "pt"


# --------------------------------------------------------------------------------------------------
# Sections.


def _banner(report: Report) -> str:
    checks = _count_checks(report.checks)
    severities = _count_severities(report.findings)
    return f"""<header class="banner {_e(report.decision)}">
  <p class="app">Application {_e(report.application_id)}</p>
  <h1>{_e(report.decision.upper())}</h1>
  <p class="why">{_e(DECISION_TEXT.get(report.decision, ""))}</p>
  <dl class="figures">
    <div><dt>Risk score</dt><dd>{_e(report.risk_score)}<small>/100</small></dd></div>
    <div><dt>Findings</dt><dd>{_e(len(report.findings))}</dd><small>{_e(severities)}</small></div>
    <div><dt>Documents</dt><dd>{_e(len(report.documents))}</dd></div>
    <div><dt>Checks</dt><dd>{_e(len(report.checks))}</dd><small>{_e(checks)}</small></div>
  </dl>
</header>"""


def _count_checks(checks: Sequence[CheckResult]) -> str:
    counts = {status: sum(c.status == status for c in checks) for status in ("passed", "failed", "not_run")}
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['not_run']} not run"


def _count_severities(findings: Sequence[Finding]) -> str:
    counts = {s: sum(f.severity.value == s for f in findings) for s in SEVERITY_ORDER}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"


def _findings_section(findings: Sequence[Finding], crops: _CropMaker, reveal: bool) -> str:
    if not findings:
        return '<section><h2>Findings</h2><p class="empty">No findings.</p></section>'
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER.index(f.severity.value))
    cards = "\n".join(_finding_card(f, crops, reveal) for f in ordered)
    return f"<section>\n<h2>Findings</h2>\n{cards}\n</section>"


def _finding_card(finding: Finding, crops: _CropMaker, reveal: bool) -> str:
    code = CODES.get(finding.code)
    meaning = f'<p class="meaning">{_e(code.meaning)}</p>' if code else ""
    items = "\n".join(_evidence_item(n, ev, reveal) for n, ev in enumerate(finding.evidence, start=1))
    evidence = f'<ol class="evidence">\n{items}\n</ol>' if items else ""
    return f"""<article class="finding {_e(finding.severity.value)}">
  <h3><span class="severity">{_e(finding.severity.value)}</span> <code>{_e(finding.code)}</code></h3>
  <p class="message">{_e(finding.message)}</p>
  {meaning}
  {evidence}
  <div class="figure-row">
  {_figures(finding, crops)}
  {_heatmap_figures(finding.params.get("heatmaps"))}
  </div>
</article>"""


def _evidence_item(number: int, ev: Evidence, reveal: bool) -> str:
    where = ", ".join(part for part in (ev.file, f"page {ev.page}" if ev.page else None) if part)
    what = f"<code>{_e(ev.field)}</code>" if ev.field else ""
    value = f' = <span class="value">{_e(_display(ev.field, ev.value, reveal))}</span>' if ev.value is not None else ""
    note = f' <span class="note">{_e(ev.note)}</span>' if ev.note else ""
    return f'<li value="{number}"><span class="where">{_e(where)}</span> {what}{value}{note}</li>'


def _figures(finding: Finding, crops: _CropMaker) -> str:
    groups = crop_groups(finding.evidence, crops.documents)
    parts = [_figure(group, crops) for group in groups[:MAX_CROPS_PER_FINDING]]
    if len(groups) > MAX_CROPS_PER_FINDING:
        parts.append(f'<p class="nocrop">{len(groups) - MAX_CROPS_PER_FINDING} more page region(s) '
                     "not pictured; their evidence is listed above.</p>")
    return "\n".join(parts)


def _figure(group: Sequence[tuple[int, Evidence]], crops: _CropMaker) -> str:
    try:
        crop = crops.crop(group)
    except NoCrop as exc:
        numbers = ", ".join(str(n) for n, _ in group)
        first = group[0][1]
        return (f'<p class="nocrop">No picture for item(s) {_e(numbers)} ({_e(first.file)}, '
                f"page {_e(first.page)}): {_e(exc)}</p>")
    data = base64.b64encode(crop.png).decode("ascii")
    note = f" {_e(crop.note)}" if crop.note else ""
    boxed = ", ".join(str(n) for n in crop.numbers)
    alt = f"{crop.file}, page {crop.page}, item(s) {boxed} boxed"
    return f"""<figure class="crop">
    <img src="data:image/png;base64,{data}" alt="{_e(alt)}">
    <figcaption>{_e(crop.file)}, page {_e(crop.page)}: item(s) {_e(boxed)} boxed.{note}</figcaption>
  </figure>"""


def _checks_section(checks: Sequence[CheckResult]) -> str:
    groups = (
        ("failed", "Failed", "These checks raised the findings above."),
        ("not_run", "Not run", "Not checked is not passed: these checks could not run on this bundle."),
        ("passed", "Passed", "These checks found nothing wrong."),
    )
    parts = []
    for status, title, lead in groups:
        chosen = [c for c in checks if c.status == status]
        if not chosen:
            continue
        columns = ["Check", "Reason code", "What it checks"] + (["Why not run"] if status == "not_run" else [])
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        rows = "\n".join(_check_row(c) for c in chosen)
        table = f"""<p class="lead">{_e(lead)}</p>
<table class="checks">
  <thead><tr>{head}</tr></thead>
  <tbody>
{rows}
  </tbody>
</table>"""
        heading = f'{_e(title)} ({len(chosen)})'
        # Passed checks matter for completeness, not attention: folded so failures and gaps lead.
        parts.append(f"""<details class="checks-{status}">
<summary><h3>{heading}</h3></summary>
{table}
</details>""" if status == "passed" else f"""<h3 class="checks-{status}">{heading}</h3>
{table}""")
    body = "\n".join(parts) or '<p class="empty">No checks ran.</p>'
    return f"<section>\n<h2>Checks</h2>\n{body}\n</section>"


def _check_row(check: CheckResult) -> str:
    rule = RULES.get(check.rule)
    code = CODES.get(check.code)
    # Checks from outside the rule engine (the link graph) have no docstring here; their code's meaning does.
    what = rule.describe() if rule else code.meaning if code else ""
    reason = f"<td>{_e(check.reason)}</td>" if check.status == "not_run" else ""
    return f"    <tr><td>{_e(check.rule)}</td><td><code>{_e(check.code)}</code></td><td>{_e(what)}</td>{reason}</tr>"


def _documents_section(documents: Sequence[ExtractedDocument], reveal: bool) -> str:
    cards = "\n".join(_document_card(d, reveal) for d in documents)
    body = cards or '<p class="empty">No documents.</p>'
    return f"<section>\n<h2>Documents</h2>\n{body}\n</section>"


def _document_card(doc: ExtractedDocument, reveal: bool) -> str:
    summary = f"{doc.kind.value.replace('_', ' ')}, {doc.pages} page(s), read from {_SOURCE_TEXT[doc.source]}"
    if doc.status != "ok":
        return f"""<article class="document unreadable">
  <h3>{_e(doc.file)}</h3>
  <p class="error">Could not be read: {_e(doc.error)}</p>
</article>"""
    extras = [f"{len(doc.transactions)} transaction(s)" if doc.transactions else "",
              f"{len(doc.deductions)} deduction line(s)" if doc.deductions else ""]
    extra = "; ".join(x for x in extras if x)
    rows = "\n".join(_field_row(name, fv, reveal) for name, fv in doc.fields.items())
    table = f"""<table class="fields">
  <thead><tr><th>Field</th><th>Value</th><th>Confidence</th><th>Page</th></tr></thead>
  <tbody>
{rows}
  </tbody>
</table>""" if rows else '<p class="empty">No fields extracted.</p>'
    error = f'<p class="error">{_e(doc.error)}</p>' if doc.error else ""
    return f"""<article class="document">
  <h3>{_e(doc.file)}</h3>
  <p class="summary">{_e(summary)}{_e("; " + extra if extra else "")}</p>
  {error}
  {table}
</article>"""


_SOURCE_TEXT = {"text": "its text layer", "ocr": "OCR of its image", "mixed": "text layer and OCR"}


def _field_row(name: str, fv: FieldValue, reveal: bool) -> str:
    low = ' class="low"' if fv.confidence < 0.8 else ""
    return (f"    <tr><td><code>{_e(name)}</code></td><td>{_e(_display(name, fv.value, reveal))}</td>"
            f"<td{low}>{fv.confidence:.0%}</td><td>{_e(fv.page if fv.page is not None else '')}</td></tr>")


def _display(name: str | None, value: object, reveal: bool) -> str:
    """A value as text, identifiers masked; ``applicant.id_number`` counts as ``id_number``."""
    if isinstance(value, float):
        value = f"{value:,.2f}"
    masked = not reveal and name is not None and name.rsplit(".", 1)[-1] in MASKED_FIELDS
    if isinstance(value, (list, tuple)):
        return " / ".join(mask(str(v)) if masked else str(v) for v in value)
    if value is None:
        return ""
    return mask(str(value)) if masked else str(value)


def heatmap_thumbnail(png_base64: object) -> bytes | None:
    """A stored grey heat-map (base64 PNG, brighter = more suspect) as a coloured PNG thumbnail.

    The map comes from the report's JSON, which may have been stored and edited since: it is decoded
    and re-encoded here, so only a small, valid image ever reaches the page. None if it is not one.
    """
    if not isinstance(png_base64, str) or not png_base64:
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(png_base64, validate=True))) as image:
            if max(image.size) > MAX_HEATMAP_SIDE_PX:
                return None
            grey = image.convert("L")
    except (ValueError, OSError, Image.DecompressionBombError):
        return None
    scale = HEATMAP_DISPLAY_PX / max(grey.size)
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    coloured = ImageOps.colorize(grey.resize(size, Image.Resampling.NEAREST), black=HEAT_COLOURS[0], white=HEAT_COLOURS[1])
    out = io.BytesIO()
    ImageOps.expand(coloured, border=1, fill="#8a94a3").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _heatmap_figures(heatmaps: object) -> str:
    """One thumbnail per page heat-map of an image finding (``params["heatmaps"]``), beside its crops."""
    if not isinstance(heatmaps, list):
        return ""
    parts = []
    for item in heatmaps:
        png = heatmap_thumbnail(item.get("png_base64")) if isinstance(item, dict) else None
        if png is None:
            continue
        page = item.get("page")
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"""<figure class="heatmap">
    <img src="data:image/png;base64,{data}" alt="{_e(f"heat-map of page {page}")}">
    <figcaption>Page {_e(page)}, whole page: red marks the regions that repeat each other.</figcaption>
  </figure>""")
    return "\n".join(parts)


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------------------------------
# The page.

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
</body>
</html>
"""

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232b;
       max-width: 1100px; margin: 0 auto; padding: 0 16px 40px; background: #f4f5f7; }
h2 { margin: 32px 0 12px; font-size: 20px; border-bottom: 2px solid #d5d9df; padding-bottom: 4px; }
h3 { margin: 0 0 6px; font-size: 16px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.banner { margin: 16px 0; padding: 18px 24px; border-radius: 8px; color: #fff; }
.banner.clear { background: #1e7b3a; } .banner.review { background: #b7791f; } .banner.decline { background: #b42318; }
.banner h1 { margin: 0; font-size: 34px; letter-spacing: 0.04em; }
.banner .app, .banner .why { margin: 2px 0; opacity: 0.95; }
.figures { display: flex; flex-wrap: wrap; gap: 28px; margin: 14px 0 0; }
.figures dt { font-size: 12px; text-transform: uppercase; opacity: 0.85; }
.figures dd { margin: 0; font-size: 26px; font-weight: 600; }
.figures small { display: block; font-size: 12px; font-weight: normal; opacity: 0.9; }
article { background: #fff; border: 1px solid #d5d9df; border-radius: 6px; padding: 14px 18px; margin: 0 0 14px; }
.finding { border-left: 6px solid #8a94a3; }
.finding.critical, .finding.high { border-left-color: #b42318; }
.finding.medium { border-left-color: #b7791f; } .finding.low, .finding.info { border-left-color: #4b6a9b; }
.severity { display: inline-block; font-size: 11px; text-transform: uppercase; padding: 1px 7px;
            border-radius: 10px; background: #e6e8ec; vertical-align: 2px; }
.finding.critical .severity, .finding.high .severity { background: #fde4e1; color: #8c1d13; }
.finding.medium .severity { background: #fdf0d5; color: #7a4f0c; }
.message { font-size: 16px; margin: 4px 0; }
.meaning, .lead, .summary, .note { color: #5b6573; }
.meaning { margin: 0 0 8px; font-size: 13px; }
.evidence { margin: 6px 0 10px; padding-left: 24px; }
.evidence .value { font-weight: 600; }
.figure-row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.heatmap { margin: 8px 0; max-width: 220px; }
.heatmap img { display: block; image-rendering: pixelated; }
.heatmap figcaption { font-size: 13px; color: #5b6573; margin-top: 4px; }
.crop { margin: 8px 0; }
.crop img { display: block; max-width: 100%; border: 1px solid #c3c8cf; }
.crop figcaption, .nocrop { font-size: 13px; color: #5b6573; margin-top: 4px; }
.nocrop { font-style: italic; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #e3e6ea; }
th { background: #eef0f3; font-weight: 600; }
details.checks-passed summary { cursor: pointer; color: #1e7b3a; }
details.checks-passed summary h3 { display: inline; }
.checks-failed { color: #b42318; } .checks-not_run { color: #7a4f0c; } .checks-passed { color: #1e7b3a; }
td.low { color: #b42318; font-weight: 600; }
.unreadable, .error { color: #b42318; }
.empty { color: #5b6573; }
@media print { body { background: #fff; } article { break-inside: avoid; } }
"""
