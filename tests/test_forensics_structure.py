"""Structure, metadata and fingerprint signals: what each catches, and its harmless look-alike."""

from __future__ import annotations

import pytest
from forensic_builders import incremental, pay_lines, pdf, read, resaved

from extractors.forensics.fingerprints import fingerprint_signals, identify, load_fingerprints
from extractors.forensics.structure import date_signals, diff_revisions, parse_pdf_date, revision_signals
from pipeline.config import ForensicSettings

CFG = ForensicSettings()
STRENGTHS = {"editor": CFG.editor_strength, "fake_generator": CFG.fake_generator_strength}
ORIGINAL = pdf(pay_lines(["1,200.00", "340.50", "2,310.55"]))
EDITED = pdf(pay_lines(["1,200.00", "340.50", "2,910.55"]))


def names(signals: list) -> list[str]:
    return [s.name for s in signals]


def test_update_that_redraws_the_page_is_caught() -> None:
    data = incremental(ORIGINAL, content=EDITED, producer="Foxit PDF Editor 12.1")
    diff = diff_revisions(data)
    assert diff.revisions == 2 and diff.content_pages == (1,)
    assert names(revision_signals(diff, CFG))[:2] == ["incremental_update", "update_changes_content"]


def test_metadata_only_update_is_weak() -> None:
    diff = diff_revisions(incremental(ORIGINAL, producer="ReportLab PDF Library", mod_date="D:20260301120000Z"))
    assert diff.revisions == 2 and diff.content_pages == () and diff.fonts == 0
    assert names(revision_signals(diff, CFG)) == ["incremental_update"]


def test_single_revision_and_full_resave_have_no_structure_signal() -> None:
    assert revision_signals(diff_revisions(ORIGINAL), CFG) == []
    assert revision_signals(diff_revisions(resaved(ORIGINAL, "qpdf 11")), CFG) == []


@pytest.mark.parametrize(("producer", "kind"), [
    ("Foxit PDF Editor 12.1", "editor"), ("iLovePDF", "editor"), ("Sejda PDF Editor 7.6.4", "editor"),
    ("Adobe Acrobat Pro (64-bit) 23.8.20533", "editor"), ("PDF-XChange Editor 9.5", "editor"),
    ("www.paystubcreator.net", "fake_generator"), ("ReportLab PDF Library - www.reportlab.com", "generator"),
    ("Adobe PDF Library 17.0", "generator"), ("Microsoft® Word for Microsoft 365", "generator"),
    ("Adobe Acrobat Pro 10.1.4 Paper Capture Plug-in", "ocr"),
])
def test_fingerprints(producer: str, kind: str) -> None:
    tool = identify(producer)
    assert tool is not None and tool.kind == kind


def test_generator_and_unknown_producers_are_not_signals() -> None:
    assert fingerprint_signals({"Producer": "iText 7.2.5", "Creator": "Bank statement service 4.2"}, STRENGTHS) == []
    assert names(fingerprint_signals({"Producer": "Smallpdf.com"}, STRENGTHS)) == ["editor_producer"]


def test_data_file_entries_are_complete() -> None:
    entries = load_fingerprints()
    assert {e.kind for e in entries} == {"generator", "ocr", "editor", "fake_generator"}
    assert all(e.note for e in entries)


def test_modified_long_after_creation_is_a_weak_signal_and_same_day_is_none() -> None:
    late = {"CreationDate": "D:20260101093000+00'00'", "ModDate": "D:20260120143012+00'00'"}
    same = {"CreationDate": "D:20260101093000+00'00'", "ModDate": "D:20260101180000+00'00'"}
    [signal] = date_signals(late, CFG)
    assert signal.name == "modified_after_creation" and signal.strength < 0.3
    assert date_signals(same, CFG) == [] and date_signals({}, CFG) == []


def test_pdf_dates_parse_with_time_zones() -> None:
    assert parse_pdf_date("D:20260102030405-05'00'").utcoffset().total_seconds() == -5 * 3600  # type: ignore[union-attr]
    assert parse_pdf_date("garbage") is None


def test_reader_metadata_feeds_the_checks() -> None:
    data = incremental(ORIGINAL, content=EDITED, producer="Sejda PDF Editor 7.6.4", mod_date="D:20260301120000Z")
    assert read(data).metadata["Producer"] == "Sejda PDF Editor 7.6.4"
