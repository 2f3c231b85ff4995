"""Identity extractors on hand-built pages: VIZ label variants, MRZ authority, barcode authority."""

from __future__ import annotations

import pytest

from extractors.base import EXTRACTORS
from extractors.classify import MRZ_WEIGHT, classify
from extractors.identity import DriversLicenseExtractor, IdCardExtractor, PassportExtractor, label_matches
from extractors.layout import document_lines
from extractors.mrz import check_digit
from pipeline.models import Barcode, DocKind, PageText, ReadDocument, Word

CHAR_W, LINE_H = 12.0, 20.0

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


def row(y: float, *cells: tuple[float, str]) -> list[Word]:
    """Words of one printed line: each cell (x, text) is split into words one space apart."""
    words = []
    for x, text in cells:
        for token in text.split():
            words.append(Word(text=token, bbox=(x, y, x + CHAR_W * len(token), y + LINE_H), confidence=0.95))
            x += CHAR_W * (len(token) + 1)
    return words


def document(*rows: list[Word], barcodes: tuple[Barcode, ...] = ()) -> ReadDocument:
    page = PageText(
        number=1,
        width=2000,
        height=1400,
        unit="px300",
        source="ocr",
        words=tuple(w for r in rows for w in r),
        barcodes=barcodes,
    )
    return ReadDocument(
        file="id.png", sha256="0" * 64, media_type="image/png", size_bytes=1, pages=(page,), page_count=1
    )


def extract(kind: DocKind, doc: ReadDocument) -> dict[str, object]:
    fields = EXTRACTORS[kind].extract(doc, document_lines(doc.pages)).fields
    return {name: field.value for name, field in fields.items()}


def test_three_kinds_are_registered() -> None:
    assert isinstance(EXTRACTORS[DocKind.PASSPORT], PassportExtractor)
    assert isinstance(EXTRACTORS[DocKind.ID_CARD], IdCardExtractor)
    assert isinstance(EXTRACTORS[DocKind.DRIVERS_LICENSE], DriversLicenseExtractor)


# Passport VIZ in three layouts, each with a valid MRZ underneath.
LABEL_ABOVE = [
    row(100, (100, "Surname / Nom")),
    row(130, (100, "ERIKSSON")),
    row(180, (100, "Given names / Prénoms")),
    row(210, (100, "ANNA MARIA")),
    row(260, (100, "Date of birth / Date de naissance"), (700, "Passport No. / No du passeport")),
    row(290, (100, "12 AUG 1974"), (700, "L898902C3")),
    row(340, (100, "Date of expiry / Date d'expiration"), (700, "Sex / Sexe")),
    row(370, (100, "15 APR 2012"), (700, "F")),
]
LABEL_LEFT = [
    row(100, (100, "Surname:"), (400, "ERIKSSON")),
    row(140, (100, "Given names:"), (400, "ANNA MARIA")),
    row(180, (100, "Date of birth:"), (400, "12.08.1974")),
    row(220, (100, "Document No:"), (400, "L898902C3")),
    row(260, (100, "Date of expiry:"), (400, "15.04.2012")),
]
SLASH_JOINED = [
    row(100, (100, "Surname/Nom"), (500, "ERIKSSON")),
    row(140, (100, "Given names/Prénoms"), (500, "ANNA MARIA")),
    row(180, (100, "DOB"), (500, "12/08/1974")),
    row(220, (100, "Passport number"), (500, "L898902C3")),
    row(260, (100, "EXP"), (500, "04/15/2012")),
]


@pytest.mark.parametrize("layout", [LABEL_ABOVE, LABEL_LEFT, SLASH_JOINED], ids=["above", "left", "slash"])
def test_passport_viz_layouts_with_valid_mrz(layout: list[list[Word]]) -> None:
    doc = document(
        row(20, (100, "PASSPORT PASSEPORT")), *layout, row(600, (100, TD3[0])), row(640, (100, TD3[1]))
    )
    got = extract(DocKind.PASSPORT, doc)
    assert got["mrz_valid"] == 1
    assert got["surname"] == got["viz_surname"] == "ERIKSSON"
    assert got["given_names"] == got["viz_given_names"] == "ANNA MARIA"
    assert got["date_of_birth"] == got["viz_date_of_birth"] == "1974-08-12"
    assert got["document_number"] == got["viz_document_number"] == "L898902C3"
    assert got["expiry_date"] == got["viz_expiry_date"] == "2012-04-15"
    assert got["full_name"] == "ANNA MARIA ERIKSSON"
    assert got["nationality"] == "UTO" and got["issuing_country"] == "UTO"


