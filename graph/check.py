"""The incremental link check: one new application against every stored one, by indexed look-ups.

For each of the application's identifiers the store is asked "which other applications carry this
keyed hash?" (an index seek, capped: an identifier on more applications than the cap is a hub or a
placeholder and links nothing). The answers are judged by four rules, pure functions over
:class:`Match` rows, so they are tested without a database:

| rule | code | fires when |
|---|---|---|
| ``graph_stacking`` | MULTI_LENDER_STACKING | the same person applied at other lenders within the window |
| ``graph_synthetic_identity`` | SYNTHETIC_IDENTITY | an ID number with another person, or a person with other ID numbers |
| ``graph_duplicate_document`` | DUPLICATE_DOCUMENT | a document already in another identity's application |
| ``graph_shared_identifier`` | SHARED_IDENTIFIER | a phone, e-mail, account or address of several other identities |
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from graph.identifiers import (
    DOCUMENT_KINDS,
    IMAGE_KINDS,
    SHARED_KINDS,
    Applicant,
    Identifier,
    Kind,
    applicant,
    stored,
    to_links,
)
from graph.keys import load_secret
from pipeline.config import GraphSettings
from pipeline.models import CheckResult, Evidence, Finding, Report
from pipeline.store import Link, Store, application_key
from rules.codes import CODES

LOOKUP_KINDS = frozenset({Kind.PERSON, Kind.ID_NUMBER}) | SHARED_KINDS | DOCUMENT_KINDS | IMAGE_KINDS
"""What the check asks the store about; employers and templates only matter to the sweep."""


@dataclass(frozen=True)
class Match:
    """A stored application that carries one of the new application's identifiers."""

    application_pk: int
    application_id: str
    lender_id: str | None
    submitted_at: date | None
    kind: Kind
    key: int
    masked: str
    identity: int
    family: int | None
    detail: str = ""
    """The stored row's detail: for a perceptual band, which document it is of and its band count."""


@dataclass(frozen=True)
class Profile:
    """Who an application is: its person keys and its ID numbers (key -> identity document kind)."""

    people: frozenset[int]
    id_numbers: dict[int, str]
    identity: int
    family: int | None = None

    def same_person(self, other: Profile) -> bool:
        if self.people and other.people:
            return bool(self.people & other.people)
        return self.identity == other.identity


@dataclass(frozen=True)
class Subject:
    """The application being checked, with what the rules need to know about it."""

    profile: Profile
    lender_id: str | None
    submitted_at: date | None
    identifiers: dict[int, Identifier]
    """Key -> the identifier it hashes (for this application's own evidence: file, masked value)."""


@dataclass(frozen=True)
class Context:
    subject: Subject
    matches: tuple[Match, ...]
    profiles: dict[int, Profile]
    """application_pk -> profile of every matched application."""
    settings: GraphSettings


@dataclass(frozen=True)
class GraphRule:
    """A cross-application rule: its reason code, what it needs, and what it checks."""

    name: str
    code: str
    needs: frozenset[Kind]
    description: str
    evaluate: Callable[[Context], list[Finding]]

    def describe(self) -> str:
        return f"{self.code}: {self.description}"


# --------------------------------------------------------------------------------------------------
# The rules.


def _evidence(match: Match, note: str) -> Evidence:
    when = match.submitted_at.isoformat() if match.submitted_at else "undated"
    return Evidence(field=match.kind.value, value=match.masked,
                    note=f"{note}: application {match.application_id} at {match.lender_id or 'unknown lender'} "
                         f"on {when}")


def _finding(code: str, rule: str, message: str, evidence: Iterable[Evidence], **params: object) -> Finding:
    return Finding(code=code, severity=CODES[code].default_severity, message=message, evidence=tuple(evidence),
                   rule=rule, params=params)


def _first_per_application(matches: Iterable[Match]) -> list[Match]:
    seen: dict[int, Match] = {}
    for match in matches:
        seen.setdefault(match.application_pk, match)
    return list(seen.values())


