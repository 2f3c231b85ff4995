"""Intake: sources, sniffing, and every hostile-input refusal (each keeps the rest of the bundle)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from pipeline.config import IntakeLimits
from pipeline.intake import Bundle, IntakeFile, load_bundle, sniff_media_type

APPLICATION = {"application_id": "A-1001", "lender_id": "L-01", "applicant": {"full_name": "Jordan Rivera"}}


def make_pdf(text: str = "Net Pay 1,724.78 for the period ending 02/15/2026") -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.drawString(72, 720, text)
    c.save()
    return buffer.getvalue()


def by_name(bundle: Bundle) -> dict[str, IntakeFile]:
    return {f.name: f for f in bundle.files}


def write_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def assert_good_pdf_read(bundle: Bundle, name: str = "paystub.pdf") -> None:
    good = by_name(bundle)[name]
    assert good.error is None
    assert good.media_type == "application/pdf"
    assert good.data.startswith(b"%PDF")
    assert good.sha256 == hashlib.sha256(good.data).hexdigest()


# --------------------------------------------------------------------------------------------------
# Sources.


def test_folder_bundle_reads_documents_application_and_skips_truth_and_hidden(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "paystub.pdf").write_bytes(make_pdf())
    (tmp_path / "application.json").write_text(json.dumps(APPLICATION))
    (tmp_path / "truth.json").write_text("{}")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")

    bundle = load_bundle(tmp_path)

    assert [f.name for f in bundle.files] == ["docs/paystub.pdf"]
    assert bundle.bundle_id == "A-1001"
    assert bundle.application is not None and bundle.application.applicant.full_name == "Jordan Rivera"
    assert bundle.application_error is None
    assert_good_pdf_read(bundle, "docs/paystub.pdf")


def test_zip_bundle_finds_application_inside_a_wrapping_folder(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "upload.zip",
        {"A-1001/application.json": json.dumps(APPLICATION).encode(), "A-1001/paystub.pdf": make_pdf()},
    )
    bundle = load_bundle(archive)
    assert bundle.bundle_id == "A-1001"
    assert_good_pdf_read(bundle, "A-1001/paystub.pdf")


def test_list_of_files_and_bundle_id_falls_back_to_hash(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf())
    bundle = load_bundle([pdf])
    assert bundle.bundle_id == f"bundle-{bundle.bundle_sha256[:12]}"
    assert_good_pdf_read(bundle, "a.pdf")


def test_bundle_id_falls_back_to_folder_name_and_hash_is_stable(tmp_path: Path) -> None:
    folder = tmp_path / "case-7"
    folder.mkdir()
    (folder / "paystub.pdf").write_bytes(make_pdf())
    first, second = load_bundle(folder), load_bundle(folder)
    assert first.bundle_id == "case-7"
    assert first.bundle_sha256 == second.bundle_sha256


def test_malformed_application_json_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "application.json").write_text(
        '{"application_id": "A-1", "applicant": {"date_of_birth": "soon"}}'
    )
    (tmp_path / "paystub.pdf").write_bytes(make_pdf())
    bundle = load_bundle(tmp_path)
    assert bundle.application is None
    assert bundle.application_error is not None and "malformed" in bundle.application_error
    assert bundle.bundle_id == tmp_path.name
    assert_good_pdf_read(bundle)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x7fELF\x02\x01", "application/x-executable"),
        (b"hello, plain text", "text/plain"),
        (b"", "application/x-empty"),
        (b"\x00\x01\x02\xff", "application/octet-stream"),
    ],
)
def test_sniff_media_type_from_content(head: bytes, expected: str) -> None:
    assert sniff_media_type(head) == expected


def test_media_type_ignores_the_extension(tmp_path: Path) -> None:
    (tmp_path / "paystub.pdf").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 64)
    (tmp_path / "scan.png").write_bytes(make_pdf())
    files = by_name(load_bundle(tmp_path))
    assert files["paystub.pdf"].media_type == "application/x-executable"
    assert files["scan.png"].media_type == "application/pdf"


# --------------------------------------------------------------------------------------------------
# Refusals: each names its reason and leaves the good file readable.


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    (tmp_path / "paystub.pdf").write_bytes(make_pdf())
    (tmp_path / "huge.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 50_000)
    bundle = load_bundle(tmp_path, IntakeLimits(max_file_bytes=20_000))
    huge = by_name(bundle)["huge.pdf"]
    assert huge.error is not None and "limit is 20000" in huge.error
    assert huge.data == b"" and huge.size_bytes > 20_000
    assert_good_pdf_read(bundle)


def test_too_many_files_refuses_the_excess_but_lists_them(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"doc{i}.pdf").write_bytes(make_pdf(f"document number {i} of the bundle here"))
    bundle = load_bundle(tmp_path, IntakeLimits(max_bundle_files=2))
    assert len(bundle.files) == 3
    refused = [f for f in bundle.files if f.error]
    assert len(refused) == 1 and "more than 2 files" in (refused[0].error or "")


def test_zip_slip_names_are_refused(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "b.zip",
        {"paystub.pdf": make_pdf(), "../../etc/evil.pdf": make_pdf(), "/abs/evil.pdf": make_pdf()},
    )
    bundle = load_bundle(archive)
    files = by_name(bundle)
    assert "zip slip" in (files["../../etc/evil.pdf"].error or "")
    assert "zip slip" in (files["/abs/evil.pdf"].error or "")
    assert files["../../etc/evil.pdf"].data == b""
    assert_good_pdf_read(bundle)


def test_zip_bomb_member_is_refused_by_ratio(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "b.zip", {"paystub.pdf": make_pdf(), "bomb.pdf": b"%PDF-1.4" + b"\x00" * 5_000_000}
    )
    bundle = load_bundle(archive)
    bomb = by_name(bundle)["bomb.pdf"]
    assert bomb.error is not None and "zip bomb" in bomb.error
    assert bomb.data == b""
    assert_good_pdf_read(bundle)


def test_zip_declaring_more_than_the_total_is_refused(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "b.zip",
        {"paystub.pdf": make_pdf(), "big.pdf": os.urandom(40_000)},
        compression=zipfile.ZIP_STORED,
    )
    bundle = load_bundle(archive, IntakeLimits(max_zip_total_bytes=30_000))
    assert "uncompressed" in (by_name(bundle)["big.pdf"].error or "")
    assert_good_pdf_read(bundle)


def test_zip_member_whose_declared_size_lies_is_refused(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "b.zip", {"paystub.pdf": make_pdf(), "liar.pdf": os.urandom(60_000)}, zipfile.ZIP_STORED
    )
    # Forge liar.pdf's central-directory entry to declare 100 bytes (compressed and uncompressed).
    raw = bytearray(archive.read_bytes())
    entry = raw.index(b"PK\x01\x02", raw.index(b"liar.pdf", raw.index(b"PK\x01\x02")) - 46)
    raw[entry + 20 : entry + 28] = (100).to_bytes(4, "little") * 2
    archive.write_bytes(bytes(raw))
    bundle = load_bundle(archive)
    liar = by_name(bundle)["liar.pdf"]
    assert liar.error is not None and "cannot be extracted" in liar.error
    assert_good_pdf_read(bundle)


def test_nested_zip_is_not_expanded(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("hidden.pdf", make_pdf())
    archive = write_zip(tmp_path / "b.zip", {"paystub.pdf": make_pdf(), "more.zip": inner.getvalue()})
    bundle = load_bundle(archive)
    nested = by_name(bundle)["more.zip"]
    assert nested.error == "archive inside a bundle is not expanded"
    assert nested.media_type == "application/zip" and nested.data == b""
    assert "hidden.pdf" not in by_name(bundle)
    assert_good_pdf_read(bundle)


def test_corrupt_zip_becomes_one_refused_file(tmp_path: Path) -> None:
    archive = tmp_path / "b.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    bundle = load_bundle(archive)
    assert len(bundle.files) == 1 and "zip cannot be opened" in (bundle.files[0].error or "")


def test_symlink_outside_the_bundle_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(make_pdf())
    bundle_dir = tmp_path / "bundle"
    bundle_dir.mkdir()
    (bundle_dir / "paystub.pdf").write_bytes(make_pdf())
    (bundle_dir / "link.pdf").symlink_to(outside)
    bundle = load_bundle(bundle_dir)
    link = by_name(bundle)["link.pdf"]
    assert link.error == "symbolic link points outside the bundle" and link.data == b""
    assert_good_pdf_read(bundle)


def test_symlink_inside_the_bundle_is_read(tmp_path: Path) -> None:
    (tmp_path / "paystub.pdf").write_bytes(make_pdf())
    (tmp_path / "copy.pdf").symlink_to(tmp_path / "paystub.pdf")
    files = by_name(load_bundle(tmp_path))
    assert files["copy.pdf"].error is None and files["copy.pdf"].sha256 == files["paystub.pdf"].sha256
