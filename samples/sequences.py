"""Cross-application scenarios: sequences of bundles that only look wrong together.

Each builder returns its bundles in submission order with their scenario records (``group`` shared,
``order`` 0, 1, 2...). The code is expected from the bundle on which the pattern becomes visible;
earlier bundles tolerate it (a batch sweep sees the whole sequence at once). Look-alike sequences
(a family at one address, colleagues at one employer) must raise nothing.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from samples.case import Case, CaseSpec, Variant, build_case
from samples.people import PeopleFactory
from samples.render_paystub import render_paystub
from samples.scenarios import scenario_record

NextId = Callable[[], str]
Built = list[tuple[Case, dict[str, Any]]]


@dataclass(frozen=True)
class SequenceContext:
    rng: random.Random
    people: PeopleFactory
    next_id: NextId
    hint: date
    variant: Variant

    def case(self, spec: CaseSpec | None = None, *, days: int = 0) -> Case:
        spec = spec or CaseSpec(variant=self.variant)
        return build_case(self.next_id(), self.rng, self.people, spec, hint=self.hint + timedelta(days=days))


def _set_submission(case: Case, submitted: date, lender: str) -> None:
    case.submitted = submitted
    case.application["submitted_at"] = submitted.isoformat()
    case.application["lender_id"] = lender


def stacking(ctx: SequenceContext, group: str) -> Built:
    """One person applies at three lenders within 30 days with the same documents."""
    base = ctx.case()
    offsets = (0, ctx.rng.randint(3, 9), ctx.rng.randint(12, 24))
    built: Built = []
    for order, offset in enumerate(offsets):
        case = base if order == 0 else replace(base, bundle_id=ctx.next_id(), rng=random.Random(ctx.rng.random()),
                                                application=copy.deepcopy(base.application), extras=[])
        case.application["application_id"] = f"A-{case.bundle_id.split('-')[-1]}"
        _set_submission(case, base.submitted + timedelta(days=offset), f"L-{order + 1:02d}")
        # Stacking is "at >= 2 other lenders within 30 days": the third application is the first to show it.
        expected = ["MULTI_LENDER_STACKING"] if order >= 2 else []
        built.append((case, scenario_record("multi_lender_stacking", f"application {order + 1} of 3 by one person at different "
                                            "lenders within 30 days", ctx.variant, expected,
                                            frozenset({"MULTI_LENDER_STACKING", "DUPLICATE_DOCUMENT"}), group, order)))
    return built


def synthetic_identity(ctx: SequenceContext, group: str) -> Built:
    """Three people (names, birth dates) using one ID number."""
    built: Built = []
    number = ""
    for order in range(3):
        case = ctx.case(CaseSpec(variant=ctx.variant, id_kind="drivers_license"), days=order * ctx.rng.randint(4, 15))
        assert case.identity
        number = number or case.identity.number
        case.identity = replace(case.identity, number=number)
        case.application["applicant"]["id_number"] = number
        expected = ["SYNTHETIC_IDENTITY"] if order else []
        built.append((case, scenario_record("synthetic_identity", f"ID number {number} with a different name and date of birth "
                                            f"(identity {order + 1} of 3)", ctx.variant, expected,
                                            frozenset({"SYNTHETIC_IDENTITY", "SHARED_IDENTIFIER"}), group, order)))
    return built


def duplicate_document(ctx: SequenceContext, group: str) -> Built:
    """A second applicant submits the first applicant's pay stub file, byte for byte."""
    # The original's stub must be the digital file itself for the copy to be byte-identical.
    first = ctx.case(CaseSpec(variant="mixed" if ctx.variant == "scan" else ctx.variant))
    second = ctx.case(CaseSpec(variant=ctx.variant, employer=first.employer), days=ctx.rng.randint(5, 40))
    stub = first.stubs[-1]
    looks = first.looks
    second.stubs = [stub]
    second.reused_files["stub"] = render_paystub(stub, layout=looks.stub_layout, style=looks.stub_style, words=looks.stub_words,
                                                 producer=looks.stub_producer)[0]
    knock_on = frozenset({"NAME_MISMATCH", "ADDRESS_MISMATCH", "INCOME_NOT_DEPOSITED", "INCOME_OVERSTATED", "DOC_STALE",
                          "PAYSTUB_YTD_INCONSISTENT"})
    return [
        (first, scenario_record("duplicate_document", "original owner of a pay stub reused later", first.spec.variant, [],
                                frozenset({"DUPLICATE_DOCUMENT"}), group, 0)),
        (second, scenario_record("duplicate_document", f"another identity submits {first.person.legal_name}'s pay stub file",
                                 ctx.variant, ["DUPLICATE_DOCUMENT"], knock_on, group, 1)),
    ]


