"""Registries are explicit: every module that defines an extractor or a rule is listed, and every
registered extractor is complete."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from extractors.base import EXTRACTORS, Extractor
from extractors.registry import EXTRACTOR_MODULES, load_extractors
from pipeline.models import DocKind
from rules.engine import RULE_MODULES

ROOT = Path(__file__).resolve().parent.parent


def _modules_defining_subclass_of(package: str, base: str) -> set[str]:
    found = set()
    for path in (ROOT / package).glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Name) and b.id == base) or (isinstance(b, ast.Attribute) and b.attr == base)
                for b in node.bases
            ):
                found.add(f"{package}.{path.stem}")
    return found


@pytest.mark.parametrize(
    ("package", "base", "listed"),
    [("extractors", "Extractor", EXTRACTOR_MODULES), ("rules", "Rule", RULE_MODULES)],
)
def test_every_defining_module_is_registered(package: str, base: str, listed: tuple[str, ...]) -> None:
    assert _modules_defining_subclass_of(package, base) - {f"{package}.base", f"{package}.engine"} <= set(listed)


def test_every_document_kind_has_an_extractor() -> None:
    load_extractors()
    assert set(EXTRACTORS) == set(DocKind) - {DocKind.UNKNOWN}


@pytest.mark.parametrize("kind", [k for k in DocKind if k != DocKind.UNKNOWN])
def test_extractor_declares_design_fields(kind: DocKind) -> None:
    load_extractors()
    extractor: Extractor = EXTRACTORS[kind]
    design_fields = {
        DocKind.PASSPORT: {"full_name", "surname", "given_names", "date_of_birth", "document_number", "expiry_date",
                           "issuing_country", "nationality", "sex", "mrz"},
        DocKind.PAY_STUB: {"employer_name", "employee_name", "employee_address", "pay_period_start", "pay_period_end",
                           "pay_date", "gross_pay", "total_deductions", "net_pay", "ytd_gross", "ytd_net"},
        DocKind.BANK_STATEMENT: {"bank_name", "account_holder", "account_holder_address", "account_number",
                                 "statement_period_start", "statement_period_end", "opening_balance",
                                 "closing_balance", "total_credits", "total_debits"},
    }.get(kind, {"full_name", "date_of_birth", "document_number", "expiry_date"})
    assert design_fields <= set(extractor.fields)
