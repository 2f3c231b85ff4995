"""Rules across documents and the application: one person, one address, one employer, real pay.

Each compares values with :mod:`rules.matching`; the level a comparison reached is quoted in the
finding, so an underwriter sees both what disagreed and which harmless variations were allowed.
Names and identifiers are not repeated in messages (they are in the evidence, with their boxes).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from rapidfuzz.distance import Levenshtein

from extractors.normalize import ascii_fold, mask, read_as
from pipeline.models import (
    IDENTITY_KINDS,
    DocKind,
    Evidence,
    ExtractedDocument,
    Finding,
    Severity,
    Transaction,
)
from rules.common import (
    add_business_days,
    as_money,
    cite,
    cite_row,
    field_confidence,
    field_date,
    field_money,
    field_text,
    figures_doubted,
    is_business_day,
)
from rules.engine import NotRun, Rule, RuleContext
from rules.identity import number_verified_by_print, zone_number
from rules.income import is_payroll_credit
from rules.matching import (
    ADDRESSES,
    DATES,
    EMPLOYERS,
    NAMES,
    Comparison,
    Outcome,
    PersonName,
    address_differences,
    compare_employer_to_deposit,
    identifiers,
    name_from_parts,
    parse_person_name,
)

APPLICATION_FILE = "application.json"


def application_evidence(field: str, value: object) -> Evidence:
    """Evidence for a value the applicant declared (no page: it is typed, not printed)."""
    return Evidence(file=APPLICATION_FILE, field=f"applicant.{field}", value=value)


@dataclass(frozen=True)
class Claim:
    """One source's statement of a value: its parsed alternatives and where it was read."""

    alternatives: tuple[Any, ...]
    evidence: Evidence

    @property
    def source(self) -> str:
        return self.evidence.file or "?"


def best_outcome(comparison: Comparison[Any], left: Claim, right: Claim) -> Outcome:
    """The closest level any pair of alternatives reaches (a joint account holder matches on either name)."""
    outcomes = [comparison.compare_parsed(a, b) for a in left.alternatives for b in right.alternatives]
    return min(outcomes, key=comparison.rank)


class AnchoredComparison(Rule):
    """Base: every source's value is compared with the anchor (the first claim: the identity
    document or the application, whichever the subclass puts first)."""

    comparison: ClassVar[Comparison[Any]]
    subject: ClassVar[str]
    lesser: ClassVar[frozenset[str]] = frozenset()
    """Levels that disagree but are reported one severity lower (e.g. a similar spelling)."""

    @abstractmethod
    def claims(self, ctx: RuleContext) -> list[Claim]:
        """Every source's value, anchor first."""

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        claims = self.claims(ctx)
        if len(claims) < 2:
            return NotRun(f"fewer than two sources state the {self.subject}")
        anchor, others = claims[0], claims[1:]
        findings = []
        for other in others:
            outcome = best_outcome(self.comparison, anchor, other)
            if outcome.differs:
                findings.append(self.finding(
                    f"{self.subject} on {other.source} does not match {anchor.source}: {outcome.level.label}"
                    f"{self.detail(outcome, anchor, other)}",
                    (anchor.evidence, other.evidence),
                    severity=self.reported_severity(outcome, anchor, other, ctx),
                    level=outcome.level.name, levels_tried=self.comparison.describe()))
        return findings

    def detail(self, outcome: Outcome, anchor: Claim, other: Claim) -> str:
        """Extra words for the message (which parts differ); none by default."""
        return ""

    def reported_severity(self, outcome: Outcome, anchor: Claim, other: Claim, ctx: RuleContext) -> Severity | None:
        """The finding's severity; ``None`` for the rule's own. ``lesser`` levels are one lower."""
        return Severity.MEDIUM if outcome.level.name in self.lesser else None


def _claim(alternatives: Sequence[Any], evidence: Evidence) -> list[Claim]:
    kept = tuple(a for a in alternatives if a is not None)
    return [Claim(kept, evidence)] if kept else []


def _split_joint(text: str) -> list[str]:
    # Joint accounts print "ROBERT SMITH AND JANE SMITH" / "R SMITH & J SMITH" / "... OR ...".
    return [part for part in re.split(r"\s+(?:AND|OR|&)\s+|\s*[;/]\s*|\n", text, flags=re.IGNORECASE) if part.strip()]


