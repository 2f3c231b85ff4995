"""The batch sweep: every stored application at once, clustered by what they share.

At a million applications a Python object per link is what costs (DESIGN.md: networkx needs ~3.9 GB
and ~50 s), so the whole edge list stays in numpy arrays of integers — the link keys already are
63-bit integers, so there is no string-to-id mapping to do:

1. stream ``(application, kind, key, identity, family)`` rows into arrays;
2. drop identifiers on more applications than the cap (placeholders, hubs) — they glue strangers;
3. connected components over the strong identifiers (vectorised label propagation, below);
4. score every component in bulk: distinct identities, kinds of identifiers shared *between*
   households (relatives share an address without being a ring) — and only the few candidates go
   on to networkx, which splits
   a large one into dense communities (greedy modularity) before each is scored again;
5. FRAUD_RING findings are written back on the members (replacing the previous sweep's, so running
   twice changes nothing), with JSON and an HTML page per flagged cluster.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
from sqlalchemy import Row, delete, func, select

from graph.identifiers import IMAGE_KINDS, STRONG_KINDS, Kind
from pipeline.config import GraphSettings
from pipeline.models import Evidence, Finding, Report
from pipeline.scoring import decide
from pipeline.store import ApplicationRow, FindingRow, LinkRow, Store
from rules.codes import CODES

KIND_CODES: tuple[Kind, ...] = tuple(Kind)
"""Kinds as small integers (their position here) inside the arrays."""
_STRONG = np.array([k in STRONG_KINDS for k in KIND_CODES])
_CONNECTING = np.array([k in STRONG_KINDS or k is Kind.PERSON for k in KIND_CODES])
"""Person keys connect one identity's applications; they are never "shared" between identities."""
SWEEP_RULE = "graph_sweep"
_CHUNK = 200_000


@dataclass
class Edges:
    """The link table as parallel int64 arrays, one entry per (application, identifier)."""

    app: np.ndarray
    kind: np.ndarray
    key: np.ndarray
    identity: np.ndarray
    family: np.ndarray

    def __len__(self) -> int:
        return len(self.app)

    def subset(self, mask: np.ndarray) -> Edges:
        return Edges(self.app[mask], self.kind[mask], self.key[mask], self.identity[mask], self.family[mask])


@dataclass
class Cluster:
    """A flagged group of applications with what makes it suspicious."""

    cluster_id: str
    score: int
    identities: int
    shared_kinds: list[str]
    supporting_kinds: list[str]
    lenders: int
    first: str | None
    last: str | None
    span_days: int
    velocity: int
    """Applications in the ``velocity_window_days`` up to the latest one."""
    members: list[dict[str, object]] = field(default_factory=list)
    links: list[tuple[int, str, str]] = field(default_factory=list)
    """(application pk, identifier kind, masked value) for every shared identifier: the picture."""


@dataclass
class SweepResult:
    applications: int
    shared_links: int
    """Link rows whose identifier is on two or more applications: all the sweep has to look at."""
    dropped_identifiers: int
    components: int
    candidates: int
    clusters: list[Cluster]
    flagged_applications: int
    timings_s: dict[str, float]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# Loading.


def _select_sql() -> str:
    # Most identifiers (a person's own phone, every document digest) are on one application and can
    # link nothing: the database drops them, so only shared identifiers cross into Python.
    # Perceptual value bands are left out: one band is one amount printed alike, which glues strangers;
    # the verify-time check links whole documents by them (M of K bands), and its DUPLICATE_DOCUMENT
    # finding is what the sweep's reader sees.
    cases = " ".join(f"WHEN '{k.value}' THEN {i}" for i, k in enumerate(KIND_CODES))
    table = LinkRow.__tablename__
    skipped = ", ".join(f"'{k.value}'" for k in sorted(IMAGE_KINDS))
    return (f"SELECT l.application_pk, CASE l.kind {cases} ELSE -1 END, l.key, l.identity, COALESCE(l.family, 0) "
            f"FROM {table} l JOIN (SELECT key FROM {table} WHERE kind NOT IN ({skipped}) GROUP BY key "
            f"HAVING COUNT(*) > 1) s ON s.key = l.key")


def _row_chunks(store: Store) -> Iterator[list[tuple[int, ...]]]:
    """The link table in chunks of plain tuples, streamed (a server-side cursor on PostgreSQL)."""
    raw = store.engine.raw_connection()
    try:
        driver = raw.driver_connection
        named = store.engine.dialect.name == "postgresql"
        cursor = driver.cursor(name="docsentry_sweep") if named else driver.cursor()  # type: ignore[union-attr]
        if named:
            cursor.itersize = _CHUNK
        cursor.execute(_select_sql())
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk
        cursor.close()
    finally:
        raw.close()


