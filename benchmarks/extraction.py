"""Extraction accuracy and reading cost on freshly generated bundles (and real specimens).

    python benchmarks/extraction.py --count 60 --seed 90210 [--extdata ../shared/extdata] [--json OUT]

Generates ``count`` bundles with the synthetic generator, reads, classifies and extracts every
document the way ``docsentry verify`` does, and compares each field with the bundle's truth.json
("exact after normalisation": same date, same amount to the cent, same text ignoring case, spacing
and punctuation). Digital PDFs and scans are reported apart. Reading cost is measured in the same
run against bare ``tesseract`` on the same page images, so the ratio is fair on any machine.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from benchmarks.common import bundle_set, parallel_map, print_figures, truth_of

MRZ_FIELDS = ("surname", "given_names", "document_number", "date_of_birth", "expiry_date",
              "nationality", "issuing_country", "sex")


@dataclass
class Tally:
    matched: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.matched += ok
        if not ok and len(self.misses) < 12:
            self.misses.append(miss)

    @property
    def rate(self) -> float | None:
        return round(self.matched / self.total, 4) if self.total else None


IDENTIFIER_FIELDS = frozenset({"document_number"})
"""Fields compared without separators: "U743-459-93-238-6" and "U743459932386" are one licence
number (the extractors store identifiers in that compact form, as matching rules compare them)."""


def same_field(name: str, have: Any, want: Any) -> bool:
    """Whether an extracted value equals the truth, exactly after normalisation."""
    if name == "mrz" and isinstance(have, list) and isinstance(want, list):
        return [_empty_personal_check(line) for line in have] == [_empty_personal_check(line) for line in want]
    have, want = normalise(have), normalise(want)
    if name in IDENTIFIER_FIELDS and isinstance(have, str) and isinstance(want, str):
        return have.replace(" ", "") == want.replace(" ", "")
    return have == want


def _empty_personal_check(line: Any) -> Any:
    """A TD3 second line with the check digit of an empty personal number written '0': ICAO 9303
    allows '<' or '0' there, so the two are one zone and no reader can tell which was printed."""
    if isinstance(line, str) and len(line) == 44 and set(line[28:42]) == {"<"} and line[42] == "<":
        return line[:42] + "0" + line[43:]
    return line


def normalise(value: Any) -> Any:
    """The comparison form of a field value: what "exact after normalisation" means."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 2)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [normalise(v) for v in value]
    text = str(value).strip()
    money = re.fullmatch(r"-?\d+(\.\d+)?", text)
    if money:
        return round(float(text), 2)
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def extract_one(path: str) -> dict[str, Any]:
    """Read + classify + extract one file exactly as the pipeline does (runs in a worker process)."""
    from pipeline.config import Settings
    from pipeline.intake import load_bundle
    from pipeline.stages import extract_stage, read_stage

    settings = Settings()
    bundle = load_bundle([Path(path)], settings.intake)
    read = read_stage(bundle.files[0], settings)
    doc = extract_stage(read)
    return {
        "kind": doc.kind.value,
        "status": doc.status,
        "error": doc.error,
        "fields": {k: v.value for k, v in doc.fields.items()},
        "transactions": [t.model_dump(mode="json") for t in doc.transactions],
        "deductions": [d.model_dump(mode="json") for d in doc.deductions],
    }


