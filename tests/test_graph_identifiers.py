"""Identifier normalisation and keyed hashing: one key per real-world value, none for placeholders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from graph.identifiers import (
    normalize_account,
    normalize_address,
    normalize_email,
    normalize_id_number,
    normalize_phone,
    person_keys,
)
from graph.keys import SECRET_ENV, keyed_hash, load_secret


@pytest.mark.parametrize(("text", "expected"), [
    ("(251) 414-6940", "+12514146940"),
    ("251.414.6940", "+12514146940"),
    ("+1 251 414 6940", "+12514146940"),
    ("1-251-414-6940", "+12514146940"),
    ("+44 20 7946 0958", "+442079460958"),
    ("000-000-0000", None),
    ("(123) 456-7890", None),
    ("555-555-5555", None),
    ("12", None),
    ("n/a", None),
    ("", None),
])
def test_phone(text: str, expected: str | None) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("J.Doe+loans@Gmail.com", "jdoe@gmail.com"),
    ("j.doe@googlemail.com", "jdoe@gmail.com"),
    ("jane+x@outlook.com", "jane@outlook.com"),
    ("jane.doe@outlook.com", "jane.doe@outlook.com"),
    ("a.b+x@yahoo.com", "a.b+x@yahoo.com"),
    ("noemail@none.com", None),
    ("none@gmail.com", None),
    ("someone@example.com", None),
    ("not an email", None),
])
def test_email(text: str, expected: str | None) -> None:
    assert normalize_email(text) == expected


@pytest.mark.parametrize(("left", "right"), [
    ("476 West Cook Place Apt 34A, Beckborough, VT 59991", "476 W Cook Pl Apartment 34A, Beckborough, VT 59991"),
    ("12 Maple Street, Springfield, IL 62701", "12 MAPLE ST, SPRINGFIELD IL 62701-1234"),
    ("9 North Oak Avenue #3, Town, CA 90001", "9 N Oak Ave Unit 3, Town, CA 90001"),
])
def test_address_abbreviations_share_one_key(left: str, right: str) -> None:
    assert normalize_address(left) == normalize_address(right) is not None


@pytest.mark.parametrize("text", ["UNKNOWN", "N/A", "Main Street, Springfield", ""])
def test_address_placeholders_and_vague_addresses_are_not_identifiers(text: str) -> None:
    assert normalize_address(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("7510935398", "7510935398"),
    ("7510-9353-98", "7510935398"),
    ("****9737", None),
    ("XXXXXX9737", None),
    ("1234", None),
    ("0000000000", None),
])
def test_account(text: str, expected: str | None) -> None:
    assert normalize_account(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("U935-058-79-025-4", "U935058790254"),
    ("zl 317156", "ZL317156"),
    ("000000000", None),
    ("A1", None),
])
def test_id_number(text: str, expected: str | None) -> None:
    assert normalize_id_number(text) == expected


@pytest.mark.parametrize(("left", "right", "same"), [
    (("Bill Perkins", "1993-04-25"), ("WILLIAM PERKINS", "1993-04-25"), True),
    (("Karen T. Deleon", "1966-11-01"), ("KAREN TONYA DELEON", "1966-11-01"), True),
    (("PERKINS, WILLIAM", "1993-04-25"), ("Bill Perkins", "1993-04-25"), True),
    (("Bill Perkins", "1993-04-25"), ("Bill Perkins", "1993-04-26"), False),
    (("Bill Perkins", "1993-04-25"), ("Anna Perkins", "1993-04-25"), False),
])
def test_person_keys(left: tuple[str, str], right: tuple[str, str], same: bool) -> None:
    assert bool(set(person_keys(*left)) & set(person_keys(*right))) is same


def test_person_needs_a_birth_date() -> None:
    assert person_keys("Bill Perkins", None) == ()


def test_keyed_hash_depends_on_key_and_kind() -> None:
    value = "+12514146940"
    assert keyed_hash(b"k1", "phone", value) == keyed_hash(b"k1", "phone", value)
    assert keyed_hash(b"k1", "phone", value) != keyed_hash(b"k2", "phone", value)
    assert keyed_hash(b"k1", "phone", value) != keyed_hash(b"k1", "account", value)
    assert 0 <= keyed_hash(b"k1", "phone", value) < 2**63


def test_secret_file_is_created_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "conf" / "secret.key"
    first = load_secret(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(path) == first and len(first) >= 32


def test_secret_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert load_secret(tmp_path / "absent.key") == b"from-env"
    assert not (tmp_path / "absent.key").exists()
