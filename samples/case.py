"""One applicant's case: the records behind a bundle, and writing them out as files with ground truth.

A case is built in two steps. :func:`build_case` makes a consistent, clean set of records (pay history,
stubs, statements, identity document, application) from a :class:`CaseSpec` whose knobs a scenario
may turn beforehand (tax rates, payroll deposits, planted credits...). A scenario may then edit the
built records (a raised net pay, an edited balance) before :func:`write_bundle` renders every document,
degrades the scanned ones, applies file-level forgeries and writes ``application.json`` and
``truth.json``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from samples import degrade, forensics
from samples.banking import ActivityGenerator, Credit, Statement, build_statements, statement_periods
from samples.dates import month_end
from samples.identity import IdentityDoc, IdKind, make_identity
from samples.payroll import (
    DEDUCTION_LABELS,
    EARNING_LABELS,
    Compensation,
    PayStub,
    PeriodPay,
    TaxPolicy,
    build_stub,
    pay_calendar,
    pay_history,
)
from samples.people import NAME_STYLES, STATES_WITHOUT_INCOME_TAX, Employer, PeopleFactory, Person
from samples.render_identity import IdLook, render_identity
from samples.render_other import render_letter, render_utility_bill
from samples.render_paystub import LAYOUTS as STUB_LAYOUTS
from samples.render_paystub import PRODUCERS as STUB_PRODUCERS
from samples.render_paystub import StubWording, render_paystub
from samples.render_statement import BANKS, StatementWording, render_statement
from samples.render_statement import LAYOUTS as STATEMENT_LAYOUTS
from samples.render_statement import PRODUCERS as STATEMENT_PRODUCERS
from samples.toolkit import Sheet, Style, Tamper, random_style

Variant = Literal["digital", "scan", "mixed"]
Product = Literal["auto", "mortgage", "personal"]
APR = {"auto": 0.079, "mortgage": 0.0665, "personal": 0.129}
_VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
               "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}


def make_vin(rng: random.Random) -> str:
    """A 17-character VIN with a correct position-9 check digit."""
    chars = [rng.choice(_VIN_CHARS) for _ in range(17)]
    total = sum(_VIN_VALUES[c] * w for c, w in zip(chars, _VIN_WEIGHTS, strict=True))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def monthly_payment(amount: float, term: int, apr: float) -> float:
    rate = apr / 12
    return round(amount * rate / (1 - (1 + rate) ** -term), 2)


@dataclass
class CaseSpec:
    """Knobs a scenario turns before the records are built; defaults give a clean employee case."""

    variant: Variant = "digital"
    stub_count: int | None = None
    statement_count: int | None = None
    payroll_deposits: bool = True
    taxes: TaxPolicy | None = None
    min_salary: float = 36_000.0
    planted_credits: Literal["structuring", "large_deposit"] | None = None
    id_kind: IdKind | None = None
    occupation: Literal["employee", "self_employed"] = "employee"
    product: Product | None = None
    person: Person | None = None
    employer: Employer | None = None
    account_number: str | None = None
    stub_layout: str | None = None
    statement_layout: str | None = None


@dataclass
class Looks:
    """Visual choices of the issuers in one case (an employer prints all its stubs alike)."""

    stub_layout: str
    stub_style: Style
    stub_words: StubWording
    stub_producer: str
    statement_layout: str
    statement_style: Style
    statement_words: StatementWording
    repeat_header: bool
    rows_per_page: int
    statement_producer: str
    id_look: IdLook
    id_style: Style


@dataclass
class Extra:
    """A file beside the regular documents: a bill or letter (unclassified) or a broken file."""

    name: str
    data: bytes
    kind: str
    unreadable: bool = False


@dataclass
class Case:
    bundle_id: str
    rng: random.Random
    spec: CaseSpec
    person: Person
    employer: Employer | None
    comp: Compensation | None
    submitted: date
    history: list[PeriodPay]
    stubs: list[PayStub]
    statements: list[Statement]
    identity: IdentityDoc | None
    application: dict[str, Any]
    looks: Looks
    verified_monthly_income: float
    stub_tampers: tuple[Tamper, ...] = ()
    """Tampers drawn into the most recent stub."""
    pdf_edit: Tamper | None = None
    """An edit saved into the most recent stub as an incremental update."""
    copy_move: tuple[str, str] | None = None
    """(source field, target field) cloned within the scan of the most recent stub."""
    truth_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per document role ("stub", "identity", ...), field values as visible after a forgery."""
    extras: list[Extra] = field(default_factory=list)
    reused_files: dict[str, bytes] = field(default_factory=dict)
    """Role -> exact bytes to write instead of rendering (a document reused from another bundle)."""
    balances_printed: bool = True

    def stub_variant(self) -> Literal["digital", "scan"]:
        return "scan" if self.spec.variant == "scan" else "digital"

    def identity_variant(self) -> Literal["digital", "scan"]:
        return "digital" if self.spec.variant == "digital" else "scan"


