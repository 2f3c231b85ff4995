"""Perceptual value hashes: a page re-rendered links, a colleague's page of one template does not; the
check wants M of an earlier document's K bands, and single bands never reach the sweep."""

from __future__ import annotations

import hashlib
import io
import math
import random
from datetime import date

import cv2
import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from extractors.reading import read_document
from graph.check import Context, Match, Profile, Subject, duplicate_document, image_bands_link, link_application
from graph.identifiers import Identifier, Kind
from graph.phash import (
    TEXT_PAGE_DPI,
    GlyphHash,
    matched_bands,
    page_frames,
    page_hashes,
    parse_signature,
    signature,
)
from graph.sweep import sweep
from pipeline.config import GraphSettings
from pipeline.intake import IntakeFile
from pipeline.models import Applicant, Application, DocKind, ExtractedDocument, ReadDocument, Report
from pipeline.store import Store

SETTINGS = GraphSettings()
LABELS = ("Regular Pay", "Overtime", "Federal Tax", "Social Security", "Medicare", "State Tax", "Medical",
          "Dental", "401(k)", "Gross Pay", "Net Pay", "YTD Gross", "YTD Net", "Check No")


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSENTRY_SECRET", "test-secret")


def stub_pdf(seed: int) -> bytes:
    """One template (labels, layout, font) with one applicant's amounts: ``seed`` picks the amounts."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(612, 792), invariant=1)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(72, 740, "ACME FOODS INC  Earnings Statement")
    canvas.setFont("Helvetica", 10)
    for row, label in enumerate(LABELS):
        y = 700 - row * 22
        canvas.drawString(72, y, label)
        canvas.drawRightString(330, y, f"{rng.uniform(20, 4000):,.2f}")
        canvas.drawRightString(450, y, f"{rng.uniform(2000, 60000):,.2f}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def read(data: bytes) -> ReadDocument:
    return read_document(IntakeFile("stub.pdf", hashlib.sha256(data).hexdigest(), len(data), "application/pdf", data))


def hashes_of(data: bytes) -> list[GlyphHash]:
    """As the document stage would: the text page rendered at TEXT_PAGE_DPI, its words' boxes in points."""
    doc = read(data)
    (grey, scale), = page_frames(data, doc, 120_000_000)
    assert scale == pytest.approx(TEXT_PAGE_DPI / 72)
    return page_hashes(grey, doc.pages[0].words, scale, SETTINGS.image_min_digits, dates=False)


def recaptured(data: bytes, dpi: int, quality: int) -> list[GlyphHash]:
    """The same page rasterised at another dpi and JPEG-compressed, hashed on the same word boxes."""
    page = pdfium.PdfDocument(data)[0]
    bitmap = page.render(scale=dpi / 72, grayscale=True).to_numpy()
    grey = np.ascontiguousarray(bitmap[..., 0] if bitmap.ndim == 3 else bitmap)
    ok, jpeg = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    return page_hashes(decoded, read(data).pages[0].words, dpi / 72, SETTINGS.image_min_digits, dates=False)


def links(stored: list[GlyphHash], checked: list[GlyphHash]) -> bool:
    kept = parse_signature(signature(stored, SETTINGS.image_max_bands))
    probing = parse_signature(signature(checked, SETTINGS.image_max_bands))
    return image_bands_link(matched_bands(kept, probing, SETTINGS.image_probe_bits), len(kept), SETTINGS)


@pytest.mark.parametrize(("dpi", "quality"), [(300, 95), (200, 70), (110, 80)])
def test_the_same_page_recaptured_links(dpi: int, quality: int) -> None:
    original = stub_pdf(1)
    assert links(hashes_of(original), recaptured(original, dpi, quality))
    assert links(recaptured(original, dpi, quality), hashes_of(original))


@pytest.mark.parametrize("other", [2, 3, 4])
def test_a_colleagues_page_of_the_same_template_does_not_link(other: int) -> None:
    mine, theirs = hashes_of(stub_pdf(1)), hashes_of(stub_pdf(other))
    assert not links(mine, theirs)
    assert not links(theirs, mine)
    assert not links(mine, recaptured(stub_pdf(other), 200, 70))


def test_labels_are_not_hashed() -> None:
    # The 28 amounts, and "401(k)": a label with three digits is hashed like a value (and shared by
    # every stub of the template, which is why M is a share of K, not a count).
    assert len(hashes_of(stub_pdf(1))) == 2 * len(LABELS) + 1


@pytest.mark.parametrize(("text", "expected"), [
    (None, []),
    ("", []),
    ("g0;3:1a", []),
    ("g2;3:zz:00", []),
    ("g2;3:00ff00:0102030405", [GlyphHash(3, 0xFF00, (1, 2, 3, 4, 5))]),
])
def test_parse_signature(text: str | None, expected: list[GlyphHash]) -> None:
    assert parse_signature(text) == expected


