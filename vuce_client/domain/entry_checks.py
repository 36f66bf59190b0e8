"""The VUCE entry checks of domain.md §6.2, run after authentication and before any session.

One small named check per rule, assembled in one visible ordered tuple (``ENTRY_CHECKS``), in
the order of §6.2: the most fundamental problem first, and an inactive user never learns about
its roles. Each check takes an ``EntryContext`` and returns a ``Denied`` or ``None``; the first
denial wins. When every check passes, step 7 decides between the registration wizard and a
session (``Allowed``).

Who runs which checks:

- **secondary** users: all of them, 1 to 6, then step 7.
- **principal** users: only check 1 (active); §6.2 says principals skip steps 2–6, since they
  hold the company's Clave SOL and are not given VUCE roles. Then step 7.
- **extranet** users (EXT…, officials of an entity): only check 1. Messages 1–4 speak of a
  "Usuario Secundario" and of SOL roles, which officials do not have. Then step 7, so that an
  official also registers once (an e-mail is what contingency needs, §7).

The same checks run for a contingency login, fed with the last known roles and status (Q15).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps
from typing import ClassVar

from . import messages
from .identity import AccountStatus, SolIdentity, UserType
from .roles import (
    AGENTE_ADUANA,
    LABORATORIO,
    OPERACION,
    SECTION_ROLES,
    RegisteredAs,
    role_for,
    section_for,
    vuce_roles,
)


class Reason(StrEnum):
    """Machine-readable reason of a denial, kept next to the message (§6.2); audit-logged."""

    NOT_ACTIVE_SUSPENDED = "NOT_ACTIVE_SUSPENDED"
    NOT_ACTIVE_DELETED = "NOT_ACTIVE_DELETED"
    NO_ROLES = "NO_ROLES"
    AGENT_AND_LAB = "AGENT_AND_LAB"
    ROLE_WITHOUT_OPERACION = "ROLE_WITHOUT_OPERACION"
    ROLE_REMOVED_WITH_TRAMITES = "ROLE_REMOVED_WITH_TRAMITES"
    PRINCIPAL_NOT_REGISTERED = "PRINCIPAL_NOT_REGISTERED"


@dataclass(frozen=True)
class EntryContext:
    """Everything the entry checks look at: identity-derived and VUCE-account-derived values."""

    # From the identity (or, in contingency, the last known snapshot, Q15).
    user_type: UserType
    account_status: AccountStatus
    roles: frozenset[str]
    ruc: str | None
    # From the VUCE account; a user with no account yet has registered=False.
    registered: bool = False
    registered_as: RegisteredAs | None = None
    # "realizó por lo menos un trámite" (message 4). Callers may count only the trámites filed
    # under the registered role (``Tramite.rol_al_crear``); the checks only need the boolean.
    has_tramites: bool = False
    # PrincipalRegistrado(ruc): the principal of this RUC finished its VUCE registration.
    principal_registered: bool = False
    # Q3: apply check 6 to every secondary user, not only Agent/Lab ones. Default off.
    require_principal_for_all: bool = False

    def __post_init__(self) -> None:
        # Normalize once so the checks compare enums and VUCE role codes only; a bad value
        # raises here instead of slipping through a comparison that is silently False.
        object.__setattr__(self, "user_type", UserType(self.user_type))
        object.__setattr__(self, "account_status", AccountStatus(self.account_status))
        object.__setattr__(self, "roles", vuce_roles(self.roles))
        if self.registered_as is not None:
            object.__setattr__(self, "registered_as", RegisteredAs(self.registered_as))
        if self.user_type is not UserType.EXTRANET and not self.ruc:
            raise ValueError("a SOL user needs its RUC (message 3 names it)")

    @classmethod
    def from_identity(
        cls,
        identity: SolIdentity,
        *,
        registered: bool,
        registered_as: str | None,
        has_tramites: bool,
        principal_registered: bool,
        require_principal_for_all: bool = False,
    ) -> EntryContext:
        """The context of an admission: the identity (the ID token's, or in contingency the last
        one SOL gave, Q15) and what VUCE knows of the account."""
        return cls(
            user_type=identity.user_type,
            account_status=identity.account_status,
            roles=identity.roles,
            ruc=identity.ruc,
            registered=registered,
            registered_as=registered_as,
            has_tramites=has_tramites,
            principal_registered=principal_registered,
            require_principal_for_all=require_principal_for_all,
        )


@dataclass(frozen=True)
class Allowed:
    """Entry allowed (§6.2 step 7); a session opens only when nothing is left to fill in."""

    allowed: ClassVar[bool] = True

    needs_registration: bool
    # AGENTE_ADUANA or LABORATORIO: that section must be filled in before the session opens, at
    # first registration or when the role was added after registration (Q10).
    needs_lab_or_agent_section: RegisteredAs | None = None
    # What ``registrado_como`` must become (None for extranet). It differs from the stored value
    # when a role was removed with zero trámites (Q10: update it) or added (set it once the
    # section is filled in).
    registered_as: RegisteredAs | None = None

    @property
    def opens_session(self) -> bool:
        """True when the session can open right away, with no registration step pending."""
        return not self.needs_registration and self.needs_lab_or_agent_section is None


@dataclass(frozen=True)
class Denied:
    """Entry refused with one of the five messages of §6.3; no session is ever created."""

    allowed: ClassVar[bool] = False
    opens_session: ClassVar[bool] = False

    reason: Reason
    message_number: int
    message: str
    motivo: str
    solucion: str
    # The values that filled {0}, kept for the audit log.
    params: tuple[str, ...] = field(default=())


Decision = Allowed | Denied
Check = Callable[[EntryContext], Denied | None]


def _deny(
    reason: Reason, number: int, *, motivo: int = 0, solucion: int = 0, params: Iterable[str] = ()
) -> Denied:
    entry = messages.ENTRY_MESSAGES[number]
    params = tuple(params)
    return Denied(
        reason=reason,
        message_number=number,
        message=entry.render(*params),
        motivo=entry.motivos[motivo],
        solucion=entry.soluciones[solucion],
        params=params,
    )


def _secondary_only(check: Check) -> Check:
    """Skip the check for principal and extranet users (§6.2: principals skip steps 2–6)."""

    @wraps(check)
    def wrapper(ctx: EntryContext) -> Denied | None:
        if ctx.user_type is not UserType.SECONDARY:
            return None
        return check(ctx)

    return wrapper


def check_active(ctx: EntryContext) -> Denied | None:
    """§6.2 step 1: estado ≠ ACTIVO → message 5 (motivo a suspended, b deleted)."""
    if ctx.account_status is AccountStatus.SUSPENDIDO:
        return _deny(Reason.NOT_ACTIVE_SUSPENDED, 5, motivo=0, solucion=0)
    if ctx.account_status is AccountStatus.ELIMINADO:
        return _deny(Reason.NOT_ACTIVE_DELETED, 5, motivo=1, solucion=1)
    return None


@_secondary_only
def check_has_roles(ctx: EntryContext) -> Denied | None:
    """§6.2 step 2: no VUCE role → message 1."""
    if not ctx.roles:
        return _deny(Reason.NO_ROLES, 1)
    return None


@_secondary_only
def check_not_agent_and_lab(ctx: EntryContext) -> Denied | None:
    """§6.2 step 3: AGENTE_ADUANA and LABORATORIO together → message 2."""
    if AGENTE_ADUANA in ctx.roles and LABORATORIO in ctx.roles:
        return _deny(Reason.AGENT_AND_LAB, 2)
    return None


@_secondary_only
def check_section_role_has_operacion(ctx: EntryContext) -> Denied | None:
    """§6.2 step 4: AGENTE_ADUANA or LABORATORIO without OPERACION → message 3, motivo b (Q2)."""
    if any(r in ctx.roles for r in SECTION_ROLES) and OPERACION not in ctx.roles:
        return _deny(
            Reason.ROLE_WITHOUT_OPERACION, 3, motivo=1, solucion=1, params=(ctx.ruc or "",)
        )
    return None


@_secondary_only
def check_registered_role_kept(ctx: EntryContext) -> Denied | None:
    """§6.2 step 5: registered as agent/lab, ≥1 trámite, role gone → message 4 ({0} = role)."""
    role = role_for(ctx.registered_as)
    # Q10: with zero trámites the role may go; step 7 then updates registrado_como.
    if role is None or not ctx.has_tramites or role in ctx.roles:
        return None
    motivo = 0 if role == AGENTE_ADUANA else 1
    return _deny(Reason.ROLE_REMOVED_WITH_TRAMITES, 4, motivo=motivo, params=(role,))


@_secondary_only
def check_principal_registered(ctx: EntryContext) -> Denied | None:
    """§6.2 step 6: agent/lab (or anyone, Q3 flag) while the RUC's principal is unregistered."""
    concerned = ctx.require_principal_for_all or any(r in ctx.roles for r in SECTION_ROLES)
    if concerned and not ctx.principal_registered:
        return _deny(
            Reason.PRINCIPAL_NOT_REGISTERED, 3, motivo=0, solucion=0, params=(ctx.ruc or "",)
        )
    return None