def stacking(ctx: Context) -> list[Finding]:
    """The same person (by name and birth date, or by ID number) at other lenders within the window."""
    me, window = ctx.subject, ctx.settings.stacking_window_days
    when = me.submitted_at or date.today()
    # An ID number stands for the person only where a name and birth date cannot be compared; where
    # they can and differ, the shared number is a synthetic identity, not one person stacking.
    same = [m for m in ctx.matches if m.kind is Kind.PERSON or (
        m.kind is Kind.ID_NUMBER and not (me.profile.people and ctx.profiles[m.application_pk].people))]
    hits = [m for m in _first_per_application(same)
            if m.lender_id and m.lender_id != me.lender_id and m.submitted_at
            and abs((m.submitted_at - when).days) <= window]
    lenders = sorted({m.lender_id for m in hits if m.lender_id})
    if len(lenders) < ctx.settings.stacking_min_other_lenders:
        return []
    return [_finding("MULTI_LENDER_STACKING", "graph_stacking",
                     f"the same person applied at {len(lenders)} other lender(s) within {window} days",
                     (_evidence(m, "same person") for m in hits), other_lenders=len(lenders), window_days=window)]


def synthetic_identity(ctx: Context) -> list[Finding]:
    """An ID number given by another person, or this person with entirely different ID numbers."""
    me = ctx.subject.profile
    other_person = [m for m in ctx.matches if m.kind is Kind.ID_NUMBER
                    and me.people and ctx.profiles[m.application_pk].people
                    and not ctx.profiles[m.application_pk].same_person(me)]
    other_ids = [m for m in ctx.matches if m.kind is Kind.PERSON
                 and _conflicting_ids(me.id_numbers, ctx.profiles[m.application_pk].id_numbers)]
    found = []
    if other_person:
        found.append(_finding("SYNTHETIC_IDENTITY", "graph_synthetic_identity",
                              "this ID number was given with a different name or date of birth",
                              (_evidence(m, "same ID number, different person") for m in
                               _first_per_application(other_person))))
    if other_ids:
        found.append(_finding("SYNTHETIC_IDENTITY", "graph_synthetic_identity",
                              "this person (name and date of birth) was seen with a different ID number",
                              (_evidence(m, "same person, other ID number") for m in _first_per_application(other_ids))))
    return found


def _conflicting_ids(mine: dict[int, str], theirs: dict[int, str]) -> bool:
    """No ID number in common, and at least one document kind on both sides (a passport number and
    a driver's licence number of one person are both genuine)."""
    if not mine or not theirs or mine.keys() & theirs.keys():
        return False
    return bool(set(mine.values()) & set(theirs.values()))


def duplicate_document(ctx: Context) -> list[Finding]:
    """A document (same file, same content, or the same printed values pixel for pixel) already in
    another identity's application: one finding per document of this application, naming every
    fingerprint that matched."""
    me = ctx.subject
    by_file: dict[str | None, list[Match]] = defaultdict(list)
    for m in ctx.matches:
        if m.kind in DOCUMENT_KINDS and not ctx.profiles[m.application_pk].same_person(me.profile):
            by_file[me.identifiers[m.key].file].append(m)
    for file, matches in image_duplicates(ctx).items():
        by_file[file] += matches
    found = []
    for file, matches in by_file.items():
        how = sorted({_DUPLICATE_HOW[m.kind] for m in matches})
        found.append(_finding("DUPLICATE_DOCUMENT", "graph_duplicate_document",
                              f"{file or 'a document'} was already submitted by another identity ({', '.join(how)})",
                              (_evidence(m, "already submitted") for m in _first_per_application(matches)),
                              file=file, matched=how))
    return found


def image_duplicates(ctx: Context) -> dict[str | None, list[Match]]:
    """This application's documents that match >= M of the K perceptual bands of one earlier document
    of another identity, with those matches (see :func:`required_bands`).

    Bands are counted per (my document, earlier document): bands of two earlier documents, or of
    two of mine, never add up, so a few coincident amounts on each of many documents link nothing.
    """
    me = ctx.subject
    pairs: dict[tuple[str | None, int, str], dict[int, Match]] = defaultdict(dict)
    for m in ctx.matches:
        if m.kind in IMAGE_KINDS and not ctx.profiles[m.application_pk].same_person(me.profile):
            pairs[(me.identifiers[m.key].file, m.application_pk, m.detail)].setdefault(m.key, m)
    found: dict[str | None, list[Match]] = defaultdict(list)
    for (file, _, detail), matched in pairs.items():
        if image_bands_link(len(matched), _band_count(detail), ctx.settings):
            found[file] += matched.values()
    return found


