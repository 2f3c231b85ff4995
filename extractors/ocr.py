"""OCR of one page image: clean-up that measurably helps, then Tesseract behind one interface.

Measured choices (see ../shared/DESIGN.md and ``benchmarks/reading_cost.py``):

* Tesseract runs one thread per process (``OMP_THREAD_LIMIT=1``); throughput comes from running
  pages in several processes, not from OpenMP inside one.
* The page goes to Tesseract as an encoded image on stdin (uncompressed PGM: nothing to compress,
  and leptonica parses it in microseconds), never as a numpy array through pytesseract, which
  round-trips through a PNG file and costs about 2x.
* Page segmentation mode 6 (one uniform block) first: it keeps table rows in reading order and is
  faster than the default 3. Only when that pass reads poorly do we pay for more passes: a
  sparse-text pass (psm 11, for ID-card photos where text sits in scattered fields), and when that
  does not settle it, orientation detection (OSD, for upside-down or sideways pages).
* A photo of a document lying on a desk is first straightened (``straighten_photo``: the
  document's outline against the desk, warped to a rectangle only when found with confidence);
  deskew could not see its tilt, because the desk is most of the ink, and keystoned lines defeat
  Tesseract's line finding. A scan has no desk around it and is left untouched; nor is a page
  whose "outline" has print outside it (a tinted cheque or a shaded panel on a scanned page): a
  desk carries no print, so that outline is a box printed on the document, not its edge.
* Lines Tesseract dropped or garbled on a page that otherwise read well are cut out and re-read in
  one extra call on a small stacked image (see "Re-reading ink"); pages that read fully pay a
  few ms for the check.
* Deskew is measured on a downscaled copy (projection profile) and applied only above 0.3 degrees.
  No binarisation or denoising filters: both made Tesseract worse on mild scans and cost seconds.
  A scanned page's paper is made white (``imaging.whiten_paper``, a threshold on the grey levels
  lighter than the ink, milliseconds): the recogniser reads grey, and paper grain around thin print
  garbled whole statement columns. Photographed cards are left alone.

Two backends sit behind the ``OcrEngine`` protocol: in-process tesserocr handles (the default where
they load: no process start and model load per call) and the ``tesseract`` binary.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import cv2
import numpy as np

from extractors.imaging import (
    GlyphSize,
    find_document_quad,
    measure_glyphs,
    needs_warp,
    resize,
    warp_to_rectangle,
    whiten_paper,
)
from pipeline.models import BBox, Word

log = logging.getLogger(__name__)

_PRIVATE_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
"""Memory-backed temporary files where the system has them (see ``TesseractCliEngine``)."""
OCR_DPI = 300
EngineChoice = Literal["auto", "tesserocr", "cli"]
FIRST_PSM = 6
"""One uniform block: keeps statement rows in order, 15-20% faster than psm 3."""
COMPACT_PSM = 3
"""Automatic page segmentation, for card- and passport-sized documents: their fields sit in
scattered blocks beside a photo, which one uniform block misreads (measured on generated scans:
ID-card fields 0.96 -> 0.99, MRZ 0.995 -> 1.0, one pass where psm 6 needed a sparse second one)."""
COMPACT_MAX_TEXT_HEIGHTS = 100.0
"""A document whose long side spans fewer text heights than this is card- or passport-sized.
Physical sizes, not pixels: an ID-1 card (85.6 mm) with ~2 mm type spans 40-60; a letter or A4 page
(279-297 mm) with body text spans 105-190 (measured: cards and passport pages 65-96, pages 107+)."""
SPARSE_PSM = 11
"""Sparse text: finds scattered ID-card fields that a single block misses."""
MIN_SKEW_DEG = 0.3
MAX_SKEW_DEG = 5.0
POOR_MEAN_CONFIDENCE = 0.60
"""Below this mean word confidence a first pass is suspected of reading a rotated page."""
POOR_WORD_COUNT = 8
OSD_MIN_CONFIDENCE = 1.5
"""Tesseract's orientation confidence below which its answer is a guess."""
TURN_MIN_GAIN = 1.5
"""How many times more a turned reading must read than the best so far to replace it."""
_PLAIN_WORD = re.compile(r"^[A-Za-z]{4,}[,.:;]?$")
"""A word of four or more letters and nothing else (a trailing comma or colon aside)."""
UPRIGHT_WORD_CONFIDENCE = 0.8
UPRIGHT_MIN_WORDS = 8
UPRIGHT_MIN_SHARE = 0.06
"""Confident plain words (count, and share of the words read) from which a poor pass is taken to
have read the page upright."""
OSD_HALF_SIZE_MIN_PX = 2000
"""Long side from which OSD reads a half-size copy: a letter page at 300 dpi is 3300 px, a card 1000-1300."""
PRINT_WORK_PX = 800
"""Long side of the copy on which print outside a document outline is looked for."""
PRINT_GLYPHS_OUTSIDE = 150
"""Glyph-sized dark marks outside an outline that make it a printed box, not a document's edge.
Desk photos of cards show at most ~60 (texture, shadow at the card's edge); a page of text around
a tinted cheque shows hundreds."""
REREAD_MIN_WORDS = 60
"""Confident words a page needs before unread ink on it is re-read: a page of text whose lines
Tesseract dropped, not a card whose unread ink is a photo, a seal or a barcode."""
REREAD_WORK_SCALE = 0.25
"""Unread ink is looked for on a quarter-size copy: a line (>= 0.6 text heights, ~5 px here) stays
resolvable, and the search costs ~10 ms a page instead of ~100 ms at full size."""
REREAD_MAX_REGIONS = 24
"""Most regions re-read on one page (the largest first): a bound on the extra cost. A statement page
whose balance column read doubtfully holds a dozen such amounts besides its dropped heading words;
the crops share one call, so twice as many cost a few tens of ms."""
REREAD_HEIGHT = (0.6, 2.5)
"""Height of a region of unread ink, in text heights, for it to be a line of text."""
REREAD_MIN_WIDTH = 1.5
"""Narrowest unread ink re-read, in text heights: a short amount ("3.37", ~2.5) that the first pass
garbled into low-confidence junk is exactly what a table row cannot lose; specks, rules' ends and
lone marks are narrower. All regions of a page share one extra call."""
REREAD_MIN_CONTRAST = 40
"""Grey levels unread ink must be darker than its surroundings on the quarter-size copy, where a
stroke is averaged with the paper around it (print comes out 80 or more, paper grain under 20)."""
MERGED_LINES_HEIGHT = 1.8
"""Height, in text heights, above which a word box may span two printed lines. On tightly set lines
(an address block at ~1.15 leading) the one-block pass sometimes takes two lines for one and reads
only the lower: its words come out confident but twice as tall, and the upper line is lost under
them (on card photos, the small label over each value). The box of such a word (tall, with a blank
row band across its middle: a headline amount set twice as large as the body has ink in every row)
is re-read, on any page, and the word replaced where that reads better."""
DOUBLE_READ_MAX_CONFIDENCE = 0.8
"""Of two readings of one ink, the weaker goes only when read without confidence: ghost readings come
out at 0.5-0.7 ("ployee" 0.65 in "Employee"), while a word whose box runs over its neighbour and the
neighbour itself both read at 0.95 and more."""
SPECK_HEIGHT = 0.4
"""Height, in text heights, under which a word of letters read with little confidence is a speck or
a sliver of a letter (the smallest print on a page, a 6 pt footnote under 10 pt text, is ~0.6)."""
SPECK_MAX_CONFIDENCE = 0.7
"""Confidence under which such a small word is taken for a speck (real small print reads surely)."""
RULE_MIN_LENGTH = 2.0
"""Length, in text heights, of a vertical run of ink that is a rule (a box's side), not a glyph:
the tallest glyph, with its descender, is ~1.3 text heights."""
MARK_CONTRAST = 60
"""Grey levels a mark must be darker than its surroundings to count as print."""
GLYPH_AREA_PX = (4, 150)
"""Area range of one glyph on the work copy (smaller is noise, larger is a rule or a photo)."""