def test_a_name_label_that_heads_the_surname_gives_no_full_name_of_one_part() -> None:
    """German passports print "Name / Surname / Nom" over the surname only; with a zone that does not
    verify, the full name is still given names + surname, not the surname alone."""
    printed = [
        row(100, (100, "Name / Surname / Nom")), row(130, (100, "ERIKSSON")),
        row(180, (100, "Vornamen / Given names / Prénoms")), row(210, (100, "ANNA MARIA")),
    ]
    bad = TD3[1][:9] + "4" + TD3[1][10:]  # document number check digit broken
    got = extract(DocKind.PASSPORT, document(*printed, row(600, (100, TD3[0])), row(640, (100, bad))))
    assert got["mrz_valid"] == 0
    assert got["surname"] == "ERIKSSON" and got["full_name"] == "ANNA MARIA ERIKSSON"


def test_mrz_fields_carry_mrz_provenance() -> None:
    doc = document(*LABEL_LEFT, row(600, (100, TD3[0])), row(640, (100, TD3[1])))
    fields = EXTRACTORS[DocKind.PASSPORT].extract(doc, document_lines(doc.pages)).fields
    assert fields["date_of_birth"].source == "mrz"
    assert fields["date_of_birth"].bbox is not None and fields["date_of_birth"].bbox[1] == 640
    assert fields["viz_date_of_birth"].source == "ocr"
    assert fields["mrz"].value == TD3


def test_viz_that_disagrees_with_the_mrz_is_kept_for_the_mismatch_rule() -> None:
    forged = [
        row(100, (100, "Date of birth"), (400, "12 AUG 1984")),
        row(140, (100, "Surname"), (400, "ERIKSSON")),
    ]
    got = extract(DocKind.PASSPORT, document(*forged, row(600, (100, TD3[0])), row(640, (100, TD3[1]))))
    assert got["date_of_birth"] == "1974-08-12"
    assert got["viz_date_of_birth"] == "1984-08-12"


def test_invalid_mrz_is_not_authoritative_and_names_the_failing_digit() -> None:
    bad = TD3[1][:21] + "180415" + TD3[1][27:]  # expiry pushed out, digits not recomputed
    viz = [row(100, (100, "Date of expiry"), (400, "15 APR 2012"))]
    got = extract(DocKind.PASSPORT, document(*viz, row(600, (100, TD3[0])), row(640, (100, bad))))
    assert got["mrz_valid"] == 0
    assert (
        got["mrz_checks"]
        == "document_number:ok,date_of_birth:ok,expiry_date:bad,optional_data:ok,composite:bad"
    )
    assert got["expiry_date"] == "2012-04-15"


def test_id_card_td1_and_bilingual_labels() -> None:
    doc = document(
        row(20, (100, "CARTE NATIONALE D'IDENTITE / IDENTITY CARD")),
        row(100, (100, "Nom / Surname"), (600, "ERIKSSON")),
        row(140, (100, "Prénoms / Given names"), (600, "ANNA MARIA")),
        row(180, (100, "Sexe / Sex"), (600, "F")),
        row(500, (100, TD1[0])),
        row(540, (100, TD1[1])),
        row(580, (100, TD1[2])),
    )
    got = extract(DocKind.ID_CARD, doc)
    assert got["mrz_format"] == "TD1" and got["mrz_valid"] == 1
    assert got["document_number"] == "D23145890"
    assert got["viz_surname"] == "ERIKSSON" and got["viz_given_names"] == "ANNA MARIA"
    assert got["sex"] == "F"