class NameMismatch(AnchoredComparison):
    """The documents or the application name different people: the applicant's ID against the pay
    stub's employee, the statement's account holder and the declared name. Borrowed or bought
    documents of someone else are the commonest identity fraud. Order, case, punctuation, middle
    names and initials, nicknames and a one-character OCR slip are harmless; a similar spelling
    more than one slip apart is reported at medium severity, and low when it is an OCR'd identity
    document's name with letters lost or one glyph misread."""

    id = "name_consistency"
    code = "NAME_MISMATCH"
    severity = Severity.HIGH
    comparison = NAMES
    subject = "name"
    lesser = frozenset({"similar"})

    def reported_severity(self, outcome: Outcome, anchor: Claim, other: Claim, ctx: RuleContext) -> Severity | None:
        """Low when the identity document's name was OCR'd and is the other name garbled as OCR
        garbles a zone's OCR-B: first name and surname each with a letter or two lost
        ("SUSN ATTHEWS" for Susan Matthews) or one glyph of a long word misread ("DANTELS")."""
        if (outcome.level.name in self.lesser and _read_by_ocr(ctx, anchor.evidence)
                and any(_garbled_by_ocr(mine, theirs, ctx)
                        for mine in anchor.alternatives for theirs in other.alternatives)):
            return Severity.LOW
        return super().reported_severity(outcome, anchor, other, ctx)

    def claims(self, ctx: RuleContext) -> list[Claim]:
        claims: list[Claim] = []
        for doc in ctx.of_kind(*IDENTITY_KINDS):
            parsed = name_from_parts(field_text(doc, "given_names"), field_text(doc, "surname"))
            field = "surname" if parsed else "full_name"
            parsed = parsed or parse_person_name(field_text(doc, "full_name") or "")
            claims += _claim([parsed], cite(doc, field))
        if ctx.application and ctx.application.applicant.full_name:
            name = ctx.application.applicant.full_name
            claims += _claim([parse_person_name(name)], application_evidence("full_name", name))
        for kind, field in ((DocKind.PAY_STUB, "employee_name"), (DocKind.BANK_STATEMENT, "account_holder")):
            for doc in ctx.of_kind(kind):
                text = field_text(doc, field)
                if text:
                    claims += _claim([parse_person_name(part) for part in _split_joint(text)], cite(doc, field))
        return claims


class DateOfBirthMismatch(AnchoredComparison):
    """The declared date of birth differs from the identity document's (or two IDs disagree). A
    changed birth date is how synthetic and borrowed identities get past age and credit checks."""

    id = "dob_consistency"
    code = "DOB_MISMATCH"
    severity = Severity.HIGH
    comparison = DATES
    subject = "date of birth"

    def claims(self, ctx: RuleContext) -> list[Claim]:
        claims: list[Claim] = []
        if ctx.application and ctx.application.applicant.date_of_birth:
            dob = ctx.application.applicant.date_of_birth
            claims += _claim([dob], application_evidence("date_of_birth", dob.isoformat()))
        for doc in ctx.of_kind(*IDENTITY_KINDS):
            claims += _claim([field_date(doc, "date_of_birth")], cite(doc, "date_of_birth"))
        return claims


