"""Keyed pseudonyms for people's identifiers (HMAC-SHA-256), and the key they are made with.

The key comes from TIPSTATS_KEY, or from a key file created on first use outside the repository with
owner-only permissions. The warehouse stores only the key's fingerprint, never the key.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

PSEUDONYM_HEX = 32  # 128 bits: collisions are out of reach at any national volume


class KeyError_(Exception):
    """The key cannot be had or does not match the warehouse."""


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tipstats" / "key"


def load_key(key_file: Path | None = None, create: bool = True) -> bytes:
    env = os.environ.get("TIPSTATS_KEY")
    if env:
        return env.encode("utf-8")
    path = key_file or Path(os.environ.get("TIPSTATS_KEY_FILE") or default_key_file())
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    if not create:
        raise KeyError_(f"no key: set TIPSTATS_KEY or create the key file {path}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def fingerprint(key: bytes) -> str:
    """Identifies the key without revealing it (a different purpose string than the pseudonyms use)."""
    return hashlib.sha256(b"tipstats key fingerprint\x00" + key).hexdigest()[:16]


def pseudonymise(values, key: bytes):
    """Map normalised identifiers (trimmed, upper case, no inner spaces) to their pseudonyms; empty stays empty.
    Each distinct identifier is hashed once. The pipeline stages pseudonyms made by DuckDB (`sql`); this is
    the reference they are tested against, with Python's hmac."""
    import pandas as pd

    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    hashed = [None if v == "" else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
              for v in distinct]
    return pd.Series(pd.array(hashed + [None], dtype="str")[codes], index=values.index)


def pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104), the parameters $1 and $2 of `sql`."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def sql(column: str) -> str:
    """The pseudonym of `column` computed by DuckDB, equal to `pseudonymise` (tests/test_pii.py): HMAC-SHA-256
    written out with DuckDB's sha256, the padded keys as parameters so that the key is in no query text."""
    return (f"case when {column} is null or {column} = '' then null else "
            f"left(sha256($2::blob || unhex(sha256($1::blob || encode({column})))), {PSEUDONYM_HEX}) end")
