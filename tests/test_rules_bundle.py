"""All rules together on a clean hand-built bundle: harmless variations everywhere, no finding."""

from __future__ import annotations

from rule_builders import AS_OF, application, item, passport, statement, stub, tx

from pipeline.config import RuleSettings
from rules.engine import RULE_MODULES, RULES, RuleContext, load_rules, run_rules


def test_every_rule_module_registers_rules() -> None:
    load_rules()
    assert {type(rule).__module__ for rule in RULES.values()} == set(RULE_MODULES)


def test_clean_bundle_has_no_findings() -> None:
    lines = [item("Federal Income Tax", 240.50), item("Social Security", 186.00), item("Medicare", 43.50),
             item("401(k)", 150.00), item("Medical Insurance", 80.00)]
    rows = [tx("2026-02-03", "GROCERY", -50.25, 949.75), tx("2026-02-13", "DIRECT DEP HARTLEY FOODS INC PPD",
                                                            2300.00, 3249.75),
            tx("2026-02-20", "RENT", -1200.00, 2049.75)]
    docs = (
        passport(viz_surname="SMITH", viz_date_of_birth="1985-04-12",
                 mrz_checks="document_number:ok,date_of_birth:ok,expiry_date:ok,composite:ok", mrz_valid=True,
                 address="123 North Main Street, Apt 4B, Springfield, IL 62701"),
        stub(pay_date="2026-02-13", pay_period_start="2026-01-25", pay_period_end="2026-02-07", ytd_gross=12000.0,
             ytd_net=9200.0, deductions=lines, employee_name="SMITH, ROBERT J",
             employee_address="123 N MAIN ST #4B, SPRINGFIELD IL 62701-1234"),
        statement(transactions=rows, opening_balance=1000.00, closing_balance=2049.75, total_credits=2300.00,
                  total_debits=1250.25, account_holder="Bob Smith"),
    )
    app = application("auto", full_name="Robert James Smith", date_of_birth="1985-04-12", id_number="C01-X00-T47",
                      address="123 Main St Apt 4B, Springfield, IL 62701", employer="Hartley Foods",
                      occupation_type="employee", stated_monthly_income=6800.0,
                      loan={"amount": 25000.0, "monthly_payment": 550.0, "existing_monthly_debt": 1200.0,
                            "collateral": {"kind": "vehicle", "value": 26000.0}})
    run = run_rules(RuleContext(documents=docs, application=app, settings=RuleSettings(), as_of=AS_OF))
    assert [(f.code, f.message) for f in run.findings] == []
    assert {c.rule for c in run.checks if c.status == "passed"} >= {
        "name_consistency", "address_consistency", "employer_consistency", "income_deposited", "paystub_tax",
        "statement_balance", "debt_to_income", "loan_to_value", "document_required", "identity_mrz_visual"}
