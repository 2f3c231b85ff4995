"""Cross-document rules: name, birth date, ID number, address, employer, pay deposited."""

from __future__ import annotations

from typing import Any

import pytest
from rule_builders import MISREAD_ZONE, application, codes, passport, run, scanned, statement, stub, tx

from pipeline.models import ExtractedDocument, Severity, Transaction


@pytest.mark.parametrize(
    ("stub_name", "holder", "declared", "levels"),
    [
        ("ROBERT J SMITH", "Robert Smith", "Robert James Smith", []),
        ("SMITH, ROBERT J", "Smith, Bob", "Bob Smith", []),  # order, punctuation, nickname
        ("ROBERT J SMlTH", "ROBERT SMITH AND JANE SMITH", "Robert Smith", []),  # OCR slip; joint account
        ("JANE SMITH", "Robert Smith", "Robert Smith", [("partial", Severity.HIGH)]),
        ("ROBERT SMITHSON", "Robert Smith", "Robert Smith", [("similar", Severity.MEDIUM)]),
        ("ROBERT SMITH", "Alice Jones", "Robert Smith", [("different", Severity.HIGH)]),
    ],
)
def test_name_consistency(stub_name: str, holder: str, declared: str, levels: list) -> None:
    outcome = run("name_consistency", passport(), stub(employee_name=stub_name), statement(account_holder=holder),
                  app=application(full_name=declared))
    assert [(f.params["level"], f.severity) for f in outcome] == levels


@pytest.mark.parametrize(
    ("given", "surname", "scanned_id", "severity"),
    [
        ("SUSN KAREN", "ATTHEWS", True, Severity.LOW),  # the zone's OCR lost an A and the M
        ("MARGRET DEANNA", "DANTELS", True, Severity.LOW),  # a lost A, and I read as T
        ("SUSN KAREN", "ATTHEWS", False, Severity.MEDIUM),  # a text layer says what it says
        ("SUSAN KAREN", "MATHIS", True, Severity.HIGH),  # another name, however scanned
    ],
)
def test_an_ocr_zone_name_garbled_as_ocr_garbles_is_low(given: str, surname: str, scanned_id: bool,
                                                         severity: Severity) -> None:
    card = passport(given_names=given, surname=surname)
    card = scanned(card) if scanned_id else card
    declared = {"SUSN KAREN": "Susan K. Matthews", "MARGRET DEANNA": "Margaret Deanna Daniels",
                "SUSAN KAREN": "Susan K. Matthews"}[given]
    found = run("name_consistency", card, app=application(full_name=declared))
    assert [f.severity for f in found] == [severity]


def test_name_consistency_not_run_with_one_source() -> None:
    assert codes(run("name_consistency", passport())) == "not_run"


@pytest.mark.parametrize(
    ("declared", "on_id", "expected"),
    [
        ("1985-04-12", "1985-04-12", []),
        ("1985-04-12", "1986-04-12", ["DOB_MISMATCH"]),
        ("1985-04-12", "1985-12-04", ["DOB_MISMATCH"]),  # day and month swapped
        (None, "1985-04-12", "not_run"),
        ("1985-04-12", None, "not_run"),
    ],
)
def test_dob_consistency(declared: str | None, on_id: str | None, expected: object) -> None:
    app = application(date_of_birth=declared) if declared else application()
    assert codes(run("dob_consistency", passport(date_of_birth=on_id), app=app)) == expected


@pytest.mark.parametrize(
    ("declared", "confidence", "expected"),
    [
        ("C01X00T47", {}, []),
        ("c01-x00-t47", {}, []),
        ("CO1X00T47", {}, []),  # one look-alike slip
        ("C01X00T99", {}, ["ID_NUMBER_MISMATCH"]),
        (None, {}, "not_run"),
    ],
)
def test_id_number_consistency(declared: str | None, confidence: dict, expected: object) -> None:
    assert codes(run("id_number_consistency", passport(), app=application(id_number=declared))) == expected


def test_a_declared_number_matching_the_printed_reading_is_the_documents() -> None:
    """OCR read the MRZ's look-alikes one way (LOK57277O) and the printed number another (L0K57277Q)."""
    card = passport(document_number="LOK57277O", viz_document_number="L0K57277Q")
    assert codes(run("id_number_consistency", card, app=application(id_number="L0K57277Q"))) == []
    other = passport(document_number="LOK57277O", viz_document_number="L0K57277Q")
    assert codes(run("id_number_consistency", other, app=application(id_number="Z99999999"))) == ["ID_NUMBER_MISMATCH"]


def test_a_declared_number_the_zone_verifies_with_is_the_documents() -> None:
    """The zone read L898962C3, the print L8989023: together, L898902C3 makes every check digit agree."""
    fields = {"mrz": MISREAD_ZONE, "document_number": "L8989023", "viz_document_number": "L8989023"}
    app = application(id_number="L898902C3")
    assert codes(run("id_number_consistency", scanned(passport(**fields)), app=app)) == []
    # A text layer is not repaired; another declared number does not verify.
    assert codes(run("id_number_consistency", passport(**fields), app=app)) == ["ID_NUMBER_MISMATCH"]
    other = application(id_number="L898902C8")
    assert codes(run("id_number_consistency", scanned(passport(**fields)), app=other)) == ["ID_NUMBER_MISMATCH"]


