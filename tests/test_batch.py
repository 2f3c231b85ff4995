"""Batch verification in the embedded mode: no broker, same reports as `verify`, order, resume, faults.

The pool tests run real processes over committed digital bundles; the ledger tests drive the task
functions in-process, the way a redelivered or duplicated Celery message would.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline import tasks
from pipeline.batch import EmbeddedPool, PreparedBatch, discover, finishing_order, prepare_batch, run_batch
from pipeline.config import Settings
from pipeline.ledger import PlannedBundle
from pipeline.store import Store
from pipeline.tasks import Advance, DocumentRef, advance, context, load_document, run_bundle, run_document
from pipeline.verify import verify_bundle

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "samples" / "bundles"


def essence(report: dict[str, Any]) -> dict[str, Any]:
    """What must agree between two runs of one bundle: decision, codes, every document's fields."""
    return {
        "application_id": report["application_id"],
        "decision": report["decision"],
        "risk_score": report["risk_score"],
        "codes": sorted(f["code"] for f in report["findings"]),
        "documents": [
            (d["file"], d["kind"], d["status"], d["error"], {k: v["value"] for k, v in d["fields"].items()})
            for d in report["documents"]
        ],
    }


def copy_bundles(dest: Path, names: dict[str, str]) -> Path:
    """Committed bundles copied under ``dest`` with new folder names ({new name: committed name})."""
    for new, committed in names.items():
        shutil.copytree(COMMITTED / committed, dest / new)
    return dest


def verify_in_order(paths: list[Path], db_url: str) -> dict[str, dict[str, Any]]:
    """`verify` each bundle, in the batch's finishing order, into its own store: the reference."""
    settings = Settings(db_url=db_url)
    store = Store(db_url)
    planned = finishing_order([_planned(p) for p in paths])
    reports = [verify_bundle(Path(b.path), settings, store=store) for b in planned]
    return {r.application_id: essence(r.model_dump(mode="json")) for r in reports}


def _planned(path: Path) -> PlannedBundle:
    data = json.loads((path / "application.json").read_text())
    return PlannedBundle(str(path), data["application_id"], "", date.fromisoformat(data["submitted_at"]),
                         None, None, ())


def stored_essences(db_url: str) -> dict[str, dict[str, Any]]:
    from pipeline.store import ApplicationRow

    with Store(db_url).session() as session:
        return {row.application_id: essence(row.report_json) for row in session.query(ApplicationRow)}


@pytest.fixture
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """No DOCSENTRY_BROKER, and a record of every network connection this process attempts."""
    monkeypatch.delenv("DOCSENTRY_BROKER", raising=False)
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def recording_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):  # the fork server talks over AF_UNIX
            attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    return attempts


def test_embedded_batch_stores_what_verify_reports_in_submission_order(tmp_path: Path,
                                                                       no_broker: list[object]) -> None:
    # Folder names sort against the submission dates: the stacking pair must still be linked
    # second-to-first by date, as `verify` run in date order links them.
    src = copy_bundles(tmp_path / "in", {"a-second": "S-0034", "b-first": "S-0033"})
    with zipfile.ZipFile(src / "zipped.zip", "w") as archive:
        for file in sorted((COMMITTED / "S-0001").iterdir()):
            archive.write(file, file.name)
    db_url = f"sqlite:///{tmp_path / 'batch.db'}"

    outcome = run_batch(src, Settings(db_url=db_url), workers=2)

    assert no_broker == []
    assert outcome.status.finished and outcome.status.bundles_by_status == {"stored": 3}
    assert [row.bundle_id for row in outcome.bundles] == ["A-0033", "A-0034", "A-0001"]
    unzipped = copy_bundles(tmp_path / "ref", {"S-0001": "S-0001"}) / "S-0001"
    reference = verify_in_order([src / "a-second", src / "b-first", unzipped],
                                f"sqlite:///{tmp_path / 'ref.db'}")
    assert stored_essences(db_url) == reference
    assert Store(db_url).counts()["applications"] == 3


