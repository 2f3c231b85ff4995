"""Link-graph benchmark: incremental check latency and full sweep cost over N stored applications.

    python benchmarks/graph.py --n 100000 [--db URL] [--json OUT]

N application records are written straight into the store (bulk inserts of applications and their
hashed identifier links, no documents) with realistic sharing — households at one address with one
surname, colleagues at employers of every size, a call-centre phone given by hundreds, placeholder
phones and e-mails — and planted fraud: rings (several identities sharing phone, address and bank
account), which the sweep must flag. Then new applications are checked against the N stored
(stackers at another lender, synthetic identities reusing a stored ID number, a phone shared by two
stored strangers, and clean look-alikes: relatives and colleagues of stored applicants).

The generated database is cached (SQLite: ``/tmp/docsentry-graph-N-sSEED-vVERSION.db``; PostgreSQL:
the given database is reused when it already holds N applications, so give a fresh one after
changing the seed or ``POPULATION_VERSION``), so a second run measures without
regenerating. The sweep runs in a child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import func, select, text

from benchmarks.common import print_figures
from graph.check import link_application
from graph.identifiers import Kind, person_keys
from graph.keys import SECRET_ENV, keyed_hash
from graph.sweep import sweep
from pipeline.config import GraphSettings
from pipeline.models import Applicant, Application, Report
from pipeline.store import ApplicationRow, LinkRow, Store

BENCH_SECRET = "docsentry-graph-benchmark"
FIRST_NAMES = ("Aaron", "Bianca", "Carlos", "Delia", "Ethan", "Fiona", "Gavin", "Hana", "Ivan", "Jolene", "Kurt",
               "Lena", "Marco", "Nadia", "Oscar", "Paula", "Quinn", "Rosa", "Simon", "Tara", "Umar", "Vera",
               "Wade", "Xena", "Yusuf", "Zoe")
STREETS = ("Maple", "Oak", "Cedar", "Pine", "Elm", "Birch", "Walnut", "Spruce", "Willow", "Aspen", "Hickory", "Laurel")
SUFFIXES = (("Street", "ST"), ("Avenue", "AVE"), ("Road", "RD"), ("Drive", "DR"), ("Lane", "LN"), ("Court", "CT"))
LENDERS = tuple(f"L-{i:02d}" for i in range(1, 21))
EPOCH = date(2026, 1, 1)
DAYS = 180
POPULATION_VERSION = 2
"""Bump when ``population`` changes: a cached database of another version holds other records."""
HUB_PHONE = "+18005550199"
"""A call centre's number given by 0.5% of applicants: a hub the sweep must drop, not a ring."""
CHUNK = 50_000


@dataclass
class Person:
    first: str
    surname: str
    dob: str
    id_number: str
    phone: str
    email: str
    account: str | None
    address: tuple[int, str, str, str, str]
    """(number, street, suffix long, suffix short, zip): displayed and canonical forms come from it."""
    employer: str

    @property
    def person_key(self) -> str:
        return f"{self.surname.upper()}|{_first_token(self.first)}|{self.dob}"

    @property
    def canonical_address(self) -> str:
        number, street, _, short, zipcode = self.address
        return f"{number} {street.upper()} {short} {zipcode}"

    @property
    def display_address(self) -> str:
        number, street, long, _, zipcode = self.address
        return f"{number} {street} {long}, Springfield, IL {zipcode}"


_FIRST_TOKENS: dict[str, str] = {}


def _first_token(first: str) -> str:
    """The first-name part of a person key, computed once per name (nameparser is slow)."""
    if first not in _FIRST_TOKENS:
        _FIRST_TOKENS[first] = person_keys(f"{first} Smith", "2000-01-01")[0].split("|")[1]
    return _FIRST_TOKENS[first]


