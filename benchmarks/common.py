"""What the benchmarks share: a set of bundles (generated or given) and a process pool over them."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def bundle_set(count: int, seed: int, *, given: Path | None = None, keep: Path | None = None) -> list[Path]:
    """Bundles under ``given`` (folders with truth.json), else ``count`` freshly generated with ``seed``."""
    if given is not None:
        return sorted(p.parent for p in given.glob("*/truth.json"))
    from samples.generate import generate_samples

    out = keep or Path(tempfile.mkdtemp(prefix="docsentry-bench-"))
    return sorted(generate_samples(out, count=count, seed=seed))


def truth_of(bundle: Path) -> dict[str, Any]:
    return json.loads((bundle / "truth.json").read_text())


def parallel_map(func: Callable[[str], T], items: Iterable[str], workers: int) -> list[T]:
    """``func`` over ``items`` in worker processes, one OCR thread each (processes, not threads, scale)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(func, items, chunksize=1))


def print_figures(
    title: str,
    figures: dict[str, Any],
    *,
    json_path: Path | None = None,
    skip: Iterable[str] = (),
    expand: Iterable[str] = (),
) -> None:
    """Print the figures as one table (``expand``: a dict figure gets a row per entry) and write the JSON.

    ``skip`` leaves long lists out of the table; the JSON always has everything.
    """
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value")
    left_out, spread = set(skip), set(expand)
    for key, value in figures.items():
        if key in left_out:
            continue
        rows = value.items() if key in spread and isinstance(value, dict) else [("", value)]
        for sub, item in rows:
            label = f"{key} {sub}".strip()
            table.add_row(label, json.dumps(item, default=str) if isinstance(item, (dict, list)) else str(item))
    Console().print(table)
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2, default=str))
