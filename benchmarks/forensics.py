"""Forensic detection: recall per signal family on edited samples, false positives on clean ones and on
real genuine documents, and what the structural checks cost.

    python benchmarks/forensics.py --count 20 --seed 4242 [--extdata DIR] [--json OUT]

``--count N`` generates N bundles of each forensic scenario (pdf_edited, pdf_font_anomaly,
text_layer_mismatch, image_tampered) and N clean bundles of each variant (digital, mixed, scan). Every
bundle is verified as ``docsentry verify`` does (without storing). Recall for a family is the share of
its scenario's bundles with a finding of its reason code (any severity). A clean bundle is a false
positive when it gets a forensic finding of severity medium or above; digital (incl. mixed) and scan
are counted apart. ``structural_ms_p50`` is the median time of the checks that read the PDF's structure,
metadata, objects and fonts (no OCR, no image analysis) per PDF. With ``--extdata DIR`` every PDF and
image under DIR (real, genuine documents) is verified alone and its forensic findings listed; the
target is no high-severity finding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from benchmarks.common import parallel_map, print_figures, truth_of

FAMILIES = {"pdf_edited": "PDF_EDITED", "pdf_font_anomaly": "PDF_FONT_ANOMALY",
            "text_layer_mismatch": "TEXT_LAYER_MISMATCH", "image_tampered": "IMAGE_TAMPERED"}
FORENSIC_CODES = frozenset(FAMILIES.values())
SERIOUS = {"medium", "high", "critical"}
EXTDATA_TYPES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def generate(out: Path, count: int, seed: int) -> list[Path]:
    """``count`` bundles per forensic scenario and per clean variant."""
    from samples.generate import Generator
    from samples.scenarios import SINGLE_SCENARIOS

    gen = Generator.seeded(seed, out)
    folders = []
    for name in FAMILIES:
        variants = SINGLE_SCENARIOS[name].variants
        folders += [gen.single(name, variants[i % len(variants)]) for i in range(count)]
    for variant in ("digital", "mixed", "scan"):
        folders += [gen.single("clean", variant) for _ in range(count)]
    return folders


def verify_one(path: str) -> dict[str, Any]:
    """Verify a bundle folder (or one file as a bundle of its own) in a worker process.

    The per-document stages are run step by step (as ``document_stage`` does) so that the structural
    checks can be timed on their own.
    """
    from extractors.forensics import examine
    from pipeline.config import Settings
    from pipeline.intake import load_bundle
    from pipeline.stages import assess_stage, extract_stage, read_stage

    settings = Settings()
    structural = settings.model_copy(update={"forensics": settings.forensics.model_copy(
        update={"ocr_check": False, "image_check": False})})
    source = Path(path)
    bundle = load_bundle(source if source.is_dir() else [source])
    documents, structural_ms, forensics_ms = [], [], []
    for file in bundle.files:
        read = read_stage(file, settings)
        doc = extract_stage(read)
        if file.media_type == "application/pdf" and read.status == "ok":
            started = time.perf_counter()
            examine(file, read, doc, structural)
            structural_ms.append((time.perf_counter() - started) * 1000.0)
        started = time.perf_counter()
        signals = examine(file, read, doc, settings)
        forensics_ms.append((time.perf_counter() - started) * 1000.0)
        documents.append(doc.model_copy(update={"forensic_signals": signals}))
    report = assess_stage(bundle.bundle_id, bundle.bundle_sha256, bundle.application, documents, settings, {})
    findings = [{"code": f.code, "severity": f.severity.value, "file": f.evidence[0].file if f.evidence else None,
                 "signals": f.params.get("signals", [])} for f in report.findings if f.code in FORENSIC_CODES]
    return {"findings": findings, "structural_ms": structural_ms, "forensics_ms": forensics_ms}


def score(bundles: list[Path], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Recall per family, clean false-positive rates and costs."""
    hits: dict[str, list[bool]] = defaultdict(list)
    severities: dict[str, Counter[str]] = defaultdict(Counter)
    clean: dict[str, list[bool]] = defaultdict(list)
    fp_examples, misses = [], []
    for bundle in bundles:
        truth, got = truth_of(bundle), results[str(bundle)]
        scenario = truth["scenario"]
        if scenario in FAMILIES:
            code = FAMILIES[scenario]
            found = [f for f in got["findings"] if f["code"] == code]
            hits[code].append(bool(found))
            severities[code].update(f["severity"] for f in found)
            if not found:
                misses.append(f"{bundle.name} {code}")
        elif scenario == "clean":
            variant = "scan" if truth["variant"] == "scan" else "digital"
            serious = [f for f in got["findings"] if f["severity"] in SERIOUS]
            clean[variant].append(bool(serious))
            if serious:
                fp_examples.append(f"{bundle.name} ({truth['variant']}): " + "; ".join(
                    f"{f['code']}/{f['severity']} {f['file']} {f['signals']}" for f in serious))
    structural = [ms for r in results.values() for ms in r["structural_ms"]]
    forensics = [ms for r in results.values() for ms in r["forensics_ms"]]
    return {
        "recall_by_signal": {code: round(sum(v) / len(v), 3) for code, v in sorted(hits.items())},
        "severity_by_signal": {code: dict(c) for code, c in sorted(severities.items())},
        "clean_fp_digital": _rate(clean["digital"]),
        "clean_fp_scan": _rate(clean["scan"]),
        "clean_bundles": {k: len(v) for k, v in clean.items()},
        "structural_ms_p50": round(statistics.median(structural), 1) if structural else None,
        "forensics_ms_p50_per_document": round(statistics.median(forensics), 1) if forensics else None,
        "misses": misses,
        "fp_examples": fp_examples,
    }


def extdata(root: Path, workers: int) -> dict[str, Any]:
    """Every genuine document under ``root`` verified alone: its forensic findings by severity."""
    files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in EXTDATA_TYPES and p.is_file())
    results = dict(zip(files, parallel_map(verify_one, files, workers), strict=True))
    findings = [{**f, "file": str(Path(path).relative_to(root))} for path, r in results.items() for f in r["findings"]]
    return {
        "extdata_documents": len(files),
        "extdata_high_findings": sum(f["severity"] in ("high", "critical") for f in findings),
        "extdata_findings_by_severity": dict(Counter(f["severity"] for f in findings)),
        "extdata_findings": findings,
    }


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def show(figures: dict[str, Any], json_path: Path | None) -> None:
    listed = ("misses", "fp_examples", "extdata_findings")
    print_figures("forensics", figures, json_path=json_path, skip=listed)
    for key in listed:
        for line in figures.get(key, []):
            print(f"{key}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10, help="bundles per forensic scenario and per clean variant")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--extdata", type=Path, help="folder of real genuine documents (see extdata/SOURCES.md)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures as one JSON object")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="docsentry-forensics-"))
    bundles = generate(out, args.count, args.seed)
    paths = [str(b) for b in bundles]
    results = dict(zip(paths, parallel_map(verify_one, paths, args.workers), strict=True))
    figures: dict[str, Any] = {"count": args.count, "seed": args.seed, **score(bundles, results)}
    if args.extdata:
        figures.update(extdata(args.extdata, args.workers))
    show(figures, args.json)


if __name__ == "__main__":
    main()