def _band_count(detail: str) -> int:
    """K from a band's detail ``<digest prefix>/<K>``; 0 (never linked by share) when malformed."""
    _, _, count = detail.rpartition("/")
    return int(count) if count.isdigit() else 0


_DUPLICATE_HOW = {Kind.DOC_FILE: "byte-identical file", Kind.DOC_CONTENT: "same kind and key field values",
                  Kind.DOC_IMAGE: "same printed values, pixel for pixel"}


def required_bands(stored_bands: int, settings: GraphSettings) -> int:
    """M for an earlier document of K bands: a share of K, never fewer than the floor.

    A share, because colleagues' stubs share their pay dates and standard deductions in proportion
    to how much they print; a floor, because a card with six values must not link on two.
    """
    return max(settings.image_min_bands, math.ceil(settings.image_min_band_share * stored_bands))


def image_bands_link(matched: int, stored_bands: int, settings: GraphSettings) -> bool:
    """Whether ``matched`` of an earlier document's ``stored_bands`` glyph bands make it this document
    (never for an unknown K: a malformed row must not link on the floor alone)."""
    return stored_bands > 0 and matched >= required_bands(stored_bands, settings)


def shared_identifier(ctx: Context) -> list[Finding]:
    """A phone, e-mail, bank account or address given by several other identities.

    Members of one household (same surname) at one address do not count for each other.
    """
    me = ctx.subject
    by_key: dict[int, list[Match]] = defaultdict(list)
    for m in ctx.matches:
        if m.kind not in SHARED_KINDS or ctx.profiles[m.application_pk].same_person(me.profile):
            continue
        if m.kind is Kind.ADDRESS and me.profile.family is not None and m.family == me.profile.family:
            continue
        by_key[m.key].append(m)
    found = []
    for key, matches in by_key.items():
        identities = {m.identity for m in matches}
        if len(identities) < ctx.settings.shared_min_other_identities:
            continue
        mine = me.identifiers[key]
        found.append(_finding("SHARED_IDENTIFIER", "graph_shared_identifier",
                              f"{mine.kind.value} {mine.masked} is shared with {len(identities)} other identities",
                              (_evidence(m, "also given by") for m in _first_per_application(matches)),
                              kind=mine.kind.value, other_identities=len(identities)))
    return found


RULES: tuple[GraphRule, ...] = (
    GraphRule("graph_stacking", "MULTI_LENDER_STACKING", frozenset({Kind.PERSON, Kind.ID_NUMBER}),
              "same person at other lenders within the stacking window", stacking),
    GraphRule("graph_synthetic_identity", "SYNTHETIC_IDENTITY", frozenset({Kind.PERSON, Kind.ID_NUMBER}),
              "ID number with another name or birth date, or person with other ID numbers", synthetic_identity),
    GraphRule("graph_duplicate_document", "DUPLICATE_DOCUMENT", DOCUMENT_KINDS | IMAGE_KINDS,
              "document file, content or printed values (perceptual hash) already in another identity's "
              "application", duplicate_document),
    GraphRule("graph_shared_identifier", "SHARED_IDENTIFIER", SHARED_KINDS,
              "phone, e-mail, account or address shared with several other identities", shared_identifier),
)


# --------------------------------------------------------------------------------------------------
# Running the check against a store.


@dataclass(frozen=True)
class LinkResult:
    """What the link step adds to a report, and the rows to store with it."""

    findings: list[Finding]
    checks: list[CheckResult]
    links: list[Link]


def not_run(reason: str) -> list[CheckResult]:
    return [CheckResult(rule=r.name, code=r.code, status="not_run", reason=reason) for r in RULES]


