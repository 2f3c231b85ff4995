"""Comparing names, addresses, employers, identifiers and dates the way an underwriter would.

Each comparison is an ordered list of levels, Splink-style: a null level (a value is missing, so
nothing was compared), then levels from "exact" down to "different". The first level whose test
passes is the outcome, and its label is the evidence a finding quotes: "same person: nickname (Bob
for Robert)" tells an underwriter why two spellings were accepted, "different" why they were not.

Levels marked ``agrees=True`` are harmless variations (abbreviation, nickname, order, a one-character
OCR slip); rules only fire on the ones that disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Generic, TypeVar

from nameparser import HumanName
from nameparser.config import Constants
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import partial_ratio, token_sort_ratio

from extractors.normalize import ascii_fold

T = TypeVar("T")


@dataclass(frozen=True)
class Level:
    """One band of a comparison: its name, what it means in words, and whether it is a match."""

    name: str
    label: str
    agrees: bool


NULL = Level("null", "a value is missing: not compared", agrees=False)


@dataclass(frozen=True)
class Outcome:
    """The level two values reached, with the normalised forms that were compared."""

    comparison: str
    level: Level
    left: str = ""
    right: str = ""

    @property
    def compared(self) -> bool:
        return self.level is not NULL

    @property
    def matches(self) -> bool:
        """Compared, and the level reached is a harmless variation or better."""
        return self.compared and self.level.agrees

    @property
    def differs(self) -> bool:
        """Compared, and the level reached is a disagreement: what rules fire on."""
        return self.compared and not self.level.agrees

    def describe(self) -> str:
        """``"name: nickname (one first name is a short form of the other)"``."""
        return f"{self.comparison}: {self.level.label}"


@dataclass(frozen=True)
class Comparison(Generic[T]):
    """An ordered list of (level, test) pairs over parsed values; ``otherwise`` when none passes."""

    name: str
    parse: Callable[[str], T | None]
    levels: Sequence[tuple[Level, Callable[[T, T], bool]]]
    otherwise: Level
    show: Callable[[T], str] = str

    def compare(self, left: str | None, right: str | None) -> Outcome:
        """Parse both texts and compare them; a missing or unparseable side is the null level."""
        return self.compare_parsed(self.parse(left) if left else None, self.parse(right) if right else None)

    def compare_parsed(self, left: T | None, right: T | None) -> Outcome:
        if left is None or right is None:
            return Outcome(self.name, NULL)
        level = next((lvl for lvl, test in self.levels if test(left, right)), self.otherwise)
        return Outcome(self.name, level, self.show(left), self.show(right))

    def rank(self, outcome: Outcome) -> int:
        """Position of the outcome's level, closest first (the null level ranks last)."""
        names = [lvl.name for lvl, _ in self.levels] + [self.otherwise.name]
        return names.index(outcome.level.name) if outcome.compared else len(names)

    def describe(self) -> list[str]:
        """Every level in the order tried, as an underwriter-readable list."""
        return [NULL.label, *(lvl.label for lvl, _ in self.levels), self.otherwise.label]


# --------------------------------------------------------------------------------------------------
# Shared text normalisation.

# Single characters OCR confuses, mapped to one representative (both sides are mapped, so the
# direction does not matter).
_OCR_CHAR = str.maketrans({"0": "O", "Q": "O", "D": "O", "1": "I", "L": "I", "|": "I", "7": "T", "2": "Z",
                           "5": "S", "6": "G", "8": "B", "U": "V"})
# Letter pairs OCR reads as one letter (and vice versa), for names.
_OCR_DIGRAPHS = (("RN", "M"), ("VV", "W"), ("CL", "D"), ("LI", "H"))


def ocr_canonical(text: str) -> str:
    """Collapse look-alike characters so that two readings of one print compare equal."""
    folded = ascii_fold(text)
    for pair, single in _OCR_DIGRAPHS:
        folded = folded.replace(pair, single)
    return folded.translate(_OCR_CHAR)


def is_ocr_slip(left: str, right: str) -> bool:
    """Exactly one character differs, in place, and the two characters look alike."""
    if len(left) != len(right) or left == right:
        return False
    diffs = [(a, b) for a, b in zip(left, right, strict=True) if a != b]
    return len(diffs) == 1 and ocr_canonical(diffs[0][0]) == ocr_canonical(diffs[0][1])


# --------------------------------------------------------------------------------------------------
# Person names.

