"""Tesseract through tesserocr: the same engine and models as the ``tesseract`` binary, loaded once.

The binary (``TesseractCliEngine``) starts a process and loads the language model on every call:
~0.15 s, which is most of the cost of reading an ID-card photo (~0.2 s of recognition) and a
quarter of a letter page's. This backend keeps one initialised ``TessBaseAPI`` per configuration
in each process and feeds it raw grey pixels, so a page pays for recognition only. Output goes
through the same TSV / hOCR renderers as the binary's, parsed by the same code.

Handles are per process (keyed by pid): a Celery or multiprocessing child never reuses a handle
created before ``fork``. Each handle is guarded by a lock, since one API object is not reentrant.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from extractors.ocr import OCR_DPI, OcrError, Orientation, parse_tsv
from pipeline.models import Word

# Tesseract's OpenMP threads are sized when the library loads: one per process, as for the binary
# (pages run in parallel processes; OpenMP inside one only adds contention on a busy machine).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_PAGE_VARIABLES = {"user_defined_dpi": str(OCR_DPI)}
"""What the binary's ``--dpi 300`` sets: page images reach the engine at 300 dpi."""


def available() -> bool:
    """Whether tesserocr imports, links the same Tesseract release as the binary, and finds its data.

    A tesserocr wheel bundles its own Tesseract; a release other than the binary's reads differently
    (the 5.5 wheel against Debian's 5.3, on one set of 60 scanned bundles: licences 0.942 -> 0.910,
    pay stubs 0.968 -> 0.947 field accuracy), so only a tesserocr built against the system library
    stands in for the binary.
    """
    try:
        import tesserocr
    except ImportError:
        return False
    return tessdata_dir() is not None and _release(tesserocr.tesseract_version()) == binary_release()


def _release(version_text: str) -> str | None:
    """``"5.3.0"`` from ``tesseract 5.3.0\n leptonica-...`` (the first version number printed)."""
    found = re.search(r"(\d+\.\d+\.\d+)", version_text)
    return found.group(1) if found else None


@functools.cache
def binary_release() -> str | None:
    """The release of the ``tesseract`` binary on PATH (None without one)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return _release(out.stdout.decode("utf-8", "replace") + out.stderr.decode("utf-8", "replace"))


@functools.cache
def tessdata_dir() -> str | None:
    """The folder holding ``eng.traineddata``: ``TESSDATA_PREFIX``, else where the binary looks."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = [env] if env else []
    binary = shutil.which("tesseract")
    if binary:
        try:
            listing = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            listing = None
        if listing is not None:
            # 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):'
            found = re.search(r'"([^"]+)"', listing.stdout.decode("utf-8", "replace"))
            if found:
                candidates.append(found.group(1))
    for folder in candidates:
        if folder and (Path(folder) / "eng.traineddata").is_file():
            return folder.rstrip("/") + "/"
    return None


class TesserocrEngine:
    """An ``OcrEngine`` on in-process Tesseract handles (see the module docstring)."""

    def __init__(self, tessdata: str | None = None) -> None:
        self.tessdata = tessdata or tessdata_dir()
        if self.tessdata is None:
            raise OcrError("Tesseract language data not found (set TESSDATA_PREFIX)")
        self._handles: dict[tuple[int, str, tuple[tuple[str, str], ...]], tuple[Any, threading.Lock]] = {}
        self._guard = threading.Lock()

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        return parse_tsv("header\n" + self._recognise(image, psm, lang, _PAGE_VARIABLES, timeout_s, "tsv"))

    def read_hocr(
        self, image: np.ndarray, *, psm: int, lang: str, variables: Mapping[str, str], timeout_s: float
    ) -> str:
        return self._recognise(image, psm, lang, variables, timeout_s, "hocr")

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        api, lock = self._handle("osd", {})
        with lock:
            _set_image(api, image)
            api.SetPageSegMode(0)
            answer = api.DetectOrientationScript()
        if not answer:
            return None  # too little text to tell
        # orient_deg is how far the text is turned counter-clockwise; the binary prints the
        # clockwise rotation that makes it upright, which is what Orientation holds.
        return Orientation((360 - int(answer["orient_deg"])) % 360, float(answer["orient_conf"]))

    def _recognise(
        self, image: np.ndarray, psm: int, lang: str, variables: Mapping[str, str], timeout_s: float, output: str
    ) -> str:
        api, lock = self._handle(lang, variables)
        with lock:
            _set_image(api, image)
            api.SetPageSegMode(psm)
            if not api.Recognize(int(timeout_s * 1000)):
                api.Clear()
                raise OcrError(f"OCR timed out after {timeout_s:.0f} s")
            text = api.GetTSVText(0) if output == "tsv" else api.GetHOCRText(0)
            api.Clear()
        return text or ""

    def _handle(self, lang: str, variables: Mapping[str, str]) -> tuple[Any, threading.Lock]:
        import tesserocr

        key = (os.getpid(), lang, tuple(sorted(variables.items())))
        with self._guard:
            if key not in self._handles:
                try:
                    api = tesserocr.PyTessBaseAPI(path=self.tessdata, lang=lang)
                except RuntimeError as exc:
                    raise OcrError(f"Tesseract could not load {lang!r}: {exc}") from exc
                for name, value in variables.items():
                    api.SetVariable(name, value)
                self._handles = {k: v for k, v in self._handles.items() if k[0] == key[0]}
                self._handles[key] = (api, threading.Lock())
            return self._handles[key]


def _set_image(api: Any, image: np.ndarray) -> None:
    grey = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = grey.shape[:2]
    api.SetImageBytes(grey.tobytes(), width, height, 1, width)
