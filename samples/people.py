"""Synthetic people, addresses and employers, and the harmless ways documents print them.

A person's name and address appear differently on each document of a genuine bundle ("SMITH, ROBERT J"
on a pay stub, "Bob Smith" on a bank statement, "123 N Main St Apt 4" vs "123 North Main Street
Apartment 4"). Those variations are produced here, from one canonical record, so that a clean bundle
is varied yet still one person; the fraud scenarios build *different* people with :func:`make_person`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from faker import Faker

# Formal first name -> nicknames a person goes by on less formal documents.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Betsy"),
    "Richard": ("Rick", "Rich"), "James": ("Jim", "Jimmy"), "John": ("Jack", "Johnny"), "Michael": ("Mike",),
    "Margaret": ("Peggy", "Maggie"), "Katherine": ("Kate", "Kathy", "Katie"), "Jennifer": ("Jen", "Jenny"),
    "Christopher": ("Chris",), "Joseph": ("Joe", "Joey"), "Thomas": ("Tom", "Tommy"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Anthony": ("Tony",), "Steven": ("Steve",), "Edward": ("Ed", "Ted"),
    "Charles": ("Charlie", "Chuck"), "Patricia": ("Pat", "Trish"), "Susan": ("Sue",), "Deborah": ("Debbie", "Deb"),
    "Rebecca": ("Becky",), "Jonathan": ("Jon",), "Nicholas": ("Nick",), "Benjamin": ("Ben",), "Samuel": ("Sam",),
    "Alexander": ("Alex",), "Andrew": ("Andy", "Drew"), "Victoria": ("Vicky", "Tori"), "Kimberly": ("Kim",),
    "Timothy": ("Tim",), "Gregory": ("Greg",), "Jessica": ("Jess",), "Kenneth": ("Ken",), "Donald": ("Don",),
    "Ronald": ("Ron",), "Lawrence": ("Larry",), "Raymond": ("Ray",), "Frederick": ("Fred",), "Abigail": ("Abby",),
    "Catherine": ("Cathy", "Cat"), "Zachary": ("Zach",), "Joshua": ("Josh",), "David": ("Dave",),
    "Jacqueline": ("Jackie",), "Stephanie": ("Steph",), "Alexandra": ("Alex", "Lexi"), "Pamela": ("Pam",),
}
_FEMALE_FORMAL = {"Elizabeth", "Margaret", "Katherine", "Jennifer", "Patricia", "Susan", "Deborah", "Rebecca",
                  "Victoria", "Kimberly", "Jessica", "Abigail", "Catherine", "Jacqueline", "Stephanie", "Alexandra", "Pamela"}

# Street suffix, directions and unit words: (full, abbreviation) as USPS prints them.
STREET_SUFFIXES = (("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Boulevard", "Blvd"),
                   ("Lane", "Ln"), ("Court", "Ct"), ("Place", "Pl"), ("Terrace", "Ter"), ("Parkway", "Pkwy"),
                   ("Circle", "Cir"))
DIRECTIONS = (("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"))
UNIT_WORDS = {"apartment": ("Apartment", "Apt", "#"), "suite": ("Suite", "Ste", "#")}
STREET_NAMES = ("Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lincoln", "Lake", "Hill", "Park", "Sunset",
                "Ridge", "Highland", "Meadow", "Forest", "River", "Church", "Mill", "Spring", "Walnut", "Chestnut",
                "Jefferson", "Madison", "Franklin", "Cherry", "Willow", "Harbor", "Prospect", "Valley", "Jackson")
INDUSTRIES = ("Logistics", "Health", "Manufacturing", "Foods", "Systems", "Industries", "Solutions", "Builders",
              "Energy", "Analytics", "Freight", "Dental Group", "Medical Center", "Software", "Retail", "Motors")
LEGAL_SUFFIXES = ("Inc.", "LLC", "Corp.", "Corporation", "Co.", "Inc")
STATES_WITHOUT_INCOME_TAX = frozenset({"TX", "FL", "WA", "NV", "SD", "WY", "TN", "AK", "NH"})


@dataclass(frozen=True)
class Address:
    """A US street address kept in parts so it can be printed full or abbreviated."""

    number: str
    street: str
    suffix: int
    direction: int | None
    unit_kind: Literal["apartment", "suite"] | None
    unit: str
    city: str
    state: str
    zip_code: str

    def lines(self, *, abbreviated: bool = False, unit_style: int = 1, upper: bool = False) -> list[str]:
        """Two printed lines; ``unit_style`` picks Apartment / Apt / # for the unit word."""
        pick = 1 if abbreviated else 0
        parts = [self.number]
        if self.direction is not None:
            parts.append(DIRECTIONS[self.direction][pick])
        parts += [self.street, STREET_SUFFIXES[self.suffix][pick]]
        if self.unit_kind:
            word = UNIT_WORDS[self.unit_kind][unit_style]
            parts.append(f"#{self.unit}" if word == "#" else f"{word} {self.unit}")
        lines = [" ".join(parts), f"{self.city}, {self.state} {self.zip_code}"]
        return [line.upper() for line in lines] if upper else lines

    def one_line(self, **kwargs: bool | int) -> str:
        return ", ".join(self.lines(**kwargs))  # type: ignore[arg-type]


NameStyle = Literal["full", "initial", "initial_dot", "plain", "last_first", "last_first_full", "nickname"]
NAME_STYLES: tuple[NameStyle, ...] = ("full", "initial", "initial_dot", "plain", "last_first", "last_first_full", "nickname")