# --------------------------------------------------------------------------------------------------
# Building


def _compensation(rng: random.Random, spec: CaseSpec, state: str) -> Compensation:
    frequency = rng.choice(("weekly", "biweekly", "biweekly", "semimonthly", "monthly"))
    state_rate = 0.0 if state in STATES_WITHOUT_INCOME_TAX else round(rng.uniform(0.03, 0.0575), 4)
    taxes = spec.taxes or TaxPolicy(state_rate=state_rate)
    benefits = {"retirement_pct": rng.choice((0.0, 0.03, 0.04, 0.05, 0.06)), "medical": rng.choice((0.0, 48.5, 92.3, 145.0)),
                "dental": rng.choice((0.0, 0.0, 8.25, 12.4))}
    if rng.random() < 0.35 and spec.min_salary <= 60_000:
        rate = round(rng.uniform(max(18.0, spec.min_salary / 2080), 42.0), 2)
        return Compensation(frequency, hourly_rate=rate, taxes=taxes, **benefits)  # type: ignore[arg-type]
    salary = round(rng.uniform(spec.min_salary, max(spec.min_salary * 1.5, 140_000)) / 500) * 500
    return Compensation(frequency, annual_salary=float(salary), taxes=taxes, **benefits)  # type: ignore[arg-type]


def _timeline(rng: random.Random, comp: Compensation | None, hint: date) -> tuple[date, date, date]:
    """(last pay date, last statement end, submitted_at): stub within ~25 days, statement within ~35."""
    anchor = hint - timedelta(days=rng.randint(3, 20))
    if comp:
        calendar = pay_calendar(comp.frequency, anchor.year - 1) + pay_calendar(comp.frequency, anchor.year)
        last_pay = max(p.pay_date for p in calendar if p.pay_date <= anchor)
    else:
        last_pay = anchor
    end = last_pay + timedelta(days=rng.randint(0, 8))
    if end.day > 28:
        end = month_end(end.year, end.month)
    submitted = end + timedelta(days=rng.randint(2, 12))
    return last_pay, end, submitted


def _looks(rng: random.Random, spec: CaseSpec) -> Looks:
    stub_style = random_style(rng)
    return Looks(
        stub_layout=spec.stub_layout or rng.choice(tuple(STUB_LAYOUTS)), stub_style=stub_style, stub_words=StubWording.pick(rng),
        stub_producer=rng.choice(STUB_PRODUCERS), statement_layout=spec.statement_layout or rng.choice(tuple(STATEMENT_LAYOUTS)),
        statement_style=random_style(rng), statement_words=StatementWording.pick(rng), repeat_header=rng.random() < 0.5,
        rows_per_page=rng.randint(24, 45), statement_producer=rng.choice(STATEMENT_PRODUCERS), id_look=IdLook.pick(rng),
        id_style=random_style(rng, families=("helvetica", "dejavu_sans", "dejavu_condensed")),
    )


