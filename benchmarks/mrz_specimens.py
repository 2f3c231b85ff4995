"""MRZ read rate and field accuracy on real specimen images (PassportEye and fastmrz test data).

Usage: ``python benchmarks/mrz_specimens.py --extdata ../shared/extdata [--json OUT]``

Each image goes through the project's reading path (``extractors.reading.read_document``: OCR plus
the MRZ band re-read) and then :func:`extractors.mrz.find_mrz`. Figures:

* ``specimen_mrz_read_rate``: share of images that carry an MRZ where one was found with every
  check digit valid.
* ``specimen_mrz_field_accuracy``: share of expected field values (from the ``*.DERIVED.json``
  ground truth, see extdata/SOURCES.md) read exactly.
* ``specimens``: per image, what was read.

The PassportEye ``testdata`` images carry no MRZ text as ground truth (their filename prefix is a
baseline difficulty score), so they count toward the read rate only; check digits are the check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from extractors.layout import document_lines
from extractors.mrz import MRZ, find_mrz

PASSPORTEYE = "konstantint__PassportEye"
FASTMRZ = "sivakumar-mahalingam__fastmrz"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _read_mrz(path: Path) -> MRZ | None:
    """The best MRZ the project's reading path finds in one image file."""
    from extractors.reading import read_document
    from pipeline.intake import IntakeFile, sniff_media_type

    data = path.read_bytes()
    intake = IntakeFile(
        name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        media_type=sniff_media_type(data[:64]),
        data=data,
    )
    document = read_document(intake)
    found = find_mrz(document_lines(document.pages))
    return found.mrz if found else None


def _expected_passporteye(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "surname": entry["surname"],
        "given_names": entry["names"],
        "document_number": entry["number"],
        "date_of_birth": entry["date_of_birth"],
        "expiry_date": entry["expiration_date"],
        "nationality": entry["nationality"],
        "issuing_country": entry["country"],
        "sex": entry["sex"],
    }


def _expected_fastmrz(entry: dict[str, Any]) -> dict[str, str]:
    def yymmdd(iso: str) -> str:
        return iso[2:4] + iso[5:7] + iso[8:10]

    expected = {
        "surname": entry.get("surname"),
        "given_names": entry.get("given_name"),
        "document_number": entry.get("document_number"),
        "date_of_birth": yymmdd(entry["birth_date"]) if entry.get("birth_date") else None,
        "expiry_date": yymmdd(entry["expiry_date"]) if entry.get("expiry_date") else None,
        "sex": entry.get("sex"),
        "nationality": entry.get("nationality_code"),
        "issuing_country": entry.get("issuer_code"),
    }
    return {k: v for k, v in expected.items() if v}


def _observed(mrz: MRZ) -> dict[str, str]:
    """Values comparable to the ground truth (dates as printed, YYMMDD, so no century guess)."""
    return {
        "surname": mrz.surname,
        "given_names": mrz.given_names,
        "document_number": mrz.document_number,
        "date_of_birth": mrz.values.get("date_of_birth", ""),
        "expiry_date": mrz.values.get("expiry_date", ""),
        "nationality": mrz.values.get("nationality", "").replace("<", ""),
        "issuing_country": mrz.values.get("issuing_country", "").replace("<", ""),
        "sex": mrz.sex,
    }


def _cases(extdata: Path) -> list[tuple[Path, dict[str, str] | None, bool]]:
    """(image, expected fields or None, whether an MRZ is printed) for every specimen on disk."""
    cases: list[tuple[Path, dict[str, str] | None, bool]] = []
    pe = extdata / PASSPORTEYE
    if pe.is_dir():
        truth = json.loads((pe / "expected.DERIVED.json").read_text())
        for path in sorted((pe / "tests" / "data").glob("passport-td*")):
            entry = truth.get(f"tests/data/{path.name}")
            cases.append((path, _expected_passporteye(entry) if entry else None, True))
        for path in sorted((pe / "passporteye" / "mrz" / "testdata").iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                cases.append((path, None, True))
    fm = extdata / FASTMRZ
    if fm.is_dir():
        truth = json.loads((fm / "expected_mrz.DERIVED.json").read_text())
        for path in sorted((fm / "data").iterdir()):
            entry = truth.get(f"data/{path.name}")
            if entry is None or path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            has_mrz = entry.get("mrz_type") is not None
            cases.append((path, _expected_fastmrz(entry) if has_mrz else None, has_mrz))
    return cases


def mrz_specimen_rates(extdata: Path) -> dict[str, Any]:
    """Read every specimen and score it.

    Args:
        extdata: the shared external-data folder (holding the PassportEye and fastmrz folders).

    Returns:
        ``specimen_mrz_read_rate``, ``specimen_mrz_field_accuracy`` (0..1, None when nothing to
        score), ``negatives_with_valid_mrz`` and ``specimens`` (per-image details).
    """
    specimens = []
    read = with_mrz = fields_ok = fields_total = false_valid = 0
    for path, expected, has_mrz in _cases(extdata):
        started = time.perf_counter()
        mrz = _read_mrz(path)
        record: dict[str, Any] = {
            "file": str(path.relative_to(extdata)),
            "ms": round(1000 * (time.perf_counter() - started)),
            "found": mrz is not None,
            "valid": bool(mrz and mrz.valid),
            "format": mrz.format if mrz else None,
            "score": mrz.score if mrz else 0.0,
            "checks": mrz.checks_summary() if mrz else None,
        }
        if has_mrz:
            with_mrz += 1
            read += int(record["valid"])
        elif record["valid"]:
            false_valid += 1
        if expected:
            observed = _observed(mrz) if mrz else {}
            wrong = {k: observed.get(k) for k, v in expected.items() if observed.get(k) != v}
            fields_total += len(expected)
            fields_ok += len(expected) - len(wrong)
            record["wrong_fields"] = sorted(wrong)
        specimens.append(record)
    return {
        "specimen_mrz_read_rate": round(read / with_mrz, 4) if with_mrz else None,
        "specimen_mrz_field_accuracy": round(fields_ok / fields_total, 4) if fields_total else None,
        "specimen_count": with_mrz,
        "negatives_with_valid_mrz": false_valid,
        "specimens": specimens,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extdata", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = mrz_specimen_rates(args.extdata)
    print(f"{'file':60} {'fmt':5} {'valid':5} {'score':>5} {'ms':>6}  wrong fields")
    for s in result["specimens"]:
        wrong = ",".join(s.get("wrong_fields", [])) if "wrong_fields" in s else "-"
        row = f"{s['file'][-60:]:60} {s['format'] or '-':5} {s['valid']!s:5} {s['score']:5.2f} {s['ms']:6}"
        print(f"{row}  {wrong}")
    print(
        f"\nMRZ read rate (all check digits valid): {result['specimen_mrz_read_rate']} "
        f"over {result['specimen_count']} specimens"
    )
    print(f"MRZ field accuracy (images with ground truth): {result['specimen_mrz_field_accuracy']}")
    print(f"negatives with a valid MRZ: {result['negatives_with_valid_mrz']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
