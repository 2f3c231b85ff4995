"""Batch throughput: bundles per second with one and with K reading processes, same scanned bundles.

    python benchmarks/throughput.py --bundles 8 --workers 2 [--seed S] [--json OUT]

Generates N clean, fully scanned bundles (OCR is the cost a batch scales out) and runs the embedded
batch - ``run_batch``, the path ``docsentry batch`` takes without a broker - over them twice, each time
into a fresh SQLite store: once with one reading process, once with K. The fork server is started
before either run is timed, so neither pays the one-off import of the pipeline. Keys:
``bundles_per_s_1``, ``bundles_per_s_k``, ``speedup`` (their ratio; the target is >= 1.8 for K=2 on 2
cores), plus the seconds and pages behind them. Another busy process on the same cores distorts the
ratio: measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from benchmarks.common import print_figures
from pipeline.batch import run_batch
from pipeline.config import Settings
from samples.generate import Generator


def scanned_bundles(out: Path, count: int, seed: int) -> list[Path]:
    """``count`` clean bundles whose every document is a scan, deterministic for ``seed``."""
    gen = Generator.seeded(seed, out)
    return [gen.single("clean", "scan") for _ in range(count)]


def start_fork_server() -> None:
    """Start the embedded pool's fork server (and its pipeline import) outside the timed runs."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.tasks"])
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        pool.submit(int).result()


def timed_run(bundles: Path, work: Path, workers: int) -> dict[str, Any]:
    """One embedded batch over ``bundles`` with ``workers`` reading processes, into a fresh store."""
    settings = Settings(db_url=f"sqlite:///{work / f'throughput-{workers}.db'}", broker_url=None)
    outcome = run_batch(bundles, settings, workers=workers)
    stored = outcome.status.bundles_by_status.get("stored", 0)
    if stored != outcome.status.bundles_total:
        raise RuntimeError(f"only {stored} of {outcome.status.bundles_total} bundles were stored")
    return {"seconds": round(outcome.elapsed_s, 2), "pages": outcome.status.pages,
            "bundles_per_s": round(stored / outcome.elapsed_s, 4)}


def measure(count: int, workers: int, seed: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="docsentry-throughput-"))
    bundles = work / "bundles"
    scanned_bundles(bundles, count, seed)
    start_fork_server()
    one = timed_run(bundles, work, 1)
    many = timed_run(bundles, work, workers)
    return {
        "bundles": count,
        "workers": workers,
        "pages": one["pages"],
        "seconds_1": one["seconds"],
        "seconds_k": many["seconds"],
        "bundles_per_s_1": one["bundles_per_s"],
        "bundles_per_s_k": many["bundles_per_s"],
        "speedup": round(many["bundles_per_s"] / one["bundles_per_s"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundles", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    figures = measure(args.bundles, args.workers, args.seed)
    print_figures(f"Batch throughput, {args.bundles} scanned bundles", figures, json_path=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
