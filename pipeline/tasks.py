"""Batch work as tasks: the same functions run in the embedded process pool and on Celery workers.

Per document, :func:`run_document` re-loads the file from its bundle (documents travel as references,
never as bytes through the broker), checks its sha256 against the plan and runs
:func:`~pipeline.stages.document_stage`. When the last file of a bundle is in, :func:`run_bundle`
runs :func:`~pipeline.stages.assess_stage` and then :func:`advance`, which stores bundles (graph link +
storage, :func:`~pipeline.stages.finish_stage`) strictly in the batch's finishing order, one finisher
at a time under a lease in the ledger. Cross-application links depend on what is already stored, so
this order - not the order in which workers happen to finish - decides every report, in both modes.

Every step is idempotent (see :mod:`pipeline.ledger`): a redelivered message finds its work done and
only re-announces it. A file whose reading crashes (an exception, the soft time limit, a worker killed
``max_attempts`` times in a row, the hard time limit) becomes an unreadable document with the reason;
the rest of its bundle and of the batch goes on.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import kombu.exceptions
import redis.exceptions
from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from pipeline.config import Settings
from pipeline.intake import Bundle, IntakeFile, load_bundle
from pipeline.ledger import TERMINAL, BatchBundleRow, Ledger
from pipeline.models import Application, DocKind, ExtractedDocument, Report
from pipeline.stages import (
    DocumentResult,
    assess_stage,
    bundle_documents,
    document_stage,
    finish_stage,
    stage_timings,
)
from pipeline.store import Store

log = logging.getLogger(__name__)

TRANSIENT: tuple[type[Exception], ...] = (
    OperationalError,  # "database is locked", a dropped PostgreSQL connection
    kombu.exceptions.OperationalError,  # the broker blinked while a follow-up task was published
    redis.exceptions.ConnectionError,
)
"""Faults that go away on their own: retried with back-off, never turned into a finding."""

T = TypeVar("T")


@dataclass(frozen=True)
class DocumentRef:
    """Where one file of a planned bundle is: what a document task carries instead of the bytes."""

    batch_id: str
    seq: int
    position: int
    bundle: str
    """Absolute path of the bundle (folder or zip) on the file system the workers share."""
    file: str
    sha256: str
    """Of the bytes when the batch was planned; empty for a file intake refused."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentRef:
        return cls(**data)


@dataclass
class Context:
    """What a task needs in one process: settings, the store and the ledger (one engine per process)."""

    settings: Settings
    store: Store
    ledger: Ledger


_contexts: dict[str, Context] = {}


def context(settings: Settings | None = None) -> Context:
    """This process's context for ``settings.db_url`` (created on first use, after any fork)."""
    settings = settings or Settings()
    found = _contexts.get(settings.db_url)
    if found is None:
        store = Store(settings.db_url)
        found = _contexts[settings.db_url] = Context(settings, store, Ledger(store.engine))
    return found


def pin_ocr_threads() -> None:
    """One OpenMP thread per OCR process: processes scale on a small machine, Tesseract's threads do
    not (DESIGN.md, OCR cost: 2.44 s per pay stub pinned against 5.23 s unrestricted)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"


# --------------------------------------------------------------------------------------------------
# Documents.


def load_document(ref: DocumentRef, settings: Settings) -> IntakeFile:
    """The referenced file, re-read through intake; a refused file when it vanished or changed.

    The whole bundle goes through :func:`load_bundle` again so that every intake limit applies
    exactly as it did for ``verify``; a file whose bytes changed since planning is refused rather
    than silently mixed into a report about other bytes.
    """
    try:
        bundle = load_bundle(Path(ref.bundle), settings.intake)
    except FileNotFoundError:
        return _refused(ref, f"the bundle is no longer at {ref.bundle}")
    same_name = [f for f in bundle.files if f.name == ref.file]
    for file in same_name:
        if file.sha256 == ref.sha256:
            return file
    if not same_name:
        return _refused(ref, "the file is no longer in the bundle")
    return _refused(ref, f"the file changed after the batch was planned (sha256 {ref.sha256[:12]}… "
                         f"became {same_name[0].sha256[:12]}…)")


def _refused(ref: DocumentRef, reason: str) -> IntakeFile:
    return IntakeFile(ref.file, ref.sha256, 0, "application/octet-stream", error=reason)


def unreadable_result(ref: DocumentRef, reason: str) -> dict[str, Any]:
    """The ledger result of a file that produced no answer: an unreadable document saying why."""
    document = ExtractedDocument(file=ref.file, sha256=ref.sha256, kind=DocKind.UNKNOWN,
                                 status="unreadable", error=reason)
    return result_json(DocumentResult(document=document, read_ms=0.0, extract_ms=0.0))


def result_json(result: DocumentResult) -> dict[str, Any]:
    """A document stage result as the ledger keeps it: the document and each stage's cost."""
    costs = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "document"}
    return {"document": result.document.model_dump(mode="json"), **costs}


