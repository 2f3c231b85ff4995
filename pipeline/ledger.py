"""The batch ledger: what a batch holds, how far each bundle and document got, who may finish next.

A batch lives in three tables beside the application store (same database, so PostgreSQL for a
cluster): ``batches`` (one row per run, with the finisher lease), ``batch_bundles`` (one row per bundle
in finishing order, holding its assessed report until it is stored) and ``batch_documents`` (one row
per file, holding its extracted document once read). Every transition is a conditional UPDATE, so a
task that runs twice (a redelivered message, a duplicate) changes nothing the second time: this is what
makes the tasks idempotent. ``docsentry batch-status`` reads the same rows while a batch runs, in the
embedded mode and with Celery workers alike.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, Text, func, select, update
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

BundleStatus = Literal["pending", "assessed", "stored", "skipped", "failed"]
DocumentStatus = Literal["pending", "done", "poisoned"]
TERMINAL: frozenset[str] = frozenset({"stored", "skipped", "failed"})
"""Bundle states the finisher steps over: nothing more will happen to the bundle in this batch."""


class LedgerBase(DeclarativeBase):
    pass


class BatchRow(LedgerBase):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10))
    total_bundles: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finisher: Mapped[str | None] = mapped_column(String(40))
    """Token of the task that currently stores bundles in order (the lease holder), if any."""
    lease_until: Mapped[float | None] = mapped_column(Float)
    """Epoch seconds after which a silent finisher is presumed dead and its lease may be taken."""


class BatchBundleRow(LedgerBase):
    __tablename__ = "batch_bundles"

    batch_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Position in the finishing order (see ``pipeline.batch.finishing_order``)."""
    path: Mapped[str] = mapped_column(Text)
    bundle_id: Mapped[str] = mapped_column(String(200))
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[date | None] = mapped_column(Date)
    application_json: Mapped[dict | None] = mapped_column(JSON)
    application_error: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    documents_total: Mapped[int] = mapped_column(Integer)
    documents_done: Mapped[int] = mapped_column(Integer, default=0)
    report_json: Mapped[dict | None] = mapped_column(JSON)
    """The assessed report while it waits for its turn, then the stored (final) one."""
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchDocumentRow(LedgerBase):
    __tablename__ = "batch_documents"

    batch_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Index in the bundle's intake order (names alone need not be unique inside a zip)."""
    file: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Times a worker started reading this file; a file started too often without an answer is poison."""
    pages: Mapped[int] = mapped_column(Integer, default=0)
    result_json: Mapped[dict | None] = mapped_column(JSON)
    """``{"document": ExtractedDocument, "read_ms": …, "extract_ms": …}`` once read."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class PlannedBundle:
    """One bundle as the batch planned it: where it is, its identity and the files to read."""

    path: str
    bundle_id: str
    bundle_sha256: str
    submitted_at: date | None
    application_json: dict[str, Any] | None
    application_error: str | None
    files: tuple[tuple[str, str], ...]
    """(name, sha256) per file, in intake order."""
    skipped_report: dict[str, Any] | None = None
    """The stored report when ``--resume`` found this bundle already stored unchanged."""


