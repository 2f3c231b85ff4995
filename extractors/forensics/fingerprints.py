"""Who made a PDF: the producer / creator strings matched against a documented data file.

The data lives in ``pdf_fingerprints.toml`` beside this module so that an analyst can add a tool with
the evidence for it without touching code. A known generator is context, never a signal; an editor or
a fake-document generator is evidence that the file went through such a tool.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pipeline.models import ForensicSignal

DATA_FILE = Path(__file__).with_name("pdf_fingerprints.toml")
ToolKind = Literal["generator", "ocr", "editor", "fake_generator"]
_KINDS: frozenset[str] = frozenset({"generator", "ocr", "editor", "fake_generator"})
_CONTEXT_KINDS = frozenset({"generator", "ocr"})
"""Kinds that describe how a genuine file was made: context, never a signal."""
_METADATA_KEYS = ("Producer", "Creator")


@dataclass(frozen=True)
class Fingerprint:
    name: str
    kind: ToolKind
    patterns: tuple[re.Pattern[str], ...]
    note: str

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


@cache
def load_fingerprints(path: Path = DATA_FILE) -> tuple[Fingerprint, ...]:
    """The entries of the data file; a malformed entry fails loudly at first use, not silently."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for item in raw.get("entry", []):
        if item.get("kind") not in _KINDS or not item.get("patterns") or not item.get("name"):
            raise ValueError(f"{path.name}: entry {item.get('name')!r} needs a name, a known kind and patterns")
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in item["patterns"])
        entries.append(Fingerprint(item["name"], item["kind"], patterns, item.get("note", "")))
    return tuple(entries)


def identify(text: str, fingerprints: tuple[Fingerprint, ...] | None = None) -> Fingerprint | None:
    """The first entry matching ``text``; editors and fake generators are tried before generators
    because an editor's producer string may also name the engine it embeds."""
    ranked = sorted(fingerprints or load_fingerprints(), key=lambda f: f.kind in _CONTEXT_KINDS)
    return next((f for f in ranked if f.matches(text)), None)


def fingerprint_signals(metadata: dict[str, str], strengths: dict[str, float]) -> list[ForensicSignal]:
    """One signal per producer/creator that names an editor or a fake-document generator.

    Args:
        metadata: document-info entries as read (``Producer``, ``Creator``, ...).
        strengths: signal strength per tool kind (from the forensic settings).
    """
    signals = []
    for key in _METADATA_KEYS:
        value = (metadata.get(key) or "").strip()
        tool = identify(value) if value else None
        if tool is None or tool.kind in _CONTEXT_KINDS:
            continue
        signals.append(ForensicSignal(
            family="fingerprint", name=f"{tool.kind}_{key.lower()}", strength=strengths[tool.kind],
            detail=f"{key} '{value}' is {tool.name} ({tool.kind.replace('_', ' ')}): {tool.note}"))
    return signals


def recognised_scan(metadata: dict[str, str]) -> bool:
    """Whether the producer or creator is an OCR tool: the file is a scan whose text layer it wrote."""
    return any((tool := identify(metadata.get(key) or "")) is not None and tool.kind == "ocr"
               for key in _METADATA_KEYS if metadata.get(key))