@dataclass
class Population:
    rng: random.Random
    employers: list[str] = field(default_factory=list)
    shared_phones: list[str] = field(default_factory=list)
    """Phones given by two stored strangers: a third stranger giving one is SHARED_IDENTIFIER."""
    stackers: list[tuple[Person, date, tuple[str, str]]] = field(default_factory=list)
    """People stored at two lenders ten days apart (the later date, both lenders): a third lender
    within the window makes MULTI_LENDER_STACKING."""
    serial: int = 0

    def next(self) -> int:
        self.serial += 1
        return self.serial

    def address(self) -> tuple[int, str, str, str, str]:
        long, short = self.rng.choice(SUFFIXES)
        return (self.rng.randint(1, 99999), self.rng.choice(STREETS) + str(self.rng.randint(1, 9999)), long, short,
                f"{self.rng.randint(10000, 99999)}")

    def person(self, surname: str | None = None, address: tuple[int, str, str, str, str] | None = None) -> Person:
        n = self.next()
        first = self.rng.choice(FIRST_NAMES)
        surname = surname or f"Sur{self.rng.randint(1, 40_000)}"
        dob = (date(1950, 1, 1) + timedelta(days=self.rng.randint(0, 18_000))).isoformat()
        # Zipf-like employer sizes: a few employ thousands (colleagues everywhere), most a handful.
        employer = self.employers[min(int(self.rng.paretovariate(1.1)) - 1, len(self.employers) - 1)]
        return Person(first, surname, dob, f"D{n:09d}", f"+1{self.rng.randint(201, 989)}{self.rng.randint(2000000, 9999999)}",
                      f"{first.lower()}.{surname.lower()}{n}@yahoo.com",
                      f"{self.rng.randint(10**9, 10**10 - 1)}" if self.rng.random() < 0.6 else None,
                      address or self.address(), employer)


@dataclass
class Record:
    """One stored application: who, where, when, and whether it was planted in a ring."""

    person: Person
    lender: str
    submitted: date
    ring: bool = False
    phone_override: str | None = None


def population(n: int, seed: int) -> tuple[list[Record], Population]:
    """N records: households, colleagues, hub and placeholder phones, and rings (~1 member in 150)."""
    rng = random.Random(seed)
    pop = Population(rng, employers=[f"Employer {i}" for i in range(max(10, n // 20))])
    records: list[Record] = []
    while len(records) < n:
        draw = rng.random()
        if draw < 0.005:
            records += _ring(pop)
            continue
        if draw < 0.009:
            # One person at two lenders ten days apart: the start of a stacking run.
            person, day = pop.person(), EPOCH + timedelta(days=rng.randint(0, DAYS - 30))
            first, second = rng.sample(LENDERS, 2)
            records += [Record(person, first, day), Record(person, second, day + timedelta(days=10))]
            pop.stackers.append((person, day + timedelta(days=10), (first, second)))
            continue
        if draw < 0.011:
            phone = pop.person().phone
            pop.shared_phones.append(phone)
            records += [Record(pop.person(), rng.choice(LENDERS), EPOCH + timedelta(days=rng.randint(0, DAYS)),
                               phone_override=phone) for _ in range(2)]
            continue
        head = pop.person()
        household = [head] + [pop.person(surname=head.surname, address=head.address) for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))]
        for member in household:
            phone = HUB_PHONE if rng.random() < 0.005 else None
            records.append(Record(member, rng.choice(LENDERS), EPOCH + timedelta(days=rng.randint(0, DAYS)),
                                  phone_override=phone))
    return records[:n], pop


def _ring(pop: Population) -> list[Record]:
    rng = pop.rng
    size = rng.randint(3, 6)
    address, account = pop.address(), f"{rng.randint(10**9, 10**10 - 1)}"
    phone = f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}"
    start = EPOCH + timedelta(days=rng.randint(0, DAYS - 30))
    members = []
    for _ in range(size):
        person = pop.person(address=address)
        person.account = account if rng.random() < 0.8 else None
        members.append(Record(person, rng.choice(LENDERS), start + timedelta(days=rng.randint(0, 30)), ring=True,
                              phone_override=phone))
    return members


def link_rows(pk: int, record: Record, secret: bytes, rng: random.Random) -> list[tuple[object, ...]]:
    """The hashed identifier rows of one stored record, as the verify path would store them."""
    p = record.person
    identity = keyed_hash(secret, "identity", p.person_key)
    family = keyed_hash(secret, "family", p.surname.upper())
    values = [(Kind.PERSON, p.person_key, ""), (Kind.ID_NUMBER, p.id_number, "drivers_license"),
              (Kind.PHONE, record.phone_override or p.phone, ""), (Kind.EMAIL, p.email, ""),
              (Kind.ADDRESS, p.canonical_address, ""), (Kind.EMPLOYER, p.employer.upper(), ""),
              (Kind.DOC_TEMPLATE, f"pay_stub|Producer {rng.randint(1, 30)}|", "")]
    if p.account:
        values.append((Kind.ACCOUNT, p.account, ""))
    rows: list[tuple[object, ...]] = [(pk, kind.value, keyed_hash(secret, kind.value, value), identity, family, detail,
                                       f"***{value[-4:]}") for kind, value, detail in values]
    # Each application's own documents: unique file and content fingerprints.
    rows += [(pk, kind.value, rng.getrandbits(63), identity, family, "", "doc")
             for kind in (Kind.DOC_FILE, Kind.DOC_FILE, Kind.DOC_CONTENT, Kind.DOC_CONTENT)]
    return rows


# --------------------------------------------------------------------------------------------------
# Writing the store.


def _report_json(app_id: str) -> str:
    return json.dumps({"application_id": app_id, "decision": "clear", "risk_score": 0, "documents": [], "findings": []})


def generate(store: Store, records: list[Record], secret: bytes, seed: int) -> None:
    """Bulk-load applications and links with the link indexes dropped, then build the indexes once."""
    rng = random.Random(seed + 1)
    now = datetime.now(UTC).isoformat()
    link_cols = "application_pk, kind, key, identity, family, detail, masked"
    app_cols = ("id, application_key, application_id, lender_id, submitted_at, product, decision, risk_score, "
                "report_json, created_at, updated_at")
    indexes = [(ix.name, ", ".join(c.name for c in ix.columns)) for ix in LinkRow.__table__.indexes]
    with store.engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    raw = store.engine.raw_connection()
    postgres = store.engine.dialect.name == "postgresql"
    try:
        cursor = raw.cursor()
        for start in range(0, len(records), CHUNK):
            apps, links = [], []
            for offset, record in enumerate(records[start:start + CHUNK]):
                pk = start + offset + 1
                app_id = f"B-{pk:08d}"
                apps.append((pk, f"{record.lender}:{app_id}", app_id, record.lender, record.submitted.isoformat(),
                             "personal", "clear", 0, _report_json(app_id), now, now))
                links += link_rows(pk, record, secret, rng)
            if postgres:
                _copy(cursor, f"applications ({app_cols})", apps)
                _copy(cursor, f"identifier_links ({link_cols})", links)
            else:
                cursor.executemany(f"INSERT INTO applications ({app_cols}) VALUES ({', '.join('?' * 11)})", apps)
                cursor.executemany(f"INSERT INTO identifier_links ({link_cols}) VALUES ({', '.join('?' * 7)})", links)
            raw.commit()
            print(f"  generated {min(start + CHUNK, len(records)):,} / {len(records):,}", file=sys.stderr)
        if postgres:
            cursor.execute(f"SELECT setval('applications_id_seq', {len(records)})")
        for name, columns in indexes:
            cursor.execute(f"CREATE INDEX {name} ON identifier_links ({columns})")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _copy(cursor: object, target: str, rows: list[tuple[object, ...]]) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)


