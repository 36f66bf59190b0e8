"""Create taxpayers, secondary users, Extranet officials and ITP laboratories.

One service per use case, shared by the CLI, the REST API and the screens. Services flush;
the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import func, or_, select

import peru_ids

from ..domain import accounts as rules
from ..domain import errors, messages
from ..domain import profiles as profile_rules
from ..domain import roles as role_rules
from ..domain.audit import AuditAction
from ..storage.db import db, utcnow
from ..storage.identities import (
    ExtranetUser,
    ItpLaboratory,
    PrincipalUser,
    ProfileAssignment,
    RoleAssignment,
    SecondaryUser,
    Taxpayer,
)
from . import accounts, audit, passwords, sessions


class AlreadyExists(errors.DomainError):
    code = "ALREADY_EXISTS"
    status = 409
    message = "El registro ya existe."


class NotFound(errors.DomainError):
    """Unknown RUC, user or laboratory, and also another RUC than the caller's own."""

    code = "NOT_FOUND"
    status = 404
    message = messages.ERR_NOT_FOUND


class TaxpayerNotFound(NotFound):
    code = "TAXPAYER_NOT_FOUND"
    message = messages.ERR_TAXPAYER_NOT_FOUND


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    message = messages.ERR_USER_NOT_FOUND


class ExtranetUserNotFound(NotFound):
    code = "EXTRANET_USER_NOT_FOUND"
    message = messages.ERR_EXTRANET_USER_NOT_FOUND


class LaboratoryNotFound(NotFound):
    code = "LABORATORY_NOT_FOUND"
    message = messages.ERR_LAB_NOT_FOUND


def create_taxpayer(
    *,
    ruc,
    company_name,
    principal_username,
    principal_password,
    address="",
    phones="",
    email="",
    fax="",
    is_customs_agent=False,
    actor="admin",
) -> Taxpayer:
    """A RUC with its padrón data and its Usuario Principal."""
    ruc = rules.normalize_ruc(ruc)
    company_name = rules.validate_text(company_name, "company_name")
    username = rules.normalize_username(principal_username)
    password = rules.validate_password(principal_password)
    email = rules.validate_email(email) or ""
    phones = rules.validate_text(phones, "phones", max_length=100, required=False) or ""
    if db.session.get(Taxpayer, ruc) is not None:
        raise AlreadyExists(f"ruc={ruc}")
    taxpayer = Taxpayer(
        ruc=ruc,
        company_name=company_name,
        tipo_persona=peru_ids.tipo_persona(ruc),
        address=rules.validate_text(address, "address", required=False) or "",
        phones=phones,
        email=email,
        fax=rules.validate_text(fax, "fax", max_length=40, required=False) or "",
        is_customs_agent=bool(is_customs_agent),
    )
    db.session.add(taxpayer)
    db.session.add(
        PrincipalUser(ruc=ruc, username=username, password_hash=passwords.hash_password(password))
    )
    audit.record(
        AuditAction.TAXPAYER_CREATED,
        actor=actor,
        ruc=ruc,
        target=username,
        after={"company_name": company_name, "is_customs_agent": bool(is_customs_agent)},
    )
    db.session.flush()
    return taxpayer


def non_deleted_count(ruc: str) -> int:
    """Secondary users that count against the 1,000 limit (Q6: ACTIVO + SUSPENDIDO)."""
    return db.session.scalar(
        select(func.count())
        .select_from(SecondaryUser)
        .where(SecondaryUser.ruc == ruc, SecondaryUser.status != rules.UserStatus.ELIMINADO.value)
    )


def _username_used(ruc: str):
    """Usernames are unique within a RUC across the principal and its secondary users: a
    secondary user named like the principal could never log in (the principal answers)."""

    def used(code: str) -> bool:
        return (
            db.session.scalar(
                select(SecondaryUser.id).where(
                    SecondaryUser.ruc == ruc, SecondaryUser.username == code
                )
            )
            is not None
            or db.session.scalar(
                select(PrincipalUser.ruc).where(
                    PrincipalUser.ruc == ruc, PrincipalUser.username == code
                )
            )
            is not None
        )

    return used