def load_edges(store: Store) -> Edges:
    """Every link row as arrays; at most one chunk of Python tuples exists at a time."""
    parts = [np.array(chunk, dtype=np.int64) for chunk in _row_chunks(store)]
    table = np.concatenate(parts) if parts else np.zeros((0, 5), dtype=np.int64)
    table = table[table[:, 1] >= 0]
    return Edges(*(np.ascontiguousarray(table[:, i]) for i in range(5)))


# --------------------------------------------------------------------------------------------------
# Vectorised graph steps.


def drop_hubs(edges: Edges, max_degree: int) -> tuple[Edges, int]:
    """Edges of identifiers on at most ``max_degree`` applications; also how many were dropped."""
    _, inverse, counts = np.unique(edges.key, return_inverse=True, return_counts=True)
    keep = counts[inverse] <= max_degree
    return edges.subset(keep), int((counts > max_degree).sum())


def connected_components(app: np.ndarray, key: np.ndarray, n_apps: int) -> np.ndarray:
    """Component label (the smallest member's index) of each of ``n_apps`` applications.

    ``app[i]`` (0..n_apps-1) carries identifier ``key[i]`` (0..n_keys-1). Each round every
    identifier takes the smallest label of its applications and every application the smallest label
    of its identifiers; pointer jumping (``label = label[label]``) then shortcuts chains, so the
    rounds grow with the logarithm of a component's diameter, each one a few array passes.
    """
    label = np.arange(n_apps, dtype=np.int64)
    n_keys = int(key.max()) + 1 if len(key) else 0
    while True:
        key_min = np.full(n_keys, n_apps, dtype=np.int64)
        np.minimum.at(key_min, key, label[app])
        new = label.copy()
        np.minimum.at(new, app, key_min[key])
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Values renumbered 0..k-1 (and k), so that pairs of them pack into one int64."""
    uniques, index = np.unique(values, return_inverse=True)
    return index, len(uniques)


def _distinct_pairs(left: np.ndarray, right: np.ndarray, right_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (left, right) pairs of small non-negative integers, by packing each into one int64."""
    packed = np.unique(left * right_count + right)
    return packed // right_count, packed % right_count


@dataclass
class ComponentStats:
    """Per-component counts, indexed by component number."""

    identities: np.ndarray
    strong_kinds: np.ndarray


def owners(edges: Edges) -> np.ndarray:
    """Who gives each edge's identifier, for "is it shared": the household (surname hash) where known,
    else the identity. Relatives at one address are one owner, so a household never shares an
    address with itself, and two households touched by one coincident phone share one kind, not two."""
    return np.where(edges.family != 0, edges.family, -edges.identity)


def component_stats(comp: np.ndarray, edges: Edges, n_comps: int) -> ComponentStats:
    """Distinct identities, and kinds of identifier shared between two or more households.

    ``edges`` are connecting edges, so every identifier lies inside one component.
    """
    person, n_people = _dense(edges.identity)
    owner, n_owners = _dense(owners(edges))
    key, _ = _dense(edges.key)
    identities = np.bincount(_distinct_pairs(comp, person, n_people)[0], minlength=n_comps)
    key_of_pair, _ = _distinct_pairs(key, owner, n_owners)
    kind_of_key = _first_by(key, edges.kind)
    # Person keys never count: they are the identity itself, not something it shares.
    shared_key = ((np.bincount(key_of_pair) >= 2) & _STRONG[kind_of_key]
                  & (kind_of_key != KIND_CODES.index(Kind.PERSON)))
    on_shared = shared_key[key]
    comp_of_kind, _ = _distinct_pairs(comp[on_shared], edges.kind[on_shared], len(KIND_CODES))
    return ComponentStats(identities, np.bincount(comp_of_kind, minlength=n_comps))


