"""ICAO 9303 machine-readable zones (TD3 passports, TD1 ID cards) with check digits computed, not faked."""

from __future__ import annotations

import unicodedata
from datetime import date

FILLER = "<"
_WEIGHTS = (7, 3, 1)


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return 0  # the filler counts as zero


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7-3-1 over character values, modulo 10."""
    return str(sum(_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text)) % 10)


def mrz_text(text: str) -> str:
    """Transliterate to the MRZ alphabet: accents dropped, apostrophes removed, separators to '<'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper().replace("'", "")
    return "".join(c if c.isalnum() else FILLER for c in plain)


def _field(text: str, length: int) -> str:
    return mrz_text(text)[:length].ljust(length, FILLER)


def _name_field(surname: str, given_names: str, length: int) -> str:
    return _field(f"{mrz_text(surname)}<<{mrz_text(given_names)}", length)


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def td3(*, doc_type: str, country: str, surname: str, given_names: str, number: str, nationality: str,
        dob: date, sex: str, expiry: date, personal: str = "") -> list[str]:
    """The two 44-character lines of a passport data page."""
    line1 = _field(doc_type, 2) + country + _name_field(surname, given_names, 39)
    num, birth, exp, opt = _field(number, 9), _yymmdd(dob), _yymmdd(expiry), _field(personal, 14)
    opt_check = check_digit(opt)
    body = num + check_digit(num) + nationality + birth + check_digit(birth) + sex + exp + check_digit(exp) + opt + opt_check
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return [line1, body + composite]


def td1(*, doc_type: str, country: str, surname: str, given_names: str, number: str, nationality: str,
        dob: date, sex: str, expiry: date, optional: str = "") -> list[str]:
    """The three 30-character lines of an ID card."""
    num = _field(number, 9)
    line1 = _field(doc_type, 2) + country + num + check_digit(num) + _field(optional, 15)
    birth, exp = _yymmdd(dob), _yymmdd(expiry)
    line2 = birth + check_digit(birth) + sex + exp + check_digit(exp) + nationality + FILLER * 11
    composite = check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2 + composite, _name_field(surname, given_names, 30)]


def corrupt_check_digit(lines: list[str], *, line: int, position: int) -> list[str]:
    """Replace the digit at ``position`` of ``lines[line]`` by a different digit (a forger's slip)."""
    text = lines[line]
    wrong = str((int(text[position]) + 3) % 10) if text[position].isdigit() else "7"
    out = list(lines)
    out[line] = text[:position] + wrong + text[position + 1:]
    return out


# Positions of the document-number check digit: TD3 line 2 index 9, TD1 line 1 index 14.
DOC_NUMBER_CHECK = {"td3": (1, 9), "td1": (0, 14)}
