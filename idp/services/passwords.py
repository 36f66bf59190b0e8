"""argon2id password hashing (argon2-cffi), with a constant-cost path for unknown users."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# "default" is the OWASP Password Storage Cheat Sheet's argon2id baseline (19 MiB, 2 passes,
# 1 lane: ~25 ms of one core per verify); "rfc9106" is RFC 9106's low-memory choice and
# argon2-cffi's own default (64 MiB, 3 passes, 4 lanes: ~140 ms of CPU per verify) for those who
# want the heavier cost. A login verifies once, so the profile sets most of a login's CPU.
# "fast" exists only so a test suite can create thousands of users; production refuses it.
# Hashes made under another profile are upgraded at the next successful login (needs_rehash).
_PROFILES = {
    "default": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),
    "rfc9106": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_EXTENSION = "sol_password_hasher"
_dummy_hashes: dict[int, str] = {}


def hasher_for(profile: str) -> PasswordHasher:
    """The hasher of a cost profile (KeyError for an unknown one)."""
    return _PROFILES[profile]


def configure(app, profile: str) -> None:
    """Select the app's hashing cost profile (create_app does it). Per app, not per process:
    two apps in one process (tests, a script) never change each other's cost."""
    app.extensions[_EXTENSION] = hasher_for(profile)


def _hasher() -> PasswordHasher:
    if has_app_context():
        return current_app.extensions.get(_EXTENSION, _PROFILES["default"])
    return _PROFILES["default"]


def hash_password(password: str) -> str:
    """Return an argon2id hash."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user still pays one verification (no timing oracle)."""
    hasher = _hasher()
    if stored_hash is None:
        dummy = _dummy_hashes.get(id(hasher))
        if dummy is None:
            dummy = _dummy_hashes[id(hasher)] = hasher.hash("dummy-password-0")
        stored_hash, password = dummy, password + "\x00"
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the current profile."""
    return _hasher().check_needs_rehash(stored_hash)
