"""Forensic rules: the examination's signals judged into findings, one per document and reason code.

``extractors.forensics`` measures (what changed, where, how strongly each sign alone points to an edit);
these rules decide. Signals of one document and one code are combined as independent evidence,
``1 - prod(1 - strength)``, and the combined score picks the severity band. Signs that do not touch
what the page shows (a producer naming an editor, a late ModDate, a bare incremental update) can never
make a finding more severe than ``forensic_weak_cap``: a borrower who compressed or re-saved a genuine
file has not forged it.
"""

from __future__ import annotations

import math
from typing import ClassVar

from pipeline.config import RuleSettings
from pipeline.models import Evidence, ExtractedDocument, Finding, ForensicSignal, Severity
from rules.engine import NotRun, Rule, RuleContext

WEAK_SIGNALS = frozenset({"incremental_update", "update_changes_annotations", "update_adds_ocr_layer", "modified_after_creation",
                          "editor_producer", "editor_creator", "fake_generator_producer", "fake_generator_creator"})
"""Signals about the file's history rather than its content."""
_SEVERITY_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)


def combined_score(signals: list[ForensicSignal]) -> float:
    """Independent signs combined: each one removes part of the doubt the others left."""
    return 1.0 - math.prod(1.0 - min(max(s.strength, 0.0), 1.0) for s in signals)


def severity_for(signals: list[ForensicSignal], settings: RuleSettings) -> Severity | None:
    """The band the combined score reaches, capped when every signal is a weak one; None below low."""
    score = combined_score(signals)
    if score >= settings.forensic_high_score:
        severity = Severity.HIGH
    elif score >= settings.forensic_medium_score:
        severity = Severity.MEDIUM
    elif score >= settings.forensic_low_score:
        severity = Severity.LOW
    else:
        return None
    if all(s.name in WEAK_SIGNALS for s in signals):
        cap = Severity(settings.forensic_weak_cap)
        severity = min(severity, cap, key=_SEVERITY_ORDER.index)
    return severity


def signal_evidence(doc: ExtractedDocument, signal: ForensicSignal) -> Evidence:
    value = doc.value(signal.field) if signal.field else None
    return Evidence(file=doc.file, page=signal.page, field=signal.field, value=value, bbox=signal.bbox,
                    note=f"{signal.name}: {signal.detail}")


def heatmaps(signals: list[ForensicSignal], unit: str) -> list[dict[str, object]]:
    """Heat-maps the report can lay over the page, one per page (signals of a page share it)."""
    seen: dict[int | None, dict[str, object]] = {}
    for s in signals:
        if s.heatmap and s.page not in seen:
            seen[s.page] = {"page": s.page, "png_base64": s.heatmap, "bbox": s.heatmap_bbox, "unit": unit}
    return list(seen.values())


class _SignalRule:
    """What the four forensic rules share; a subclass names its families and the doubt it reports."""

    families: ClassVar[frozenset[str]]
    needs: ClassVar[str]
    """Why the rule could not run when no document has what it examines."""
    summary: ClassVar[str]
    max_severity: ClassVar[Severity] = Severity.HIGH

    def applies_to(self, doc: ExtractedDocument) -> bool:
        return doc.status == "ok"

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        docs = [d for d in ctx.documents if self.applies_to(d)]
        if not docs:
            return NotRun(self.needs)
        findings = []
        for doc in docs:
            signals = [s for s in doc.forensic_signals if s.family in self.families]
            severity = severity_for(signals, ctx.thresholds) if signals else None
            if severity is None:
                continue
            severity = min(severity, self.max_severity, key=_SEVERITY_ORDER.index)
            strongest = max(signals, key=lambda s: s.strength)
            findings.append(self.finding(  # type: ignore[attr-defined]
                f"{doc.file}: {self.summary} ({len(signals)} sign(s); strongest: {strongest.detail})",
                tuple(signal_evidence(doc, s) for s in signals), severity=severity,
                score=round(combined_score(signals), 3), signals=[s.name for s in signals],
                heatmaps=heatmaps(signals, doc.bbox_unit)))
        return findings


def _pdf(doc: ExtractedDocument) -> bool:
    # The reader records PDFVersion for every PDF it opens; images have no document-info metadata.
    return doc.status == "ok" and "PDFVersion" in doc.metadata


def _text_layer(doc: ExtractedDocument) -> bool:
    return doc.status == "ok" and doc.source in ("text", "mixed")


def _scanned(doc: ExtractedDocument) -> bool:
    return doc.status == "ok" and doc.source in ("ocr", "mixed")


class PdfEdited(_SignalRule, Rule):
    """The PDF was changed after its issuer produced it: an incremental update that redraws a page or
    swaps fonts, annotations painted over text, an editor or fake-document tool as producer, a
    modification date well after creation. Each sign has innocent causes alone (signing, compressing,
    re-saving); together, and above all when the page content itself was replaced, they mean the
    figures the underwriter reads may not be the issuer's."""

    id = "forensics_pdf_edited"
    code = "PDF_EDITED"
    severity = Severity.HIGH
    families = frozenset({"structure", "metadata", "fingerprint"})
    needs = "no readable PDF in bundle"
    summary = "PDF shows signs of editing after it was produced"

    def applies_to(self, doc: ExtractedDocument) -> bool:
        return _pdf(doc)


class PdfFontAnomaly(_SignalRule, Rule):
    """An amount or date is set in a font family, or at a size, unlike the numbers in its row and column,
    in a family the document hardly uses elsewhere: the mark of a value retyped by hand. Bold totals,
    headings and a table set in its own font are the issuer's design and are not compared."""

    id = "forensics_font_anomaly"
    code = "PDF_FONT_ANOMALY"
    severity = Severity.MEDIUM
    families = frozenset({"font"})
    needs = "no document with a text layer in bundle"
    summary = "a value is drawn in a font unlike its peers"
    max_severity = Severity.MEDIUM  # a font alone asks for a look, it does not prove an edit

    def applies_to(self, doc: ExtractedDocument) -> bool:
        return _text_layer(doc)


class TextLayerMismatch(_SignalRule, Rule):
    """What the page shows and what its text layer says differ: text hidden under a white box (often with
    a new value on top), invisible text over an image of other figures, two texts drawn at one place, or a
    field whose pixels OCR to another value. Software reads the text layer, a person reads the pixels: a
    forger uses the gap to show one figure and submit another."""

    id = "forensics_text_layer"
    code = "TEXT_LAYER_MISMATCH"
    severity = Severity.HIGH
    families = frozenset({"overlay", "text_layer"})
    needs = "no document with a text layer in bundle"
    summary = "the text layer says something the page does not show"

    def applies_to(self, doc: ExtractedDocument) -> bool:
        return _text_layer(doc)


class ImageTampered(_SignalRule, Rule):
    """A scan or photo contains a region repeated pixel for pixel elsewhere on the page (clone stamp):
    a printed figure copied over another. Honest prints of one string differ by rendering and scanner
    noise; a clone differs only by the noise added after it. The finding carries a heat-map of the
    page with the copied and the overwritten region."""

    id = "forensics_image"
    code = "IMAGE_TAMPERED"
    severity = Severity.HIGH
    families = frozenset({"image"})
    needs = "no scanned page or photo in bundle"
    summary = "a scanned page shows a cloned region"

    def applies_to(self, doc: ExtractedDocument) -> bool:
        return _scanned(doc)