# The order IS the rule (§6.2); tests pin it.
ENTRY_CHECKS: tuple[Check, ...] = (
    check_active,
    check_has_roles,
    check_not_agent_and_lab,
    check_section_role_has_operacion,
    check_registered_role_kept,
    check_principal_registered,
)


def _step_7(ctx: EntryContext) -> Allowed:
    """§6.2 step 7: registration wizard, agent/lab section (Q10) or straight to a session."""
    needs_registration = not ctx.registered
    if ctx.user_type is UserType.EXTRANET:
        return Allowed(needs_registration=needs_registration, registered_as=None)
    if ctx.user_type is UserType.PRINCIPAL:
        # The principal registers without the agent and lab sections (§6.4, last line).
        return Allowed(needs_registration=needs_registration, registered_as=RegisteredAs.EMPRESA)
    section = section_for(ctx.roles)  # check 3 already refused agent + lab
    target = section or RegisteredAs.EMPRESA
    if needs_registration:
        return Allowed(True, section, target)
    current = ctx.registered_as or RegisteredAs.EMPRESA
    # Q10: a role added after registration asks for its section before the session opens.
    needed = section if section is not None and section != current else None
    return Allowed(False, needed, target)


def run_entry_checks(ctx: EntryContext) -> Decision:
    """Run ``ENTRY_CHECKS`` in order; the first denial wins, else step 7 decides (§6.2)."""
    for check in ENTRY_CHECKS:
        denied = check(ctx)
        if denied is not None:
            return denied
    return _step_7(ctx)
