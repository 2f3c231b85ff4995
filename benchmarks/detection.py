"""Detection quality of the rules on freshly generated bundles: recall per reason code, false positives.

    python benchmarks/detection.py --count 120 --seed 31337 [--json OUT]

Every bundle is verified exactly as ``docsentry verify`` does (without storing). A bundle "carries" a
code when its truth.json expects it; recall for a code is the share of carrying bundles whose report
has a finding with that code. A clean bundle is a false positive when it gets any finding of severity
medium or above, or a decision other than ``clear``. Digital (incl. mixed) and fully scanned bundles
are reported apart. Codes that need another stage (the cross-application graph, forensics) are listed
as ``no_rule`` until a registered rule produces them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from benchmarks.common import bundle_set, parallel_map, print_figures, truth_of

SERIOUS = {"medium", "high", "critical"}


def verify_one(path: str) -> dict[str, Any]:
    """Verify one bundle in a worker process; return what the scoring needs."""
    from pipeline.config import Settings
    from pipeline.verify import verify_bundle

    report = verify_bundle(Path(path), Settings(), store=False)
    return {
        "decision": report.decision,
        "codes": sorted({f.code for f in report.findings}),
        "serious": sorted({f.code for f in report.findings if f.severity.value in SERIOUS}),
        "rules_ms": report.timings_ms.get("rules", 0.0),
    }


def score(bundles: list[Path], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from rules.engine import RULES, load_rules

    load_rules()
    ruled = {rule.code for rule in RULES.values()}
    carried: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    clean_fp: dict[str, list[bool]] = defaultdict(list)
    decisions: list[bool] = []
    forbidden_hits: dict[str, int] = defaultdict(int)
    misses: dict[str, list[str]] = defaultdict(list)
    fp_examples: list[str] = []
    forbidden_examples: list[str] = []
    for bundle in bundles:
        truth, got = truth_of(bundle), results[str(bundle)]
        variant = "scan" if truth.get("variant") == "scan" else "digital"
        for code in truth["expected_codes"]:
            hit = code in got["codes"]
            carried[code][variant].append(hit)
            if not hit and len(misses[code]) < 4:
                misses[code].append(f"{bundle.name}: got {got['codes']}")
        if not truth["expected_codes"]:
            flagged = bool(got["serious"]) or got["decision"] != "clear"
            clean_fp[variant].append(flagged)
            if flagged and len(fp_examples) < 10:
                fp_examples.append(f"{bundle.name} ({variant}): {got['decision']} {got['codes']}")
        for code in sorted(set(truth.get("forbidden_codes", [])) & set(got["serious"])):
            forbidden_hits[code] += 1
            if len(forbidden_examples) < 10:
                forbidden_examples.append(f"{bundle.name} ({variant}, {truth.get('scenario')}): {code}")
        decisions.append(got["decision"] == truth["expected_decision"])
    recall = {
        code: {v: round(sum(h) / len(h), 4) for v, h in sorted(by_variant.items())}
        | {"all": round(sum(sum(h) for h in by_variant.values()) / sum(len(h) for h in by_variant.values()), 4)}
        for code, by_variant in sorted(carried.items())
    }
    in_scope = {c: r for c, r in recall.items() if c in ruled}
    return {
        "recall_by_code": in_scope,
        "recall_min": min((r["all"] for r in in_scope.values()), default=None),
        "no_rule": sorted(set(recall) - ruled),
        "clean_fp_rate": _rate(clean_fp["digital"]),
        "clean_fp_rate_scan": _rate(clean_fp["scan"]),
        "clean_bundles": {v: len(f) for v, f in clean_fp.items()},
        "decision_accuracy": _rate(decisions),
        "rules_ms_p50": round(statistics.median(r["rules_ms"] for r in results.values()), 2),
        "forbidden_code_hits": dict(sorted(forbidden_hits.items())),
        "forbidden_code_examples": forbidden_examples,
        "misses": dict(misses),
        "false_positive_examples": fp_examples,
    }


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=31337)
    parser.add_argument("--bundles", type=Path, default=None, help="score existing bundles instead of generating")
    parser.add_argument("--out", type=Path, default=None, help="keep the generated bundles here")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    bundles = bundle_set(args.count, args.seed, given=args.bundles, keep=args.out)
    paths = [str(b) for b in bundles]
    results = dict(zip(paths, parallel_map(verify_one, paths, args.workers), strict=True))
    origin = {"bundles_from": str(args.bundles)} if args.bundles else {"seed": args.seed}
    figures = score(bundles, results) | {"count": len(bundles), **origin}

    described = f"bundles from {args.bundles}" if args.bundles else f"seed {args.seed}"
    print_figures(f"detection benchmark ({len(bundles)} bundles, {described})", figures,
                  json_path=args.json, expand=("recall_by_code",))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
