"""Batch verification of every bundle under a folder: embedded process pool or Celery workers.

``run_batch`` plans the batch (finds the bundles, hashes them, puts them in finishing order, skips the
unchanged ones on ``--resume``), records it in the ledger, then lets the work happen:

* **embedded** (no ``DOCSENTRY_BROKER``): a local pool of ``forkserver`` processes runs
  :func:`pipeline.tasks.run_document` per file; this process assesses and stores bundles as they
  complete. No broker is contacted.
* **celery** (``DOCSENTRY_BROKER=redis://…``): the same functions run as Celery tasks on
  ``docsentry worker`` processes; this process only submits references and watches the ledger.

Either way bundles are stored in the same order - by declared ``submitted_at``, then bundle id, then
path - because linking a bundle to the applications stored before it is the one step whose result
depends on order. Same order, same store state before each link, same reports in both modes.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any, Self

from celery.exceptions import SoftTimeLimitExceeded
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pipeline.config import Settings
from pipeline.intake import APPLICATION_FILE, TRUTH_FILE, load_bundle, sniff_media_type
from pipeline.ledger import BatchBundleRow, BatchStatus, PlannedBundle
from pipeline.tasks import (
    Context,
    DocumentRef,
    advance,
    configure,
    context,
    give_up_document,
    pin_ocr_threads,
    retrying,
    run_bundle,
    run_document,
    submit_bundle,
    submit_document,
)

log = logging.getLogger(__name__)

_TICK_S = 0.5
"""How often progress is refreshed from the ledger."""
_NOT_DOCUMENTS = frozenset({APPLICATION_FILE, TRUTH_FILE})


# --------------------------------------------------------------------------------------------------
# Planning.


def discover(root: Path) -> list[Path]:
    """Every bundle under ``root``: a folder holding document files, or a zip; sorted by path.

    A folder that holds only folders is a grouping (e.g. one per lender) and is searched in turn; a
    folder holding files is one bundle, sub-folders included (as ``verify`` reads it).
    """
    found: list[Path] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            found += [child] if _holds_documents(child) else discover(child)
        elif child.is_file() and _is_zip(child):
            found.append(child)
    return found


def _holds_documents(folder: Path) -> bool:
    return any(p.is_file() and not p.name.startswith(".") and p.name not in _NOT_DOCUMENTS
               for p in folder.iterdir())


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return sniff_media_type(fh.read(8)) == "application/zip"


def plan_bundle(path: Path, ctx: Context, *, resume: bool) -> PlannedBundle:
    """Load a bundle once to learn its identity, files and hashes (its bytes are not kept)."""
    bundle = load_bundle(path, ctx.settings.intake)
    application = bundle.application
    skipped = None
    if resume:
        stored = ctx.store.load_report(bundle.bundle_id, application.lender_id if application else None)
        if stored is not None and stored.bundle_sha256 == bundle.bundle_sha256:
            skipped = stored.model_dump(mode="json")
    return PlannedBundle(
        path=str(path.resolve()),
        bundle_id=bundle.bundle_id,
        bundle_sha256=bundle.bundle_sha256,
        submitted_at=application.submitted_at if application else None,
        application_json=application.model_dump(mode="json") if application else None,
        application_error=bundle.application_error,
        files=tuple((f.name, f.sha256) for f in bundle.files),
        skipped_report=skipped,
    )


def finishing_order(bundles: list[PlannedBundle]) -> list[PlannedBundle]:
    """Bundles in the order they are stored (and so linked): submission date, then id, then path.

    Undated bundles go last: an application with no declared date is treated as the newest.
    """
    return sorted(bundles, key=lambda b: (b.submitted_at or date.max, b.bundle_id, b.path))


# --------------------------------------------------------------------------------------------------
# Running.


@dataclass(frozen=True)
class BatchOutcome:
    """A finished (or watched) batch: its ledger snapshot and its bundles in finishing order."""

    status: BatchStatus
    bundles: list[BatchBundleRow]
    workers: int | None
    """Reading processes of the embedded pool; None with Celery (each worker sets its own)."""
    elapsed_s: float


Tick = Callable[[BatchStatus], None]
"""Called with a fresh ledger snapshot about twice a second while the batch runs."""


@dataclass(frozen=True)
class PreparedBatch:
    """A batch recorded in the ledger and ready to run: the files to read, the bundles with none."""

    batch_id: str
    refs: list[DocumentRef]
    """Every file to read, in finishing order (so the head of the order is read first)."""
    empty: list[int]
    """Bundles (by position in the order) with no file to read: assessed straight away."""


def prepare_batch(source: str, paths: list[Path], ctx: Context, *, mode: str, resume: bool) -> PreparedBatch:
    """Plan the bundles at ``paths``, put them in finishing order and record the batch."""
    planned = finishing_order([plan_bundle(p, ctx, resume=resume) for p in paths])
    batch_id = ctx.ledger.create_batch(source, mode, planned)
    refs = [
        DocumentRef(batch_id, seq, position, bundle.path, name, sha)
        for seq, bundle in enumerate(planned) if bundle.skipped_report is None
        for position, (name, sha) in enumerate(bundle.files)
    ]
    empty = [seq for seq, b in enumerate(planned) if b.skipped_report is None and not b.files]
    retrying(lambda: advance(batch_id, ctx))  # a batch of skipped bundles is finished already
    return PreparedBatch(batch_id, refs, empty)


def run_batch(root: Path, settings: Settings, *, workers: int, resume: bool = False,
              on_tick: Tick | None = None) -> BatchOutcome:
    """Verify every bundle under ``root`` and store them; see the module docstring for the modes."""
    started = time.perf_counter()
    ctx = context(settings)
    mode = "celery" if settings.broker_url else "embedded"
    batch = prepare_batch(str(root.resolve()), discover(root), ctx, mode=mode, resume=resume)
    tick = _ticker(batch.batch_id, ctx, on_tick)
    if mode == "celery":
        _run_on_celery(batch, ctx, tick)
    else:
        EmbeddedPool(ctx, workers).run(batch, tick)
    status = tick()
    return BatchOutcome(status, ctx.ledger.bundles(batch.batch_id), workers if mode == "embedded" else None,
                        time.perf_counter() - started)


def _ticker(batch_id: str, ctx: Context, on_tick: Tick | None) -> Callable[[], BatchStatus]:
    def tick() -> BatchStatus:
        status = ctx.ledger.status(batch_id)
        if on_tick is not None:
            on_tick(status)
        return status

    return tick


def _run_on_celery(batch: PreparedBatch, ctx: Context, tick: Callable[[], BatchStatus]) -> None:
    """Submit references to the workers, then watch the ledger until the last bundle is stored."""
    configure(ctx.settings)
    for seq in batch.empty:
        submit_bundle(batch.batch_id, seq)
    for ref in batch.refs:
        submit_document(ref)
    while not tick().finished:
        time.sleep(_TICK_S)


class EmbeddedPool:
    """The embedded mode: files read in a local process pool, bundles stored by this process.

    Processes start through ``forkserver``: a clean, single-threaded server forks them, so they
    inherit neither this process's threads (the progress display) nor its database connections; each
    opens its own store. Storing happens here, in finishing order; the pool processes only write their
    own ledger rows, retried on a locked SQLite file.

    A process that dies (segfault, out of memory) breaks the whole pool; the files it may have been
    reading (started, no answer) are then re-read one per fresh process, so the one that kills its
    reader is found and recorded as unreadable while the others are read normally.
    """

    def __init__(self, ctx: Context, workers: int) -> None:
        self.ctx = ctx
        self.workers = max(1, workers)
        self.settings_json = ctx.settings.model_dump_json()
        self.mp = multiprocessing.get_context("forkserver")
        # Loaded once in the fork server, so each pool process starts with the pipeline imported.
        self.mp.set_forkserver_preload(["pipeline.tasks"])

    def run(self, batch: PreparedBatch, tick: Callable[[], BatchStatus]) -> None:
        batch_id = batch.batch_id
        for seq in batch.empty:
            self._bundle_complete(batch_id, seq)
        paths = {ref.seq: ref.bundle for ref in batch.refs}
        pending = batch.refs
        while pending:
            self._pool_round(pending, tick)
            suspects = self._unfinished(batch_id, paths, started=True)
            for suspect in suspects:
                self._isolate(suspect)
            left = self._unfinished(batch_id, paths, started=False)
            if not suspects and len(left) == len(pending):
                raise RuntimeError("the process pool read nothing: reading processes cannot start")
            pending = left
        retrying(lambda: advance(batch_id, self.ctx))

    def _pool_round(self, refs: list[DocumentRef], tick: Callable[[], BatchStatus]) -> None:
        with ProcessPoolExecutor(self.workers, mp_context=self.mp, initializer=_init_process,
                                 initargs=(self.settings_json,)) as pool:
            waiting: dict[Future[bool], DocumentRef] = {
                pool.submit(_read_in_process, ref.to_json()): ref for ref in refs}
            while waiting:
                done, _ = wait(waiting, timeout=_TICK_S, return_when=FIRST_COMPLETED)
                for future in done:
                    ref = waiting.pop(future)
                    if not self._collect(future, ref):
                        pool.shutdown(cancel_futures=True)
                        return
                tick()

    def _collect(self, future: Future[bool], ref: DocumentRef) -> bool:
        """Act on one finished read; False when the pool broke."""
        try:
            complete = future.result()
        except BrokenProcessPool:
            log.warning("a reading process died; isolating the files it may have held")
            return False
        except Exception:  # left pending in the ledger; re-read in isolation after this round
            log.exception("reading %s failed", ref.file)
            return True
        if complete:
            self._bundle_complete(ref.batch_id, ref.seq)
        return True

    def _bundle_complete(self, batch_id: str, seq: int) -> None:
        retrying(lambda: run_bundle(batch_id, seq, self.ctx))

    def _unfinished(self, batch_id: str, paths: dict[int, str], *, started: bool) -> list[DocumentRef]:
        return [DocumentRef(batch_id, seq, position, paths[seq], file, sha)
                for seq, position, file, sha, attempts in self.ctx.ledger.unfinished_documents(batch_id)
                if (attempts > 0) == started]

    def _isolate(self, ref: DocumentRef) -> None:
        """Read one suspect file in a process of its own, under the hard time limit."""
        limit = self.ctx.settings.worker.hard_time_limit_s
        process = self.mp.Process(target=_read_alone, args=(self.settings_json, ref.to_json()))
        process.start()
        process.join(limit)
        if process.is_alive():
            process.kill()
            process.join()
            reason = f"reading took longer than the hard time limit of {limit:.0f} s"
        else:
            reason = f"the reading process died (exit code {process.exitcode})"
        complete = retrying(lambda: give_up_document(ref, reason, self.ctx))  # no-op if it answered
        if complete:
            self._bundle_complete(ref.batch_id, ref.seq)


_process_settings: Settings | None = None


def _init_process(settings_json: str) -> None:
    global _process_settings
    pin_ocr_threads()
    _process_settings = Settings.model_validate_json(settings_json)


def _read_in_process(ref_json: dict[str, Any]) -> bool:
    assert _process_settings is not None, "pool process not initialised"
    ctx = context(_process_settings)
    ref = DocumentRef.from_json(ref_json)
    with _soft_time_limit(ctx.settings.worker.soft_time_limit_s):
        return retrying(lambda: run_document(ref, ctx))


def _read_alone(settings_json: str, ref_json: dict[str, Any]) -> None:
    _init_process(settings_json)
    _read_in_process(ref_json)


@contextmanager
def _soft_time_limit(seconds: float) -> Iterator[None]:
    """Raise Celery's SoftTimeLimitExceeded after ``seconds``, as a Celery worker would."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise SoftTimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------------------