def document_result(data: dict[str, Any]) -> DocumentResult:
    """The inverse of :func:`result_json`."""
    costs = {name: value for name, value in data.items() if name != "document"}
    return DocumentResult(document=ExtractedDocument.model_validate(data["document"]), **costs)


def _read(ref: DocumentRef, settings: Settings) -> tuple[dict[str, Any], bool]:
    """(ledger result, poisoned) for one file; a crash of the stages becomes an unreadable document."""
    try:
        result = document_stage(load_document(ref, settings), settings)
    except SoftTimeLimitExceeded:
        limit = settings.worker.soft_time_limit_s
        return unreadable_result(ref, f"reading took longer than the time limit of {limit:.0f} s"), True
    except Exception as exc:  # reading never raises by contract; if it does, this file alone pays
        log.exception("document stage crashed on %s", ref.file)
        return unreadable_result(ref, f"reading failed: {type(exc).__name__}: {exc}"), True
    return result_json(result), False


def run_document(ref: DocumentRef, ctx: Context) -> bool:
    """Read one file into the ledger (once); True when its bundle now has every file in."""
    attempts, done = ctx.ledger.start_document(ref.batch_id, ref.seq, ref.position)
    if done is not None:  # a redelivery after the work was recorded: only re-announce it
        return ctx.ledger.finish_document(ref.batch_id, ref.seq, ref.position, done)
    if attempts > ctx.settings.worker.max_attempts:
        # Every earlier start died with its process (segfault, out of memory, SIGKILL): stop trying.
        reason = f"reading was started {attempts - 1} times and its process died each time"
        result, poisoned = unreadable_result(ref, reason), True
    else:
        result, poisoned = _read(ref, ctx.settings)
    return ctx.ledger.finish_document(ref.batch_id, ref.seq, ref.position, result, poisoned=poisoned)


def give_up_document(ref: DocumentRef, reason: str, ctx: Context) -> bool:
    """Record a file whose task failed outright as unreadable; True when its bundle is complete."""
    return ctx.ledger.finish_document(ref.batch_id, ref.seq, ref.position, unreadable_result(ref, reason),
                                      poisoned=True)


# --------------------------------------------------------------------------------------------------
# Bundles.


class Advance(Enum):
    """What :func:`advance` left behind."""

    IDLE = "idle"
    """Nothing this caller can store now: done, or the next bundle in order is still being read."""
    BUSY = "busy"
    """A bundle is ready but another finisher holds the lease: try again later (it may have died)."""


def run_bundle(batch_id: str, seq: int, ctx: Context) -> Advance:
    """Assess a bundle whose files are all in (once), then store whatever is ready, in order."""
    row = ctx.ledger.bundle(batch_id, seq)
    if row.status == "pending" and row.documents_done >= row.documents_total:
        _assess(row, ctx)
    return advance(batch_id, ctx)


def _assess(row: BatchBundleRow, ctx: Context) -> None:
    results = [document_result(r) for r in ctx.ledger.document_results(row.batch_id, row.seq)]
    application = Application.model_validate(row.application_json) if row.application_json else None
    # The planned bundle without its bytes: the files are already read, only the declared
    # application (or why it could not be parsed) is still needed.
    bundle = Bundle(source=row.path, bundle_id=row.bundle_id, application=application,
                    application_error=row.application_error, files=(), bundle_sha256=row.bundle_sha256)
    try:
        report = assess_stage(row.bundle_id, row.bundle_sha256, application,
                              bundle_documents(bundle, results), ctx.settings, stage_timings(results))
    except TRANSIENT:
        raise
    except Exception as exc:  # a rule crash is our bug: this bundle fails, the batch goes on
        log.exception("assessing bundle %s failed", row.bundle_id)
        ctx.ledger.set_bundle(row.batch_id, row.seq, "failed", expect="pending",
                              error=f"assessment failed: {type(exc).__name__}: {exc}")
        return
    ctx.ledger.set_bundle(row.batch_id, row.seq, "assessed", expect="pending",
                          report=report.model_dump(mode="json"))


def advance(batch_id: str, ctx: Context) -> Advance:
    """Store every assessed bundle at the head of the finishing order, under the finisher lease.

    After releasing the lease it looks once more: a bundle assessed while this finisher was
    releasing would otherwise wait for a finisher that has already left.
    """
    token = uuid.uuid4().hex
    lease = ctx.settings.worker.finish_lease_s
    while True:
        if not ctx.ledger.claim(batch_id, token, lease):
            head = ctx.ledger.next_to_finish(batch_id)
            return Advance.BUSY if head is not None and head.status == "assessed" else Advance.IDLE
        try:
            _finish_ready(batch_id, token, ctx)
        finally:
            ctx.ledger.release(batch_id, token)
        head = ctx.ledger.next_to_finish(batch_id)
        if head is None:
            ctx.ledger.mark_finished(batch_id)
            return Advance.IDLE
        if head.status != "assessed":
            return Advance.IDLE


