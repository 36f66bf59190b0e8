"""Password login with a lockout that every worker shares (counters live in the store)."""

from dataclasses import dataclass

from . import accounts, passwords
from .accounts import Account

OK, BAD_CREDENTIALS, LOCKED = "ok", "bad_credentials", "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: str
    account: Account | None = None
    rehashed: bool = False  # the stored hash was re-made: the caller commits


def _fail_key(login_id: str) -> str:
    return f"lockout:{login_id}"


def attempt(store, login_id: str, find, password: str, *, threshold: int, lock_seconds: int):
    """Check a password; after ``threshold`` failures the login id is locked for a while.

    The counter is keyed by what was typed (not by a found account) so an unknown user
    locks exactly like a known one and the answer reveals nothing.
    """
    key = _fail_key(login_id)
    failures = int(store.get(key) or 0)
    if failures >= threshold:
        return LoginResult(LOCKED)
    account = find()
    if not passwords.verify_password(account.password_hash if account else None, password):
        count = store.incr(key, ttl=lock_seconds)
        return LoginResult(LOCKED if count >= threshold else BAD_CREDENTIALS)
    store.delete(key)
    if not passwords.needs_rehash(account.password_hash):
        return LoginResult(OK, account)
    # Hashed under another cost profile (IDP_ARGON2_PROFILE changed): the clear password is
    # at hand only now, so re-hash it.
    accounts.replace_password_hash(account, passwords.hash_password(password))
    return LoginResult(OK, account, rehashed=True)


def sol_login_id(ruc: str, username: str) -> str:
    return f"sol:{(ruc or '').strip()}:{(username or '').strip().upper()}"


def extranet_login_id(username: str) -> str:
    return f"ext:{(username or '').strip().upper()}"


def attempt_sol(store, ruc, username, password, **policy) -> LoginResult:
    """SOL login: RUC + usuario + clave."""
    return attempt(
        store,
        sol_login_id(ruc, username),
        lambda: accounts.find_sol(ruc, username),
        password,
        **policy,
    )


def attempt_extranet(store, username, password, **policy) -> LoginResult:
    """Extranet login: usuario EXT… + clave."""
    return attempt(
        store,
        extranet_login_id(username),
        lambda: accounts.find_extranet(username),
        password,
        **policy,
    )