US_LICENCE = [
    row(20, (100, "CALIFORNIA"), (600, "USA")),
    row(50, (100, "DRIVER LICENSE")),
    row(100, (100, "4d DLN"), (250, "I1234568")),
    row(140, (100, "1"), (140, "SAMPLE")),
    row(180, (100, "2"), (140, "ALEXANDER JOSEPH")),
    row(220, (100, "8"), (140, "2570 24TH STREET")),
    row(250, (140, "ANYTOWN, CA 95818")),
    row(300, (100, "3 DOB"), (250, "08/31/1977")),
    row(340, (100, "4b EXP"), (250, "08/31/2027"), (600, "4a ISS"), (750, "08/31/2022")),
    row(380, (100, "15 SEX"), (250, "M"), (600, "CLASS C")),
]
CA_STYLE = [
    row(20, (100, "DRIVER LICENSE")),
    row(60, (100, "DL"), (180, "I1234568"), (600, "CLASS C")),
    row(100, (100, "EXP"), (180, "08/31/2027")),
    row(140, (100, "LN"), (180, "SAMPLE")),
    row(180, (100, "FN"), (180, "ALEXANDER JOSEPH")),
    row(220, (100, "2570 24TH STREET")),
    row(260, (100, "DOB"), (180, "08/31/1977")),
]


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (
            US_LICENCE,
            {
                "document_number": "I1234568",
                "surname": "SAMPLE",
                "given_names": "ALEXANDER JOSEPH",
                "full_name": "ALEXANDER JOSEPH SAMPLE",
                "date_of_birth": "1977-08-31",
                "expiry_date": "2027-08-31",
                "issue_date": "2022-08-31",
                "sex": "M",
                "address": "2570 24TH STREET, ANYTOWN, CA 95818",
                "issuing_country": "USA",
            },
        ),
        (
            CA_STYLE,
            {
                "document_number": "I1234568",
                "surname": "SAMPLE",
                "given_names": "ALEXANDER JOSEPH",
                "date_of_birth": "1977-08-31",
                "expiry_date": "2027-08-31",
            },
        ),
    ],
    ids=["aamva-numbered", "ln-fn-labels"],
)
def test_licence_viz(layout: list[list[Word]], expected: dict[str, str]) -> None:
    got = extract(DocKind.DRIVERS_LICENSE, document(*layout))
    assert {k: got.get(k) for k in expected} == expected


PAYLOAD = (
    "@\n\x1e\rANSI 636014040002DL00410278ZC03190008DLDAQI1234568\nDCSSAMPLE\nDDEN\nDACALEXANDER\nDDFN\n"
    "DADJOSEPH\nDDGN\nDCAC\nDCBNONE\nDCDNONE\nDBD08312022\nDBB08311977\nDBA08312027\nDBC1\nDAU069 IN\n"
    "DAYBRN\nDAG2570 24TH STREET\nDAIANYTOWN\nDAJCA\nDAK958180000  \nDCF00/00/0000NNNAN/ANFD/YY\nDCGUSA\n"
)


def test_licence_barcode_is_authoritative_and_viz_is_kept() -> None:
    layout = [row(140, (100, "1"), (140, "SAMPLER")), *US_LICENCE[2:3]]
    doc = document(*layout, barcodes=(Barcode(format="PDF417", text=PAYLOAD, bbox=(0, 800, 900, 1000)),))
    fields = EXTRACTORS[DocKind.DRIVERS_LICENSE].extract(doc, document_lines(doc.pages)).fields
    assert fields["surname"].value == "SAMPLE" and fields["surname"].source == "derived"
    assert fields["viz_surname"].value == "SAMPLER"
    assert fields["given_names"].value == "ALEXANDER JOSEPH"
    assert fields["date_of_birth"].value == "1977-08-31"
    assert fields["address"].value == "2570 24TH STREET, ANYTOWN, CA 95818"
    assert fields["issuing_country"].value == "USA"


def test_no_identity_text_gives_no_fields_and_no_error() -> None:
    assert extract(DocKind.PASSPORT, document(row(100, (100, "Hello world")))) == {}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PASSPORT PASSEPORT\nSurname / Nom\n" + "\n".join(TD3), DocKind.PASSPORT),
        ("IDENTITY CARD\n" + "\n".join(TD1), DocKind.ID_CARD),
        ("CARTE NATIONALE D'IDENTITE\nNom", DocKind.ID_CARD),
        ("CALIFORNIA DRIVER LICENSE\n4d DLN I1234568\nCLASS C\nEND NONE", DocKind.DRIVERS_LICENSE),
        ("@\nANSI 636014040002DL00410278", DocKind.DRIVERS_LICENSE),
    ],
)
def test_signals_pick_the_kind(text: str, kind: DocKind) -> None:
    scores = {
        k: sum(s.weight for s in EXTRACTORS[k].signals if s.pattern.search(text))
        for k in (DocKind.PASSPORT, DocKind.ID_CARD, DocKind.DRIVERS_LICENSE)
    }
    assert max(scores, key=lambda k: scores[k]) == kind


