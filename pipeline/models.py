"""Typed objects passed between pipeline stages.

Every stage takes and returns these models; they are JSON round-trippable (pydantic) so that the same
objects travel through Celery as plain JSON. Names follow ../shared/DESIGN.md exactly: the report a
user sees is ``Report.model_dump(mode="json")``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[float, float, float, float]
"""(x0, y0, x1, y1), origin at the top-left of the page, in the page's ``bbox_unit``."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocKind(StrEnum):
    PASSPORT = "passport"
    ID_CARD = "id_card"
    DRIVERS_LICENSE = "drivers_license"
    PAY_STUB = "pay_stub"
    BANK_STATEMENT = "bank_statement"
    UNKNOWN = "unknown"


IDENTITY_KINDS = frozenset({DocKind.PASSPORT, DocKind.ID_CARD, DocKind.DRIVERS_LICENSE})


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# --------------------------------------------------------------------------------------------------
# Reading: what a page says and where.


class Word(Frozen):
    """One word as read from a text layer or by OCR."""

    text: str
    bbox: BBox
    confidence: float = 1.0
    """0..1: 1.0 for a text layer, Tesseract's word confidence / 100 for OCR."""
    font: str | None = None
    """Font name for text-layer words (None for OCR)."""
    size: float | None = None
    """Font size in points for text-layer words (None for OCR)."""
    line_id: int | None = None
    """Reader's own line grouping (Tesseract block/par/line) where it has one."""


class Barcode(Frozen):
    """A barcode decoded from a page image (e.g. a driver's licence PDF417 with its AAMVA payload)."""

    format: str
    text: str
    bbox: BBox | None = None


class PageText(Frozen):
    """The words of one page with the page geometry they are measured in."""

    number: int
    """1-based page number in the file."""
    width: float
    height: float
    unit: Literal["pt", "px300"]
    source: Literal["text", "ocr"]
    words: tuple[Word, ...] = ()
    barcodes: tuple[Barcode, ...] = ()
    rotation_applied: int = 0
    """Degrees the page image was rotated before OCR (orientation correction)."""
    skew_corrected: float = 0.0
    """Degrees of deskew applied before OCR."""
    mean_confidence: float = 1.0


class PageFrame(Frozen):
    """How a page's boxes relate to the file's page: what a renderer must redo to draw them in place.

    OCR boxes are measured on the page image after the reader turned it upright and levelled it; a
    box drawn on the untouched page image would miss its words by up to a line on a skewed scan.
    """

    unit: Literal["pt", "px300"]
    rotation_applied: int = 0
    """Degrees the page image was turned clockwise before OCR (see ``PageText``)."""
    skew_corrected: float = 0.0
    """Degrees counter-clockwise the (turned) image was rotated to level its lines before OCR."""


class ForensicSignal(Frozen):
    """One sign that a file was altered after it was produced, with how strong it is.

    Signals are measured where the bytes are (reading / examination); the forensic rules decide which
    of them become findings and how severe.
    """

    family: Literal["structure", "metadata", "font", "overlay", "text_layer", "image", "fingerprint"]
    name: str
    """Stable signal id, e.g. ``incremental_update_touches_content``."""
    strength: float
    """0..1: how much this signal alone says about editing."""
    detail: str
    page: int | None = None
    bbox: BBox | None = None
    field: str | None = None
    heatmap: str | None = None
    """Image signals: a small grey PNG, base64, of the page (brighter = more suspect), to lay over
    the page image stretched to ``heatmap_bbox``."""
    heatmap_bbox: BBox | None = None
    """The page area the heat-map covers, in the document's ``bbox_unit`` (the whole page)."""


class ReadDocument(Frozen):
    """A file after the read stage: its pages as words, or the reason it could not be read."""

    file: str
    sha256: str
    media_type: str
    """Sniffed from content: application/pdf, image/png, image/jpeg, image/tiff, or what was seen."""
    size_bytes: int
    status: Literal["ok", "unreadable"] = "ok"
    error: str | None = None
    pages: tuple[PageText, ...] = ()
    page_count: int = 0
    metadata: dict[str, str] = Field(default_factory=dict)
    """PDF document-info metadata (producer, creator, dates) when the file is a PDF."""
    forensic_signals: tuple[ForensicSignal, ...] = ()

    @property
    def source(self) -> Literal["text", "ocr", "mixed"]:
        kinds = {p.source for p in self.pages}
        if kinds == {"text"}:
            return "text"
        if kinds == {"ocr"}:
            return "ocr"
        return "mixed" if kinds else "text"

    @property
    def bbox_unit(self) -> Literal["pt", "px300", "mixed"]:
        units = {p.unit for p in self.pages}
        if len(units) == 1:
            return next(iter(units))  # type: ignore[return-value]
        return "mixed" if units else "pt"


