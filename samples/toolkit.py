"""Drawing toolkit shared by every renderer: fonts, printed formats, and a top-left page canvas.

Renderers describe *what* goes where in points from the top-left corner (the same origin DESIGN.md
uses for bounding boxes); :class:`Sheet` turns that into reportlab calls, records where each named
field was drawn (needed to tamper with a scan later) and applies a :class:`Tamper` when a fraud
scenario asks for one. Keeping every renderer on this one surface is what lets a forged value be
drawn the same way on a pay stub, a statement or an ID.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4, LETTER  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader, TimeStamp  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
PageSize = tuple[float, float]
PAGE_SIZES: dict[str, PageSize] = {"letter": LETTER, "a4": A4}
MM = 72.0 / 25.4

# --------------------------------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True)
class FontFamily:
    """A regular/bold pair; ``ttf`` tells whether the faces must be embedded (and so be registered)."""

    regular: str
    bold: str
    ttf: bool = False


_DEJAVU_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed": "DejaVuSansCondensed.ttf",
    "DejaVuSansCondensed-Bold": "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold": "DejaVuSansMono-Bold.ttf",
}

FAMILIES: dict[str, FontFamily] = {
    "helvetica": FontFamily("Helvetica", "Helvetica-Bold"),
    "times": FontFamily("Times-Roman", "Times-Bold"),
    "courier": FontFamily("Courier", "Courier-Bold"),
    "dejavu_sans": FontFamily("DejaVuSans", "DejaVuSans-Bold", ttf=True),
    "dejavu_serif": FontFamily("DejaVuSerif", "DejaVuSerif-Bold", ttf=True),
    "dejavu_condensed": FontFamily("DejaVuSansCondensed", "DejaVuSansCondensed-Bold", ttf=True),
}
MONO_FONTS = ("DejaVuSansMono", "Courier")


@cache
def register_fonts() -> None:
    """Register the DejaVu faces once per process (reportlab subsets them per document)."""
    for name, filename in _DEJAVU_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / filename)))


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points."""
    return pdfmetrics.stringWidth(text, font, size)


# --------------------------------------------------------------------------------------------------
# Printed formats


NegativeStyle = Literal["minus", "parens", "trailing", "dr"]


@dataclass(frozen=True)
class MoneyFormat:
    """How an issuer prints amounts: currency symbol, and how a debit looks."""

    symbol: str = "$"
    negative: NegativeStyle = "minus"

    def __call__(self, amount: float, *, symbol: bool | None = None) -> str:
        """Format ``amount``; ``symbol=False`` drops the currency sign (table cells often do)."""
        sign = self.symbol if (symbol is None or symbol) else ""
        body = f"{sign}{abs(amount):,.2f}"
        if amount >= 0 or round(amount, 2) == 0:
            return body
        return {
            "minus": f"-{body}",
            "parens": f"({body})",
            "trailing": f"{body}-",
            "dr": f"{body} DR",
        }[self.negative]


# Only unambiguous orders: a day-first numeric date would read as another date to a US reader.
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%m-%d-%Y", "%d-%b-%Y")


@dataclass(frozen=True)
class DateFormat:
    pattern: str = "%m/%d/%Y"

    def __call__(self, value: date) -> str:
        text = value.strftime(self.pattern)
        return text.upper() if "%b" in self.pattern and "-" in self.pattern else text


@dataclass(frozen=True)
class Style:
    """Everything that makes one issuer's documents look like theirs."""

    family: FontFamily
    money: MoneyFormat
    dates: DateFormat
    page: PageSize
    accent: tuple[float, float, float]
    base_size: float = 9.0


ACCENTS = ((0.05, 0.20, 0.45), (0.45, 0.05, 0.10), (0.10, 0.35, 0.20), (0.20, 0.20, 0.20), (0.0, 0.35, 0.50))


def random_style(rng: random.Random, *, page: str | None = None, families: tuple[str, ...] | None = None) -> Style:
    """A random issuer look; ``page`` ("letter"/"a4") and ``families`` narrow the draw."""
    family = FAMILIES[rng.choice(families or tuple(FAMILIES))]
    return Style(
        family=family,
        money=MoneyFormat(symbol=rng.choice(("$", "$", "", "USD ")), negative=rng.choice(("minus", "parens", "trailing", "dr"))),
        dates=DateFormat(rng.choice(DATE_FORMATS)),
        page=PAGE_SIZES[page or rng.choice(("letter", "letter", "a4"))],
        accent=rng.choice(ACCENTS),
        base_size=rng.choice((8.0, 8.5, 9.0, 9.5)),
    )


