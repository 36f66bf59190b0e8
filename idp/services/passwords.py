"""argon2id password hashing (argon2-cffi), with a constant-cost path for unknown users."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
_hasher = _PROFILES["default"]
_dummy_hash = None


def configure(profile: str) -> None:
    """Select the hashing cost profile (done once by create_app)."""
    global _hasher, _dummy_hash
    _hasher = _PROFILES[profile]
    _dummy_hash = _hasher.hash("dummy-password-0")


def hash_password(password: str) -> str:
    """Return an argon2id hash."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user still pays one verification (no timing oracle)."""
    global _dummy_hash
    if stored_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("dummy-password-0")
        stored_hash, password = _dummy_hash, password + "\x00"
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the current profile."""
    return _hasher.check_needs_rehash(stored_hash)
