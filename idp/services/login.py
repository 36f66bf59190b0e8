"""Password login with a lockout that every worker shares (counters live in the store).

The rules are ``idp.domain.lockout.LockoutPolicy``: failures count per account *and source*
(a stranger locks only himself out), a captcha guards an account after a few failures from
anywhere, and a slower account-wide threshold stops guessing spread over many sources.
"""

from dataclasses import dataclass

from ..domain.lockout import Gate, LockoutPolicy
from . import accounts, passwords, snapshots
from .accounts import Account

OK, BAD_CREDENTIALS, LOCKED, CAPTCHA_REQUIRED = (
    "ok",
    "bad_credentials",
    "locked",
    "captcha_required",
)


@dataclass(frozen=True)
class LoginResult:
    outcome: str
    account: Account | None = None
    rehashed: bool = False  # the stored hash was re-made: the caller commits
    captcha: bool = False  # the next attempt on this account needs a solved captcha
    also: tuple = ()  # the values of ``attempt(also=…)``'s keys, read with the counters


def _source_key(login_id: str, source: str) -> str:
    return f"lockout:{login_id}|{source}"


def _account_key(login_id: str) -> str:
    return f"lockout-account:{login_id}"


def gate(store, login_id: str, source: str, policy: LockoutPolicy) -> Gate:
    """What the next attempt on ``login_id`` from ``source`` meets (no counting)."""
    return policy.gate(*store.mget(_source_key(login_id, source), _account_key(login_id)))


def attempt(
    store,
    login_id: str,
    find,
    password: str,
    *,
    policy: LockoutPolicy,
    source: str,
    captcha_solved=lambda: False,
    also: tuple[str, ...] = (),
):
    """Check a password under the lockout policy.

    ``source`` is where the attempt comes from (the client address); ``captcha_solved`` is
    asked only when the policy demands a captcha. The counters are keyed by what was typed
    (not by a found account) so an unknown user locks exactly like a known one and the
    answer reveals nothing. ``also``: store keys the caller reads next, fetched in the same
    round trip as the counters (their values in ``LoginResult.also`` of a successful login).
    """
    src_key, acct_key = _source_key(login_id, source), _account_key(login_id)
    source_count, account_count, version, *extra = store.mget(
        src_key, acct_key, snapshots.VERSION_KEY, *also
    )
    counts = [source_count, account_count]
    snapshots.use_version(version)  # for find(): read in the same round trip
    before = policy.gate(*counts)
    if before is Gate.LOCKED:
        return LoginResult(LOCKED)
    if before is Gate.CAPTCHA and not captcha_solved():
        return LoginResult(CAPTCHA_REQUIRED, captcha=True)  # not counted: no clave was tried
    account = find()
    if not passwords.verify_password(account.password_hash if account else None, password):
        after = _count_failure(store, src_key, acct_key, policy)
        if after is Gate.LOCKED:
            return LoginResult(LOCKED)
        return LoginResult(BAD_CREDENTIALS, captcha=after is Gate.CAPTCHA)
    # The real user got in: a stranger's earlier failures no longer weigh on the account.
    if counts != [None, None]:
        store.delete(src_key, acct_key)
    if not passwords.needs_rehash(account.password_hash):
        return LoginResult(OK, account, also=tuple(extra))
    # Hashed under another cost profile (IDP_ARGON2_PROFILE changed): the clear password is
    # at hand only now, so re-hash it.
    accounts.replace_password_hash(account, passwords.hash_password(password))
    return LoginResult(OK, account, rehashed=True, also=tuple(extra))


def _count_failure(store, src_key: str, acct_key: str, policy: LockoutPolicy) -> Gate:
    """Count a wrong clave in both windows; the failure that reaches a threshold starts its
    lock, ``lock_seconds`` from now (a locked gate counts nothing more, so it just expires)."""
    source = store.incr(src_key, ttl=policy.window_seconds)
    account = store.incr(acct_key, ttl=policy.account_window_seconds)
    if policy.locks_now(source):
        store.set(src_key, source, ttl=policy.lock_seconds)
    if policy.account_locks_now(account):
        store.set(acct_key, account, ttl=policy.lock_seconds)
    return policy.gate(source, account)


def sol_login_id(ruc: str, username: str) -> str:
    return f"sol:{(ruc or '').strip()}:{(username or '').strip().upper()}"


def extranet_login_id(username: str) -> str:
    return f"ext:{(username or '').strip().upper()}"


def attempt_sol(store, ruc, username, password, **policy) -> LoginResult:
    """SOL login: RUC + usuario + clave."""
    return attempt(
        store,
        sol_login_id(ruc, username),
        lambda: snapshots.find_sol(ruc, username),
        password,
        **policy,
    )


def attempt_extranet(store, username, password, **policy) -> LoginResult:
    """Extranet login: usuario EXT… + clave."""
    return attempt(
        store,
        extranet_login_id(username),
        lambda: snapshots.find_extranet(username),
        password,
        **policy,
    )