# Groups of first names that are one person's name; a short form may sit in several groups ("Chris",
# "Pat", "Alex"), so two names match when they share a group, never through a shared short form.
_NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("william", "bill", "billy", "will", "willie", "willy", "liam"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "betsy", "eliza", "libby", "liza", "lisa", "elisabeth"),
    ("margaret", "peggy", "maggie", "meg", "marge", "margie", "greta", "madge"),
    ("richard", "rick", "ricky", "rich", "richie", "dick"),
    ("james", "jim", "jimmy", "jamie"),
    ("john", "jack", "johnny", "jon"),
    ("jonathan", "jon", "jonny", "nathan"),
    ("michael", "mike", "mikey", "mick", "mickey"),
    ("katherine", "catherine", "kathryn", "kathleen", "kate", "kathy", "katie", "cathy", "cat", "kat", "kitty"),
    ("jennifer", "jen", "jenny", "jenn"),
    ("christopher", "chris", "kit", "topher"),
    ("christine", "christina", "chris", "tina", "chrissy", "kristina", "kristine"),
    ("joseph", "joe", "joey", "jo"),
    ("josephine", "jo", "josie"),
    ("thomas", "tom", "tommy"),
    ("daniel", "dan", "danny"),
    ("danielle", "dani"),
    ("matthew", "matt", "matty"),
    ("anthony", "tony"),
    ("steven", "stephen", "steve", "stevie"),
    ("stephanie", "steph", "stephie"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    ("theodore", "ted", "teddy", "theo"),
    ("charles", "charlie", "chuck", "chas", "chaz"),
    ("patricia", "pat", "patty", "trish", "tricia"),
    ("patrick", "pat", "paddy"),
    ("susan", "sue", "suzy", "susie"),
    ("deborah", "debra", "debbie", "deb"),
    ("rebecca", "becky", "becca"),
    ("nicholas", "nick", "nicky"),
    ("benjamin", "ben", "benny"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammy"),
    ("alexander", "alex", "al", "xander", "sandy"),
    ("alexandra", "alex", "lexi", "sandra", "sandy"),
    ("andrew", "andy", "drew"),
    ("victoria", "vicky", "vickie", "tori"),
    ("kimberly", "kim"),
    ("timothy", "tim", "timmy"),
    ("gregory", "greg"),
    ("jessica", "jess", "jessie"),
    ("kenneth", "ken", "kenny"),
    ("donald", "don", "donny"),
    ("ronald", "ron", "ronnie"),
    ("lawrence", "laurence", "larry"),
    ("raymond", "ray"),
    ("frederick", "fred", "freddie", "freddy"),
    ("abigail", "abby", "abbie", "gail"),
    ("zachary", "zach", "zack"),
    ("joshua", "josh"),
    ("david", "dave", "davy"),
    ("jacqueline", "jackie", "jacqui"),
    ("pamela", "pam"),
    ("jeffrey", "geoffrey", "jeff", "geoff"),
    ("gerald", "gerry", "jerry"),
    ("peter", "pete"),
    ("philip", "phillip", "phil"),
    ("francis", "frank", "frankie", "fran"),
    ("franklin", "frank"),
    ("frances", "fran", "frannie"),
    ("harold", "hal", "harry"),
    ("henry", "hank", "harry", "hal"),
    ("leonard", "len", "lenny", "leo"),
    ("louis", "lou", "louie"),
    ("dorothy", "dot", "dottie", "dolly"),
    ("barbara", "barb", "babs", "barbie"),
    ("virginia", "ginny", "ginger"),
    ("teresa", "theresa", "terry", "tess", "tessa"),
    ("cynthia", "cindy"),
    ("judith", "judy"),
    ("mary", "molly", "polly", "mae", "mamie"),
    ("ann", "anne", "anna", "annie", "nan", "nancy"),
    ("caroline", "carolyn", "carol", "carrie", "callie"),
    ("albert", "al", "bert", "albie"),
    ("eugene", "gene"),
    ("walter", "walt", "wally"),
    ("douglas", "doug"),
    ("jacob", "jake"),
    ("nathaniel", "nathan", "nate", "nat"),
    ("vincent", "vince", "vinny"),
    ("gabriel", "gabe"),
    ("isabel", "isabella", "isabelle", "izzy", "bella"),
    ("eleanor", "ellie", "nell", "nora"),
    ("ernest", "ernie"),
    ("stanley", "stan"),
    ("jose", "pepe"),
    ("francisco", "paco", "pancho", "frank"),
    ("alejandro", "alex", "alejo"),
    ("roberto", "beto", "rob"),
    ("manuel", "manny"),
    ("guillermo", "memo", "will"),
    ("randall", "randy"),
    ("russell", "russ"),
    ("terrence", "terence", "terry"),
    ("valerie", "val"),
    ("melissa", "mel", "missy"),
    ("melanie", "mel"),
    ("cassandra", "cassie", "sandy"),
    ("allison", "alison", "ally", "allie"),
    ("jeremy", "jeremiah", "jerry"),
    ("mitchell", "mitch"),
    ("sylvester", "sly"),
    ("wilhelmina", "mina", "willa"),
)

_NICKNAME_INDEX: dict[str, frozenset[int]] = {}
for _group_id, _group in enumerate(_NICKNAME_GROUPS):
    for _name in _group:
        _NICKNAME_INDEX[_name.upper()] = _NICKNAME_INDEX.get(_name.upper(), frozenset()) | {_group_id}

# Titles only: nameparser's default list also holds words that are first names ("Dean", "Judge").
_NAME_CONSTANTS = Constants(titles=["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam"])


@dataclass(frozen=True)
class PersonName:
    """A name as upper-case ASCII tokens: first name, middle names, surname (possibly compound)."""

    first: str
    middles: tuple[str, ...] = ()
    last: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.first, *self.middles, *self.last)

    def __str__(self) -> str:
        return " ".join(self.tokens)