def test_cli_batch_writes_json_and_status_reads_the_ledger(tmp_path: Path) -> None:
    src = copy_bundles(tmp_path / "in", {"S-0001": "S-0001"})
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**{k: v for k, v in os.environ.items() if k != "DOCSENTRY_BROKER"}, "COLUMNS": "200"}
    cli = [sys.executable, "-m", "pipeline"]
    run = subprocess.run([*cli, "batch", str(src), "--workers", "1", "--db", db_url, "--json", str(tmp_path / "b.json")],
                         check=False, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "b.json").read_text())
    assert summary["mode"] == "embedded"
    assert [(b["id"], b["status"]) for b in summary["bundles"]] == [("A-0001", "stored")]
    assert summary["totals"]["decisions"] == {summary["bundles"][0]["decision"]: 1}
    status = subprocess.run([*cli, "batch-status", "--db", db_url], check=False, capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert status.returncode == 0 and summary["batch_id"][:12] in status.stdout
    assert "finished" in status.stdout


def test_resume_skips_unchanged_bundles_and_redoes_changed_ones(tmp_path: Path, no_broker: list[object]) -> None:
    src = copy_bundles(tmp_path / "in", {"one": "S-0001", "two": "S-0002"})
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'resume.db'}")
    first = run_batch(src, settings, workers=1)
    (src / "two" / "extra.pdf").write_bytes(b"%PDF-1.7 not really")  # changes S-0002's bundle_sha256

    second = run_batch(src, settings, workers=1, resume=True)

    assert {r.bundle_id: r.status for r in second.bundles} == {"A-0001": "skipped", "A-0002": "stored"}
    skipped, redone, before = second.bundles[0].report_json, second.bundles[1].report_json, first.bundles[0].report_json
    assert skipped is not None and redone is not None and before is not None
    assert essence(skipped) == essence(before)
    unreadable = {e["file"] for f in redone["findings"] if f["code"] == "DOC_UNREADABLE" for e in f["evidence"]}
    assert unreadable == {"extra.pdf"}
    assert Store(settings.db_url).counts()["applications"] == 2


# --------------------------------------------------------------------------------------------------
# The task functions, driven in-process the way redelivered and duplicated messages drive them.


def _prepared(tmp_path: Path, names: dict[str, str]) -> tuple[tasks.Context, PreparedBatch]:
    src = copy_bundles(tmp_path / "in", names)
    ctx = context(Settings(db_url=f"sqlite:///{tmp_path / 'ledger.db'}"))
    return ctx, prepare_batch(str(src), discover(src), ctx, mode="embedded", resume=False)


def _read_bundle(ctx: tasks.Context, batch: PreparedBatch, seq: int) -> bool:
    return [run_document(ref, ctx) for ref in batch.refs if ref.seq == seq][-1]


def test_bundles_are_stored_in_order_once_whatever_order_they_complete_in(tmp_path: Path) -> None:
    ctx, batch = _prepared(tmp_path, {"x": "S-0034", "y": "S-0033"})  # S-0033 is submitted first
    assert _read_bundle(ctx, batch, 1)
    assert run_bundle(batch.batch_id, 1, ctx) is Advance.IDLE
    assert ctx.ledger.bundle(batch.batch_id, 1).status == "assessed"  # waits for its predecessor
    assert ctx.store.counts()["applications"] == 0

    assert _read_bundle(ctx, batch, 0)
    run_bundle(batch.batch_id, 0, ctx)
    for ref in batch.refs:  # every message delivered a second time changes nothing
        assert run_document(ref, ctx)
    run_bundle(batch.batch_id, 0, ctx)
    run_bundle(batch.batch_id, 1, ctx)

    assert [b.status for b in ctx.ledger.bundles(batch.batch_id)] == ["stored", "stored"]
    assert ctx.ledger.status(batch.batch_id).finished
    assert ctx.store.counts()["applications"] == 2
    assert {r.attempts for r in ctx.ledger.documents(batch.batch_id)} == {1}
    reference = verify_in_order([tmp_path / "in" / "x", tmp_path / "in" / "y"], f"sqlite:///{tmp_path / 'ref.db'}")
    assert stored_essences(ctx.store.url) == reference


def test_a_dead_finishers_lease_lapses_and_the_next_task_takes_over(tmp_path: Path) -> None:
    ctx, batch = _prepared(tmp_path, {"y": "S-0033"})
    _read_bundle(ctx, batch, 0)
    assert ctx.ledger.claim(batch.batch_id, "finisher-that-died", 0.3)

    assert run_bundle(batch.batch_id, 0, ctx) is Advance.BUSY
    time.sleep(0.4)
    assert advance(batch.batch_id, ctx) is Advance.IDLE
    assert ctx.ledger.bundle(batch.batch_id, 0).status == "stored"


