"""End to end: the committed cross-application sequences, verified in order into one store, then swept.

Only the graph's codes are asserted: some of these bundles also carry extraction findings that are
not this test's business.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from pipeline.store import Store
from pipeline.verify import verify_bundle

BUNDLES = Path(__file__).resolve().parents[1] / "samples" / "bundles"
GRAPH_CODES = {"MULTI_LENDER_STACKING", "SYNTHETIC_IDENTITY", "DUPLICATE_DOCUMENT", "SHARED_IDENTIFIER", "FRAUD_RING"}


def _sequence() -> list[tuple[Path, dict]]:
    truths = [(p.parent, json.loads(p.read_text())) for p in BUNDLES.glob("*/truth.json")]
    grouped = [(b, t) for b, t in truths if t.get("group")]
    return sorted(grouped, key=lambda bt: (bt[1]["group"], bt[1]["order"]))


def test_sequences_raise_their_graph_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSENTRY_SECRET", "e2e")
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    settings, store = Settings(db_url=url), Store(url)
    sequence = _sequence()
    assert sequence
    for bundle, truth in sequence:
        found = {f.code for f in verify_bundle(bundle, settings, store=store).findings} & GRAPH_CODES
        expected = set(truth["expected_codes"]) & GRAPH_CODES - {"FRAUD_RING"}
        forbidden = set(truth["forbidden_codes"]) & GRAPH_CODES
        assert expected <= found, (bundle.name, truth["scenario"], found)
        assert not found & forbidden, (bundle.name, truth["scenario"], found)

    result = CliRunner().invoke(app, ["sweep", "--db", url, "--json", str(tmp_path / "sweep.json"),
                                      "--html", str(tmp_path / "clusters")])
    assert result.exit_code == 0, result.output
    for bundle, truth in sequence:
        application = json.loads((bundle / "application.json").read_text())
        report = store.load_report(application["application_id"], application["lender_id"])
        assert report is not None
        ring = "FRAUD_RING" in {f.code for f in report.findings}
        if "FRAUD_RING" in truth["expected_codes"]:
            assert ring, bundle.name
        if "FRAUD_RING" in truth["forbidden_codes"]:
            assert not ring, bundle.name
    assert list((tmp_path / "clusters").glob("R-*.html"))
