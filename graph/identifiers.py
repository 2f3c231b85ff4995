"""What links one application to another: normalised identifiers, then keyed hashes of them.

Identifiers come from what the applicant declared (``application.json``) and from what was read off
the documents, because a fraudster controls the first and only partly the second. Each value is
normalised so that harmless variation ("(251) 414-6940" / "+1 251 414 6940", "Apt" / "Apartment",
``j.doe+loans@gmail.com`` / ``jdoe@gmail.com``) yields one key, and placeholders ("0000000000",
``noemail@none.com``, "UNKNOWN") yield none: a placeholder shared by thousands links nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

import phonenumbers

from graph.keys import keyed_hash
from graph.phash import parse_signature
from pipeline.models import IDENTITY_KINDS, Application, DocKind, ExtractedDocument
from pipeline.store import Link
from rules.matching import (
    PersonName,
    clean_id,
    employer_tokens,
    nickname_groups,
    parse_address,
    parse_person_name,
)


class Kind(StrEnum):
    """Kinds of identifier; the kind is hashed with the value, so kinds never link to each other."""

    PERSON = "person"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    EMPLOYER = "employer"
    ACCOUNT = "account"
    DOC_FILE = "doc_file"
    DOC_CONTENT = "doc_content"
    DOC_TEMPLATE = "doc_template"
    DOC_IMAGE = "doc_image"


SHARED_KINDS = frozenset({Kind.PHONE, Kind.EMAIL, Kind.ACCOUNT, Kind.ADDRESS})
"""Kinds that SHARED_IDENTIFIER counts (an employer is shared by colleagues: never on its own)."""
DOCUMENT_KINDS = frozenset({Kind.DOC_FILE, Kind.DOC_CONTENT})
"""Kinds that say "this very document" on their own: DUPLICATE_DOCUMENT."""
IMAGE_KINDS = frozenset({Kind.DOC_IMAGE})
"""Bands of a document's perceptual value hash (graph/phash.py): one says nothing, a share of an earlier
document's bands says "the same printed values": DUPLICATE_DOCUMENT. Never a strong kind: a single
band collision must not connect two applicants in the sweep."""
STRONG_KINDS = frozenset({Kind.ID_NUMBER, Kind.PHONE, Kind.EMAIL, Kind.ADDRESS, Kind.ACCOUNT,
                          Kind.DOC_FILE, Kind.DOC_CONTENT})
"""Kinds that connect applications in the sweep and count as a shared attribute of a cluster. Employers
and PDF producer templates are shared by whole companies and by every user of one software: they
support a cluster's score but never connect one."""

_PLACEHOLDER_PHONES = frozenset({"1234567890", "0123456789", "5555555555", "9876543210"})
_PLACEHOLDER_EMAIL_LOCALS = frozenset({"noemail", "nomail", "none", "na", "no", "null", "test", "unknown", "noreply"})
_PLACEHOLDER_EMAIL_DOMAINS = frozenset({"none.com", "example.com", "example.org", "test.com", "noemail.com",
                                        "nomail.com", "email.com", "domain.com"})
_PLACEHOLDER_TEXT = frozenset({"", "UNKNOWN", "NA", "N/A", "NONE", "NULL", "TBD", "NOT PROVIDED", "-", "0"})
_DOT_BLIND_DOMAINS = frozenset({"gmail.com"})
"""Providers that deliver ``j.doe`` and ``jdoe`` to one mailbox."""
_PLUS_TAG_DOMAINS = frozenset({"gmail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
                               "fastmail.com", "protonmail.com", "proton.me"})
"""Providers that deliver ``name+anything`` to ``name``."""
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MIN_ID_LENGTH = 5
_ACCOUNT_DIGITS = (6, 20)
_MIN_CONTENT_FIELDS = 3
"""A content fingerprint needs this many fields, or two unrelated blank-ish documents would match."""


# --------------------------------------------------------------------------------------------------
# Normalisation: text -> canonical string, or None for missing, malformed and placeholder values.


