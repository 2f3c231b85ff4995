"""AAMVA DL/ID card payloads (the PDF417 on the back of US and Canadian licences), versions 2000-2016.

A payload is a header (``@`` LF RS CR ``ANSI `` + issuer number + version + subfile directory) and
then elements, each a three-letter ID and its value (``DCSSMITH``, ``DBB07071977``), one per line.
Real scans bend every part of that: a byte-order mark or spaces before the header, ``AAMVA``
instead of ``ANSI``, a broken directory, pipes or stray control characters instead of line feeds.
This parser therefore finds the header loosely and the elements by their IDs, never by the byte
offsets in the directory, and it never raises: an unreadable payload gives ``None``.

Dates are ``MMDDCCYY`` in US payloads of version 2 and later, ``CCYYMMDD`` in Canadian ones and in
version 1 (AAMVA 2000); an impossible reading in the expected order falls back to the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Element IDs that can open the first subfile (the header line runs straight into one of them).
_OPENING_IDS = frozenset(
    [
        "DAA",
        "DAB",
        "DAC",
        "DAD",
        "DAE",
        "DAG",
        "DAQ",
        "DAR",
        "DBA",
        "DBB",
        "DBC",
        "DBD",
        "DCA",
        "DCB",
        "DCD",
        "DCF",
        "DCG",
        "DCS",
        "DCT",
        "DCU",
        "DDE",
    ]
)
_HEADER_RE = re.compile(r"(?:ANSI|AAMVA)\s*(?P<iin>\d{6})(?P<version>\d{2})")
# Line breaks as scanners and keyboard wedges emit them, pipes, and C1 control junk (U+0080-9F).
_SEPARATORS_RE = re.compile(r"[\n\r|\x1c-\x1f\x80-\x9f]+")
_ELEMENT_RE = re.compile(r"^(?P<id>[A-Z]{3})(?P<value>.*)$")
_CANADA = frozenset(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"])
_NO_VALUE = frozenset({"", "NONE", "UNAVL", "UNAVAILABLE", "UNK", "N/A"})


@dataclass(frozen=True)
class AamvaRecord:
    """A parsed payload: header facts and every element by ID (values stripped)."""

    iin: str
    version: int
    subfile: str
    """"DL" (driver's licence) or "ID" (identification card)."""
    elements: dict[str, str]

    def get(self, element_id: str) -> str | None:
        """An element's value, ``None`` when absent or a placeholder such as ``NONE``."""
        value = self.elements.get(element_id, "").strip().strip(",").strip()
        return None if value.upper() in _NO_VALUE else value

    @property
    def country(self) -> str:
        """``USA`` or ``CAN``: the country element, else from the state / province code."""
        stated = (self.get("DCG") or "").upper()
        if stated in ("USA", "CAN"):
            return stated
        return "CAN" if (self.get("DAJ") or "").upper() in _CANADA else "USA"

    @property
    def _names(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(last, first, middle, suffix) from the separate elements or the full-name element."""
        last = self.get("DCS") or self.get("DAB")
        first = self.get("DAC")
        middle = self.get("DAD")
        suffix = self.get("DCU") or self.get("DAE")
        combined = self.get("DCT")
        if first is None and combined:
            # Version 2-3 "first name" element holds first and middle names, comma separated.
            parts = [p.strip() for p in re.split(r"[,$]", combined) if p.strip()]
            first = parts[0] if parts else None
            middle = middle or (" ".join(parts[1:]) or None)
        full = self.get("DAA")
        if last is None and full and not re.search(r"[,$]", full):
            # Some version 1 writers print the full name in reading order: FIRST MIDDLE LAST.
            words = full.split()
            return words[-1], (words[0] if len(words) > 1 else None), " ".join(words[1:-1]) or None, suffix
        if last is None and full:
            # Version 1 full name: LAST,FIRST,MIDDLE,SUFFIX (empty parts kept in place).
            parts = [p.strip() for p in re.split(r"[,$]", full)]
            last = parts[0] or None
            first = first or (parts[1] if len(parts) > 1 and parts[1] else None)
            middle = middle or (parts[2] if len(parts) > 2 and parts[2] else None)
            suffix = suffix or (parts[3] if len(parts) > 3 and parts[3] else None)
        return last, first, middle, suffix

    @property
    def surname(self) -> str | None:
        return self._names[0]

    @property
    def given_names(self) -> str | None:
        _, first, middle, _ = self._names
        return " ".join(p for p in (first, middle) if p) or None

    @property
    def full_name(self) -> str | None:
        last, first, middle, suffix = self._names
        return " ".join(p for p in (first, middle, last, suffix) if p) or None

    def date(self, element_id: str) -> date | None:
        """A date element in this payload's order (see module docstring)."""
        return parse_aamva_date(
            self.get(element_id) or "", canadian=self.country == "CAN" or self.version < 2
        )

    @property
    def sex(self) -> str | None:
        value = (self.get("DBC") or "").upper()
        return {"1": "M", "M": "M", "2": "F", "F": "F", "9": "X", "X": "X"}.get(value)

    @property
    def address(self) -> str | None:
        """``street[, street 2], city, ST postal`` as one line."""
        # Mailing address first; version 1 payloads may carry only the residence one (DAL-DAP).
        mailing = ("DAG", "DAH", "DAI", "DAJ", "DAK")
        residence = ("DAL", "DAM", "DAN", "DAO", "DAP")
        ids = mailing if self.get("DAG") else residence
        street = ", ".join(p for p in (self.get(ids[0]), self.get(ids[1])) if p)
        region = " ".join(p for p in (self.get(ids[3]), _postal_code(self.get(ids[4]) or "")) if p)
        parts = [p for p in (street, self.get(ids[2]), region) if p]
        return ", ".join(parts) or None

    def to_fields(self) -> dict[str, str | None]:
        """The DESIGN.md identity fields this payload carries."""
        dob, expiry = self.date("DBB"), self.date("DBA")
        return {
            "full_name": self.full_name,
            "surname": self.surname,
            "given_names": self.given_names,
            "date_of_birth": dob.isoformat() if dob else None,
            "document_number": self.get("DAQ"),
            "expiry_date": expiry.isoformat() if expiry else None,
            "issuing_country": self.country,
            "nationality": None,
            "sex": self.sex,
            "address": self.address,
        }


def parse_aamva_date(text: str, *, canadian: bool) -> date | None:
    """``MMDDCCYY`` (US) or ``CCYYMMDD`` (Canada, AAMVA 2000); the other order if that fails."""
    digits = re.sub(r"\D", "", text)
    if len(digits) != 8:
        return None
    us = (int(digits[4:8]), int(digits[0:2]), int(digits[2:4]))
    ca = (int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    for year, month, day in (ca, us) if canadian else (us, ca):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def _postal_code(text: str) -> str:
    """US ZIP+4 with a zero extension shortened to five digits; Canadian codes as printed."""
    value = text.strip()
    if re.fullmatch(r"\d{9}", value):
        return value[:5] if value[5:] == "0000" else f"{value[:5]}-{value[5:]}"
    return value


def looks_like_aamva(text: str) -> bool:
    """True when the text carries an AAMVA header (cheap test before parsing)."""
    return bool(_HEADER_RE.search(text or ""))


def parse_aamva(text: str) -> AamvaRecord | None:
    """Parse a decoded DL/ID barcode payload; ``None`` when it is not one.

    Args:
        text: the payload as the barcode reader returned it (any line-break convention).

    Returns:
        The record with every element found, or ``None`` when there is no header or no element.
    """
    if not text:
        return None
    header = _HEADER_RE.search(text)
    if header is None:
        return None
    first_line, *rest = _SEPARATORS_RE.split(text[header.end() :])
    # The header line runs into the first element, unless a writer broke the line after the
    # subfile directory: then the elements start on the next line.
    opening = _first_element(first_line)
    directory = re.search(r"(DL|ID)\d{8}", first_line[:opening])
    subfile = directory.group(1) if directory else "DL"
    chunks = [first_line[opening:], *rest] if opening is not None else rest
    elements: dict[str, str] = {}
    for chunk in chunks:
        match = _ELEMENT_RE.match(chunk.strip("\x00 \t"))
        # The first occurrence wins: jurisdiction subfiles may reuse IDs for other purposes.
        if match and match.group("id") not in elements:
            elements[match.group("id")] = match.group("value").strip()
    if not elements:
        return None
    return AamvaRecord(header.group("iin"), int(header.group("version")), subfile, elements)


def _first_element(line: str) -> int | None:
    """Index where the first element starts on the header line (after the subfile directory)."""
    for i in range(len(line) - 2):
        if line[i : i + 3] in _OPENING_IDS:
            return i
    return None