# --------------------------------------------------------------------------------------------------
# Tampering hooks


TamperMode = Literal["replace", "font", "overlay", "invisible"]


@dataclass(frozen=True)
class Tamper:
    """A forger's change to one named field, applied wherever that field is drawn.

    ``old`` is replaced by ``new`` inside the drawn text, so every printed format of the field (with or
    without a currency sign, a cheque's ``**`` guard) is edited alike. Modes: ``replace`` draws the
    edited text (used to build the edited revision of a PDF); ``font`` redraws it in another font and
    size; ``overlay`` keeps the original under a white box with the edited text on top; ``invisible``
    shows the original as pixels while the text layer says the edited text.
    """

    field: str
    mode: TamperMode
    old: str
    new: str
    font: str = "Times-Roman"
    size_delta: float = 0.6

    def apply(self, text: str) -> str:
        return text.replace(self.old, self.new)


@dataclass(frozen=True)
class PdfMeta:
    """Document-info entries; the timestamp makes the file reproducible yet plausibly dated."""

    producer: str
    creator: str
    created: date
    title: str = ""


BBox = tuple[float, float, float, float]


@dataclass
class DrawnField:
    page: int
    bbox: BBox
    text: str


# --------------------------------------------------------------------------------------------------
# The canvas


@dataclass
class Sheet:
    """A reportlab canvas addressed from the top-left, recording where named fields were drawn."""

    style: Style
    meta: PdfMeta
    tampers: tuple[Tamper, ...] = ()
    fields: dict[str, list[DrawnField]] = field(default_factory=dict)
    page_number: int = 1

    def __post_init__(self) -> None:
        register_fonts()
        self._buffer = io.BytesIO()
        self.canvas = Canvas(self._buffer, pagesize=self.style.page, invariant=1, pageCompression=1)
        self._stamp(self.meta)
        self.width, self.height = self.style.page

    def _stamp(self, meta: PdfMeta) -> None:
        stamp = TimeStamp(invariant=1)
        stamp.YMDhms = (meta.created.year, meta.created.month, meta.created.day, 9, 30, 0)
        self.canvas._doc._timeStamp = stamp  # reportlab reads creation/mod dates from here
        self.canvas.setProducer(meta.producer)
        self.canvas.setCreator(meta.creator)
        self.canvas.setTitle(meta.title)

    # -- primitives -------------------------------------------------------------------------------

    def font(self, bold: bool = False) -> str:
        return self.style.family.bold if bold else self.style.family.regular

    def text(
        self,
        x: float,
        y: float,
        value: str,
        *,
        size: float | None = None,
        bold: bool = False,
        font: str | None = None,
        align: Literal["left", "right", "center"] = "left",
        color: tuple[float, float, float] = (0, 0, 0),
    ) -> BBox:
        """Draw ``value`` with its baseline at ``y`` points from the top; returns its box."""
        size = size or self.style.base_size
        face = font or self.font(bold)
        width = text_width(value, face, size)
        left = {"left": x, "right": x - width, "center": x - width / 2}[align]
        self.canvas.setFillColorRGB(*color)
        self.canvas.setFont(face, size)
        self.canvas.drawString(left, self.height - y, value)
        self.canvas.setFillColorRGB(0, 0, 0)
        return (left, y - size * 0.78, left + width, y + size * 0.22)

    def field(self, name: str, x: float, y: float, value: str, **kwargs: object) -> BBox:
        """Draw the value of a named document field, applying a tamper aimed at it."""
        tamper = next((t for t in self.tampers if t.field == name), None)
        shown = value
        if tamper is None:
            box = self.text(x, y, value, **kwargs)  # type: ignore[arg-type]
        elif tamper.mode == "replace":
            shown = tamper.apply(value)
            box = self.text(x, y, shown, **kwargs)  # type: ignore[arg-type]
        elif tamper.mode == "font":
            shown = tamper.apply(value)
            size = float(kwargs.pop("size", None) or self.style.base_size) + tamper.size_delta  # type: ignore[arg-type]
            kwargs.pop("bold", None)
            box = self.text(x, y, shown, size=size, font=tamper.font, **kwargs)  # type: ignore[arg-type]
        elif tamper.mode == "overlay":
            shown = tamper.apply(value)
            original = self.text(x, y, value, **kwargs)  # type: ignore[arg-type]
            self.box(original[0] - 1.5, original[1] - 1, original[2] - original[0] + 3, original[3] - original[1] + 2, fill=(1, 1, 1), stroke=None)
            box = self.text(x, y, shown, **kwargs)  # type: ignore[arg-type]
        else:
            box = self._pixels_with_hidden_text(x, y, value, tamper.apply(value), **kwargs)  # type: ignore[arg-type]
        self.fields.setdefault(name, []).append(DrawnField(self.page_number, box, shown))
        return box

    def _pixels_with_hidden_text(
        self, x: float, y: float, visible: str, hidden: str, *, size: float | None = None, bold: bool = False,
        align: Literal["left", "right", "center"] = "left", **_: object,
    ) -> BBox:
        """Paint ``visible`` as an image and put ``hidden`` in the text layer in render mode 3."""
        size = size or self.style.base_size
        face = self.font(bold)
        width = text_width(visible, face, size)
        left = {"left": x, "right": x - width, "center": x - width / 2}[align]
        scale = 8  # px per point: crisp at any scan resolution
        ttf = ImageFont.truetype(str(DEJAVU_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), int(size * scale))
        pixel_width = int(ttf.getlength(visible)) + 4
        image = Image.new("L", (pixel_width, int(size * scale * 1.3)), 255)
        ImageDraw.Draw(image).text((0, 0), visible, font=ttf, fill=0)
        drawn_width = pixel_width / scale
        top = y - size * 0.95
        self.canvas.drawImage(ImageReader(image), left, self.height - top - image.height / scale, drawn_width, image.height / scale)
        # Render mode is graphics state that outlives BT/ET, and reportlab's next text object assumes
        # mode 0 without saying so: keep mode 3 inside q/Q or the rest of the page turns invisible too.
        self.canvas.saveState()
        hidden_text = self.canvas.beginText(left, self.height - y)
        hidden_text.setTextRenderMode(3)
        hidden_text.setFont(face, size)
        hidden_text.textOut(hidden)
        self.canvas.drawText(hidden_text)
        self.canvas.restoreState()
        return (left, y - size * 0.78, left + max(width, drawn_width), y + size * 0.22)

    def box(
        self, x: float, y: float, w: float, h: float, *, fill: tuple[float, float, float] | None = None,
        stroke: tuple[float, float, float] | None = (0, 0, 0), line: float = 0.6, radius: float = 0,
    ) -> None:
        """Rectangle with top-left corner at (x, y)."""
        c = self.canvas
        if fill:
            c.setFillColorRGB(*fill)
        if stroke:
            c.setStrokeColorRGB(*stroke)
            c.setLineWidth(line)
        args = (x, self.height - y - h, w, h)
        if radius:
            c.roundRect(*args, radius, stroke=int(bool(stroke)), fill=int(bool(fill)))
        else:
            c.rect(*args, stroke=int(bool(stroke)), fill=int(bool(fill)))
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)

    def line(self, x0: float, y0: float, x1: float, y1: float, *, width: float = 0.6, dash: tuple[float, ...] = (),
             color: tuple[float, float, float] = (0, 0, 0)) -> None:
        c = self.canvas
        c.setStrokeColorRGB(*color)
        c.setLineWidth(width)
        c.setDash(*dash) if dash else c.setDash()
        c.line(x0, self.height - y0, x1, self.height - y1)
        c.setDash()
        c.setStrokeColorRGB(0, 0, 0)

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        self.canvas.drawImage(ImageReader(img), x, self.height - y - h, w, h)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.page_number += 1

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self._buffer.getvalue()

    # -- composites -------------------------------------------------------------------------------

    def label_value(
        self, x: float, y: float, label: str, name: str | None, value: str, *, above: bool = False,
        gap: float = 70, size: float | None = None, bold_value: bool = False,
    ) -> BBox:
        """A label with its value beside it (``gap`` points right, past the label) or on the line below."""
        size = size or self.style.base_size
        if above:
            self.text(x, y, label, size=size * 0.85, color=(0.35, 0.35, 0.35))
            vx, vy = x, y + size * 1.35
        else:
            label_box = self.text(x, y, label, size=size, bold=True)
            # A long label pushes its value right, as any layout engine would: print never overlaps.
            vx, vy = max(x + gap, label_box[2] + size * 0.8), y
        if name:
            return self.field(name, vx, vy, value, size=size, bold=bold_value)
        return self.text(vx, vy, value, size=size, bold=bold_value)

    def lines(self, x: float, y: float, texts: list[str], *, name: str | None = None, size: float | None = None,
              bold_first: bool = False, leading: float = 1.25) -> float:
        """Stacked lines (an address block); ``name`` records them as one field. Returns next y."""
        size = size or self.style.base_size
        for i, value in enumerate(texts):
            kwargs = {"size": size, "bold": bold_first and i == 0}
            if name:
                self.field(name, x, y, value, **kwargs)
            else:
                self.text(x, y, value, **kwargs)  # type: ignore[arg-type]
            y += size * leading
        return y