def shared_identifier(ctx: SequenceContext, group: str) -> Built:
    """Three unrelated identities give the same phone, e-mail or bank account."""
    what = ctx.rng.choice(("phone", "email", "account"))
    account = f"{ctx.rng.randint(10**9, 10**10 - 1)}"
    shared = {"phone": ctx.people.phone(), "email": f"cash.fast{ctx.rng.randint(10, 99)}@outlook.com"}
    built: Built = []
    for order in range(3):
        spec = CaseSpec(variant=ctx.variant, account_number=account if what == "account" else None)
        case = ctx.case(spec, days=order * ctx.rng.randint(3, 12))
        if what != "account":
            case.application["applicant"][what] = shared[what]
        expected = ["SHARED_IDENTIFIER"] if order == 2 else []
        built.append((case, scenario_record("shared_identifier", f"{what} shared by three identities ({order + 1} of 3)",
                                            ctx.variant, expected, frozenset({"SHARED_IDENTIFIER", "FRAUD_RING"}), group, order)))
    return built


def fraud_ring(ctx: SequenceContext, group: str, size: int = 5) -> Built:
    """A ring sharing phone, address, employer and bank account, spread across lenders."""
    address = ctx.people.address()
    employer = ctx.people.employer(state=address.state)
    phone, account = ctx.people.phone(), f"{ctx.rng.randint(10**9, 10**10 - 1)}"
    built: Built = []
    for order in range(size):
        person = ctx.people.person(address=address, today=ctx.hint)
        case = ctx.case(CaseSpec(variant=ctx.variant, person=person, employer=employer, account_number=account), days=order * ctx.rng.randint(2, 9))
        case.application["applicant"]["phone"] = phone
        case.application["lender_id"] = f"L-{order % 5 + 1:02d}"
        expected = ["FRAUD_RING"] if order >= 2 else []
        built.append((case, scenario_record("fraud_ring", f"ring member {order + 1} of {size}: shared phone, address, employer "
                                            "and bank account", ctx.variant, expected,
                                            frozenset({"FRAUD_RING", "SHARED_IDENTIFIER"}), group, order)))
    return built


def family_lookalike(ctx: SequenceContext, group: str) -> Built:
    """A household at one address: same surname and address, nothing else shared. Must stay clear."""
    head = ctx.people.person(today=ctx.hint)
    members = [head, ctx.people.relative(head, today=ctx.hint)]
    return [(ctx.case(CaseSpec(variant=ctx.variant, person=p), days=order * ctx.rng.randint(5, 30)),
             scenario_record("family_lookalike", "family members sharing an address (not a ring)", ctx.variant, [], frozenset(),
                             group, order)) for order, p in enumerate(members)]


def colleagues_lookalike(ctx: SequenceContext, group: str) -> Built:
    """Three colleagues at one employer, nothing else shared. Must stay clear."""
    employer = ctx.people.employer()
    return [(ctx.case(CaseSpec(variant=ctx.variant, employer=employer), days=order * ctx.rng.randint(3, 20)),
             scenario_record("colleagues_lookalike", "colleagues sharing an employer (not a ring)", ctx.variant, [], frozenset(),
                             group, order)) for order in range(3)]


SEQUENCES: dict[str, tuple[Callable[[SequenceContext, str], Built], int]] = {
    "multi_lender_stacking": (stacking, 3),
    "synthetic_identity": (synthetic_identity, 3),
    "duplicate_document": (duplicate_document, 2),
    "shared_identifier": (shared_identifier, 3),
    "fraud_ring": (fraud_ring, 5),
    "family_lookalike": (family_lookalike, 2),
    "colleagues_lookalike": (colleagues_lookalike, 3),
}
