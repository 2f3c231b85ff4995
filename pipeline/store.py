"""Storage of verified applications through SQLAlchemy: SQLite by default, PostgreSQL by URL.

One application row per (lender, application id), with its documents and findings. Saving a report
is one transaction that replaces what was stored for that application, so verifying the same bundle
twice stores it once and a crash mid-save leaves the previous version intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pipeline.models import Report


class Base(DeclarativeBase):
    pass


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("application_key", name="uq_application_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_key: Mapped[str] = mapped_column(String(300))
    """``lender_id:application_id``: application ids are only unique within one lender."""
    application_id: Mapped[str] = mapped_column(String(200), index=True)
    lender_id: Mapped[str | None] = mapped_column(String(100), index=True)
    submitted_at: Mapped[date | None] = mapped_column(Date, index=True)
    product: Mapped[str | None] = mapped_column(String(20))
    bundle_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)
    risk_score: Mapped[int] = mapped_column(Integer)
    application_json: Mapped[dict | None] = mapped_column(JSON)
    report_json: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True
    )
    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True
    )


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("application_pk", "file", name="uq_document_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_pk: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    pages: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON)

    application: Mapped[ApplicationRow] = relationship(back_populates="documents")


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_pk: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON)

    application: Mapped[ApplicationRow] = relationship(back_populates="findings")


class LinkRow(Base):
    """One identifier of one application, as a keyed hash: what the link graph is built from.

    ``key`` is a 63-bit HMAC of the normalised identifier (never the raw value); ``identity`` and
    ``family`` (the applicant's person and surname hashes) are repeated on every row so that look-ups
    and the sweep read this table alone.
    """

    __tablename__ = "identifier_links"
    __table_args__ = (Index("ix_identifier_links_key", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_pk: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[int] = mapped_column(BigInteger)
    identity: Mapped[int] = mapped_column(BigInteger)
    family: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(String(20), default="")
    """Non-identifying qualifier, e.g. which kind of identity document an ID number is from."""
    masked: Mapped[str] = mapped_column(String(24), default="")
    """The identifier's last characters only, for evidence an underwriter reads."""


class Link(NamedTuple):
    """A link row before it has an application id (see :class:`LinkRow`)."""

    kind: str
    key: int
    identity: int
    family: int | None
    detail: str
    masked: str


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers work while a batch writes; the busy timeout turns short lock waits into waits,
    # not "database is locked" errors; foreign keys make the cascades real.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def application_key(lender_id: str | None, application_id: str) -> str:
    return f"{lender_id or '-'}:{application_id}"


class Store:
    """The application store. Create once per process; it is safe to share across threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def save_report(self, report: Report, links: Sequence[Link] = ()) -> int:
        """Store (or replace) one verified application in a single transaction; returns its row id.

        ``links`` (the application's hashed identifiers) replace the earlier ones in the same
        transaction, so the link graph never points at half an application.
        """
        app = report.application
        lender_id = app.lender_id if app else None
        key = application_key(lender_id, report.application_id)
        now = datetime.now(UTC)
        report_json = json.loads(report.model_dump_json())
        with self.session() as session:
            row = session.scalars(select(ApplicationRow).where(ApplicationRow.application_key == key)).one_or_none()
            if row is None:
                row = ApplicationRow(application_key=key, created_at=now)
                session.add(row)
            else:
                session.execute(delete(DocumentRow).where(DocumentRow.application_pk == row.id))
                session.execute(delete(FindingRow).where(FindingRow.application_pk == row.id))
                session.execute(delete(LinkRow).where(LinkRow.application_pk == row.id))
                session.expire(row, ["documents", "findings"])
            row.application_id = report.application_id
            row.lender_id = lender_id
            row.submitted_at = app.submitted_at if app else None
            row.product = app.product if app else None
            row.bundle_sha256 = report.bundle_sha256
            row.decision = report.decision
            row.risk_score = report.risk_score
            row.application_json = report_json.get("application")
            row.report_json = report_json
            row.updated_at = now
            session.flush()
            for doc, doc_json in zip(report.documents, report_json["documents"], strict=True):
                session.add(
                    DocumentRow(
                        application_pk=row.id,
                        file=doc.file,
                        sha256=doc.sha256,
                        kind=doc.kind.value,
                        status=doc.status,
                        error=doc.error,
                        source=doc.source,
                        pages=doc.pages,
                        fields=doc_json["fields"],
                    )
                )
            for finding, finding_json in zip(report.findings, report_json["findings"], strict=True):
                session.add(
                    FindingRow(
                        application_pk=row.id,
                        code=finding.code,
                        severity=finding.severity.value,
                        rule=finding.rule,
                        message=finding.message,
                        evidence=finding_json["evidence"],
                    )
                )
            session.add_all(LinkRow(application_pk=row.id, **link._asdict()) for link in links)
            return row.id

    def load_report(self, application_id: str, lender_id: str | None = None) -> Report | None:
        key = application_key(lender_id, application_id)
        with self.session() as session:
            row = session.scalars(select(ApplicationRow).where(ApplicationRow.application_key == key)).one_or_none()
            return None if row is None else Report.model_validate(row.report_json)

    def counts(self) -> dict[str, int]:
        """Rows per table: what a user (or a test) checks to see nothing was duplicated."""
        with self.session() as session:
            return {
                table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
                for table in (ApplicationRow, DocumentRow, FindingRow)
            }
