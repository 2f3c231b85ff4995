"""Rules on one identity document: validity date, MRZ check digits, printed zone against the MRZ."""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from extractors.mrz import FORMATS, check_digit, parse_mrz
from extractors.normalize import letters_lost, one_glyph_misread
from pipeline.models import IDENTITY_KINDS, ExtractedDocument, Finding, Severity
from rules.common import cite, field_confidence, field_date, field_text
from rules.engine import NotRun, Rule, RuleContext
from rules.matching import DATES, NAME_PARTS, Level, Outcome, clean_id, identifiers, ocr_canonical


class DocumentExpired(Rule):
    """An identity document had expired on the submission date. An expired ID does not establish
    identity for KYC, and stolen or discarded expired IDs are a common base for impersonation."""

    id = "identity_expired"
    code = "DOC_EXPIRED"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        dated = [(doc, expiry) for doc in ctx.of_kind(*IDENTITY_KINDS)
                 if (expiry := field_date(doc, "expiry_date")) is not None]
        if not dated:
            return NotRun("no identity document with a readable expiry date")
        # Valid through its expiry date: only a date strictly before submission is expired.
        return [
            self.finding(f"{doc.file} expired on {expiry.isoformat()}, {(ctx.as_of - expiry).days} days before "
                         f"submission ({ctx.as_of.isoformat()})",
                         (cite(doc, "expiry_date"),), expiry_date=expiry.isoformat(), as_of=ctx.as_of.isoformat())
            for doc, expiry in dated if expiry < ctx.as_of
        ]


def parse_mrz_checks(text: str) -> dict[str, bool]:
    """``"document_number:ok,expiry_date:bad"`` -> ``{"document_number": True, "expiry_date": False}``."""
    checks = {}
    for item in text.split(","):
        name, sep, status = item.strip().partition(":")
        if sep and name:
            checks[name.strip()] = status.strip().lower() == "ok"
    return checks


def _mrz_flag(doc: ExtractedDocument) -> bool | None:
    value = doc.value("mrz_valid")
    if isinstance(value, str):
        return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(value.lower())
    return None if value is None else bool(value)


class MrzChecksumInvalid(Rule):
    """A check digit of the machine-readable zone does not verify. Genuine documents are printed
    with correct check digits; a failing one means a field was altered (a changed birth date or
    expiry) or the zone was typed up by hand for a counterfeit. An OCR'd zone that verifies once the
    printed document number stands in for the one read, or the printed dates of birth and expiry
    for zone dates one look-alike digit off them (besides digits the reader read as letters and
    guessed), was misread, not altered: low."""

    id = "identity_mrz_checksum"
    code = "ID_CHECKSUM_INVALID"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        graded = [doc for doc in ctx.of_kind(*IDENTITY_KINDS)
                  if field_text(doc, "mrz_checks") or _mrz_flag(doc) is not None]
        if not graded:
            return NotRun("no identity document with a machine-readable zone")
        return [f for doc in graded if (f := self._check(doc)) is not None]

    def _check(self, doc: ExtractedDocument) -> Finding | None:
        checks = parse_mrz_checks(field_text(doc, "mrz_checks") or "")
        failed = [name for name, ok in checks.items() if not ok]
        evidence = (cite(doc, "mrz"), cite(doc, "mrz_checks"))
        if failed and set(failed) <= {"document_number", "composite"} and number_verified_by_print(doc):
            # OCR misread the zone's number ("14P722144" for 14PJ22144): the printed number, put in its
            # place, makes every check digit agree. An altered zone does not verify with any number.
            return self.finding(
                f"{doc.file}: MRZ check digit fails for {', '.join(failed)} as read, but verifies with the "
                "printed document number in place (a misread zone)",
                (*evidence, cite(doc, "viz_document_number", note="printed zone")),
                severity=Severity.LOW, failed=failed, misread="document_number")
        if failed and (dates := dates_verified_by_print(doc, failed)):
            # OCR read a digit of a zone date as its look-alike ("910429" for 970429), or as a letter
            # it then guessed: the printed dates in their place make every check digit agree.
            return self.finding(
                f"{doc.file}: MRZ check digit fails for {', '.join(failed)} as read, but verifies with the "
                f"printed {' and '.join(d.replace('_', ' ') for d in dates)} in place (a misread zone)",
                (*evidence, *(cite(doc, f"viz_{d}", note="printed zone") for d in dates)),
                severity=Severity.LOW, failed=failed, misread=",".join(dates))
        if failed:
            return self.finding(f"{doc.file}: MRZ check digit fails for {', '.join(failed)}", evidence, failed=failed)
        if not checks and _mrz_flag(doc) is False:
            return self.finding(f"{doc.file}: MRZ check digits do not verify", evidence, failed=["unknown"])
        return None


