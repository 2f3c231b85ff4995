"""Cost of the read stage: text-layer pages, OCR'd pages, and bare Tesseract on the same images.

``measure_reading_cost`` is imported by ``benchmarks/extraction.py``; run this file on its own to
measure given files, or with ``--synthetic DIR`` to make and measure a pay-stub-like and a 40-row
statement-like page (digital PDFs, and 300 dpi scans of them with mild noise and tilt).

    python benchmarks/reading_cost.py --synthetic /tmp/rc --json out.json
    python benchmarks/reading_cost.py --pdf a.pdf b.pdf --scan s1.png s2.png
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

# Run as a script, Python puts benchmarks/ first on the path, where graph.py would shadow the `graph`
# package: import from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.reading import read_document
from pipeline.config import Settings
from pipeline.intake import load_bundle

REPEATS = 3
T = TypeVar("T")


def measure_reading_cost(
    pdf_text_files: list[Path], scan_images: list[Path], repeats: int = REPEATS
) -> dict[str, float]:
    """Median per-page read cost of text-layer PDFs and of scans, against bare Tesseract.

    OCR and the bare ``tesseract IMG out tsv`` baseline alternate on each image within one run, so
    both see the same machine load. The ratio is taken per image (our read of a scan against bare
    Tesseract on that same scan), then its median: a ratio of the two medians would compare
    different pages whenever the set mixes cards (cheap) with statement pages (dear). The p90 and
    the ratio of the totals are reported beside it, so a costly tail cannot hide behind the median.

    Args:
        pdf_text_files: digital PDFs (every page has a text layer).
        scan_images: scans to OCR: page images (PNG/JPEG/TIFF) or image-only PDFs.
        repeats: timed runs per file.

    Returns:
        ``text_page_ms_p50``, ``ocr_page_ms_p50``, ``tesseract_page_ms_p50``, ``ocr_ratio_vs_tesseract``
        (median of per-image ratios), ``ocr_ratio_p90``, ``ocr_ratio_of_totals`` (NaN for a figure
        with no input).
    """
    settings = Settings()
    text_ms: list[float] = []
    for path in pdf_text_files:
        file = load_bundle([path]).files[0]
        read = functools.partial(read_document, file, settings)
        read()  # warm-up: the first call loads pdfium
        for _ in range(repeats):
            elapsed, doc = _timed(read)
            text_ms.append(elapsed / max(doc.page_count, 1))
    ocr_ms: list[float] = []
    cli_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in scan_images:
            read = functools.partial(read_document, load_bundle([path]).files[0], settings)
            # Bare tesseract cannot open a PDF: its baseline reads the same pages as 300 dpi PNGs,
            # rendered here untimed (our figure keeps the rendering: the comparison leans against us).
            images = page_images(path, Path(tmp))
            for _ in range(repeats):
                elapsed, _doc = _timed(read)
                ocr_ms.append(elapsed / len(images))
                cli_ms.append(sum(bare_tesseract_ms(image) for image in images) / len(images))
    ratios = sorted(ours / bare for ours, bare in zip(ocr_ms, cli_ms, strict=True))
    nan = float("nan")
    return {
        "text_page_ms_p50": _median(text_ms),
        "ocr_page_ms_p50": _median(ocr_ms),
        "tesseract_page_ms_p50": _median(cli_ms),
        "ocr_ratio_vs_tesseract": _median(ratios),
        "ocr_ratio_p90": ratios[min(len(ratios) - 1, int(0.9 * len(ratios)))] if ratios else nan,
        "ocr_ratio_of_totals": sum(ocr_ms) / sum(cli_ms) if cli_ms else nan,
    }


def page_images(scan: Path, folder: Path) -> list[Path]:
    """The scan's page images: the file itself, or each page of an image-only PDF rendered at 300 dpi."""
    if scan.suffix.lower() != ".pdf":
        return [scan]
    doc = pdfium.PdfDocument(scan)
    try:
        out = []
        for index in range(len(doc)):
            target = folder / f"{scan.parent.name}-{scan.stem}-{index + 1}.png"
            _save_scan(doc[index].render(scale=300 / 72, grayscale=True).to_numpy(), target)
            out.append(target)
        return out
    finally:
        doc.close()


def bare_tesseract_ms(image: Path) -> float:
    """Wall time of ``tesseract IMG out tsv`` with one OpenMP thread: the baseline of every OCR figure."""
    binary = shutil.which("tesseract") or "tesseract"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [binary, str(image), str(Path(tmp) / "out"), "tsv"], check=True, capture_output=True, env=env
        )
        return (time.perf_counter() - start) * 1000.0


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000.0, result


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --------------------------------------------------------------------------------------------------
# Synthetic pages.