@dataclass(frozen=True)
class Person:
    first: str
    middle: str
    last: str
    sex: Literal["M", "F"]
    dob: date
    address: Address
    phone: str
    email: str
    ssn_last4: str
    birthplace: str

    @property
    def given_names(self) -> str:
        return f"{self.first} {self.middle}".strip()

    @property
    def legal_name(self) -> str:
        return f"{self.given_names} {self.last}"

    @property
    def nickname(self) -> str | None:
        options = NICKNAMES.get(self.first)
        return options[0] if options else None

    def name(self, style: NameStyle, *, upper: bool = False) -> str:
        """The name as one document prints it; all styles are the same person."""
        initial = self.middle[:1]
        text = {
            "full": self.legal_name,
            "initial": f"{self.first} {initial} {self.last}" if initial else f"{self.first} {self.last}",
            "initial_dot": f"{self.first} {initial}. {self.last}" if initial else f"{self.first} {self.last}",
            "plain": f"{self.first} {self.last}",
            "last_first": f"{self.last}, {self.first} {initial}".strip(),
            "last_first_full": f"{self.last}, {self.given_names}",
            "nickname": f"{self.nickname or self.first} {self.last}",
        }[style]
        return text.upper() if upper else text


@dataclass(frozen=True)
class Employer:
    base: str
    legal_name: str
    """The base with its legal form ("Hartley Foods, Inc."): what payroll prints."""
    address: Address
    ein: str

    def printed_name(self, rng: random.Random) -> str:
        """Employer as the applicant types it: often without "Inc."/"LLC"."""
        return rng.choice((self.base, self.legal_name))

    def payroll_descriptor(self, rng: random.Random) -> str:
        """How the payroll ACH credit reads on a bank statement."""
        short = self.base.upper().replace("&", "").replace("  ", " ")[:18].strip()
        full = self.legal_name.upper().replace(".", "").replace(",", "")
        return rng.choice((
            f"{short} PAYROLL", f"DIRECT DEP {full} PPD", f"ACH CREDIT {short} DIR DEP", f"{short} PAYROLL PPD ID: {self.ein[-6:]}",
            f"DIRECT DEPOSIT {short} SALARY", f"{full} DES:PAYROLL",
        ))


class PeopleFactory:
    """Seeded source of people, addresses and employers (Faker for names and places)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.faker = Faker("en_US")
        self.faker.seed_instance(rng.randrange(2**31))

    def address(self, *, state: str | None = None, unit_kind: Literal["apartment", "suite"] | None | str = "random") -> Address:
        r, f = self.rng, self.faker
        kind = r.choice((None, None, "apartment")) if unit_kind == "random" else unit_kind
        return Address(
            number=str(r.choice((r.randint(10, 999), r.randint(1000, 19999)))),
            street=r.choice((r.choice(STREET_NAMES), f.last_name())),
            suffix=r.randrange(len(STREET_SUFFIXES)),
            direction=r.randrange(4) if r.random() < 0.25 else None,
            unit_kind=kind,  # type: ignore[arg-type]
            unit=str(r.randint(1, 40)) + r.choice(("", "", "A", "B")) if kind else "",
            city=f.city(),
            state=state or f.state_abbr(include_territories=False),
            zip_code=f.zipcode(),
        )

    def person(self, *, sex: Literal["M", "F"] | None = None, last: str | None = None, address: Address | None = None,
               age_range: tuple[int, int] = (22, 64), today: date = date(2026, 1, 1)) -> Person:
        r, f = self.rng, self.faker
        sexes: tuple[Literal["M", "F"], ...] = ("M", "F")
        chosen: Literal["M", "F"] = sex if sex else r.choice(sexes)
        formal = [n for n in NICKNAMES if (n in _FEMALE_FORMAL) == (chosen == "F")]
        first = r.choice(formal) if r.random() < 0.55 else (f.first_name_female() if chosen == "F" else f.first_name_male())
        middle = "" if r.random() < 0.15 else (f.first_name_female() if chosen == "F" else f.first_name_male())
        last = last or f.last_name()
        age_days = r.randint(age_range[0] * 365 + 30, age_range[1] * 365)
        email_user = f"{first}.{last}".lower() if r.random() < 0.5 else f"{first[0]}{last}{r.randint(1, 99)}".lower()
        return Person(
            first=first, middle=middle, last=last, sex=chosen, dob=today - timedelta(days=age_days),
            address=address or self.address(),
            phone=self.phone(), email=f"{email_user}@{r.choice(('gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com'))}",
            ssn_last4=f"{r.randint(1, 9999):04d}", birthplace=f"{f.city().upper()}, {f.state_abbr()}",
        )

    def relative(self, person: Person, *, today: date) -> Person:
        """Another member of ``person``'s household: same surname and address, own everything else."""
        return self.person(last=person.last, address=person.address, today=today)

    def phone(self) -> str:
        r = self.rng
        return f"({r.randint(201, 989)}) {r.randint(200, 989)}-{r.randint(0, 9999):04d}"

    def employer(self, *, state: str | None = None) -> Employer:
        r, f = self.rng, self.faker
        base = r.choice((f"{f.last_name()} {r.choice(INDUSTRIES)}", f"{f.last_name()} & {f.last_name()}",
                         f"{r.choice(STREET_NAMES)} {r.choice(INDUSTRIES)}"))
        suffix = r.choice(LEGAL_SUFFIXES)
        legal = f"{base}{', ' if suffix.startswith('Inc') and r.random() < 0.5 else ' '}{suffix}"
        return Employer(base=base, legal_name=legal,
                        address=self.address(state=state, unit_kind=r.choice((None, "suite"))),
                        ein=f"{r.randint(10, 99)}-{r.randint(1000000, 9999999)}")

    def stranger_like(self, person: Person, *, today: date) -> Person:
        """A genuinely different person of the same sex (for name-mismatch and synthetic-ID frauds)."""
        other = self.person(sex=person.sex, today=today)
        return other if other.last != person.last else replace(other, last=self.faker.last_name() + "s")
