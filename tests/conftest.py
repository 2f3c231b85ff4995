"""Shared fixtures: database URLs for SQLite and the local PostgreSQL, hand-built pages."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from pipeline.models import PageText, Word

PG_ADMIN_URL = os.environ.get("DOCSENTRY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any connection problem means "not here"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Outside CI a missing server skips these tests; in CI (CI=true) it fails them, because there the
    real database is part of what is tested.
    """
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"docsentry_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Run a storage test over both back-ends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'docsentry.db'}"
    url = request.getfixturevalue("postgres_url")
    # One database per session, an empty schema per test: tests must not see each other's rows.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_page(rows: list[list[tuple[str, float]]], *, number: int = 1, line_height: float = 14.0,
              char_width: float = 6.0, unit: str = "pt", source: str = "text") -> PageText:
    """A page from rows of (text, x) pairs: each word's box from its length, each row one line.

    Lets layout and extractor tests describe a page the way it looks, without a PDF.
    """
    words = []
    for row_index, row in enumerate(rows):
        top = 40.0 + row_index * line_height * 1.6
        for text_value, x in row:
            for offset, token in _tokens_with_offsets(text_value):
                x0 = x + offset * char_width
                words.append(Word(text=token, bbox=(x0, top, x0 + len(token) * char_width, top + line_height)))
    return PageText(number=number, width=612, height=792, unit=unit, source=source, words=tuple(words))  # type: ignore[arg-type]


def _tokens_with_offsets(value: str) -> list[tuple[int, str]]:
    tokens, offset = [], 0
    for token in value.split(" "):
        if token:
            tokens.append((offset, token))
        offset += len(token) + 1
    return tokens