def normalize_phone(text: str | None, region: str = "US") -> str | None:
    """E.164 (``+12514146940``) for a possible number; None for junk and placeholder numbers."""
    if not text or not text.strip():
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    # "possible", not "valid": valid means an assigned range today, and a fraudster's burner (or a
    # synthetic test number) is still the same number on every application that gives it.
    if not phonenumbers.is_possible_number(number):
        return None
    national = str(number.national_number)
    if len(set(national)) <= 1 or national in _PLACEHOLDER_PHONES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(text: str | None) -> str | None:
    """Lower-case mailbox, with dots and ``+tags`` removed where the provider ignores them."""
    value = (text or "").strip().lower()
    if not _EMAIL.match(value):
        return None
    local, domain = value.rsplit("@", 1)
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in _DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
    if not local or local in _PLACEHOLDER_EMAIL_LOCALS or domain in _PLACEHOLDER_EMAIL_DOMAINS:
        return None
    return f"{local}@{domain}"


def normalize_address(text: str | None) -> str | None:
    """A street address in canonical form (abbreviations, directions, unit, ZIP); None without a
    house number, since "Main St" alone is a whole street, not a household."""
    if not text or text.strip().upper() in _PLACEHOLDER_TEXT:
        return None
    parsed = parse_address(text)
    if parsed is None or parsed.number is None:
        return None
    return str(parsed)


def normalize_id_number(text: str | None) -> str | None:
    """Letters and digits only, upper case; None for short or one-character-repeated numbers."""
    cleaned = clean_id(text) if text else None
    if cleaned is None or len(cleaned) < _MIN_ID_LENGTH or len(set(cleaned)) <= 1:
        return None
    return cleaned


def normalize_account(text: str | None) -> str | None:
    """A full bank account number as digits; None for a masked one (``****1234``): four digits are
    shared by one account in ten thousand, which is no identifier."""
    if not text or re.search(r"[*xX•#]", text):
        return None
    digits = re.sub(r"\D", "", text)
    low, high = _ACCOUNT_DIGITS
    if not low <= len(digits) <= high or len(set(digits)) <= 1:
        return None
    return digits


def normalize_employer(text: str | None) -> str | None:
    """The employer's distinctive words (legal forms such as Inc / LLC dropped)."""
    tokens = employer_tokens(text) if text else None
    return " ".join(tokens) if tokens else None


def person_keys(name: str | None, born: date | str | None) -> tuple[str, ...]:
    """``SURNAME|first-name group|DOB`` keys of one person, empty without a name and a birth date.

    A first name in nickname groups gives one key per group ("Bill" and "William" share the William
    group), so two spellings of one person share at least one key. Middle names are left out: one
    document prints them, another an initial, a third nothing.
    """
    parsed = _parsed_name(name) if name else None
    dob = born.isoformat() if isinstance(born, date) else (born or "")[:10]
    if parsed is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", dob):
        return ()
    surname = " ".join(parsed.last)
    groups = sorted(nickname_groups(parsed.first))
    firsts = [f"g{g}" for g in groups] or [parsed.first]
    return tuple(f"{surname}|{first}|{dob}" for first in firsts)


def surname(name: str | None) -> str | None:
    """The surname of a printed name (a household's shared word), or None."""
    parsed = _parsed_name(name) if name else None
    return " ".join(parsed.last) if parsed else None


@lru_cache(maxsize=4096)
def _parsed_name(name: str) -> PersonName | None:
    # nameparser costs about a millisecond a name, and each name is wanted for its keys and its surname.
    return parse_person_name(name)


# --------------------------------------------------------------------------------------------------
# An application's identifiers.


def masked_tail(value: str, keep: int = 4) -> str:
    """``***6940``: the last ``keep`` characters only, in a fixed width that hides the length too."""
    return "*" * len(value) if len(value) <= keep else f"***{value[-keep:]}"


