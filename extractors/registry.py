"""The explicit list of extractor modules: importing one registers its extractor by kind.

A new document kind is added here once; `tests/test_registry.py` checks that every module under
``extractors/`` defining an :class:`~extractors.base.Extractor` is listed.
"""

from __future__ import annotations

import importlib
from functools import cache

EXTRACTOR_MODULES = (
    "extractors.identity",
    "extractors.pay_stub",
    "extractors.bank_statement",
)


@cache
def load_extractors() -> None:
    """Import every extractor module once (registration happens at class definition)."""
    for module in EXTRACTOR_MODULES:
        importlib.import_module(module)