# Reporting.


def bundle_summary(row: BatchBundleRow) -> dict[str, Any]:
    """One bundle of the batch as the ``--json`` output lists it."""
    report = row.report_json or {}
    return {
        "id": row.bundle_id,
        "path": row.path,
        "status": row.status,
        "decision": report.get("decision"),
        "risk_score": report.get("risk_score"),
        "codes": sorted({f["code"] for f in report.get("findings", [])}),
        "bundle_sha256": row.bundle_sha256,
        "error": row.error,
    }


def batch_json(outcome: BatchOutcome) -> dict[str, Any]:
    """The whole batch: per bundle id, decision, score and codes; totals by decision and code."""
    bundles = [bundle_summary(row) for row in outcome.bundles]
    status = outcome.status
    return {
        "batch_id": status.batch_id,
        "source": status.source,
        "mode": status.mode,
        "workers": outcome.workers,
        "elapsed_s": round(outcome.elapsed_s, 2),
        "bundles": bundles,
        "totals": {
            "bundles": status.bundles_total,
            "by_status": dict(sorted(status.bundles_by_status.items())),
            "documents": status.documents_total,
            "documents_unreadable_by_fault": status.documents_poisoned,
            "pages": status.pages,
            "decisions": _count(b["decision"] for b in bundles if b["decision"]),
            "codes": _count(code for b in bundles for code in b["codes"]),
        },
    }


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


