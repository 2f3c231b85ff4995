"""Fraud scenarios with exact ground truth, one reason code each, and the decision each code calls for.

A single-bundle scenario turns knobs of the :class:`~samples.case.CaseSpec` (``prepare``) and/or edits
the built records (``mutate``). A sequence scenario builds several bundles that share a ``group`` and
carry an ``order``; its code is expected on the later bundles only (an earlier bundle has nothing to be
linked to yet).

Expected decision by reason code (the ground truth the detection benchmark scores against):

=============================================  ========  ==============================================
code                                           decision  why
=============================================  ========  ==============================================
(none: clean bundle or planted look-alike)     clear     harmless variations only
ID_CHECKSUM_INVALID, ID_MRZ_MISMATCH           decline   a forged identity document
PDF_EDITED, TEXT_LAYER_MISMATCH                decline   a document edited after it was issued
NAME_MISMATCH, DOB_MISMATCH, ID_NUMBER_MISMATCH decline  the documents are not the applicant's
SYNTHETIC_IDENTITY, FRAUD_RING                 decline   organised identity fraud
DUPLICATE_DOCUMENT, MULTI_LENDER_STACKING      decline   reused documents / loan stacking
everything else (stale, missing, expired,      review    needs a person: may be an honest mistake, an
unreadable, unclassified, arithmetic, YTD,               OCR slip or a policy question (DTI, LTV, AML)
tax, balance, continuity, address, employer,
deposits, income, DTI, LTV, AML, font anomaly,
image tampered, shared identifier)
=============================================  ========  ==============================================

VIN_MISMATCH is not produced: it needs a purchase-contract document kind that does not exist yet.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from samples import mrz
from samples.banking import with_balances
from samples.case import APR, Case, CaseSpec, Variant, broken_copy, extra_document, monthly_payment
from samples.identity import make_identity
from samples.payroll import TaxPolicy
from samples.people import PeopleFactory
from samples.toolkit import FAMILIES, Tamper

ALL_CODES: tuple[str, ...] = (
    "DOC_UNREADABLE", "DOC_UNCLASSIFIED", "DOC_MISSING", "DOC_EXPIRED", "DOC_STALE", "ID_CHECKSUM_INVALID", "ID_MRZ_MISMATCH",
    "PAYSTUB_ARITHMETIC", "PAYSTUB_YTD_INCONSISTENT", "PAYSTUB_TAX_IMPLAUSIBLE", "STATEMENT_BALANCE_MISMATCH",
    "STATEMENT_DISCONTINUITY", "PDF_EDITED", "PDF_FONT_ANOMALY", "TEXT_LAYER_MISMATCH", "IMAGE_TAMPERED", "NAME_MISMATCH",
    "DOB_MISMATCH", "ID_NUMBER_MISMATCH", "ADDRESS_MISMATCH", "EMPLOYER_MISMATCH", "INCOME_NOT_DEPOSITED", "INCOME_OVERSTATED",
    "DTI_EXCEEDED", "LTV_EXCEEDED", "VIN_MISMATCH", "AML_STRUCTURING", "AML_LARGE_UNEXPLAINED_DEPOSIT", "DUPLICATE_DOCUMENT",
    "MULTI_LENDER_STACKING", "SYNTHETIC_IDENTITY", "SHARED_IDENTIFIER", "FRAUD_RING",
)
NOT_PRODUCED = frozenset({"VIN_MISMATCH"})
DECLINE_CODES = frozenset({"ID_CHECKSUM_INVALID", "ID_MRZ_MISMATCH", "PDF_EDITED", "TEXT_LAYER_MISMATCH", "NAME_MISMATCH",
                           "DOB_MISMATCH", "ID_NUMBER_MISMATCH", "SYNTHETIC_IDENTITY", "FRAUD_RING", "DUPLICATE_DOCUMENT",
                           "MULTI_LENDER_STACKING"})
_STUB_KNOCK_ON = frozenset({"PAYSTUB_ARITHMETIC", "PAYSTUB_YTD_INCONSISTENT", "INCOME_NOT_DEPOSITED"})


def expected_decision(codes: list[str]) -> str:
    """The decision the table in this module's docstring gives for a bundle's expected codes."""
    if not codes:
        return "clear"
    return "decline" if any(c in DECLINE_CODES for c in codes) else "review"


def scenario_record(name: str, description: str, variant: str, expected: list[str], tolerated: frozenset[str],
                    group: str | None = None, order: int | None = None) -> dict[str, Any]:
    """The scenario part of truth.json: every code neither expected nor tolerated is forbidden."""
    forbidden = [c for c in ALL_CODES if c not in expected and c not in tolerated]
    return {"scenario": name, "description": description, "variant": variant, "expected_codes": expected,
            "forbidden_codes": forbidden, "expected_decision": expected_decision(expected), "group": group, "order": order}


# --------------------------------------------------------------------------------------------------
# Single-bundle scenarios

Prepare = Callable[[CaseSpec, random.Random], None]
Mutate = Callable[[Case, PeopleFactory], str]


@dataclass(frozen=True)
class Scenario:
    name: str
    code: str | None
    description: str
    prepare: Prepare | None = None
    mutate: Mutate | None = None
    tolerated: frozenset[str] = frozenset()
    variants: tuple[Variant, ...] = ("digital", "scan", "mixed")


def _raise_net(case: Case) -> tuple[str, str, float]:
    """A forged net pay for the latest stub: (old digits, new digits, new value) as every layout prints them."""
    stub = case.stubs[-1]
    new = round(stub.net + case.rng.choice((250, 300, 400, 500, 650)) + case.rng.choice((0, 0.5, 0.25)), 2)
    return f"{stub.net:,.2f}", f"{new:,.2f}", new


def _clean(case: Case, people: PeopleFactory) -> str:
    return "genuine documents of one person with harmless variations (name order, nicknames, abbreviations)"


def _unreadable(case: Case, people: PeopleFactory) -> str:
    extra = broken_copy(case)
    case.extras.append(extra)
    return f"{extra.name} is a broken copy of a statement beside good documents"


def _unclassified(case: Case, people: PeopleFactory) -> str:
    what = case.rng.choice(("utility_bill", "letter"))
    case.extras.append(extra_document(case, what))  # type: ignore[arg-type]
    return f"a {what.replace('_', ' ')} that is none of the supported kinds"


def _no_stub(spec: CaseSpec, rng: random.Random) -> None:
    spec.stub_count = 0


def _self_employed(spec: CaseSpec, rng: random.Random) -> None:
    spec.occupation = "self_employed"
    spec.statement_count = 1


def _expired(case: Case, people: PeopleFactory) -> str:
    doc = case.identity
    assert doc
    expiry = case.submitted - timedelta(days=case.rng.randint(15, 400))
    case.identity = replace(doc, expiry=expiry, issued=date(expiry.year - 10, expiry.month, min(expiry.day, 28))).with_mrz()
    return f"{doc.kind} expired on {expiry.isoformat()}"


def _stale(case: Case, people: PeopleFactory) -> str:
    shift = case.rng.randint(95, 130)
    case.submitted += timedelta(days=shift)
    case.application["submitted_at"] = case.submitted.isoformat()
    assert case.identity
    case.identity = make_identity(case.rng, case.person, case.identity.kind, case.submitted)
    case.application["applicant"]["id_number"] = case.identity.number
    return f"submitted {shift} days later than the documents would allow: pay stub > 60 days, statement > 90 days old"


def _mrz_kind(spec: CaseSpec, rng: random.Random) -> None:
    spec.id_kind = rng.choice(("passport", "id_card"))


def _checksum(case: Case, people: PeopleFactory) -> str:
    doc = case.identity
    assert doc and doc.mrz
    line, position = mrz.DOC_NUMBER_CHECK["td3" if doc.kind == "passport" else "td1"]
    case.identity = replace(doc, mrz=mrz.corrupt_check_digit(doc.mrz, line=line, position=position))
    return "document-number check digit of the MRZ is wrong"


def _mrz_mismatch(case: Case, people: PeopleFactory) -> str:
    doc = case.identity
    assert doc
    if case.rng.random() < 0.5:
        forged = date(doc.dob.year - case.rng.randint(2, 6), doc.dob.month, min(doc.dob.day, 28))
        case.identity = replace(doc, dob=forged, zone_dob=doc.dob)  # MRZ keeps the genuine date
        case.application["applicant"]["date_of_birth"] = forged.isoformat()
        return f"visual date of birth {forged.isoformat()} differs from the MRZ's {doc.dob.isoformat()}"
    number = _other_number(case.rng, doc.number)
    case.identity = replace(doc, number=number, zone_number=doc.number)
    case.application["applicant"]["id_number"] = number
    return f"visual document number {number} differs from the MRZ's {doc.number}"


def _arithmetic(case: Case, people: PeopleFactory) -> str:
    stub = case.stubs[-1]
    new = round(stub.net + case.rng.choice((300, 400, 450, 600)), 2)
    case.stubs[-1] = replace(stub, net=new)
    return f"net pay raised by {new - stub.net:.2f} without changing deductions"


def _ytd(case: Case, people: PeopleFactory) -> str:
    stub = case.stubs[-1]
    factor = case.rng.uniform(0.45, 0.8)
    ytd_gross, ytd_net = round(stub.gross * factor, 2), round(stub.net * factor, 2)
    case.stubs[-1] = replace(stub, ytd_gross=ytd_gross, ytd_net=ytd_net, ytd_deductions=round(ytd_gross - ytd_net, 2))
    return "year-to-date gross and net are below the current period's amounts"


def _bad_taxes(spec: CaseSpec, rng: random.Random) -> None:
    spec.taxes = TaxPolicy(social_security=rng.choice((0.012, 0.031, 0.0)), medicare=rng.choice((0.003, 0.0)), federal_scale=0.1)
    spec.min_salary = 65_000.0


def _balance(case: Case, people: PeopleFactory) -> str:
    statement = case.statements[-1]
    delta = float(case.rng.choice((150, 240, 380, 500)))
    if case.balances_printed:
        index = next(i for i, t in enumerate(statement.txns) if t.amount < -delta and not t.payroll) \
            if any(t.amount < -delta and not t.payroll for t in statement.txns) else 0
        txns = list(statement.txns)
        txns[index] = replace(txns[index], amount=round(txns[index].amount + delta, 2))  # running balance left as printed
        case.statements[-1] = replace(statement, txns=txns)
        return f"transaction on {txns[index].day.isoformat()} reduced by {delta:.2f}; running balances not updated"
    case.statements[-1] = replace(statement, closing_override=round(statement.closing + delta, 2))
    return f"closing balance raised by {delta:.2f}"


def _two_statements(spec: CaseSpec, rng: random.Random) -> None:
    spec.statement_count = 3


def _discontinuity(case: Case, people: PeopleFactory) -> str:
    if case.rng.random() < 0.5:
        del case.statements[1]
        return "the middle month's statement is missing: a gap between consecutive statements"
    last = case.statements[-1]
    opening = round(last.opening + case.rng.choice((-1, 1)) * case.rng.choice((180.0, 420.0, 960.0)), 2)
    case.statements[-1] = replace(last, opening=opening, txns=with_balances(opening, last.txns))
    return "last statement's opening balance differs from the previous closing balance"


def _name(case: Case, people: PeopleFactory) -> str:
    stranger = people.stranger_like(case.person, today=case.submitted)
    printed = stranger.name(case.rng.choice(("full", "initial", "last_first")), upper=case.rng.random() < 0.5)
    case.stubs = [replace(s, employee_name=printed) for s in case.stubs]
    return f"pay stub of a different person ({printed})"


def _dob(case: Case, people: PeopleFactory) -> str:
    dob = case.person.dob
    other = date(dob.year + case.rng.choice((-4, -3, 2, 5)), (dob.month % 12) + 1, min(dob.day, 28))
    case.application["applicant"]["date_of_birth"] = other.isoformat()
    return f"declared date of birth {other.isoformat()} differs from the ID's {dob.isoformat()}"


def _other_number(rng: random.Random, number: str) -> str:
    """A number of the same shape sharing few characters with ``number`` (not an OCR slip)."""
    while True:
        other = "".join(rng.choice(string.digits) if c.isdigit() else rng.choice(string.ascii_uppercase) if c.isalpha() else c
                        for c in number)
        if sum(a != b for a, b in zip(other, number, strict=True)) >= max(3, len(number) // 2):
            return other


def _id_number(case: Case, people: PeopleFactory) -> str:
    declared = _other_number(case.rng, case.application["applicant"]["id_number"])
    case.application["applicant"]["id_number"] = declared
    return f"declared ID number {declared} is not the ID document's"


def _address(case: Case, people: PeopleFactory) -> str:
    other = people.address()
    case.application["applicant"]["address"] = other.one_line()
    return "declared address is a different street and city from every document"


def _employer(case: Case, people: PeopleFactory) -> str:
    other = people.employer()
    case.application["applicant"]["employer"] = other.base
    return f"declared employer {other.base} is not the pay stubs' employer"


def _no_deposits(spec: CaseSpec, rng: random.Random) -> None:
    spec.payroll_deposits = False
    spec.statement_count = rng.choice((1, 2))


def _overstated(case: Case, people: PeopleFactory) -> str:
    factor = case.rng.uniform(1.3, 1.7)
    case.application["applicant"]["stated_monthly_income"] = round(case.verified_monthly_income * factor, -1)
    return f"stated income is {factor:.0%} of the income the pay stubs show"


def _dti(case: Case, people: PeopleFactory) -> str:
    loan = case.application["loan"]
    ratio = case.rng.uniform(0.6, 0.8)
    loan["existing_monthly_debt"] = round(max(0.0, case.verified_monthly_income * ratio - loan["monthly_payment"]), -1)
    return f"existing debt plus the new payment is about {ratio:.0%} of income"


def _secured(spec: CaseSpec, rng: random.Random) -> None:
    spec.product = rng.choice(("auto", "mortgage"))


def _ltv(case: Case, people: PeopleFactory) -> str:
    loan = case.application["loan"]
    ratio = case.rng.uniform(1.4, 1.7) if case.application["product"] == "auto" else case.rng.uniform(1.15, 1.3)
    loan["collateral"]["value"] = round(loan["amount"] / ratio, -2)
    loan["monthly_payment"] = monthly_payment(loan["amount"], loan["term_months"], APR[case.application["product"]])
    return f"loan is {ratio:.0%} of the collateral's value"


def _structuring(spec: CaseSpec, rng: random.Random) -> None:
    spec.planted_credits = "structuring"
    spec.min_salary = 75_000.0


def _large_deposit(spec: CaseSpec, rng: random.Random) -> None:
    spec.planted_credits = "large_deposit"


def _pdf_edit(case: Case, people: PeopleFactory) -> str:
    old, new, value = _raise_net(case)
    case.pdf_edit = Tamper("net_pay", "replace", old, new)
    case.truth_overrides["stub"] = {"net_pay": value}
    return f"net pay changed from {old} to {new} in an incremental update saved by a PDF editor"


def _font_anomaly(case: Case, people: PeopleFactory) -> str:
    old, new, value = _raise_net(case)
    family = case.looks.stub_style.family
    font = "Courier-Bold" if family == FAMILIES["times"] else case.rng.choice(("Times-Roman", "Times-Bold", "Courier"))
    case.stub_tampers = (Tamper("net_pay", "font", old, new, font=font, size_delta=case.rng.choice((0.5, 0.8, -0.4))),)
    case.truth_overrides["stub"] = {"net_pay": value}
    return f"net pay redrawn as {new} in {font}, unlike the rest of the stub"


def _text_layer(case: Case, people: PeopleFactory) -> str:
    old, new, value = _raise_net(case)
    if case.rng.random() < 0.5:
        case.stub_tampers = (Tamper("net_pay", "overlay", old, new),)
        case.truth_overrides["stub"] = {"net_pay": value}
        return f"white box over net pay {old} with {new} drawn on top (both in the text layer)"
    case.stub_tampers = (Tamper("net_pay", "invisible", old, new),)
    return f"net pay {old} shown as an image while invisible text (render mode 3) says {new}"


def _boxes_layout(spec: CaseSpec, rng: random.Random) -> None:
    spec.stub_layout = "boxes"


def _image_tampered(case: Case, people: PeopleFactory) -> str:
    stub = case.stubs[-1]
    case.copy_move = ("gross_pay", "net_pay")
    case.truth_overrides["stub"] = {"net_pay": stub.gross}
    return "gross-pay figure cloned over the net-pay figure in the scanned stub"


_DIGITAL_STUB: tuple[Variant, ...] = ("digital", "mixed")
SINGLE_SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("clean", None, "", mutate=_clean),
    Scenario("doc_unreadable", "DOC_UNREADABLE", "", mutate=_unreadable),
    Scenario("doc_unclassified", "DOC_UNCLASSIFIED", "", mutate=_unclassified),
    Scenario("doc_missing_paystub", "DOC_MISSING", "employee without a pay stub", prepare=_no_stub,
             tolerated=frozenset({"INCOME_OVERSTATED", "DTI_EXCEEDED"})),
    Scenario("doc_missing_self_employed", "DOC_MISSING", "self-employed with one statement and no tax form", prepare=_self_employed,
             tolerated=frozenset({"INCOME_OVERSTATED", "DTI_EXCEEDED", "AML_LARGE_UNEXPLAINED_DEPOSIT"})),
    Scenario("doc_expired", "DOC_EXPIRED", "", mutate=_expired),
    Scenario("doc_stale", "DOC_STALE", "", mutate=_stale),
    Scenario("id_checksum_invalid", "ID_CHECKSUM_INVALID", "", prepare=_mrz_kind, mutate=_checksum),
    Scenario("id_mrz_mismatch", "ID_MRZ_MISMATCH", "", prepare=_mrz_kind, mutate=_mrz_mismatch,
             tolerated=frozenset({"DOB_MISMATCH", "ID_NUMBER_MISMATCH"})),
    Scenario("paystub_arithmetic", "PAYSTUB_ARITHMETIC", "", mutate=_arithmetic,
             tolerated=frozenset({"INCOME_NOT_DEPOSITED", "PAYSTUB_YTD_INCONSISTENT"})),
    Scenario("paystub_ytd_inconsistent", "PAYSTUB_YTD_INCONSISTENT", "", mutate=_ytd, tolerated=frozenset({"PAYSTUB_ARITHMETIC"})),
    Scenario("paystub_tax_implausible", "PAYSTUB_TAX_IMPLAUSIBLE", "Social Security / Medicare / federal withholding at "
             "implausible rates (arithmetic and YTD consistent)", prepare=_bad_taxes),
    Scenario("statement_balance_mismatch", "STATEMENT_BALANCE_MISMATCH", "", mutate=_balance,
             tolerated=frozenset({"STATEMENT_DISCONTINUITY"})),
    Scenario("statement_discontinuity", "STATEMENT_DISCONTINUITY", "", prepare=_two_statements, mutate=_discontinuity),
    Scenario("name_mismatch", "NAME_MISMATCH", "", mutate=_name),
    Scenario("dob_mismatch", "DOB_MISMATCH", "", mutate=_dob),
    Scenario("id_number_mismatch", "ID_NUMBER_MISMATCH", "", mutate=_id_number),
    Scenario("address_mismatch", "ADDRESS_MISMATCH", "", mutate=_address),
    Scenario("employer_mismatch", "EMPLOYER_MISMATCH", "", mutate=_employer),
    Scenario("income_not_deposited", "INCOME_NOT_DEPOSITED", "the pay stubs' net pay never arrives in the account",
             prepare=_no_deposits, tolerated=frozenset({"INCOME_OVERSTATED", "DTI_EXCEEDED"})),
    Scenario("income_overstated", "INCOME_OVERSTATED", "", mutate=_overstated),
    Scenario("dti_exceeded", "DTI_EXCEEDED", "", mutate=_dti),
    Scenario("ltv_exceeded", "LTV_EXCEEDED", "", prepare=_secured, mutate=_ltv),
    Scenario("aml_structuring", "AML_STRUCTURING", "3-4 cash deposits of 8,200-9,950 within 10 days", prepare=_structuring),
    Scenario("aml_large_deposit", "AML_LARGE_UNEXPLAINED_DEPOSIT", "a non-payroll credit of 4.5-7x monthly income",
             prepare=_large_deposit),
    Scenario("pdf_edited", "PDF_EDITED", "", mutate=_pdf_edit, variants=_DIGITAL_STUB,
             tolerated=_STUB_KNOCK_ON | {"PDF_FONT_ANOMALY", "TEXT_LAYER_MISMATCH"}),
    Scenario("pdf_font_anomaly", "PDF_FONT_ANOMALY", "", mutate=_font_anomaly, variants=_DIGITAL_STUB, tolerated=_STUB_KNOCK_ON),
    Scenario("text_layer_mismatch", "TEXT_LAYER_MISMATCH", "", mutate=_text_layer, variants=_DIGITAL_STUB,
             tolerated=_STUB_KNOCK_ON | {"PDF_EDITED", "PDF_FONT_ANOMALY"}),
    Scenario("image_tampered", "IMAGE_TAMPERED", "", prepare=_boxes_layout, mutate=_image_tampered, variants=("mixed", "scan"),
             tolerated=_STUB_KNOCK_ON | {"PAYSTUB_TAX_IMPLAUSIBLE"}),
)}