class OcrError(Exception):
    """The OCR engine failed on a page (crash, timeout, missing binary)."""


@dataclass(frozen=True)
class Orientation:
    """Tesseract OSD answer: rotate the image clockwise by ``rotate`` degrees to make it upright."""

    rotate: int
    confidence: float


class OcrEngine(Protocol):
    """A Tesseract backend. Both calls take an 8-bit grey image."""

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        """Words with boxes in ``image`` pixels, confidence 0..1 and ``line_id`` set."""
        ...

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        """Orientation of the text, or None when there is too little text to tell."""
        ...

    def read_hocr(
        self, image: np.ndarray, *, psm: int, lang: str, variables: Mapping[str, str], timeout_s: float
    ) -> str:
        """Tesseract's hOCR of ``image`` with the given Tesseract variables (e.g. a character whitelist).

        No resolution is declared: Tesseract estimates it from the text, as for an image without one.
        """
        ...


_engines: dict[str, OcrEngine] = {}


def default_engine(choice: EngineChoice = "auto") -> OcrEngine:
    """The process-wide OCR backend (created on first use, so text-only runs never need Tesseract).

    ``auto`` takes the in-process tesserocr handles when they load (same engine, no process start and
    model load per call; see ``extractors.tesserocr_engine``) and the ``tesseract`` binary otherwise.
    """
    if choice not in _engines:
        from extractors import tesserocr_engine

        if choice == "tesserocr" or (choice == "auto" and tesserocr_engine.available()):
            _engines[choice] = tesserocr_engine.TesserocrEngine()
        else:
            _engines[choice] = TesseractCliEngine()
    return _engines[choice]


