"""Verify one bundle end to end, in-process: intake, every stage, storage."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Settings
from pipeline.intake import Bundle, load_bundle
from pipeline.models import Report
from pipeline.stages import verify_loaded_bundle
from pipeline.store import Store


def verify_bundle(source: Path, settings: Settings | None = None, *, store: bool | Store = True) -> Report:
    """Verify the bundle at ``source`` and, unless ``store`` is False, save it in the store.

    ``store`` may be an open :class:`Store` (reused across bundles) or True to open
    ``settings.db_url``.
    """
    return verify_bundle_loaded(source, settings, store=store)[0]


def verify_bundle_loaded(
    source: Path, settings: Settings | None = None, *, store: bool | Store = True
) -> tuple[Report, Bundle]:
    """Like :func:`verify_bundle`, also returning the bundle as loaded, so a caller can show its files
    (the HTML report crops pages from them) without reading the bundle a second time."""
    settings = settings or Settings()
    bundle = load_bundle(source, settings.intake)
    target = None if store is False else store if isinstance(store, Store) else Store(settings.db_url)
    return verify_loaded_bundle(bundle, settings, target), bundle
