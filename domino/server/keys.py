"""How credentials are stored: API keys the server generates (32 random bytes) under a fast
SHA-256, keys an operator chose (``--user NAME:KEY``, guessable by nature) under scrypt with this
data dir's random salt, so a copied database does not give them away cheaply.

The salt is per data dir rather than per key so that a presented key can still be looked up by
its hash; successful slow look-ups are remembered in memory (by the key's SHA-256) so that
scrypt runs once per key and process, not once per request.
"""

from __future__ import annotations

import hashlib
import threading

SLOW_PREFIX = "scrypt:"
# 16 MiB and ~50 ms per hash: cheap once per process, slow for anyone guessing offline.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32, "maxmem": 64 * 1024 * 1024}
_CACHE_SIZE = 4096


def fast_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def slow_hash(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, **_SCRYPT)
    return SLOW_PREFIX + digest.hex()


def key_id(stored_hash: str) -> str:
    """A short, stable name for a stored credential (what ``keys list`` shows and ``keys
    revoke`` takes); it reveals nothing about the key."""
    return hashlib.sha256(("id:" + stored_hash).encode()).hexdigest()[:12]


class SlowHashCache:
    """fast hash of a presented key → its slow hash, for keys that authenticated."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}

    def get(self, fast: str) -> str | None:
        with self._lock:
            return self._known.get(fast)

    def put(self, fast: str, slow: str) -> None:
        with self._lock:
            if len(self._known) >= _CACHE_SIZE:
                self._known.clear()
            self._known[fast] = slow
