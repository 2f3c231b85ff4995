"""Entry points: a seeded random set of bundles, and the committed set under ``samples/bundles``.

``generate_samples(out, count, seed)`` mixes about 40 % clean bundles with fraud scenarios taken in a
shuffled cycle (single-bundle scenarios and whole sequences), and a variant mix of digital, mixed
(phone photo of the ID, digital financial documents: the commonest real case) and fully scanned.
Everything derives from ``seed``: the same seed writes byte-identical files.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from samples.case import Case, CaseSpec, Variant, build_case, write_bundle
from samples.people import PeopleFactory
from samples.scenarios import SINGLE_SCENARIOS, scenario_record
from samples.sequences import SEQUENCES, SequenceContext

COMMITTED_DIR = Path(__file__).parent / "bundles"
COMMITTED_SEED = 20260301
CLEAN_SHARE = 0.5  # per draw; a fraud draw may be a whole sequence, so ~40 % of bundles end up clean
_VARIANT_WEIGHTS: dict[Variant, float] = {"digital": 0.45, "mixed": 0.35, "scan": 0.2}

# The committed set: (scenario, variant). Clean bundles of each variant, every single-bundle scenario,
# every cross-application sequence (a small ring) and a look-alike household. The first entry is the small clean digital bundle the README runs.
COMMITTED_PLAN: tuple[tuple[str, Variant], ...] = (
    ("clean", "digital"), ("clean", "digital"), ("clean", "mixed"), ("clean", "scan"),
    ("doc_unreadable", "digital"), ("doc_unclassified", "mixed"), ("doc_missing_paystub", "digital"),
    ("doc_missing_self_employed", "digital"), ("doc_expired", "mixed"), ("doc_stale", "digital"),
    ("id_checksum_invalid", "mixed"), ("id_mrz_mismatch", "digital"), ("paystub_arithmetic", "digital"),
    ("paystub_ytd_inconsistent", "digital"), ("paystub_tax_implausible", "mixed"), ("statement_balance_mismatch", "digital"),
    ("statement_discontinuity", "digital"), ("name_mismatch", "digital"), ("dob_mismatch", "mixed"),
    ("id_number_mismatch", "digital"), ("address_mismatch", "digital"), ("employer_mismatch", "digital"),
    ("income_not_deposited", "digital"), ("income_overstated", "digital"), ("dti_exceeded", "digital"),
    ("ltv_exceeded", "digital"), ("aml_structuring", "digital"), ("aml_large_deposit", "digital"), ("pdf_edited", "digital"),
    ("pdf_font_anomaly", "digital"), ("text_layer_mismatch", "digital"), ("image_tampered", "mixed"),
    ("multi_lender_stacking", "digital"), ("fraud_ring", "digital"), ("synthetic_identity", "digital"),
    ("duplicate_document", "digital"), ("shared_identifier", "digital"), ("family_lookalike", "mixed"),
)
COMMITTED_RING_SIZE = 3


@dataclass
class Generator:
    """Shared state of one generation run: the seeded sources and the id counters."""

    rng: random.Random
    people: PeopleFactory
    base: date
    out: Path
    bundles: int = 0
    groups: int = 0

    @classmethod
    def seeded(cls, seed: int, out: Path) -> Generator:
        rng = random.Random(seed)
        return cls(rng, PeopleFactory(rng), date(2025, 10, 1) + timedelta(days=rng.randint(0, 240)), out)

    def next_id(self) -> str:
        self.bundles += 1
        return f"S-{self.bundles:04d}"

    def hint(self) -> date:
        return self.base + timedelta(days=self.rng.randint(-45, 45))

    def single(self, name: str, variant: Variant) -> Path:
        scenario = SINGLE_SCENARIOS[name]
        spec = CaseSpec(variant=variant)
        if scenario.prepare:
            scenario.prepare(spec, self.rng)
        case = build_case(self.next_id(), self.rng, self.people, spec, hint=self.hint())
        description = scenario.mutate(case, self.people) if scenario.mutate else scenario.description
        record = scenario_record(name, description, variant, [scenario.code] if scenario.code else [], scenario.tolerated)
        return write_bundle(case, self.out, record)

    def sequence(self, name: str, variant: Variant, **kwargs: Any) -> list[Path]:
        builder, _ = SEQUENCES[name]
        self.groups += 1
        ctx = SequenceContext(self.rng, self.people, self.next_id, self.hint(), variant)
        built: list[tuple[Case, dict[str, Any]]] = builder(ctx, f"G-{self.groups:02d}", **kwargs)
        return [write_bundle(case, self.out, record) for case, record in built]

    def variant(self, allowed: tuple[Variant, ...]) -> Variant:
        weights = [_VARIANT_WEIGHTS[v] for v in allowed]
        return self.rng.choices(allowed, weights)[0]


def _fraud_cycle(rng: random.Random) -> Iterator[str]:
    """Every fraud scenario and sequence once per round, in a fresh order each round."""
    names = [n for n in SINGLE_SCENARIOS if n != "clean"] + list(SEQUENCES)
    while True:
        rng.shuffle(names)
        yield from names


def generate_samples(out: Path, count: int, seed: int) -> list[Path]:
    """Write ``count`` bundle folders under ``out``; deterministic for ``seed``.

    Args:
        out: parent folder (created); each bundle is ``out/S-0001`` ... with its documents,
            ``application.json`` and ``truth.json``.
        count: number of bundles (a sequence is never cut short: it is replaced by a clean bundle
            when it does not fit).
        seed: the seed every choice derives from.

    Returns:
        The bundle folders in submission order (sequences in their ``order``).
    """
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator.seeded(seed, out)
    cycle = _fraud_cycle(gen.rng)
    folders: list[Path] = []
    while len(folders) < count:
        name = "clean" if gen.rng.random() < CLEAN_SHARE else next(cycle)
        if name in SEQUENCES:
            if SEQUENCES[name][1] > count - len(folders):
                name = "clean"
            else:
                folders += gen.sequence(name, gen.variant(("digital", "mixed", "scan")))
                continue
        folders.append(gen.single(name, gen.variant(SINGLE_SCENARIOS[name].variants)))
    return folders


def write_committed_set(out: Path = COMMITTED_DIR) -> list[Path]:
    """Regenerate the committed set (:data:`COMMITTED_PLAN`, seed :data:`COMMITTED_SEED`) into ``out``.

    Existing bundle folders (``S-*``) under ``out`` are replaced so the set is exactly reproducible.
    """
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("S-*"):
        shutil.rmtree(old)
    gen = Generator.seeded(COMMITTED_SEED, out)
    folders: list[Path] = []
    for name, variant in COMMITTED_PLAN:
        if name in SEQUENCES:
            kwargs = {"size": COMMITTED_RING_SIZE} if name == "fraud_ring" else {}
            folders += gen.sequence(name, variant, **kwargs)
        else:
            folders.append(gen.single(name, variant))
    return folders