def _stubs(rng: random.Random, person: Person, employer: Employer, comp: Compensation, history: list[PeriodPay], count: int) -> list[PayStub]:
    name_style = rng.choice(("full", "initial", "initial_dot", "last_first", "last_first_full", "plain"))
    upper = rng.random() < 0.5
    header = {
        "employer_name": employer.legal_name, "employer_address": employer.address.lines(abbreviated=rng.random() < 0.5),
        "employee_name": person.name(name_style, upper=upper),  # type: ignore[arg-type]
        "employee_address": person.address.lines(abbreviated=rng.random() < 0.6, unit_style=rng.randrange(3), upper=upper),
        "employee_id": f"{rng.randint(100000, 999999)}", "ssn_masked": f"XXX-XX-{person.ssn_last4}", "frequency": comp.frequency,
        "check_number": f"{rng.randint(10000, 99999)}", "deposit_account": f"XXXXXX{rng.randint(1000, 9999)}",
    }
    labels, earnings = rng.choice(DEDUCTION_LABELS), rng.choice(EARNING_LABELS)
    first = max(0, len(history) - count)
    stubs = []
    for index in range(first, len(history)):
        stub = build_stub(history, index, labels=labels, earning_labels=earnings, state=person.address.state, header=header)
        stubs.append(replace(stub, check_number=str(int(stub.check_number) + index)))
    return stubs


def _credits(rng: random.Random, employer: Employer | None, payroll: list[PeriodPay], spec: CaseSpec,
             monthly_income: float, last_period: tuple[date, date]) -> list[Credit]:
    credits = []
    if employer and spec.payroll_deposits:
        descriptor = employer.payroll_descriptor(rng)
        credits = [Credit(p.period.pay_date, descriptor, p.net, payroll=True) for p in payroll]
    if spec.occupation == "self_employed":
        days = [last_period[0] + timedelta(days=rng.randint(0, (last_period[1] - last_period[0]).days)) for _ in range(4)]
        credits += [Credit(d, f"ACH CREDIT CLIENT PMT {rng.randint(1000, 9999)}", round(monthly_income / 4 * rng.uniform(0.6, 1.4), 2))
                    for d in days]
    start, end = last_period
    if spec.planted_credits == "structuring":
        first = start + timedelta(days=rng.randint(0, max(0, (end - start).days - 10)))
        days = sorted(first + timedelta(days=d) for d in rng.sample(range(10), rng.randint(3, 4)))
        credits += [Credit(d, rng.choice(("CASH DEPOSIT", "BRANCH DEPOSIT - CASH", "ATM CASH DEPOSIT")),
                           float(rng.randrange(8_200, 9_950, 10))) for d in days]
    elif spec.planted_credits == "large_deposit":
        day = start + timedelta(days=rng.randint(2, (end - start).days - 2))
        credits.append(Credit(day, rng.choice((f"WIRE TRANSFER IN REF {rng.randint(10**7, 10**8)}", "INCOMING WIRE FED REF 88213",
                                               f"MOBILE CHECK DEPOSIT {rng.randint(1000, 9999)}")),
                              float(round(monthly_income * rng.uniform(4.5, 7.0), -2))))
    return credits


def _statements(rng: random.Random, person: Person, employer: Employer | None, comp: Compensation | None, spec: CaseSpec,
                statement_end: date, monthly_income: float) -> list[Statement]:
    count = spec.statement_count or rng.choice((1, 2, 2, 3))
    periods = statement_periods(statement_end, count)
    payroll: list[PeriodPay] = []
    if comp:
        for year in sorted({periods[0][0].year, statement_end.year}):
            payroll += pay_history(comp, date(year, 12, 31), random.Random(f"{person.email}{year}"))
        payroll = [p for p in payroll if periods[0][0] <= p.period.pay_date <= statement_end]
    credits = _credits(rng, employer, payroll, spec, monthly_income, periods[-1])
    bank, bank_address = rng.choice(BANKS)
    digits = spec.account_number or f"{rng.randint(10**9, 10**10 - 1)}"
    holder_style = rng.choice(NAME_STYLES)
    header = {
        "bank_name": bank, "bank_address": [bank_address],
        "account_holder": person.name(holder_style, upper=rng.random() < 0.7),
        "holder_address": person.address.lines(abbreviated=rng.random() < 0.7, unit_style=rng.randrange(3), upper=rng.random() < 0.6),
        # A shared account (a scenario's) is printed in full so that it can be linked across bundles.
        "account_number": digits if spec.account_number else rng.choice(
            (digits, f"XXXXXX{digits[-4:]}", f"****{digits[-4:]}", f"xxxx-xxxx-{digits[-4:]}")),
        "account_type": rng.choice(("Checking", "Everyday Checking", "Premier Checking")),
    }
    activity = ActivityGenerator(rng, monthly_income=monthly_income * 0.78, city=person.address.city, state=person.address.state)
    return build_statements(rng, activity, periods, credits, opening=round(rng.uniform(400, 9000), 2), density=(22, 70), header=header)