def create_secondary_user(
    ruc,
    *,
    username,
    password,
    document_type,
    document_number,
    names=None,
    email=None,
    profiles=(),
    roles=(),
    password_confirmation=None,
    actor=None,
    now=None,
) -> SecondaryUser:
    """ "Crear Usuario" + "Grabar" (§5.2): creation-time profiles take effect at once (Q4)."""
    now = now or utcnow()
    ruc = rules.normalize_ruc(ruc)
    get_taxpayer(ruc)
    new = rules.validate_new_secondary_user(
        username=username,
        password=password,
        document_type=document_type,
        document_number=document_number,
        names=names,
        email=email,
        profiles=profiles,
        roles=roles,
        password_confirmation=password_confirmation,
    )
    # Lock the taxpayer row so two concurrent creations cannot both pass the limit.
    db.session.execute(select(Taxpayer).where(Taxpayer.ruc == ruc).with_for_update())
    rules.check_can_create(non_deleted_count(ruc), new.username, _username_used(ruc))
    user = SecondaryUser(
        ruc=ruc,
        username=new.username,
        document_type=new.document_type.value,
        document_number=new.document_number,
        names=new.names,
        email=new.email,
        password_hash=passwords.hash_password(new.password),
        must_change_password=new.must_change_password,
        status=new.status.value,
        created_at=now,
        status_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    _add_assignments(user.id, profile_rules.initial_assignments(new.profiles, now))
    for role in new.roles:
        db.session.add(RoleAssignment(user_id=user.id, role=role, assigned_at=now))
    audit.record(
        AuditAction.USER_CREATED,
        actor=actor or f"principal:{ruc}",
        ruc=ruc,
        target=new.username,
        after={
            "document_type": new.document_type.value,
            "document_number": new.document_number,
            "names": new.names,
            "email": new.email,
            "profiles": list(new.profiles),
            "roles": list(new.roles),
            "status": new.status.value,
        },
    )
    db.session.flush()
    return user


def _add_assignments(user_id: int, assignments) -> None:
    """Store the rows ``domain.profiles`` decided (at creation, or rescheduled)."""
    for a in assignments:
        db.session.add(
            ProfileAssignment(
                user_id=user_id,
                code=a.code,
                effective_from=a.effective_from,
                effective_until=a.effective_until,
            )
        )


def create_extranet_user(
    *, username, password, names, entity, email=None, actor="admin"
) -> ExtranetUser:
    """An official of a competent entity (usuario EXT…)."""
    code = rules.normalize_extranet_username(username)
    clave = rules.validate_password(password)
    names = rules.validate_text(names, "names")
    entity = rules.validate_text(entity, "entity")
    email = rules.validate_email(email)
    if db.session.scalar(select(ExtranetUser.id).where(ExtranetUser.username == code)):
        raise AlreadyExists(f"extranet={code}")
    row = ExtranetUser(
        username=code,
        password_hash=passwords.hash_password(clave),
        names=names,
        entity=entity,
        email=email,
    )
    db.session.add(row)
    audit.record(
        AuditAction.EXTRANET_USER_CREATED,
        actor=actor,
        target=code,
        after={"names": names, "entity": entity, "email": email},
    )
    db.session.flush()
    return row


def register_laboratory(*, ruc, name, actor="admin") -> ItpLaboratory:
    """Add a laboratory to the ITP registry stand-in."""
    ruc = rules.normalize_ruc(ruc)
    name = rules.validate_text(name, "name")
    if db.session.get(ItpLaboratory, ruc) is not None:
        raise AlreadyExists(f"lab={ruc}")
    row = ItpLaboratory(ruc=ruc, name=name)
    db.session.add(row)
    audit.record(AuditAction.LAB_REGISTERED, actor=actor, ruc=ruc, after={"name": name})
    db.session.flush()
    return row


# --- Lookups ----------------------------------------------------------------------------------


def _by_ruc(model, ruc, not_found: type[NotFound]):
    ruc = rules.normalize_ruc(ruc)
    row = db.session.get(model, ruc)
    if row is None:
        raise not_found(ruc=ruc)
    return row


def get_taxpayer(ruc) -> Taxpayer:
    """The taxpayer of a well-formed RUC, or ``TaxpayerNotFound``."""
    return _by_ruc(Taxpayer, ruc, TaxpayerNotFound)


def padron(taxpayer: Taxpayer) -> dict:
    """The padrón data VUCE reads when it validates a customs agent (§4, [S0 VIII])."""
    return {
        "ruc": taxpayer.ruc,
        "company_name": taxpayer.company_name,
        "tipo_persona": taxpayer.tipo_persona,
        "address": taxpayer.address,
        "phones": taxpayer.phones,
        "email": taxpayer.email,
        "fax": taxpayer.fax,
        "is_customs_agent": taxpayer.is_customs_agent,
    }


def get_secondary_user(ruc, username) -> SecondaryUser:
    """One secondary user of the RUC (deleted ones included), or ``UserNotFound``."""
    ruc = rules.normalize_ruc(ruc)
    code = (username or "").strip().upper() if isinstance(username, str) else ""
    user = db.session.scalar(
        select(SecondaryUser).where(SecondaryUser.ruc == ruc, SecondaryUser.username == code)
    )
    if user is None:
        raise UserNotFound(username=code[:12])
    return user


def get_extranet_user(username) -> ExtranetUser:
    """The Extranet official (deleted ones included), or ``ExtranetUserNotFound``."""
    code = username.strip().upper() if isinstance(username, str) else ""
    row = db.session.scalar(select(ExtranetUser).where(ExtranetUser.username == code))
    if row is None:
        raise ExtranetUserNotFound(username=code[:12])
    return row


def list_extranet_users() -> list[ExtranetUser]:
    """Every Extranet official, by entity then usuario (a few dozen at most)."""
    return list(
        db.session.scalars(
            select(ExtranetUser).order_by(ExtranetUser.entity, ExtranetUser.username)
        )
    )


def extranet_dict(row: ExtranetUser) -> dict:
    """What the API shows of an Extranet official."""
    return {
        "username": row.username,
        "names": row.names,
        "entity": row.entity,
        "email": row.email,
        "status": row.status,
        "available_actions": [a.value for a in rules.available_actions(row.status)],
    }


def get_laboratory(ruc) -> ItpLaboratory:
    """The ITP registry entry of a RUC, or ``LaboratoryNotFound``."""
    return _by_ruc(ItpLaboratory, ruc, LaboratoryNotFound)


# --- Views of secondary users (one query per table, never one per user) ----------------------


@dataclass(frozen=True)
class UserView:
    """What the screens and the API show of a secondary user."""

    user: SecondaryUser
    profiles: tuple[str, ...]  # in effect now
    scheduled_profiles: tuple[str, ...]  # in effect once pending changes apply
    profiles_effective_at: datetime | None  # when the pending change applies, if any
    roles: tuple[str, ...]

    @property
    def actions(self) -> tuple[rules.StatusAction, ...]:
        return rules.available_actions(self.user.status)

    @property
    def editable(self) -> bool:
        return self.user.status == rules.UserStatus.ACTIVO.value

    def to_dict(self) -> dict:
        u = self.user
        return {
            "ruc": u.ruc,
            "username": u.username,
            "document_type": u.document_type,
            "document_number": u.document_number,
            "names": u.names,
            "email": u.email,
            "status": u.status,
            "profiles": list(self.profiles),
            "scheduled_profiles": list(self.scheduled_profiles),
            "profiles_effective_at": _iso(self.profiles_effective_at),
            "roles": list(self.roles),
            "must_change_password": u.must_change_password,
            "created_at": _iso(u.created_at),
            "status_changed_at": _iso(u.status_changed_at),
            "available_actions": [a.value for a in self.actions],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _views(users: list[SecondaryUser], now: datetime) -> list[UserView]:
    ids = [u.id for u in users]
    assignments: dict[int, list[ProfileAssignment]] = {i: [] for i in ids}
    role_map: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for row in db.session.scalars(
            select(ProfileAssignment).where(ProfileAssignment.user_id.in_(ids))
        ):
            assignments[row.user_id].append(row)
        for user_id, role in db.session.execute(
            select(RoleAssignment.user_id, RoleAssignment.role).where(
                RoleAssignment.user_id.in_(ids), RoleAssignment.revoked_at.is_(None)
            )
        ):
            role_map[user_id].add(role)
    views = []
    for u in users:
        rows = assignments[u.id]
        pending = [
            t
            for r in rows
            for t in (r.effective_from, r.effective_until)
            if t is not None and t > now
        ]
        views.append(
            UserView(
                user=u,
                profiles=tuple(sorted(profile_rules.effective_profiles(rows, now))),
                scheduled_profiles=tuple(
                    sorted({r.code for r in rows if r.effective_until is None})
                ),
                profiles_effective_at=max(pending) if pending else None,
                roles=tuple(sorted(role_map[u.id])),
            )
        )
    return views


def user_view(user: SecondaryUser, now: datetime | None = None) -> UserView:
    """The view of one user."""
    return _views([user], now or utcnow())[0]


@dataclass(frozen=True)
class Page:
    items: list[UserView]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_PER_PAGE = 200


def list_secondary_users(
    ruc,
    *,
    query: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
    now=None,
) -> Page:
    """Area (A)/(B) listing: search by usuario, document or names; paginated (§5.1)."""
    taxpayer = get_taxpayer(ruc)
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    conditions = [SecondaryUser.ruc == taxpayer.ruc]
    if status:
        conditions.append(SecondaryUser.status == rules.parse_status(status).value)
    text = (query or "").strip()[:100]
    if text:
        # Escape LIKE wildcards so a search for "_" or "%" means the character itself.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                SecondaryUser.username.ilike(pattern, escape="\\"),
                SecondaryUser.document_number.ilike(pattern, escape="\\"),
                SecondaryUser.names.ilike(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(SecondaryUser).where(*conditions))
    users = list(
        db.session.scalars(
            select(SecondaryUser)
            .where(*conditions)
            .order_by(SecondaryUser.username)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(_views(users, now or utcnow()), total, page, per_page)


# --- Changes of a secondary user (§5.3, §5.4, §5.5, §5.6) --------------------------------------


def profile_delay() -> int:
    """IDP_PROFILE_DELAY_SECONDS: how long modified profiles wait before taking effect."""
    return int(current_app.config.get("PROFILE_DELAY_SECONDS", 0) or 0)


def change_profiles(
    ruc, username, profiles, *, actor, now=None, delay_seconds: int | None = None
) -> UserView:
    """ "Modificar Perfiles" + "Grabar": the previous set stays in effect until now + delay."""
    now = now or utcnow()
    delay = profile_delay() if delay_seconds is None else delay_seconds
    user = get_secondary_user(ruc, username)
    rules.check_profiles_editable(user.status)
    target = profile_rules.validate_profile_codes(profiles)
    rows = list(
        db.session.scalars(select(ProfileAssignment).where(ProfileAssignment.user_id == user.id))
    )
    before = user_view(user, now)
    new_rows = profile_rules.reschedule(rows, target, now, delay)
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    _add_assignments(user.id, new_rows)
    db.session.flush()
    audit.record(
        AuditAction.PROFILES_CHANGED,
        actor=actor,
        ruc=user.ruc,
        target=user.username,
        before={"profiles": list(before.scheduled_profiles)},
        after={"profiles": list(target), "effective_from": _iso(now + timedelta(seconds=delay))},
    )
    return user_view(user, now)


def change_roles(ruc, username, roles, *, actor, now=None) -> UserView:
    """ "Asignar Roles": immediate; SOL does not validate combinations (§5.4)."""
    now = now or utcnow()
    user = get_secondary_user(ruc, username)
    rules.check_roles_editable(user.status)
    target = set(role_rules.validate_role_codes(roles))
    current = list(
        db.session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.user_id == user.id, RoleAssignment.revoked_at.is_(None)
            )
        )
    )
    before = sorted({r.role for r in current})
    for row in current:
        if row.role not in target:
            row.revoked_at = now  # kept for the history
    for role in sorted(target - set(before)):
        db.session.add(RoleAssignment(user_id=user.id, role=role, assigned_at=now))
    db.session.flush()
    audit.record(
        AuditAction.ROLES_CHANGED,
        actor=actor,
        ruc=user.ruc,
        target=user.username,
        before={"roles": before},
        after={"roles": sorted(target)},
    )
    return user_view(user, now)


class StatusChange(NamedTuple):
    """What a status change did: the user as shown now (a ``UserView``; the row of an Extranet
    official) and the logins it ended (None on reactivation). The caller commits, then tells
    the relying parties: ``idp.oidc.logout.commit_then_notify(change.ended)``."""

    view: Any
    ended: sessions.EndedLogins | None


def _end_logins(account_key: str, status: rules.UserStatus) -> sessions.EndedLogins | None:
    """Suspending or deleting ends the account's sessions and tokens at once (§9)."""
    if status is rules.UserStatus.ACTIVO:
        return None
    return sessions.end_account(current_app.extensions["sol_store"], accounts.load(account_key))


def change_status(ruc, username, action, *, actor, now=None) -> StatusChange:
    """ "Cambiar Estado" per §5.5; suspending or deleting ends the user's sessions everywhere."""
    now = now or utcnow()
    user = get_secondary_user(ruc, username)
    act = rules.parse_status_action(action)
    before = user.status
    new = rules.next_status(user.status, act)
    user.status = new.value
    user.status_changed_at = now
    db.session.flush()
    audit.record(
        AuditAction.STATUS_CHANGED,
        actor=actor,
        ruc=user.ruc,
        target=user.username,
        before={"status": before},
        after={"status": new.value, "action": act.value},
    )
    ended = _end_logins(accounts.secondary_key(user.ruc, user.username), new)
    return StatusChange(user_view(user, now), ended)


def change_extranet_status(username, action, *, actor) -> StatusChange:
    """Suspend, reactivate or delete an Extranet official: the secondary users' state machine
    (§5.5, Q7), the same audit, and the same end of sessions, tokens and client logins."""
    row = get_extranet_user(username)
    act = rules.parse_status_action(action)
    before = row.status
    new = rules.next_status(row.status, act)
    row.status = new.value
    db.session.flush()
    audit.record(
        AuditAction.EXTRANET_STATUS_CHANGED,
        actor=actor,
        target=row.username,
        before={"status": before},
        after={"status": new.value, "action": act.value, "entity": row.entity},
    )
    return StatusChange(row, _end_logins(accounts.extranet_key(row.username), new))


def change_password(
    ruc, username, *, old_password, new_password, confirmation, actor=None
) -> SecondaryUser:
    """A secondary user's own "Cambiar Clave" (§5.6); clears the reminder."""
    user = get_secondary_user(ruc, username)
    if user.status == rules.UserStatus.ELIMINADO.value:
        raise errors.UserDeleted("password")
    old_ok = passwords.verify_password(user.password_hash, old_password or "")
    new = rules.validate_password_change(old_ok, old_password or "", new_password, confirmation)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    db.session.flush()
    audit.record(
        AuditAction.PASSWORD_CHANGED,
        actor=actor or accounts.secondary_key(user.ruc, user.username),
        ruc=user.ruc,
        target=user.username,
    )
    return user