class AddressMismatch(AnchoredComparison):
    """The declared address differs from the ID's, the pay stub's or the statement's beyond
    abbreviation (Street/St, Apt/#, North/N, ZIP+4, case and punctuation). Mail-drop and
    borrowed-document fraud show up as addresses that do not line up; a recent move does too, which
    is why this is medium severity. An OCR'd address one digit off in its street number or ZIP, read
    without its street number, or with the same number and ZIP and a few letters garbled, is low:
    that is how OCR garbles an address, not how people move."""

    id = "address_consistency"
    code = "ADDRESS_MISMATCH"
    severity = Severity.MEDIUM
    comparison = ADDRESSES
    subject = "address"

    def claims(self, ctx: RuleContext) -> list[Claim]:
        claims: list[Claim] = []
        declared = ctx.application.applicant.address if ctx.application else None
        if declared:
            claims += _claim([ADDRESSES.parse(declared)], application_evidence("address", declared))
        sources = ((IDENTITY_KINDS, "address"), ((DocKind.PAY_STUB,), "employee_address"),
                   ((DocKind.BANK_STATEMENT,), "account_holder_address"))
        for kinds, field in sources:
            for doc in ctx.of_kind(*kinds):
                text = field_text(doc, field)
                if text:
                    claims += _claim([ADDRESSES.parse(text)], cite(doc, field))
        return claims

    def detail(self, outcome: Outcome, anchor: Claim, other: Claim) -> str:
        parts = address_differences(anchor.alternatives[0], other.alternatives[0])
        return f" (differs in {', '.join(parts)})" if parts else ""

    def reported_severity(self, outcome: Outcome, anchor: Claim, other: Claim, ctx: RuleContext) -> Severity | None:
        """Low when OCR read the other address and it differs only as OCR garbles: one digit of the
        street number or ZIP ("693" for 893), no street number read at all ("Pune PW 76950"), or a
        few letters of a street with the same number and ZIP ("Ress Telrace" for Ross Terrace)."""
        if not _read_by_ocr(ctx, other.evidence) and not _read_by_ocr(ctx, anchor.evidence):
            return None
        left, right = anchor.alternatives[0], other.alternatives[0]
        if left.number is None or right.number is None:
            return Severity.LOW
        if (left.number == right.number and left.zip and left.zip == right.zip
                and _text_similarity(anchor.evidence.value, other.evidence.value)
                >= ctx.thresholds.ocr_address_min_similarity):
            return Severity.LOW
        parts = address_differences(left, right)
        one_digit = {"street number": (left.number, right.number), "ZIP": (left.zip, right.zip)}
        if len(parts) == 1 and parts[0] in one_digit:
            a, b = one_digit[parts[0]]
            if len(a) == len(b) and Levenshtein.distance(a, b) == 1:
                return Severity.LOW
        return None


def _garbled_by_ocr(read: PersonName, printed: PersonName, ctx: RuleContext) -> bool:
    """``read`` is ``printed`` with its first name and surname each equal, short of a letter or two,
    or one glyph of a long word misread."""
    def same(word: str, reading: str) -> bool:
        return read_as(word, reading, lost=ctx.thresholds.mrz_name_lost_glyphs,
                       misread_min_letters=ctx.thresholds.mrz_name_misread_min_letters)
    return same(printed.first, read.first) and same(" ".join(printed.last), " ".join(read.last))


def _text_similarity(a: object, b: object) -> float:
    """Normalised Levenshtein similarity (0..1) of two values as printed, case and accents aside."""
    return Levenshtein.normalized_similarity(ascii_fold(str(a)).upper(), ascii_fold(str(b)).upper())


def _read_by_ocr(ctx: RuleContext, evidence: Evidence) -> bool:
    """Whether the cited field of a bundle document was read by OCR (printed, or an MRZ on a photo)."""
    for doc in ctx.documents:
        if doc.file == evidence.file and evidence.field in doc.fields:
            return doc.source != "text" and doc.fields[evidence.field].source in ("ocr", "mrz")
    return False


class IdNumberMismatch(Rule):
    """The ID number the applicant declared is not the number of any identity document in the
    bundle (separators, case and one look-alike OCR slip ignored; on a photo, the printed reading,
    the number its OCR'd zone verifies with and the zone's own number count too). Someone applying
    with another person's document, or a fabricated number, ends up here."""

    id = "id_number_consistency"
    code = "ID_NUMBER_MISMATCH"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        declared = ctx.application.applicant.id_number if ctx.application else None
        docs = [d for d in ctx.of_kind(*IDENTITY_KINDS) if field_text(d, "document_number")]
        if not declared or not docs:
            return NotRun("needs a declared ID number and an identity document with its number read")
        comparison = identifiers(ctx.thresholds.min_identifier_length_for_slip)
        outcomes = [(doc, comparison.compare(declared, field_text(doc, "document_number"))) for doc in docs]
        if any(outcome.matches or not outcome.compared for _, outcome in outcomes):
            return []
        # The printed zone's own reading of the number: where OCR read the MRZ's look-alikes one way
        # and the printed number another, the declared number may be the printed one.
        # So may the number the zone verifies with, where each reading lost a different glyph, and the
        # zone's own number where the zone fails its checks (the print then wins the field, and a
        # doubted print may carry a glyph too many: "CMS5A88X87" at 0.2 beside the zone's CM5A88X87).
        printed = ([field_text(d, "viz_document_number") for d in docs] + [number_verified_by_print(d) for d in docs]
                   + [zone_number(d) for d in docs])
        if any(p and comparison.compare(declared, p).matches for p in printed):
            return []
        read = ", ".join(f"{doc.file}: {mask(field_text(doc, 'document_number'))}" for doc, _ in outcomes)
        return [self.finding(
            f"declared ID number {mask(declared)} matches no identity document in the bundle ({read})",
            (application_evidence("id_number", declared), *(cite(doc, "document_number") for doc, _ in outcomes)),
            levels=[outcome.level.name for _, outcome in outcomes])]