def make_synthetic_pages(out: Path, seed: int = 7) -> tuple[list[Path], list[Path]]:
    """Write a pay-stub-like and a statement-like PDF, and 300 dpi noisy, tilted scans of them.

    Args:
        out: folder to write into.
        seed: noise seed.

    Returns:
        (digital PDFs, scan PNGs).
    """
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pdfs = [_pay_stub(out / "paystub.pdf"), _statement(out / "statement.pdf")]
    scans = []
    for pdf, tilt in zip(pdfs, (0.8, -1.2), strict=True):
        grey = _render(pdf)
        scans.append(_save_scan(_degrade(grey, tilt, rng), out / f"{pdf.stem}_scan.png"))
    return pdfs, scans


def _pay_stub(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(54, 730, "ACME WIDGETS INC")
    c.setFont("Helvetica", 10)
    c.drawString(54, 714, "1200 Industrial Parkway, Springfield, IL 62701")
    rows = [
        ("Employee", "Jordan A. Rivera"),
        ("Employee ID", "E-104233"),
        ("Pay Period", "02/01/2026 - 02/15/2026"),
        ("Pay Date", "02/20/2026"),
        ("Address", "48 Maple Street, Springfield, IL 62704"),
    ]
    for i, (label, value) in enumerate(rows):
        c.drawString(54, 680 - 16 * i, f"{label}:")
        c.drawString(180, 680 - 16 * i, value)
    c.setFont("Helvetica-Bold", 10)
    for x, head in ((54, "Earnings"), (260, "Rate"), (340, "Hours"), (430, "Current"), (510, "YTD")):
        c.drawString(x, 580, head)
    c.setFont("Helvetica", 10)
    lines = [
        ("Regular", "28.50", "80.00", "2,280.00", "6,840.00"),
        ("Overtime", "42.75", "6.00", "256.50", "513.00"),
        ("Federal Tax", "", "", "-304.41", "-913.23"),
        ("Social Security", "", "", "-157.26", "-471.78"),
        ("Medicare", "", "", "-36.78", "-110.34"),
        ("State Tax", "", "", "-101.44", "-304.32"),
        ("Health Insurance", "", "", "-85.00", "-255.00"),
        ("401(k)", "", "", "-126.83", "-380.49"),
    ]
    for i, cols in enumerate(lines):
        for x, text in zip((54, 260, 340, 430, 510), cols, strict=True):
            c.drawString(x, 560 - 16 * i, text)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(54, 410, "Gross Pay 2,536.50     Total Deductions 811.72     Net Pay 1,724.78")
    c.save()
    return path


def _statement(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(54, 740, "FIRST HARBOR BANK - Checking Account Statement")
    c.setFont("Helvetica", 9)
    c.drawString(
        54, 724, "Account 0012-3345-6789   Period 01/01/2026 to 01/31/2026   Opening balance 3,412.08"
    )
    for x, head in ((54, "Date"), (110, "Description"), (390, "Debit"), (450, "Credit"), (510, "Balance")):
        c.drawString(x, 700, head)
    balance = 3412.08
    for i in range(40):
        amount = round(((i * 37) % 23 - 11) * 13.37, 2)
        balance += amount
        y = 684 - 15 * i
        c.drawString(54, y, f"01/{i % 28 + 1:02d}")
        c.drawString(110, y, f"{'POS PURCHASE STORE' if amount < 0 else 'DEPOSIT TRANSFER'} #{1000 + i * 7}")
        c.drawRightString(430 if amount < 0 else 490, y, f"{abs(amount):,.2f}")
        c.drawRightString(560, y, f"{balance:,.2f}")
    c.save()
    return path


def _render(pdf: Path) -> np.ndarray:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[0].render(scale=300 / 72, grayscale=True).to_numpy()
    finally:
        doc.close()


def _degrade(grey: np.ndarray, tilt: float, rng: np.random.Generator) -> np.ndarray:
    """A mild scan: slight tilt, a touch of blur, sensor noise and a grey paper tone."""
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), tilt, 1.0)
    tilted = cv2.warpAffine(grey, matrix, (w, h), borderValue=255)
    blurred = cv2.GaussianBlur(tilted, (3, 3), 0.6).astype(np.float64)
    noisy = blurred * 0.92 + 12 + rng.normal(0, 8, blurred.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _save_scan(grey: np.ndarray, path: Path) -> Path:
    Image.fromarray(grey).save(path, dpi=(300, 300))
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Print the reading-cost table; with ``--json OUT`` also write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", nargs="*", type=Path, default=[], help="digital PDFs")
    parser.add_argument("--scan", nargs="*", type=Path, default=[], help="page images to OCR")
    parser.add_argument("--synthetic", type=Path, help="make synthetic pages in this folder and add them")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--json", type=Path, help="write the figures as one JSON object")
    args = parser.parse_args(argv)
    pdfs, scans = list(args.pdf), list(args.scan)
    if args.synthetic:
        made_pdfs, made_scans = make_synthetic_pages(args.synthetic)
        pdfs += made_pdfs
        scans += made_scans
    figures = measure_reading_cost(pdfs, scans, repeats=args.repeats)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:10.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