class TesseractCliEngine:
    """Runs the ``tesseract`` binary, one process per call, image in a private temporary file, TSV on stdout.

    The subprocess is called directly rather than through pytesseract because pytesseract can only
    pass ``OMP_THREAD_LIMIT`` by mutating this process's environment; the command line and its output
    are the same. The image goes through a file, not stdin: Tesseract reads stdin slowly (measured
    +0.3 s on a 300 dpi letter page, ~10% of its reading time). The file is an uncompressed PGM
    (cheapest to write and parse), on ``/dev/shm`` where there is one so that a page of personal data
    is never written to disk, readable by this user only and deleted at once.
    """

    def __init__(self, binary: str | None = None) -> None:
        found = binary or shutil.which("tesseract")
        if found is None:
            raise OcrError("tesseract binary not found on PATH")
        self.binary = found
        self._env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        out = self._run(image, ["--psm", str(psm), "-l", lang, "tsv"], timeout_s)
        return parse_tsv(out)

    def read_hocr(
        self, image: np.ndarray, *, psm: int, lang: str, variables: Mapping[str, str], timeout_s: float
    ) -> str:
        settings = [arg for name, value in variables.items() for arg in ("-c", f"{name}={value}")]
        return self._run(image, ["--psm", str(psm), "-l", lang, *settings, "hocr"], timeout_s, dpi=None)

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        try:
            out = self._run(image, ["--psm", "0", "-l", "osd"], timeout_s)
        except OcrError as exc:
            # Too little text makes OSD exit non-zero; that is "cannot tell", not a failure.
            log.debug("OSD gave no answer: %s", exc)
            return None
        rotate = re.search(r"^Rotate:\s*(\d+)", out, re.MULTILINE)
        conf = re.search(r"^Orientation confidence:\s*([\d.]+)", out, re.MULTILINE)
        if not rotate or not conf:
            return None
        return Orientation(int(rotate.group(1)) % 360, float(conf.group(1)))

    def _run(self, image: np.ndarray, args: list[str], timeout_s: float, *, dpi: int | None = OCR_DPI) -> str:
        with tempfile.NamedTemporaryFile(suffix=".pgm", dir=_PRIVATE_TMP) as handle:
            handle.write(encode_pgm(image))
            handle.flush()
            cmd = [self.binary, handle.name, "stdout", *(["--dpi", str(dpi)] if dpi else []), *args]
            proc = self._call(cmd, timeout_s)
        if proc.returncode != 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise OcrError(f"tesseract exited with {proc.returncode}: {tail[0]}")
        return proc.stdout.decode("utf-8", "replace")

    def _call(self, cmd: list[str], timeout_s: float) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(cmd, capture_output=True, timeout=timeout_s, env=self._env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OcrError(f"OCR timed out after {timeout_s:.0f} s") from exc
        except OSError as exc:
            raise OcrError(f"tesseract could not be started: {exc}") from exc


def encode_pgm(image: np.ndarray) -> bytes:
    """Encode an 8-bit grey image as binary PGM (no compression: cheapest to write and to parse)."""
    grey = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = grey.shape[:2]
    return f"P5\n{width} {height}\n255\n".encode() + grey.tobytes()


def parse_tsv(tsv: str) -> list[Word]:
    """Turn Tesseract TSV output into words; ``line_id`` numbers each (block, par, line) in order.

    Args:
        tsv: the text Tesseract printed for the ``tsv`` config.

    Returns:
        Words with text, pixel box, confidence in 0..1 and a per-page line id.
    """
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        key = (cols[2], cols[3], cols[4])
        line_id = line_ids.setdefault(key, len(line_ids))
        confidence = max(float(cols[10]), 0.0) / 100.0
        words.append(
            Word(
                text=text,
                bbox=(left, top, left + width, top + height),
                confidence=confidence,
                line_id=line_id,
            )
        )
    return words


# --------------------------------------------------------------------------------------------------
# Clean-up.


def measure_skew(grey: np.ndarray, max_angle: float = MAX_SKEW_DEG) -> float:
    """Measure how far text lines are tilted, by maximising the sharpness of the row profile.

    Runs on a copy about 1000 px wide: line spacing stays resolvable and the search costs a few ms.

    Args:
        grey: 8-bit grey page.
        max_angle: largest tilt searched, in degrees.

    Returns:
        Tilt in degrees, counter-clockwise positive (0.0 when there is too little ink to tell).
    """
    scale = min(1.0, 1000.0 / max(grey.shape[1], 1))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    # Too little ink says nothing; too much means a photo or a dark background, not lines of text.
    if len(xs) < 200 or len(xs) > 0.4 * ink.size:
        return 0.0
    step = max(1, len(xs) // 40_000)
    xs = xs[::step].astype(np.float64)
    ys = ys[::step].astype(np.float64)

    def sharpness(angle: float) -> float:
        rad = math.radians(angle)
        rows = ys * math.cos(rad) + xs * math.sin(rad)
        hist = np.bincount((rows - rows.min()).astype(np.int64))
        return float(np.dot(hist, hist))

    coarse = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.5 + 1e-9, 0.05), key=sharpness)
    return round(float(fine), 2)


