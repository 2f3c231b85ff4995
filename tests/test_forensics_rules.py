"""Forensic rules: signals combined into one finding per document and code, severity by strength."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.config import RuleSettings
from pipeline.models import DocKind, ExtractedDocument, ForensicSignal, Severity
from rules.engine import RULES, NotRun, RuleContext, load_rules
from rules.forensics import severity_for


def sig(name: str, strength: float, family: str = "structure", **kw: object) -> ForensicSignal:
    return ForensicSignal(family=family, name=name, strength=strength, detail=name, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("description", "signals", "expected"), [
    ("re-saved by an editor, nothing else", [sig("editor_producer", 0.35, "fingerprint")], Severity.LOW),
    ("editor + late ModDate + bare update", [sig("editor_producer", 0.35, "fingerprint"),
                                            sig("modified_after_creation", 0.15, "metadata"),
                                            sig("incremental_update", 0.2)], Severity.MEDIUM),
    ("every weak sign there is: capped", [sig("fake_generator_producer", 0.5, "fingerprint"),
                                         sig("editor_creator", 0.35, "fingerprint"),
                                         sig("modified_after_creation", 0.15, "metadata"),
                                         sig("incremental_update", 0.2)], Severity.MEDIUM),
    ("update redraws the page + editor", [sig("incremental_update", 0.2), sig("update_changes_content", 0.75),
                                         sig("editor_producer", 0.35, "fingerprint")], Severity.HIGH),
    ("a late ModDate alone", [sig("modified_after_creation", 0.15, "metadata")], None),
])
def test_severity_bands(description: str, signals: list[ForensicSignal], expected: Severity | None) -> None:
    assert severity_for(signals, RuleSettings()) == expected, description


def _doc(*signals: ForensicSignal, source: str = "text") -> ExtractedDocument:
    return ExtractedDocument(file="paystub.pdf", sha256="x", kind=DocKind.PAY_STUB, source=source,  # type: ignore[arg-type]
                             metadata={"PDFVersion": "1.4"}, forensic_signals=signals)


def _run(rule_id: str, *docs: ExtractedDocument) -> object:
    load_rules()
    return RULES[rule_id].evaluate(RuleContext(documents=docs, application=None, settings=RuleSettings(),
                                               as_of=date(2026, 3, 2)))


def test_one_finding_per_document_with_every_sign_as_evidence() -> None:
    doc = _doc(sig("incremental_update", 0.2), sig("update_changes_content", 0.75, page=1),
               sig("number_font_differs", 0.7, "font", page=1, bbox=(1, 2, 3, 4)))
    [finding] = _run("forensics_pdf_edited", doc)  # type: ignore[misc]
    assert finding.code == "PDF_EDITED" and finding.severity == Severity.HIGH
    assert [e.note.split(":")[0] for e in finding.evidence] == ["incremental_update", "update_changes_content"]
    [font] = _run("forensics_font_anomaly", doc)  # type: ignore[misc]
    assert font.severity == Severity.MEDIUM and font.evidence[0].bbox == (1, 2, 3, 4)


def test_image_finding_carries_the_heatmap() -> None:
    doc = _doc(sig("cloned_region", 0.8, "image", page=1, bbox=(5, 5, 9, 9), heatmap="iVBOR", heatmap_bbox=(0, 0, 10, 10)),
               source="ocr")
    [finding] = _run("forensics_image", doc)  # type: ignore[misc]
    assert finding.params["heatmaps"] == [{"page": 1, "png_base64": "iVBOR", "bbox": (0, 0, 10, 10), "unit": "pt"}]


def test_rules_say_why_they_did_not_run() -> None:
    assert isinstance(_run("forensics_image", _doc()), NotRun)
    assert _run("forensics_text_layer", _doc()) == []
