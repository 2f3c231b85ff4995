"""Storage over SQLite and PostgreSQL: save, reload, replace without duplicates, atomicity."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.models import (
    Application,
    DocKind,
    Evidence,
    ExtractedDocument,
    FieldValue,
    Finding,
    Report,
    Severity,
)
from pipeline.store import Store


def _report(application_id: str = "A-1", net_pay: float = 2310.55, findings: int = 1) -> Report:
    doc = ExtractedDocument(
        file="paystub.pdf", sha256="a" * 64, kind=DocKind.PAY_STUB, pages=1,
        fields={"net_pay": FieldValue(value=net_pay, confidence=0.98, page=1, bbox=(1, 2, 3, 4))},
    )
    found = [
        Finding(code="PAYSTUB_ARITHMETIC", severity=Severity.HIGH, message=f"m{i}",
                evidence=(Evidence(file="paystub.pdf", page=1, field="net_pay", value=net_pay),))
        for i in range(findings)
    ]
    return Report(
        application_id=application_id, decision="review", risk_score=50, documents=[doc], findings=found,
        application=Application(application_id=application_id, lender_id="L-01", submitted_at=date(2026, 3, 2)),
        bundle_sha256="b" * 64,
    )


def test_save_and_load_round_trip(db_url: str) -> None:
    store = Store(db_url)
    store.save_report(_report())
    loaded = store.load_report("A-1", "L-01")
    assert loaded is not None
    assert loaded.documents[0].fields["net_pay"].value == 2310.55
    assert loaded.findings[0].evidence[0].field == "net_pay"


def test_verifying_twice_stores_once(db_url: str) -> None:
    store = Store(db_url)
    store.save_report(_report(findings=2))
    store.save_report(_report(findings=2))
    assert store.counts() == {"applications": 1, "documents": 1, "findings": 2}


def test_resave_replaces_content(db_url: str) -> None:
    store = Store(db_url)
    store.save_report(_report(net_pay=100.0, findings=3))
    store.save_report(_report(net_pay=200.0, findings=1))
    assert store.counts() == {"applications": 1, "documents": 1, "findings": 1}
    loaded = store.load_report("A-1", "L-01")
    assert loaded is not None and loaded.documents[0].fields["net_pay"].value == 200.0


def test_same_application_id_at_two_lenders_is_two_applications(db_url: str) -> None:
    store = Store(db_url)
    first = _report()
    second = _report()
    assert second.application is not None
    second.application = second.application.model_copy(update={"lender_id": "L-02"})
    store.save_report(first)
    store.save_report(second)
    assert store.counts()["applications"] == 2


def test_failed_save_leaves_previous_version(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(db_url)
    store.save_report(_report(net_pay=100.0, findings=2))
    broken = _report(net_pay=999.0, findings=2)
    # Two documents with the same file name violate the unique constraint mid-transaction.
    broken.documents.append(broken.documents[0])
    with pytest.raises(Exception):
        store.save_report(broken)
    loaded = store.load_report("A-1", "L-01")
    assert loaded is not None and loaded.documents[0].fields["net_pay"].value == 100.0
    assert store.counts() == {"applications": 1, "documents": 1, "findings": 2}
