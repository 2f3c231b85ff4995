"""Decoding page images safely, bringing them to the scale OCR reads best, and whitening a scan's paper.

Two frames of reference matter. The *page frame* is what boxes are reported in (``px300``): the
image resampled to 300 dpi when its DPI is believable, else its own pixels. The *OCR frame* is the
page frame scaled so that text is 20-40 px tall, which is where Tesseract is most accurate; boxes
read in the OCR frame are scaled back to the page frame.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

TARGET_DPI = 300
TARGET_TEXT_PX = 30.0
"""Median glyph height Tesseract reads best (cap height 20-40 px)."""
SIDEWAYS_BLOB_RATIO = 1.15
"""Median glyph blob width over height above which the page's text stands on end (a turned page).
Upright print makes blobs taller than wide (measured: 29 x 20 px on a statement scan, 16 x 13 in
OpenCV's Hershey font); turned a quarter, 25 x 16 and 13 x 16."""
SMALL_TEXT_PX = 18.0
LARGE_TEXT_PX = 90.0
MAX_OCR_UPSCALE = 4.0
_MIN_DPI, _MAX_DPI = 100.0, 2400.0
"""Below 100: 72 and 96 are camera and screen defaults (EXIF writes 72 unasked), not a scan resolution."""
_MAX_PAGE_INCHES = 17.5
"""Longest side of a believable page (tabloid is 17 in): a phone photo tagged 72 dpi is not 56 in long."""


class ImageRefused(Exception):
    """The image breaks a limit or cannot be decoded; the message is the human reason."""


@dataclass(frozen=True)
class PageImage:
    """One decoded page in the page frame."""

    grey: np.ndarray
    dpi: float | None
    """The DPI the file declared, when believable (the image was then resampled to 300 dpi)."""


def decode_image_pages(data: bytes, *, max_pages: int, max_pixels: int) -> list[PageImage]:
    """Decode every frame of a PNG/JPEG/TIFF into upright grey pages at 300 dpi where known.

    Dimensions are checked from the header of every frame before any pixel is decoded.

    Args:
        data: the file's bytes.
        max_pages: frames allowed (multi-page TIFF).
        max_pixels: pixels allowed per frame, as declared and after resampling.

    Returns:
        One page image per frame.

    Raises:
        ImageRefused: too many frames, too many pixels, or undecodable data.
    """
    with warnings.catch_warnings():
        # We apply our own, lower pixel limit; PIL's warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as im:
                frames = getattr(im, "n_frames", 1)
                if frames > max_pages:
                    raise ImageRefused(f"image has {frames} pages; limit is {max_pages}")
                _check_frame_sizes(im, frames, max_pixels)
                pages = []
                for index in range(frames):
                    im.seek(index)
                    pages.append(_to_page(im, max_pixels))
                return pages
        except Image.DecompressionBombError as exc:
            raise ImageRefused(f"image declares too many pixels (decompression bomb): {exc}") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageRefused(f"image cannot be decoded: {exc}") from exc


def _check_frame_sizes(im: Image.Image, frames: int, max_pixels: int) -> None:
    for index in range(frames):
        im.seek(index)
        width, height = im.size
        if width * height > max_pixels:
            raise ImageRefused(
                f"page {index + 1} declares {width}x{height} pixels; limit is {max_pixels} (decompression bomb)"
            )
        if width == 0 or height == 0:
            raise ImageRefused(f"page {index + 1} has no pixels")


def _to_page(frame: Image.Image, max_pixels: int) -> PageImage:
    upright = ImageOps.exif_transpose(frame) or frame
    grey = to_grey(upright)
    dpi = believable_dpi(upright.size, upright.info.get("dpi"))
    if dpi is not None and abs(dpi - TARGET_DPI) > 1:
        scale = min(TARGET_DPI / dpi, math.sqrt(max_pixels / grey.size))
        grey = resize(grey, scale)
    return PageImage(grey, dpi)


def to_grey(im: Image.Image) -> np.ndarray:
    """8-bit grey pixels; transparency is laid on white (a transparent PNG would otherwise read black)."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit scans: keep the tonal range instead of clipping everything above 255 to white.
        wide = np.asarray(im, dtype=np.float64)
        peak = wide.max() or 1.0
        return np.ascontiguousarray((wide * (255.0 / peak)).astype(np.uint8))
    return np.ascontiguousarray(np.asarray(im.convert("L"), dtype=np.uint8))


def believable_dpi(size: tuple[int, int], declared: object) -> float | None:
    """The declared DPI if it gives a page of believable physical size, else None.

    Args:
        size: (width, height) in pixels.
        declared: PIL's ``info["dpi"]`` (a pair, or missing).

    Returns:
        The horizontal DPI, or None when absent or implausible.
    """
    if not isinstance(declared, tuple) or len(declared) != 2:
        return None
    try:
        dpi = float(declared[0])
    except (TypeError, ValueError):
        return None
    if not _MIN_DPI <= dpi <= _MAX_DPI:
        return None
    if max(size) / dpi > _MAX_PAGE_INCHES:
        return None
    return dpi


def resize(grey: np.ndarray, scale: float) -> np.ndarray:
    """Resample by ``scale``: area averaging to shrink, cubic to enlarge (keeps strokes sharp)."""
    if abs(scale - 1.0) < 1e-3:
        return grey
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    width = max(1, round(grey.shape[1] * scale))
    height = max(1, round(grey.shape[0] * scale))
    return cv2.resize(grey, (width, height), interpolation=interpolation)


PAPER_LEVEL = 200
"""Grey level above which a pixel is bare paper rather than ink, print or a card's tint."""
PAPER_MIN_SHARE = 0.85
"""Share of paper pixels that makes an image a scanned page (a photographed card: 0.5-0.65)."""
PAPER_GRAIN_SIGMAS = 3.0
"""How far below the paper's own level (in its grain's spread) a pixel is still paper."""


def whiten_paper(grey: np.ndarray) -> np.ndarray:
    """A scanned page with its paper made white: every pixel within the paper's own grain (lighter
    than its median level less ``PAPER_GRAIN_SIGMAS`` robust deviations) becomes white; print,
    light grey labels and the anti-aliased edges of ink keep their grey.

    Tesseract's recogniser reads the grey image, not its own binarisation, and even faint grain
    around thin print (Courier at 9 pt) turns '12.26' into '12 26' and 'Oct' into 'Oct,': on such a
    statement page doubted words fell from 37 to 1. Photographed cards (faint print on a tinted,
    patterned ground) are left as they are: there the grain is the print.
    """
    if grey.size == 0:
        return grey
    # Statistics from the 256-bin histogram: a page is 8 million pixels, medians over them cost 80 ms.
    counts = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    paper = counts[PAPER_LEVEL:]
    if paper.sum() < PAPER_MIN_SHARE * grey.size:
        return grey
    levels = np.arange(PAPER_LEVEL, 256)
    level = _histogram_median(levels, paper)
    deviations = np.abs(levels - level)
    order = np.argsort(deviations, kind="stable")
    spread = max(1.0, 1.4826 * _histogram_median(deviations[order], paper[order]))
    ink_threshold, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    cut = max(level - PAPER_GRAIN_SIGMAS * spread, ink_threshold)
    lookup = np.arange(256, dtype=np.uint8)
    lookup[math.floor(cut) + 1:] = 255
    return cv2.LUT(grey, lookup)


def _histogram_median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of a sample given as sorted ``values`` and how often each occurs."""
    half = counts.sum() / 2
    return float(values[int(np.searchsorted(np.cumsum(counts), half))])


@dataclass(frozen=True)
class GlyphSize:
    """Median height and width in pixels of a page's glyph-shaped ink blobs."""

    height: float
    width: float

    @property
    def on_end(self) -> bool:
        """Whether the blobs are clearly wider than tall: the text runs up or down the page."""
        return self.width > SIDEWAYS_BLOB_RATIO * self.height

    @property
    def text_height(self) -> float:
        """The text's height whichever way up the page lies: a page turned a quarter lays its glyphs
        on their side, and their width is then the text's height (25 x 16 px: taken as 16, the page
        was enlarged 1.8x, 3.4x the pixels to OCR, for nothing)."""
        return self.width if self.on_end else self.height

    def scaled(self, factor: float) -> GlyphSize:
        return GlyphSize(self.height * factor, self.width * factor)


def estimate_text_height(grey: np.ndarray) -> float | None:
    """Median height in pixels of the page's glyphs, whichever way up the page lies, or None when
    there are too few glyph-shaped ink blobs to tell."""
    glyphs = measure_glyphs(grey)
    return glyphs.text_height if glyphs else None


def measure_glyphs(grey: np.ndarray) -> GlyphSize | None:
    """Median height and width in pixels of glyph-shaped ink blobs (None when too few to tell).

    Works on a copy of at most ~2 MP: ~35 ms on a letter page at 300 dpi, so a page is measured once.
    """
    scale = min(1.0, math.sqrt(2_000_000 / max(grey.size, 1)))
    small = resize(grey, scale)
    low, high = np.percentile(small[::4, ::4], (1, 99))  # every 16th pixel tells the contrast as well
    if high - low < 60:
        # No contrast, no text: Otsu would split paper grain into "glyphs".
        return None
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    # Glyphs: a few px tall, not page-sized, not long rules or table borders.
    glyph = (
        (heights >= 4)
        & (heights <= small.shape[0] * 0.15)
        & (widths <= 2.5 * heights)
        & (stats[1:, cv2.CC_STAT_AREA] >= 8)
    )
    if int(glyph.sum()) < 15:
        return None
    return GlyphSize(float(np.median(heights[glyph])) / scale, float(np.median(widths[glyph])) / scale)


def ocr_scale(grey: np.ndarray, max_pixels: int, height: float | None) -> float:
    """Factor that brings the page's text to a height Tesseract reads well (1.0 when it already is).

    Args:
        grey: page-frame image.
        max_pixels: the enlarged image may not exceed this.
        height: the page's median text height (:func:`estimate_text_height`), None when unknown.

    Returns:
        Scale from page frame to OCR frame.
    """
    if height is None or SMALL_TEXT_PX <= height <= LARGE_TEXT_PX:
        return 1.0
    scale = min(TARGET_TEXT_PX / height, MAX_OCR_UPSCALE, math.sqrt(max_pixels / grey.size))
    return scale if abs(scale - 1.0) > 0.05 else 1.0


# --------------------------------------------------------------------------------------------------
# Perspective: a hand-held photo of a card or page lying on a desk.

QUAD_WORK_PX = 800
"""Long side of the copy the document outline is searched on (a few ms, corners within ~0.2%)."""
MIN_DOC_AREA = 0.15
"""The document must cover this share of the photo: smaller outlines are a photo in the document."""
MAX_DOC_AREA = 0.97
"""Above this the document fills the frame (a flatbed scan): nothing to straighten."""
MIN_SOLIDITY = 0.88
"""Share of the outline the bright region must fill: a card is solid, a block of text is not."""
MIN_PART_AREA = 0.02
"""Regions smaller than this share of the photo are noise or props, not part of the document."""
MIN_CORNER_SHIFT = 0.012
"""Warp only when a corner is this far (share of the long side) from an upright rectangle's."""
MIN_BACKGROUND_CONTRAST = 40.0
"""Grey levels between desk and document; below it the outline is a guess."""
WARP_MARGIN = 0.08
"""Share of each side kept beyond the outline: a dark band at a card's edge (a header printed
white on grey) falls on the desk's side of the threshold, and must not be cut off."""


def find_document_quad(grey: np.ndarray) -> np.ndarray | None:
    """Corners of a document photographed on a contrasting background, or None when not confident.

    The document is what differs from the photo's border (the desk): the border decides which Otsu
    class is background, every large region of the other class is the document (a photocopy of
    both sides of a card is two regions), and their convex hull must be a solid quadrilateral.

    Args:
        grey: 8-bit grey photo.

    Returns:
        4x2 float32 corners (top-left, top-right, bottom-right, bottom-left) in ``grey`` pixels.
    """
    scale = min(1.0, QUAD_WORK_PX / max(grey.shape[:2]))
    small = cv2.GaussianBlur(resize(grey, scale), (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    document = _document_mask(small, bright)
    if document is None:
        return None
    quad = _solid_quad(document)
    if quad is None:
        return None
    return _order_corners(quad / scale)


def _document_mask(small: np.ndarray, bright: np.ndarray) -> np.ndarray | None:
    """The Otsu class the border does not belong to, when the border is one uniform class."""
    frame = max(2, min(small.shape) // 40)
    border = np.concatenate(
        [
            bright[:frame].ravel(),
            bright[-frame:].ravel(),
            bright[:, :frame].ravel(),
            bright[:, -frame:].ravel(),
        ]
    )
    bright_share = float(np.mean(border > 0))
    if 0.1 < bright_share < 0.9:
        return None  # the document runs off the frame, or the desk is as patchy as the document
    document = bright if bright_share <= 0.1 else cv2.bitwise_not(bright)
    inside, outside = small[document > 0], small[document == 0]
    if inside.size == 0 or outside.size == 0:
        return None
    if abs(float(np.median(inside)) - float(np.median(outside))) < MIN_BACKGROUND_CONTRAST:
        return None
    # Close small dark print (text, photo) so the document is one solid region per part.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    return cv2.morphologyEx(document, cv2.MORPH_CLOSE, kernel)


def _solid_quad(document: np.ndarray) -> np.ndarray | None:
    """The convex hull of the document's large regions, as four corners, when it is solid."""
    contours, _ = cv2.findContours(document, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    total = float(document.size)
    parts = [c for c in contours if cv2.contourArea(c) >= MIN_PART_AREA * total]
    if not parts:
        return None
    hull = cv2.convexHull(np.concatenate(parts))
    hull_area = cv2.contourArea(hull)
    if not MIN_DOC_AREA * total <= hull_area <= MAX_DOC_AREA * total:
        return None
    filled = sum(cv2.contourArea(c) for c in parts)
    if filled < MIN_SOLIDITY * hull_area:
        return None
    perimeter = cv2.arcLength(hull, True)
    # Rounded card corners and a one-pixel ragged edge need some tolerance to come down to 4 points.
    for epsilon in (0.02, 0.04, 0.06):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            quad = approx.reshape(4, 2).astype(np.float32)
            return quad if cv2.contourArea(quad) >= 0.95 * hull_area else None
    return None


def _order_corners(quad: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left (by coordinate sums and differences)."""
    sums = quad.sum(axis=1)
    diffs = quad[:, 1] - quad[:, 0]
    ordered = np.array(
        [quad[np.argmin(sums)], quad[np.argmin(diffs)], quad[np.argmax(sums)], quad[np.argmax(diffs)]],
        dtype=np.float32,
    )
    return ordered


def needs_warp(quad: np.ndarray) -> bool:
    """Whether the outline is tilted or keystoned enough for a warp to help (else leave the pixels)."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    upright = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    shift = float(np.max(np.linalg.norm(quad - upright, axis=1)))
    return shift > MIN_CORNER_SHIFT * max(x1 - x0, y1 - y0)


def warp_to_rectangle(grey: np.ndarray, quad: np.ndarray, margin: float = WARP_MARGIN) -> np.ndarray:
    """Map the quadrilateral onto an upright rectangle as long as its longer opposite edges.

    ``margin`` (a share of each side) of what lies beyond the outline is kept around it.
    """
    tl, tr, br, bl = quad
    width = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    mx, my = margin * width, margin * height
    target = np.array(
        [[mx, my], [mx + width, my], [mx + width, my + height], [mx, my + height]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    size = (round(width + 2 * mx), round(height + 2 * my))
    return cv2.warpPerspective(grey, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)

