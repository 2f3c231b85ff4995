"""Perceptual hashes of the values printed on a page: a reused image links, a shared template does not.

A whole-page perceptual hash sees mostly the template (boxes, labels, logo, the shape of the table),
which every customer of one bank or employees of one employer share: two applicants' statements came
out 2 bits apart while one statement re-rendered at another dpi was up to 134 bits away. What differs
between applicants is the *values* — amounts, balances, account and ID numbers, dates, the MRZ — and
what a reused document keeps is the exact glyphs of those values. So:

1. The reading stage's words say where the values are: a word with at least ``min_digits`` digits.
   Label text, lines and logos (the template's ink) are never hashed.
2. Each value word is cut from the page image (in the frame its box was measured in), trimmed to its
   ink and blurred in proportion to its height, then scaled to a fixed 16 x 64 cell grid: the same
   glyphs at 150, 200 or 300 dpi, scanned or JPEG'd, give nearly the same grid.
3. The grid's low-frequency DCT coefficients against their median give ``HASH_BITS`` bits (the
   "glyph hash"); the digit count is kept beside them, so a 4-digit and a 9-digit value never meet.
4. A document's bands are the distinct glyph hashes of its value words: position-free, so a frame
   shifted by a scan or a crop does not matter, and a band is one exact keyed-hash look-up.

A band on its own proves nothing (one amount printed alike on two stubs); the check wants a share
of an earlier document's bands (``GraphSettings.image_*``). Near-misses are caught at look-up time:
each glyph hash also carries its least reliable bits (coefficients closest to the median), and the
check probes the hash with those bits flipped, so a scan that tipped one marginal bit still finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.models import IDENTITY_KINDS, BBox, ExtractedDocument, PageText, ReadDocument, Word

HASH_BITS = 24
"""Bits per glyph hash. Measured on stubs and statements (text layer against 150 dpi PNG, JPEG and
flatbed scans of the same page): 16 bits kept 86 % of values with probes but matched a different
value of the same digit count once in 100, so a statement's 60 amounts hit about one false band
each; 24 bits keep 71 % and match a different value about once in 700."""
_GRID = (64, 16)
"""(width, height) of the cell grid a value word is scaled to before the DCT."""
_COEFFS = (slice(0, 3), slice(1, 9))
"""DCT rows 0-2, columns 1-8: the word's coarse glyph shapes, not its overall brightness (column 0)."""
_PAD = 0.15
"""Share of the box height added around a word's box before trimming to ink: OCR boxes hug the ink,
text-layer boxes are the font's, and either may clip a descender."""
_BLUR = 0.06
"""Blur sigma as a share of the crop height: removes scan noise and JPEG blocks at every dpi alike."""
_DIGIT = re.compile(r"\d")
_WEAK_KEPT = 6
"""Weakest bits remembered per glyph hash (the probes swap pairs of them)."""
SIGNATURE_VERSION = "g2"


@dataclass(frozen=True)
class GlyphHash:
    """The glyph hash of one printed value, with the bits most likely to flip on another capture."""

    digits: int
    bits: int
    weak: tuple[int, ...] = ()
    """Bit positions whose coefficients lay closest to the median, least reliable first."""

    def band(self) -> str:
        """What is keyed and stored: digit count and bits (never the value itself)."""
        return f"{self.digits}:{self.bits:0{HASH_BITS // 4}x}"

    def probes(self, weakest: int) -> list[str]:
        """This band with one pair of its ``weakest`` bits swapped (a 1 and a 0), for each such pair.

        Exactly half the bits are set (the median splits the coefficients), so a capture that moved
        one coefficient across the median moved another the other way: a single flip is never seen.
        """
        weak = self.weak[:weakest]
        variants = [self.bits ^ (1 << a) ^ (1 << b) for i, a in enumerate(weak) for b in weak[i + 1:]
                    if (self.bits >> a & 1) != (self.bits >> b & 1)]
        return [GlyphHash(self.digits, v).band() for v in variants]


_DATE = re.compile(r"^\(?(\d{1,2}[/.-]\d{1,2}([/.-]\d{2,4})?|\d{4}-\d{2}-\d{2}|(19|20)\d\d)[,.)]?$")
"""A date or a bare year: shared by every document of one period (a statement month, a payroll run)."""


def is_value_word(text: str, min_digits: int, *, dates: bool) -> bool:
    """A printed value (amount, number, MRZ line; a date only when ``dates``) rather than template wording.

    Dates are left out of financial documents: every stub of one payroll run prints the same pay
    date and period, every statement of one month the same row dates, so they are shared between
    applicants as much as the labels are. On an identity document a date is a birth date: personal.
    """
    return len(_DIGIT.findall(text)) >= min_digits and (dates or not _DATE.match(text))