def test_check_digit_helper_matches_specimen() -> None:
    assert check_digit("L898902C3") == "6"


# The US licence as a phone photo OCRs it: label words merged, look-alike glyphs, stray punctuation.
NOISY_LICENCE = [
    row(20, (100, "CALIFORNIA"), (600, "USA")),
    row(50, (100, "DRIVER LICENSE")),
    row(100, (100, "ad0.n"), (250, "I1234568")),
    row(140, (100, "1"), (140, "SAMPLE,")),
    row(180, (100, "2"), (140, ".ALEXANDER JOSEPH")),
    row(300, (100, "3008"), (250, "O8/31/l977")),
    row(340, (100, "4b EXP"), (250, "08/31/2027"), (600, "4aiss"), (750, "08/3I/2022.")),
]
NOISY_PASSPORT = [
    row(100, (100, "Surnarne / Nom"), (600, "ERIKSSON")),
    row(140, (100, "Given narnes / Prenoms"), (600, "ANNA MARIA")),
    row(180, (100, "Date 0f b1rth / Date de naissance"), (600, "12 AUG 1974")),
]


def test_licence_labels_tolerate_ocr_confusions() -> None:
    got = extract(DocKind.DRIVERS_LICENSE, document(*NOISY_LICENCE))
    assert got["document_number"] == "I1234568"
    assert got["surname"] == "SAMPLE" and got["given_names"] == "ALEXANDER JOSEPH"
    assert got["date_of_birth"] == "1977-08-31"
    assert got["issue_date"] == "2022-08-31" and got["expiry_date"] == "2027-08-31"


def test_passport_labels_tolerate_ocr_confusions() -> None:
    got = extract(DocKind.PASSPORT, document(*NOISY_PASSPORT))
    assert got["surname"] == "ERIKSSON" and got["given_names"] == "ANNA MARIA"
    assert got["date_of_birth"] == "1974-08-12"


@pytest.mark.parametrize(
    ("read", "label", "same"),
    [
        ("3008", "3 DOB", True),
        ("3p08", "3 DOB", True),
        ("iin", "1 LN", True),
        ("nome", "name", False),
        ("4aiss", "4a ISS", True),
        ("ad0.n", "4d DLN", True),
        ("Surnarne", "surname", True),
        ("S5EX", "sex", False),
        ("4b", "4a", False),
        ("Date of expiry", "date of birth", False),
    ],
)
def test_label_comparison_is_confusion_aware(read: str, label: str, same: bool) -> None:
    assert label_matches(read, label) is same


def test_a_zip_code_inside_a_line_is_not_a_numbered_label() -> None:
    # "44155" folds like "4a ISS"; inside the address segment it is not a label.
    layout = [*US_LICENCE[:2], row(220, (100, "8"), (140, "1 MAIN ST ANYTOWN OH 44155 08/31/2022"))]
    assert "issue_date" not in extract(DocKind.DRIVERS_LICENSE, document(*layout))


def test_a_lower_case_scrap_beside_a_document_number_is_not_part_of_it() -> None:
    from extractors.identity import _is_number

    assert not _is_number("751374173 j")
    assert _is_number("751374173")
    assert _is_number("U743-459-93-238-6") and _is_number("D 1234 5678")  # groups in capitals stay


def test_a_field_tag_glued_to_a_name_is_no_document_number() -> None:
    from extractors.identity import _is_number

    assert not _is_number("1HERRERA")
    assert _is_number("MORGA753116SM9IJ") and _is_number("C01X00T47") and _is_number("F5428715")


def _ocr_page_of_lines(rows: list[list[str]]) -> PageText:
    """OCR-like words, one space (~0.3 em) apart, one row per list, 30 px tall."""
    words = []
    for r, row in enumerate(rows):
        x = 50.0
        for text in row:
            words.append(Word(text=text, bbox=(x, 100 + 50 * r, x + 18 * len(text), 130 + 50 * r), confidence=0.95))
            x += 18 * len(text) + 10
    return PageText(number=1, width=1200, height=800, unit="px300", source="ocr", words=tuple(words))


