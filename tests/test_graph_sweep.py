"""The batch sweep: a planted ring is flagged, a household or a placeholder hub is not; reruns change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from graph.render import cluster_html
from graph.sweep import connected_components, sweep
from pipeline.config import GraphSettings, Settings
from pipeline.store import FindingRow, Store
from tests.test_graph_check import App, submit


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSENTRY_SECRET", "test-secret")


@pytest.mark.parametrize(("apps", "keys", "expected"), [
    ([0, 1, 2, 3], [0, 0, 1, 1], [0, 0, 2, 2]),
    ([0, 1, 1, 2, 2, 3], [0, 0, 1, 1, 2, 2], [0, 0, 0, 0]),
    ([3, 2, 2, 1, 1, 0], [0, 0, 1, 1, 2, 2], [0, 0, 0, 0]),
    ([0], [0], [0, 1, 2]),
])
def test_connected_components(apps: list[int], keys: list[int], expected: list[int]) -> None:
    labels = connected_components(np.array(apps), np.array(keys), len(expected))
    assert labels.tolist() == expected


PHONE, ACCOUNT_STREET = "(415) 555-2671", "476 West Cook Place Apt 34A, Beckborough, VT 59991"
RING = [App(f"R{i}", name=name, dob=f"19{70 + i}-01-0{i + 1}", id_number=f"X100000{i}", lender=f"L-0{i + 1}",
            phone=PHONE, address=ACCOUNT_STREET, day=i) for i, name in enumerate(("Ann Lee", "Bo Chan", "Cy Diaz"))]
FAMILY = [App(f"F{i}", name=f"{first} Wise", dob=f"19{60 + 10 * i}-02-03", id_number=f"Y200000{i}",
              address="349 Perry Court, Lake David, IN 21561", email="wise.family@aol.com")
          for i, first in enumerate(("Tim", "Andrea", "Joe"))]


def _flagged(store: Store) -> set[str]:
    return {c.members[i]["application_id"] for c in sweep(store, GraphSettings()).clusters
            for i in range(len(c.members))}  # type: ignore[misc]


def test_sweep_flags_a_ring_not_a_family(db_url: str) -> None:
    store = Store(db_url)
    for app in RING + FAMILY:
        submit(store, app)
    assert _flagged(store) == {"R0", "R1", "R2"}
    ring = store.load_report("R2", "L-03")
    assert ring is not None and ring.decision == "decline"
    assert [f.code for f in ring.findings].count("FRAUD_RING") == 1


def test_sweep_is_idempotent(db_url: str) -> None:
    store = Store(db_url)
    for app in RING:
        submit(store, app)
    sweep(store, GraphSettings())
    sweep(store, GraphSettings())
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(FindingRow).where(FindingRow.code == "FRAUD_RING")) == 3


def test_placeholder_hub_glues_nobody(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    # Strangers sharing a call-centre phone and a generic e-mail: two kinds, but each identifier is on
    # more applications than the cap, so the sweep drops both before clustering.
    settings = GraphSettings(max_identifier_degree=5)
    for i in range(8):
        submit(store, App(f"H{i}", name=f"Person{i} Name{i}", id_number=f"Z30000{i:02d}", phone="(800) 555-0199",
                          email="info@callcentre.com", dob=f"19{50 + i}-01-01"))
    result = sweep(store, settings)
    assert result.clusters == [] and result.dropped_identifiers == 2


def test_cluster_page_draws_the_graph(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    for app in RING:
        submit(store, app)
    cluster = sweep(store, Settings().graph).clusters[0]
    page = cluster_html(cluster)
    assert "<svg" in page and "***2671" in page and "R1" in page
    assert json.dumps(sweep(store, Settings().graph).to_json())
