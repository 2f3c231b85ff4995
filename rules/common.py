"""Small pure helpers the rules share: typed field reads, evidence, money, calendars, pay frequency.

A field that is missing or does not parse reads as ``None`` here, so a rule can say "not run" instead
of turning an OCR miss into a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pipeline.config import RuleSettings
from pipeline.models import Evidence, ExtractedDocument, LineItem, Severity, Transaction

CENT = Decimal("0.01")

PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14, "semimonthly": 15, "monthly": 30}
"""Nominal days per period, for counting how many periods fit before a date."""


def money(value: object) -> Decimal | None:
    """A float or numeric string as cents-exact ``Decimal``; ``None`` when it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        # Through str() so that 0.1 stays 0.1, not its binary expansion.
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None


def as_money(value: float) -> Decimal:
    """A threshold or tolerance from the settings as ``Decimal``."""
    return Decimal(str(value))


def arithmetic_severity(diff: Decimal, settings: RuleSettings, doc: ExtractedDocument,
                        confidences: Iterable[float] = ()) -> Severity:
    """Severity of a sum that does not add up, by how far off it is and how its figures were read.

    ``confidences`` are the reader's confidences in the figures the sum rests on.
    """
    # Cents to a dollar off is a typing or rounding slip worth a look; more is an edited number -
    # when the figures come from a text layer. Read by OCR, one misread digit does the same, so the
    # finding asks for a person to compare the printed figures (review), never declines on its own;
    # and when OCR itself doubted one of those figures, the misread is the likelier story (low).
    if diff <= as_money(settings.arithmetic_minor_limit) or figures_doubted(doc, settings, confidences):
        return Severity.LOW
    return Severity.MEDIUM if read_by_ocr(doc) else Severity.HIGH


def figures_doubted(doc: ExtractedDocument, settings: RuleSettings, confidences: Iterable[float]) -> bool:
    """Whether OCR doubted (``ocr_doubted_confidence``) one of the figures a finding rests on: a
    clean Courier "75.52" read "15 .52" at 0.29, a "52,298.19" read "$2,298.19" at 0.64. An edited
    figure is printed as cleanly as its neighbours and reads as confidently."""
    return read_by_ocr(doc) and min(confidences, default=1.0) < settings.ocr_doubted_confidence


def read_by_ocr(doc: ExtractedDocument) -> bool:
    """Whether (some of) the document's figures were read by OCR rather than from a text layer."""
    return doc.source in ("ocr", "mixed")


def field_money(doc: ExtractedDocument, name: str) -> Decimal | None:
    return money(doc.value(name))


def field_date(doc: ExtractedDocument, name: str) -> date | None:
    """An ISO date field as ``date``; ``None`` when missing or not an ISO date."""
    value = doc.value(name)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def field_text(doc: ExtractedDocument, name: str) -> str | None:
    """A text field stripped; ``None`` when missing or blank."""
    value = doc.value(name)
    if value is None or isinstance(value, list):
        return None
    text = str(value).strip()
    return text or None


def cite(doc: ExtractedDocument, name: str, note: str | None = None) -> Evidence:
    """Evidence for one field: where it is on the page and what it says."""
    fv = doc.fields.get(name)
    if fv is None:
        return Evidence(file=doc.file, field=name, note=note)
    return Evidence(file=doc.file, page=fv.page, field=name, value=fv.value, bbox=fv.bbox, note=note)


def cite_row(doc: ExtractedDocument, tx: Transaction, note: str | None = None) -> Evidence:
    """Evidence for one statement row (its amount, with date and description in the note)."""
    detail = f"{tx.date.isoformat()} {tx.description}"
    return Evidence(file=doc.file, page=tx.page, field="transactions", value=tx.amount, bbox=tx.bbox,
                    note=f"{detail}: {note}" if note else detail)


def cite_item(doc: ExtractedDocument, item: LineItem, note: str | None = None) -> Evidence:
    """Evidence for one pay-stub deduction line."""
    return Evidence(file=doc.file, page=item.page, field=f"deductions.{item.name}", value=item.amount,
                    bbox=item.bbox, note=note)


def field_confidence(doc: ExtractedDocument, name: str) -> float:
    fv = doc.fields.get(name)
    return 1.0 if fv is None else fv.confidence


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(day: date, count: int) -> date:
    """``day`` moved by ``count`` weekdays (negative goes back); bank holidays are not modelled,
    which only widens the window by the holiday, never narrows it."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def month_end(day: date) -> date:
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def normalise_frequency(text: str | None) -> str | None:
    """``"Bi-Weekly"`` -> ``"biweekly"``; ``None`` for anything that is not a known frequency."""
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.lower())
    aliases = {"fortnightly": "biweekly", "everytwoweeks": "biweekly", "twiceamonth": "semimonthly",
               "semimonth": "semimonthly", "bimonthly": "semimonthly"}
    key = aliases.get(key, key)
    return key if key in PERIODS_PER_YEAR else None


def frequency_from_period(start: date, end: date) -> str | None:
    """The pay frequency a pay period's dates imply, or ``None`` when they fit none.

    Half-month periods (1st-15th, 16th-month end) are semimonthly even when they are 14 days long.
    """
    days = (end - start).days + 1
    if (start.day == 1 and end.day == 15) or (start.day == 16 and end == month_end(end)):
        return "semimonthly"
    if start.day == 1 and end == month_end(start):
        return "monthly"
    if 6 <= days <= 8:
        return "weekly"
    if 13 <= days <= 15:
        return "biweekly"
    if 28 <= days <= 31:
        return "monthly"
    return None


def pay_frequency(doc: ExtractedDocument) -> str | None:
    """A pay stub's frequency: the printed one, else the one its pay period implies."""
    printed = normalise_frequency(field_text(doc, "pay_frequency"))
    if printed:
        return printed
    start, end = field_date(doc, "pay_period_start"), field_date(doc, "pay_period_end")
    if start and end and start <= end:
        return frequency_from_period(start, end)
    return None


def median(values: Iterable[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def has_keyword(text: str, keywords: Iterable[str]) -> bool:
    """Whether any keyword occurs in ``text`` as whole words (case and spacing insensitive)."""
    squeezed = " " + re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip() + " "
    return any(f" {re.sub(r'[^A-Z0-9]+', ' ', k.upper()).strip()} " in squeezed for k in keywords)