def test_signature_round_trip_keeps_distinct_bands() -> None:
    items = [GlyphHash(4, 0x0F0F0F, (0, 4, 8, 12, 16, 20)), GlyphHash(4, 0x0F0F0F, (1,)), GlyphHash(6, 0xF0F0F0, (3,))]
    assert parse_signature(signature(items, 64)) in ([items[0], items[2]], [items[2], items[0]])


def test_probes_swap_a_set_and_a_clear_bit() -> None:
    h = GlyphHash(3, 0b0101, (0, 1, 2, 3))
    assert sorted(parse_signature(f"g2;{p}:")[0].bits for p in h.probes(4)) == sorted(
        [0b0110, 0b0011, 0b1100, 0b1001])


# --------------------------------------------------------------------------------------------------
# M of K in the check.

ME = Profile(frozenset({11}), {}, identity=1)
THEM = Profile(frozenset({22}), {}, identity=2)


def context(matched_per_document: dict[str, int], other: Profile = THEM) -> Context:
    """My stub's bands, and how many of them hit each earlier document (``detail`` -> count)."""
    mine = {1000 + i: Identifier(Kind.DOC_IMAGE, f"pay_stub|3:{i:06x}", detail="mine/40", file="stub.pdf")
            for i in range(40)}
    matches = [Match(7, "A-7", "L-02", date(2026, 3, 1), Kind.DOC_IMAGE, 1000 + i, "pay_stub", 2, None, detail)
               for detail, count in matched_per_document.items() for i in range(count)]
    subject = Subject(ME, "L-01", date(2026, 3, 2), mine)
    return Context(subject, tuple(matches), {7: other}, SETTINGS)


K = 20
M = max(SETTINGS.image_min_bands, math.ceil(SETTINGS.image_min_band_share * K))


@pytest.mark.parametrize(("description", "matched", "other", "expected"), [
    ("M of K bands of one earlier document", {f"aaaa/{K}": M}, THEM, 1),
    ("M - 1 bands: no finding", {f"aaaa/{K}": M - 1}, THEM, 0),
    ("M - 1 bands of each of two earlier documents never add up", {f"aaaa/{K}": M - 1, f"bbbb/{K}": M - 1},
     THEM, 0),
    ("a small document still needs the floor", {"aaaa/3": 3}, THEM, 0),
    ("the same person's own document is not a duplicate", {f"aaaa/{K}": K}, ME, 0),
    ("a malformed detail links nothing", {"aaaa": K}, THEM, 0),
])
def test_m_of_k(description: str, matched: dict[str, int], other: Profile, expected: int) -> None:
    found = duplicate_document(context(matched, other))
    assert len(found) == expected, description
    if found:
        assert found[0].params["matched"] == ["same printed values, pixel for pixel"]


# --------------------------------------------------------------------------------------------------
# Through the store: probes are looked up, never stored; the sweep never sees a band.


def application(app_id: str, name: str, dob: str, lender: str) -> Report:
    doc = ExtractedDocument(file="stub.pdf", sha256=hashlib.sha256(app_id.encode()).hexdigest(), kind=DocKind.PAY_STUB)
    app = Application(application_id=app_id, lender_id=lender, submitted_at=date(2026, 3, 2),
                      applicant=Applicant(full_name=name, date_of_birth=date.fromisoformat(dob)))
    return Report(application_id=app_id, decision="clear", risk_score=0, documents=[doc], findings=[],
                  application=app)


def save(store: Store, app_id: str, name: str, dob: str, lender: str, bands: list[GlyphHash]) -> list[str]:
    report = application(app_id, name, dob, lender)
    result = link_application(report, store, SETTINGS, {"stub.pdf": signature(bands, 64) or ""})
    store.save_report(report, result.links)
    return [f.code for f in result.findings]


def bands(start: int, count: int) -> list[GlyphHash]:
    return [GlyphHash(4, (0xA5A5A5 ^ (i * 0x010203)) & 0xFFFFFF, (0, 1, 2, 3, 4, 5)) for i in range(start, start + count)]


def test_store_links_m_of_k_and_stores_no_probe(db_url: str) -> None:
    store = Store(db_url)
    assert save(store, "A1", "Ann Lee", "1980-01-01", "L-01", bands(0, 20)) == []
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT COUNT(*) FROM identifier_links WHERE kind = 'doc_image'").scalar()
    assert rows == 20
    need = max(SETTINGS.image_min_bands, math.ceil(SETTINGS.image_min_band_share * 20))
    assert save(store, "B1", "Bo Chan", "1990-02-02", "L-02", bands(0, need - 1) + bands(500, 10)) == []
    assert save(store, "C1", "Cy Diaz", "1970-03-03", "L-03", bands(0, need) + bands(900, 10)) == ["DUPLICATE_DOCUMENT"]
    result = sweep(store, SETTINGS)
    assert result.clusters == []
    assert result.shared_links == 0