def word_crop(grey: np.ndarray, box: BBox) -> np.ndarray | None:
    """The ink of one word: its box (image pixels) padded, blurred by its height, trimmed to ink.

    Trimming to ink rather than trusting the box aligns a text-layer box (the font's ascent and
    advance) with an OCR box (the ink) of the same word, to within a pixel or two.
    """
    x0, y0, x1, y1 = box
    pad = _PAD * max(y1 - y0, 1.0)
    height, width = grey.shape[:2]
    left, top = max(0, int(x0 - pad)), max(0, int(y0 - pad))
    right, bottom = min(width, int(x1 + pad) + 1), min(height, int(y1 + pad) + 1)
    if right - left < 3 or bottom - top < 3:
        return None
    patch = grey[top:bottom, left:right].astype(np.float32)
    patch = cv2.GaussianBlur(patch, (0, 0), max(0.5, _BLUR * patch.shape[0]))
    low, high = float(patch.min()), float(patch.max())
    if high - low < 40:  # no ink to speak of: a blank or washed-out box
        return None
    ys, xs = np.nonzero(patch < (low + high) / 2)
    trimmed: np.ndarray = patch[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return trimmed if trimmed.shape[0] >= 3 and trimmed.shape[1] >= 3 else None


def glyph_hash(crop: np.ndarray, digits: int) -> GlyphHash:
    """``HASH_BITS`` bits: the word's low-frequency DCT coefficients above or below their median."""
    grid = cv2.resize(crop, _GRID, interpolation=cv2.INTER_AREA)
    grid = (grid - grid.mean()) / (grid.std() + 1e-6)
    coeffs = cv2.dct(grid)[_COEFFS].ravel()
    median = float(np.median(coeffs))
    bits = sum(1 << i for i, c in enumerate(coeffs) if c > median)
    margin = np.abs(coeffs - median)
    return GlyphHash(digits, int(bits), tuple(int(i) for i in np.argsort(margin, kind="stable")[:_WEAK_KEPT]))


def page_hashes(grey: np.ndarray, words: Iterable[Word], px_per_unit: float, min_digits: int, *,
                dates: bool = True, personal: Sequence[BBox] = ()) -> list[GlyphHash]:
    """Glyph hashes of a page's value words.

    Args:
        grey: the page image in the frame the words were measured in (for an OCR'd page, the image
            after straightening, rotation and deskew; for a text page, a render of the page).
        words: the page's words from the reading stage.
        px_per_unit: image pixels per unit of the words' boxes (e.g. 150/72 for a 150 dpi render of
            a text page measured in points).
        min_digits: digits a word needs to count as a value.
        dates: whether dates count as values (see :func:`is_value_word`).
        personal: boxes (in the words' unit) of fields read as the holder's own (name, address):
            every word inside one is hashed, digits or not.
    """
    found = []
    for word in words:
        inside = any(_centre_in(word.bbox, box) for box in personal) and len(word.text) >= 2
        if not inside and not is_value_word(word.text, min_digits, dates=dates):
            continue
        crop = word_crop(grey, tuple(v * px_per_unit for v in word.bbox))  # type: ignore[arg-type]
        if crop is not None:
            found.append(glyph_hash(crop, len(_DIGIT.findall(word.text))))
    return found


def _centre_in(box: BBox, outer: BBox) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


# --------------------------------------------------------------------------------------------------
# The signature that travels with a document (JSON-safe text) and its bands.


def signature(hashes: Iterable[GlyphHash], limit: int) -> str | None:
    """Distinct glyph hashes (first occurrence's weak bits kept), at most ``limit``, as one string.

    Which ``limit`` are kept is decided by the band text's order, not by reading order, so two
    captures of one document that read a few different words still keep mostly the same bands.
    """
    distinct: dict[str, GlyphHash] = {}
    for item in hashes:
        distinct.setdefault(item.band(), item)
    if not distinct:
        return None
    kept = [distinct[band] for band in sorted(distinct, key=_spread)[:limit]]
    body = ",".join(f"{h.band()}:{''.join(f'{b:02x}' for b in h.weak)}" for h in kept)
    return f"{SIGNATURE_VERSION};{body}"


def _spread(band: str) -> int:
    # A fixed scramble of the band text: keeps a subset spread over values, not the smallest amounts.
    return int.from_bytes(band.encode(), "big") * 0x9E3779B97F4A7C15 % (1 << 61)


def parse_signature(text: str | None) -> list[GlyphHash]:
    """The glyph hashes of a signature string; empty for None, another version or a malformed one."""
    if not text or not text.startswith(f"{SIGNATURE_VERSION};"):
        return []
    out = []
    for item in text.split(";", 1)[1].split(","):
        parts = item.split(":")
        if len(parts) != 3 or not parts[0].isdigit():
            return []
        try:
            weak = tuple(int(parts[2][i:i + 2], 16) for i in range(0, len(parts[2]), 2))
            out.append(GlyphHash(int(parts[0]), int(parts[1], 16), weak))
        except ValueError:
            return []
    return out


def matched_bands(stored: Sequence[GlyphHash], probing: Sequence[GlyphHash], weakest: int) -> int:
    """How many of ``stored``'s bands the probes of ``probing`` hit: what the check counts, in memory
    (for benchmarks and tests; the check itself does it with keyed look-ups)."""
    wanted = {p for h in probing for p in (h.band(), *h.probes(weakest))}
    return sum(1 for band in {h.band() for h in stored} if band in wanted)


# --------------------------------------------------------------------------------------------------
# Page images in the words' frame (for the document stage, where the file's bytes still are).

TEXT_PAGE_DPI = 150
"""Render dpi of a text-layer page for hashing: 14 px per line of 10 pt text is plenty for a
16 x 64 grid, at a quarter of the 300 dpi cost (a few ms a page)."""


def page_frames(data: bytes, read: ReadDocument, max_pixels: int, render_dpi: int = 300,
                ) -> list[tuple[np.ndarray, float]]:
    """Each read page as (grey image, image pixels per box unit), in the frame its words were measured in.

    A text page is rendered afresh; an OCR'd page is rebuilt the way the reader built the image it
    read (scaled for OCR, photo straightened, turned, deskewed by the angles it recorded), because
    its word boxes are only true on that image. ``render_dpi`` must be the reader's
    (``ReadingSettings.render_dpi``): the dpi it rendered image-only PDF pages at.
    """
    from extractors.imaging import decode_image_pages, estimate_text_height, ocr_scale, resize
    from extractors.ocr import OCR_DPI, rotate_by, rotate_quadrant, straighten_photo

    def ocr_frame(grey: np.ndarray, page: PageText, to_px300: float) -> tuple[np.ndarray, float]:
        scale = ocr_scale(grey, max_pixels, estimate_text_height(grey))
        image = straighten_photo(resize(grey, scale))
        if page.rotation_applied:
            image = rotate_quadrant(image, page.rotation_applied)
        if page.skew_corrected:
            image = rotate_by(image, page.skew_corrected)
        return image, scale / to_px300

    if read.media_type != "application/pdf":
        images = decode_image_pages(data, max_pages=len(read.pages), max_pixels=max_pixels)
        return [ocr_frame(image.grey, page, 1.0) for page, image in zip(read.pages, images, strict=False)]
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(data)
    try:
        frames = []
        for page in read.pages:
            dpi = TEXT_PAGE_DPI if page.source == "text" else render_dpi
            bitmap = document[page.number - 1].render(scale=dpi / 72, grayscale=True).to_numpy()
            grey = bitmap[..., 0] if bitmap.ndim == 3 else bitmap
            frames.append((grey, dpi / 72) if page.source == "text" else ocr_frame(grey, page, OCR_DPI / dpi))
        return frames
    finally:
        document.close()


PERSONAL_FIELDS = ("full_name", "surname", "given_names", "address", "employee_name", "employee_address",
                   "account_holder", "account_holder_address")
"""Fields whose every word is the holder's own: on an identity card the name and address are most of
what differs from the next holder's card."""


def document_signature(data: bytes, read: ReadDocument, doc: ExtractedDocument, *, min_digits: int, limit: int,
                       max_pixels: int = 120_000_000, render_dpi: int = 300) -> str | None:
    """The glyph-hash signature of a read and extracted document (every page), or None without values."""
    if read.status != "ok" or not read.pages:
        return None
    dates = doc.kind in IDENTITY_KINDS
    personal: dict[int, list[BBox]] = {}
    for name in PERSONAL_FIELDS:
        value = doc.fields.get(name)
        if value is not None and value.page is not None and value.bbox is not None:
            personal.setdefault(value.page, []).append(value.bbox)
    hashes = [h for page, (grey, k) in zip(read.pages, page_frames(data, read, max_pixels, render_dpi),
                                                     strict=False)
              for h in page_hashes(grey, page.words, k, min_digits, dates=dates, personal=personal.get(page.number, ()))]
    return signature(hashes, limit)