def link_application(report: Report, store: Store | None, settings: GraphSettings,
                     image_signatures: Mapping[str, str] | None = None) -> LinkResult:
    """Check ``report``'s application against the store; the links to save come back with the findings.

    ``image_signatures``: file name -> perceptual signature of that document (graph/phash.py), made
    where its page images were; documents without one are linked by file and content only.
    """
    app = report.application
    found = applicant(app, report.documents, settings.default_phone_region, image_signatures,
                      settings.image_probe_bits)
    if found is None:
        return LinkResult([], not_run("no identifier in the application or its documents"), [])
    secret = load_secret(settings.secret_path)
    lender_id = app.lender_id if app else None
    links = to_links(found, secret, application_key(lender_id, report.application_id))
    if store is None:
        return LinkResult([], not_run("verified without a store: no other applications to link to"),
                          stored(links, found))
    subject = _subject(found, links, lender_id, app.submitted_at if app else None)
    dialect = store.engine.dialect.name
    # Autocommit: a read-only look-up needs no BEGIN / ROLLBACK, two round trips fewer on PostgreSQL.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            matches, profiles = lookup(cursor, dialect, links, application_key(lender_id, report.application_id),
                                       settings.lookup_cap)
        finally:
            cursor.close()
    return evaluate(Context(subject, tuple(matches), profiles, settings), stored(links, found))


def evaluate(ctx: Context, links: list[Link]) -> LinkResult:
    """Run every rule over the matches; a rule whose identifiers the application lacks is not_run."""
    kinds = {i.kind for i in ctx.subject.identifiers.values()}
    findings: list[Finding] = []
    checks = []
    for rule in RULES:
        if not kinds & rule.needs:
            checks.append(CheckResult(rule=rule.name, code=rule.code, status="not_run",
                                      reason=f"no {' / '.join(sorted(rule.needs))} to look up"))
            continue
        raised = rule.evaluate(ctx)
        findings += raised
        checks.append(CheckResult(rule=rule.name, code=rule.code, status="failed" if raised else "passed"))
    return LinkResult(findings, checks, links)


def _subject(found: Applicant, links: Sequence[Link], lender_id: str | None,
             submitted_at: date | None) -> Subject:
    by_key = {link.key: item for link, item in zip(links, found.identifiers, strict=True)}
    people = frozenset(k for k, i in by_key.items() if i.kind is Kind.PERSON)
    ids = {k: i.detail for k, i in by_key.items() if i.kind is Kind.ID_NUMBER}
    profile = Profile(people, ids, links[0].identity, links[0].family)
    return Subject(profile, lender_id, submitted_at, by_key)


Cursor = Any
"""A DB-API cursor (sqlite3 or psycopg): look-ups go below SQLAlchemy, whose per-statement result
set-up was most of a check's cost (about a millisecond a query)."""

_PARAM_STYLE = {"sqlite": ":{}", "postgresql": "%({})s"}
_KEYS_PER_STATEMENT = 400
"""Keys per look-up statement: under SQLite's 500-term limit on a compound SELECT."""
_IMAGE_KEYS_PER_STATEMENT = 900
"""Perceptual band keys per ``IN`` list: far below SQLite's and PostgreSQL's parameter limits."""
"""How each driver spells a named parameter."""


