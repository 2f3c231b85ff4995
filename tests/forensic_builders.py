"""Hand-built PDFs and images for the forensic tests: reportlab pages, incremental updates, scans."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.pdfgen.canvas import Canvas

from extractors.reading import read_document
from pipeline.intake import IntakeFile
from pipeline.models import ReadDocument

Draw = Callable[[Canvas], None]


def pdf(draw: Draw, *, producer: str = "ReportLab PDF Library") -> bytes:
    """A one-page letter PDF drawn by ``draw`` (reportlab coordinates: origin bottom-left)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(612, 792), invariant=1)
    canvas.setProducer(producer)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pay_lines(amounts: list[str], *, font: str = "Helvetica", odd: dict[int, tuple[str, float]] | None = None) -> Draw:
    """A labelled column of right-aligned amounts; ``odd`` sets (font, size) for some rows."""
    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 740, "EARNINGS STATEMENT 2026")  # a bold heading with a number in it
        for row, amount in enumerate(amounts):
            y = 700 - row * 16
            c.setFont(font, 10)
            c.drawString(72, y, f"Line item {row + 1}")
            face, size = (odd or {}).get(row, (font, 10.0))
            c.setFont(face, size)
            c.drawRightString(400, y, amount)
        c.setFont(f"{font}-Bold", 10)  # the table's own bold (Helvetica-Bold, Courier-Bold)
        c.drawString(72, 700 - len(amounts) * 16, "Total")
        c.drawRightString(400, 700 - len(amounts) * 16, "9,999.99")  # a bold total in the same column
    return draw


def incremental(original: bytes, *, content: bytes | None = None, producer: str | None = None,
                mod_date: str | None = None) -> bytes:
    """``original`` with an incremental update: new page content from ``content``'s PDF and/or metadata."""
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    if content is not None:
        page, new_page = writer.pages[0], PdfReader(io.BytesIO(content)).pages[0]
        page[NameObject("/Contents")] = new_page.raw_get("/Contents").clone(writer)
        page[NameObject("/Resources")] = new_page.raw_get("/Resources").clone(writer)
    meta = {k: v for k, v in (("/Producer", producer), ("/ModDate", mod_date)) if v}
    if meta:
        writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def resaved(original: bytes, producer: str, mod_date: str | None = None) -> bytes:
    """``original`` rewritten whole by qpdf (pikepdf) under another producer: no content change."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(original)) as doc:
        with doc.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False):
            pass
        doc.docinfo["/Producer"] = producer
        if mod_date:
            doc.docinfo["/ModDate"] = mod_date
        doc.save(out)
    return out.getvalue()


def intake(data: bytes, name: str = "doc.pdf", media_type: str = "application/pdf") -> IntakeFile:
    return IntakeFile(name=name, sha256="0" * 64, size_bytes=len(data), media_type=media_type, data=data)


def read(data: bytes) -> ReadDocument:
    return read_document(intake(data))