class ProgressView:
    """A rich progress display fed with ledger snapshots: bundles, documents, pages, ETA, failures."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console,
        )
        self.bundles = self.progress.add_task("bundles", total=None, note="")
        self.documents = self.progress.add_task("documents", total=None, note="")

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def update(self, status: BatchStatus) -> None:
        skipped = status.bundles_by_status.get("skipped", 0)
        self.progress.update(self.bundles, total=status.bundles_total, completed=status.bundles_done,
                             note=f"{skipped} skipped, {status.failures} failure(s)")
        self.progress.update(self.documents, total=status.documents_total, completed=status.documents_done,
                             note=f"{status.pages} page(s)")


def summary_tables(summary: dict[str, Any]) -> list[Table]:
    """Decisions and reason codes of a batch (from :func:`batch_json`), for the screen."""
    totals = summary["totals"]
    decisions = Table(title=f"Batch {summary['batch_id'][:12]} ({summary['mode']}, "
                            f"{totals['bundles']} bundles in {summary['elapsed_s']:.1f} s)")
    decisions.add_column("outcome")
    decisions.add_column("bundles", justify="right")
    for decision, count in totals["decisions"].items():
        decisions.add_row(decision, str(count))
    for state in ("skipped", "failed"):
        if totals["by_status"].get(state):
            decisions.add_row(f"[yellow]{state}[/yellow]", str(totals["by_status"][state]))
    codes = Table(title="Reason codes")
    codes.add_column("code")
    codes.add_column("bundles", justify="right")
    for code, count in sorted(totals["codes"].items(), key=lambda item: (-item[1], item[0])):
        codes.add_row(code, str(count))
    return [decisions, codes]


def status_table(statuses: list[BatchStatus]) -> Table:
    """``docsentry batch-status``: one row per batch, newest first."""
    table = Table(title="Batches")
    for column in ("batch", "mode", "started", "state", "bundles", "documents", "pages", "failures", "source"):
        table.add_column(column)
    for s in statuses:
        state = "finished" if s.finished else "running"
        table.add_row(s.batch_id[:12], s.mode, s.created_at.strftime("%Y-%m-%d %H:%M:%S"), state,
                      f"{s.bundles_done}/{s.bundles_total}", f"{s.documents_done}/{s.documents_total}",
                      str(s.pages), str(s.failures), s.source)
    return table
