"""Who can log in: principal, secondary and Extranet accounts, their lookup and claims."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, cast, literal_column, null, select, union_all, update

from ..domain import claims as claims_domain
from ..domain import profiles as profile_rules
from ..storage.db import db, utcnow
from ..storage.identities import (
    ExtranetUser,
    PrincipalUser,
    ProfileAssignment,
    RoleAssignment,
    SecondaryUser,
)

PRINCIPAL, SECONDARY, EXTRANET = "principal", "secondary", "extranet"


@dataclass(frozen=True)
class Account:
    """A loginable identity, addressed by a stable key such as ``secondary:RUC:USER``."""

    key: str
    user_type: str
    ruc: str | None
    username: str
    status: str
    password_hash: str
    db_id: int

    def get_user_id(self) -> str:
        """Authlib's hook: the account key."""
        return self.key

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVO"


def principal_key(ruc: str) -> str:
    return f"{PRINCIPAL}:{ruc}"


def secondary_key(ruc: str, username: str) -> str:
    return f"{SECONDARY}:{ruc}:{username}"


def extranet_key(username: str) -> str:
    return f"{EXTRANET}:{username}"


def _keep(row):
    """Hold a loaded row until the session ends, so ``identity`` finds it in the identity map.

    The map holds rows weakly and an ``Account`` keeps no reference, so without this the same
    row was selected twice per userinfo/token request (once to load, once for the claims).
    """
    db.session.info.setdefault("sol_rows", {})[(type(row).__name__, row.id)] = row


def _from_principal(p: PrincipalUser) -> Account:
    _keep(p)
    return Account(
        principal_key(p.ruc), PRINCIPAL, p.ruc, p.username, "ACTIVO", p.password_hash, p.id
    )


def _from_secondary(s: SecondaryUser) -> Account:
    _keep(s)
    return Account(
        secondary_key(s.ruc, s.username),
        SECONDARY,
        s.ruc,
        s.username,
        s.status,
        s.password_hash,
        s.id,
    )


def _from_extranet(e: ExtranetUser) -> Account:
    _keep(e)
    return Account(
        extranet_key(e.username), EXTRANET, None, e.username, e.status, e.password_hash, e.id
    )


_TABLES = {PRINCIPAL: PrincipalUser, SECONDARY: SecondaryUser, EXTRANET: ExtranetUser}


def replace_password_hash(account: Account, new_hash: str) -> None:
    """Store a re-made hash of the same password (cost profile changed); not a change of
    password, so no audit entry and no "change your clave" reminder."""
    model = _TABLES[account.user_type]
    db.session.execute(
        update(model).where(model.id == account.db_id).values(password_hash=new_hash)
    )


def find_sol(ruc: str, username: str) -> Account | None:
    """The principal or secondary account of RUC + usuario (SOL login)."""
    username = (username or "").strip().upper()
    ruc = (ruc or "").strip()
    principal = db.session.scalar(
        select(PrincipalUser).where(PrincipalUser.ruc == ruc, PrincipalUser.username == username)
    )
    if principal is not None:
        return _from_principal(principal)
    secondary = db.session.scalar(
        select(SecondaryUser).where(SecondaryUser.ruc == ruc, SecondaryUser.username == username)
    )
    return _from_secondary(secondary) if secondary is not None else None


def find_extranet(username: str) -> Account | None:
    """The Extranet official with usuario EXT…."""
    username = (username or "").strip().upper()
    row = db.session.scalar(select(ExtranetUser).where(ExtranetUser.username == username))
    return _from_extranet(row) if row is not None else None


# Built once (bound parameters): every token, userinfo and introspection request loads an
# account, and building the expression and its cache key each time cost more than the query.
_PRINCIPAL_BY_RUC = select(PrincipalUser).where(PrincipalUser.ruc == bindparam("ruc"))
_SECONDARY_BY_KEY = select(SecondaryUser).where(
    SecondaryUser.ruc == bindparam("ruc"), SecondaryUser.username == bindparam("username")
)


def load(key: str | None) -> Account | None:
    """Resolve an account key back to an account (None if it no longer exists)."""
    if not key:
        return None
    kind, _, rest = key.partition(":")
    if kind == PRINCIPAL:
        row = db.session.scalar(_PRINCIPAL_BY_RUC, {"ruc": rest})
        return _from_principal(row) if row else None
    if kind == SECONDARY:
        ruc, _, username = rest.partition(":")
        row = db.session.scalar(_SECONDARY_BY_KEY, {"ruc": ruc, "username": username})
        return _from_secondary(row) if row else None
    if kind == EXTRANET:
        return find_extranet(rest)
    return None


