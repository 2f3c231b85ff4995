"""Identity documents as records: passports (TD3), ID cards (TD1) and US driver's licences (AAMVA)."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from samples import mrz
from samples.dates import add_months
from samples.people import Person

IdKind = Literal["passport", "id_card", "drivers_license"]

# Issuing country -> (authority wording, label language set, passport-number pattern). "UTO" is ICAO's
# own fictional Utopia, used by the specimen documents.
PASSPORT_ISSUERS: dict[str, tuple[str, str, str]] = {
    "USA": ("United States Department of State", "en_fr_es", "#########"),
    "GBR": ("HMPO", "en_fr", "#########"),
    "CAN": ("GATINEAU", "en_fr", "@@######"),
    "DEU": ("Stadt Köln", "de_en_fr", "C@#@##@##"),
    "FRA": ("Préfecture de Police", "fr_en", "##@@#####"),
    "UTO": ("Ministry of Interior", "en_fr", "@#######"),
}
ID_CARD_ISSUERS = ("UTO", "DEU", "FRA", "UTO")
COUNTRY_NAMES = {"USA": "UNITED STATES OF AMERICA", "GBR": "BRITISH CITIZEN", "CAN": "CANADIAN/CANADIENNE",
                 "DEU": "DEUTSCH", "FRA": "FRANÇAISE", "UTO": "UTOPIAN"}
STATE_NAMES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA", "CO": "COLORADO",
    "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA", "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII",
    "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI",
    "MO": "MISSOURI", "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA",
    "OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA",
    "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA", "WA": "WASHINGTON",
    "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
}


@dataclass(frozen=True)
class IdentityDoc:
    """What an identity document prints, names upper-case as issuers print them."""

    kind: IdKind
    issuing_country: str
    nationality: str | None
    surname: str
    given_names: str
    number: str
    dob: date
    expiry: date
    issued: date
    sex: str
    address: list[str] | None
    mrz: list[str] | None
    authority: str
    place_of_birth: str
    state: str = ""
    license_class: str = "D"
    mrz_personal: str = ""
    zone_dob: date | None = None
    zone_number: str | None = None
    """What a verifying zone carries where the print was changed after it (``id_mrz_mismatch``): the
    document's fields are then the zone's (a verified zone is authoritative) and the print's are
    ``viz_*``, as the extractor reports them."""

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surname}"

    def truth_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "full_name": self.full_name, "surname": self.surname, "given_names": self.given_names,
            "date_of_birth": self.dob.isoformat(), "document_number": self.number, "expiry_date": self.expiry.isoformat(),
            "issuing_country": self.issuing_country, "sex": self.sex,
        }
        if self.nationality:
            fields["nationality"] = self.nationality
        if self.address:
            fields["address"] = ", ".join(self.address)
        if self.mrz:
            fields["mrz"] = list(self.mrz)
        if self.zone_dob is not None:
            fields["date_of_birth"], fields["viz_date_of_birth"] = self.zone_dob.isoformat(), self.dob.isoformat()
        if self.zone_number is not None:
            fields["document_number"], fields["viz_document_number"] = self.zone_number, self.number
        return fields

    def with_mrz(self) -> IdentityDoc:
        """Recompute the MRZ from the record (after a field was changed on purpose)."""
        common: dict[str, Any] = {"country": self.issuing_country, "surname": self.surname, "given_names": self.given_names,
                  "number": self.number, "nationality": self.nationality or self.issuing_country, "dob": self.dob,
                  "sex": self.sex, "expiry": self.expiry}
        if self.kind == "passport":
            return replace(self, mrz=mrz.td3(doc_type="P", personal=self.mrz_personal, **common))
        if self.kind == "id_card":
            return replace(self, mrz=mrz.td1(doc_type="I", **common))
        return self


def _pattern(rng: random.Random, pattern: str) -> str:
    return "".join(rng.choice(string.digits) if c == "#" else rng.choice(string.ascii_uppercase) if c == "@" else c
                   for c in pattern)


def _validity(rng: random.Random, today: date, years: int) -> tuple[date, date]:
    issued = add_months(today, -rng.randint(3, years * 12 - 6))
    return issued, add_months(issued, years * 12)


def make_identity(rng: random.Random, person: Person, kind: IdKind, today: date) -> IdentityDoc:
    """A valid (unexpired) identity document of ``kind`` for ``person``, as of ``today``."""
    surname, given = person.last.upper(), person.given_names.upper()
    if kind == "passport":
        country = rng.choice(tuple(PASSPORT_ISSUERS))
        authority, _, pattern = PASSPORT_ISSUERS[country]
        issued, expiry = _validity(rng, today, 10)
        doc = IdentityDoc(kind, country, country, surname, given, _pattern(rng, pattern), person.dob, expiry, issued,
                          person.sex, None, None, authority, person.birthplace)
        return doc.with_mrz()
    if kind == "id_card":
        country = rng.choice(ID_CARD_ISSUERS)
        issued, expiry = _validity(rng, today, 10)
        address = person.address.lines(upper=True, abbreviated=True) if country == "UTO" else None
        doc = IdentityDoc(kind, country, country, surname, given, _pattern(rng, rng.choice(("@########", "L#@#####@", "#########"))),
                          person.dob, expiry, issued, person.sex, address, None, "Ministry of Interior", person.birthplace)
        return doc.with_mrz()
    issued, _ = _validity(rng, today, 8)
    # US licences expire on the holder's birthday some years after issue.
    expiry_year = issued.year + rng.choice((5, 6, 8))
    expiry = date(expiry_year, person.dob.month, min(person.dob.day, 28))
    if expiry <= today:
        expiry = date(today.year + 2, person.dob.month, min(person.dob.day, 28))
    number = _pattern(rng, rng.choice(("@#######", "@############", "#########", "@###-###-##-###-#")))
    return IdentityDoc(kind, "USA", None, surname, given, number, person.dob, expiry, issued, person.sex,
                       person.address.lines(upper=True, abbreviated=True), None, "DMV", person.birthplace,
                       state=person.address.state, license_class=rng.choice(("C", "D", "D", "DM")))


def aamva_payload(doc: IdentityDoc, *, height_in: int, eyes: str) -> str:
    """The AAMVA DL/ID card design standard text a licence's PDF417 barcode carries."""
    given = doc.given_names.split(" ", 1)
    street, city_line = doc.address or ["", ""]
    city, _, rest = city_line.partition(", ")
    state, _, zip_code = rest.partition(" ")
    elements = [
        f"DAQ{doc.number}", f"DCS{doc.surname}", f"DAC{given[0]}", f"DAD{given[1] if len(given) > 1 else ''}",
        f"DBD{doc.issued:%m%d%Y}", f"DBB{doc.dob:%m%d%Y}", f"DBA{doc.expiry:%m%d%Y}", f"DBC{1 if doc.sex == 'M' else 2}",
        f"DAY{eyes}", f"DAU{height_in:03d} IN", f"DAG{street}", f"DAI{city}", f"DAJ{state}", f"DAK{zip_code:<11}",
        f"DCF{doc.number[-4:]}{doc.issued:%Y%m%d}", "DCGUSA", f"DCA{doc.license_class}", "DDEN", "DDFN", "DDGN",
    ]
    subfile = "DL" + "\n".join(elements) + "\r"
    header_len = len("@\n\x1e\rANSI ") + 6 + 2 + 2 + 2 + 10
    return f"@\n\x1e\rANSI 636000100001DL{header_len:04d}{len(subfile):04d}{subfile}"
