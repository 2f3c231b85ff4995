"""Celery mode end to end on real parts: `docsentry worker` processes on the local Redis, the store and
the ledger in PostgreSQL, the `docsentry batch` client as a subprocess.

The first worker is SIGKILLed (with its pool processes) while it reads a scanned document; a second
worker is started. Every bundle must end stored exactly once, with the reports the embedded mode gives
for the same bundles. Like PostgreSQL, Redis missing skips the test outside CI and fails it in CI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from test_batch import copy_bundles, essence, stored_essences

from pipeline.batch import run_batch
from pipeline.config import Settings
from pipeline.ledger import BatchDocumentRow, Ledger
from pipeline.store import Store, make_engine

REDIS_URL = os.environ.get("DOCSENTRY_TEST_REDIS", "redis://127.0.0.1:6379/14")
BUNDLES = {"S-0033": "S-0033", "S-0034": "S-0034", "S-0004": "S-0004"}
"""Two digital bundles of one person at two lenders (so the finishing order matters) and a scanned
one (OCR: long enough to be caught mid-read)."""
SCANNED = "A-0004"
VISIBILITY_S = 30
"""Short, so the killed worker's messages come back within the test. Below the hard time limit (unlike
production), so on a busy machine a slow OCR may be handed out again while it is still being read:
harmless (first answer wins), but every start counts towards the poison limit, hence MAX_ATTEMPTS."""
MAX_ATTEMPTS = 10


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return REDIS_URL


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return postgres_url


@pytest.fixture
def celery_env(redis_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for workers and client: this run's own queue, so parallel runs never meet."""
    queue = f"docsentry-test-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if k != "DOCSENTRY_DB"}
    env.update(DOCSENTRY_BROKER=redis_url, DOCSENTRY_QUEUE=queue, DOCSENTRY_VISIBILITY_TIMEOUT=str(VISIBILITY_S),
               DOCSENTRY_MAX_ATTEMPTS=str(MAX_ATTEMPTS), COLUMNS="200")
    yield env
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)


def start_worker(env: dict[str, str], db_url: str, log: Path) -> subprocess.Popen[bytes]:
    # Its own session: the worker and its pool processes form one process group, killed together.
    return subprocess.Popen([sys.executable, "-m", "pipeline", "worker", "--concurrency", "2", "--db", db_url],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, timeout: float = 30) -> None:
    """SIGKILL the worker with its pool processes; SIGTERM only the worker (a warm shutdown)."""
    if process.poll() is None and sig == signal.SIGKILL:
        os.killpg(process.pid, sig)
    elif process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_scan_being_read(ledger: Ledger, timeout: float = 120) -> BatchDocumentRow:
    """A document of the scanned bundle that a worker has started and not finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for batch in ledger.recent(1):
            scanned = {b.seq for b in ledger.bundles(batch.batch_id) if b.bundle_id == SCANNED}
            for doc in ledger.documents(batch.batch_id):
                if doc.seq in scanned and doc.status == "pending" and doc.attempts >= 1:
                    return doc
        time.sleep(0.2)
    raise AssertionError("no worker started reading the scanned bundle")


@pytest.mark.ocr
@pytest.mark.postgres
def test_a_killed_worker_loses_nothing_and_reports_match_the_embedded_mode(
    tmp_path: Path, pg_url: str, celery_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = copy_bundles(tmp_path / "in", BUNDLES)
    monkeypatch.delenv("DOCSENTRY_BROKER", raising=False)
    embedded = run_batch(src, Settings(db_url=f"sqlite:///{tmp_path / 'embedded.db'}"), workers=2)
    expected = {row.bundle_id: essence(row.report_json) for row in embedded.bundles if row.status == "stored"
                and row.report_json is not None}
    assert len(expected) == len(BUNDLES)

    log = tmp_path / "workers.log"
    first = start_worker(celery_env, pg_url, log)
    client = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "batch", str(src), "--db", pg_url, "--json", str(tmp_path / "batch.json")],
        env=celery_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    workers = [first]
    try:
        ledger = Ledger(make_engine(pg_url))
        victim = wait_for_scan_being_read(ledger)
        stop(first, signal.SIGKILL)
        workers.append(start_worker(celery_env, pg_url, log))
        output, _ = client.communicate(timeout=240)
    finally:
        client.kill()
        for worker in workers:
            stop(worker, signal.SIGTERM)
    assert client.returncode == 0, output.decode(errors="replace") + log.read_text(errors="replace")[-4000:]

    summary = json.loads((tmp_path / "batch.json").read_text())
    assert summary["mode"] == "celery" and summary["totals"]["by_status"] == {"stored": len(BUNDLES)}
    stored = stored_essences(pg_url)
    ledger_docs = [(d.seq, d.file, d.status, d.attempts) for d in ledger.documents(victim.batch_id)]
    assert set(stored) == set(expected)
    for bundle_id, want in expected.items():
        assert stored.get(bundle_id) == want, f"{bundle_id} differs from the embedded mode; ledger: {ledger_docs}"
    counts = Store(pg_url).counts()
    assert counts["applications"] == len(BUNDLES)
    assert counts["documents"] == sum(len(e["documents"]) for e in expected.values())
    again = {(d.seq, d.position): d.attempts for d in ledger.documents(victim.batch_id)}
    assert again[victim.seq, victim.position] >= 2, "the killed worker's document was not delivered again"
