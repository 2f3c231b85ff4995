"""File-level forgeries and breakage: incremental-update edits, and files no reader can open."""

from __future__ import annotations

import io
import random
from datetime import date

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

EDITOR_PRODUCERS = ("Adobe Acrobat Pro (64-bit) 23.8.20533", "iLovePDF", "Sejda PDF Editor 7.6.4", "PDFescape Online",
                    "Foxit PDF Editor 12.1")


def incremental_edit(original: bytes, edited: bytes, *, editor: str, when: date) -> bytes:
    """Append an incremental update to ``original`` that swaps in ``edited``'s page content.

    This is what a PDF editor saves after "edit text": the original bytes stay, a new revision with
    replaced content streams and fonts follows, and the producer names the editor.
    """
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    source = PdfReader(io.BytesIO(edited))
    for page, new_page in zip(writer.pages, source.pages, strict=True):
        if page.get_contents().get_data() == new_page.get_contents().get_data():  # type: ignore[union-attr]
            continue
        page[NameObject("/Contents")] = new_page.raw_get("/Contents").clone(writer)  # type: ignore[union-attr]
        page[NameObject("/Resources")] = new_page.raw_get("/Resources").clone(writer)  # type: ignore[union-attr]
    stamp = f"D:{when:%Y%m%d}143012+00'00'"
    writer.add_metadata({"/Producer": editor, "/ModDate": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def unreadable(pdf: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A broken copy of ``pdf`` and how it is broken: truncated, garbage, encrypted or empty."""
    how = rng.choice(("truncated", "garbage", "encrypted", "empty"))
    if how == "truncated":
        return pdf[: int(len(pdf) * rng.uniform(0.2, 0.5))], how
    if how == "garbage":
        noise = random.Random(rng.random())
        return b"%PDF-1.4\n" + bytes(noise.randrange(256) for _ in range(4000)), how
    if how == "encrypted":
        out = io.BytesIO()
        with pikepdf.open(io.BytesIO(pdf)) as document:
            # RC4 (R3) has no random IV and a static ID keeps the bytes reproducible for a seed.
            lock = pikepdf.Encryption(user=f"pw{rng.randint(1000, 9999)}", owner="owner", R=3, aes=False, metadata=False)
            document.save(out, encryption=lock, static_id=True)
        return out.getvalue(), how
    return b"", how
