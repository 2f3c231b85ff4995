"""Comparisons of rules.matching: the level reached for harmless variations and real differences."""

from __future__ import annotations

import pytest

from rules.matching import (
    ADDRESSES,
    EMPLOYERS,
    NAME_PARTS,
    NAMES,
    compare_employer_to_deposit,
    identifiers,
    parse_address,
)


@pytest.mark.parametrize(
    ("left", "right", "level", "matches"),
    [
        ("Robert J. Smith", "ROBERT J SMITH", "exact", True),
        ("SMITH, ROBERT J", "Robert J. Smith", "exact", True),
        ("Robert James Smith", "Robert J Smith", "same", True),
        ("Robert James Smith", "Robert Smith", "same", True),
        ("Smith, Bob", "ROBERT J SMITH", "nickname", True),
        ("Bill Johnson", "William Johnson", "nickname", True),
        ("Liz Taylor", "Elizabeth A. Taylor", "nickname", True),
        ("Peggy Olson", "Margaret Olson", "nickname", True),
        ("R. Smith", "Robert Smith", "initial", True),
        ("SMITH ROBERT", "Robert Smith", "reordered", True),
        ("J Robert Smith", "Robert Smith", "reordered", True),
        ("Maria Garcia Lopez", "Maria Garcia", "compound_surname", True),
        ("Robert Srnith", "Robert Smith", "ocr_slip", True),  # "rn" read for "m"
        ("Robert Smlth", "Robert Smith", "ocr_slip", True),
        ("Rohert Smith", "Robert Smith", "ocr_slip", True),
        ("José Núñez", "JOSE NUNEZ", "exact", True),
        ("Robert Smithson", "Robert Smythsen", "similar", False),
        ("Jane Smith", "Robert Smith", "partial", False),
        ("Patrick Smith", "Patricia Smith", "similar", False),
        ("Alice Jones", "Robert Smith", "different", False),
        ("Smith", "Robert Smith", "null", False),
    ],
)
def test_name_levels(left: str, right: str, level: str, matches: bool) -> None:
    outcome = NAMES.compare(left, right)
    assert (outcome.level.name, outcome.matches) == (level, matches)


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("O'NEIL", "ONEIL", "exact"),
        ("MARY-JANE", "MARY JANE", "exact"),
        ("WOLFESCHLEGELSTEINHAUSEN", "WOLFESCHLEGELST", "truncated"),
        ("SMITH", "SMLTH", "ocr_slip"),
        ("SMITH", "JONES", "different"),
    ],
)
def test_name_part_levels(left: str, right: str, level: str) -> None:
    assert NAME_PARTS.compare(left, right).level.name == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("123 N. Main Street, Apt 4B, Springfield, IL 62701-1234", "123 NORTH MAIN ST #4B SPRINGFIELD IL 62701",
         "exact"),
        ("123 Main Street Apartment 4, Springfield, IL 62701", "123 main st unit 4, springfield il 62701", "exact"),
        ("45 First Avenue, Austin, TX 73301", "45 1st Ave, Austin TX 73301", "exact"),
        ("123 Main St, Springfield, IL 62701", "123 N Main Street, Springfield, IL 62701", "same"),
        ("123 Main St, Springfield, IL 62701", "123 Main St Suite 200, Springfield, IL 62701", "partial"),
        ("123 Main St", "123 Main St, Springfield, IL 62701", "partial"),
        ("123 Maple Ave, Dover, DE 19901", "123 Mapie Ave, Dover, DE 19901", "street_slip"),
        ("123 Main St, Springfield, IL 62701", "125 Main St, Springfield, IL 62701", "different"),
        ("123 Main St Apt 4, Springfield, IL 62701", "123 Main St Apt 9, Springfield, IL 62701", "different"),
        # OCR read the unit's B as 8: the same flat; a unit with another number is another flat.
        ("2118 Palmer Court Apt 26B, Port Kathleenhaven, NC 76684", "2118 PALMER CT #268, PORT KATHLEENHAVEN, NC 76684",
         "street_slip"),
        ("2118 Palmer Court Apt 26B, Port Kathleenhaven, NC 76684", "2118 PALMER CT #27B, PORT KATHLEENHAVEN, NC 76684",
         "different"),
        ("123 Main St, Springfield, IL 62701", "123 Main St, Shelbyville, IL 62565", "different"),
        # OCR ran the house number into the pre-directional: the same address. A number with a
        # letter suffix (221B) is another door, and a glued direction does not excuse another number.
        ("2224 S Meadow Pl, Lake Christianview, MS 45188", "2224S MEADOW PL, LAKE CHRISTIANVIEW, MS 45188", "exact"),
        ("221B Baker St, Springfield, IL 62701", "221 Baker St, Springfield, IL 62701", "different"),
        ("2224 S Meadow Pl, Lake Christianview, MS 45188", "2284S MEADOW PL, LAKE CHRISTIANVIEW, MS 45188",
         "different"),
        ("123 Main St", "", "null"),
    ],
)
def test_address_levels(left: str, right: str, level: str) -> None:
    assert ADDRESSES.compare(left, right).level.name == level


