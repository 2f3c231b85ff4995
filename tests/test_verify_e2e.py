"""End to end: generated bundles through `verify_bundle` and the CLI, stored in SQLite."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.store import Store
from pipeline.verify import verify_bundle

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "samples" / "bundles"


def _truth(bundle: Path) -> dict:
    return json.loads((bundle / "truth.json").read_text())


def _committed(predicate) -> list[Path]:  # type: ignore[no-untyped-def]
    return [b for b in sorted(COMMITTED.iterdir()) if (b / "truth.json").exists() and predicate(_truth(b))]


def _clean_digital() -> Path:
    found = _committed(lambda t: t["scenario"] == "clean" and t["variant"] == "digital" and t.get("group") is None)
    assert found, "the committed set must hold a clean digital bundle"
    return found[0]


def _settings(tmp_path: Path) -> Settings:
    return Settings(db_url=f"sqlite:///{tmp_path / 'e2e.db'}")


def _values_match(have: object, want: object) -> bool:
    if isinstance(want, float) or isinstance(have, float):
        return have is not None and want is not None and abs(float(have) - float(want)) < 0.005  # type: ignore[arg-type]
    norm = lambda v: " ".join(str(v).upper().replace(",", " ").replace(".", " ").split())  # noqa: E731
    return norm(have) == norm(want)


def test_clean_digital_bundle_is_clear_with_its_fields(tmp_path: Path) -> None:
    bundle = _clean_digital()
    report = verify_bundle(bundle, _settings(tmp_path))
    truth = _truth(bundle)
    assert report.decision == "clear", [f.message for f in report.findings]
    by_file = {d.file: d for d in report.documents}
    for name, expected in truth["documents"].items():
        doc = by_file[name]
        assert doc.kind.value == expected["kind"]
        assert doc.source == "text"
        for field, want in expected["fields"].items():
            assert field in doc.fields, f"{name}: {field} not extracted"
            assert _values_match(doc.fields[field].value, want), f"{name}.{field}: {doc.fields[field].value!r} != {want!r}"
            assert doc.fields[field].page is not None and doc.fields[field].bbox is not None


def test_verifying_twice_stores_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    bundle = _clean_digital()
    first = verify_bundle(bundle, settings)
    second = verify_bundle(bundle, settings)
    counts = Store(settings.db_url).counts()
    assert counts["applications"] == 1
    assert counts["documents"] == len(first.documents) == len(second.documents)


def test_bad_files_are_findings_and_the_rest_is_verified(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(_clean_digital(), bundle)
    (bundle / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    (bundle / "empty.png").write_bytes(b"")
    (bundle / "notes.pdf").write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 64)
    report = verify_bundle(bundle, _settings(tmp_path))
    unreadable = {e.file for f in report.findings if f.code == "DOC_UNREADABLE" for e in f.evidence}
    assert unreadable == {"corrupt.pdf", "empty.png", "notes.pdf"}
    good = [d for d in report.documents if d.status == "ok"]
    assert len(good) == len(_truth(bundle)["documents"])
    assert all(d.fields for d in good)


def test_malformed_application_json_is_reported(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(_clean_digital(), bundle)
    (bundle / "application.json").write_text("{not json")
    report = verify_bundle(bundle, _settings(tmp_path), store=False)
    assert any(f.code == "DOC_UNREADABLE" and "application.json" in f.message for f in report.findings)


def test_cli_verify_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", str(_clean_digital()), "--json", str(out),
         "--db", f"sqlite:///{tmp_path / 'cli.db'}"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["decision"] == "clear"
    assert {"application_id", "decision", "risk_score", "documents", "findings", "checks", "timings_ms"} <= set(report)
    assert "CLEAR" in result.stdout


@pytest.mark.ocr
def test_clean_scanned_bundle_reads_by_ocr(tmp_path: Path) -> None:
    scanned = _committed(lambda t: t["scenario"] == "clean" and t["variant"] == "scan")
    assert scanned, "the committed set must hold a clean scanned bundle"
    report = verify_bundle(scanned[0], _settings(tmp_path), store=False)
    assert {d.source for d in report.documents} <= {"ocr", "mixed"}
    assert report.decision == "clear", [f.message for f in report.findings]
    truth = _truth(scanned[0])
    for doc in report.documents:
        assert doc.kind.value == truth["documents"][doc.file]["kind"]