def _loan(rng: random.Random, product: Product, income: float) -> dict[str, Any]:
    """A loan the applicant can afford: DTI 15-36 %, LTV 60-90 % when there is collateral."""
    if product == "mortgage":
        amount, term = round(income * 12 * rng.uniform(2.0, 3.2), -3), 360
    elif product == "auto":
        amount, term = round(rng.uniform(9_000, min(45_000, income * 8)), -2), rng.choice((36, 48, 60, 72))
    else:
        amount, term = round(rng.uniform(2_000, min(25_000, income * 4)), -2), rng.choice((24, 36, 48, 60))
    payment = monthly_payment(amount, term, APR[product])
    debt = max(0.0, round(income * rng.uniform(0.15, 0.36) - payment, -1))
    loan: dict[str, Any] = {"amount": amount, "term_months": term, "monthly_payment": payment, "existing_monthly_debt": debt}
    if product != "personal":
        value = round(amount / rng.uniform(0.6, 0.88), -2)
        loan["collateral"] = ({"kind": "vehicle", "vin": make_vin(rng), "address": None, "value": value} if product == "auto"
                              else {"kind": "property", "vin": None, "address": None, "value": value})
    else:
        loan["collateral"] = None
    return loan


def verified_income(comp: Compensation | None, history: list[PeriodPay]) -> float:
    """Gross monthly income an underwriter would compute from the stubs' pay frequency."""
    if not comp or not history:
        return 0.0
    recent = history[-3:]
    return round(sum(p.gross for p in recent) / len(recent) * comp.periods / 12, 2)


def build_case(bundle_id: str, rng: random.Random, people: PeopleFactory, spec: CaseSpec, *, hint: date) -> Case:
    """A clean, internally consistent case for ``spec`` around the date ``hint``."""
    person = spec.person or people.person(today=hint)
    employed = spec.occupation == "employee"
    employer = (spec.employer or people.employer(state=person.address.state)) if employed else None
    comp = _compensation(rng, spec, person.address.state) if employed else None
    last_pay, statement_end, submitted = _timeline(rng, comp, hint)
    history = pay_history(comp, last_pay, random.Random(f"{person.email}{last_pay.year}")) if comp else []
    income = verified_income(comp, history) or round(rng.uniform(4_000, 9_000), 2)
    looks = _looks(rng, spec)
    stubs = _stubs(rng, person, employer, comp, history, spec.stub_count if spec.stub_count is not None else rng.choice((1, 2)))\
        if comp and employer else []
    statements = _statements(rng, person, employer, comp, spec, statement_end, income)
    id_kinds: tuple[IdKind, ...] = ("passport", "id_card", "drivers_license", "drivers_license")
    id_kind = spec.id_kind if spec.id_kind else rng.choice(id_kinds)
    identity = make_identity(rng, person, id_kind, submitted)
    products: tuple[Product, ...] = ("auto", "auto", "mortgage", "personal")
    product = spec.product if spec.product else rng.choice(products)
    application = {
        "application_id": f"A-{bundle_id.split('-')[-1]}", "lender_id": f"L-{rng.randint(1, 5):02d}", "submitted_at": submitted.isoformat(),
        "product": product,
        "applicant": {
            "full_name": person.name(rng.choice(("full", "initial", "plain", "initial_dot"))), "date_of_birth": person.dob.isoformat(),
            "id_number": identity.number, "phone": person.phone, "email": person.email,
            "address": person.address.one_line(abbreviated=rng.random() < 0.5, unit_style=rng.randrange(3)),
            "employer": employer.printed_name(rng) if employer else None, "occupation_type": spec.occupation,
            "stated_monthly_income": round(income * rng.uniform(0.97, 1.03), -1),
        },
        "loan": _loan(rng, product, income),
    }
    case = Case(bundle_id, rng, spec, person, employer, comp, submitted, history, stubs, statements, identity, application, looks, income)
    case.balances_printed = STATEMENT_LAYOUTS[looks.statement_layout].balances
    return case


