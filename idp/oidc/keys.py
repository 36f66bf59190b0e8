"""Signing keys (RS256 and ES256) with rotation that never breaks a verifier.

A rotated key is published in JWKS ``lead`` seconds before it starts signing, so relying
parties that cache JWKS see it first; the old key stops signing then but stays published
until every token it signed has expired.
"""

import threading
import time
from dataclasses import dataclass

from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select

from ..storage.db import db
from ..storage.oauth import SigningKey

ALGORITHMS = ("RS256", "ES256")
_CACHE_SECONDS = 10  # other workers/instances see a rotation within this time
_CREATE_WAIT_SECONDS = 2.0


def generate_key(alg: str):
    """A new private key for ``alg`` (RS256: RSA 2048, ES256: P-256)."""
    if alg == "RS256":
        return RSAKey.generate_key(2048, private=True)
    return ECKey.generate_key("P-256", private=True)


@dataclass(frozen=True)
class _KeyRow:
    kid: str
    alg: str
    private_jwk: dict
    not_before: int
    retired_at: int | None


def _import(row):
    cls = RSAKey if row.alg == "RS256" else ECKey
    return cls.import_key(row.private_jwk)


class KeyRing:
    """Reads keys from SQL (shared by every instance) and caches them briefly per process."""

    def __init__(self, verify_window: int):
        self.verify_window = verify_window  # how long a retired key stays published
        self._lock = threading.RLock()  # held by _refresh: one SELECT, never a write
        self._create_lock = threading.Lock()  # held while first keys are created
        self._loaded_at = 0.0
        # (rows, keys by kid, public JWKS) of one load, replaced in a single assignment so
        # that a request thread never pairs the rows of one load with the keys of another.
        self._state: tuple[list[_KeyRow], dict[str, object], dict] = ([], {}, {"keys": []})

    def invalidate(self) -> None:
        self._loaded_at = 0.0

    def _fresh(self, now: float) -> bool:
        return now - self._loaded_at < _CACHE_SECONDS and bool(self._state[0])

    def fresh(self) -> bool:
        """Whether the next read is answered from this process's copy, without SQL."""
        return self._fresh(time.time())

    def _refresh(self, now: float) -> None:
        if self._fresh(now):
            return
        with self._lock:
            # Checked again under the lock: threads that queued behind a reload use it
            # instead of each reloading in turn (a burst of JWKS requests after a cache
            # expiry used to queue up one reload per request).
            if self._fresh(now):
                return
            rows = db.session.scalars(
                select(SigningKey).order_by(SigningKey.not_before, SigningKey.kid)
            )
            # Plain snapshots: ORM rows would expire with the request's session.
            snapshot = [
                _KeyRow(r.kid, r.alg, r.private_jwk, r.not_before, r.retired_at)
                for r in rows
                if r.expires_at is None or r.expires_at > now
            ]
            # A kid names one immutable key: import only the new ones (an RSA private key
            # import validates the key, ~40 ms of CPU; the reload itself is one SELECT).
            known = self._state[1]
            keys = {r.kid: known.get(r.kid) or _import(r) for r in snapshot}
            public = [keys[r.kid].as_dict(private=False) for r in snapshot]
            self._state = (snapshot, keys, {"keys": public})
            self._loaded_at = now

    def ensure(self, now: float | None = None) -> list[str]:
        """Create a first key per algorithm when none signs yet; return created kids."""
        now = int(now or time.time())
        self.invalidate()
        self._refresh(now)
        created = [
            self._create(alg, now) for alg in ALGORITHMS if self._signing_row(alg, now) is None
        ]
        if created:
            db.session.flush()
            self.invalidate()
        return created

    def ensure_committed(self, now: float | None = None) -> list[str]:
        """``ensure`` and commit, normally one thread at a time (two concurrent first requests
        used to create two keys per algorithm).

        Call it before serving (create_app does when the schema exists; the CLI and the test
        fixtures after emptying the tables): from inside a request it is a last resort. On
        SQLite a token request holds the database's write lock from its INSERT until it has
        signed the ID token; if another request were creating keys under this lock meanwhile,
        each would wait for the other until SQLite's busy timeout gave up.
        """
        # Bounded wait: a request that already holds SQLite's write lock (its token INSERT)
        # must not wait for a creator that waits for that same lock. After the wait it
        # creates keys itself; a second pair is harmless (every key is published, the newest
        # signs).
        acquired = self._create_lock.acquire(timeout=_CREATE_WAIT_SECONDS)
        try:
            created = self.ensure(now)
            db.session.commit()
        finally:
            if acquired:
                self._create_lock.release()
        return created

    def _create(self, alg: str, not_before: int) -> str:
        key = generate_key(alg)
        kid = key.thumbprint()[:16]
        jwk = dict(key.as_dict(private=True), kid=kid, alg=alg, use="sig")
        db.session.add(
            SigningKey(
                kid=kid,
                alg=alg,
                private_jwk=jwk,
                created_at=int(time.time()),
                not_before=not_before,
            )
        )
        return kid

    def rotate(self, lead: int, now: float | None = None) -> list[str]:
        """Publish a new key per algorithm now; it signs after ``lead`` seconds."""
        now = int(now or time.time())
        self.invalidate()
        self._refresh(now)
        created = []
        for alg in ALGORITHMS:
            switch_at = now + lead
            # Every key that would still sign after the switch stops then, including one
            # published by an earlier rotation that has not started signing yet.
            for row in db.session.scalars(
                select(SigningKey).where(
                    SigningKey.alg == alg,
                    SigningKey.retired_at.is_(None) | (SigningKey.retired_at > switch_at),
                )
            ):
                row.retired_at = switch_at
                row.expires_at = switch_at + self.verify_window
            created.append(self._create(alg, switch_at))
        db.session.flush()
        self.invalidate()
        return created

    def _signing_row(self, alg: str, now: float, rows=None) -> _KeyRow | None:
        rows = self._state[0] if rows is None else rows
        candidates = [
            r
            for r in rows
            if r.alg == alg and r.not_before <= now and (r.retired_at is None or r.retired_at > now)
        ]
        return candidates[-1] if candidates else None

    def signing_key(self, alg: str, now: float | None = None):
        """(kid, private key) that signs for ``alg`` now."""
        now = now or time.time()
        self._refresh(now)
        rows, keys, _ = self._state
        row = self._signing_row(alg, now, rows)
        if row is None:  # a database emptied under a running app: create and keep the keys
            self.ensure_committed(now)
            self._refresh(now)
            rows, keys, _ = self._state
            row = self._signing_row(alg, now, rows)
        return row.kid, keys[row.kid]

    def jwks(self, now: float | None = None) -> dict:
        """Public JWKS: every key that may have signed a live token or will sign soon."""
        self.signing_key("RS256", now)
        return self._state[2]

    def key_set(self, now: float | None = None) -> KeySet:
        """Private KeySet of every published key (for verifying our own tokens)."""
        self.signing_key("RS256", now)
        return KeySet(list(self._state[1].values()))

    def kid_of(self, key) -> str | None:
        for kid, k in self._state[1].items():
            if k is key:
                return kid
        return None
