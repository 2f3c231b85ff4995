"""Keyed hashes of identifiers: the link tables never hold a raw phone, ID number or account.

The key comes from ``DOCSENTRY_SECRET`` or, failing that, from a key file outside the database
(created once, mode 0600). Without the key a stolen database is a table of random numbers: an
attacker cannot hash a guessed phone number to find it, as they could with a plain SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_ENV = "DOCSENTRY_SECRET"
KEY_BYTES = 32


def load_secret(path: Path) -> bytes:
    """The HMAC key: ``$DOCSENTRY_SECRET`` if set, else the key file at ``path`` (created if absent)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return _create_key_file(path)


def _create_key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(KEY_BYTES).encode()
    try:
        # O_EXCL: two processes starting at once must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def keyed_hash(secret: bytes, kind: str, value: str) -> int:
    """A signed 63-bit HMAC-SHA256 of ``kind:value``.

    The kind is part of the message, so equal strings of different kinds never link. 63 bits fit a
    SQL BIGINT and a numpy int64 (the sweep sorts them without any string handling); collisions among
    ten million identifiers have odds of about 1 in 200,000.
    """
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1