# --------------------------------------------------------------------------------------------------
# Writing


@dataclass
class Written:
    name: str
    kind: str
    variant: str
    fields: dict[str, Any]
    deductions: list[dict[str, Any]] | None = None
    transactions: list[dict[str, Any]] | None = None


def _scan(case: Case, pdf: bytes, *, capture: Literal["flatbed", "photo"], copy_move: tuple[Sheet, str, str] | None = None,
          fmt: Literal["jpeg", "png", "pdf"]) -> tuple[bytes, str]:
    """Degrade ``pdf`` into an image file or an image-only PDF; returns (bytes, extension)."""
    rng = case.rng
    dpi = 200 if capture == "flatbed" else 220
    pages = degrade.render_pages(pdf, dpi=dpi, grey=capture == "flatbed" and rng.random() < 0.8)
    if copy_move:
        sheet, source, target = copy_move
        src = degrade.box_to_pixels(sheet.fields[source][0].bbox, dpi)
        dst = degrade.box_to_pixels(sheet.fields[target][0].bbox, dpi)
        pages[0] = degrade.copy_move(pages[0], (src[0], src[1], src[0] + max(src[2] - src[0], dst[2] - dst[0]), src[3]), (dst[0], dst[1]))
    images = [degrade.phone_photo(p, rng) if capture == "photo" else degrade.flatbed(p, rng) for p in pages]
    if not copy_move and rng.random() < degrade.TURNED_SHARE:
        images = degrade.turned(images, rng.choice((90, 180, 270)))
    quality = 92 if copy_move else rng.randint(70, 80)
    if fmt == "pdf" or len(images) > 1:
        jpegs = [degrade.encode(i, fmt="jpeg", quality=quality, dpi=dpi) for i in images]
        return degrade.image_pdf(jpegs, dpi=dpi), "pdf"
    return degrade.encode(images[0], fmt=fmt, quality=quality, dpi=dpi), "jpg" if fmt == "jpeg" else "png"


def _stub_files(case: Case) -> list[tuple[str, bytes, Written]]:
    out = []
    looks = case.looks
    for i, stub in enumerate(case.stubs):
        latest = i == len(case.stubs) - 1
        base = f"paystub_{stub.period.pay_date.isoformat()}"
        variant = case.stub_variant()
        truth = Written("", "pay_stub", variant, stub.truth_fields(), deductions=stub.truth_deductions())
        if latest and "stub" in case.reused_files:
            out.append((f"{base}.pdf", case.reused_files["stub"], replace(truth, variant="digital")))
            continue
        tampers = case.stub_tampers if latest else ()
        pdf, sheet = render_paystub(stub, layout=looks.stub_layout, style=looks.stub_style, words=looks.stub_words,
                                    producer=looks.stub_producer, tampers=tampers)
        if latest and case.pdf_edit:
            edited, _ = render_paystub(stub, layout=looks.stub_layout, style=looks.stub_style, words=looks.stub_words,
                                       producer=looks.stub_producer, tampers=(case.pdf_edit,))
            pdf = forensics.incremental_edit(pdf, edited, editor=case.rng.choice(forensics.EDITOR_PRODUCERS),
                                             when=stub.period.pay_date + timedelta(days=case.rng.randint(3, 20)))
        if latest:
            truth.fields.update(case.truth_overrides.get("stub", {}))
        if variant == "scan" or (latest and case.copy_move):
            move = (sheet, *case.copy_move) if latest and case.copy_move else None
            fmt = "jpeg" if move else case.rng.choice(("pdf", "pdf", "jpeg"))
            data, ext = _scan(case, pdf, capture="flatbed", copy_move=move, fmt=fmt)  # type: ignore[arg-type]
            out.append((f"{base}_scan.{ext}", data, replace(truth, variant="scan")))
        else:
            out.append((f"{base}.pdf", pdf, truth))
    return out