def _name_tokens(text: str) -> list[str]:
    # Apostrophes join ("O'Neil" -> ONEIL, as the MRZ prints it); hyphens and other marks split.
    return re.findall(r"[A-Z0-9]+", ascii_fold(text).replace("'", "").replace("\u2019", ""))


def parse_person_name(text: str) -> PersonName | None:
    """Parse a printed name in any order (``"SMITH, ROBERT J"``, ``"Robert J. Smith"``).

    Titles and suffixes (Dr, Jr, III) are dropped. ``None`` for fewer than two name tokens: a lone
    word does not say enough to compare.
    """
    human = HumanName(text, constants=_NAME_CONSTANTS)
    first = _name_tokens(human.first)
    middles = _name_tokens(human.middle)
    last = _name_tokens(human.last)
    if not first or not last:
        return None
    return PersonName(first[0], tuple(first[1:] + middles), tuple(last))


def name_from_parts(given_names: str | None, surname: str | None) -> PersonName | None:
    """A name from separate given-name and surname fields (identity documents, MRZ)."""
    given = _name_tokens(given_names or "")
    last = _name_tokens(surname or "")
    if not given or not last:
        return None
    return PersonName(given[0], tuple(given[1:]), tuple(last))


def _same_first_name(a: str, b: str) -> bool:
    return a == b or ocr_canonical(a) == ocr_canonical(b)


def nickname_groups(first_name: str) -> frozenset[int]:
    """Ids of the nickname groups an upper-case first name belongs to (empty when none)."""
    return _NICKNAME_INDEX.get(first_name, frozenset())


def are_nicknames(a: str, b: str) -> bool:
    """Whether two first names are forms of one name (Bob / Robert, Peggy / Margaret)."""
    return bool(nickname_groups(a) & nickname_groups(b))


def _initial_of(a: str, b: str) -> bool:
    """One is a single letter and the other starts with it."""
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _middles_compatible(a: PersonName, b: PersonName) -> bool:
    """Middle names agree where both give one: a missing middle or an initial is not a difference."""
    return all(x == y or _initial_of(x, y) for x, y in zip(a.middles, b.middles, strict=False))


def _first_compatible(a: str, b: str) -> bool:
    return _same_first_name(a, b) or are_nicknames(a, b) or _initial_of(a, b)


def _name_exact(a: PersonName, b: PersonName) -> bool:
    return a.tokens == b.tokens


def _name_same(a: PersonName, b: PersonName) -> bool:
    return a.first == b.first and a.last == b.last and _middles_compatible(a, b)


def _name_nickname(a: PersonName, b: PersonName) -> bool:
    return a.last == b.last and are_nicknames(a.first, b.first) and _middles_compatible(a, b)


def _name_initial(a: PersonName, b: PersonName) -> bool:
    return a.last == b.last and _initial_of(a.first, b.first) and _middles_compatible(a, b)