def test_a_street_suffix_ln_is_not_the_surname_label() -> None:
    from extractors.identity import _LICENCE_RULES, read_viz

    page = _ocr_page_of_lines([["8", "4811", "SPRING", "LN", "APT", "10"], ["BARNETTFURT,", "MA", "60544"]])
    surname_rule = [r for r in _LICENCE_RULES if r.field == "surname"]
    assert "surname" not in read_viz(document_lines([page]), surname_rule, dayfirst=False)
    tagged = _ocr_page_of_lines([["LN", "SMITH"]])
    assert read_viz(document_lines([tagged]), surname_rule, dayfirst=False)["surname"].value == "SMITH"


def _classify(*rows: list[Word]) -> DocKind:
    return classify(document_lines(document(*rows).pages)).kind


def test_a_parsed_zone_names_the_card_whose_title_ocr_lost() -> None:
    # A photographed card: the title did not read and the zone reads 'UT0' for 'UTO', so no text
    # pattern fires; the zone's check digits still agree (after look-alike repair).
    zone = [line.replace("UTO", "UT0") for line in TD1]
    assert _classify(row(100, (40, "Ministry of Interior")), *(row(600 + 30 * i, (40, z)) for i, z in enumerate(zone))) \
        == DocKind.ID_CARD


def test_a_statement_row_that_parses_as_a_zone_is_no_identity_document() -> None:
    # Two statement rows parse as a TD2 zone with two checks agreeing by chance: no fillers as read.
    rows = [
        row(100, (40, "Statement of account")), row(130, (40, "Opening balance 3,539.50")),
        row(160, (40, "Closing balance 3,467.70")), row(190, (40, "Account number 12345678")),
        row(600, (40, "09-01 POS PURCHASE WHOLE FOODS MKT 517 37.98 3,501.52")),
        row(630, (40, "09-03 POS PURCHASE WALMART #6101 33.82 3,467.70")),
    ]
    assert _classify(*rows) == DocKind.BANK_STATEMENT


@pytest.mark.parametrize(("payload", "expected"), [
    (PAYLOAD, DocKind.DRIVERS_LICENSE),
    (PAYLOAD.replace("DL00410278ZC03190008DL", "ID00410278ZC03190008ID"), DocKind.ID_CARD),
    ("https://example.com/track?id=12345", DocKind.UNKNOWN),  # a QR code names no kind
])
def test_a_decoded_aamva_barcode_names_the_licence_whose_title_ocr_lost(payload: str, expected: DocKind) -> None:
    """A licence photo whose header band OCR lost ("adoin J4066673 1 GIBSON ...") still carries its
    PDF417: its subfile says licence or identification card."""
    rows = [row(100, (40, "1 GIBSON")), row(130, (40, "2 JOSHUA DAVID")), row(160, (40, "3DOB 10/17/1982"))]
    lines = document_lines(document(*rows).pages)
    assert classify(lines, barcodes=[Barcode(format="PDF417", text=payload)]).kind == expected


def test_a_licence_photo_without_its_title_is_named_by_its_agency_and_numbered_labels() -> None:
    """The title band and the barcode lost: the motor-vehicle agency and AAMVA's numbered labels still
    say licence. Look-alike: a statement paying the DMV stays a statement."""
    rows = [row(100, (40, "itn HARTMAN")), row(200, (40, "4bexp 04/03/2029")), row(230, (40, "15 SEX F")),
            row(400, (40, "MAINE DEPARTMENT OF MOTOR VEHICLES"))]
    assert classify(document_lines(document(*rows).pages)).kind == DocKind.DRIVERS_LICENSE
    statement = [row(60, (40, "Statement Period 01/01/2026 - 01/31/2026")), row(90, (40, "Account Number 1234567")),
                 row(120, (40, "Opening Balance 1,200.00")), row(150, (40, "Closing Balance 1,050.00")),
                 row(180, (40, "Date Description Debit Credit Balance")),
                 row(210, (40, "01/05 DMV RENEWAL MOTOR VEHICLES 150.00 1,050.00"))]
    assert classify(document_lines(document(*statement).pages)).kind == DocKind.BANK_STATEMENT