def number_verified_by_print(doc: ExtractedDocument) -> str | None:
    """The document number that makes an OCR'd zone verify once the printed (also OCR'd) reading
    stands in for the zone's where the two disagree character for character, or None.

    Each reading can lose a glyph the other kept ('C73321812' in the zone, '73321872' printed): the
    printed characters replace the zone's only where both have one, so a character one reading
    dropped is taken from the other. Text layers are not repaired."""
    zone = doc.value("mrz")
    if doc.source == "text" or not isinstance(zone, list):
        return None
    lines = [str(line) for line in zone]
    as_read = parse_mrz(lines, ocr=False)
    if as_read is None or as_read.valid:
        return None
    field = next(f for f in next(f for f in FORMATS if f.name == as_read.format).fields if f.name == "document_number")
    for candidate in _printed_numbers(doc, as_read.values.get("document_number", "")):
        row = lines[field.line]
        trial = list(lines)
        trial[field.line] = row[: field.start] + candidate + row[field.end :]
        reparsed = parse_mrz(trial, ocr=False)
        if reparsed is not None and reparsed.valid:
            return candidate.rstrip("<")
    return None


def zone_number(doc: ExtractedDocument) -> str | None:
    """The document number as the zone itself carries it, whether or not its check digits verify."""
    zone = doc.value("mrz")
    if not isinstance(zone, list):
        return None
    parsed = parse_mrz([str(line) for line in zone], ocr=False)
    return (parsed.document_number or None) if parsed is not None else None


_DIGIT_LOOKALIKES = frozenset(map(frozenset, ("17", "38", "08", "56", "68", "69", "89", "35")))
"""Digit pairs OCR confuses in OCR-B (a 7 read as 1, a 3 as 8)."""


_ZONE_DATES = ("date_of_birth", "expiry_date")
_GUESSED_DIGIT = re.compile(r"(date_of_birth|expiry_date)\[(\d)\] [A-Z]->\d")
"""A reader's repair of a zone date: a letter read where a digit is printed, replaced by its look-alike."""


def dates_verified_by_print(doc: ExtractedDocument, failed: list[str]) -> list[str]:
    """The zone dates OCR misread, or []: the printed dates put in their place make every check
    digit agree, and each differs from the zone's reading in at most one look-alike digit
    ("910429" for 970429) besides the digits the reader itself had read as letters and guessed
    ("SS1115" guessed 551115 for 931115). The failed checks must be those dates' and the composite, and
    the document number's when the printed number, put in its place as well, makes the zone verify.

    Text layers are not repaired: a typed zone says what it says."""
    zone = doc.value("mrz")
    if doc.source == "text" or not isinstance(zone, list):
        return []
    lines = [str(line) for line in zone]
    as_read = parse_mrz(lines, ocr=False)
    if as_read is None:
        return []
    guessed = {(m[1], int(m[2])) for m in _GUESSED_DIGIT.finditer(field_text(doc, "mrz_repairs") or "")}
    layout = next(f for f in FORMATS if f.name == as_read.format)
    trial, replaced = list(lines), []
    for name in _ZONE_DATES:
        printed, machine = field_date(doc, f"viz_{name}"), as_read.values.get(name, "")
        if printed is None or len(machine) != 6 or (candidate := printed.strftime("%y%m%d")) == machine:
            continue
        apart = [(a, b) for at, (a, b) in enumerate(zip(machine, candidate, strict=True))
                 if a != b and (name, at) not in guessed]
        if len(apart) > 1 or (apart and frozenset(apart[0]) not in _DIGIT_LOOKALIKES):
            return []
        field = next(f for f in layout.fields if f.name == name)
        line = trial[field.line]
        trial[field.line] = line[: field.start] + candidate + line[field.end :]
        replaced.append(name)
    if not replaced:
        return []
    # The number may have been misread beside the dates: the printed one is tried in its place too.
    numbers: list[str | None] = [None]
    if "document_number" in failed:
        numbers = _printed_numbers(doc, as_read.values.get("document_number", ""))
    if not set(failed) <= {*replaced, "composite", *(["document_number"] if numbers != [None] else [])}:
        return []
    number_field = next(f for f in layout.fields if f.name == "document_number")
    for number in numbers:
        lines_tried = list(trial)
        if number is not None:
            row = lines_tried[number_field.line]
            lines_tried[number_field.line] = row[: number_field.start] + number + row[number_field.end :]
        reparsed = parse_mrz(lines_tried, ocr=False)
        if reparsed is not None and reparsed.valid:
            return [*(["document_number"] if number is not None else []), *replaced]
    return []