@dataclass(frozen=True)
class Identifier:
    """One normalised identifier: never stored, only hashed (and masked for evidence)."""

    kind: Kind
    value: str
    detail: str = ""
    file: str | None = field(default=None, compare=False)
    """The document it was read from (evidence for this application only; not stored)."""
    probe: bool = field(default=False, compare=False)
    """Looked up but never stored: a near variant of a perceptual band (see :func:`image_identifiers`)."""

    @property
    def masked(self) -> str:
        # A file digest hides nothing and its prefix is what an analyst greps for; content and
        # template fingerprints spell out names and amounts, so only their document kind is shown.
        if self.kind is Kind.DOC_FILE:
            return self.value[:12]
        if self.kind in (Kind.DOC_CONTENT, Kind.DOC_TEMPLATE, Kind.DOC_IMAGE):
            return self.value.split("|", 1)[0]
        return masked_tail(self.value)


@dataclass(frozen=True)
class Applicant:
    """Who an application is about and every identifier it carries (plain values: hash before storing)."""

    person: str | None
    """The person key that names the identity; None when no name with a birth date was found."""
    family_name: str | None
    """The applicant's surname: a household shares an address without being a ring."""
    identifiers: tuple[Identifier, ...]


def _declared(app: Application, region: str) -> Iterator[Identifier]:
    person = app.applicant
    for key in person_keys(person.full_name, person.date_of_birth):
        yield Identifier(Kind.PERSON, key)
    simple = ((Kind.ID_NUMBER, normalize_id_number(person.id_number)),
              (Kind.PHONE, normalize_phone(person.phone, region)),
              (Kind.EMAIL, normalize_email(person.email)),
              (Kind.ADDRESS, normalize_address(person.address)),
              (Kind.EMPLOYER, normalize_employer(person.employer)))
    for kind, value in simple:
        if value:
            yield Identifier(kind, value)


_DOCUMENT_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.ADDRESS: ("address", "employee_address", "account_holder_address"),
    Kind.EMPLOYER: ("employer_name",),
    Kind.ACCOUNT: ("account_number",),
}
_NORMALIZERS = {Kind.ADDRESS: normalize_address, Kind.EMPLOYER: normalize_employer, Kind.ACCOUNT: normalize_account}
_CONTENT_FIELDS: dict[DocKind, tuple[str, ...]] = {
    DocKind.PAY_STUB: ("employer_name", "employee_name", "pay_period_start", "pay_period_end", "pay_date",
                       "gross_pay", "net_pay", "ytd_gross"),
    DocKind.BANK_STATEMENT: ("account_number", "statement_period_start", "statement_period_end",
                             "opening_balance", "closing_balance"),
    **{kind: ("document_number", "full_name", "date_of_birth", "expiry_date") for kind in IDENTITY_KINDS},
}


def content_fingerprint(doc: ExtractedDocument) -> str | None:
    """Kind plus the document's key field values, normalised: the same pay stub re-saved, re-printed
    or re-scanned keeps it although its bytes change."""
    names = _CONTENT_FIELDS.get(doc.kind, ())
    values = [_fingerprint_value(doc.value(name)) for name in names]
    if sum(v != "" for v in values) < _MIN_CONTENT_FIELDS:
        return None
    return f"{doc.kind.value}|" + "|".join(values)


def _fingerprint_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return re.sub(r"[^A-Z0-9.\-]", "", str(value).upper())


def template_fingerprint(doc: ExtractedDocument) -> str | None:
    """Document kind with the PDF's producer and creator: the toolkit that made it."""
    producer = (doc.metadata.get("producer") or doc.metadata.get("Producer") or "").strip()
    creator = (doc.metadata.get("creator") or doc.metadata.get("Creator") or "").strip()
    return f"{doc.kind.value}|{producer}|{creator}" if producer or creator else None


def image_identifiers(doc: ExtractedDocument, signature: str | None, probe_bits: int) -> list[Identifier]:
    """One DOC_IMAGE identifier per band of ``doc``'s perceptual signature, plus its look-up probes.

    The value is the document kind and the band, so a stub's values never meet a statement's. The
    detail names the document (a digest prefix) and how many bands it has, so that a later check can
    count how many of *this* document's bands it matched against K without reading anything else.
    """
    hashes = parse_signature(signature)
    if not hashes:
        return []
    detail = f"{doc.sha256[:12]}/{len(hashes)}"
    found = [Identifier(Kind.DOC_IMAGE, f"{doc.kind.value}|{h.band()}", detail=detail, file=doc.file) for h in hashes]
    found += [Identifier(Kind.DOC_IMAGE, f"{doc.kind.value}|{band}", detail=detail, file=doc.file, probe=True)
              for h in hashes for band in h.probes(probe_bits)]
    return found