def _name_reordered(a: PersonName, b: PersonName) -> bool:
    """Same words in another order ("SMITH ROBERT" printed without its comma), or one person going
    by a middle name ("J Robert Smith" / "Robert Smith")."""
    if sorted(a.tokens) == sorted(b.tokens):
        return True
    return a.last == b.last and (a.first in b.middles or b.first in a.middles)


def _name_compound_surname(a: PersonName, b: PersonName) -> bool:
    """A compound surname given in full on one document and in part on the other ("Garcia Lopez")."""
    if not _first_compatible(a.first, b.first):
        return False
    a_rest, b_rest = set(a.middles + a.last), set(b.middles + b.last)
    return set(a.last) <= b_rest or set(b.last) <= a_rest


def _name_ocr_slip(a: PersonName, b: PersonName) -> bool:
    """First and last names one look-alike character apart in total (after collapsing look-alikes)."""
    left = (ocr_canonical(a.first), ocr_canonical(" ".join(a.last)))
    right = (ocr_canonical(b.first), ocr_canonical(" ".join(b.last)))
    distance = Levenshtein.distance(left[0], right[0]) + Levenshtein.distance(left[1], right[1])
    return distance <= 1 and min(len(a.first), len(b.first)) >= 3 and _middles_compatible(a, b)


def _name_similar(a: PersonName, b: PersonName) -> bool:
    # First and last only: a middle name present on one side must not hide a near-identical name.
    return token_sort_ratio(f"{a.first} {' '.join(a.last)}", f"{b.first} {' '.join(b.last)}") >= 85


def _name_partial(a: PersonName, b: PersonName) -> bool:
    return a.last == b.last or _first_compatible(a.first, b.first)


NAMES: Comparison[PersonName] = Comparison(
    name="name",
    parse=parse_person_name,
    levels=(
        (Level("exact", "exact", True), _name_exact),
        (Level("same", "same first and last name; middle name or initial given on one side only", True), _name_same),
        (Level("nickname", "nickname (one first name is a short form of the other)", True), _name_nickname),
        (Level("initial", "first name given as an initial", True), _name_initial),
        (Level("reordered", "same names in another order, or going by a middle name", True), _name_reordered),
        (Level("compound_surname", "compound surname given in part", True), _name_compound_surname),
        (Level("ocr_slip", "one look-alike character apart (OCR slip)", True), _name_ocr_slip),
        (Level("similar", "similar spelling, more than one character apart", False), _name_similar),
        (Level("partial", "only the first name or only the surname agrees", False), _name_partial),
    ),
    otherwise=Level("different", "different names", False),
)
"""Two people's names as printed on two documents."""


def _part_truncated(a: str, b: str) -> bool:
    # The MRZ truncates long names to fit its line; the printed zone has them in full.
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 10 and longer.startswith(shorter)


def _part_ocr(a: str, b: str) -> bool:
    return Levenshtein.distance(ocr_canonical(a), ocr_canonical(b)) <= 1


NAME_PARTS: Comparison[str] = Comparison(
    name="name part",
    parse=lambda text: " ".join(_name_tokens(text)) or None,
    levels=(
        (Level("exact", "exact (after accents, hyphens and apostrophes are folded as the MRZ does)", True),
         lambda a, b: a == b),
        (Level("truncated", "one is the other cut short (MRZ truncation)", True), _part_truncated),
        (Level("ocr_slip", "one look-alike character apart (OCR slip)", True), _part_ocr),
    ),
    otherwise=Level("different", "different", False),
)
"""One name field (surname or given names) printed twice on one document: no nicknames allowed."""


# --------------------------------------------------------------------------------------------------
# Identifiers and dates.


def clean_id(text: str) -> str | None:
    """An identifier without separators, spaces or MRZ fillers, upper case."""
    cleaned = re.sub(r"[^A-Z0-9]", "", ascii_fold(text))
    return cleaned or None


@cache
def identifiers(min_slip_length: int) -> Comparison[str]:
    """ID / document numbers: exact, a single look-alike slip in a long enough number, or different."""
    return Comparison(
        name="identifier",
        parse=clean_id,
        levels=(
            (Level("exact", "exact (ignoring separators and case)", True), lambda a, b: a == b),
            (Level("ocr_slip", "one look-alike character apart (possible OCR slip)", True),
             lambda a, b: len(a) >= min_slip_length and is_ocr_slip(a, b)),
        ),
        otherwise=Level("different", "different numbers", False),
    )


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