def _first_by(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each index 0..k-1, a value of an entry that has it (all entries of a key share its kind)."""
    out = np.empty(int(index.max()) + 1 if len(index) else 0, dtype=values.dtype)
    out[index] = values
    return out


# --------------------------------------------------------------------------------------------------
# Candidates: networkx on a few hundred small graphs.


def identity_graph(edges: Edges) -> nx.Graph:
    """Identities of one component, joined where they share a strong identifier (weight: kinds shared)."""
    graph = nx.Graph()
    graph.add_nodes_from(np.unique(edges.identity).tolist())
    by_key: dict[int, set[int]] = {}
    kinds: dict[int, Kind] = {}
    for key, kind, identity in zip(edges.key.tolist(), edges.kind.tolist(), edges.identity.tolist(), strict=True):
        if _STRONG[kind]:
            by_key.setdefault(key, set()).add(identity)
            kinds[key] = KIND_CODES[kind]
    for key, members in by_key.items():
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                shared = graph.get_edge_data(a, b, {}).get("kinds", set()) | {kinds[key].value}
                graph.add_edge(a, b, kinds=shared, weight=len(shared))
    return graph


def communities(edges: Edges, settings: GraphSettings) -> list[set[int]]:
    """Sets of identities to score: the whole component, or its dense communities when it is large."""
    graph = identity_graph(edges)
    if graph.number_of_nodes() <= settings.community_split_identities:
        return [set(graph.nodes)]
    return [set(c) for c in nx.community.greedy_modularity_communities(graph, weight="weight")]


def shared_kinds(edges: Edges) -> tuple[list[str], list[str]]:
    """Kinds of identifier given by two or more households (see :func:`owners`): strong, supporting."""
    given_by: dict[int, set[int]] = {}
    kind_of: dict[int, int] = {}
    for key, kind, owner in zip(edges.key.tolist(), edges.kind.tolist(), owners(edges).tolist(), strict=True):
        given_by.setdefault(key, set()).add(owner)
        kind_of[key] = kind
    kinds = {KIND_CODES[kind_of[k]] for k, who in given_by.items() if len(who) > 1} - {Kind.PERSON}
    strong = sorted(k.value for k in kinds if k in STRONG_KINDS)
    return strong, sorted(k.value for k in kinds if k not in STRONG_KINDS)


def cluster_score(strong: int, supporting: int, identities: int, lenders: int, velocity: int) -> int:
    """0..100 for ranking flagged clusters: shared kinds weigh most, then size, spread and speed."""
    return min(100, 15 * strong + 5 * supporting + 5 * min(identities, 8) + 5 * min(lenders, 4)
               + (10 if velocity >= 3 else 0))


# --------------------------------------------------------------------------------------------------
# The sweep.


def sweep(store: Store, settings: GraphSettings) -> SweepResult:
    """Cluster every stored application, flag suspicious clusters, store FRAUD_RING findings."""
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    edges = load_edges(store)
    timings["load"] = _since(mark)
    mark = time.perf_counter()
    shared_links = len(edges)
    # Weak kinds (employer, template) are loaded for scoring only; hubs go before anything else.
    edges, dropped = drop_hubs(edges, settings.max_identifier_degree)
    pks, edges.app = np.unique(edges.app, return_inverse=True)
    strong_edges = edges.subset(_CONNECTING[edges.kind])
    key_index, _ = _dense(strong_edges.key)
    label = connected_components(strong_edges.app, key_index, len(pks))
    roots, comp_of_app = np.unique(label, return_inverse=True)
    stats = component_stats(comp_of_app[strong_edges.app], strong_edges, len(roots))
    candidates = np.flatnonzero((stats.identities >= settings.ring_min_identities)
                                & (stats.strong_kinds >= settings.ring_min_shared_kinds))
    timings["components"] = _since(mark)
    mark = time.perf_counter()
    flagged: list[tuple[np.ndarray, list[str], list[str], int]] = []
    comp = comp_of_app[edges.app]
    in_candidate = np.isin(comp, candidates)
    cand_edges = edges.subset(in_candidate)
    for part in _groups(comp[in_candidate]):
        component = cand_edges.subset(part)
        for members in communities(component, settings):
            sub = component.subset(np.isin(component.identity, list(members)))
            strong, supporting = shared_kinds(sub)
            if len(members) >= settings.ring_min_identities and len(strong) >= settings.ring_min_shared_kinds:
                flagged.append((pks[np.unique(sub.app)], strong, supporting, len(members)))
    timings["clusters"] = _since(mark)
    mark = time.perf_counter()
    clusters = describe_clusters(store, flagged, settings)
    clusters.sort(key=lambda c: -c.score)
    flagged_count = write_findings(store, clusters)
    timings["write"] = _since(mark)
    with store.session() as session:
        applications = session.scalar(select(func.count()).select_from(ApplicationRow)) or 0
    return SweepResult(applications=applications, shared_links=shared_links, dropped_identifiers=dropped,
                       components=len(roots), candidates=len(candidates), clusters=clusters,
                       flagged_applications=flagged_count, timings_s=timings)


Flagged = tuple[np.ndarray, list[str], list[str], int]
"""Member application ids, strong and supporting shared kinds, distinct identities."""
_IN_CHUNK = 900
"""Ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits."""


def describe_clusters(store: Store, flagged: list[Flagged], settings: GraphSettings) -> list[Cluster]:
    """Members (id, lender, date) and shared links of every flagged cluster, read in a few chunked queries."""
    pks = sorted({pk for members, *_ in flagged for pk in members.tolist()})
    apps: dict[int, Row] = {}
    links: dict[int, list[Row]] = {}
    with store.session() as session:
        for start in range(0, len(pks), _IN_CHUNK):
            chunk = pks[start:start + _IN_CHUNK]
            for app in session.execute(select(ApplicationRow.id, ApplicationRow.application_id, ApplicationRow.lender_id,
                                              ApplicationRow.submitted_at).where(ApplicationRow.id.in_(chunk))):
                apps[app.id] = app
            for link in session.execute(select(LinkRow.application_pk, LinkRow.kind, LinkRow.key, LinkRow.masked)
                                        .where(LinkRow.application_pk.in_(chunk))):
                links.setdefault(link.application_pk, []).append(link)
    return [_describe([apps[pk] for pk in members.tolist()],
                      [link for pk in members.tolist() for link in links.get(pk, []) if link.kind in strong + supporting],
                      strong, supporting, identities, settings)
            for members, strong, supporting, identities in flagged]


def _describe(apps: list[Row], links: list[Row], strong: list[str], supporting: list[str], identities: int,
              settings: GraphSettings) -> Cluster:
    carriers: dict[int, set[int]] = {}
    for link in links:
        carriers.setdefault(link.key, set()).add(link.application_pk)
    dates = sorted(a.submitted_at for a in apps if a.submitted_at)
    latest = dates[-1] if dates else None
    window = timedelta(days=settings.velocity_window_days)
    velocity = sum(1 for d in dates if latest and d > latest - window)
    lenders = len({a.lender_id for a in apps if a.lender_id})
    pk_list = sorted(a.id for a in apps)
    return Cluster(
        cluster_id="R-" + hashlib.sha1(",".join(map(str, pk_list)).encode()).hexdigest()[:10],
        score=cluster_score(len(strong), len(supporting), identities, lenders, velocity),
        identities=identities, shared_kinds=strong, supporting_kinds=supporting, lenders=lenders,
        first=dates[0].isoformat() if dates else None, last=latest.isoformat() if latest else None,
        span_days=(dates[-1] - dates[0]).days if dates else 0, velocity=velocity,
        members=[{"pk": a.id, "application_id": a.application_id, "lender_id": a.lender_id,
                  "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None} for a in apps],
        links=[(link.application_pk, link.kind, link.masked) for link in links if len(carriers[link.key]) > 1],
    )


def ring_finding(cluster: Cluster, member: dict[str, object]) -> Finding:
    """The FRAUD_RING finding of one member: the cluster's shape and the other members."""
    others = [m for m in cluster.members if m["pk"] != member["pk"]]
    return Finding(
        code="FRAUD_RING", severity=CODES["FRAUD_RING"].default_severity, rule=SWEEP_RULE,
        message=(f"member of cluster {cluster.cluster_id}: {cluster.identities} identities sharing "
                 f"{', '.join(cluster.shared_kinds)} across {cluster.lenders} lender(s)"),
        evidence=tuple(Evidence(field="cluster", value=cluster.cluster_id,
                                note=f"linked application {m['application_id']} at {m['lender_id']} "
                                     f"on {m['submitted_at']}") for m in others),
        params={"cluster_id": cluster.cluster_id, "score": cluster.score, "shared_kinds": cluster.shared_kinds,
                "supporting_kinds": cluster.supporting_kinds, "velocity": cluster.velocity},
    )


def write_findings(store: Store, clusters: list[Cluster]) -> int:
    """Replace every earlier sweep finding with this sweep's, re-scoring the touched applications.

    One transaction: a crash leaves the previous sweep's findings, never half of each.
    """
    new: dict[int, list[Finding]] = {}
    for cluster in clusters:
        for member in cluster.members:
            new.setdefault(int(str(member["pk"])), []).append(ring_finding(cluster, member))
    with store.session() as session:
        old = set(session.scalars(select(FindingRow.application_pk).where(FindingRow.rule == SWEEP_RULE)))
        session.execute(delete(FindingRow).where(FindingRow.rule == SWEEP_RULE))
        touched = sorted(old | set(new))
        rows = [row for start in range(0, len(touched), _IN_CHUNK) for row in session.scalars(
            select(ApplicationRow).where(ApplicationRow.id.in_(touched[start:start + _IN_CHUNK])))]
        for row in rows:
            report = Report.model_validate(row.report_json)
            findings = [f for f in report.findings if f.rule != SWEEP_RULE] + new.get(row.id, [])
            score, decision = decide(findings)
            report = report.model_copy(update={"findings": findings, "risk_score": score, "decision": decision})
            row.report_json = json.loads(report.model_dump_json())
            row.risk_score, row.decision = score, decision
            session.add_all(FindingRow(application_pk=row.id, code=f.code, severity=f.severity.value, rule=f.rule,
                                       message=f.message, evidence=[e.model_dump(mode="json") for e in f.evidence])
                            for f in new.get(row.id, []))
    return len(new)


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """Indices of each distinct label, one array per label."""
    if not len(labels):
        return []
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(labels[order][1:] != labels[order][:-1]) + 1
    return np.split(order, starts)


def _since(mark: float) -> float:
    return round(time.perf_counter() - mark, 3)