def rotate_by(grey: np.ndarray, angle: float) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees about the centre, keeping the size, white fill."""
    height, width = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
    return cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def rotate_quadrant(grey: np.ndarray, clockwise: int) -> np.ndarray:
    """Rotate clockwise by a multiple of 90 degrees (lossless)."""
    return np.ascontiguousarray(np.rot90(grey, k=-(clockwise // 90) % 4))


def mean_confidence(words: Sequence[Word]) -> float:
    """Mean word confidence, 0.0 for no words."""
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def read_quality(words: Sequence[Word]) -> float:
    """How much a pass read: confident words count, garbage read from a rotated page barely does."""
    return sum(w.confidence for w in words if w.confidence >= 0.5 and any(c.isalnum() for c in w.text))


def is_poor(words: Sequence[Word]) -> bool:
    """A first pass too weak to trust: worth checking orientation and trying sparse segmentation."""
    return len(words) < POOR_WORD_COUNT or mean_confidence(words) < POOR_MEAN_CONFIDENCE


# --------------------------------------------------------------------------------------------------
# One page.


@dataclass(frozen=True)
class OcrPage:
    """What OCR made of one page image; word boxes are in ``image`` pixels."""

    words: tuple[Word, ...]
    image: np.ndarray
    """The exact grey image the words were read from (after straightening, rotation and deskew)."""
    rotation_applied: int
    skew_corrected: float
    mean_confidence: float


MrzHook = Callable[[np.ndarray, Sequence[Word], OcrEngine | None], list[Word] | None]


def ocr_page(
    grey: np.ndarray,
    engine: OcrEngine,
    *,
    lang: str = "eng",
    timeout_s: float = 120.0,
    sparse_fallback: bool = True,
    glyphs: GlyphSize | None = None,
) -> OcrPage:
    """OCR one grey page image: straighten a photo, deskew, read, and recover from rotation if needed.

    Args:
        grey: 8-bit grey page, text at roughly 300 dpi.
        engine: the Tesseract backend.
        lang: Tesseract language.
        timeout_s: per Tesseract call.
        sparse_fallback: also try sparse segmentation when the first pass is poor (ID cards, photos).
        glyphs: the page's glyph size in ``grey``'s pixels when the caller measured it (straightening
            keeps the resolution, so it holds for the straightened copy); else measured here.

    Returns:
        The words and the image they were read from.

    Raises:
        OcrError: the engine failed (the caller turns this into an unreadable document).
    """
    grey = whiten_paper(straighten_photo(grey))
    glyphs = glyphs or measure_glyphs(grey)
    reading = _Reading(first_psm(grey, glyphs), lang, timeout_s)
    best = _read_quarter_turned(grey, engine, reading) if glyphs is not None and glyphs.on_end else None
    if best is None:
        image, skew = deskew(grey)
        best = _Pass(image, 0, skew, engine.read_words(image, psm=reading.psm, lang=lang, timeout_s=timeout_s))
        if is_poor(best.words) or reads_sideways(best.words):
            best = _recover(grey, best, engine, reading, sparse_fallback)
    words = reread_unread_ink(best.image, best.words, engine, lang=lang, timeout_s=timeout_s)
    words = without_double_reads(words)
    words = apply_mrz_hook(best.image, words, engine)
    return OcrPage(tuple(words), best.image, best.rotation, best.skew, round(mean_confidence(words), 4))


def first_psm(grey: np.ndarray, glyphs: GlyphSize | None) -> int:
    """The segmentation of the first read: automatic for a compact document, one block for a page."""
    if glyphs and max(grey.shape[:2]) / glyphs.text_height < COMPACT_MAX_TEXT_HEIGHTS:
        return COMPACT_PSM
    return FIRST_PSM


def straighten_photo(grey: np.ndarray) -> np.ndarray:
    """Warp a photographed document flat (``imaging``'s outline finder), unless the outline is a box.

    Returns:
        The warped document, or ``grey`` itself when there is no outline to trust.
    """
    quad = find_document_quad(grey)
    if quad is None or not needs_warp(quad) or glyphs_outside(grey, quad) >= PRINT_GLYPHS_OUTSIDE:
        return grey
    return warp_to_rectangle(grey, quad)


def glyphs_outside(grey: np.ndarray, quad: np.ndarray) -> int:
    """Count glyph-sized dark marks outside the quadrilateral ``quad`` (print, where a desk has none).

    A black-hat filter keeps marks darker than their surroundings and narrower than ~1 mm at this
    scale (letters), not broad shading; a band along the outline is ignored (edge shadow).
    """
    scale = min(1.0, PRINT_WORK_PX / max(grey.shape[:2]))
    small = resize(grey, scale)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    marks = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel) > MARK_CONTRAST
    outline = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(outline, np.round(quad * scale).astype(np.int32), 255)
    inside = cv2.dilate(outline, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    _, _, stats, _ = cv2.connectedComponentsWithStats((marks & (inside == 0)).astype(np.uint8))
    areas = stats[1:, cv2.CC_STAT_AREA]
    low, high = GLYPH_AREA_PX
    return int(np.count_nonzero((areas >= low) & (areas <= high)))


# --------------------------------------------------------------------------------------------------
# Re-reading ink the first pass did not read.
#
# In one-block mode Tesseract sometimes drops a whole line of clean print (measured: the bold name
# line over a statement's address block, on every page of some issuers) or reads it as junk ("ee"),
# while the same line cut out and read alone comes out right. Line-sized ink that no confident word
# covers is cut out, the pieces are stacked into one small image and read in a single extra call,
# and a piece's reading replaces the first pass's words there only when it reads better.

Region = tuple[int, int, int, int]


def reread_unread_ink(
    image: np.ndarray, words: Sequence[Word], engine: OcrEngine, *, lang: str, timeout_s: float
) -> list[Word]:
    """Re-read the lines of a text page that the first pass dropped or garbled.

    Args:
        image: the grey image ``words`` were read from.
        words: the first pass's words.
        engine: the Tesseract backend.
        lang: Tesseract language.
        timeout_s: for the one extra call.

    Returns:
        ``words`` with the words of each re-read region replaced where the re-read is better.
    """
    # Confident punctuation ("&", "-") is read too: re-reading it only drags in its neighbours' edges.
    confident = [w for w in words if w.confidence >= 0.5 and w.text.strip()]
    lettered = [w for w in confident if any(c.isalnum() for c in w.text)]
    if not lettered:
        return list(words)
    text_height = float(np.median([w.bbox[3] - w.bbox[1] for w in lettered]))
    merged = [w for w in lettered if spans_two_lines(image, w.bbox, text_height)]
    merged_ids = {id(w) for w in merged}

    def doubted(word: Word) -> bool:
        return word.confidence < 0.5 or id(word) in merged_ids

    regions = [_grown_to_words(r, words) for r in merged_line_regions(merged, text_height, image.shape[:2])]
    if len(lettered) >= REREAD_MIN_WORDS:
        regions += unread_regions(image, confident, text_height)
    if not regions:
        return list(words)
    canvas, slots = stack_regions(image, regions, margin=round(text_height))
    reread = engine.read_words(canvas, psm=FIRST_PSM, lang=lang, timeout_s=timeout_s)
    first_new_line = 1 + max((w.line_id or 0 for w in words), default=0)
    kept = list(words)
    for region, slot in zip(regions, slots, strict=True):
        # The first pass's reading of this ink: words centred in it, and doubted words touching it.
        old = [w for w in kept if _centre_in(w.bbox, region) or (doubted(w) and _touches(w.bbox, region))]
        others = [w for w in kept if w not in old]
        # Only words centred on the ink itself: a crop's margin catches the edges of its neighbours.
        fresh = [w for w in _words_in_slot(reread, slot, first_new_line) if _centre_in(w.bbox, region)]
        if read_quality(fresh) > read_quality(old):
            # A punctuation scrap of the first pass inside a fresh word (a comma's tail read on its
            # own) is that word's ink read twice; a word of letters there is the first pass's own.
            kept = [w for w in others if not (_is_punctuation(w) and any(_centre_in(w.bbox, f.bbox) for f in fresh))]
            kept += fresh
    return kept


def _is_punctuation(word: Word) -> bool:
    return not any(c.isalnum() for c in word.text)


def without_double_reads(words: Sequence[Word]) -> list[Word]:
    """``words`` without the less confident of each two readings of the same ink, and without specks.

    A blurred or ghosted scan (a doubled image of each letter) makes Tesseract read some words twice,
    one reading inside the other ("Employee" 0.87 with "ployee" 0.65, "Preceency" 0.51 with
    "Frequency" 0.96) or a stroke inside a word as a dash; light print on a dark band comes back with
    slivers of its letters' tops as words of their own ("we", "“<<" inside "STATEMENT"). The extra
    readings split labels and names into pieces and break "City, ST 12345" lines. Two readings: one's
    centre inside the other's box, on the same line (centres within half the smaller height; a word
    spanning two lines keeps the words of the line it swallowed) and the weaker one doubted
    (``DOUBLE_READ_MAX_CONFIDENCE``) or its text inside the other's, or the inner one mere punctuation.
    A speck is a word of letters under ``SPECK_HEIGHT`` text heights read without confidence.
    """
    if len(words) < 2:
        return list(words)
    boxes = np.array([w.bbox for w in words], dtype=float)
    heights = boxes[:, 3] - boxes[:, 1]
    confidence = np.array([w.confidence for w in words])
    lettered = np.array([any(c.isalnum() for c in w.text) for w in words])
    dropped: set[int] = set()
    repeated: list[tuple[int, int]] = []
    for inner, outer in _nested_pairs(boxes):
        same_line = abs(_mid(boxes[inner]) - _mid(boxes[outer])) <= 0.5 * min(heights[inner], heights[outer])
        if not lettered[inner]:
            dropped.add(inner)
        elif same_line and inner not in dropped and outer not in dropped:
            weaker = inner if (confidence[inner], -inner) < (confidence[outer], -outer) else outer
            if _reads_alike(words[inner].text, words[outer].text):
                # One text inside the other is the same ink read twice, however sure both readings
                # are ("1363" 0.96 inside "13634" 0.95, "ha," inside "Samantha,"): settled below.
                repeated.append((inner, outer))
            elif confidence[weaker] < DOUBLE_READ_MAX_CONFIDENCE:
                # Two sure readings of different text are two words, one boxed sloppily over its
                # neighbour ("ERIN" 0.96 over "J").
                dropped.add(weaker)
    dropped.update(_repeated_readings(words, repeated))
    text_heights = heights[lettered & (confidence >= 0.5)]
    if len(text_heights):
        speck = lettered & (heights < SPECK_HEIGHT * np.median(text_heights)) & (confidence < SPECK_MAX_CONFIDENCE)
        dropped.update(np.nonzero(speck)[0].tolist())
    return [w for k, w in enumerate(words) if k not in dropped]


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _reads_alike(a: str, b: str) -> bool:
    """Whether one reading's letters and digits are found in the other's."""
    x, y = _alnum(a), _alnum(b)
    return bool(x and y) and (x in y or y in x)


def _repeated_readings(words: Sequence[Word], pairs: Sequence[tuple[int, int]]) -> set[int]:
    """The words to drop among nested readings of the same ink (``pairs``, inner and outer).

    Of each pair the fuller text stays; of two alike, the one on the fuller line. Where two of a
    line's readings repeat another line's, Tesseract found one row of print twice, as two lines:
    the emptier one is a ghost ("h ha, IN 13634" under "North Samantha, IN 1363"), and its words
    that repeat nothing are scraps of the same letters, dropped too.
    """
    fullness: dict[int | None, int] = {}
    for word in words:
        fullness[word.line_id] = fullness.get(word.line_id, 0) + len(_alnum(word.text))
    dropped: set[int] = set()
    between: dict[tuple[int | None, int | None], int] = {}
    for inner, outer in pairs:
        a, b = _alnum(words[inner].text), _alnum(words[outer].text)
        fuller_line = fullness[words[inner].line_id] > fullness[words[outer].line_id]
        dropped.add(outer if len(b) < len(a) or (a == b and fuller_line) else inner)
        lines = (words[inner].line_id, words[outer].line_id)
        if lines[0] is not None and lines[0] != lines[1]:
            key = (min(lines), max(lines))  # type: ignore[type-var]
            between[key] = between.get(key, 0) + 1
    involved = {k for pair in pairs for k in pair}
    for (first, second), count in between.items():
        if count >= 2:
            ghost = first if fullness[first] < fullness[second] else second
            dropped.update(k for k, w in enumerate(words) if w.line_id == ghost and k not in involved)
    return dropped


def _mid(box: np.ndarray) -> float:
    return float(box[1] + box[3]) / 2


def _nested_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    """Every (inner, outer) pair of boxes where the inner one's centre lies in the outer one, in
    reading order. Boxes are compared only with those whose centres are within the tallest box's
    height (words sorted by height of centre, one vector comparison per offset): a page of 1,500
    words costs a few ms instead of a 1,500 x 1,500 comparison."""
    cy_all = (boxes[:, 1] + boxes[:, 3]) / 2
    order = np.argsort(cy_all, kind="stable")
    b = boxes[order]
    cx, cy = (b[:, 0] + b[:, 2]) / 2, cy_all[order]
    count = len(b)
    ends = np.searchsorted(cy, cy + float((b[:, 3] - b[:, 1]).max()), side="right")
    span = int((ends - np.arange(count)).max())
    pairs: list[tuple[int, int]] = []
    for offset in range(1, span):
        low, high = slice(0, count - offset), slice(offset, count)
        for inner, outer in ((low, high), (high, low)):
            hit = ((cx[inner] >= b[outer, 0]) & (cx[inner] <= b[outer, 2])
                   & (cy[inner] >= b[outer, 1]) & (cy[inner] <= b[outer, 3]))
            base_inner, base_outer = np.arange(count)[inner][hit], np.arange(count)[outer][hit]
            pairs += [(int(order[i]), int(order[o])) for i, o in zip(base_inner, base_outer, strict=True)]
    return sorted(pairs)


def merged_line_regions(merged: Sequence[Word], text_height: float, shape: tuple[int, ...]) -> list[Region]:
    """One region per row of words that each swallowed two lines: their boxes joined, a little wider
    (the upper line, often a label, may stick out past the word under it)."""
    regions: list[Region] = []
    pad = round(text_height)
    height, width = shape[0], shape[1]
    for word in sorted(merged, key=lambda w: w.bbox[0]):
        x0, y0, x1, y1 = (round(v) for v in word.bbox)
        box = (max(0, x0 - pad), y0, min(width, x1 + pad), min(height, y1))
        for k, (a0, b0, a1, b1) in enumerate(regions):
            if box[0] <= a1 + pad and box[1] < b1 and b0 < box[3]:
                regions[k] = (min(a0, box[0]), min(b0, box[1]), max(a1, box[2]), max(b1, box[3]))
                break
        else:
            regions.append(box)
    return regions


def _grown_to_words(region: Region, words: Sequence[Word]) -> Region:
    """``region`` grown to the whole of every word it cuts: a re-read of part of a word comes back
    as a fragment ("son" of "Thompson") that would replace the whole."""
    x0, y0, x1, y1 = region
    for word in words:
        if _touches(word.bbox, region):
            x0, y0 = min(x0, math.floor(word.bbox[0])), min(y0, math.floor(word.bbox[1]))
            x1, y1 = max(x1, math.ceil(word.bbox[2])), max(y1, math.ceil(word.bbox[3]))
    return (x0, y0, x1, y1)


def spans_two_lines(image: np.ndarray, box: BBox, text_height: float) -> bool:
    """Whether a word box holds two lines of print: taller than ``MERGED_LINES_HEIGHT`` text heights,
    with a band of blank rows (the leading between the lines) in its middle three fifths."""
    x0, y0, x1, y1 = (round(v) for v in box)
    if y1 - y0 <= MERGED_LINES_HEIGHT * text_height or x1 - x0 < 2:
        return False
    crop = image[max(0, y0) : y1, max(0, x0) : x1]
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    blank = ink.sum(axis=1) <= max(1, 0.01 * ink.shape[1])
    middle = blank[round(0.2 * len(blank)) : round(0.8 * len(blank))]
    return bool(middle.any())


def unread_regions(image: np.ndarray, confident: Sequence[Word], text_height: float) -> list[Region]:
    """Boxes of line-shaped ink that no confident word covers, largest first (at most a bound).

    Found on a reduced copy (``REREAD_WORK_SCALE``). Letters and words up to two text heights
    apart are joined, so a dropped line comes out as one box per phrase; specks, rules and
    pictures fail the size test. Ink is what is darker than its surroundings within a text height
    (a black-hat filter), so a heading printed on a tinted band (the one-block pass often drops
    those) is found as its letters, not lost inside the band's one big blob.
    """
    scale = REREAD_WORK_SCALE
    small = resize(image, scale)
    size = max(3, round(text_height * scale) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    marks = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel)
    _, ink = cv2.threshold(marks, REREAD_MIN_CONTRAST, 255, cv2.THRESH_BINARY)
    pad = 0.2 * text_height
    for w in confident:
        x0, y0, x1, y1 = (round(v * scale) for v in (w.bbox[0] - pad, w.bbox[1] - pad, w.bbox[2] + pad, w.bbox[3] + pad))
        ink[max(0, y0) : y1, max(0, x0) : x1] = 0
    ink = without_rules(ink, text_height * scale)
    reach = max(1, round(2 * text_height * scale))
    joined = cv2.dilate(ink, np.ones((1, reach), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    low, high = REREAD_HEIGHT
    regions: list[Region] = []
    for x, y, w, h, _area in stats[1:count]:
        # Back to the ink's own extent: the join grew each blob by half the kernel on either side.
        x, w = x + reach // 2, w - 2 * (reach // 2)
        if low * text_height <= h / scale <= high * text_height and w / scale >= REREAD_MIN_WIDTH * text_height:
            regions.append((round(x / scale), round(y / scale), round((x + w) / scale), round((y + h) / scale)))
    regions.sort(key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), reverse=True)
    return sorted(regions[:REREAD_MAX_REGIONS], key=lambda r: (r[1], r[0]))


def without_rules(ink: np.ndarray, text_height: float) -> np.ndarray:
    """``ink`` without its vertical rules: the side borders of boxes and the column lines of tables.

    A label printed a few points inside a ruled box would otherwise join the box's side when letters
    are joined into phrases, and the blob (as tall as the box) fails the line-height test, so a line
    Tesseract dropped inside a box was never re-read. A vertical rule is a straight run of ink
    longer than ``RULE_MIN_LENGTH`` text heights, which no glyph is. Horizontal rules need no
    removal: joining runs along the line, so a rule under a line only widens its blob.
    """
    length = max(3, round(RULE_MIN_LENGTH * text_height)) | 1  # odd: a centred kernel gives the rule back whole
    return cv2.subtract(ink, cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8)))


@dataclass(frozen=True)
class _Slot:
    """Where one region's crop sits on the stacked canvas, and where the crop came from."""

    top: int
    bottom: int
    origin_x: int
    origin_y: int

    def to_page(self, word: Word, line_id: int) -> Word:
        x0, y0, x1, y1 = word.bbox
        dx, dy = self.origin_x, self.origin_y - self.top
        return word.model_copy(update={"bbox": (x0 + dx, y0 + dy, x1 + dx, y1 + dy), "line_id": line_id})


