"""Identity documents: passport data page (TD3), ID card front and back (TD1), US driver's licence (AAMVA).

A document is drawn at its physical size, either alone on a page of that size (an issuer's e-copy)
or placed on a Letter/A4 sheet (a photocopy). Cards put the back under the front on one page, as a
photocopy of both sides does. The MRZ is set in a monospace face sized so its lines span the zone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

import pdf417gen  # type: ignore[import-untyped]

from samples.identity import COUNTRY_NAMES, PASSPORT_ISSUERS, STATE_NAMES, IdentityDoc, aamva_payload
from samples.toolkit import MM, MONO_FONTS, PAGE_SIZES, PdfMeta, Sheet, Style, text_width

PASSPORT_SIZE = (125 * MM, 88 * MM)
CARD_SIZE = (85.6 * MM, 54 * MM)

LABELS: dict[str, dict[str, str]] = {
    "en_fr": {"surname": "Surname / Nom", "given": "Given names / Prénoms", "nationality": "Nationality / Nationalité",
              "dob": "Date of birth / Date de naissance", "sex": "Sex / Sexe", "pob": "Place of birth / Lieu de naissance",
              "issue": "Date of issue / Date de délivrance", "expiry": "Date of expiry / Date d'expiration",
              "authority": "Authority / Autorité", "number": "Passport No. / No du passeport", "type": "Type", "code": "Code"},
    "en_fr_es": {"surname": "Surname / Nom / Apellidos", "given": "Given Names / Prénoms / Nombres",
                 "nationality": "Nationality / Nationalité / Nacionalidad", "dob": "Date of birth / Date de naissance",
                 "sex": "Sex / Sexe / Sexo", "pob": "Place of birth / Lieu de naissance", "issue": "Date of issue / Date de délivrance",
                 "expiry": "Date of expiration / Date d'expiration", "authority": "Authority / Autorité",
                 "number": "Passport No. / No du Passeport", "type": "Type / Type", "code": "Code / Code"},
    "de_en_fr": {"surname": "Name / Surname / Nom", "given": "Vornamen / Given names / Prénoms",
                 "nationality": "Staatsangehörigkeit / Nationality", "dob": "Geburtstag / Date of birth",
                 "sex": "Geschlecht / Sex", "pob": "Geburtsort / Place of birth", "issue": "Ausstellungsdatum / Date of issue",
                 "expiry": "Gültig bis / Date of expiry", "authority": "Behörde / Authority", "number": "Pass-Nr. / Passport No.",
                 "type": "Typ / Type", "code": "Kode / Code"},
    "fr_en": {"surname": "Nom / Surname", "given": "Prénoms / Given names", "nationality": "Nationalité / Nationality",
              "dob": "Date de naissance / Date of birth", "sex": "Sexe / Sex", "pob": "Lieu de naissance / Place of birth",
              "issue": "Date de délivrance / Date of issue", "expiry": "Date d'expiration / Date of expiry",
              "authority": "Autorité / Authority", "number": "Passeport N° / Passport No.", "type": "Type", "code": "Code du pays"},
}
_FRENCH_MONTHS = ("JANV", "FÉVR", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOÛT", "SEPT", "OCT", "NOV", "DÉC")


def passport_date(day: date, language: str) -> str:
    """Visual-zone dates: German numeric, bilingual month for French-speaking issuers, else ``14 MAR 1985``."""
    if language == "de_en_fr":
        return day.strftime("%d.%m.%Y")
    if language in ("fr_en",) or (language == "en_fr" and day.day % 2):
        return f"{day:%d} {day:%b}/{_FRENCH_MONTHS[day.month - 1]} {day:%Y}".upper()
    return day.strftime("%d %b %Y").upper()


@dataclass
class Place:
    """Draws on a document whose top-left corner sits at (x, y) points on the page; units are mm."""

    sheet: Sheet
    x: float
    y: float

    def text(self, mx: float, my: float, value: str, *, size: float, bold: bool = False, name: str | None = None,
             font: str | None = None, color: tuple[float, float, float] = (0, 0, 0)) -> None:
        px, py = self.x + mx * MM, self.y + my * MM
        if name:
            self.sheet.field(name, px, py, value, size=size, bold=bold, font=font, color=color)
        else:
            self.sheet.text(px, py, value, size=size, bold=bold, font=font, color=color)

    def labelled(self, mx: float, my: float, label: str, value: str, *, name: str | None, size: float = 7.5) -> None:
        self.text(mx, my, label, size=size * 0.62, color=(0.25, 0.25, 0.35))
        self.text(mx, my + size * 0.5, value, size=size, bold=True, name=name)

    def box(self, mx: float, my: float, mw: float, mh: float, **kwargs: object) -> None:
        self.sheet.box(self.x + mx * MM, self.y + my * MM, mw * MM, mh * MM, **kwargs)  # type: ignore[arg-type]

    def guilloche(self, mw: float, mh: float, color: tuple[float, float, float], seed: int) -> None:
        """A few light interleaved waves: the security background issuers print under the data."""
        c = self.sheet.canvas
        c.setStrokeColorRGB(*color)
        c.setLineWidth(0.25)
        for k in range(6):
            path = c.beginPath()
            for i in range(61):
                mx = mw * i / 60
                my = mh * (0.15 + 0.13 * k) + 2.2 * math.sin(i / 4.0 + k + seed)
                px, py = self.x + mx * MM, self.sheet.height - (self.y + my * MM)
                path.moveTo(px, py) if i == 0 else path.lineTo(px, py)
            c.drawPath(path, stroke=1, fill=0)
        c.setStrokeColorRGB(0, 0, 0)

    def portrait(self, mx: float, my: float, mw: float, mh: float, shade: float) -> None:
        """Photo placeholder: a head and shoulders silhouette on a plain background."""
        self.box(mx, my, mw, mh, fill=(0.86, 0.88, 0.92), stroke=(0.5, 0.5, 0.5))
        c = self.sheet.canvas
        c.setFillColorRGB(shade, shade * 0.95, shade * 0.9)
        cx = self.x + (mx + mw / 2) * MM
        c.circle(cx, self.sheet.height - (self.y + (my + mh * 0.38) * MM), mw * 0.22 * MM, stroke=0, fill=1)
        c.ellipse(cx - mw * 0.42 * MM, self.sheet.height - (self.y + (my + mh) * MM), cx + mw * 0.42 * MM,
                  self.sheet.height - (self.y + (my + mh * 0.66) * MM), stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)

    def mrz(self, lines: list[str], my: float, width_mm: float, font: str) -> None:
        """MRZ lines set so that each spans ``width_mm`` (fixed pitch, as the zone requires)."""
        size = width_mm * MM / text_width("<" * len(lines[0]), font, 1.0)
        for i, line in enumerate(lines):
            self.text(3, my + i * size * 1.05 / MM, line, size=size, font=font, name="mrz")

    def signature(self, mx: float, my: float, seed: int) -> None:
        c = self.sheet.canvas
        rng = random.Random(seed)
        path = c.beginPath()
        px, py = self.x + mx * MM, self.sheet.height - (self.y + my * MM)
        path.moveTo(px, py)
        for _ in range(5):
            dx = rng.uniform(3, 7) * MM
            path.curveTo(px + dx * 0.3, py + rng.uniform(-9, 9), px + dx * 0.6, py + rng.uniform(-9, 9), px + dx, py + rng.uniform(-3, 3))
            px += dx
        c.setLineWidth(0.7)
        c.drawPath(path, stroke=1, fill=0)


@dataclass(frozen=True)
class IdLook:
    """Per-document choices: on its own page or photocopied, which face, colour, MRZ font, design."""

    photocopy: bool
    page: str
    accent: tuple[float, float, float]
    mrz_font: str
    design: int
    height_in: int
    eyes: str

    @classmethod
    def pick(cls, rng: random.Random) -> IdLook:
        return cls(photocopy=rng.random() < 0.4, page=rng.choice(("letter", "a4")),
                   accent=rng.choice(((0.55, 0.1, 0.15), (0.1, 0.25, 0.5), (0.15, 0.4, 0.3), (0.4, 0.2, 0.5))),
                   mrz_font=rng.choice(MONO_FONTS), design=rng.randrange(2), height_in=rng.randint(60, 76),
                   eyes=rng.choice(("BRO", "BLU", "GRN", "HAZ")))


def _passport(p: Place, doc: IdentityDoc, look: IdLook) -> None:
    _, language, _ = PASSPORT_ISSUERS[doc.issuing_country]
    lab = LABELS[language]
    p.box(0, 0, 125, 88, fill=(0.97, 0.96, 0.93), stroke=(0.6, 0.6, 0.6))
    p.guilloche(125, 62, tuple(0.7 + 0.3 * c for c in look.accent), len(doc.number))  # type: ignore[arg-type]
    country = {"USA": "UNITED STATES OF AMERICA", "GBR": "UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND",
               "CAN": "CANADA", "DEU": "BUNDESREPUBLIK DEUTSCHLAND", "FRA": "RÉPUBLIQUE FRANÇAISE", "UTO": "UTOPIA"}[doc.issuing_country]
    p.text(4, 6, country, size=8, bold=True, color=look.accent)
    p.text(4, 10, "PASSPORT / PASSEPORT", size=6.5, color=look.accent)
    p.portrait(4, 14, 33, 42, 0.45 + 0.1 * look.design)
    x = 42
    p.labelled(x, 14, lab["type"], "P", name=None)
    p.labelled(x + 16, 14, lab["code"], doc.issuing_country, name="issuing_country")
    p.labelled(x + 44, 14, lab["number"], doc.number, name="document_number")
    p.labelled(x, 21, lab["surname"], doc.surname, name="surname")
    p.labelled(x, 28, lab["given"], doc.given_names, name="given_names")
    p.labelled(x, 35, lab["nationality"], COUNTRY_NAMES[doc.nationality or doc.issuing_country], name=None)
    p.labelled(x, 42, lab["dob"], passport_date(doc.dob, language), name="date_of_birth")
    p.labelled(x + 50, 42, lab["sex"], doc.sex, name="sex")
    p.labelled(x, 49, lab["pob"], doc.place_of_birth, name=None)
    p.labelled(x, 56, lab["issue"], passport_date(doc.issued, language), name=None)
    p.labelled(x + 40, 56, lab["authority"], doc.authority, name=None, size=6)
    p.labelled(x, 63, lab["expiry"], passport_date(doc.expiry, language), name="expiry_date")
    p.signature(6, 64, len(doc.surname))
    assert doc.mrz
    p.mrz(doc.mrz, 76, 118, look.mrz_font)


def _id_card(p: Place, doc: IdentityDoc, look: IdLook) -> None:
    lab = LABELS["en_fr"]
    p.box(0, 0, 85.6, 54, fill=(0.95, 0.96, 0.98), stroke=(0.5, 0.5, 0.5), radius=8)
    p.guilloche(85.6, 54, tuple(0.75 + 0.25 * c for c in look.accent), len(doc.number))  # type: ignore[arg-type]
    title = {"DEU": "BUNDESREPUBLIK DEUTSCHLAND  PERSONALAUSWEIS", "FRA": "RÉPUBLIQUE FRANÇAISE  CARTE NATIONALE D'IDENTITÉ"}
    p.text(4, 5, title.get(doc.issuing_country, "UTOPIA  IDENTITY CARD / CARTE D'IDENTITÉ"), size=5.5, bold=True, color=look.accent)
    p.portrait(3, 9, 23, 30, 0.5)
    p.labelled(29, 10, "Document No.", doc.number, name="document_number", size=6.5)
    p.labelled(29, 16, lab["surname"], doc.surname, name="surname", size=6.5)
    p.labelled(29, 22, lab["given"], doc.given_names, name="given_names", size=6.5)
    p.labelled(29, 28, lab["dob"], doc.dob.strftime("%d %b %Y").upper(), name="date_of_birth", size=6.5)
    p.labelled(66, 28, lab["sex"], doc.sex, name="sex", size=6.5)
    p.labelled(29, 34, lab["nationality"], doc.nationality or "", name="nationality", size=6.5)
    p.labelled(29, 40, lab["expiry"], doc.expiry.strftime("%d %b %Y").upper(), name="expiry_date", size=6.5)
    p.text(66, 40, doc.issuing_country, size=7, bold=True, name="issuing_country")
    p.signature(4, 47, len(doc.given_names))
    back = Place(p.sheet, p.x, p.y + 60 * MM)
    back.box(0, 0, 85.6, 54, fill=(0.95, 0.96, 0.98), stroke=(0.5, 0.5, 0.5), radius=8)
    if doc.address:
        back.text(4, 5, "Address / Adresse", size=4.5)
        for i, line in enumerate(doc.address):
            back.text(4, 9 + i * 3.4, line, size=6.5, bold=True, name="address")
    back.labelled(4, 18, lab["issue"], doc.issued.strftime("%d %b %Y").upper(), name=None, size=6)
    back.labelled(46, 18, lab["authority"], doc.authority, name=None, size=6)
    assert doc.mrz
    back.mrz(doc.mrz, 38, 79, look.mrz_font)


def _license(p: Place, doc: IdentityDoc, look: IdLook) -> None:
    state = STATE_NAMES.get(doc.state, doc.state)
    p.box(0, 0, 85.6, 54, fill=(0.97, 0.95, 0.9) if look.design else (0.92, 0.95, 0.98), stroke=(0.5, 0.5, 0.5), radius=8)
    p.guilloche(85.6, 54, tuple(0.72 + 0.28 * c for c in look.accent), len(doc.number))  # type: ignore[arg-type]
    p.box(0, 0, 85.6, 8, fill=look.accent, stroke=None)
    p.text(4, 5.8, state, size=8, bold=True, color=(1, 1, 1))
    p.text(50, 5.8, "DRIVER LICENSE", size=7, bold=True, color=(1, 1, 1))
    p.text(76, 5.8, "USA", size=6.5, bold=True, color=(1, 1, 1), name="issuing_country")
    fmt = "%m/%d/%Y"
    fields: tuple[tuple[str, str, str | None, float, float], ...]
    if look.design == 0:
        p.portrait(3, 11, 22, 28, 0.45)
        p.text(28, 13, "4d DLN", size=4.5)
        p.text(36, 13, doc.number, size=7.5, bold=True, name="document_number", color=(0.6, 0.05, 0.05))
        p.text(28, 17.5, "1", size=4.5)
        p.text(31, 17.5, doc.surname, size=7.5, bold=True, name="surname")
        p.text(28, 21.5, "2", size=4.5)
        p.text(31, 21.5, doc.given_names, size=7, bold=True, name="given_names")
        p.text(28, 25.5, "8", size=4.5)
        for i, line in enumerate(doc.address or []):
            p.text(31, 25.5 + i * 3.2, line, size=6, name="address")
        fields = (("3 DOB", doc.dob.strftime(fmt), "date_of_birth", 28, 35), ("4b EXP", doc.expiry.strftime(fmt), "expiry_date", 58, 35),
                  ("4a ISS", doc.issued.strftime(fmt), None, 28, 39.5), ("15 SEX", doc.sex, "sex", 58, 39.5),
                  ("16 HGT", f"{look.height_in // 12}'-{look.height_in % 12:02d}\"", None, 28, 44), ("18 EYES", look.eyes, None, 58, 44),
                  ("9 CLASS", doc.license_class, None, 28, 48.5))
    else:
        p.portrait(60, 11, 22, 28, 0.5)
        p.text(3, 14, "DL", size=5, bold=True)
        p.text(9, 14, doc.number, size=8, bold=True, name="document_number")
        p.text(3, 19, "1 LN", size=4.5)
        p.text(11, 19, doc.surname, size=7.5, bold=True, name="surname")
        p.text(3, 23, "2 FN", size=4.5)
        p.text(11, 23, doc.given_names, size=7, bold=True, name="given_names")
        p.text(3, 27.5, "8", size=4.5)
        for i, line in enumerate(doc.address or []):
            p.text(6, 27.5 + i * 3.2, line, size=6, name="address")
        fields = (("3 DOB", doc.dob.strftime(fmt), "date_of_birth", 3, 37), ("4b EXP", doc.expiry.strftime(fmt), "expiry_date", 30, 37),
                  ("4a ISS", doc.issued.strftime(fmt), None, 3, 41.5), ("15 SEX", doc.sex, "sex", 30, 41.5),
                  ("18 EYES", look.eyes, None, 3, 46), ("9 CLASS", doc.license_class, None, 30, 46))
    for label, value, name, mx, my in fields:
        p.text(mx, my, label, size=4.5, color=(0.6, 0.05, 0.05))
        p.text(mx + len(label) * 1.05 + 1, my, value, size=6.5, bold=True, name=name)
    p.signature(4 if look.design == 0 else 58, 51, len(doc.surname))
    back = Place(p.sheet, p.x, p.y + 60 * MM)
    back.box(0, 0, 85.6, 54, fill=(0.97, 0.97, 0.97), stroke=(0.5, 0.5, 0.5), radius=8)
    codes = pdf417gen.encode(aamva_payload(doc, height_in=look.height_in, eyes=look.eyes), columns=12, security_level=3)
    image = pdf417gen.render_image(codes, scale=2, ratio=3, padding=4)
    back.sheet.image(image, back.x + 4 * MM, back.y + 10 * MM, 77.6 * MM, 77.6 * MM * image.height / image.width)
    back.text(4, 6, f"{state} DEPARTMENT OF MOTOR VEHICLES", size=5.5, bold=True)


def render_identity(doc: IdentityDoc, *, look: IdLook, style: Style, producer: str) -> tuple[bytes, Sheet]:
    """Draw ``doc``; returns the PDF and the sheet (field positions)."""
    doc_size = PASSPORT_SIZE if doc.kind == "passport" else (CARD_SIZE[0], CARD_SIZE[1] * 2 + 6 * MM)
    margin = 10 * MM
    page = PAGE_SIZES[look.page] if look.photocopy else (doc_size[0] + 2 * margin, doc_size[1] + 2 * margin)
    sheet = Sheet(Style(style.family, style.money, style.dates, page, look.accent, style.base_size),
                  PdfMeta(producer=producer, creator=producer, created=doc.issued, title=""), ())
    origin = (page[0] - doc_size[0]) / 2 if look.photocopy else margin
    draw = {"passport": _passport, "id_card": _id_card, "drivers_license": _license}[doc.kind]
    draw(Place(sheet, origin, margin * (4 if look.photocopy else 1)), doc, look)
    return sheet.finish(), sheet