def test_a_zone_and_its_first_line_pattern_count_once() -> None:
    doc = document(row(100, (40, "IDENTITY CARD")), *(row(600 + 30 * i, (40, z)) for i, z in enumerate(TD1)))
    scores = classify(document_lines(doc.pages)).scores
    assert scores["id_card"] == 3.0 + MRZ_WEIGHT


@pytest.mark.parametrize(
    ("label_row", "expected"),
    [
        # Label over the value; the second-language label misread "Norm" must not become the surname.
        ([(100, "Surname / Norm")], "JONES"),
        # Look-alike: a short surname beside a label read as printed is the value, even one edit
        # from a label word ("NOE" / "Nom").
        ([(100, "Surname / Nom"), (600, "NOE")], "NOE"),
    ],
)
def test_a_misread_second_language_label_is_not_the_value(label_row: list, expected: str) -> None:
    doc = document(
        row(20, (100, "IDENTITY CARD / CARTE D'IDENTITE")),
        row(100, *label_row),
        *([row(130, (100, "JONES"))] if expected == "JONES" else []),
        row(180, (100, "Given names / Prénoms")),
        row(210, (100, "MARIA DANA")),
        *(row(500 + 40 * i, (100, line)) for i, line in enumerate(TD1)),
    )
    assert extract(DocKind.ID_CARD, doc)["viz_surname"] == expected


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("ANNA MARIA", "ANNA MARIA"),  # the zone's OCR lost the A of MARIA: the printed reading is fuller
        ("ANNA MARTA", "ANNA MRIA"),  # another name, not the zone's with letters lost: left for the rules
    ],
)
def test_a_printed_name_fills_in_letters_the_zone_ocr_lost(printed: str, expected: str) -> None:
    zone = [TD1[0], TD1[1], "ERIKSSON<<ANNA<MRIA<<<<<<<<<<<"]
    doc = document(
        row(20, (100, "IDENTITY CARD")),
        row(100, (100, "Surname"), (600, "ERIKSSON")),
        row(140, (100, "Given names"), (600, printed)),
        *(row(500 + 40 * i, (100, line)) for i, line in enumerate(zone)),
    )
    got = extract(DocKind.ID_CARD, doc)
    assert got["given_names"] == expected and got["viz_given_names"] == printed
    assert got["full_name"] == f"{expected} ERIKSSON"
    assert got["mrz"][2] == zone[2]  # the zone's own reading is kept as evidence


@pytest.mark.parametrize(
    ("zone_names", "printed", "expected"),
    [
        ("ANNA<MARTHA", "ANNA MARIHA", "ANNA MARIHA"),  # one letter of a long word read as another
        ("ANNA<MARIAK", "ANNA MARIA", "ANNA MARIA"),  # a filler after the name read as K
        ("ANNA<MARIA", "ANNE MARIA", "ANNA MARIA"),  # a short word: ANNE is another name, the zone stands
        ("ANNA<MARTHA", "ANNA MARINA", "ANNA MARTHA"),  # two letters apart: another name
    ],
)
def test_a_printed_name_corrects_one_glyph_the_zone_ocr_misread(zone_names: str, printed: str, expected: str) -> None:
    zone = [TD1[0], TD1[1], f"ERIKSSON<<{zone_names}".ljust(30, "<")]
    doc = document(
        row(20, (100, "IDENTITY CARD")),
        row(100, (100, "Surname"), (600, "ERIKSSON")),
        row(140, (100, "Given names"), (600, printed)),
        *(row(500 + 40 * i, (100, line)) for i, line in enumerate(zone)),
    )
    assert extract(DocKind.ID_CARD, doc)["given_names"] == expected


@pytest.mark.parametrize(
    ("zone_names", "printed", "expected"),
    [
        # The labels were lost; the zone doubled a filler and lost the H and the K: the print fills them.
        ("KENNET<<MAR", "KENNETH MARK", "KENNETH MARK"),
        # Look-alikes: another name on the card, and a print equal to the zone, repair nothing.
        ("ANNA<MARIA", "ANNE MARIE", "ANNA MARIA"),
        ("ANNA<MARIA", "ANNA MARIA", "ANNA MARIA"),
    ],
)
def test_an_unlabelled_print_fills_in_letters_the_zone_ocr_lost(zone_names: str, printed: str, expected: str) -> None:
    zone = [TD1[0], TD1[1], f"ERIKSSON<<{zone_names}".ljust(30, "<")]
    doc = document(
        row(20, (100, "IDENTITY CARD")),
        row(100, (100, "ERIKSSON")),
        row(140, (100, printed)),
        *(row(500 + 40 * i, (100, line)) for i, line in enumerate(zone)),
    )
    got = extract(DocKind.ID_CARD, doc)
    assert got["given_names"] == expected and got["full_name"] == f"{expected} ERIKSSON"
    assert ("viz_given_names" in got) is (expected == "KENNETH MARK")