def _finish_ready(batch_id: str, token: str, ctx: Context) -> None:
    lease = ctx.settings.worker.finish_lease_s
    while (head := ctx.ledger.next_to_finish(batch_id)) is not None and head.status == "assessed":
        if not ctx.ledger.claim(batch_id, token, lease):  # renew; lost means another finisher took over
            return
        started = time.perf_counter()
        report = Report.model_validate(head.report_json)
        try:
            report = finish_stage(report, ctx.store, ctx.settings)
        except TRANSIENT:
            raise
        except Exception as exc:  # e.g. a graph bug: this bundle fails, the ones after it are stored
            log.exception("finishing bundle %s failed", head.bundle_id)
            ctx.ledger.set_bundle(batch_id, head.seq, "failed", expect="assessed",
                                  error=f"storing failed: {type(exc).__name__}: {exc}")
            continue
        # Work done by this bundle across stages and workers (wall time of a batch means little per bundle).
        report.timings_ms["total"] = round(sum(report.timings_ms.values()) + _ms(started), 1)
        ctx.ledger.set_bundle(batch_id, head.seq, "stored", expect="assessed",
                              report=report.model_dump(mode="json"))


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0


def retrying(func: Callable[[], T], *, attempts: int = 6, first_delay_s: float = 0.2) -> T:
    """``func()`` again with exponential back-off while it fails transiently (the embedded mode's
    counterpart of Celery's ``autoretry_for``)."""
    for attempt in range(attempts):
        try:
            return func()
        except TRANSIENT:
            if attempt == attempts - 1:
                raise
            log.warning("transient fault; retrying", exc_info=True)
            time.sleep(first_delay_s * 2**attempt)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------------
# Celery.

app = Celery("docsentry", set_as_current=False)


def configure(settings: Settings) -> Celery:
    """Point the Celery app at ``settings.broker_url`` with the delivery guarantees the tasks rely on."""
    worker = settings.worker
    app.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.broker_url,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results live in the ledger and the store, not in Redis
        task_default_queue=worker.queue,
        task_acks_late=True,  # a message is acknowledged only once its work is recorded ...
        task_reject_on_worker_lost=True,  # ... and a child killed mid-task puts it back at once
        worker_prefetch_multiplier=1,  # long OCR tasks: a worker holds no more than it runs
        task_soft_time_limit=worker.soft_time_limit_s,
        task_time_limit=worker.hard_time_limit_s,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # A message taken by a worker that then vanished (SIGKILL, lost machine) is handed out
            # again after this long; it must exceed the hard time limit or a slow task runs twice.
            "visibility_timeout": worker.visibility_timeout_s,
            "unacked_restore_interval": max(1, min(10, int(worker.visibility_timeout_s // 4))),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
    )
    return app


configure(Settings())


@worker_process_init.connect
def _fresh_worker_process(**_: object) -> None:
    # Forked pool children must not share the parent's database connections.
    _contexts.clear()
    pin_ocr_threads()


_RETRYING: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@app.task(name="docsentry.document", **_RETRYING)
def document_task(ref: dict[str, Any]) -> None:
    """Read one file of a batch; when its bundle is complete, queue the bundle's assessment."""
    parsed = DocumentRef.from_json(ref)
    if run_document(parsed, context()):
        bundle_task.delay(parsed.batch_id, parsed.seq)


@app.task(name="docsentry.document_failed", **_RETRYING)
def document_failed_task(task_id: str, ref: dict[str, Any]) -> None:
    """Errback of a document task that failed for good (hard time limit, retries used up)."""
    parsed = DocumentRef.from_json(ref)
    reason = f"reading failed in the worker (hard time limit or repeated faults; task {task_id})"
    if give_up_document(parsed, reason, context()):
        bundle_task.delay(parsed.batch_id, parsed.seq)


@app.task(name="docsentry.bundle", bind=True, **{**_RETRYING, "max_retries": 50})
def bundle_task(self: Task, batch_id: str, seq: int) -> None:
    """Assess a complete bundle and store what is ready in order; wait out a busy or dead finisher."""
    ctx = context()
    if run_bundle(batch_id, seq, ctx) is Advance.BUSY and ctx.ledger.bundle(batch_id, seq).status not in TERMINAL:
        # Someone else holds the lease. If it is alive it stores this bundle too; if it died, its
        # lease lapses and this retry takes over - so a ready bundle is never left behind.
        raise self.retry(countdown=min(10.0, max(1.0, ctx.ledger.lease_remaining(batch_id))))


def submit_document(ref: DocumentRef) -> None:
    """Queue one file; if its task fails for good the errback still gives the bundle its answer."""
    document_task.apply_async((ref.to_json(),), link_error=document_failed_task.s(ref.to_json()))


def submit_bundle(batch_id: str, seq: int) -> None:
    """Queue a bundle with no files to read (only an application.json, or nothing)."""
    bundle_task.delay(batch_id, seq)