def stack_regions(image: np.ndarray, regions: Sequence[Region], *, margin: int) -> tuple[np.ndarray, list[_Slot]]:
    """Cut each region out (with ``margin`` of page around it), flatten its background and stack the
    crops on a white canvas.

    ``margin`` is one text height; the background is flattened with a black-hat filter of that size:
    a crop of a heading on a tinted band keeps the band's edges, which Tesseract reads as part of the
    text (``'Deductions`` at 0.51, the rest of the line lost); on plain paper the crop is unchanged.

    Returns:
        The canvas and, per region, its slot on the canvas.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (margin | 1, margin | 1))
    height, width = image.shape[:2]
    boxes = [(max(0, x0 - margin), max(0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin))
             for x0, y0, x1, y1 in regions]
    canvas = np.full((sum(y1 - y0 + margin for _, y0, _, y1 in boxes) + margin,
                      max(x1 - x0 for x0, _, x1, _ in boxes)), 255, np.uint8)
    slots, top = [], margin
    for x0, y0, x1, y1 in boxes:
        crop = image[y0:y1, x0:x1]
        canvas[top : top + y1 - y0, : x1 - x0] = 255 - cv2.morphologyEx(crop, cv2.MORPH_BLACKHAT, kernel)
        slots.append(_Slot(top, top + y1 - y0, x0, y0))
        top += y1 - y0 + margin
    return canvas, slots


def _words_in_slot(reread: Sequence[Word], slot: _Slot, line_base: int) -> list[Word]:
    """The re-read words printed in one slot, moved back to page coordinates, on lines of their own."""
    return [
        slot.to_page(w, line_base + (w.line_id or 0))
        for w in reread
        if slot.top <= (w.bbox[1] + w.bbox[3]) / 2 < slot.bottom
    ]


def _touches(box: BBox, region: Region) -> bool:
    return box[0] < region[2] and region[0] < box[2] and box[1] < region[3] and region[1] < box[3]


def _centre_in(box: BBox, region: Region | BBox) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] <= cx <= region[2] and region[1] <= cy <= region[3]


def deskew(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """Level the text lines when they tilt more than ``MIN_SKEW_DEG``.

    Returns:
        The (possibly) rotated image and the rotation applied, degrees counter-clockwise.
    """
    skew = measure_skew(grey)
    if abs(skew) <= MIN_SKEW_DEG:
        return grey, 0.0
    # Rotating by the negative tilt levels the lines.
    return rotate_by(grey, -skew), -skew


@dataclass(frozen=True)
class _Pass:
    image: np.ndarray
    rotation: int
    skew: float
    words: list[Word]


@dataclass(frozen=True)
class _Reading:
    """How a page is read: its first-pass segmentation, language and per-call timeout."""

    psm: int
    lang: str
    timeout_s: float


def _recover(grey: np.ndarray, first: _Pass, engine: OcrEngine, reading: _Reading, sparse_fallback: bool) -> _Pass:
    """Second chances for a poor first pass; keep whichever pass read the most.

    A poor one-block read has two usual causes: a card whose scattered fields one block misreads
    (sparse segmentation reads them), and a turned page (OSD and turning). Sparse goes first: cards
    are the common case. A page either pass read upright words on is left as it is, so orientation
    detection and the extra reads of turned copies are paid only by pages that read as junk.
    """
    best = first
    if sparse_fallback:
        sparse = engine.read_words(first.image, psm=SPARSE_PSM, lang=reading.lang, timeout_s=reading.timeout_s)
        if read_quality(sparse) > read_quality(first.words):
            best = _Pass(first.image, first.rotation, first.skew, sparse)
    if reads_upright(first.words) or reads_upright(best.words):
        return best
    orientation = engine.detect_orientation(_osd_view(first.image), timeout_s=reading.timeout_s)
    sure = _sure_turn(orientation)
    sweep = len(first.words) >= POOR_WORD_COUNT
    for rotate in turns_to_try(orientation, sweep=sweep):
        turned = _read_turned(grey, rotate, engine, reading, sparse_fallback)
        if reads_upright(turned.words):
            # The first turn to read upright words wins, however confident the reads before it:
            # none of them read upright (a sideways read of vertical lines can be confident).
            return turned
        # Without upright words only a turn OSD is sure of can win, and only by reading clearly
        # more: junk read from a poor photo turned over scores about as much as its own poor
        # reading (measured: 8.3 against 8.1 on an upright specimen passport OSD called upside down).
        if rotate == sure and read_quality(turned.words) > TURN_MIN_GAIN * read_quality(best.words):
            best = turned
    return best


def _read_quarter_turned(grey: np.ndarray, engine: OcrEngine, reading: _Reading) -> _Pass | None:
    """Read a page whose glyphs lie on their side (:attr:`~extractors.imaging.GlyphSize.on_end`)
    turned upright straight away: OSD's quarter turn first, then the other. The usual order (a
    one-block read, a sparse one, OSD, the turn) spent 3 s reading junk off a turned statement page
    that bare Tesseract reads in 2. ``None`` when neither turn reads upright (the usual order then)."""
    # OSD at full size: 0.1-0.3 s dearer on a page than the half-size view, and where that one called a
    # turned statement page 90 (confidence 2.6) the full page said 270 (4.5), saving a 2 s read.
    orientation = engine.detect_orientation(grey, timeout_s=reading.timeout_s)
    proposal = orientation.rotate if orientation and orientation.rotate in (90, 270) else 90
    for rotate in (proposal, (proposal + 180) % 360):
        # No sparse second read here: a turn whose first read is junk is most often the wrong way
        # round, which the other turn settles for one read; a card that needs sparse segmentation
        # gets it in the usual order.
        turned = _read_turned(grey, rotate, engine, reading, sparse_fallback=False)
        if reads_upright(turned.words):
            return turned
    return None


def reads_upright(words: Sequence[Word]) -> bool:
    """Whether a pass read the page the right way up: enough confident words of four or more letters
    and nothing else (a trailing comma or colon aside). Digits do not count: 0, 1 and 8 survive a
    half turn, so an upside-down statement still reads "OT/OT" and amounts with confidence; turned
    letters make scraps. Measured on card, passport, pay stub and statement scans, each way up and in
    both segmentation modes: upright, 10 and more such words, 12% of the words read and more, even on
    card photos whose barcode junk drags the mean confidence to 0.5; turned, at most 6 on a whole
    statement page (2.5% of its words) and at most 4 on a card."""
    strong = [w for w in _plain_words(words) if _lies_flat(w)]
    return len(strong) >= UPRIGHT_MIN_WORDS and len(strong) >= UPRIGHT_MIN_SHARE * len(words)


def reads_sideways(words: Sequence[Word]) -> bool:
    """Whether most confident plain words stand on end (box taller than wide): automatic
    segmentation reads the vertical lines of a card photo turned a quarter with confidence, in the
    turned frame, so the read is not poor and yet its lines run down the page."""
    plain = _plain_words(words)
    return bool(plain) and sum(1 for w in plain if not _lies_flat(w)) > len(plain) / 2


def _plain_words(words: Sequence[Word]) -> list[Word]:
    return [w for w in words if w.confidence >= UPRIGHT_WORD_CONFIDENCE and _PLAIN_WORD.match(w.text)]


def _lies_flat(word: Word) -> bool:
    """A word of four or more letters read upright is wider than tall."""
    x0, y0, x1, y1 = word.bbox
    return x1 - x0 > y1 - y0


def turns_to_try(orientation: Orientation | None, *, sweep: bool) -> list[int]:
    """The clockwise turns to read a poor page at, most likely first, stopping at the first that reads.

    OSD's turn when it is sure of it. A page that holds text yet reads as junk (``sweep``) also
    gets the opposite turn and then the other axis: on card photos OSD often finds the axis and
    misses the direction (measured: upright cards called upside down with confidence 4, turned
    ones answered with confidence under 1). A near-empty page gets no sweep: it is not turned text.
    """
    proposal = orientation.rotate if orientation else 0
    turns = [proposal] if _sure_turn(orientation) else []
    if sweep:
        turns += [proposal, (proposal + 180) % 360, (proposal + 90) % 360, (proposal + 270) % 360]
    return [turn for turn in dict.fromkeys(turns) if turn]


def _sure_turn(orientation: Orientation | None) -> int:
    """OSD's clockwise turn when it is confident of it (0 when upright, unsure or without an answer)."""
    return orientation.rotate if orientation and orientation.confidence >= OSD_MIN_CONFIDENCE else 0