def test_id_number_message_is_masked() -> None:
    [finding] = run("id_number_consistency", passport(), app=application(id_number="Z99999999"))
    assert "Z99999999" not in finding.message and "C01X00T47" not in finding.message


def _ocr_stub(**fields: Any) -> ExtractedDocument:
    document = stub(**fields)
    read = {k: v.model_copy(update={"source": "ocr"}) for k, v in document.fields.items()}
    return document.model_copy(update={"source": "ocr", "fields": read})


@pytest.mark.parametrize(
    ("on_stub", "severity"),
    [
        ("693 Valley Ave, Melodyshire, SD 69285", Severity.LOW),  # 8 read as 6 in the street number
        ("893 Valley Ave, Melodyshire, SD 69235", Severity.LOW),  # one digit of the ZIP
        ("Pune SD 69285", Severity.LOW),  # OCR lost the street line's number
        ("643 Valley Ave, Melodyshire, SD 69285", Severity.MEDIUM),  # two digits: another house
        ("893 Hill Rd, Melodyshire, SD 69285", Severity.MEDIUM),  # another street
    ],
)
def test_an_ocr_address_one_digit_off_is_low(on_stub: str, severity: Severity) -> None:
    declared = application(address="893 Valley Ave, Melodyshire, SD 69285")
    [finding] = run("address_consistency", _ocr_stub(employee_address=on_stub), app=declared)
    assert finding.severity == severity
    # From a text layer the same digit is what the document says.
    if on_stub.startswith("693"):
        [typed] = run("address_consistency", stub(employee_address=on_stub), app=declared)
        assert typed.severity == Severity.MEDIUM


@pytest.mark.parametrize(
    ("on_stub", "severity"),
    [
        ("19027 Ress Telrace, Port Stanleyville, RI 41246", Severity.LOW),  # o read e, r read l
        ("19027 Rose Hill Road, Port Stanleyville, RI 41246", Severity.MEDIUM),  # another street
        ("19027 Ress Telrace, Port Stanleyville, RI 41266", Severity.MEDIUM),  # and another ZIP
    ],
)
def test_an_ocr_address_with_a_few_letters_garbled_is_low(on_stub: str, severity: Severity) -> None:
    declared = application(address="19027 Ross Terrace, Port Stanleyville, RI 41246")
    [finding] = run("address_consistency", _ocr_stub(employee_address=on_stub), app=declared)
    assert finding.severity == severity
    [typed] = run("address_consistency", stub(employee_address=on_stub), app=declared)
    assert typed.severity == Severity.MEDIUM


@pytest.mark.parametrize(
    ("declared", "on_stub", "expected"),
    [
        ("123 North Main Street, Apt 4B, Springfield, IL 62701", "123 N MAIN ST #4B, SPRINGFIELD IL 62701-1234", []),
        ("123 Main Street, Springfield, IL 62701", "123 Main St, Springfield, IL 62701", []),
        ("123 Main Street, Springfield, IL 62701", "9 Elm Court, Dover, DE 19901", ["ADDRESS_MISMATCH"]),
        ("123 Main St Apt 4, Springfield, IL 62701", "123 Main St Apt 9, Springfield, IL 62701", ["ADDRESS_MISMATCH"]),
        (None, "123 Main St, Springfield, IL 62701", "not_run"),
    ],
)
def test_address_consistency(declared: str | None, on_stub: str, expected: object) -> None:
    outcome = run("address_consistency", stub(employee_address=on_stub), app=application(address=declared))
    assert codes(outcome) == expected


def test_address_finding_names_the_part() -> None:
    [finding] = run("address_consistency", stub(employee_address="123 Main St Apt 9, Springfield, IL 62701"),
                    app=application(address="123 Main St Apt 4, Springfield, IL 62701"))
    assert "unit" in finding.message and finding.severity == Severity.MEDIUM


@pytest.mark.parametrize(
    ("declared", "rows", "expected"),
    [
        ("Hartley Foods", [tx("2026-02-13", "DIRECT DEP HARTLEY FOODS INC PPD", 2300.0)], []),
        ("Hartley Foods LLC", [tx("2026-02-13", "ADP PAYROLL 99812", 2300.0)], []),  # processor only
        ("Oakwood Logistics", [tx("2026-02-13", "HARTLEY FOODS PAYROLL", 2300.0)], ["declared_vs_stub"]),
        ("Hartley Foods", [tx("2026-02-13", "ACME WIDGETS PAYROLL", 2300.0)], ["payroll_deposits"]),
        ("Hartley Foods", [tx("2026-02-13", "ACME WIDGETS PAYROLL", 2300.0),
                           tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2300.0)], []),  # second job
        ("Hartley Foods", [tx("2026-02-13", "ZELLE FROM ACME", 2300.0)], []),  # not payroll-looking
    ],
)
def test_employer_consistency(declared: str, rows: list[Transaction], expected: list[str]) -> None:
    outcome = run("employer_consistency", stub(), statement(transactions=rows), app=application(employer=declared))
    assert [f.params["check"] for f in outcome] == expected


