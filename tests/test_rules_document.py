"""Document rules: expiry, staleness, required documents, MRZ check digits, printed zone vs MRZ."""

from __future__ import annotations

import pytest
from rule_builders import MISREAD_ZONE, application, codes, passport, run, scanned, statement, stub

from pipeline.models import ExtractedDocument


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        ([passport(expiry_date="2026-03-01")], ["DOC_EXPIRED"]),
        ([passport(expiry_date="2026-03-02")], []),  # valid through its expiry day
        ([passport(expiry_date="2031-01-01")], []),
        ([passport(expiry_date=None)], "not_run"),
        ([stub()], "not_run"),
    ],
)
def test_identity_expired(docs: list[ExtractedDocument], expected: object) -> None:
    assert codes(run("identity_expired", *docs)) == expected


def test_expired_finding_cites_the_box() -> None:
    [finding] = run("identity_expired", passport(expiry_date="2025-12-31"))
    assert (finding.evidence[0].field, finding.evidence[0].page, finding.evidence[0].bbox) == (
        "expiry_date", 1, (10.0, 20.0, 110.0, 34.0))


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        ([stub(pay_date="2025-12-15")], ["DOC_STALE"]),
        ([stub(pay_date="2026-01-05")], []),  # 56 days
        ([stub("old.pdf", pay_date="2025-12-12"), stub("new.pdf", pay_date="2026-02-27")], []),  # history
        ([statement(statement_period_end="2025-11-30")], ["DOC_STALE"]),
        ([statement(statement_period_end="2025-12-31")], []),  # 61 days
        ([stub(pay_date=None), statement(statement_period_end=None)], "not_run"),
    ],
)
def test_document_fresh(docs: list[ExtractedDocument], expected: object) -> None:
    assert codes(run("document_fresh", *docs)) == expected


@pytest.mark.parametrize(
    ("docs", "occupation", "missing"),
    [
        ([passport(), stub(), statement()], "employee", []),
        ([stub(), statement()], "employee", ["identity"]),
        ([passport(), stub(pay_date="2026-01-20"), statement()], "employee", ["recent_pay_stub"]),
        ([passport(), stub(), statement(statement_period_end="2025-12-31")], "employee", ["latest_statement"]),
        ([passport(), statement("s1.pdf", statement_period_start="2025-12-01", statement_period_end="2025-12-31"),
          statement("s2.pdf", statement_period_start="2026-01-01", statement_period_end="2026-01-31"),
          statement("s3.pdf")], "self_employed", ["tax_form"]),  # tax forms are not read yet: always missing
        ([passport(), statement()], "freelancer", ["statements_3_months", "tax_form"]),
        ([stub(), statement()], None, ["identity"]),  # undeclared occupation: only what all require
    ],
)
def test_document_required(docs: list[ExtractedDocument], occupation: str | None, missing: list[str]) -> None:
    outcome = run("document_required", *docs, app=application(occupation_type=occupation))
    assert [f.params["requirement"] for f in outcome] == missing


def test_tax_form_message_says_it_is_not_read_yet() -> None:
    [finding] = [f for f in run("document_required", passport(), statement(), app=application(
        occupation_type="business_owner")) if f.params["requirement"] == "tax_form"]
    assert "does not recognise tax forms yet" in finding.message


def test_document_required_not_run_when_stub_undated() -> None:
    assert codes(run("document_required", passport(), stub(pay_date=None), statement(),
                      app=application(occupation_type="employee"))) == "not_run"


@pytest.mark.parametrize(
    ("fields", "failed"),
    [
        ({"mrz_checks": "document_number:ok,date_of_birth:ok,expiry_date:bad,personal_number:ok,composite:bad"},
         ["expiry_date", "composite"]),
        ({"mrz_checks": "document_number:ok,date_of_birth:ok,expiry_date:ok,composite:ok", "mrz_valid": True}, None),
        ({"mrz_valid": "false"}, ["unknown"]),
    ],
)
def test_identity_mrz_checksum(fields: dict, failed: list[str] | None) -> None:
    outcome = run("identity_mrz_checksum", passport(mrz=["P<USASMITH<<ROBERT<JAMES", "C01X00T47..."], **fields))
    assert [f.params["failed"] for f in outcome] == ([failed] if failed else [])