def lookup(cursor: Cursor, dialect: str, links: Sequence[Link], own_key: str, cap: int,
           ) -> tuple[list[Match], dict[int, Profile]]:
    """Stored applications sharing any looked-up identifier, and who they are, in one round trip.

    One index seek per identifier, each limited to ``cap + 1`` rows; an identifier that fills its
    limit is dropped whole: it is a placeholder or a hub, and its thousands of rows would cost more
    than they tell. The application's own stored version (same lender and application id) is left
    out, so re-verifying it never links it to itself. The same statement returns the person keys and
    ID numbers of every matched application (rows tagged 1), which the rules compare with ours.
    """
    wanted = {link.key: Kind(link.kind) for link in links if link.kind in LOOKUP_KINDS}
    if not wanted:
        return [], {}
    rows = []
    # Perceptual bands and their probes make hundreds of keys: one UNION branch each cost 30 ms a
    # statement on SQLite, so they go as one IN list per chunk (capped per key below, in Python).
    plain = [key for key, kind in wanted.items() if kind not in IMAGE_KINDS]
    image = [key for key, kind in wanted.items() if kind in IMAGE_KINDS]
    batches = ((plain, _lookup_sql, _KEYS_PER_STATEMENT), (image, _image_lookup_sql, _IMAGE_KEYS_PER_STATEMENT))
    for keys, sql, size in batches:
        for start in range(0, len(keys), size):
            chunk = keys[start:start + size]
            cursor.execute(sql(len(chunk), dialect),
                           {"own_key": own_key, "cap": cap + 1, **{f"k{i}": key for i, key in enumerate(chunk)}})
            rows += cursor.fetchall()
    per_key: dict[int, int] = defaultdict(int)
    for row in rows:
        if row[0] == 0:
            per_key[row[2]] += 1
    matches = [Match(pk, app_id, lender, _as_date(when), wanted[key], key, masked, identity, family, detail or "")
               for tag, pk, key, identity, family, masked, app_id, lender, when, _, detail in rows
               if tag == 0 and per_key[key] <= cap]
    people: dict[int, set[int]] = defaultdict(set)
    ids: dict[int, dict[int, str]] = defaultdict(dict)
    for tag, pk, key, *_, kind, detail in rows:
        if tag == 1 and kind == Kind.PERSON.value:
            people[pk].add(key)
        elif tag == 1:
            ids[pk][key] = detail
    who = {m.application_pk: (m.identity, m.family) for m in matches}
    return matches, {pk: Profile(frozenset(people[pk]), ids[pk], *pair) for pk, pair in who.items()}


@cache
def _lookup_sql(count: int, dialect: str) -> str:
    param = _PARAM_STYLE[dialect].format
    own = f"COALESCE((SELECT id FROM applications WHERE application_key = {param('own_key')}), -1)"
    branches = " UNION ALL ".join(
        f"SELECT * FROM (SELECT application_pk, key, identity, family, masked, detail FROM identifier_links "
        f"WHERE key = {param(f'k{i}')} AND application_pk <> {own} LIMIT {param('cap')}) AS m{i}" for i in range(count))
    return (f"WITH m AS ({branches}) "
            f"SELECT 0, m.application_pk, m.key, m.identity, m.family, m.masked, a.application_id, a.lender_id, "
            f"a.submitted_at, NULL, m.detail FROM m JOIN applications a ON a.id = m.application_pk "
            f"UNION ALL SELECT 1, l.application_pk, l.key, NULL, NULL, NULL, NULL, NULL, NULL, l.kind, l.detail "
            f"FROM identifier_links l WHERE l.application_pk IN (SELECT application_pk FROM m) "
            f"AND l.kind IN ('person', 'id_number')")


@cache
def _image_lookup_sql(count: int, dialect: str) -> str:
    """Like :func:`_lookup_sql` for perceptual bands: one ``IN`` list, no per-key limit (a band on more
    than ``cap`` applications is still dropped whole, after fetching)."""
    param = _PARAM_STYLE[dialect].format
    own = f"COALESCE((SELECT id FROM applications WHERE application_key = {param('own_key')}), -1)"
    keys = ", ".join(param(f"k{i}") for i in range(count))
    return (f"WITH m AS (SELECT application_pk, key, identity, family, masked, detail FROM identifier_links "
            f"WHERE key IN ({keys}) AND application_pk <> {own}) "
            f"SELECT 0, m.application_pk, m.key, m.identity, m.family, m.masked, a.application_id, a.lender_id, "
            f"a.submitted_at, NULL, m.detail FROM m JOIN applications a ON a.id = m.application_pk "
            f"UNION ALL SELECT 1, l.application_pk, l.key, NULL, NULL, NULL, NULL, NULL, NULL, l.kind, l.detail "
            f"FROM identifier_links l WHERE l.application_pk IN (SELECT application_pk FROM m) "
            f"AND l.kind IN ('person', 'id_number')")


def _as_date(value: date | str | None) -> date | None:
    """sqlite3 hands a DATE column back as its ISO string; psycopg as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value
