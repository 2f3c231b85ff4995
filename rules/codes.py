"""The stable reason codes of DESIGN.md, each with what triggers it.

A finding may only carry a code listed here; the report catalog in the docs is generated from this
table, so it cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.models import Severity


@dataclass(frozen=True)
class ReasonCode:
    code: str
    group: str
    default_severity: Severity
    meaning: str


_CODES = (
    ReasonCode("DOC_UNREADABLE", "document", Severity.MEDIUM,
               "A file could not be read: corrupt, empty, encrypted, oversized, unsupported or hostile."),
    ReasonCode("DOC_UNCLASSIFIED", "document", Severity.LOW,
               "A readable file is none of the document kinds docsentry knows."),
    ReasonCode("DOC_MISSING", "document", Severity.MEDIUM,
               "A document the product and occupation require is not in the bundle."),
    ReasonCode("DOC_EXPIRED", "document", Severity.HIGH, "An identity document was expired when submitted."),
    ReasonCode("DOC_STALE", "document", Severity.MEDIUM, "A pay stub or statement is too old for the submission date."),
    ReasonCode("ID_CHECKSUM_INVALID", "document", Severity.HIGH, "An MRZ check digit or the composite does not verify."),
    ReasonCode("ID_MRZ_MISMATCH", "document", Severity.HIGH, "The printed (visual) zone disagrees with the MRZ."),
    ReasonCode("PAYSTUB_ARITHMETIC", "document", Severity.HIGH,
               "Gross minus deductions is not net pay, or line items do not sum to totals."),
    ReasonCode("PAYSTUB_YTD_INCONSISTENT", "document", Severity.MEDIUM,
               "Year-to-date figures are below the current period or implausible for the date and frequency."),
    ReasonCode("PAYSTUB_TAX_IMPLAUSIBLE", "document", Severity.MEDIUM,
               "Statutory deductions (Social Security, Medicare) do not match their rates."),
    ReasonCode("STATEMENT_BALANCE_MISMATCH", "document", Severity.HIGH,
               "Opening balance plus transactions is not the closing balance, or a running balance or total is off."),
    ReasonCode("STATEMENT_DISCONTINUITY", "document", Severity.MEDIUM,
               "Consecutive statements do not chain: closing differs from next opening, or periods gap/overlap."),
    ReasonCode("PDF_EDITED", "forensics", Severity.HIGH, "The PDF shows signs of editing after it was produced."),
    ReasonCode("PDF_FONT_ANOMALY", "forensics", Severity.MEDIUM, "A value is drawn in a font unlike its peers."),
    ReasonCode("TEXT_LAYER_MISMATCH", "forensics", Severity.HIGH, "The text layer says something the pixels do not."),
    ReasonCode("IMAGE_TAMPERED", "forensics", Severity.HIGH, "A scan or photo shows pasted or cloned regions."),
    ReasonCode("NAME_MISMATCH", "cross-document", Severity.HIGH, "Documents name different people."),
    ReasonCode("DOB_MISMATCH", "cross-document", Severity.HIGH, "Dates of birth disagree across documents."),
    ReasonCode("ID_NUMBER_MISMATCH", "cross-document", Severity.HIGH, "The declared ID number is not the document's."),
    ReasonCode("ADDRESS_MISMATCH", "cross-document", Severity.MEDIUM, "Addresses disagree beyond abbreviation."),
    ReasonCode("EMPLOYER_MISMATCH", "cross-document", Severity.MEDIUM,
               "Pay stub employer, payroll deposits and the declared employer disagree."),
    ReasonCode("INCOME_NOT_DEPOSITED", "cross-document", Severity.HIGH,
               "A pay stub's net pay never arrives on a statement covering its pay date."),
    ReasonCode("INCOME_OVERSTATED", "cross-document", Severity.MEDIUM,
               "Declared monthly income exceeds verified income by more than the tolerance."),
    ReasonCode("DTI_EXCEEDED", "cross-document", Severity.MEDIUM, "Debt-to-income after the new loan is above the product limit."),
    ReasonCode("LTV_EXCEEDED", "cross-document", Severity.MEDIUM, "Loan-to-value is above the product limit."),
    ReasonCode("VIN_MISMATCH", "cross-document", Severity.HIGH, "The vehicle VIN differs between documents and the application."),
    ReasonCode("AML_STRUCTURING", "money flows", Severity.HIGH, "Cash deposits just under the reporting threshold, repeated."),
    ReasonCode("AML_LARGE_UNEXPLAINED_DEPOSIT", "money flows", Severity.MEDIUM,
               "A large non-payroll credit relative to income."),
    ReasonCode("DUPLICATE_DOCUMENT", "across applications", Severity.HIGH,
               "A document already seen in another identity's application."),
    ReasonCode("MULTI_LENDER_STACKING", "across applications", Severity.HIGH,
               "The same person applied at several lenders within a short window."),
    ReasonCode("SYNTHETIC_IDENTITY", "across applications", Severity.CRITICAL,
               "One ID number with different names or birth dates, or one person with several ID numbers."),
    ReasonCode("SHARED_IDENTIFIER", "across applications", Severity.MEDIUM,
               "A phone, email, bank account or address shared with several other identities."),
    ReasonCode("FRAUD_RING", "across applications", Severity.CRITICAL,
               "The application belongs to a suspicious cluster of linked applications."),
)

CODES: dict[str, ReasonCode] = {c.code: c for c in _CODES}