def test_identity_mrz_checksum_not_run_without_mrz() -> None:
    assert codes(run("identity_mrz_checksum", passport())) == "not_run"


@pytest.mark.parametrize(
    ("fields", "confidence", "mismatched"),
    [
        ({"viz_surname": "SMITH", "viz_date_of_birth": "1985-04-12", "viz_document_number": "C01X00T47"}, {}, []),
        ({"viz_date_of_birth": "1985-04-13"}, {}, ["date_of_birth"]),
        ({"viz_surname": "SMYTHE"}, {}, ["surname"]),
        ({"viz_given_names": "ROBERT JAMES"}, {}, []),
        ({"viz_surname": "SMlTH"}, {}, []),  # one look-alike OCR slip in a name
        ({"viz_document_number": "CO1X00T47"}, {"viz_document_number": 0.62}, []),  # unsure OCR: tolerated
        ({"viz_document_number": "CO1X00T47"}, {}, ["document_number"]),  # both confident: printed differently
        ({"viz_document_number": "C01X00T48"}, {"viz_document_number": 0.62}, ["document_number"]),
        ({"viz_expiry_date": "2031-01-01"}, {}, ["expiry_date"]),
        ({"viz_surname": "if"}, {"viz_surname": 0.61}, []),  # a scrap OCR doubted is no printed name
        ({"viz_surname": "SMYTHE"}, {"viz_surname": 0.85}, ["surname"]),  # read with assurance: compared
        ({"viz_given_names": "SMITH"}, {}, []),  # the surname read into the given-names slot
        ({"viz_surname": "ROBERT JAMES"}, {}, []),  # and the given names into the surname's
        ({"viz_given_names": "SMYTHE"}, {}, ["given_names"]),  # neither part of the MRZ's name
    ],
)
def test_identity_mrz_visual(fields: dict, confidence: dict, mismatched: list[str]) -> None:
    outcome = run("identity_mrz_visual", passport(confidence=confidence, **fields))
    assert [f.params["field"] for f in outcome] == mismatched


def test_look_alike_readings_the_check_digit_verifies_alike_are_one_number() -> None:
    twins = passport(document_number="LOK57277O", viz_document_number="L0K57277Q")  # both check to 1
    assert run("identity_mrz_visual", twins) == []
    # One look-alike apart but with another check digit: the MRZ says which was printed.
    apart = passport(document_number="L0K57277Q", viz_document_number="LOK57277Q")
    assert [f.params["field"] for f in run("identity_mrz_visual", apart)] == ["document_number"]


def test_the_cards_issue_date_read_as_its_birth_date_is_no_mismatch() -> None:
    card = passport(viz_date_of_birth="2023-08-16", issue_date="2023-08-16")
    assert run("identity_mrz_visual", card) == []
    edited = passport(viz_date_of_birth="1985-04-21", issue_date="2023-08-16")  # a new date: edited
    assert [f.params["field"] for f in run("identity_mrz_visual", edited)] == ["date_of_birth"]


def test_one_digit_of_a_date_off_in_a_doubted_ocr_reading_is_low() -> None:
    """A photo's printed expiry read "2034" at 0.84 where the barcode says 2031: the reader's doubt."""
    doubted = scanned(passport(viz_expiry_date="2034-01-01", expiry_date="2031-01-01",
                               confidence={"viz_expiry_date": 0.84}))
    [finding] = run("identity_mrz_visual", doubted)
    assert finding.severity.name == "LOW" and finding.params["level"] == "doubted_digit"
    # Read with assurance, one digit is what an extended expiry looks like.
    sure = scanned(passport(viz_expiry_date="2034-01-01", expiry_date="2031-01-01"))
    assert [f.severity.name for f in run("identity_mrz_visual", sure)] == ["HIGH"]
    # Two digits off, or from a text layer, stay high.
    apart = scanned(passport(viz_expiry_date="2034-11-01", expiry_date="2031-01-01",
                             confidence={"viz_expiry_date": 0.84}))
    assert [f.severity.name for f in run("identity_mrz_visual", apart)] == ["HIGH"]
    typed = passport(viz_expiry_date="2034-01-01", expiry_date="2031-01-01", confidence={"viz_expiry_date": 0.84})
    assert [f.severity.name for f in run("identity_mrz_visual", typed)] == ["HIGH"]


_VERIFIED = "document_number:ok,date_of_birth:ok,expiry_date:ok,composite:ok"