def _read_turned(grey: np.ndarray, rotate: int, engine: OcrEngine, reading: _Reading, sparse_fallback: bool) -> _Pass:
    """Read the page turned clockwise by ``rotate``: the first pass's way, then sparse if that reads poorly."""
    # Skew measured on a sideways page is the tilt of its columns: measure again once upright.
    turned, skew = deskew(rotate_quadrant(grey, rotate))
    words = engine.read_words(turned, psm=reading.psm, lang=reading.lang, timeout_s=reading.timeout_s)
    if sparse_fallback and is_poor(words):
        sparse = engine.read_words(turned, psm=SPARSE_PSM, lang=reading.lang, timeout_s=reading.timeout_s)
        words = max(words, sparse, key=read_quality)
    return _Pass(turned, rotate, skew, words)


def _osd_view(image: np.ndarray) -> np.ndarray:
    """The copy OSD reads: half size for a page (same answer, a third cheaper), full size for a card,
    whose letters at half size are too small for it (measured: no answer on turned card photos)."""
    if max(image.shape[:2]) < OSD_HALF_SIZE_MIN_PX:
        return image
    return cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


# --------------------------------------------------------------------------------------------------
# MRZ band re-read (extractors.mrz owns the detection; we only splice its words in).

_MRZ_LIKE = re.compile(r"^[A-Z0-9<«]{20,}$")