@dataclass(frozen=True)
class Column:
    """A table column: header, left edge, width, alignment, and the field name its cells carry."""

    header: str
    x: float
    width: float
    align: Literal["left", "right"] = "left"

    @property
    def anchor(self) -> float:
        return self.x + self.width - 3 if self.align == "right" else self.x + 3


def draw_table_header(sheet: Sheet, columns: list[Column], y: float, *, shade: bool = True, size: float | None = None) -> float:
    """Column headings on a shaded (or ruled) band; returns the baseline for the first row."""
    size = size or sheet.style.base_size
    left, right = columns[0].x, columns[-1].x + columns[-1].width
    band = size * 1.7
    if shade:
        sheet.box(left, y, right - left, band, fill=tuple(0.75 + 0.25 * c for c in sheet.style.accent), stroke=None)  # type: ignore[arg-type]
    else:
        sheet.line(left, y + band, right, y + band, width=0.8)
    for col in columns:
        # A heading wider than its column is set smaller to fit, as payroll software does: printed at
        # full size, a right-aligned heading runs into its left neighbour ("Total GrossTotal Taxes").
        room = text_width(col.header, sheet.font(True), size) if col.header else 0.0
        fitted = size * min(1.0, (col.width - 6) / room) if room else size
        sheet.text(col.anchor, y + band * 0.68, col.header, size=max(fitted, 0.7 * size), bold=True, align=col.align)
    return y + band + size * 1.2