# A user's profile rows are few (the current set plus the history of its changes): they are
# read whole and ``domain.profiles`` decides which are in effect, the rule its tests pin.
_ASSIGNMENTS = select(
    ProfileAssignment.code, ProfileAssignment.effective_from, ProfileAssignment.effective_until
).where(ProfileAssignment.user_id == bindparam("user_id"))
_ROLES = select(RoleAssignment.role).where(
    RoleAssignment.user_id == bindparam("user_id"), RoleAssignment.revoked_at.is_(None)
)
_NO_TIME = cast(null(), ProfileAssignment.effective_from.type)
_ASSIGNMENTS_AND_ROLES = union_all(
    _ASSIGNMENTS.add_columns(literal_column("'p'")),
    _ROLES.add_columns(_NO_TIME, _NO_TIME, literal_column("'r'")),
)


def _assignments(user_id: int) -> list[profile_rules.Assignment]:
    rows = db.session.execute(_ASSIGNMENTS, {"user_id": user_id})
    return [profile_rules.Assignment(*row) for row in rows]


def effective_profiles(user_id: int, now: datetime | None = None) -> tuple[str, ...]:
    """Profile option codes in effect now (§5.3: modifications wait for their delay)."""
    return tuple(sorted(profile_rules.effective_profiles(_assignments(user_id), now or utcnow())))


def current_roles(user_id: int) -> tuple[str, ...]:
    """VUCE role codes assigned and not revoked (role changes take effect at once, Q4)."""
    rows = db.session.execute(_ROLES, {"user_id": user_id}).scalars()
    return tuple(sorted(set(rows)))


def assignments_and_roles(user_id: int):
    """The profile rows and the current roles of a user, in one round trip (the claims need
    both): ``([Assignment, …], (role, …))``."""
    assignments, roles = [], set()
    for code, start, until, kind in db.session.execute(
        _ASSIGNMENTS_AND_ROLES, {"user_id": user_id}
    ):
        if kind == "p":
            assignments.append(profile_rules.Assignment(code, start, until))
        else:
            roles.add(code)
    return assignments, tuple(sorted(roles))


def identity(account: Account, salt: str, now: datetime | None = None):
    """Build the domain Identity (the one source of every claim) for an account."""
    return identity_until(account, salt, now)[0]


def identity_until(account: Account, salt: str, now: datetime | None = None):
    """``(Identity, until)``: the Identity as of ``now`` and the moment it may stop holding
    (a secondary user's pending profile change, §5.3), None when nothing is scheduled."""
    now = now or utcnow()
    sub = claims_domain.subject_for(account.user_type, account.key, salt)
    if account.user_type == PRINCIPAL:
        p = db.session.get(PrincipalUser, account.db_id)
        return claims_domain.Identity(
            sub=sub,
            user_type=PRINCIPAL,
            ruc=p.ruc,
            sol_username=p.username,
            company_name=p.taxpayer.company_name,
            name=p.taxpayer.company_name,
            email=p.email or p.taxpayer.email or None,
        ), None
    if account.user_type == SECONDARY:
        s = db.session.get(SecondaryUser, account.db_id)
        assignments, roles = assignments_and_roles(s.id)
        return claims_domain.Identity(
            sub=sub,
            user_type=SECONDARY,
            ruc=s.ruc,
            sol_username=s.username,
            company_name=s.taxpayer.company_name,
            document_type=s.document_type,
            document_number=s.document_number,
            profiles=tuple(sorted(profile_rules.effective_profiles(assignments, now))),
            roles=roles,
            account_status=s.status,
            name=s.names,
            email=s.email,
        ), profile_rules.next_change(assignments, now)
    e = db.session.get(ExtranetUser, account.db_id)
    return claims_domain.Identity(
        sub=sub,
        user_type=EXTRANET,
        ruc=None,
        sol_username=e.username,
        # An official has no RUC: its organization is its entity (VUCE lets only officials of
        # a trámite's entity move it).
        company_name=e.entity,
        account_status=e.status,
        name=e.names,
        email=e.email,
    ), None