@dataclass(frozen=True)
class BatchStatus:
    """A snapshot of one batch for a progress bar or ``docsentry batch-status``."""

    batch_id: str
    source: str
    mode: str
    created_at: datetime
    finished_at: datetime | None
    bundles_total: int
    bundles_by_status: dict[str, int]
    documents_total: int
    documents_done: int
    documents_poisoned: int
    pages: int

    @property
    def bundles_done(self) -> int:
        return sum(n for status, n in self.bundles_by_status.items() if status in TERMINAL)

    @property
    def failures(self) -> int:
        return self.bundles_by_status.get("failed", 0) + self.documents_poisoned

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """Batch progress rows in the store's database; one per process, like the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        LedgerBase.metadata.create_all(engine)

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # ----------------------------------------------------------------------------------------------
    # Planning.

    def create_batch(self, source: str, mode: str, bundles: list[PlannedBundle]) -> str:
        """Record a new batch with its bundles in finishing order; returns the batch id."""
        batch_id = uuid.uuid4().hex
        now = _now()
        with self._session() as session, session.begin():
            session.add(BatchRow(id=batch_id, source=source, mode=mode, total_bundles=len(bundles),
                                 created_at=now))
            for seq, planned in enumerate(bundles):
                session.add(_bundle_row(batch_id, seq, planned, now))
                if planned.skipped_report is None:
                    session.add_all(
                        BatchDocumentRow(batch_id=batch_id, seq=seq, file=name, position=position, sha256=sha,
                                         status="pending", attempts=0, updated_at=now)
                        for position, (name, sha) in enumerate(planned.files)
                    )
        return batch_id

    # ----------------------------------------------------------------------------------------------
    # Documents.

    def start_document(self, batch_id: str, seq: int, position: int) -> tuple[int, dict[str, Any] | None]:
        """Count one more start of a file's reading; returns (attempts so far, result if already read)."""
        key = _document_key(batch_id, seq, position)
        with self._session() as session, session.begin():
            session.execute(update(BatchDocumentRow).where(*key, BatchDocumentRow.status == "pending")
                            .values(attempts=BatchDocumentRow.attempts + 1, updated_at=_now()))
            row = session.scalars(select(BatchDocumentRow).where(*key)).one_or_none()
            if row is None:
                # A worker pointed at another database than the batch's client: say so, loudly.
                raise LookupError(f"batch {batch_id} is not in this store ({self.engine.url!r}); "
                                  "start workers with the client's --db / DOCSENTRY_DB")
            return row.attempts, (row.result_json if row.status != "pending" else None)

    def finish_document(self, batch_id: str, seq: int, position: int, result: dict[str, Any], *,
                        poisoned: bool = False) -> bool:
        """Record a file's result (first answer wins); True when every file of its bundle is now done."""
        key = _document_key(batch_id, seq, position)
        pages = int(result["document"].get("pages") or 0)
        with self._session() as session, session.begin():
            # The UPDATE comes first: it takes SQLite's write lock / PostgreSQL's row lock, so the count
            # read after it in the same transaction cannot miss a sibling file finishing concurrently.
            changed = _rowcount(session.execute(
                update(BatchDocumentRow).where(*key, BatchDocumentRow.status == "pending")
                .values(status="poisoned" if poisoned else "done", result_json=result, pages=pages,
                        updated_at=_now())
            ))
            bundle_key = _bundle_key(batch_id, seq)
            if changed:
                session.execute(update(BatchBundleRow).where(*bundle_key)
                                .values(documents_done=BatchBundleRow.documents_done + 1, updated_at=_now()))
            bundle = session.scalars(select(BatchBundleRow).where(*bundle_key)).one()
            return bundle.documents_done >= bundle.documents_total

    def document_results(self, batch_id: str, seq: int) -> list[dict[str, Any]]:
        """The bundle's file results in intake order."""
        with self._session() as session:
            return [r for r in session.scalars(
                select(BatchDocumentRow.result_json)
                .where(BatchDocumentRow.batch_id == batch_id, BatchDocumentRow.seq == seq)
                .order_by(BatchDocumentRow.position)) if r is not None]

    def documents(self, batch_id: str) -> list[BatchDocumentRow]:
        """Every file row of a batch, in plan order."""
        with self._session() as session:
            return list(session.scalars(select(BatchDocumentRow).where(BatchDocumentRow.batch_id == batch_id)
                                        .order_by(BatchDocumentRow.seq, BatchDocumentRow.position)))

    def unfinished_documents(self, batch_id: str) -> list[tuple[int, int, str, str, int]]:
        """(seq, position, file, sha256, attempts) of every file still waiting, in plan order."""
        with self._session() as session:
            rows = session.execute(
                select(BatchDocumentRow.seq, BatchDocumentRow.position, BatchDocumentRow.file,
                       BatchDocumentRow.sha256, BatchDocumentRow.attempts)
                .where(BatchDocumentRow.batch_id == batch_id, BatchDocumentRow.status == "pending")
                .order_by(BatchDocumentRow.seq, BatchDocumentRow.position))
            return [tuple(r) for r in rows]  # type: ignore[misc]

    # ----------------------------------------------------------------------------------------------
    # Bundles.

    def bundle(self, batch_id: str, seq: int) -> BatchBundleRow:
        with self._session() as session:
            return session.scalars(select(BatchBundleRow).where(*_bundle_key(batch_id, seq))).one()

    def bundles(self, batch_id: str) -> list[BatchBundleRow]:
        with self._session() as session:
            return list(session.scalars(select(BatchBundleRow).where(BatchBundleRow.batch_id == batch_id)
                                        .order_by(BatchBundleRow.seq)))

    def set_bundle(self, batch_id: str, seq: int, status: BundleStatus, *, expect: BundleStatus,
                   report: dict[str, Any] | None = None, error: str | None = None) -> bool:
        """Move a bundle from ``expect`` to ``status``; False (and no change) if it was not in ``expect``."""
        values: dict[str, Any] = {"status": status, "updated_at": _now()}
        if report is not None:
            values["report_json"] = report
        if error is not None:
            values["error"] = error
        with self._session() as session, session.begin():
            return bool(_rowcount(session.execute(update(BatchBundleRow).where(
                *_bundle_key(batch_id, seq), BatchBundleRow.status == expect).values(**values))))

    def next_to_finish(self, batch_id: str) -> BatchBundleRow | None:
        """The first bundle in finishing order that is not terminal; None when the batch is through."""
        with self._session() as session:
            return session.scalars(
                select(BatchBundleRow)
                .where(BatchBundleRow.batch_id == batch_id, BatchBundleRow.status.not_in(TERMINAL))
                .order_by(BatchBundleRow.seq).limit(1)
            ).one_or_none()

    def mark_finished(self, batch_id: str) -> None:
        with self._session() as session, session.begin():
            session.execute(update(BatchRow).where(BatchRow.id == batch_id, BatchRow.finished_at.is_(None))
                            .values(finished_at=_now()))

    # ----------------------------------------------------------------------------------------------
    # The finisher lease: one process at a time stores bundles, in order.

    def claim(self, batch_id: str, token: str, lease_s: float) -> bool:
        """Take (or renew) the finisher lease; False while another live finisher holds it."""
        now = time.time()
        holder_is_gone = (BatchRow.finisher.is_(None) | (BatchRow.finisher == token)
                          | (BatchRow.lease_until < now))
        with self._session() as session, session.begin():
            return bool(_rowcount(session.execute(update(BatchRow).where(BatchRow.id == batch_id, holder_is_gone)
                                                  .values(finisher=token, lease_until=now + lease_s))))

    def release(self, batch_id: str, token: str) -> None:
        with self._session() as session, session.begin():
            session.execute(update(BatchRow).where(BatchRow.id == batch_id, BatchRow.finisher == token)
                            .values(finisher=None, lease_until=None))

    def lease_remaining(self, batch_id: str) -> float:
        """Seconds until the current lease (if any) lapses."""
        with self._session() as session:
            until = session.scalar(select(BatchRow.lease_until).where(BatchRow.id == batch_id))
        return max(0.0, (until or 0.0) - time.time())

    # ----------------------------------------------------------------------------------------------
    # Status.

    def status(self, batch_id: str) -> BatchStatus:
        with self._session() as session:
            batch = session.get(BatchRow, batch_id)
            if batch is None:
                raise KeyError(batch_id)
            by_status = dict(session.execute(
                select(BatchBundleRow.status, func.count()).where(BatchBundleRow.batch_id == batch_id)
                .group_by(BatchBundleRow.status)).all())
            docs = dict(session.execute(
                select(BatchDocumentRow.status, func.count()).where(BatchDocumentRow.batch_id == batch_id)
                .group_by(BatchDocumentRow.status)).all())
            pages = session.scalar(select(func.coalesce(func.sum(BatchDocumentRow.pages), 0))
                                   .where(BatchDocumentRow.batch_id == batch_id))
            return BatchStatus(
                batch_id=batch.id, source=batch.source, mode=batch.mode, created_at=batch.created_at,
                finished_at=batch.finished_at, bundles_total=batch.total_bundles,
                bundles_by_status={str(k): int(v) for k, v in by_status.items()},
                documents_total=sum(docs.values()),
                documents_done=docs.get("done", 0) + docs.get("poisoned", 0),
                documents_poisoned=docs.get("poisoned", 0), pages=int(pages or 0),
            )

    def recent(self, limit: int = 10) -> Iterator[BatchStatus]:
        """The latest batches, newest first."""
        with self._session() as session:
            ids = list(session.scalars(select(BatchRow.id).order_by(BatchRow.created_at.desc()).limit(limit)))
        return (self.status(batch_id) for batch_id in ids)


def _bundle_row(batch_id: str, seq: int, planned: PlannedBundle, now: datetime) -> BatchBundleRow:
    skipped = planned.skipped_report is not None
    return BatchBundleRow(
        batch_id=batch_id, seq=seq, path=planned.path, bundle_id=planned.bundle_id,
        bundle_sha256=planned.bundle_sha256, submitted_at=planned.submitted_at,
        application_json=planned.application_json, application_error=planned.application_error,
        status="skipped" if skipped else "pending",
        documents_total=0 if skipped else len(planned.files), documents_done=0,
        report_json=planned.skipped_report, updated_at=now,
    )


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched (an UPDATE's result is always a cursor result)."""
    return cast(CursorResult[Any], result).rowcount


def _bundle_key(batch_id: str, seq: int) -> tuple[Any, ...]:
    return BatchBundleRow.batch_id == batch_id, BatchBundleRow.seq == seq


def _document_key(batch_id: str, seq: int, position: int) -> tuple[Any, ...]:
    return (BatchDocumentRow.batch_id == batch_id, BatchDocumentRow.seq == seq,
            BatchDocumentRow.position == position)