DATES: Comparison[date] = Comparison(
    name="date",
    parse=_iso_date,
    levels=((Level("exact", "same date", True), lambda a, b: a == b),
            (Level("day_month_swapped", "day and month swapped (a US / day-first reading)", False),
             lambda a, b: a.year == b.year and a.day == b.month and a.month == b.day)),
    otherwise=Level("different", "different dates", False),
    show=date.isoformat,
)


# --------------------------------------------------------------------------------------------------
# Postal addresses.

_STREET_SUFFIXES = {
    "STREET": "ST", "STR": "ST", "ST": "ST", "AVENUE": "AVE", "AV": "AVE", "AVE": "AVE", "ROAD": "RD", "RD": "RD",
    "DRIVE": "DR", "DR": "DR", "BOULEVARD": "BLVD", "BLVD": "BLVD", "LANE": "LN", "LN": "LN", "COURT": "CT",
    "CT": "CT", "PLACE": "PL", "PL": "PL", "TERRACE": "TER", "TER": "TER", "PARKWAY": "PKWY", "PKWY": "PKWY",
    "CIRCLE": "CIR", "CIR": "CIR", "HIGHWAY": "HWY", "HWY": "HWY", "SQUARE": "SQ", "SQ": "SQ", "TRAIL": "TRL",
    "TRL": "TRL", "WAY": "WAY", "EXPRESSWAY": "EXPY", "EXPY": "EXPY", "FREEWAY": "FWY", "FWY": "FWY",
    "TURNPIKE": "TPKE", "TPKE": "TPKE", "ALLEY": "ALY", "ALY": "ALY", "CRESCENT": "CRES", "CRES": "CRES",
    "LOOP": "LOOP", "PIKE": "PIKE", "ROW": "ROW", "RUN": "RUN", "PATH": "PATH", "PLAZA": "PLZ", "PLZ": "PLZ",
}
_DIRECTIONS = {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
               "SOUTHEAST": "SE", "SOUTHWEST": "SW", "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW",
               "SE": "SE", "SW": "SW"}
_UNIT_WORDS = {"APARTMENT", "APT", "UNIT", "SUITE", "STE", "#", "ROOM", "RM", "NO", "NUMBER", "FLAT", "APTNO"}
_ORDINALS = {"FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH", "SIXTH": "6TH",
             "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH", "ELEVENTH": "11TH",
             "TWELFTH": "12TH"}
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


@dataclass(frozen=True)
class PostalAddress:
    """The parts of a US street address that identify it; city and state follow from the ZIP."""

    number: str | None
    street: tuple[str, ...]
    suffix: str | None = None
    directions: frozenset[str] = field(default_factory=frozenset)
    unit: str | None = None
    zip: str | None = None

    def __str__(self) -> str:
        parts = [self.number or "", " ".join(sorted(self.directions)), " ".join(self.street), self.suffix or ""]
        if self.unit:
            parts.append(f"UNIT {self.unit}")
        if self.zip:
            parts.append(self.zip)
        return " ".join(p for p in parts if p)


_NUMBER_GLUED_TO_DIRECTION = re.compile(r"^(\d+)([NSEW])$")


def _address_tokens(text: str) -> list[str]:
    # A bar standing alone is a 1 or an I OCR read as "|" (ocr_canonical makes the two equal).
    tokens = re.findall(r"#|[A-Z0-9]+", re.sub(r"(?<!\S)\|(?!\S)", "1", ascii_fold(text)).replace("#", " # "))
    return [_ORDINALS.get(t, t) for t in tokens]


