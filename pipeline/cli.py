"""The ``docsentry`` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from extractors.normalize import mask
from pipeline.config import Settings
from pipeline.models import Report
from pipeline.report_html import MASKED_FIELDS, render_html
from pipeline.verify import verify_bundle_loaded

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Verify lending document bundles.")
console = Console()

SHOWN_FIELDS = 6
DECISION_STYLE = {"clear": "bold white on green", "review": "bold black on yellow", "decline": "bold white on red"}


DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL (default: $DOCSENTRY_DB, else ./docsentry.db)")]


@app.command()
def verify(
    bundle: Annotated[Path, typer.Argument(help="Folder, .zip or single file of one application's documents")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here")] = None,
    html_out: Annotated[Path | None, typer.Option(
        "--html", help="Write a self-contained HTML report here (findings with page crops)")] = None,
    db: DbOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Verify without storing the application")] = False,
) -> None:
    """Verify one bundle, store it, print the decision and findings."""
    settings = Settings(db_url=db) if db else Settings()
    if not bundle.exists():
        console.print(f"[red]No such bundle: {bundle}[/red]")
        raise typer.Exit(2)
    report, loaded = verify_bundle_loaded(bundle, settings, store=not no_store)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2))
    if html_out:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_html(report, {f.name: f.data for f in loaded.files if f.data}), encoding="utf-8")
    print_report(report)


@app.command()
def samples(
    out: Annotated[Path, typer.Argument(help="Folder to write bundles into")],
    count: Annotated[int, typer.Option(help="Number of bundles")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bundles)")] = 7,
) -> None:
    """Write synthetic bundles, each with truth.json (expected fields and reason codes)."""
    from samples.generate import generate_samples

    written = generate_samples(out, count=count, seed=seed)
    console.print(f"wrote {len(written)} bundles to {out}")


@app.command()
def sweep(
    db: DbOption = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write clusters and figures as JSON here")] = None,
    html_dir: Annotated[Path | None, typer.Option("--html", help="Write one HTML page per flagged cluster here")] = None,
) -> None:
    """Graph sweep over every stored application: clusters of shared identifiers become FRAUD_RING."""
    from graph.render import write_cluster_pages
    from graph.sweep import sweep as run_sweep
    from pipeline.store import Store

    settings = Settings(db_url=db) if db else Settings()
    result = run_sweep(Store(settings.db_url), settings.graph)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.to_json(), indent=2))
    if html_dir:
        write_cluster_pages(result.clusters, html_dir)
    table = Table(title=f"{len(result.clusters)} flagged cluster(s) among {result.applications} applications")
    for column in ("cluster", "score", "identities", "applications", "lenders", "shared"):
        table.add_column(column)
    for c in result.clusters:
        table.add_row(c.cluster_id, str(c.score), str(c.identities), str(len(c.members)), str(c.lenders),
                      ", ".join(c.shared_kinds))
    console.print(table)
    console.print(f"{result.flagged_applications} application(s) flagged FRAUD_RING; "
                  f"{result.dropped_identifiers} hub/placeholder identifier(s) dropped; "
                  f"timings {result.timings_s}")


@app.command()
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder whose sub-folders and zips are bundles")],
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Reading processes in the embedded mode (default: cores); "
                          "with DOCSENTRY_BROKER, each `docsentry worker` sets its own")] = None,
    db: DbOption = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the batch summary as JSON here")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Skip bundles already stored with the same bundle_sha256")] = False,
) -> None:
    """Verify and store every bundle under FOLDER (process pool; Celery workers with DOCSENTRY_BROKER)."""
    from pipeline.batch import ProgressView, batch_json, run_batch, summary_tables

    settings = Settings(db_url=db) if db else Settings()
    if not folder.is_dir():
        console.print(f"[red]No such folder: {folder}[/red]")
        raise typer.Exit(2)
    try:
        with ProgressView(console) as view:
            outcome = run_batch(folder, settings, workers=workers or os.cpu_count() or 1, resume=resume,
                                on_tick=view.update)
    except KeyboardInterrupt:
        if settings.broker_url:
            console.print("[yellow]Stopped watching; the workers carry on (see `docsentry batch-status`).[/yellow]")
        raise typer.Exit(130) from None
    summary = batch_json(outcome)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(summary, indent=2))
    for table in summary_tables(summary):
        console.print(table)


@app.command("batch-status")
def batch_status(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="How many of the latest batches to show")] = 10,
) -> None:
    """Progress of the latest batches (running or finished), from the batch tables of the store."""
    from pipeline.batch import status_table
    from pipeline.tasks import context

    settings = Settings(db_url=db) if db else Settings()
    statuses = list(context(settings).ledger.recent(limit))
    if not statuses:
        console.print("no batches in this store")
        return
    console.print(status_table(statuses))


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (default: cores)")] = None,
    db: DbOption = None,
) -> None:
    """A Celery worker for `docsentry batch` (needs DOCSENTRY_BROKER); one OCR thread per process."""
    if db:
        # Pool processes build their store from the environment (Settings()), like every task does.
        os.environ["DOCSENTRY_DB"] = db
    settings = Settings()
    if not settings.broker_url:
        console.print("[red]Set DOCSENTRY_BROKER (e.g. redis://127.0.0.1:6379/0) to run a worker.[/red]")
        raise typer.Exit(2)
    from pipeline.tasks import configure, pin_ocr_threads

    pin_ocr_threads()
    configure(settings).worker_main([
        "worker", "--concurrency", str(concurrency or os.cpu_count() or 1),
        "--queues", settings.worker.queue, "--loglevel", "INFO", "--hostname", f"docsentry-{os.getpid()}@%h",
    ])


def print_report(report: Report) -> None:
    """A readable summary: decision banner, documents with key fields, findings."""
    console.print(
        Panel(
            f"{report.decision.upper()}   risk score {report.risk_score}/100   "
            f"{len(report.findings)} finding(s)   {report.timings_ms.get('total', 0):.0f} ms",
            title=f"application {report.application_id}",
            style=DECISION_STYLE[report.decision],
        )
    )
    docs = Table(title="Documents", show_lines=False)
    for column in ("file", "kind", "source", "pages", "key fields"):
        docs.add_column(column)
    for doc in report.documents:
        shown = list(doc.fields.items())[:SHOWN_FIELDS]
        fields = "; ".join(f"{name}={_display(name, f.value)}" for name, f in shown)
        if doc.transactions:
            fields += f"; {len(doc.transactions)} transactions"
        status = doc.kind.value if doc.status == "ok" else f"[red]unreadable[/red]: {doc.error}"
        docs.add_row(doc.file, status, doc.source, str(doc.pages), fields)
    console.print(docs)
    if report.findings:
        table = Table(title="Findings")
        for column in ("code", "severity", "message"):
            table.add_column(column)
        for finding in report.findings:
            table.add_row(finding.code, finding.severity.value, finding.message)
        console.print(table)
    not_run = [c for c in report.checks if c.status == "not_run"]
    passed = sum(c.status == "passed" for c in report.checks)
    console.print(f"checks: {passed} passed, {len(report.checks) - passed - len(not_run)} failed, {len(not_run)} not run")


def _display(name: str, value: object) -> str:
    if name in MASKED_FIELDS:
        if isinstance(value, list):
            return f"[{len(value)} lines]"
        return mask(str(value))
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app()