def test_address_parts() -> None:
    parsed = parse_address("12345 SW Lake Shore Blvd, Ste 300, Portland, OR 97201-4455")
    assert parsed is not None
    assert (parsed.number, parsed.street, parsed.suffix, parsed.unit, parsed.zip) == (
        "12345", ("LAKE", "SHORE"), "BLVD", "300", "97201")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Hartley Foods, Inc.", "HARTLEY FOODS INC", "same"),
        ("Hartley Foods", "Hartley Foods LLC", "same"),
        ("Hartley & Brown Co.", "Hartley and Brown Company", "same"),
        ("Hartley", "Hartley Foods Corp.", "subset"),
        ("Hartly Foods Inc", "Hartley Foods", "fuzzy"),
        ("Hartley Foods", "Oakwood Logistics", "different"),
    ],
)
def test_employer_levels(left: str, right: str, level: str) -> None:
    assert EMPLOYERS.compare(left, right).level.name == level


@pytest.mark.parametrize(
    ("employer", "description", "level"),
    [
        ("Hartley Foods, Inc.", "DIRECT DEP HARTLEY FOODS INC PPD", "names_employer"),
        ("Oakwood Manufacturing LLC", "OAKWOOD MANUFACTURI PAYROLL", "names_employer"),
        ("Hartley Foods, Inc.", "HARTLEY FOODS INC DES:PAYROLL", "names_employer"),
        ("Hartley Foods, Inc.", "ADP PAYROLL 123456", "null"),
        ("Hartley Foods, Inc.", "ACME WIDGETS PAYROLL", "different"),
    ],
)
def test_payroll_deposit_levels(employer: str, description: str, level: str) -> None:
    assert compare_employer_to_deposit(employer, description).level.name == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("C01X00T47", "c01-x00-t47", "exact"),
        ("C01X00T47", "CO1X00T47", "ocr_slip"),
        ("C01X00T47", "C01X00T48", "different"),
        ("AB12", "A812", "different"),  # too short for a slip to be "probably OCR"
        ("C01X00T47", None, "null"),
    ],
)
def test_identifier_levels(left: str, right: str | None, level: str) -> None:
    assert identifiers(6).compare(left, right).level.name == level


def test_comparisons_describe_their_levels() -> None:
    labels = NAMES.describe()
    assert labels[0].startswith("a value is missing") and labels[-1] == "different names"


def test_a_unit_read_as_a_bar_is_unit_1_and_a_bare_designator_takes_no_city() -> None:
    from rules.matching import ADDRESSES, parse_address

    assert ADDRESSES.compare("804 Maple Circle Apartment 1, Lewisport, SC 12754",
                             "804 Maple Cir Apt |, Lewisport, SC 12754").matches
    bare = parse_address("804 Maple Cir Apt, Lewisport, SC 12754")
    assert bare is not None and bare.unit is None
    assert not ADDRESSES.compare("804 Maple Cir Apt 1, Lewisport, SC 12754",
                                 "804 Maple Cir Apt 7, Lewisport, SC 12754").matches
