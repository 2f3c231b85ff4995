"""Documents of no supported kind (utility bills, letters): a bundle must say "unclassified", not guess."""

from __future__ import annotations

import random
from datetime import date, timedelta

from samples.people import Person
from samples.toolkit import Column, PdfMeta, Sheet, Style, draw_row, draw_table_header

UTILITIES = ("Northern Lights Electric Co.", "Metro Water & Sewer Authority", "Valley Gas Service", "Citywide Broadband")


def render_utility_bill(person: Person, style: Style, rng: random.Random, bill_date: date) -> bytes:
    """A utility bill: account, service address, usage and amount due (no pay or bank fields)."""
    company = rng.choice(UTILITIES)
    sheet = Sheet(style, PdfMeta(producer="Billing Suite 9", creator="Billing Suite 9", created=bill_date, title="Bill"))
    size, m = style.base_size, 44.0
    sheet.text(m, 52, company, size=size + 6, bold=True, color=style.accent)
    sheet.text(sheet.width - m, 52, "Your Monthly Bill", size=size + 3, bold=True, align="right")
    y = sheet.lines(m, 90, [person.name("plain", upper=True), *person.address.lines(upper=True)], size=size)
    sheet.label_value(sheet.width - 250, 90, "Account number", None, f"{rng.randint(10**9, 10**10 - 1)}", gap=110)
    sheet.label_value(sheet.width - 250, 90 + size * 1.5, "Bill date", None, style.dates(bill_date), gap=110)
    sheet.label_value(sheet.width - 250, 90 + size * 3, "Due date", None, style.dates(bill_date + timedelta(days=21)), gap=110)
    y += 20
    cols = [Column("Service", m, 220), Column("Usage", m + 220, 120, "right"), Column("Charge", m + 340, 120, "right")]
    y = draw_table_header(sheet, cols, y)
    total = 0.0
    for service, unit in (("Energy charge", "kWh"), ("Delivery charge", "kWh"), ("Customer charge", ""), ("Taxes and fees", "")):
        charge = round(rng.uniform(8, 90), 2)
        total += charge
        draw_row(sheet, cols, y, [service, f"{rng.randint(200, 1200)} {unit}" if unit else "", style.money(charge)])
        y += size * 1.5
    sheet.box(m, y + 10, 460, size * 3, stroke=style.accent)
    sheet.text(m + 10, y + 10 + size * 2, "Amount due", size=size + 2, bold=True)
    sheet.text(m + 450, y + 10 + size * 2, style.money(round(total, 2)), size=size + 2, bold=True, align="right")
    return sheet.finish()


def render_letter(person: Person, style: Style, rng: random.Random, letter_date: date) -> bytes:
    """A plain letter from a landlord or school: prose, no fields of any supported kind."""
    sender = rng.choice(("Oakridge Property Management", "Lincoln Elementary School PTA", "Riverside Dental Care"))
    sheet = Sheet(style, PdfMeta(producer="Microsoft Word", creator="Microsoft Word", created=letter_date, title="Letter"))
    size, m = style.base_size + 1.5, 64.0
    sheet.text(m, 70, sender, size=size + 3, bold=True)
    y = sheet.lines(m, 120, [style.dates(letter_date), "", person.name("full"), *person.address.lines()], size=size)
    body = (f"Dear {person.name('plain')},", "", "Thank you for being part of our community this year. This letter confirms",
            "that we have received your note and updated our records accordingly. Please keep",
            "this letter for your files; no action is needed on your part.", "", "Kind regards,", "", sender)
    sheet.lines(m, y + 20, list(body), size=size, leading=1.5)
    return sheet.finish()