def parse_address(text: str) -> PostalAddress | None:
    """Parse ``"123 N. Main Street, Apt 4B, Springfield, IL 62701-1234"`` into comparable parts.

    Only the street line (up to the first comma) names the street; the unit may follow anywhere;
    the ZIP is the last five-digit group that is not the house number. ``None`` when no street
    name can be told.
    """
    parts = [_address_tokens(part) for part in text.split(",")]
    street_tokens = parts[0]
    if not street_tokens:
        return None
    glued = _NUMBER_GLUED_TO_DIRECTION.match(street_tokens[0])
    if glued and len(street_tokens) > 1:
        # "2224S MEADOW PL": OCR dropped the space between the house number and a pre-directional.
        street_tokens = [glued.group(1), glued.group(2), *street_tokens[1:]]
    number = street_tokens[0] if street_tokens[0][0].isdigit() else None
    rest = street_tokens[1:] if number else street_tokens
    # A unit designator's value follows it within its own comma-separated part: "Apt |" (a unit
    # OCR read as a bar) has none to give, and must not take the city from the next part.
    unit = next((part[i + 1] for part in parts for i, t in enumerate(part[:-1])
                 if t in _UNIT_WORDS and part[i + 1] not in _UNIT_WORDS), None)
    directions: set[str] = set()
    name: list[str] = []
    suffix = None
    for token in rest:
        if token in _UNIT_WORDS:
            break
        if token in _DIRECTIONS and (not name or suffix):
            directions.add(_DIRECTIONS[token])  # a pre-directional, or a post-directional after the suffix
            continue
        if suffix:
            break  # what follows the suffix on a one-line address is the city
        if token in _STREET_SUFFIXES and name:
            suffix = _STREET_SUFFIXES[token]
            continue
        name.append(token)
    zips = [m.group(1) for m in _ZIP.finditer(ascii_fold(text)) if m.group(1) != number]
    if not name:
        return None
    return PostalAddress(number, tuple(name), suffix, frozenset(directions), unit, zips[-1] if zips else None)


def _both_or_either_missing(a: object, b: object) -> bool:
    return a is None or b is None or a == b


def _address_same(a: PostalAddress, b: PostalAddress) -> bool:
    # A missing suffix or direction on one side is an abbreviation habit, not another street.
    return (a.number == b.number and a.street == b.street and a.unit == b.unit and a.zip == b.zip
            and _both_or_either_missing(a.suffix, b.suffix)
            and (not a.directions or not b.directions or a.directions == b.directions))


def _address_partial(a: PostalAddress, b: PostalAddress) -> bool:
    return (a.number == b.number and a.street == b.street and _both_or_either_missing(a.unit, b.unit)
            and _both_or_either_missing(a.zip, b.zip) and _both_or_either_missing(a.suffix, b.suffix)
            and (not a.directions or not b.directions or a.directions == b.directions))


def _same_unit(a: str | None, b: str | None) -> bool:
    """Units equal, given on one side only, or apart only in look-alike glyphs ("26B" read "268")."""
    return _both_or_either_missing(a, b) or ocr_canonical(a or "") == ocr_canonical(b or "")


def _address_street_slip(a: PostalAddress, b: PostalAddress) -> bool:
    """Same number and ZIP; street names one OCR slip apart or one cut short of the other, units
    the same or apart in look-alike glyphs."""
    if not (a.number == b.number and _same_unit(a.unit, b.unit)
            and _both_or_either_missing(a.zip, b.zip)):
        return False
    left, right = " ".join(a.street), " ".join(b.street)
    shorter, longer = sorted((a.street, b.street), key=len)
    prefix = longer[: len(shorter)] == shorter
    return prefix or Levenshtein.distance(ocr_canonical(left), ocr_canonical(right)) <= 1


ADDRESSES: Comparison[PostalAddress] = Comparison(
    name="address",
    parse=parse_address,
    levels=(
        (Level("exact", "exact (after abbreviations)", True), lambda a, b: a == b),
        (Level("same", "same street address; suffix or direction given on one side only", True), _address_same),
        (Level("partial", "same street address; unit or ZIP given on one side only", True), _address_partial),
        (Level("street_slip", "same number and ZIP; street or unit one OCR slip apart, or street shortened", True),
         _address_street_slip),
    ),
    otherwise=Level("different", "different addresses", False),
)


def address_differences(a: PostalAddress, b: PostalAddress) -> list[str]:
    """Which parts of two addresses disagree (both sides given), for the finding's message."""
    parts = {"street number": (a.number, b.number), "street": (a.street, b.street), "unit": (a.unit, b.unit),
             "ZIP": (a.zip, b.zip)}
    return [name for name, (x, y) in parts.items() if x and y and x != y]


# --------------------------------------------------------------------------------------------------
# Employers and payroll deposits.

_LEGAL_FORMS = {"INC", "INCORPORATED", "LLC", "L", "C", "CORP", "CORPORATION", "CO", "COMPANY", "LTD", "LIMITED",
                "LP", "LLP", "PLC", "PLLC", "PC", "PA", "THE", "AND", "OF", "DBA"}