def draw_row(sheet: Sheet, columns: list[Column], y: float, cells: list[str], *, names: Sequence[str | None] | None = None,
             size: float | None = None, bold: bool = False) -> None:
    """One table row; ``names`` marks cells that are named fields (tamperable, recorded)."""
    for i, (col, cell) in enumerate(zip(columns, cells, strict=True)):
        if not cell:
            continue
        clipped = clip(cell, sheet.font(bold), size or sheet.style.base_size, col.width - 6)
        name = names[i] if names else None
        if name:
            sheet.field(name, col.anchor, y, clipped, size=size, bold=bold, align=col.align)
        else:
            sheet.text(col.anchor, y, clipped, size=size, bold=bold, align=col.align)


def clip(text: str, font: str, size: float, width: float) -> str:
    """Cut ``text`` so it fits ``width`` points (descriptions on statements are truncated like this)."""
    while text and text_width(text, font, size) > width:
        text = text[:-1]
    return text.rstrip()


# --------------------------------------------------------------------------------------------------
# Words for amounts (cheques)

_ONES = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
         "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen")
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def _words_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_ONES[hundreds]} Hundred"] if hundreds else []
    if rest >= 20:
        parts.append(_TENS[rest // 10] + (f"-{_ONES[rest % 10]}" if rest % 10 else ""))
    elif rest:
        parts.append(_ONES[rest])
    return " ".join(parts)


def amount_in_words(amount: float) -> str:
    """``1234.5`` -> ``One Thousand Two Hundred Thirty-Four and 50/100 Dollars``."""
    dollars = int(amount)
    cents = round((amount - dollars) * 100)
    thousands, rest = divmod(dollars, 1000)
    parts = []
    if thousands:
        parts.append(f"{_words_below_thousand(thousands)} Thousand")
    if rest or not parts:
        parts.append(_words_below_thousand(rest) or "Zero")
    return f"{' '.join(parts)} and {cents:02d}/100 Dollars"
