"""The HTML report: crop geometry in both units, escaping, masking, and the page in real Chromium."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from extractors.ocr import rotate_by, rotate_quadrant
from pipeline.models import (
    CheckResult,
    DocKind,
    Evidence,
    ExtractedDocument,
    FieldValue,
    Finding,
    PageFrame,
    Report,
    Severity,
)
from pipeline.report_html import NoCrop, crop_window, draw_crop, render_html, render_page, to_pixels

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "bundles"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic")
LETTER = (612.0, 792.0)


# --------------------------------------------------------------------------------------------------
# Helpers: a page with one black mark, and where the drawn box sits relative to it.


def _pdf_with_mark(mark: tuple[float, float, float, float], rotate: int = 0) -> bytes:
    """A letter page with a filled black rectangle at ``mark`` (points, origin top-left)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER)
    x0, y0, x1, y1 = mark
    pdf.rect(x0, LETTER[1] - y1, x1 - x0, y1 - y0, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    if not rotate:
        return out.getvalue()
    # Set /Rotate afterwards so the user space (and the mark's position in it) stays as drawn.
    document = pdfium.PdfDocument(out.getvalue())
    document[0].set_rotation(rotate)
    rotated = io.BytesIO()
    document.save(rotated)
    return rotated.getvalue()


def _ink_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1) of the dark pixels of an RGB array."""
    ys, xs = np.nonzero(rgb.max(axis=2) < 90)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _is_red(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] > 170) & (rgb[..., 1] < 100) & (rgb[..., 2] < 100)


def _assert_boxed(png: bytes, slack: int = 8) -> None:
    """The crop's dark mark is enclosed by red lines that hug it on all four sides."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    red = _is_red(rgb)
    x0, y0, x1, y1 = _ink_box(rgb)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    assert red[max(y0 - slack, 0):y0, cx].any(), "no box line just above the mark"
    assert red[y1 + 1:y1 + 1 + slack, cx].any(), "no box line just below the mark"
    assert red[cy, max(x0 - slack, 0):x0].any(), "no box line just left of the mark"
    assert red[cy, x1 + 1:x1 + 1 + slack].any(), "no box line just right of the mark"


def _document(file: str, unit: str, size: tuple[float, float], frames: tuple[PageFrame, ...] | None = None,
              **fields: FieldValue) -> ExtractedDocument:
    return ExtractedDocument(
        file=file, sha256="0" * 64, kind=DocKind.PAY_STUB, pages=1, source="text" if unit == "pt" else "ocr",
        bbox_unit=unit, page_sizes=(size,),  # type: ignore[arg-type]
        page_frames=(PageFrame(unit=unit),) if frames is None else frames,  # type: ignore[arg-type]
        fields=dict(fields),
    )


def _report(documents: list[ExtractedDocument], findings: list[Finding]) -> Report:
    checks = [CheckResult(rule="paystub_arithmetic", code="PAYSTUB_ARITHMETIC", status="failed"),
              CheckResult(rule="income_deposited", code="INCOME_NOT_DEPOSITED", status="not_run",
                          reason="no bank statement in bundle")]
    return Report(application_id="A-1", decision="review", risk_score=50, documents=documents,
                  findings=findings, checks=checks)