def _printed_numbers(doc: ExtractedDocument, field: str) -> list[str | None]:
    """The printed document number, and the zone's with the printed characters where both read one,
    as long as the zone's reading and padded to its field (``field``, fillers included); [] when the
    print has none. A candidate of another length would be a fresh guess, not a reading, and guesses
    pass two check digits one time in a hundred."""
    printed = clean_id(field_text(doc, "viz_document_number") or "")
    machine = field.replace("<", "")
    if not printed or not machine:
        return []
    return [c.ljust(len(field), "<") for c in dict.fromkeys((printed, _replaced_where_both_read(machine, printed)))
            if len(c) == len(machine) and c != machine]


def _replaced_where_both_read(machine: str, printed: str) -> str:
    out = list(machine)
    for op, m0, m1, p0, p1 in Levenshtein.opcodes(machine, printed):
        if op == "replace" and m1 - m0 == p1 - p0:
            out[m0:m1] = printed[p0:p1]
    return "".join(out)


# (printed-zone field, MRZ field, kind of comparison)
_VIZ_PAIRS = (
    ("viz_surname", "surname", "name"),
    ("viz_given_names", "given_names", "name"),
    ("viz_date_of_birth", "date_of_birth", "date"),
    ("viz_expiry_date", "expiry_date", "date"),
    ("viz_document_number", "document_number", "number"),
)


_OTHER_NAME_PART = {"surname": "given_names", "given_names": "surname"}
_OTHER_DATES = {"date_of_birth": ("issue_date", "expiry_date"), "expiry_date": ("issue_date", "date_of_birth")}


