"""Turning a digital PDF into what a lender actually receives: flatbed scans and phone photos.

Pages are rendered in-process with pypdfium2, then degraded with the faults real captures have:
a few degrees of rotation, perspective for hand-held photos of cards, sensor noise, slight defocus,
uneven lighting and JPEG artefacts. Image-only PDFs embed the JPEG as is (no re-encoding) on a page
sized so that the image's DPI is preserved, which tells a reader the physical scale.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from samples.toolkit import BBox

Capture = Literal["flatbed", "photo"]


@dataclass(frozen=True)
class ScanSettings:
    dpi: int = 200
    grey: bool = True
    quality: int = 75
    capture: Capture = "flatbed"


def render_pages(pdf: bytes, *, dpi: int, grey: bool) -> list[np.ndarray]:
    """Every page of ``pdf`` as an array (H x W grey, or H x W x 3 RGB)."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=grey)
            array = bitmap.to_numpy().copy()
            pages.append(array[..., 0] if grey and array.ndim == 3 else array[..., :3] if array.ndim == 3 else array)
        return pages
    finally:
        document.close()


def _lighting(shape: tuple[int, int], rng: random.Random, strength: float) -> np.ndarray:
    """A smooth multiplicative field: brighter on one side, as under a desk lamp or scanner lid gap."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs / w + np.sin(angle) * ys / h)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return (1.0 - strength * ramp).astype(np.float32)


def _finish(image: np.ndarray, rng: random.Random, *, noise: float, blur: bool, light: float) -> np.ndarray:
    out: np.ndarray = image.astype(np.float32)
    if light:
        field = _lighting(out.shape[:2], rng, light)
        out *= field[..., None] if out.ndim == 3 else field
    if blur:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.5, 0.9))
    if noise:
        noise_rng = np.random.default_rng(rng.randrange(2**32))
        out += noise_rng.normal(0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def flatbed(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """A page through a sheet-fed or flatbed scanner: slight rotation, noise, blur, lamp falloff."""
    h, w = page.shape[:2]
    angle = rng.uniform(-3, 3) if rng.random() < 0.8 else 0.0
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (255, 255, 255) if page.ndim == 3 else 255
    rotated = cv2.warpAffine(page, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)  # type: ignore[arg-type]
    return _finish(rotated, rng, noise=rng.uniform(2, 5), blur=rng.random() < 0.5, light=rng.uniform(0, 0.12))


TURNED_SHARE = 0.06
"""Share of captures that arrive turned: a stack fed into the scanner sideways or upside down, a phone
held in landscape whose app dropped the EXIF orientation. The reader must find the right way up."""


def turned(images: list[np.ndarray], clockwise: int) -> list[np.ndarray]:
    """Every page of one capture turned clockwise by ``clockwise`` degrees (a multiple of 90)."""
    return [np.ascontiguousarray(np.rot90(image, k=-(clockwise // 90))) for image in images]


def _content_box(page: np.ndarray) -> tuple[int, int, int, int]:
    grey = page if page.ndim == 2 else page.mean(axis=2)
    ys, xs = np.nonzero(grey < 245)
    if len(xs) == 0:
        return 0, 0, page.shape[1], page.shape[0]
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def phone_photo(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """The document cropped from its page and photographed on a desk: perspective, vignette, noise."""
    x0, y0, x1, y1 = _content_box(page)
    doc = page[y0:y1, x0:x1]
    if doc.ndim == 2:
        doc = cv2.cvtColor(doc, cv2.COLOR_GRAY2RGB)
    h, w = doc.shape[:2]
    pad = int(max(h, w) * rng.uniform(0.12, 0.25))
    canvas_h, canvas_w = h + 2 * pad, w + 2 * pad
    desk = np.array([rng.randint(60, 150), rng.randint(50, 120), rng.randint(40, 100)], dtype=np.float32)
    background = np.ones((canvas_h, canvas_w, 3), np.float32) * desk
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    jitter = max(h, w) * 0.06
    dst = np.array([[pad + rng.uniform(-jitter, jitter), pad + rng.uniform(-jitter, jitter)],
                      [pad + w + rng.uniform(-jitter, jitter), pad + rng.uniform(-jitter, jitter)],
                      [pad + w + rng.uniform(-jitter, jitter), pad + h + rng.uniform(-jitter, jitter)],
                      [pad + rng.uniform(-jitter, jitter), pad + h + rng.uniform(-jitter, jitter)]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(doc, matrix, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (canvas_w, canvas_h))[..., None]
    photo = warped.astype(np.float32) * mask + background * (1 - mask)
    return _finish(photo, rng, noise=rng.uniform(3, 6), blur=rng.random() < 0.7, light=rng.uniform(0.1, 0.3))


def copy_move(image: np.ndarray, source: tuple[int, int, int, int], target: tuple[int, int]) -> np.ndarray:
    """Paste the ``source`` (x0, y0, x1, y1) block at ``target`` (x, y): the classic clone-stamp edit."""
    x0, y0, x1, y1 = source
    out = image.copy()
    block = image[y0:y1, x0:x1].copy()
    tx, ty = target
    out[ty : ty + block.shape[0], tx : tx + block.shape[1]] = block
    return out


def encode(image: np.ndarray, *, fmt: Literal["jpeg", "png"], quality: int, dpi: int) -> bytes:
    buffer = io.BytesIO()
    pil = Image.fromarray(image)
    if fmt == "jpeg":
        pil.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    else:
        pil.save(buffer, "PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def image_pdf(jpegs: list[bytes], *, dpi: int) -> bytes:
    """An image-only PDF (no text layer), one JPEG per page at its physical size for ``dpi``."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.setProducer("Scanner Utility 3.1")
    canvas.setCreator("Scanner Utility 3.1")
    for data in jpegs:
        width, height = Image.open(io.BytesIO(data)).size
        page_w, page_h = width * 72 / dpi, height * 72 / dpi
        canvas.setPageSize((page_w, page_h))
        canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, page_w, page_h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def box_to_pixels(box: BBox, dpi: int, pad: float = 1.5) -> tuple[int, int, int, int]:
    """A top-left bbox in points to pixel coordinates at ``dpi`` (padded a little)."""
    k = dpi / 72
    return (int((box[0] - pad) * k), int((box[1] - pad) * k), int((box[2] + pad) * k) + 1, int((box[3] + pad) * k) + 1)