# --------------------------------------------------------------------------------------------------
# New applications to check, with the codes each should raise.


def check_cases(records: list[Record], pop: Population, count: int) -> list[tuple[Application, set[str]]]:
    rng = pop.rng
    stacking = {id(person) for person, _, _ in pop.stackers}
    plain = [r for r in records if not r.ring and not r.phone_override and id(r.person) not in stacking]
    cases: list[tuple[Application, set[str]]] = []
    for i in range(count):
        base = rng.choice(plain)
        kind = i % 5
        if kind == 0 and (i // 5) % 2 == 0 and pop.stackers:  # a third lender within the window
            person, last, lenders = rng.choice(pop.stackers)
            third = next(lender for lender in LENDERS if lender not in lenders)
            cases.append((_application(person, third, last + timedelta(days=5)), {"MULTI_LENDER_STACKING"}))
        elif kind == 0:  # shopping around once: the same person at one other lender - clean
            other = next(lender for lender in LENDERS if lender != base.lender)
            cases.append((_application(base.person, other, base.submitted + timedelta(days=5)), set()))
        elif kind == 1:  # a stranger with a stored applicant's ID number
            stranger = pop.person()
            stranger.id_number = base.person.id_number
            cases.append((_application(stranger, base.lender, base.submitted), {"SYNTHETIC_IDENTITY"}))
        elif kind == 2:  # a phone already given by two stored strangers
            stranger = pop.person()
            stranger.phone = rng.choice(pop.shared_phones)
            cases.append((_application(stranger, rng.choice(LENDERS), base.submitted), {"SHARED_IDENTIFIER"}))
        elif kind == 3:  # a relative of a stored applicant: same surname and address — clean
            relative = pop.person(surname=base.person.surname, address=base.person.address)
            cases.append((_application(relative, rng.choice(LENDERS), base.submitted), set()))
        else:  # a colleague: same employer — clean
            colleague = pop.person()
            colleague.employer = base.person.employer
            cases.append((_application(colleague, rng.choice(LENDERS), base.submitted), set()))
    return cases


def _application(p: Person, lender: str, submitted: date) -> Application:
    return Application(
        application_id=f"N-{random.getrandbits(40):x}", lender_id=lender, submitted_at=submitted,
        applicant=Applicant(full_name=f"{p.first} {p.surname}", date_of_birth=date.fromisoformat(p.dob),
                            id_number=p.id_number, phone=f"({p.phone[2:5]}) {p.phone[5:8]}-{p.phone[8:]}",
                            email=p.email, address=p.display_address, employer=p.employer,
                            stated_monthly_income=5000.0))


def run_checks(store: Store, cases: list[tuple[Application, set[str]]], settings: GraphSettings,
               ) -> tuple[list[float], int, int, int]:
    """Latency (ms) of each check, and true positives, false positives, false negatives over codes."""
    latencies, tp, fp, fn = [], 0, 0, 0
    for app, expected in cases:
        report = Report(application_id=app.application_id or "", decision="clear", risk_score=0, documents=[],
                        findings=[], application=app)
        started = time.perf_counter()
        result = link_application(report, store, settings)
        latencies.append((time.perf_counter() - started) * 1000.0)
        found = {f.code for f in result.findings}
        tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
    return latencies, tp, fp, fn


# --------------------------------------------------------------------------------------------------


def sweep_child(url: str) -> None:
    """Run in a child process: the sweep, then its own time and peak RSS as JSON on stdout."""
    store = Store(url)
    started = time.perf_counter()
    result = sweep(store, GraphSettings())
    elapsed = time.perf_counter() - started
    flagged = sorted({int(str(m["pk"])) for c in result.clusters for m in c.members})
    print(json.dumps({"sweep_s": round(elapsed, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "flagged": flagged, "timings": result.timings_s, "clusters": len(result.clusters),
                      "dropped": result.dropped_identifiers}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a cached SQLite file under /tmp)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--sweep-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ[SECRET_ENV] = BENCH_SECRET
    url = args.db or f"sqlite:////tmp/docsentry-graph-{args.n}-s{args.seed}-v{POPULATION_VERSION}.db"
    if args.sweep_child:
        sweep_child(url)
        return
    store = Store(url)
    records, pop = population(args.n, args.seed)
    with store.session() as session:
        stored = session.scalar(select(func.count()).select_from(ApplicationRow)) or 0
    if stored != args.n:
        if stored:
            sys.exit(f"{url} holds {stored} applications, not {args.n}: give an empty database")
        started = time.perf_counter()
        generate(store, records, BENCH_SECRET.encode(), args.seed)
        print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    settings = GraphSettings()
    cases = check_cases(records, pop, args.checks)
    latencies, tp, fp, fn = run_checks(store, cases, settings)
    child = subprocess.run([sys.executable, __file__, "--sweep-child", "--n", str(args.n), "--db", url],
                           capture_output=True, text=True, check=True)
    swept = json.loads(child.stdout.strip().splitlines()[-1])
    planted = {i + 1 for i, r in enumerate(records) if r.ring}
    flagged = set(swept["flagged"])
    tp, fp, fn = tp + len(flagged & planted), fp + len(flagged - planted), fn + len(planted - flagged)
    quantiles = statistics.quantiles(latencies, n=100)
    figures = {
        "n": args.n, "backend": store.engine.dialect.name,
        "check_ms_p50": round(statistics.median(latencies), 2), "check_ms_p95": round(quantiles[94], 2),
        "sweep_s": swept["sweep_s"], "sweep_peak_rss_mb": round(swept["peak_rss_mb"]),
        "planted_recall": round(tp / max(1, tp + fn), 4), "planted_precision": round(tp / max(1, tp + fp), 4),
        "planted_ring_applications": len(planted), "flagged_ring_applications": len(flagged),
        "sweep_clusters": swept["clusters"], "sweep_dropped_identifiers": swept["dropped"],
        "sweep_timings_s": swept["timings"], "checks": len(cases),
    }
    print_figures(f"link graph over {args.n:,} stored applications ({figures['backend']})", figures,
                  json_path=args.json)


if __name__ == "__main__":
    main()