class EmployerMismatch(Rule):
    """The employer on the pay stub is not the declared employer, or the statements show payroll
    credits and none of them comes from the stub's (or declared) employer. A fabricated job is
    typically a stub from an invented or borrowed company while the real pay comes from elsewhere.
    Legal forms (Inc, LLC, Corp, Co, Ltd), case and shortened names are ignored; a payroll credit
    that names only a payroll processor ("ADP PAYROLL") cannot disagree with anyone."""

    id = "employer_consistency"
    code = "EMPLOYER_MISMATCH"
    severity = Severity.MEDIUM

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        stubs = [(d, e) for d in ctx.of_kind(DocKind.PAY_STUB) if (e := field_text(d, "employer_name"))]
        declared = ctx.application.applicant.employer if ctx.application else None
        employers = [e for _, e in stubs] + ([declared] if declared else [])
        if not employers:
            return NotRun("no employer on a pay stub or in the application")
        findings = self._declared_vs_stubs(declared, stubs)
        deposits = self._deposits(ctx, employers)
        if deposits is None and (not declared or not stubs):
            return NotRun("needs a stub employer and a declared employer, or payroll credits on a statement")
        return findings + (deposits or [])

    def _declared_vs_stubs(self, declared: str | None, stubs: list[tuple[ExtractedDocument, str]]) -> list[Finding]:
        if not declared or not stubs:
            return []
        outcomes = [EMPLOYERS.compare(declared, employer) for _, employer in stubs]
        if any(o.matches or not o.compared for o in outcomes):
            return []  # a second job's stub next to the declared one is fine
        return [self.finding(
            f"declared employer matches no pay stub's employer ({outcomes[0].level.label})",
            (application_evidence("employer", declared), *(cite(doc, "employer_name") for doc, _ in stubs)),
            check="declared_vs_stub", levels_tried=EMPLOYERS.describe())]

    def _deposits(self, ctx: RuleContext, employers: list[str]) -> list[Finding] | None:
        """``None`` when the statements show no attributable payroll credit (nothing to compare)."""
        keywords = ctx.thresholds.payroll_keywords
        payroll = [(doc, tx) for doc in ctx.of_kind(DocKind.BANK_STATEMENT) for tx in doc.transactions
                   if is_payroll_credit(tx, keywords)]
        outcomes = [(doc, tx, [compare_employer_to_deposit(e, tx.description) for e in employers])
                    for doc, tx in payroll]
        attributable = [(doc, tx, results) for doc, tx, results in outcomes if any(r.compared for r in results)]
        if not attributable:
            return None
        if any(r.matches for _, _, results in attributable for r in results):
            return []
        return [self.finding(
            f"{len(attributable)} payroll credit(s) on the statements, none from the stub's or declared employer",
            tuple(cite_row(doc, tx, "payroll credit from another payer") for doc, tx, _ in attributable[:5]),
            check="payroll_deposits", credits=len(attributable))]


@dataclass(frozen=True)
class _Coverage:
    start: date
    end: date


def _covered(day: date, periods: list[_Coverage]) -> bool:
    return any(p.start <= day <= p.end for p in periods)


