"""AAMVA DL/ID payload parsing across versions and the ways scanners mangle them."""

from __future__ import annotations

import pytest

from extractors.aamva import parse_aamva, parse_aamva_date

V9_US = (
    "@\n\x1e\rANSI 636002090002DL00410268ZM03090056DLDCAD\nDCBNONE\nDCDNONE\nDBA07072030\nDCSSMITH\n"
    "DACROBERT\nDADLOWNEY\nDBD06292022\nDBB07071977\nDBC1\nDAYBRO\nDAU072 IN\nDAG123 MAIN STREET\n"
    "DAIBOSTON\nDAJMA\nDAK021080000  \nDAQS65807412\nDCGUSA\nDDEN\nDDFN\nDDGN\nZMZMAN\n"
)
V3_CANADA = (
    "@\n\x1e\rANSI 636012030001DL00000367DLDCAG   \nDCBNONE      \nDBA20300603\nDCSTESTER,          \n"
    "DCTMARY,ANN                 \nDBD20200607\nDBB19960603\nDBC2\nDAG123 ST GEORGE ST E,   \n"
    "DAIFERGUS      \nDAJON\nDAKN1M 3J6    \nDAQS9244-43879-65702\nDCGCAN\n"
)
V1_FULL_NAME = (
    "@\n\x1e\rAAMVA6360060101DL00290182DAACORTEZ,PABLO,,JR\nDAG715 MAIN LN\nDAISTRATFORD\nDAJCT\n"
    "DAK066140123  \nDAQ227881513\nDBA20301007\nDBB19761007\nDBC1\nDBD20220823\n"
)
ID_CARD = (
    "@\n\x1e\rANSI 636053060002ID00410228ZT02690036IDDAQ115775955\nDCSSMITH\nDACELIZABETH\nDADNONE\n"
    "DBB12131961\nDBA02062030\nDBC2\nDAG21078 MAGNOLIA RD\nDAINASHVILLE\nDAJTN\nDAK370115509  \n"
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            V9_US,
            {
                "surname": "SMITH",
                "given_names": "ROBERT LOWNEY",
                "full_name": "ROBERT LOWNEY SMITH",
                "date_of_birth": "1977-07-07",
                "expiry_date": "2030-07-07",
                "document_number": "S65807412",
                "sex": "M",
                "issuing_country": "USA",
                "address": "123 MAIN STREET, BOSTON, MA 02108",
            },
        ),
        (
            V3_CANADA,
            {
                "surname": "TESTER",
                "given_names": "MARY ANN",
                "date_of_birth": "1996-06-03",
                "expiry_date": "2030-06-03",
                "sex": "F",
                "issuing_country": "CAN",
                "address": "123 ST GEORGE ST E, FERGUS, ON N1M 3J6",
            },
        ),
        (
            V1_FULL_NAME,
            {
                "surname": "CORTEZ",
                "given_names": "PABLO",
                "full_name": "PABLO CORTEZ JR",
                "date_of_birth": "1976-10-07",
                "document_number": "227881513",
                "address": "715 MAIN LN, STRATFORD, CT 06614-0123",
            },
        ),
        (
            ID_CARD,
            {"surname": "SMITH", "given_names": "ELIZABETH", "date_of_birth": "1961-12-13", "sex": "F"},
        ),
        # Keyboard-wedge variants: pipes for line feeds, junk and whitespace before the header.
        (V9_US.replace("\n", "|"), {"surname": "SMITH", "date_of_birth": "1977-07-07"}),
        ("\ufeff  " + V9_US, {"surname": "SMITH", "document_number": "S65807412"}),
        (V9_US.replace("\n", "\r\n"), {"given_names": "ROBERT LOWNEY"}),
        (V9_US.replace("\n", "\u0090\n\u0090"), {"surname": "SMITH", "expiry_date": "2030-07-07"}),
        (V9_US.replace("DADLOWNEY\n", ""), {"given_names": "ROBERT", "full_name": "ROBERT SMITH"}),
        # Writer broke the line after the subfile directory.
        (V9_US.replace("DLDCAD\n", "DL\nDCAD\n"), {"surname": "SMITH", "sex": "M"}),
    ],
    ids=[
        "v9-us",
        "v3-canada",
        "v1-full-name-suffix",
        "id-card",
        "piped",
        "leading-junk",
        "crlf",
        "undefined-chars",
        "no-middle-name",
        "directory-line-break",
    ],
)
def test_payloads(payload: str, expected: dict[str, str]) -> None:
    record = parse_aamva(payload)
    assert record is not None
    fields = record.to_fields()
    assert {k: fields[k] for k in expected} == expected


def test_subfile_type_is_read() -> None:
    assert parse_aamva(ID_CARD).subfile == "ID"  # type: ignore[union-attr]
    assert parse_aamva(V9_US).subfile == "DL"  # type: ignore[union-attr]
    assert parse_aamva(V9_US).version == 9  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "payload", ["", "hello", "@\n\x1e\rANSI 63600209", "ANSI 636002090002DL|||", "\x00" * 100]
)
def test_not_a_payload_gives_none(payload: str) -> None:
    assert parse_aamva(payload) is None


@pytest.mark.parametrize(
    ("text", "canadian", "expected"),
    [
        ("07071977", False, "1977-07-07"),
        ("19770707", True, "1977-07-07"),
        ("19770707", False, "1977-07-07"),
        ("12311999", True, "1999-12-31"),
        ("13131999", False, None),
        ("0707197", False, None),
    ],
)
def test_dates_by_order(text: str, canadian: bool, expected: str | None) -> None:
    parsed = parse_aamva_date(text, canadian=canadian)
    assert (parsed.isoformat() if parsed else None) == expected