# --------------------------------------------------------------------------------------------------
# Extraction: typed fields with provenance.

FieldScalar = str | float | int | None


class FieldValue(Frozen):
    """One extracted field with where it came from.

    ``value`` is normalised (dates ISO ``YYYY-MM-DD``, money a float with two decimals, names as
    printed); ``raw`` is the text as read.
    """

    value: FieldScalar | list[str]
    confidence: float = 1.0
    page: int | None = None
    bbox: BBox | None = None
    raw: str | None = None
    source: Literal["text", "ocr", "mrz", "metadata", "derived"] = "text"


class Transaction(Frozen):
    date: date
    description: str
    amount: float
    """Signed: credit +, debit -."""
    balance: float | None = None
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0


class LineItem(Frozen):
    """A named amount in a list, e.g. a pay-stub deduction."""

    name: str
    amount: float | None
    """None when the line is printed with an amount OCR could not make out."""
    ytd: float | None = None
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0
    """How sure the reader was of the amount (1.0 from a text layer; 0.0 for an amount not read)."""


class Classification(Frozen):
    kind: DocKind
    confidence: float
    scores: dict[str, float] = Field(default_factory=dict)


class ExtractedDocument(Frozen):
    """A document after classification and extraction: what the report lists per file."""

    file: str
    sha256: str
    kind: DocKind
    kind_confidence: float = 0.0
    kind_scores: dict[str, float] = Field(default_factory=dict)
    """Classifier score per kind: why this kind (or none) was chosen."""
    pages: int = 0
    source: Literal["text", "ocr", "mixed"] = "text"
    bbox_unit: Literal["pt", "px300", "mixed"] = "pt"
    status: Literal["ok", "unreadable"] = "ok"
    error: str | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    transactions: tuple[Transaction, ...] = ()
    deductions: tuple[LineItem, ...] = ()
    metadata: dict[str, str] = Field(default_factory=dict)
    forensic_signals: tuple[ForensicSignal, ...] = ()
    image_signature: str | None = None
    """Perceptual glyph-hash signature of the printed values (graph/phash.py): 24-bit hashes and
    digit counts only, no values; links a re-rendered or re-scanned copy of this document."""
    page_sizes: tuple[tuple[float, float], ...] = ()
    """(width, height) per page, in ``bbox_unit``: lets a report crop evidence without re-reading."""
    page_frames: tuple[PageFrame, ...] = ()
    """Per page, the frame its boxes are measured in (unit, turn, deskew): with ``page_sizes`` this
    lets a report draw a box on the page image where the reader saw the words."""

    def value(self, name: str) -> Any:
        field = self.fields.get(name)
        return None if field is None else field.value


# --------------------------------------------------------------------------------------------------
# Application declared by the borrower (bundle's application.json).


class Collateral(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["vehicle", "property"] | None = None
    vin: str | None = None
    address: str | None = None
    value: float | None = None


class Loan(BaseModel):
    model_config = ConfigDict(extra="ignore")
    amount: float | None = None
    term_months: int | None = None
    monthly_payment: float | None = None
    existing_monthly_debt: float | None = None
    collateral: Collateral | None = None


class Applicant(BaseModel):
    model_config = ConfigDict(extra="ignore")
    full_name: str | None = None
    date_of_birth: date | None = None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    employer: str | None = None
    occupation_type: Literal["employee", "self_employed", "business_owner", "freelancer"] | None = None
    stated_monthly_income: float | None = None


class Application(BaseModel):
    model_config = ConfigDict(extra="ignore")
    application_id: str | None = None
    lender_id: str | None = None
    submitted_at: date | None = None
    product: Literal["auto", "mortgage", "personal"] | None = None
    applicant: Applicant = Field(default_factory=Applicant)
    loan: Loan = Field(default_factory=Loan)


# --------------------------------------------------------------------------------------------------
# Findings, checks and the report.


class Evidence(Frozen):
    file: str | None = None
    page: int | None = None
    field: str | None = None
    value: Any = None
    bbox: BBox | None = None
    note: str | None = None


class Finding(Frozen):
    code: str
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = ()
    rule: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class CheckResult(Frozen):
    rule: str
    code: str
    status: Literal["passed", "failed", "not_run"]
    reason: str | None = None


class Report(BaseModel):
    application_id: str
    decision: Literal["clear", "review", "decline"]
    risk_score: int
    documents: list[ExtractedDocument]
    findings: list[Finding]
    checks: list[CheckResult] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    application: Application | None = None
    bundle_sha256: str | None = None