def test_a_crashing_reader_makes_one_unreadable_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, batch = _prepared(tmp_path, {"y": "S-0033"})
    victim = batch.refs[0].file
    real_stage = tasks.document_stage

    def crash_on_victim(file: Any, settings: Settings) -> Any:
        if file.name == victim:
            raise RuntimeError("library fault")
        return real_stage(file, settings)

    monkeypatch.setattr(tasks, "document_stage", crash_on_victim)
    _read_bundle(ctx, batch, 0)
    run_bundle(batch.batch_id, 0, ctx)

    report = ctx.store.load_report("A-0033", "L-01")
    assert report is not None
    docs = {d.file: d for d in report.documents}
    assert docs[victim].status == "unreadable" and "library fault" in (docs[victim].error or "")
    assert all(d.status == "ok" for name, d in docs.items() if name != victim)
    assert victim in {e.file for f in report.findings if f.code == "DOC_UNREADABLE" for e in f.evidence}
    assert ctx.ledger.status(batch.batch_id).documents_poisoned == 1


def test_a_file_whose_reader_keeps_dying_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, batch = _prepared(tmp_path, {"y": "S-0033"})
    ref = batch.refs[0]
    for _ in range(ctx.settings.worker.max_attempts):  # each start ended with its process
        ctx.ledger.start_document(ref.batch_id, ref.seq, ref.position)
    monkeypatch.setattr(tasks, "document_stage", lambda *_: pytest.fail("poison must not be read again"))

    run_document(ref, ctx)

    result = ctx.ledger.document_results(batch.batch_id, 0)[0]["document"]
    assert result["status"] == "unreadable" and "process died" in result["error"]


def test_a_file_changed_after_planning_is_refused(tmp_path: Path) -> None:
    ctx, batch = _prepared(tmp_path, {"y": "S-0033"})
    ref = batch.refs[0]
    (Path(ref.bundle) / ref.file).write_bytes(b"%PDF-1.7 swapped")
    assert "changed after the batch was planned" in (load_document(ref, ctx.settings).error or "")
    gone = DocumentRef(ref.batch_id, ref.seq, ref.position, str(tmp_path / "nowhere"), ref.file, ref.sha256)
    assert "no longer at" in (load_document(gone, ctx.settings).error or "")


def _die_on(victim: str) -> Any:
    real_stage = tasks.document_stage

    def stage(file: Any, settings: Settings) -> Any:
        if file.name == victim:
            os._exit(139)  # what a segfaulting library does to its process
        return real_stage(file, settings)

    return stage


def test_embedded_pool_survives_a_process_killing_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, batch = _prepared(tmp_path, {"y": "S-0033"})
    victim = batch.refs[1].file
    monkeypatch.setattr(tasks, "document_stage", _die_on(victim))
    pool = EmbeddedPool(ctx, 2)
    pool.mp = multiprocessing.get_context("fork")  # type: ignore[assignment]  # inherit the planted fault

    pool.run(batch, lambda: ctx.ledger.status(batch.batch_id))

    report = ctx.store.load_report("A-0033", "L-01")
    assert report is not None
    docs = {d.file: d for d in report.documents}
    assert "process died" in (docs[victim].error or "")
    assert all(d.status == "ok" for name, d in docs.items() if name != victim)


def test_discover_finds_folders_and_zips_and_searches_groupings(tmp_path: Path) -> None:
    (tmp_path / "lender-a" / "b1").mkdir(parents=True)
    (tmp_path / "lender-a" / "b1" / "id.png").write_bytes(b"x")
    (tmp_path / "b2" / "sub").mkdir(parents=True)
    (tmp_path / "b2" / "paystub.pdf").write_bytes(b"x")
    (tmp_path / "declared-only").mkdir()
    (tmp_path / "declared-only" / "application.json").write_text("{}")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.pdf").write_bytes(b"x")
    with zipfile.ZipFile(tmp_path / "b3.zip", "w") as archive:
        archive.writestr("x.pdf", b"x")
    (tmp_path / "notes.txt").write_text("not a bundle")

    assert discover(tmp_path) == [tmp_path / "b2", tmp_path / "b3.zip", tmp_path / "lender-a" / "b1"]


def test_finishing_order_is_by_date_then_id_with_undated_last() -> None:
    def planned(path: str, bundle_id: str, submitted: date | None) -> PlannedBundle:
        return PlannedBundle(path, bundle_id, "", submitted, None, None, ())

    bundles = [planned("/d", "A-2", None), planned("/c", "A-9", date(2026, 3, 1)),
               planned("/b", "A-1", date(2026, 3, 2)), planned("/a", "A-9", date(2026, 3, 1))]
    assert [b.path for b in finishing_order(bundles)] == ["/a", "/c", "/b", "/d"]
