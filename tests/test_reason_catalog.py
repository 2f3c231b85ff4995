"""The committed reason-code catalog is exactly what the registry generates."""

from __future__ import annotations

from pathlib import Path

from rules.catalog import render_catalog, settings_read_by
from rules.engine import RULES, load_rules

CATALOG = Path(__file__).resolve().parent.parent / "docs" / "reason-codes.md"


def test_committed_catalog_matches_the_registry() -> None:
    assert CATALOG.read_text(encoding="utf-8") == render_catalog(), (
        "docs/reason-codes.md is stale: run `python -m rules.catalog > docs/reason-codes.md`")


def test_thresholds_are_found_through_helpers_and_dispatch_tables() -> None:
    load_rules()
    assert settings_read_by(type(RULES["debt_to_income"])) == {"max_dti"}
    # paystub_arithmetic reads its tolerances in module-level check functions it lists.
    assert {"money_tolerance", "line_item_rounding"} <= settings_read_by(type(RULES["paystub_arithmetic"]))
    # document_required dispatches through a dict of requirement checks.
    assert "required_paystub_max_age_days" in settings_read_by(type(RULES["document_required"]))