def score(bundles: list[Path], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    by_variant: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    by_field: dict[str, Tally] = defaultdict(Tally)
    classification, mrz, transactions = Tally(), Tally(), Tally()
    for bundle in bundles:
        for name, expected in truth_of(bundle).get("documents", {}).items():
            got = results.get(str(bundle / name))
            if got is None:
                continue
            kind, variant = expected["kind"], "scan" if expected.get("variant") == "scan" else "digital"
            classification.add(got["kind"] == kind, f"{bundle.name}/{name}: {got['kind']} != {kind}")
            for field_name, want in expected.get("fields", {}).items():
                have = got["fields"].get(field_name)
                ok = same_field(field_name, have, want)
                miss = f"{bundle.name}/{name} {field_name}: {have!r} != {want!r}"
                by_variant[variant].add(ok, miss)
                by_kind[kind][variant].add(ok, miss)
                by_field[f"{kind}.{field_name}"].add(ok, miss)
                if kind in ("passport", "id_card") and field_name in MRZ_FIELDS:
                    mrz.add(ok, miss)
            for want in expected.get("transactions", []):
                transactions.add(_has_transaction(got["transactions"], want), f"{bundle.name}/{name}: {want}")
    return {
        "field_accuracy_digital": by_variant["digital"].rate,
        "field_accuracy_scan": by_variant["scan"].rate,
        "field_accuracy_by_kind": {k: {v: t.rate for v, t in sorted(vs.items())} for k, vs in sorted(by_kind.items())},
        "classification_accuracy": classification.rate,
        "mrz_accuracy": mrz.rate,
        "transaction_recall": transactions.rate,
        "fields_compared": {v: t.total for v, t in by_variant.items()},
        "worst_fields": sorted(
            ((k, t.rate, t.total) for k, t in by_field.items() if t.rate is not None and t.rate < 1.0),
            key=lambda item: item[1],
        )[:15],
        "examples_of_misses": {k: t.misses[:4] for k, t in by_field.items() if t.misses},
        "classification_misses": classification.misses,
    }


def _has_transaction(found: list[dict[str, Any]], want: dict[str, Any]) -> bool:
    return any(
        t["date"] == want["date"] and abs(t["amount"] - want["amount"]) < 0.005
        and (want.get("balance") is None or t.get("balance") is None or abs(t["balance"] - want["balance"]) < 0.005)
        for t in found
    )


def reading_cost(bundles: list[Path], pages: int) -> dict[str, Any]:
    """Text-layer and OCR cost per page, against bare tesseract on the same images."""
    from benchmarks.reading_cost import measure_reading_cost

    text_pdfs, scans = [], []
    for bundle in bundles:
        for name, expected in truth_of(bundle).get("documents", {}).items():
            target = text_pdfs if expected.get("variant") != "scan" else scans
            if name.lower().endswith(".pdf") or target is scans:
                target.append(bundle / name)
    # Spread over the whole set, not its first bundles: every kind of scan gets its share.
    return measure_reading_cost(_spread(text_pdfs, pages * 3), _spread(scans, pages))


def _spread(items: list[Path], count: int) -> list[Path]:
    """``count`` items evenly spaced through ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    return [items[round(k * (len(items) - 1) / max(count - 1, 1))] for k in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=90210)
    parser.add_argument("--extdata", type=Path, default=None, help="../shared/extdata for real MRZ specimens")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cost-pages", type=int, default=8, help="scanned pages timed for the OCR ratio")
    parser.add_argument("--out", type=Path, default=None, help="keep the generated bundles here")
    parser.add_argument("--bundles", type=Path, default=None,
                        help="score these existing bundles (e.g. samples/bundles) instead of generating")
    parser.add_argument("--digital-only", action="store_true", help="skip scanned documents (quick check)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    console = Console()
    bundles = bundle_set(args.count, args.seed, given=args.bundles, keep=args.out)
    files = [
        str(bundle / name)
        for bundle in bundles
        for name, expected in truth_of(bundle).get("documents", {}).items()
        if not (args.digital_only and expected.get("variant") == "scan")
    ]
    console.print(f"{len(bundles)} bundles, {len(files)} documents")
    results = dict(zip(files, parallel_map(extract_one, files, args.workers), strict=True))
    figures = score(bundles, results)
    if args.cost_pages:
        figures.update(reading_cost(bundles, args.cost_pages))
    if args.extdata:
        from benchmarks.mrz_specimens import mrz_specimen_rates

        figures.update(mrz_specimen_rates(args.extdata))
    origin = f"bundles from {args.bundles}" if args.bundles else f"seed {args.seed}"
    figures.update({"bundles": len(bundles), "documents": len(files)})
    figures.update({"bundles_from": str(args.bundles)} if args.bundles else {"count": args.count, "seed": args.seed})

    print_figures(f"extraction benchmark ({origin}, {len(bundles)} bundles)", figures,
                  json_path=args.json, skip=("examples_of_misses",))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
