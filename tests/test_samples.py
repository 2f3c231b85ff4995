"""The synthetic generator: determinism, internal consistency, truth schema, scenario coverage, set size."""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from samples import mrz
from samples.case import CaseSpec, build_case, write_bundle
from samples.generate import COMMITTED_DIR, Generator
from samples.people import PeopleFactory
from samples.scenarios import ALL_CODES, NOT_PRODUCED, SINGLE_SCENARIOS, expected_decision
from samples.sequences import SEQUENCES

DESIGN = Path(__file__).resolve().parents[2] / "shared" / "DESIGN.md"
KIND_FIELDS = {
    "passport": {"full_name", "surname", "given_names", "date_of_birth", "document_number", "expiry_date", "issuing_country",
                 "nationality", "sex", "address", "mrz"},
    "pay_stub": {"employer_name", "employee_name", "employee_address", "pay_period_start", "pay_period_end", "pay_date",
                 "gross_pay", "total_deductions", "net_pay", "ytd_gross", "ytd_net"},
    "bank_statement": {"bank_name", "account_holder", "account_holder_address", "account_number", "statement_period_start",
                       "statement_period_end", "opening_balance", "closing_balance", "total_credits", "total_debits"},
    "unknown": set(),
}
KIND_FIELDS["id_card"] = KIND_FIELDS["drivers_license"] = KIND_FIELDS["passport"]
DIGITAL_SCENARIOS = ("clean", "paystub_arithmetic", "id_checksum_invalid", "statement_balance_mismatch", "pdf_edited",
                     "doc_unreadable")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A handful of digital bundles: the scenarios the consistency tests look at."""
    out = tmp_path_factory.mktemp("samples")
    gen = Generator.seeded(11, out)
    return [gen.single(name, "digital") for name in DIGITAL_SCENARIOS]


def _truth(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "truth.json").read_text())


def _documents(bundles: list[Path], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(_truth(b)["scenario"], d) for b in bundles for d in _truth(b)["documents"].values() if d["kind"] == kind]


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    def one(out: Path) -> dict[str, str]:
        rng = random.Random(5)
        case = build_case("S-0001", rng, PeopleFactory(rng), CaseSpec(), hint=date(2026, 2, 1))
        return _digest(write_bundle(case, out, {"scenario": "clean"}))

    assert one(tmp_path / "a") == one(tmp_path / "b")


def test_different_seed_gives_different_people(tmp_path: Path) -> None:
    names = [Generator.seeded(seed, tmp_path / str(seed)).people.person().legal_name for seed in (1, 2)]
    assert names[0] != names[1]


def test_pay_stubs_add_up(bundles: list[Path]) -> None:
    for folder in bundles:
        truth = _truth(folder)
        stubs = [d for d in truth["documents"].values() if d["kind"] == "pay_stub"]
        broken = 0
        for doc in stubs:
            fields = doc["fields"]
            assert round(sum(d["amount"] for d in doc["deductions"]), 2) == pytest.approx(fields["total_deductions"], abs=0.005)
            broken += abs(fields["gross_pay"] - fields["total_deductions"] - fields["net_pay"]) > 0.005
        # Only the forged stub of an arithmetic or edited-PDF scenario may fail to add up.
        assert broken == (1 if truth["scenario"] in ("paystub_arithmetic", "pdf_edited") else 0), folder.name


def test_pay_stub_fica_rates(bundles: list[Path]) -> None:
    for _, doc in _documents(bundles, "pay_stub"):
        gross = doc["fields"]["gross_pay"]
        amounts = [d["amount"] for d in doc["deductions"]]
        assert round(gross * 0.062, 2) in amounts and round(gross * 0.0145, 2) in amounts


def test_statement_running_balances(bundles: list[Path]) -> None:
    for scenario, doc in _documents(bundles, "bank_statement"):
        fields, balance, exact = doc["fields"], doc["fields"]["opening_balance"], True
        for txn in doc["transactions"]:
            balance = round(balance + txn["amount"], 2)
            exact &= txn["balance"] is None or abs(txn["balance"] - balance) < 0.005
        exact &= abs(balance - fields["closing_balance"]) < 0.005
        assert exact or scenario == "statement_balance_mismatch"


def _mrz_valid(lines: list[str]) -> bool:
    if len(lines) == 2:
        body = lines[1]
        parts = [(body[0:9], body[9]), (body[13:19], body[19]), (body[21:27], body[27]),
                 (body[0:10] + body[13:20] + body[21:43], body[43])]
    else:
        one, two = lines[0], lines[1]
        parts = [(one[5:14], one[14]), (two[0:6], two[6]), (two[8:14], two[14]), (one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29])]
    return all(mrz.check_digit(text) == digit for text, digit in parts)


def test_mrz_check_digits_valid_except_checksum_scenario(bundles: list[Path]) -> None:
    seen = set()
    for kind in ("passport", "id_card"):
        for scenario, doc in _documents(bundles, kind):
            seen.add(scenario)
            assert _mrz_valid(doc["fields"]["mrz"]) == (scenario != "id_checksum_invalid")
    assert "id_checksum_invalid" in seen


def test_icao_specimen_check_digits() -> None:
    lines = mrz.td3(doc_type="P", country="UTO", surname="Eriksson", given_names="Anna Maria", number="L898902C3",
                    nationality="UTO", dob=date(1974, 8, 12), sex="F", expiry=date(2012, 4, 15), personal="ZE184226B")
    assert lines[1] == "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def test_truth_schema(bundles: list[Path]) -> None:
    for folder in bundles:
        truth = _truth(folder)
        assert {"bundle_id", "scenario", "description", "variant", "expected_codes", "forbidden_codes", "expected_decision",
                "group", "order", "documents", "unreadable_files"} <= truth.keys()
        assert set(truth["expected_codes"]) | set(truth["forbidden_codes"]) <= set(ALL_CODES)
        assert not set(truth["expected_codes"]) & set(truth["forbidden_codes"])
        assert truth["expected_decision"] == expected_decision(truth["expected_codes"])
        for name, doc in truth["documents"].items():
            assert (folder / name).is_file()
            assert set(doc["fields"]) <= KIND_FIELDS[doc["kind"]], name
        for name in truth["unreadable_files"]:
            assert (folder / name).is_file()
        json.loads((folder / "application.json").read_text())


def test_reason_codes_match_design() -> None:
    if not DESIGN.exists():
        pytest.skip("DESIGN.md not beside the repository")
    table = DESIGN.read_text().split("### Reason codes", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`([A-Z_]+)`", table)) == set(ALL_CODES)


def test_every_code_is_produced_by_a_scenario() -> None:
    singles = {s.code for s in SINGLE_SCENARIOS.values() if s.code}
    sequences = {"MULTI_LENDER_STACKING", "SYNTHETIC_IDENTITY", "DUPLICATE_DOCUMENT", "SHARED_IDENTIFIER", "FRAUD_RING"}
    assert {"multi_lender_stacking", "synthetic_identity", "duplicate_document", "shared_identifier", "fraud_ring"} <= set(SEQUENCES)
    assert singles | sequences == set(ALL_CODES) - NOT_PRODUCED


def test_committed_set_is_small_and_covers_codes() -> None:
    folders = sorted(COMMITTED_DIR.glob("S-*"))
    assert folders, "run samples.generate.write_committed_set()"
    size = sum(p.stat().st_size for p in COMMITTED_DIR.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024
    expected = {code for f in folders for code in _truth(f)["expected_codes"]}
    assert expected == set(ALL_CODES) - NOT_PRODUCED