def _data_uris(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


# --------------------------------------------------------------------------------------------------
# Geometry.


def test_crop_window_adds_margin_and_minimum_size_inside_the_page() -> None:
    window = crop_window([(300.0, 400.0, 340.0, 410.0)], LETTER, "pt")
    x0, y0, x1, y1 = window
    assert x0 < 300 and y0 < 400 and x1 > 340 and y1 > 410
    assert x1 - x0 >= 3.5 * 72 - 1e-6 and y1 - y0 >= 72 - 1e-6


def test_crop_window_slides_inside_the_page_at_its_edges() -> None:
    assert crop_window([(0.0, 0.0, 20.0, 10.0)], LETTER, "pt")[:2] == (0.0, 0.0)
    x0, _, x1, y1 = crop_window([(2400.0, 3250.0, 2540.0, 3295.0)], (2550.0, 3300.0), "px300")
    assert (x1, y1) == (2550.0, 3300.0)
    assert x1 - x0 >= 3.5 * 300 - 1e-6  # slid left, not shrunk


def test_to_pixels_scales_points_and_px300_to_the_render() -> None:
    # 150 dpi: a point is 150/72 px, a px300 unit half a pixel.
    assert to_pixels((72.0, 144.0, 144.0, 216.0), (0.0, 0.0), 150 / 72) == (150, 300, 300, 450)
    assert to_pixels((600.0, 300.0, 900.0, 330.0), (300.0, 0.0), 0.5) == (150, 150, 300, 165)


def test_text_layer_box_lands_on_its_mark() -> None:
    mark = (250.0, 300.0, 330.0, 318.0)
    page = render_page(_pdf_with_mark(mark), 1, PageFrame(unit="pt"), LETTER)
    _assert_boxed(draw_crop(page, [mark], [1], LETTER, "pt"))


def test_text_layer_box_ignores_page_rotate() -> None:
    # Text-layer boxes are in unrotated user space; /Rotate only changes how viewers show the page.
    mark = (100.0, 600.0, 180.0, 640.0)
    page = render_page(_pdf_with_mark(mark, rotate=90), 1, PageFrame(unit="pt"), LETTER)
    _assert_boxed(draw_crop(page, [mark], [1], LETTER, "pt"))


def test_ocr_box_lands_on_its_mark_after_the_readers_turn_and_deskew() -> None:
    original = Image.new("L", (1200, 1600), 255)
    ImageDraw.Draw(original).rectangle((300, 200, 500, 260), fill=0)
    # The frame OCR boxes are measured in, made by the reader's own functions: turned, then levelled.
    as_read = rotate_by(rotate_quadrant(np.asarray(original), 90), 2.0)
    ys, xs = np.nonzero(as_read < 128)
    bbox = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    size = (float(as_read.shape[1]), float(as_read.shape[0]))
    png = io.BytesIO()
    original.save(png, format="PNG")
    frame = PageFrame(unit="px300", rotation_applied=90, skew_corrected=2.0)
    page = render_page(png.getvalue(), 1, frame, size)
    assert page.note is not None and "turned 90° clockwise" in page.note
    _assert_boxed(draw_crop(page, [bbox], [1], size, "px300"))


def test_a_reshaped_frame_is_refused_rather_than_boxed_wrongly() -> None:
    png = io.BytesIO()
    Image.new("L", (1200, 1600), 255).save(png, format="PNG")
    with pytest.raises(NoCrop, match="reshaped"):
        render_page(png.getvalue(), 1, PageFrame(unit="px300"), (1000.0, 1600.0))


# --------------------------------------------------------------------------------------------------
# The page.


def test_finding_without_a_box_shows_its_message_and_no_crop() -> None:
    doc = _document("stub.pdf", "pt", LETTER)
    finding = Finding(code="DOC_MISSING", severity=Severity.MEDIUM, message="No recent pay stub in the bundle.",
                      evidence=(Evidence(note="requirement recent_pay_stub"),))
    page = render_html(_report([doc], [finding]), {"stub.pdf": _pdf_with_mark((10, 10, 20, 20))})
    assert "No recent pay stub in the bundle." in page
    assert "<img" not in page
    assert "requirement recent_pay_stub" in page


def test_finding_with_a_box_embeds_its_crop_and_reports_checks() -> None:
    mark = (250.0, 300.0, 330.0, 318.0)
    net = FieldValue(value=1813.57, page=1, bbox=mark)
    doc = _document("stub.pdf", "pt", LETTER, net_pay=net)
    finding = Finding(code="PAYSTUB_ARITHMETIC", severity=Severity.HIGH, message="net pay is off by 600.00",
                      evidence=(Evidence(file="stub.pdf", page=1, field="net_pay", value=1813.57, bbox=mark),))
    page = render_html(_report([doc], [finding]), {"stub.pdf": _pdf_with_mark(mark)})
    (crop,) = _data_uris(page)
    _assert_boxed(crop)
    assert "no bank statement in bundle" in page  # a not-run check says why
    assert "Not run (1)" in page and "Failed (1)" in page


def test_ocr_page_of_a_report_without_frames_gets_no_box() -> None:
    box = (100.0, 100.0, 300.0, 140.0)
    doc = _document("scan.png", "px300", (1200.0, 1600.0), frames=())
    finding = Finding(code="PAYSTUB_ARITHMETIC", severity=Severity.HIGH, message="off",
                      evidence=(Evidence(file="scan.png", page=1, field="net_pay", value=1.0, bbox=box),))
    png = io.BytesIO()
    Image.new("L", (1200, 1600), 255).save(png, format="PNG")
    page = render_html(_report([doc], [finding]), {"scan.png": png.getvalue()})
    assert "<img" not in page
    assert "straightened before OCR" in page


def test_hostile_names_and_values_are_escaped() -> None:
    hostile = '<script>alert("x")</script>.pdf'
    doc = _document(hostile, "pt", LETTER, employer_name=FieldValue(value='<img src=x onerror="alert(1)">'))
    finding = Finding(code="EMPLOYER_MISMATCH", severity=Severity.MEDIUM, message="employer <b>ACME</b>",
                      evidence=(Evidence(file=hostile, field="employer_name", value="<script>x</script>"),))
    page = render_html(_report([doc], [finding]), {})
    assert "<script" not in page
    assert "<img src=x" not in page and "<b>ACME" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.pdf" in page


def test_identifiers_are_masked_to_their_last_four_unless_revealed() -> None:
    doc = _document("statement.pdf", "pt", LETTER, account_number=FieldValue(value="123456789012"),
                    mrz=FieldValue(value=["P<USASMITH<<JOHN<<<<<<<<", "L898902C36USA7408122M1204159"]))
    finding = Finding(code="ID_NUMBER_MISMATCH", severity=Severity.HIGH, message="declared ID differs",
                      evidence=(Evidence(file="application.json", field="applicant.id_number", value="987654321"),))
    report = _report([doc], [finding])
    masked = render_html(report, {})
    assert "123456789012" not in masked and "********9012" in masked
    assert "987654321" not in masked and "*****4321" in masked
    assert "L898902C36USA7408122M1204159" not in masked
    revealed = render_html(report, {}, reveal_identifiers=True)
    assert "123456789012" in revealed and "987654321" in revealed


def _heatmap_base64(shape: tuple[int, int], hot: tuple[int, int, int, int]) -> str:
    """A grey heat-map as the image examination stores it: black page, white where ``hot`` (x0, y0, x1, y1) is."""
    heat = Image.new("L", (shape[1], shape[0]), 0)
    ImageDraw.Draw(heat).rectangle(hot, fill=255)
    out = io.BytesIO()
    heat.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def _image_finding(heatmaps: object) -> Finding:
    box = (1700.0, 780.0, 1950.0, 830.0)
    return Finding(code="IMAGE_TAMPERED", severity=Severity.HIGH, message="a scanned page shows a cloned region",
                   evidence=(Evidence(file="scan.png", page=1, field="net_pay", value=3711.54, bbox=box),),
                   params={"heatmaps": heatmaps})


def test_image_finding_shows_its_heatmap_beside_the_crop() -> None:
    doc = _document("scan.png", "px300", (1200.0, 1600.0))
    heat = [{"page": 1, "png_base64": _heatmap_base64((96, 72), (50, 45, 70, 50)), "bbox": [0, 0, 1200, 1600],
             "unit": "px300"}]
    scan = io.BytesIO()
    Image.new("L", (1200, 1600), 255).save(scan, format="PNG")
    page = render_html(_report([doc], [_image_finding(heat)]), {"scan.png": scan.getvalue()})
    assert 'class="heatmap"' in page and "heat-map of page 1" in page
    thumbnail = Image.open(io.BytesIO(_data_uris(page)[-1])).convert("RGB")
    assert max(thumbnail.size) <= 192 + 2  # the display size plus its 1 px frame
    rgb = np.asarray(thumbnail)
    red = _is_red(rgb)
    # The hot block (x 50..70 of 72, y 45..50 of 96) is red in the thumbnail, the rest of the page is not.
    ys, xs = np.nonzero(red)
    assert red.any() and xs.min() > thumbnail.width * 0.6 and ys.min() > thumbnail.height * 0.4
    assert not red[: thumbnail.height // 3].any()


def test_a_heatmap_that_is_not_a_small_image_is_left_out() -> None:
    hostile = [{"page": '1"><script>x</script>', "png_base64": "not base64 <script>"},
               {"page": 1, "png_base64": _heatmap_base64((2000, 10), (0, 0, 5, 5))}, "junk"]
    page = render_html(_report([_document("scan.png", "px300", (1200.0, 1600.0))], [_image_finding(hostile)]), {})
    assert 'class="heatmap"' not in page and "<script" not in page


# --------------------------------------------------------------------------------------------------
# Real headless Chromium.

_PROBE = """
window.addEventListener("load", () => {
  for (const img of document.images) img.setAttribute("data-natural", img.naturalWidth + "x" + img.naturalHeight);
  document.body.setAttribute("data-probed", String(document.images.length));
});
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium; outside CI its absence skips, in CI (CI=true) it fails the test."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} not installed in CI (scripts/setup.sh installs it)")
        pytest.skip(f"{CHROMIUM} not installed")
    return CHROMIUM


def _with_probe(page: str) -> str:
    """The page plus a script recording each image's natural size, allowed by hash in the page's CSP
    (the CSP itself stays, so the test also shows that it lets the data: crops load)."""
    digest = base64.b64encode(hashlib.sha256(_PROBE.encode()).digest()).decode()
    probed = page.replace("default-src 'none';", f"default-src 'none'; script-src 'sha256-{digest}';", 1)
    assert probed != page
    return probed.replace("</body>", f"<script>{_PROBE}</script>\n</body>", 1)


@pytest.mark.browser
def test_chromium_loads_the_crops_of_a_sample_with_findings(chromium: str, tmp_path: Path) -> None:
    from pipeline.verify import verify_bundle_loaded

    report, bundle = verify_bundle_loaded(SAMPLES / "S-0013", store=False)  # scenario paystub_arithmetic
    assert any(f.code == "PAYSTUB_ARITHMETIC" and any(e.bbox for e in f.evidence) for f in report.findings)
    page = tmp_path / "report.html"
    page.write_text(_with_probe(render_html(report, {f.name: f.data for f in bundle.files if f.data})),
                    encoding="utf-8")
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    dom = result.stdout
    assert result.returncode == 0 and 'data-probed="' in dom, result.stderr[-2000:]
    images = re.findall(r"<img\b[^>]*>", dom)
    assert images, "no crop in the rendered page"
    for img in images:
        assert 'src="data:image/png;base64,' in img
        width, height = map(int, re.search(r'data-natural="(\d+)x(\d+)"', img).groups())  # type: ignore[union-attr]
        assert width > 0 and height > 0, img[:200]
    assert "PAYSTUB_ARITHMETIC" in dom and "No picture" not in dom