def _statement_files(case: Case) -> list[tuple[str, bytes, Written]]:
    out = []
    looks = case.looks
    for statement in case.statements:
        pdf, sheet = render_statement(statement, layout=looks.statement_layout, style=looks.statement_style, words=looks.statement_words,
                                      repeat_header=looks.repeat_header, rows_per_page=looks.rows_per_page, producer=looks.statement_producer)
        transactions = statement.truth_transactions(balances_printed=case.balances_printed)
        for txn, drawn in zip(transactions, sheet.fields.get("description", []), strict=True):
            txn["description"] = drawn.text
        truth = Written("", "bank_statement", "digital", statement.truth_fields(), transactions=transactions)
        truth.fields.update(case.truth_overrides.get(f"statement:{statement.end.isoformat()}", {}))
        base = f"statement_{statement.end:%Y-%m}"
        if case.spec.variant == "scan":
            data, ext = _scan(case, pdf, capture="flatbed", fmt="pdf")
            out.append((f"{base}_scan.{ext}", data, replace(truth, variant="scan")))
        else:
            out.append((f"{base}.pdf", pdf, truth))
    return out


def _identity_file(case: Case) -> tuple[str, bytes, Written] | None:
    doc = case.identity
    if doc is None:
        return None
    pdf, _ = render_identity(doc, look=case.looks.id_look, style=case.looks.id_style, producer="Document Imaging Service")
    truth = Written("", doc.kind, case.identity_variant(), {**doc.truth_fields(), **case.truth_overrides.get("identity", {})})
    if case.identity_variant() == "digital":
        return f"{doc.kind}.pdf", pdf, truth
    photo = doc.kind != "passport" or case.rng.random() < 0.5
    data, ext = _scan(case, pdf, capture="photo" if photo else "flatbed", fmt="jpeg" if photo else case.rng.choice(("jpeg", "pdf")))
    name = f"IMG_{case.rng.randint(1000, 9999)}.{ext}" if photo else f"{doc.kind}_scan.{ext}"
    return name, data, truth


def extra_document(case: Case, what: Literal["utility_bill", "letter"]) -> Extra:
    """An unclassifiable document for ``case``'s applicant, dated shortly before submission."""
    style = random_style(case.rng)
    when = case.submitted - timedelta(days=case.rng.randint(5, 25))
    render = render_utility_bill if what == "utility_bill" else render_letter
    return Extra(f"{what}.pdf", render(case.person, style, case.rng, when), "unknown")


def broken_copy(case: Case) -> Extra:
    """A statement-looking file that no reader can open (truncated, garbage, encrypted or empty)."""
    pdf, _ = render_statement(case.statements[-1], layout=case.looks.statement_layout, style=case.looks.statement_style,
                              words=case.looks.statement_words, repeat_header=True, rows_per_page=40, producer="x")
    data, _how = forensics.unreadable(pdf, case.rng)
    return Extra(f"statement_{case.statements[-1].end:%Y-%m}_copy.pdf", data, "unknown", unreadable=True)


def write_bundle(case: Case, out: Path, scenario: dict[str, Any]) -> Path:
    """Render every document of ``case`` into ``out/<bundle_id>`` with application.json and truth.json."""
    folder = out / case.bundle_id
    folder.mkdir(parents=True, exist_ok=True)
    files = _stub_files(case) + _statement_files(case)
    identity = _identity_file(case)
    if identity:
        files.append(identity)
    documents: dict[str, dict[str, Any]] = {}
    for name, data, truth in files:
        (folder / name).write_bytes(data)
        entry: dict[str, Any] = {"kind": truth.kind, "variant": truth.variant, "fields": truth.fields}
        if truth.deductions is not None:
            entry["deductions"] = truth.deductions
        if truth.transactions is not None:
            entry["transactions"] = truth.transactions
        documents[name] = entry
    unreadable = []
    for extra in case.extras:
        (folder / extra.name).write_bytes(extra.data)
        if extra.unreadable:
            unreadable.append(extra.name)
        else:
            documents[extra.name] = {"kind": extra.kind, "variant": "digital", "fields": {}}
    (folder / "application.json").write_text(json.dumps(case.application, indent=2) + "\n")
    truth_doc = {"bundle_id": case.bundle_id, **scenario, "documents": documents, "unreadable_files": unreadable}
    (folder / "truth.json").write_text(json.dumps(truth_doc, indent=2, ensure_ascii=False) + "\n")
    return folder