_PAYROLL_NOISE = {"PAYROLL", "PAYRL", "PYRL", "PR", "DIR", "DIRECT", "DEP", "DEPOSIT", "PPD", "ID", "ACH", "CREDIT",
                  "CR", "SALARY", "SAL", "WAGES", "WAGE", "PAY", "PAYMENT", "DES", "INDN", "CO", "ENTRY", "DESCR",
                  "TRN", "ORIG", "EDI", "CCD", "WEB", "ELECTRONIC", "EFT", "NET", "FROM", "VIA", "REG",
                  "ADP", "GUSTO", "PAYCHEX", "PAYLOCITY", "PAYCOM", "TRINET", "RIPPLING", "JUSTWORKS", "CERIDIAN",
                  "WORKDAY", "INTUIT", "QUICKBOOKS", "ZENEFITS", "PAYCOR", "ISOLVED", "DAYFORCE", "TPS", "TAX"}


def employer_tokens(text: str) -> tuple[str, ...] | None:
    """An employer name as its distinctive words: legal forms (Inc, LLC, Corp...) and case dropped."""
    words = re.findall(r"[A-Z0-9]+", ascii_fold(text).replace("&", " AND ").replace("'", ""))
    kept = tuple(w for w in words if w not in _LEGAL_FORMS)
    return kept or None


def deposit_tokens(description: str) -> tuple[str, ...] | None:
    """The words of a payroll credit's description that could name an employer.

    ACH noise (PPD, DIR DEP, ID numbers) and payroll processors' names are dropped; ``None`` when
    nothing is left ("ADP PAYROLL" names no employer, so it cannot disagree with one).
    """
    words = employer_tokens(description) or ()
    kept = tuple(w for w in words if w not in _PAYROLL_NOISE and not any(c.isdigit() for c in w) and len(w) > 1)
    return kept or None


def _word_matches(word: str, candidates: tuple[str, ...]) -> bool:
    """A word equals a candidate, or a candidate is its truncation (bank descriptions cut names short),
    or they are one OCR slip apart."""
    for cand in candidates:
        if word == cand or (len(cand) >= 4 and word.startswith(cand)) or (
                min(len(word), len(cand)) >= 5 and Levenshtein.distance(word, cand) <= 1):
            return True
    return False


def _employer_subset(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return shorter[0] == longer[0] and all(_word_matches(w, longer) or _word_matches_any(longer, w) for w in shorter)


def _word_matches_any(words: tuple[str, ...], cand: str) -> bool:
    return any(_word_matches(w, (cand,)) for w in words)


def _employer_fuzzy(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return token_sort_ratio(" ".join(a), " ".join(b)) >= 88


EMPLOYERS: Comparison[tuple[str, ...]] = Comparison(
    name="employer",
    parse=employer_tokens,
    levels=(
        (Level("same", "same name (ignoring case, punctuation and Inc/LLC/Corp/Co/Ltd)", True), lambda a, b: a == b),
        (Level("subset", "one name is the other shortened (\"Hartley\" for \"Hartley Foods\")", True),
         _employer_subset),
        (Level("fuzzy", "spelled nearly the same", True), _employer_fuzzy),
    ),
    otherwise=Level("different", "different employers", False),
    show=" ".join,
)


def _deposit_names_employer(employer: tuple[str, ...], deposit: tuple[str, ...]) -> bool:
    """The employer's first word and at least half of its words appear in the description."""
    hits = [w for w in employer if _word_matches(w, deposit) or _word_matches_any(deposit, w)]
    return employer[0] in hits and len(hits) * 2 >= len(employer)


def _deposit_fuzzy(employer: tuple[str, ...], deposit: tuple[str, ...]) -> bool:
    return partial_ratio(" ".join(employer), " ".join(deposit)) >= 90


PAYROLL_DEPOSITS: Comparison[tuple[str, ...]] = Comparison(
    name="payroll deposit",
    parse=deposit_tokens,
    levels=(
        (Level("names_employer", "the description names the employer", True), _deposit_names_employer),
        (Level("fuzzy", "the description contains a near spelling of the employer", True), _deposit_fuzzy),
    ),
    otherwise=Level("different", "the description names another payer", False),
    show=" ".join,
)
"""Employer words (left) against a payroll credit's description words (right)."""


def compare_employer_to_deposit(employer: str, description: str) -> Outcome:
    return PAYROLL_DEPOSITS.compare_parsed(employer_tokens(employer), deposit_tokens(description))