def _read(doc: ExtractedDocument, image_signature: str | None = None, probe_bits: int = 0) -> Iterator[Identifier]:
    if doc.sha256:
        yield Identifier(Kind.DOC_FILE, doc.sha256, file=doc.file)
    if doc.status != "ok":
        return
    yield from image_identifiers(doc, image_signature, probe_bits)
    for kind, value in ((Kind.DOC_CONTENT, content_fingerprint(doc)), (Kind.DOC_TEMPLATE, template_fingerprint(doc))):
        if value:
            yield Identifier(kind, value, file=doc.file)
    for kind, names in _DOCUMENT_FIELDS.items():
        for name in names:
            value = _NORMALIZERS[kind](_text(doc.value(name)))
            if value:
                yield Identifier(kind, value)
    if doc.kind in IDENTITY_KINDS:
        number = normalize_id_number(_text(doc.value("document_number")))
        if number:
            yield Identifier(Kind.ID_NUMBER, number, detail=doc.kind.value)
        for key in person_keys(_text(doc.value("full_name")), _text(doc.value("date_of_birth"))):
            yield Identifier(Kind.PERSON, key)


def _text(value: object) -> str | None:
    return None if value is None or isinstance(value, list) else str(value)


def _merge(found: Iterable[Identifier]) -> tuple[Identifier, ...]:
    """One identifier per (kind, value); an ID number keeps the document kind it was printed on, and
    a stored band wins over a probe of the same value (it must be stored)."""
    merged: dict[tuple[Kind, str], Identifier] = {}
    for item in found:
        known = merged.get((item.kind, item.value))
        if known is None or (item.detail and not known.detail) or (known.probe and not item.probe):
            merged[(item.kind, item.value)] = item
    return tuple(merged.values())


def applicant(app: Application | None, documents: Sequence[ExtractedDocument], region: str = "US",
              image_signatures: Mapping[str, str] | None = None, probe_bits: int = 0) -> Applicant | None:
    """Every identifier of one application; None when it has none at all.

    ``image_signatures`` maps a document's file name to its perceptual signature
    (:func:`graph.phash.document_signature`, computed where the page images are).
    """
    declared = list(_declared(app, region)) if app else []
    signatures = image_signatures or {}
    read = [item for doc in documents for item in _read(doc, signatures.get(doc.file), probe_bits)]
    identifiers = _merge([*declared, *read])
    if not identifiers:
        return None
    # The declared person names the identity; an identity document's person stands in without one.
    # The first key is the lowest nickname group, the same for every spelling of a first name.
    if all(i.probe for i in identifiers):
        return None
    people = [i.value for i in declared if i.kind is Kind.PERSON] or [i.value for i in read if i.kind is Kind.PERSON]
    names = [app.applicant.full_name if app else None]
    names += [_text(d.value("full_name")) for d in documents if d.kind in IDENTITY_KINDS]
    return Applicant(person=people[0] if people else None,
                     family_name=next((s for s in map(surname, names) if s), None),
                     identifiers=identifiers)


def to_links(found: Applicant, secret: bytes, fallback_identity: str) -> list[Link]:
    """The link rows of one application (probes included: see :func:`stored`): keyed hashes, a masked
    tail, never the value itself.

    ``fallback_identity`` (the application key) stands for the identity when no person is known,
    so an application without a name and birth date is an identity of its own.
    """
    identity = keyed_hash(secret, "identity", found.person or f"application:{fallback_identity}")
    family = keyed_hash(secret, "family", found.family_name) if found.family_name else None
    return [Link(kind=i.kind.value, key=keyed_hash(secret, i.kind.value, i.value), identity=identity,
                 family=family, detail=i.detail, masked=i.masked) for i in found.identifiers]


def stored(links: Sequence[Link], found: Applicant) -> list[Link]:
    """The rows to store: every link but the look-up probes (``links`` is ``to_links(found, ...)``)."""
    return [link for link, item in zip(links, found.identifiers, strict=True) if not item.probe]