def _window_covered(first: date, last: date, periods: list[_Coverage]) -> bool:
    """Every business day from ``first`` to ``last`` lies in some statement period."""
    day = first
    while day <= last:
        if is_business_day(day) and not _covered(day, periods):
            return False
        day = date.fromordinal(day.toordinal() + 1)
    return True


def _net_readings(doc: ExtractedDocument, net: Decimal, ctx: RuleContext) -> list[Decimal]:
    """The net pay as read, then, when OCR doubted that figure, as gross - total deductions."""
    gross, deductions = field_money(doc, "gross_pay"), field_money(doc, "total_deductions")
    if (gross is None or deductions is None
            or not figures_doubted(doc, ctx.thresholds, [field_confidence(doc, "net_pay")])):
        return [net]
    return list(dict.fromkeys((net, gross - abs(deductions))))


class IncomeNotDeposited(Rule):
    """A pay stub's net pay never arrives: no credit within 1% of it within five business days of
    its pay date on the statements covering that date. Real pay lands in the account; a fabricated
    stub's pay does not (or it lands in an account the applicant did not show). A stub is judged
    when the statements cover its pay date, the day direct deposit settles. When they stop short of
    the whole window (a statement that ends on the pay date), a missing credit asks for the next
    statement (medium) rather than declining: a late credit would not show yet. A net pay OCR
    doubted is looked for as the stub's own arithmetic gives it too (gross - deductions): a
    misread digit ("2,396.58" for 2,596.58) is no missing pay."""

    id = "income_deposited"
    code = "INCOME_NOT_DEPOSITED"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        statements = ctx.of_kind(DocKind.BANK_STATEMENT)
        periods = [_Coverage(s, e) for d in statements
                   if (s := field_date(d, "statement_period_start")) and (e := field_date(d, "statement_period_end"))]
        credits = [(d, tx) for d in statements for tx in d.transactions if tx.amount > 0]
        window = ctx.thresholds.deposit_window_business_days
        stubs = [(doc, pay_date, net) for doc in ctx.of_kind(DocKind.PAY_STUB)
                 if (pay_date := field_date(doc, "pay_date")) and (net := field_money(doc, "net_pay"))
                 and _covered(pay_date, periods)]
        if not stubs:
            return NotRun("no pay stub with net pay and pay date that a statement covers")
        used: set[int] = set()
        findings = []
        # Latest stubs first: each credit pays one stub, and equal net pays must not share a credit.
        for doc, pay_date, net in sorted(stubs, key=lambda s: s[1], reverse=True):
            match = next((m for amount in _net_readings(doc, net, ctx)
                          if (m := self._match(amount, pay_date, credits, used, ctx)) is not None), None)
            if match is None:
                whole_window = _window_covered(add_business_days(pay_date, -window),
                                               add_business_days(pay_date, window), periods)
                shown = ("on the statements covering that date" if whole_window else
                         f"on the statements, which end before the {window} business days a credit may take")
                findings.append(self.finding(
                    f"{doc.file}: net pay {net} of {pay_date.isoformat()} is not credited within "
                    f"{window} business days {shown}",
                    (cite(doc, "net_pay"), cite(doc, "pay_date")),
                    severity=Severity.HIGH if whole_window else Severity.MEDIUM,
                    pay_date=pay_date.isoformat(), net_pay=float(net), whole_window_covered=whole_window,
                    amount_tolerance=ctx.thresholds.deposit_amount_tolerance, window_business_days=window))
            else:
                used.add(match)
        return findings

    @staticmethod
    def _match(net: Decimal, pay_date: date, credits: list[tuple[ExtractedDocument, Transaction]], used: set[int],
               ctx: RuleContext) -> int | None:
        """Index of the closest-dated unused credit within the amount and date tolerances."""
        window = ctx.thresholds.deposit_window_business_days
        earliest, latest = add_business_days(pay_date, -window), add_business_days(pay_date, window)
        tolerance = net * as_money(ctx.thresholds.deposit_amount_tolerance)
        candidates = [(abs((tx.date - pay_date).days), i) for i, (_, tx) in enumerate(credits)
                      if i not in used and earliest <= tx.date <= latest
                      and abs(Decimal(str(tx.amount)) - net) <= tolerance]
        return min(candidates)[1] if candidates else None
