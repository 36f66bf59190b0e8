"""argon2id password hashing (argon2-cffi), with a constant-cost path for unknown users."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# "fast" exists only so a test suite can create thousands of users; production refuses it.
_PROFILES = {
    "default": PasswordHasher(),
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
    """True when the stored hash uses weaker parameters than the current profile."""
    return _hasher.check_needs_rehash(stored_hash)