def _looks_like_mrz(words: Sequence[Word]) -> bool:
    """Cheap gate: an MRZ line OCRs as '<' fillers or one long run of capitals and digits."""
    return any("<" in w.text or "«" in w.text or _MRZ_LIKE.match(w.text) for w in words)


def _mrz_hook() -> MrzHook | None:
    try:
        from extractors import mrz
    except ImportError:
        return None
    hook = getattr(mrz, "reocr_mrz_band", None)
    return hook if callable(hook) else None


def apply_mrz_hook(
    image: np.ndarray, words: Sequence[Word], engine: OcrEngine | None = None, hook: MrzHook | None = None
) -> list[Word]:
    """Replace the words of a detected MRZ band with the MRZ reader's re-OCR of that band.

    Args:
        image: the grey image the words were read from (same pixel coordinates).
        words: the page's OCR words.
        engine: the Tesseract backend the hook reads with (the process default when None).
        hook: the re-OCR function; defaults to ``extractors.mrz.reocr_mrz_band`` when it exists.

    Returns:
        The words, with those printed on the re-read lines swapped for the hook's words.
    """
    hook = hook or _mrz_hook()
    if hook is None or not _looks_like_mrz(words):
        return list(words)
    try:
        replacement = hook(image, words, engine)
    except Exception:  # a bug in the MRZ reader must not cost the page its other words
        log.warning("MRZ re-OCR failed; keeping the first-pass words", exc_info=True)
        return list(words)
    if not replacement:
        return list(words)
    kept = [w for w in words if not any(_same_row(w.bbox, r.bbox) for r in replacement)]
    return kept + list(replacement)


def _same_row(word: BBox, line: BBox) -> bool:
    """Whether a first-pass word sits on a re-read MRZ line's row: they overlap over half the lower
    of the two heights. A zone line owns its whole row (nothing is printed beside it), so the
    first pass's reading of it goes even where it reaches past the re-read's ends (a filler run
    read as 'eeecc', a card edge read as 'I'), and a word whose box OCR stretched below the line
    goes too: either would otherwise be a second reading of the same line."""
    shared = min(word[3], line[3]) - max(word[1], line[1])
    return shared > 0.5 * min(word[3] - word[1], line[3] - line[1])