@pytest.mark.parametrize(("declared", "printed", "source", "severity"), [
    ({"date_of_birth": "1990-09-05"}, {"viz_date_of_birth": "1927-09-05"}, "ocr", "LOW"),  # print misread
    ({"date_of_birth": "1927-09-05"}, {"viz_date_of_birth": "1927-09-05"}, "ocr", "HIGH"),  # declared as printed
    ({"date_of_birth": "1990-09-05"}, {"viz_date_of_birth": "1927-09-05"}, "text", "HIGH"),  # typed, not read
    ({}, {"viz_date_of_birth": "1927-09-05"}, "ocr", "HIGH"),  # nothing declared
    ({"id_number": "C01X00T47"}, {"viz_document_number": "C81X06T41"}, "ocr", "LOW"),
    ({"id_number": "C81X06T41"}, {"viz_document_number": "C81X06T41"}, "ocr", "HIGH"),
])
def test_a_print_that_alone_differs_from_the_declared_verified_zone_is_a_misread(
        declared: dict, printed: dict, source: str, severity: str) -> None:
    """The zone verifies, the applicant declared what it says, and only the OCR'd print differs: the
    reader misread the print (low). A forger edits the print to match the application, so a print
    that agrees with the application against the zone stays high, as does a text layer's."""
    card = passport(date_of_birth="1990-09-05", mrz_checks=_VERIFIED, **printed)
    card = scanned(card) if source == "ocr" else card
    [finding] = run("identity_mrz_visual", card, app=application(**declared) if declared else None)
    assert finding.severity.name == severity


def test_a_declared_zone_value_whose_check_digit_fails_is_no_proof() -> None:
    unverified = scanned(passport(date_of_birth="1990-09-05", viz_date_of_birth="1927-09-05",
                                  mrz_checks="document_number:ok,date_of_birth:bad,expiry_date:ok,composite:bad"))
    [finding] = run("identity_mrz_visual", unverified, app=application(date_of_birth="1990-09-05"))
    assert finding.severity.name == "HIGH"


def test_a_lower_case_scrap_beside_a_capitalised_name_is_no_printed_name() -> None:
    """A photo's surname slot read "Norr" while the card prints its given names in capitals."""
    scrap = scanned(passport(viz_surname="Norr", viz_given_names="ROBERT JAMES", confidence={"viz_surname": 0.75}))
    assert run("identity_mrz_visual", scrap) == []
    # Another surname in capitals, as the card prints names, is compared.
    other = scanned(passport(viz_surname="JONES", viz_given_names="ROBERT JAMES", confidence={"viz_surname": 0.75}))
    assert [f.params["field"] for f in run("identity_mrz_visual", other)] == ["surname"]
    # A card printing its names in title case has them compared as printed.
    titled = scanned(passport(viz_surname="Jones", viz_given_names="Robert James", confidence={"viz_surname": 0.75}))
    assert [f.params["field"] for f in run("identity_mrz_visual", titled)] == ["surname"]


def test_identity_mrz_visual_not_run_without_printed_zone() -> None:
    assert codes(run("identity_mrz_visual", passport())) == "not_run"


def test_one_digit_off_in_a_doubted_ocr_reading_is_low() -> None:
    doubted = scanned(passport(viz_document_number="C01X00T48", confidence={"viz_document_number": 0.62}))
    [finding] = run("identity_mrz_visual", doubted)
    assert finding.severity.name == "LOW" and finding.params["level"] == "doubted_digit"
    # OCR was sure of what is printed: one digit off is an edit until shown otherwise.
    [sure] = run("identity_mrz_visual", scanned(passport(viz_document_number="C01X00T48")))
    assert sure.severity.name == "HIGH"
    # Two digits off stay high however unsure OCR was.
    apart = scanned(passport(viz_document_number="C01X00T58", confidence={"viz_document_number": 0.62}))
    assert [f.severity.name for f in run("identity_mrz_visual", apart)] == ["HIGH"]