def test_an_unverified_zone_does_not_name_the_holder_beside_the_printed_parts() -> None:
    """The zone fails its checks (an altered birth date), its OCR misread MARIA as MQRIA: the full name is made
    of the printed parts, as the surname and given names are."""
    zone = [TD1[0], "7408132" + TD1[1][7:], "ERIKSSON<<ANNA<MQRIA<<<<<<<<<<"]
    doc = document(
        row(20, (100, "IDENTITY CARD")),
        row(100, (100, "Surname"), (600, "ERIKSSON")),
        row(140, (100, "Given names"), (600, "ANNA MARIA")),
        *(row(500 + 40 * i, (100, line)) for i, line in enumerate(zone)),
    )
    got = extract(DocKind.ID_CARD, doc)
    assert got["mrz_valid"] == 0
    assert got["full_name"] == "ANNA MARIA ERIKSSON"


def test_an_address_whose_label_ocr_lost_is_found_by_its_shape() -> None:
    """A street line over a "City, ST 12345" line, with no "Address" label read, is the address; a
    lone city-like line (an issuing office's "AUSTIN, TX 78701") is none."""
    def card(*rows: list[Word]) -> dict[str, object]:
        return extract(DocKind.ID_CARD, document(row(20, (100, "IDENTITY CARD")), row(60, (100, "Surname"), (600, "JOHNSTON")),
                                                 *rows, *(row(500 + 40 * i, (100, line)) for i, line in enumerate(TD1))))
    got = card(row(300, (100, "978 W GARCIA BLVD")), row(330, (100, "MCCULLOUGHTOWN, TX 07036")))
    assert got["address"] == "978 W GARCIA BLVD, MCCULLOUGHTOWN, TX 07036"
    assert "address" not in card(row(300, (100, "Issued at AUSTIN, TX 78701")))


def test_lower_case_scraps_are_no_printed_name() -> None:
    """"a i bl" read beside a surname label of a licence photo is texture, not the holder's name."""
    from extractors.identity import _is_name

    assert not _is_name("a i bl") and not _is_name("abexe")
    assert _is_name("CARDENAS") and _is_name("Cardenas") and _is_name("LI") and _is_name("O'Neil")


def test_a_statement_in_other_wording_is_a_statement_and_a_bank_letter_is_nothing() -> None:
    """Banks word the same facts differently: "Balance Forward", "Statement Dates ... through ...",
    "Total Credits". Look-alikes: a pay stub depositing into a checking account stays a pay stub, and
    a bank's letter that mentions credits is not a statement."""
    statement = [row(60, (40, "Bayside Federal Savings")), row(90, (40, "Your Account Statement")),
                 row(120, (40, "Statement Dates: 2026-01-29 through 2026-02-28")),
                 row(150, (40, "Balance Forward USD 1,544.13 Total Credits USD 8,422.12")),
                 row(180, (40, "Balance at End of Period USD 4,371.27")),
                 row(210, (40, "01-30 VALLEY ANALYTICS PAYROLL 2,792.04 4,293.65"))]
    assert _classify(*statement) == DocKind.BANK_STATEMENT
    stub = [row(60, (40, "Earnings Statement")), row(90, (40, "Pay Date 03/13/2026 Statement Date 03/13/2026")),
            row(120, (40, "Gross Pay 3,500.00 Net Pay 2,792.04")),
            row(150, (40, "Direct Deposit Checking Account xxxx5287 Bank of Tampa 2,792.04"))]
    assert _classify(*stub) == DocKind.PAY_STUB
    letter = [row(60, (40, "Bayside Bank")), row(90, (40, "Credits to your card may take two days to appear."))]
    assert _classify(*letter) == DocKind.UNKNOWN