class MrzVisualMismatch(Rule):
    """The printed (visual) zone of a passport or ID card says something its MRZ does not. Forgers
    edit the printed birth date, name or number and leave the MRZ (or vice versa); a genuine
    document prints the same values twice. Dates must agree exactly; a number may differ by one
    look-alike character only when OCR was unsure, and any one character of a number, or one digit
    of a date, is low severity when OCR doubted the printed reading, as is any difference from a
    photographed zone whose number verified only after a look-alike repair, or where the applicant
    declared the verified zone's birth date or number and only the OCR'd print differs; names are compared as
    the MRZ writes them, unless OCR itself doubted the printed name (``ocr_doubted_confidence``) or read it in lower case where the document prints
    its other name part in capitals (a scrap of background), or the zone's OCR lost a letter or two
    of it, or read one letter of a long name as another or a filler as a letter."""

    id = "identity_mrz_visual"
    code = "ID_MRZ_MISMATCH"
    severity = Severity.HIGH

    def evaluate(self, ctx: RuleContext) -> list[Finding] | NotRun:
        docs = [doc for doc in ctx.of_kind(*IDENTITY_KINDS)
                if any(doc.value(viz) is not None and doc.value(mrz) is not None for viz, mrz, _ in _VIZ_PAIRS)]
        if not docs:
            return NotRun("no identity document with both a printed zone and an MRZ read")
        findings = []
        for doc in docs:
            for viz, mrz, kind in _VIZ_PAIRS:
                outcome = self._compare(doc, viz, mrz, kind, ctx)
                if outcome is not None and outcome.differs:
                    findings.append(self.finding(
                        f"{doc.file}: printed {mrz.replace('_', ' ')} disagrees with the MRZ ({outcome.describe()})",
                        (cite(doc, viz, note="printed zone"), cite(doc, mrz, note="MRZ")),
                        severity=Severity.LOW if outcome.level in _LOW_LEVELS else None,
                        field=mrz, level=outcome.level.name))
        return findings

    @staticmethod
    def _compare(doc: ExtractedDocument, viz: str, mrz: str, kind: str, ctx: RuleContext) -> Outcome | None:
        left, right = field_text(doc, viz), field_text(doc, mrz)
        if kind == "name":
            # Any scrap of background OCR'd near a name label reads as some "name"; a date or a
            # number must at least parse, so only names need the reader to have been sure.
            if field_confidence(doc, viz) < ctx.thresholds.ocr_doubted_confidence:
                return None
            # "abexe" or "Norr" read under a label of a card that prints its other name part in
            # capitals: a document prints its names alike, so this is background OCR'd, not a name.
            other_printed = field_text(doc, f"viz_{_OTHER_NAME_PART[mrz]}")
            if (doc.source != "text" and left and other_printed and other_printed.isupper()
                    and any(c.islower() for c in left)):
                return None
            # The MRZ's other name part printed here ("2 MILLER" read for "1 MILLER"): the reader
            # put a printed name in the wrong slot; it names the same person, nothing was edited.
            other = field_text(doc, _OTHER_NAME_PART[mrz])
            if other is not None and NAME_PARTS.compare(left, other).matches:
                return None
            outcome = NAME_PARTS.compare(left, right)
            if (outcome.differs and doc.source != "text"
                    and _glyphs_lost(outcome.left, outcome.right, ctx.thresholds.mrz_name_lost_glyphs)):
                return Outcome(outcome.comparison, _LOST_GLYPHS, outcome.left, outcome.right)
            if (outcome.differs and doc.source != "text"
                    and one_glyph_misread(outcome.left, outcome.right, ctx.thresholds.mrz_name_misread_min_letters)):
                return Outcome(outcome.comparison, _MISREAD_LETTER, outcome.left, outcome.right)
            return outcome
        if kind == "date":
            outcome = DATES.compare(left, right)
            # The card's issue or expiry date read under the birth-date label: the reader took the
            # wrong date off the card, which prints both; an edited birth date is a new date.
            others = {field_text(doc, name) for name in _OTHER_DATES.get(mrz, ())} - {None}
            if outcome.differs and left in others:
                return None
            # One digit off where OCR doubted the printed date ("11/02/2034" at 0.84 for 2031): the
            # reader's doubt, low. A confidently read one-digit change is what an edit looks like.
            if (outcome.differs and doc.fields[viz].source == "ocr" and left and right and len(left) == len(right)
                    and field_confidence(doc, viz) < ctx.thresholds.ocr_low_confidence
                    and sum(a != b for a, b in zip(left, right, strict=True)) == 1):
                return Outcome(outcome.comparison, _DOUBTED_DIGIT, outcome.left, outcome.right)
            if outcome.differs and _declared_confirms_zone(doc, viz, mrz, ctx):
                return Outcome(outcome.comparison, _DECLARED_AS_ZONE, outcome.left, outcome.right)
            return outcome
        outcome = identifiers(ctx.thresholds.min_identifier_length_for_slip).compare(left, right)
        if outcome.differs and _check_digit_twins(clean_id(left or "") or "", clean_id(right or "") or ""):
            return Outcome(outcome.comparison, _CHECK_DIGIT_TWINS, outcome.left, outcome.right)
        printed = doc.fields.get(viz)
        printed_words = {clean_id(word) for word in str((printed.raw if printed else None) or left or "").split()}
        if outcome.differs and doc.source != "text" and outcome.right in printed_words:
            # "Meenas T88143593" at 0.04: background read into the printed number, which is there whole.
            return Outcome(outcome.comparison, _NUMBER_IN_NOISE, outcome.left, outcome.right)
        if outcome.differs and doc.source != "text" and _number_repaired(doc, right or ""):
            return Outcome(outcome.comparison, _REPAIRED_ZONE, outcome.left, outcome.right)
        confident = min(field_confidence(doc, viz), field_confidence(doc, mrz)) >= ctx.thresholds.ocr_low_confidence
        if outcome.level.name == "ocr_slip" and confident:
            # Both readings were confident: the look-alike is printed, not misread.
            return Outcome(outcome.comparison, _PRINTED_SLIP, outcome.left, outcome.right)
        if (outcome.differs and not confident and doc.fields[viz].source == "ocr"
                and len(outcome.right) >= ctx.thresholds.min_identifier_length_for_slip
                and Levenshtein.distance(outcome.left, outcome.right) == 1):
            return Outcome(outcome.comparison, _DOUBTED_DIGIT, outcome.left, outcome.right)
        if outcome.differs and _declared_confirms_zone(doc, viz, mrz, ctx):
            return Outcome(outcome.comparison, _DECLARED_AS_ZONE, outcome.left, outcome.right)
        return outcome