def test_an_ocr_mrz_name_with_letters_lost_is_the_printed_name() -> None:
    lost = scanned(passport(given_names="ROBERT JES", viz_given_names="ROBERT JAMES"))
    assert run("identity_mrz_visual", lost) == []
    # A letter read as a filler, another lost and an O read as its look-alike Q.
    garbled = scanned(passport(given_names="SAMUEL C RISTQPHE", viz_given_names="SAMUEL CHRISTOPHER"))
    assert run("identity_mrz_visual", garbled) == []
    # On a text layer nothing is lost by reading: the MRZ says something else.
    assert [f.params["field"] for f in run("identity_mrz_visual", passport(
        given_names="ROBERT JES", viz_given_names="ROBERT JAMES"))] == ["given_names"]
    # Another name, not a shortened one, is a mismatch on a scan too.
    other = scanned(passport(given_names="ROBERT JANE", viz_given_names="ROBERT JAMES"))
    assert [f.params["field"] for f in run("identity_mrz_visual", other)] == ["given_names"]


def test_an_ocr_mrz_name_with_one_letter_of_a_long_word_misread_is_the_printed_name() -> None:
    misread = scanned(passport(given_names="LAUREN ELTZABETH", viz_given_names="LAUREN ELIZABETH"))
    assert run("identity_mrz_visual", misread) == []
    # Two letters off is another name.
    twice = scanned(passport(given_names="LAUREN ELTZABETX", viz_given_names="LAUREN ELIZABETH"))
    assert [f.params["field"] for f in run("identity_mrz_visual", twice)] == ["given_names"]
    # From a text layer the zone says what it says.
    typed = passport(given_names="LAUREN ELTZABETH", viz_given_names="LAUREN ELIZABETH")
    assert [f.params["field"] for f in run("identity_mrz_visual", typed)] == ["given_names"]


def test_a_zone_that_verifies_with_the_printed_number_was_misread() -> None:
    """OCR read the zone's J as 7: the printed number in its place makes every check digit agree."""
    zone = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    misread = [zone[0], "L898902736" + zone[1][10:]]
    fields = {"mrz": misread, "mrz_checks": "document_number:bad,date_of_birth:ok,expiry_date:ok,composite:bad",
              "mrz_valid": 0, "document_number": "L898902C3"[:7] + "73", "viz_document_number": "L898902C3"}
    [finding] = run("identity_mrz_checksum", scanned(passport(**fields)))
    assert finding.severity.name == "LOW" and finding.params["misread"] == "document_number"
    # A printed number that does not verify either: the zone fails as printed.
    other = {**fields, "viz_document_number": "L898902C4"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**other)))] == ["HIGH"]
    # From a text layer nothing was misread.
    assert [f.severity.name for f in run("identity_mrz_checksum", passport(**fields))] == ["HIGH"]


def test_a_zone_date_one_look_alike_digit_off_the_print_was_misread() -> None:
    """OCR read the zone's birth year 74 as 14 (a 7 as 1): the printed date in its place verifies."""
    zone = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    misread = [zone[0], zone[1][:13] + "14" + zone[1][15:]]
    fields = {"mrz": misread, "mrz_checks": "document_number:ok,date_of_birth:bad,expiry_date:ok,composite:bad",
              "mrz_valid": 0, "viz_date_of_birth": "1974-08-12", "date_of_birth": "2014-08-12"}
    [finding] = run("identity_mrz_checksum", scanned(passport(**fields)))
    assert finding.severity.name == "LOW" and finding.params["misread"] == "date_of_birth"
    # Printed 1979: two digits apart from the zone's 14, and 9 is no look-alike of 1: as printed, it fails.
    other = {**fields, "viz_date_of_birth": "1979-08-12"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**other)))] == ["HIGH"]
    # A zone typed into a text layer was not misread.
    assert [f.severity.name for f in run("identity_mrz_checksum", passport(**fields))] == ["HIGH"]


def test_a_zone_and_a_print_that_each_lost_another_glyph_verify_together() -> None:
    """The zone read 0 as 6, the print lost its C: where both read a character the print's stands in."""
    fields = {"mrz": MISREAD_ZONE, "mrz_checks": "document_number:bad,date_of_birth:ok,expiry_date:ok,composite:bad",
              "mrz_valid": 0, "document_number": "L8989023", "viz_document_number": "L8989023"}
    [finding] = run("identity_mrz_checksum", scanned(passport(**fields)))
    assert finding.severity.name == "LOW"
    # The print agrees with the zone's misread digit: nothing makes the zone verify.
    same = {**fields, "viz_document_number": "L8989623"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**same)))] == ["HIGH"]


