"""The incremental link check over SQLite and PostgreSQL: each finding, and the look-alike that must not fire."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pipeline.config import Settings
from pipeline.models import Applicant, Application, DocKind, ExtractedDocument, FieldValue, Report
from pipeline.stages import finish_stage
from pipeline.store import LinkRow, Store

GRAPH_CODES = {"MULTI_LENDER_STACKING", "SYNTHETIC_IDENTITY", "DUPLICATE_DOCUMENT", "SHARED_IDENTIFIER"}
DAY0 = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSENTRY_SECRET", "test-secret")


@dataclass(frozen=True)
class App:
    """A compact application: a person, a lender, a day offset and what else they give."""

    app_id: str
    name: str = "Robert Smith"
    dob: str = "1980-05-06"
    lender: str = "L-01"
    day: int = 0
    id_number: str | None = "D1234567"
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    employer: str | None = None
    docs: tuple[ExtractedDocument, ...] = field(default=())


def stub(sha: str = "f" * 64) -> ExtractedDocument:
    return ExtractedDocument(file="paystub.pdf", sha256=sha, kind=DocKind.PAY_STUB)


def licence(kind: DocKind, number: str) -> ExtractedDocument:
    return ExtractedDocument(file=f"{kind.value}.pdf", sha256=hashlib.sha256(number.encode()).hexdigest(), kind=kind,
                             fields={"document_number": FieldValue(value=number)})


def report_of(app: App) -> Report:
    application = Application(
        application_id=app.app_id, lender_id=app.lender, submitted_at=DAY0 + timedelta(days=app.day),
        applicant=Applicant(full_name=app.name, date_of_birth=date.fromisoformat(app.dob), id_number=app.id_number,
                            phone=app.phone, email=app.email, address=app.address, employer=app.employer))
    return Report(application_id=app.app_id, decision="clear", risk_score=0, documents=list(app.docs), findings=[],
                  application=application)


def submit(store: Store | None, app: App) -> Report:
    return finish_stage(report_of(app), store, Settings())


def graph_codes(report: Report) -> set[str]:
    return {f.code for f in report.findings} & GRAPH_CODES


PHONE = "(415) 555-2671"
STREET = "12 Maple Street, Springfield, IL 62701"
CASES = [
    ("stacking: same person at two other lenders within 30 days",
     [App("A1"), App("A2", lender="L-02", day=4)], App("A3", lender="L-03", day=10), {"MULTI_LENDER_STACKING"}),
    ("stacking: a nickname is the same person",
     [App("A1", name="William Smith"), App("A2", name="Will Smith", lender="L-02", day=1)],
     App("A3", name="Bill Smith", lender="L-03", day=3), {"MULTI_LENDER_STACKING"}),
    ("not stacking: one other lender is rate shopping",
     [App("A1")], App("A2", lender="L-02", day=10), set()),
    ("not stacking: same person, same lender",
     [App("A1")], App("A2", day=10), set()),
    ("not stacking: same person, another lender, 60 days later",
     [App("A1")], App("A2", lender="L-02", day=60), set()),
    ("not stacking: re-verifying the same application",
     [App("A1")], App("A1"), set()),
    ("synthetic: one ID number, another name and birth date",
     [App("A1")], App("A2", name="Maria Lopez", dob="1991-01-02", lender="L-02"), {"SYNTHETIC_IDENTITY"}),
    ("synthetic: one ID number, same name, another birth date",
     [App("A1")], App("A2", dob="1980-05-07", day=200), {"SYNTHETIC_IDENTITY"}),
    ("synthetic: one person, another licence number",
     [App("A1", id_number=None, docs=(licence(DocKind.DRIVERS_LICENSE, "D1111111"),))],
     App("A2", id_number=None, day=200, docs=(licence(DocKind.DRIVERS_LICENSE, "D2222222"),)), {"SYNTHETIC_IDENTITY"}),
    ("not synthetic: one person's passport and licence",
     [App("A1", id_number=None, docs=(licence(DocKind.PASSPORT, "P1111111"),))],
     App("A2", id_number=None, day=200, docs=(licence(DocKind.DRIVERS_LICENSE, "D2222222"),)), set()),
    ("duplicate: another identity's pay stub file",
     [App("A1", docs=(stub(),))], App("A2", name="Maria Lopez", dob="1991-01-02", id_number="X7654321", docs=(stub(),)),
     {"DUPLICATE_DOCUMENT"}),
    ("not duplicate: the same person's own pay stub at other lenders is stacking",
     [App("A1", docs=(stub(),)), App("A2", lender="L-02", day=2, docs=(stub(),))],
     App("A3", lender="L-03", day=5, docs=(stub(),)), {"MULTI_LENDER_STACKING"}),
    ("shared: a phone given by two other identities",
     [App("A1", name="Ann Lee", id_number="X1000001", phone=PHONE),
      App("A2", name="Bo Chan", id_number="X1000002", phone=PHONE)],
     App("A3", phone="415.555.2671"), {"SHARED_IDENTIFIER"}),
    ("not shared: a phone given by one other identity",
     [App("A1", name="Ann Lee", id_number="X1000001", phone=PHONE)], App("A3", phone=PHONE), set()),
    ("not shared: a family at one address",
     [App("A1", name="Ann Smith", dob="1982-01-01", id_number="X1000001", address=STREET),
      App("A2", name="Tom Smith", dob="2001-01-01", id_number="X1000002", address=STREET)],
     App("A3", address="12 Maple St, Springfield IL 62701"), set()),
    ("not shared: colleagues at one employer",
     [App("A1", name="Ann Lee", id_number="X1000001", employer="Acme Foods Inc"),
      App("A2", name="Bo Chan", id_number="X1000002", employer="ACME FOODS")],
     App("A3", employer="Acme Foods, LLC"), set()),
]


@pytest.mark.parametrize(("description", "stored", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_incremental_check(db_url: str, description: str, stored: list[App], new: App, expected: set[str]) -> None:
    store = Store(db_url)
    for app in stored:
        submit(store, app)
    assert graph_codes(submit(store, new)) == expected, description


def test_findings_name_the_linked_applications_masked(db_url: str) -> None:
    store = Store(db_url)
    submit(store, App("A1", phone=PHONE, name="Ann Lee", id_number="X1000001"))
    submit(store, App("A2", phone=PHONE, name="Bo Chan", id_number="X1000002", lender="L-02"))
    report = submit(store, App("A3", phone=PHONE))
    shared = next(f for f in report.findings if f.code == "SHARED_IDENTIFIER")
    assert {e.value for e in shared.evidence} == {"***2671"}
    assert {e.note for e in shared.evidence} == {"also given by: application A1 at L-01 on 2026-03-02",
                                                 "also given by: application A2 at L-02 on 2026-03-02"}
    assert report.decision == "review"


def test_link_tables_hold_no_raw_identifier(db_url: str) -> None:
    store = Store(db_url)
    submit(store, App("A1", phone=PHONE, email="robert.smith@yahoo.com", address=STREET, employer="Acme Foods",
                      docs=(licence(DocKind.DRIVERS_LICENSE, "D7777777"),)))
    with store.session() as session:
        rows = session.execute(select(LinkRow)).scalars().all()
        stored = " ".join(str(getattr(r, c.name)) for r in rows for c in LinkRow.__table__.columns)
    assert rows
    for raw in ("4155552671", "robert", "SMITH", "MAPLE", "D1234567", "D7777777", "ACME", "1980-05-06"):
        assert raw.lower() not in stored.lower()


def test_resaving_replaces_links(db_url: str) -> None:
    store = Store(db_url)
    submit(store, App("A1", phone=PHONE))
    first = _link_count(store)
    submit(store, App("A1", phone=PHONE))
    assert _link_count(store) == first


def _link_count(store: Store) -> int:
    with store.session() as session:
        return len(session.execute(select(LinkRow.id)).all())


def test_without_a_store_the_checks_say_not_run() -> None:
    report = submit(None, App("A1"))
    graph_checks = [c for c in report.checks if c.rule.startswith("graph_")]
    assert len(graph_checks) == 4
    assert {c.status for c in graph_checks} == {"not_run"}
    assert all("without a store" in (c.reason or "") for c in graph_checks)


def test_checks_report_passed_and_failed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    submit(store, App("A1"))
    submit(store, App("A2", lender="L-02"))
    checks = {c.rule: c.status for c in submit(store, App("A3", lender="L-03", phone=PHONE)).checks}
    assert checks["graph_stacking"] == "failed"
    assert checks["graph_shared_identifier"] == "passed"
    assert checks["graph_duplicate_document"] == "not_run"
