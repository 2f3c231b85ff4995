"""Perceptual value hashes (graph/phash.py): reuse recall and same-template false links, per document kind.

    python benchmarks/phash.py --groups 4 --applicants 3 --seed 5151 [--workers 1] [--json OUT]

For each kind (pay stub, bank statement, driver's licence, passport) ``--groups`` templates are drawn
with the sample generator, and ``--applicants`` different people get a genuine document of each
template (same employer, layout, style, wording and producer for stubs; same bank and look for
statements; same issuer look for identity documents). Every genuine document (a digital PDF) is then
captured again as a lender would receive it when it is reused:

* ``png150`` re-rendered at 150 dpi (another rasteriser dpi, lossless);
* ``jpeg`` rendered at 200 dpi and JPEG-compressed at quality 60-80;
* ``scan`` a flatbed scan (``samples.degrade.flatbed``: up to 3 degrees of rotation, sensor noise,
  defocus, lamp fall-off) at 200 dpi, JPEG 60-80, in an image-only PDF;
* ``photo`` (identity documents only) a phone photo (perspective, desk, vignette, noise).

Every capture is read by the project's reading stage (text layer or OCR) and hashed. Then:

* **reuse recall**: for each genuine document and each capture of it, in both directions (the
  capture checked against the stored original, and the original against a stored capture), the share
  of pairs the check would link (>= M of the stored document's K bands matched);
* **same-template false-link rate**: for every two different applicants of one template, every pair
  of their captures (originals and re-captures alike, in both directions), the share that would link.

Targets: recall >= 0.95, false links <= 0.01. The decision uses ``GraphSettings`` as configured.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)
from benchmarks.common import parallel_map, print_figures

KINDS = ("pay_stub", "bank_statement", "drivers_license", "passport")
CAPTURES = ("png150", "jpeg", "scan")
ID_CAPTURES = (*CAPTURES, "photo")
MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def template_group(kind: str, seed: int, applicants: int) -> list[bytes]:
    """Genuine documents of ``applicants`` different people made from one template (digital PDFs)."""
    from samples.case import CaseSpec, build_case
    from samples.identity import make_identity
    from samples.people import PeopleFactory
    from samples.render_identity import render_identity
    from samples.render_paystub import render_paystub
    from samples.render_statement import render_statement

    rng = random.Random(seed)
    people = PeopleFactory(rng)
    hint = date(2025, 11, 1) + timedelta(days=rng.randint(0, 120))
    # One employer, one pay date window: colleagues' stubs share the employer block and pay dates.
    spec = CaseSpec(stub_count=1, statement_count=1, employer=people.employer())
    cases = [build_case(f"T-{i}", rng, people, spec, hint=hint) for i in range(applicants)]
    looks = cases[0].looks
    first = cases[0].statements[-1]
    documents = []
    for case in cases:
        if kind == "pay_stub":
            pdf, _ = render_paystub(case.stubs[-1], layout=looks.stub_layout, style=looks.stub_style,
                                    words=looks.stub_words, producer=looks.stub_producer)
        elif kind == "bank_statement":
            statement = replace(case.statements[-1], bank_name=first.bank_name, bank_address=first.bank_address)
            pdf, _ = render_statement(statement, layout=looks.statement_layout, style=looks.statement_style,
                                      words=looks.statement_words, repeat_header=looks.repeat_header,
                                      rows_per_page=looks.rows_per_page, producer=looks.statement_producer)
        else:
            doc = make_identity(rng, case.person, kind, case.submitted)  # type: ignore[arg-type]
            if kind == "passport":
                doc = replace(doc, issuing_country="USA", nationality="USA", authority="United States Department of State")
            else:
                doc = replace(doc, state=cases[0].person.address.state)
            pdf, _ = render_identity(doc, look=looks.id_look, style=looks.id_style, producer="Document Imaging Service")
        documents.append(pdf)
    return documents


def captures(pdf: bytes, kind: str, seed: int) -> dict[str, tuple[bytes, str]]:
    """The reused document as a lender might receive it again: (bytes, media type) per capture."""
    from samples import degrade

    rng = random.Random(seed)
    out: dict[str, tuple[bytes, str]] = {}
    low = degrade.render_pages(pdf, dpi=150, grey=True)
    out["png150"] = (degrade.encode(low[0], fmt="png", quality=0, dpi=150), MIME["png"]) if len(low) == 1 else (
        degrade.image_pdf([degrade.encode(p, fmt="jpeg", quality=95, dpi=150) for p in low], dpi=150), MIME["pdf"])
    mid = degrade.render_pages(pdf, dpi=200, grey=True)
    jpegs = [degrade.encode(p, fmt="jpeg", quality=rng.randint(60, 80), dpi=200) for p in mid]
    out["jpeg"] = (jpegs[0], MIME["jpg"]) if len(jpegs) == 1 else (degrade.image_pdf(jpegs, dpi=200), MIME["pdf"])
    scanned = [degrade.encode(degrade.flatbed(p, rng), fmt="jpeg", quality=rng.randint(60, 80), dpi=200) for p in mid]
    out["scan"] = (degrade.image_pdf(scanned, dpi=200), MIME["pdf"])
    if kind in ("drivers_license", "passport"):
        colour = degrade.render_pages(pdf, dpi=220, grey=False)
        out["photo"] = (degrade.encode(degrade.phone_photo(colour[0], rng), fmt="jpeg", quality=rng.randint(70, 85),
                                       dpi=220), MIME["jpg"])
    return out


def hash_one(path: str) -> dict[str, Any]:
    """Read one file as the pipeline does and hash it (in a worker process)."""
    from extractors.reading import read_document
    from graph.phash import document_signature
    from pipeline.config import Settings
    from pipeline.intake import IntakeFile
    from pipeline.stages import extract_stage

    settings = Settings()
    file = Path(path)
    data = file.read_bytes()
    media = MIME[file.suffix.lstrip(".")]
    read = read_document(IntakeFile(file.name, hashlib.sha256(data).hexdigest(), len(data), media, data), settings)
    doc = extract_stage(read)
    started = time.perf_counter()
    graph = settings.graph
    sig = document_signature(data, read, doc, min_digits=graph.image_min_digits, limit=graph.image_max_bands,
                             max_pixels=settings.intake.max_image_pixels)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {"path": path, "signature": sig, "source": read.source, "kind": doc.kind.value, "hash_ms": elapsed_ms}


def links(stored: str | None, checked: str | None, settings: Any) -> bool:
    from graph.check import image_bands_link
    from graph.phash import matched_bands, parse_signature

    kept, probing = parse_signature(stored), parse_signature(checked)
    return bool(kept) and image_bands_link(matched_bands(kept, probing, settings.image_probe_bits), len(kept), settings)


def write_set(out: Path, groups: int, applicants: int, seed: int) -> list[tuple[str, int, int, str, Path]]:
    """Every document and capture on disk: (kind, group, applicant, capture, path)."""
    rows = []
    for k, kind in enumerate(KINDS):
        for g in range(groups):
            for a, pdf in enumerate(template_group(kind, seed * 1000 + k * 100 + g, applicants)):
                base = out / f"{kind}-{g}-{a}"
                (path := base.with_suffix(".orig.pdf")).write_bytes(pdf)
                rows.append((kind, g, a, "original", path))
                for name, (data, media) in captures(pdf, kind, seed + k * 7919 + g * 31 + a).items():
                    ext = {v: k for k, v in MIME.items()}[media]
                    (path := base.with_suffix(f".{name}.{ext}")).write_bytes(data)
                    rows.append((kind, g, a, name, path))
    return rows


def measure(rows: list[tuple[str, int, int, str, Path]], signatures: dict[str, str | None], settings: Any,
            ) -> dict[str, Any]:
    reuse: dict[str, list[bool]] = defaultdict(list)
    reuse_by_capture: dict[str, list[bool]] = defaultdict(list)
    false: dict[str, list[bool]] = defaultdict(list)
    by_doc: dict[tuple[str, int, int], dict[str, str | None]] = defaultdict(dict)
    for kind, g, a, capture, path in rows:
        by_doc[(kind, g, a)][capture] = signatures[str(path)]
    for (kind, g, a), caps in by_doc.items():
        original = caps["original"]
        for capture, sig in caps.items():
            if capture == "original":
                continue
            for hit in (links(original, sig, settings), links(sig, original, settings)):
                reuse[kind].append(hit)
                reuse_by_capture[f"{kind}/{capture}"].append(hit)
        for (kind2, g2, a2), caps2 in by_doc.items():
            if kind2 != kind or g2 != g or a2 == a:
                continue
            false[kind] += [links(s1, s2, settings) for s1 in caps.values() for s2 in caps2.values()]
    rate = lambda hits: round(sum(hits) / len(hits), 4) if hits else None  # noqa: E731
    no_sig = defaultdict(int)
    for kind, _, _, _, path in rows:
        no_sig[kind] += signatures[str(path)] is None
    return {
        "reuse_recall_by_kind": {k: rate(v) for k, v in reuse.items()},
        "reuse_recall_by_capture": {k: rate(v) for k, v in sorted(reuse_by_capture.items())},
        "reuse_pairs_by_kind": {k: len(v) for k, v in reuse.items()},
        "same_template_false_link_by_kind": {k: rate(v) for k, v in false.items()},
        "same_template_pairs_by_kind": {k: len(v) for k, v in false.items()},
        "reuse_recall": rate([h for v in reuse.values() for h in v]),
        "same_template_false_link_rate": rate([h for v in false.values() for h in v]),
        "documents_without_signature": dict(no_sig),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=4, help="templates per document kind")
    parser.add_argument("--applicants", type=int, default=3, help="different applicants per template")
    parser.add_argument("--seed", type=int, default=5151)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the documents here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="write the figures as one JSON object")
    args = parser.parse_args()
    import tempfile

    from pipeline.config import GraphSettings

    out = args.keep or Path(tempfile.mkdtemp(prefix="docsentry-phash-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = write_set(out, args.groups, args.applicants, args.seed)
    results = parallel_map(hash_one, [str(r[4]) for r in rows], args.workers)
    signatures = {r["path"]: r["signature"] for r in results}
    settings = GraphSettings()
    figures = {"seed": args.seed, "groups": args.groups, "applicants": args.applicants, "documents": len(rows),
               **measure(rows, signatures, settings),
               "hash_ms_p50": round(statistics.median(r["hash_ms"] for r in results), 1),
               "settings": {k: getattr(settings, k) for k in type(settings).model_fields if k.startswith("image_")}}
    print_figures("Perceptual value hashes: reuse recall and same-template false links", figures,
                  json_path=args.json, expand=("reuse_recall_by_kind", "reuse_recall_by_capture",
                                               "same_template_false_link_by_kind"))


if __name__ == "__main__":
    main()