def _with_raw(document: ExtractedDocument, **raw: str) -> ExtractedDocument:
    fields = {k: v.model_copy(update={"raw": raw[k]}) if k in raw else v for k, v in document.fields.items()}
    return document.model_copy(update={"fields": fields})


def test_a_printed_number_read_with_background_around_it_is_the_zones() -> None:
    noisy = _with_raw(scanned(passport(viz_document_number="MEENASC01X00T47")),
                      viz_document_number="Meenas C01X00T47")
    assert run("identity_mrz_visual", noisy) == []
    # Letters glued into the number itself are another number.
    glued = _with_raw(scanned(passport(viz_document_number="MC01X00T47")), viz_document_number="MC01X00T47")
    assert [f.severity.name for f in run("identity_mrz_visual", glued)] == ["HIGH"]


def test_a_zone_number_that_verifies_only_after_a_repair_disagreeing_with_print_is_low() -> None:
    line1 = "I<FRAL1C802O879<<<<<<<<<<<<<<<"
    fields = {"document_number": "L1C802O87", "viz_document_number": "L1C80208Z",
              "mrz": [line1, "9803156F2912017FRA<<<<<<<<<<<0", "ANDERSON<<JESSICA<APRIL<<<<<<<"]}
    read_as = "\n".join(["I<FRAL1C8020879<<<<<<<<<<<<<<<", *fields["mrz"][1:]])
    repaired = _with_raw(scanned(passport(**fields)), mrz=read_as)
    [finding] = run("identity_mrz_visual", repaired)
    assert finding.severity.name == "LOW" and finding.params["level"] == "repaired_zone"
    # The zone read as it stands: the two numbers really differ.
    as_read = _with_raw(scanned(passport(**fields)), mrz="\n".join(fields["mrz"]))
    assert [f.severity.name for f in run("identity_mrz_visual", as_read)] == ["HIGH"]


def test_zone_digits_the_reader_guessed_from_letters_are_taken_from_the_print() -> None:
    """OCR read the birth year 74 as "SS" (guessed 55) and the expiry's 1 as 7: with both printed
    dates in place every check digit agrees, a misread zone. Look-alikes: the same zone without the
    reader's record of the guess (55 against 74 is two digits, 5/7 no look-alike pair), and a print
    that still fails, stay high."""
    zone = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    misread = [zone[0], zone[1][:13] + "55" + zone[1][15:21] + "7" + zone[1][22:]]
    fields = {"mrz": misread, "mrz_checks": "document_number:ok,date_of_birth:bad,expiry_date:bad,composite:bad",
              "mrz_valid": 0, "viz_date_of_birth": "1974-08-12", "viz_expiry_date": "2012-04-15",
              "mrz_repairs": "date_of_birth[0] S->5; date_of_birth[1] S->5"}
    [finding] = run("identity_mrz_checksum", scanned(passport(**fields)))
    assert finding.severity.name == "LOW" and finding.params["misread"] == "date_of_birth,expiry_date"
    unrecorded = {k: v for k, v in fields.items() if k != "mrz_repairs"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**unrecorded)))] == ["HIGH"]
    wrong_print = {**fields, "viz_expiry_date": "2013-04-15"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**wrong_print)))] == ["HIGH"]


def test_a_misread_number_beside_guessed_date_digits_is_put_right_by_the_print_together() -> None:
    """The zone's number read with a 0 for the printed 9 and its birth date's digits read as letters:
    the printed number and date in place together make every check digit agree. Look-alike: a printed
    number that does not verify keeps the finding high."""
    zone = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    misread = [zone[0][:8] + "0" + zone[0][9:], "1408172" + zone[1][7:], zone[2]]
    fields = {"mrz": misread, "mrz_checks": "document_number:bad,date_of_birth:bad,expiry_date:ok,composite:bad",
              "mrz_valid": 0, "viz_document_number": "D23145890", "viz_date_of_birth": "1974-08-12",
              "mrz_repairs": "date_of_birth[0] T->1; date_of_birth[5] T->1"}
    [finding] = run("identity_mrz_checksum", scanned(passport(**fields)))
    assert finding.severity.name == "LOW" and finding.params["misread"] == "document_number,date_of_birth"
    other = {**fields, "viz_document_number": "D23145899"}
    assert [f.severity.name for f in run("identity_mrz_checksum", scanned(passport(**other)))] == ["HIGH"]
