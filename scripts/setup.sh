#!/usr/bin/env bash
# Set up docsentry on a fresh Debian/Ubuntu machine and verify two committed sample bundles.
#   bash scripts/setup.sh            # system packages + .venv + package + a first run
#   SKIP_DEMO=1 bash scripts/setup.sh  # set up only
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# System packages: Tesseract 5 (OCR) with English and orientation data, its library headers and a C++
# compiler (tesserocr is built against this very Tesseract, so in-process reads equal the binary's),
# DejaVu fonts (sample generator), Chromium (the HTML report's browser test).
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || need+=(tesseract-ocr-eng)
[ -f /usr/share/tesseract-ocr/5/tessdata/osd.traineddata ] || need+=(tesseract-ocr-osd)
[ -f /usr/include/tesseract/baseapi.h ] || need+=(libtesseract-dev)
[ -f /usr/include/leptonica/allheaders.h ] || need+=(libleptonica-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# --no-binary: the tesserocr wheel bundles another Tesseract release, which reads differently from
# the system binary; built from source it links the system library (~25 s, once).
.venv/bin/python -m pip install -q --no-binary tesserocr -e ".[dev]"

if [ -z "${SKIP_DEMO:-}" ]; then
  # The main job on committed samples with the embedded defaults (SQLite file ./docsentry.db).
  # S-0001 is a clean digital bundle (text layer, milliseconds); S-0004 a clean scanned one (OCR).
  for bundle in samples/bundles/S-0001 samples/bundles/S-0004; do
    .venv/bin/docsentry verify "$bundle" --json "out/$(basename "$bundle").json"
  done
fi