def test_employer_consistency_not_run_without_anything_to_compare() -> None:
    assert codes(run("employer_consistency", stub(), statement(transactions=[]))) == "not_run"


# Stub: net 2300.00 paid Friday 2026-02-27; statement covers Feb 1 - Mar 13 unless said otherwise.
COVERS = {"statement_period_end": "2026-03-13"}


@pytest.mark.parametrize(
    ("rows", "fields", "expected"),
    [
        ([tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2300.00)], COVERS, []),
        ([tx("2026-03-04", "HARTLEY FOODS PAYROLL", 2300.00)], COVERS, []),  # 3 business days late, over a weekend
        ([tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2315.00)], COVERS, []),  # within 1%
        ([tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2400.00)], COVERS, ["INCOME_NOT_DEPOSITED"]),
        ([tx("2026-03-10", "HARTLEY FOODS PAYROLL", 2300.00)], COVERS, ["INCOME_NOT_DEPOSITED"]),  # 7 days late
        ([], COVERS, ["INCOME_NOT_DEPOSITED"]),
        ([], {"statement_period_end": "2026-02-26"}, "not_run"),  # the statement ends before the pay date
        ([tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2300.00)], {"statement_period_end": "2026-02-27"}, []),
    ],
)
def test_income_deposited(rows: list[Transaction], fields: dict, expected: object) -> None:
    assert codes(run("income_deposited", stub(), statement(transactions=rows, **fields))) == expected


@pytest.mark.parametrize(
    ("period_end", "severity"),
    [("2026-03-13", Severity.HIGH), ("2026-02-27", Severity.MEDIUM), ("2026-03-03", Severity.MEDIUM)],
)
def test_a_missing_credit_is_high_only_when_the_whole_window_is_shown(period_end: str, severity: Severity) -> None:
    # A statement that ends on the pay date (or two business days after) could not show a late credit yet.
    outcome = run("income_deposited", stub(), statement(transactions=[], statement_period_end=period_end))
    assert [f.severity for f in outcome] == [severity]


def test_two_stubs_cannot_share_one_credit() -> None:
    stubs: list[ExtractedDocument] = [stub("a.pdf", pay_date="2026-02-13"), stub("b.pdf", pay_date="2026-02-17")]
    rows = [tx("2026-02-13", "HARTLEY FOODS PAYROLL", 2300.00)]
    assert codes(run("income_deposited", *stubs, statement(transactions=rows, **COVERS))) == ["INCOME_NOT_DEPOSITED"]


def test_a_doubted_net_pay_is_looked_for_as_the_stub_arithmetic_gives_it() -> None:
    """OCR read net 2,300.00 as 2,800.00 and doubted it; the 2,300.00 that gross - deductions gives
    was credited on the pay date: pay arrived, no finding."""
    misread = scanned(stub(net_pay=2800.0, confidence={"net_pay": 0.45}))
    rows = [tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2300.00)]
    assert codes(run("income_deposited", misread, statement(transactions=rows, **COVERS))) == []


@pytest.mark.parametrize("confidence", [0.96, None])
def test_a_confident_or_typed_net_pay_must_itself_arrive(confidence: float | None) -> None:
    """Look-alike: a net pay raised on an edited stub, read surely by OCR or from a text layer, is
    not excused by the stub's arithmetic (that mismatch is PAYSTUB_ARITHMETIC's)."""
    edited = stub(net_pay=2800.0)
    if confidence is not None:
        edited = scanned(stub(net_pay=2800.0, confidence={"net_pay": confidence}))
    rows = [tx("2026-02-27", "HARTLEY FOODS PAYROLL", 2300.00)]
    assert codes(run("income_deposited", edited, statement(transactions=rows, **COVERS))) == ["INCOME_NOT_DEPOSITED"]


def test_a_declared_number_the_failing_zone_carries_is_the_documents() -> None:
    """The zone fails its checks (the print then wins the field) and the doubted print read a glyph
    too many: the declared number is the zone's own. Look-alike: a number neither reading carries."""
    zone = ["P<DEUJENKINS<<STEVEN<<<<<<<<<<<<<<<<<<<<<<<<", "CM5A88X872DEU7201264M2705284<<<<<<<<<<<<<<02"]
    fields = {"mrz": zone, "document_number": "CMS5A88X87", "viz_document_number": "CMS5A88X87"}
    card = scanned(passport(**fields))
    assert codes(run("id_number_consistency", card, app=application(id_number="CM5A88X87"))) == []
    assert codes(run("id_number_consistency", card, app=application(id_number="CM7B21Q44"))) == ["ID_NUMBER_MISMATCH"]
