"""The pipeline's stages as plain functions over typed objects.

intake -> per document: read, classify + extract -> per bundle: rules, score -> graph link, store.
Each function takes and returns JSON-round-trippable models, so the same functions run in-process or
as Celery tasks: :func:`document_stage` once per file (in parallel), :func:`assess_stage` once per
bundle when all its documents are done, then :func:`finish_stage`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from extractors.base import EXTRACTORS
from extractors.classify import classify
from extractors.forensics import examine
from extractors.layout import document_lines
from extractors.reading import read_document
from graph.check import link_application
from graph.phash import document_signature
from pipeline.config import Settings
from pipeline.intake import Bundle, IntakeFile
from pipeline.models import Application, DocKind, ExtractedDocument, PageFrame, ReadDocument, Report
from pipeline.scoring import decide
from pipeline.store import Store
from rules.engine import RuleContext, run_rules

log = logging.getLogger(__name__)


def read_stage(file: IntakeFile, settings: Settings) -> ReadDocument:
    """Read one file into words with boxes (text layer or OCR); never raises for a bad file."""
    return read_document(file, settings)


def extract_stage(read: ReadDocument) -> ExtractedDocument:
    """Classify a read document and extract its kind's fields."""
    base = {
        "file": read.file,
        "sha256": read.sha256,
        "pages": read.page_count,
        "source": read.source,
        "bbox_unit": read.bbox_unit,
        "metadata": read.metadata,
        "page_sizes": tuple((p.width, p.height) for p in read.pages),
        "page_frames": tuple(PageFrame(unit=p.unit, rotation_applied=p.rotation_applied,
                                       skew_corrected=p.skew_corrected) for p in read.pages),
    }
    if read.status != "ok":
        return ExtractedDocument(kind=DocKind.UNKNOWN, status="unreadable", error=read.error, **base)
    lines = document_lines(read.pages)
    classification = classify(lines, text_pages=frozenset(p.number for p in read.pages if p.source == "text"),
                              barcodes=[b for p in read.pages for b in p.barcodes])
    doc = ExtractedDocument(
        kind=classification.kind,
        kind_confidence=classification.confidence,
        kind_scores=classification.scores,
        **base,
    )
    extractor = EXTRACTORS.get(classification.kind)
    if extractor is None:
        return doc
    try:
        extraction = extractor.extract(read, lines)
    except Exception as exc:  # an extractor crash is our bug; keep the document, say why it is empty
        log.exception("extractor %s failed on a document", type(extractor).__name__)
        return doc.model_copy(update={"error": f"extraction failed: {type(exc).__name__}"})
    return doc.model_copy(
        update={
            "fields": extraction.fields,
            "transactions": tuple(extraction.transactions),
            "deductions": tuple(extraction.deductions),
        }
    )


@dataclass(frozen=True)
class DocumentResult:
    """One file after the per-document stages, with what each stage cost."""

    document: ExtractedDocument
    read_ms: float
    extract_ms: float
    forensics_ms: float = 0.0


def document_stage(file: IntakeFile, settings: Settings) -> DocumentResult:
    """Read, classify, extract and examine one file: the unit of parallel work.

    The forensic examination runs here, after extraction, because it needs the file's bytes (which
    do not travel further) and the extracted fields' boxes (to OCR just the values that matter).
    """
    started = time.perf_counter()
    read = read_stage(file, settings)
    read_ms = _ms(started)
    mark = time.perf_counter()
    document = extract_stage(read)
    extract_ms = _ms(mark)
    mark = time.perf_counter()
    signals = (*read.forensic_signals, *examine(file, read, document, settings))
    if signals:
        document = document.model_copy(update={"forensic_signals": signals})
    signature = _image_signature(file, read, document, settings)
    if signature:
        document = document.model_copy(update={"image_signature": signature})
    return DocumentResult(document=document, read_ms=read_ms, extract_ms=extract_ms, forensics_ms=_ms(mark))


def _image_signature(file: IntakeFile, read: ReadDocument, document: ExtractedDocument,
                     settings: Settings) -> str | None:
    """The document's perceptual signature for DUPLICATE_DOCUMENT; a failure costs only that link."""
    try:
        return document_signature(file.data, read, document, min_digits=settings.graph.image_min_digits,
                                  limit=settings.graph.image_max_bands,
                                  max_pixels=settings.intake.max_image_pixels,
                                  render_dpi=settings.reading.render_dpi)
    except Exception:  # a page the hasher cannot render must not cost the bundle its verification
        log.warning("perceptual signature failed for a document", exc_info=True)
        return None


def assess_stage(
    bundle_id: str,
    bundle_sha256: str | None,
    application: Application | None,
    documents: Sequence[ExtractedDocument],
    settings: Settings,
    timings_ms: dict[str, float],
) -> Report:
    """Run the rules over the bundle's documents, score them and build the report."""
    started = time.perf_counter()
    as_of = (application.submitted_at if application and application.submitted_at else None) or date.today()
    run = run_rules(RuleContext(documents=tuple(documents), application=application,
                                settings=settings.rules, as_of=as_of))
    timings_ms["rules"] = _ms(started)
    score, decision = decide(run.findings)
    return Report(
        application_id=bundle_id,
        decision=decision,
        risk_score=score,
        documents=list(documents),
        findings=run.findings,
        checks=run.checks,
        timings_ms=timings_ms,
        application=application,
        bundle_sha256=bundle_sha256,
    )


def bundle_documents(bundle: Bundle, results: Sequence[DocumentResult]) -> list[ExtractedDocument]:
    """The bundle's documents in file order, plus an unreadable entry for a malformed application.json."""
    documents = [r.document for r in results]
    if bundle.application_error:
        # A declared application we cannot parse is a file we could not read: say so, verify the rest.
        documents.append(ExtractedDocument(file="application.json", sha256="", kind=DocKind.UNKNOWN,
                                           status="unreadable", error=bundle.application_error))
    return documents


def stage_timings(results: Sequence[DocumentResult]) -> dict[str, float]:
    return {
        "read": round(sum(r.read_ms for r in results), 1),
        "extract": round(sum(r.extract_ms for r in results), 1),
        "forensics": round(sum(r.forensics_ms for r in results), 1),
    }


def finish_stage(report: Report, store: Store | None, settings: Settings) -> Report:
    """The bundle's last steps, shared by the in-process and Celery modes: link, re-score, store.

    The graph link step checks the application against every stored one (indexed look-ups) and adds
    its findings and checks; the report is then re-scored. Storing is one transaction that replaces
    any earlier version of the same application together with its identifier links.
    """
    started = time.perf_counter()
    signatures = {d.file: d.image_signature for d in report.documents if d.image_signature}
    linked = link_application(report, store, settings.graph, signatures)
    findings = [*report.findings, *linked.findings]
    score, decision = decide(findings)
    report = report.model_copy(update={"findings": findings, "checks": [*report.checks, *linked.checks],
                                       "risk_score": score, "decision": decision})
    report.timings_ms["graph"] = _ms(started)
    if store is not None:
        store.save_report(report, linked.links)
    return report


def verify_loaded_bundle(bundle: Bundle, settings: Settings, store: Store | None = None) -> Report:
    """Every stage after intake, in-process, for one bundle; stored when ``store`` is given."""
    started = time.perf_counter()
    results = [document_stage(f, settings) for f in bundle.files]
    report = assess_stage(bundle.bundle_id, bundle.bundle_sha256, bundle.application,
                          bundle_documents(bundle, results), settings, stage_timings(results))
    report = finish_stage(report, store, settings)
    report.timings_ms["total"] = _ms(started)
    return report


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000.0, 1)
