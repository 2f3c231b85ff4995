"""The extractor contract: one class per document kind, registered by kind, checked when defined.

An extractor declares the ``signals`` that tell its kind apart (used by the classifier) and turns the
read pages of one document into typed fields. Layout variety is handled inside with label anchors and
geometry (see :mod:`extractors.layout`), never with a template per issuer.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from extractors.layout import Line
from pipeline.models import DocKind, FieldValue, LineItem, ReadDocument, Transaction


@dataclass(frozen=True)
class Signal:
    """A pattern whose presence in a document's text is evidence for one kind, with its weight."""

    pattern: re.Pattern[str]
    weight: float
    mrz_line: bool = False
    """The pattern matches a machine-readable zone's first line as read; the classifier lets a parsed
    zone stand in for it (:mod:`extractors.classify`), so the two are never counted twice."""


def signal(pattern: str, weight: float = 1.0, *, mrz_line: bool = False) -> Signal:
    return Signal(re.compile(pattern, re.IGNORECASE | re.MULTILINE), weight, mrz_line)


@dataclass
class Extraction:
    """What an extractor found in one document."""

    fields: dict[str, FieldValue] = field(default_factory=dict)
    transactions: list[Transaction] = field(default_factory=list)
    deductions: list[LineItem] = field(default_factory=list)


EXTRACTORS: dict[DocKind, "Extractor"] = {}


class Extractor(ABC):
    """Base class; subclasses register themselves for their ``kind``.

    Class attributes a subclass must set:
        kind: the document kind it reads.
        fields: every field name it can produce (the DESIGN.md list for its kind).
        signals: weighted text patterns for classification.
    """

    kind: ClassVar[DocKind]
    fields: ClassVar[tuple[str, ...]]
    signals: ClassVar[tuple[Signal, ...]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # ABCMeta computes __abstractmethods__ only after this hook: look at the class body too, so an
        # intermediate base declaring its own abstract methods is not registered as an extractor.
        if getattr(cls, "__abstractmethods__", None) or any(
                getattr(member, "__isabstractmethod__", False) for member in vars(cls).values()):
            return
        for attr in ("kind", "fields", "signals"):
            if not hasattr(cls, attr):
                raise TypeError(f"extractor {cls.__name__} must define class attribute {attr!r}")
        if not cls.signals:
            raise TypeError(f"extractor {cls.__name__} needs at least one classification signal")
        if cls.kind in EXTRACTORS:
            raise TypeError(f"two extractors for kind {cls.kind}: {type(EXTRACTORS[cls.kind]).__name__}, {cls.__name__}")
        EXTRACTORS[cls.kind] = cls()

    @abstractmethod
    def extract(self, document: ReadDocument, lines: Sequence[Line]) -> Extraction:
        """Read this kind's fields from the document's lines (all pages, reading order)."""
