"""Builders for rule tests: documents and applications in a line each, so tests read like tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.config import RuleSettings
from pipeline.models import (
    Applicant,
    Application,
    Collateral,
    DocKind,
    ExtractedDocument,
    FieldValue,
    LineItem,
    Loan,
    Transaction,
)
from rules import engine
from rules.engine import RULES, NotRun, RuleContext

AS_OF = date(2026, 3, 2)
BOX = (10.0, 20.0, 110.0, 34.0)


def doc(kind: DocKind | str, file: str | None = None, *, confidence: dict[str, float] | None = None,
        transactions: list[Transaction] | None = None, deductions: list[LineItem] | None = None,
        sha: str | None = None, **fields: Any) -> ExtractedDocument:
    """A document of ``kind`` whose fields (None values dropped) sit on page 1 at ``BOX``."""
    kind = DocKind(kind)
    conf = confidence or {}
    return ExtractedDocument(
        file=file or f"{kind.value}.pdf", sha256=sha or (file or kind.value).ljust(64, "0")[:64], kind=kind,
        fields={k: FieldValue(value=v, page=1, bbox=BOX, confidence=conf.get(k, 1.0)) for k, v in fields.items()
                if v is not None},
        transactions=tuple(transactions or ()), deductions=tuple(deductions or ()))


def passport(file: str = "passport.jpg", **fields: Any) -> ExtractedDocument:
    base = {"surname": "SMITH", "given_names": "ROBERT JAMES", "date_of_birth": "1985-04-12",
            "document_number": "C01X00T47", "expiry_date": "2030-01-01"}
    return doc(DocKind.PASSPORT, file, **{**base, **fields})


def stub(file: str = "paystub.pdf", **fields: Any) -> ExtractedDocument:
    deductions = fields.pop("deductions", None)
    base = {"employer_name": "Hartley Foods, Inc.", "employee_name": "ROBERT J SMITH", "pay_date": "2026-02-27",
            "pay_period_start": "2026-02-08", "pay_period_end": "2026-02-21", "pay_frequency": "biweekly",
            "gross_pay": 3000.0, "total_deductions": 700.0, "net_pay": 2300.0, "ytd_gross": 15000.0,
            "ytd_net": 11500.0}
    return doc(DocKind.PAY_STUB, file, deductions=deductions, **{**base, **fields})


def item(name: str, amount: float) -> LineItem:
    return LineItem(name=name, amount=amount, page=1, bbox=BOX)


def tx(day: str, description: str, amount: float, balance: float | None = None) -> Transaction:
    return Transaction(date=date.fromisoformat(day), description=description, amount=amount, balance=balance,
                       page=1, bbox=BOX)


def scanned(document: ExtractedDocument) -> ExtractedDocument:
    """The same document as read from a photo: every field and the document from OCR."""
    fields = {k: v.model_copy(update={"source": "ocr"}) for k, v in document.fields.items()}
    return document.model_copy(update={"source": "ocr", "fields": fields})


MISREAD_ZONE = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898962C36UTO7408122F1204159ZE184226B<<<<<10"]
"""The ICAO specimen's zone with its document number's 0 read as 6 (L898902C3 → L898962C3)."""


def statement(file: str = "statement.pdf", transactions: list[Transaction] | None = None,
              **fields: Any) -> ExtractedDocument:
    base = {"bank_name": "First River Bank", "account_holder": "Robert Smith", "account_number": "XXXX4821",
            "statement_period_start": "2026-02-01", "statement_period_end": "2026-02-28"}
    return doc(DocKind.BANK_STATEMENT, file, transactions=transactions, **{**base, **fields})


def application(product: str | None = "auto", *, loan: dict[str, Any] | None = None, **applicant: Any) -> Application:
    collateral = (loan or {}).pop("collateral", None)
    return Application(application_id="A-1", submitted_at=AS_OF, product=product, applicant=Applicant(**applicant),
                       loan=Loan(**(loan or {}), collateral=Collateral(**collateral) if collateral else None))


def run(rule_id: str, *docs: ExtractedDocument, app: Application | None = None, as_of: date = AS_OF,
        settings: RuleSettings | None = None) -> Any:
    """Evaluate one registered rule on a hand-built bundle: its findings, or its NotRun."""
    engine.load_rules()
    ctx = RuleContext(documents=docs, application=app, settings=settings or RuleSettings(), as_of=as_of)
    return RULES[rule_id].evaluate(ctx)


def codes(outcome: Any) -> list[str] | str:
    """``"not_run"`` or the finding codes, for one-line asserts."""
    return "not_run" if isinstance(outcome, NotRun) else [f.code for f in outcome]