_DECLARED_FIELD = {"date_of_birth": "date_of_birth", "document_number": "id_number"}
"""MRZ field -> the applicant's declared field that states the same value."""


def _declared_confirms_zone(doc: ExtractedDocument, viz: str, mrz: str, ctx: RuleContext) -> bool:
    """Whether the applicant declared exactly what the zone says, the zone's check digit verifies
    that field, and the printed value was OCR'd: then the printed reading is the odd one out, a
    misread (a year read 1927 for 1990), since a forger edits the printed zone to match the story
    told on the application, not away from it."""
    declared_field = _DECLARED_FIELD.get(mrz)
    if declared_field is None or ctx.application is None or doc.fields[viz].source != "ocr":
        return False
    declared = getattr(ctx.application.applicant, declared_field)
    zone = field_text(doc, mrz)
    if declared is None or not zone or not parse_mrz_checks(field_text(doc, "mrz_checks") or "").get(mrz):
        return False
    if mrz == "document_number":
        return clean_id(str(declared)) == clean_id(zone)
    return str(declared) == zone


def _number_repaired(doc: ExtractedDocument, number: str) -> bool:
    """Whether the zone's document number is not as OCR read it: a look-alike swap was chosen
    because it satisfies the check digit, which one wrong swap in ten also does by chance."""
    field = doc.fields.get("mrz")
    if field is None or not isinstance(field.value, list) or not field.raw or not number:
        return False
    read = field.raw.split("\n")
    for line, as_read in zip((str(v) for v in field.value), read, strict=False):
        at = line.find(number)
        if at >= 0:
            return as_read[at:at + len(number)] != number
    return False


def _check_digit_twins(printed: str, machine: str) -> bool:
    """Two readings apart only in look-alike characters (0/O/Q, 1/I, 5/S...) that the MRZ's own
    check digit cannot tell apart: ``L0K57277Q`` and ``LOK57277O`` both give 1.

    The MRZ then verifies the printed reading as well as its own, so the difference is the reader's
    doubt between look-alikes, not two numbers; an edited printed number changes real digits.
    """
    return (bool(printed) and len(printed) == len(machine) and ocr_canonical(printed) == ocr_canonical(machine)
            and check_digit(printed) == check_digit(machine))


def _glyphs_lost(printed: str, machine: str, most: int) -> bool:
    """The MRZ reading is the printed name with at most ``most`` letters missing (see
    :func:`~extractors.normalize.letters_lost`), and otherwise only look-alike letters apart: OCR also
    reads a lost glyph as a filler ("SAMUEL<C<RISTQPHE" for CHRISTOPHER) or as its look-alike (Q for O).
    """
    return letters_lost(ocr_canonical(printed), ocr_canonical(machine), most)


_MISREAD_LETTER = Level("misread_letter", "one letter of a long name read as another, or a filler as a letter (OCR)",
                        agrees=True)
_NUMBER_IN_NOISE = Level("number_in_noise", "the printed reading holds the MRZ number whole, with background read "
                         "around it (OCR)", agrees=True)
_REPAIRED_ZONE = Level("repaired_zone", "different, and the zone's number verifies only after a look-alike repair "
                       "(OCR)", agrees=False)
_LOST_GLYPHS = Level("lost_glyphs", "the MRZ reading is the printed name with a letter or two lost (OCR)",
                     agrees=True)
_DOUBTED_DIGIT = Level("doubted_digit", "one character apart, and OCR doubted the printed reading",
                       agrees=False)
_DECLARED_AS_ZONE = Level("declared_as_zone", "different, but the applicant declared what the verified zone says: "
                         "a misread print (OCR)", agrees=False)
_LOW_LEVELS = frozenset({_DOUBTED_DIGIT, _REPAIRED_ZONE, _DECLARED_AS_ZONE})
"""Differences the reader, not the document, most likely made: reported, at low severity."""
_CHECK_DIGIT_TWINS = Level("check_digit_twins", "look-alike readings the MRZ check digit verifies alike", agrees=True)
_PRINTED_SLIP = Level("printed_slip", "one look-alike character apart, and both readings were confident",
                      agrees=False)
