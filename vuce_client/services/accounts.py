"""Accounts: the snapshot taken at each SOL login (and the identity it stands for in
contingency), registration, "Modificación de Datos" and the import API (same rules as the
screens)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

import peru_ids

from ..domain import errors, ubigeo
from ..domain import registration as reg
from ..domain.identity import (
    AccountStatus,
    SolIdentity,
    UserType,
    extranet_account_key,
    sol_account_key,
)
from ..domain.roles import RegisteredAs, vuce_roles
from ..metrics import count_registration
from ..storage import Tramite, VuceAccount, db, utcnow
from . import audit
from .padron import PadronClient, phones_text


def get_by_key(account_key: str) -> VuceAccount | None:
    """The account with this key, or None."""
    return db.session.scalar(sa.select(VuceAccount).where(VuceAccount.account_key == account_key))


def get(account_id: int) -> VuceAccount | None:
    return db.session.get(VuceAccount, account_id)


def principal_registered(ruc: str | None) -> bool:
    """PrincipalRegistrado(ruc), derived: the principal of the RUC finished registration."""
    if not ruc:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(VuceAccount)
            .where(
                VuceAccount.ruc == ruc,
                VuceAccount.user_type == UserType.PRINCIPAL.value,
                VuceAccount.registered_at.is_not(None),
            )
        )
        > 0
    )


def has_tramites_with_role(account: VuceAccount | None, role: str | None) -> bool:
    """Message 4: trámites this account filed with ``role`` (the agent/lab role it registered),
    in any state: an evaluated, observed, approved or denied trámite was still filed."""
    if account is None or role is None or account.id is None:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Tramite)
            .where(Tramite.account_id == account.id, Tramite.filed_role == role)
        )
        > 0
    )


def _new_account(identity_type: str, ruc: str | None, username: str, key: str) -> VuceAccount:
    row = VuceAccount(
        account_key=key,
        user_type=identity_type,
        ruc=ruc,
        sol_username=username,
        notifications_consent=False,
        last_roles=[],
    )
    db.session.add(row)
    return row


def sync_from_identity(identity: SolIdentity, now: datetime | None = None) -> VuceAccount:
    """Find or create the account of an authenticated identity and snapshot SOL's data."""
    now = now or utcnow()
    account = get_by_key(identity.account_key)
    if account is None:
        account = _new_account(
            identity.user_type.value, identity.ruc, identity.sol_username, identity.account_key
        )
    account.sub = identity.sub
    account.company_name = identity.company_name
    if identity.document_type:
        account.document_type = identity.document_type
        account.document_number = identity.document_number
    if not account.names and identity.name:
        account.names = identity.name
    # the snapshot contingency relies on (Q15): roles and estado as SOL said at this login
    account.last_roles = sorted(vuce_roles(identity.roles))
    account.last_status = identity.account_status.value
    account.last_login_at = now
    db.session.flush()
    return account


def last_known_identity(account: VuceAccount) -> SolIdentity:
    """The identity as SOL described it at the account's last login (Q15): what a contingency
    link is admitted on, since SUNAT cannot be asked."""
    return SolIdentity(
        sub=account.sub,
        user_type=UserType(account.user_type),
        ruc=account.ruc,
        sol_username=account.sol_username,
        company_name=account.company_name,
        document_type=account.document_type,
        document_number=account.document_number,
        profiles=frozenset(),
        roles=frozenset(account.last_roles or ()),
        # an imported account that never logged in has no snapshot of its status yet
        account_status=AccountStatus(account.last_status or AccountStatus.ACTIVO),
        name=account.names,
        email=account.email,
    )


def lookup_linked(section: str, ruc: str, padron: PadronClient, lab_registry_name: str) -> dict:
    """Validate the agency / laboratory RUC through the IdP; returns the data to show and store.

    Raises ``RegistrationError`` (unknown / not an agent / not in the ITP registry) or
    ``IdpUnavailable``.
    """
    taxpayer = padron.lookup_taxpayer(ruc)
    lab = None
    if section == RegisteredAs.LABORATORIO and taxpayer is not None:
        lab = padron.lookup_laboratory(ruc)
    reg.check_linked_entity(
        section,
        in_padron=taxpayer is not None,
        is_customs_agent=bool(taxpayer and taxpayer.get("is_customs_agent")),
        in_itp_registry=lab is not None,
        lab_registry_name=lab_registry_name,
    )
    return {
        "ruc": ruc,
        "name": taxpayer.get("company_name") or (lab or {}).get("name"),
        "address": taxpayer.get("address"),
        "phones": phones_text(taxpayer.get("phones")),
        "email": taxpayer.get("email"),
        "fax": taxpayer.get("fax"),
    }


def _validated(account: VuceAccount, data: reg.RegistrationData, **rules) -> reg.RegistrationData:
    """The form checked by §6.4's rules for the account's user type (``RegistrationError``)."""
    return reg.validate_registration(
        data, user_type=account.user_type, ubigeo_exists=ubigeo.exists, **rules
    )


def _apply_contact(account: VuceAccount, data: reg.RegistrationData, now: datetime) -> None:
    if reg.email_updated(
        account.email, account.notifications_consent, data.email, data.notifications_consent
    ):
        account.email_updated_at = now
    account.names = data.names
    account.ubigeo = data.ubigeo
    account.address = data.address
    account.reference = data.reference
    account.phone = data.phone
    account.mobile = data.mobile
    account.fax = data.fax
    account.email = data.email
    account.notifications_consent = bool(data.notifications_consent)
    if account.user_type == UserType.EXTRANET.value:
        account.area = data.area
        account.sub_area = data.sub_area


def register(
    account: VuceAccount,
    data: reg.RegistrationData,
    *,
    needs_section: str | None,
    registered_as: str | None,
    terms_version: str,
    padron: PadronClient | None,
    lab_registry_name: str = "ITP",
    now: datetime | None = None,
) -> VuceAccount:
    """First-login registration (§6.4), or the agent/lab section added later (Q10).

    Validates every field, checks the linked RUC through the padrón / ITP, stores everything;
    a principal's registration makes ``principal_registered(ruc)`` true (message 3).
    """
    now = now or utcnow()
    first = not account.registered
    clean = _validated(
        account, data, needs_section=needs_section, terms_version=terms_version, require_terms=first
    )
    linked = None
    if needs_section is not None:
        if padron is None:
            raise RuntimeError("a padrón client is needed for the agent/lab section")
        linked = lookup_linked(needs_section, clean.linked_ruc, padron, lab_registry_name)
    _apply_contact(account, clean, now)
    if first:
        account.terms_version = clean.accepted_terms_version
        account.terms_accepted_at = now
        account.registered_at = now
    if registered_as is not None:
        account.registered_as = str(registered_as)
    if linked is not None:
        account.linked_ruc = linked["ruc"]
        account.linked_name = linked["name"]
        account.linked_address = linked["address"]
        account.linked_phones = linked["phones"]
        account.linked_email = linked["email"]
        account.linked_fax = linked["fax"]
    db.session.flush()
    count_registration(first)
    audit.record(
        "REGISTERED" if first else "SECTION_REGISTERED",
        account_key=account.account_key,
        registered_as=account.registered_as,
        linked_ruc=account.linked_ruc,
    )
    return account


def update_registered_as(account: VuceAccount, registered_as: str | None) -> None:
    """Q10: a role removed with zero trámites updates ``registrado_como`` to match the roles."""
    if registered_as is not None and account.registered_as != str(registered_as):
        audit.record(
            "REGISTERED_AS_CHANGED",
            account_key=account.account_key,
            before=account.registered_as,
            after=str(registered_as),
        )
        account.registered_as = str(registered_as)
        if registered_as == RegisteredAs.EMPRESA:
            account.linked_ruc = account.linked_name = account.linked_address = None
            account.linked_phones = account.linked_email = account.linked_fax = None
        db.session.flush()


def update_profile(
    account: VuceAccount, data: reg.RegistrationData, now: datetime | None = None
) -> VuceAccount:
    """ "Modificación de Datos" ([S1 Anexo I]): the same rules, no terms, no agent/lab change."""
    now = now or utcnow()
    clean = _validated(account, data, needs_section=None, require_terms=False)
    _apply_contact(account, clean, now)
    db.session.flush()
    audit.record("PROFILE_UPDATED", account_key=account.account_key)
    return account


# -- import API (contract.md: POST /api/v1/accounts) ------------------------------------------


def _import_key(payload: dict) -> tuple[UserType, str | None, str, str]:
    """(user type, RUC, user code, account key) of an import body, or ``ImportRefused``."""
    try:
        user_type = UserType(payload.get("user_type"))
    except ValueError:
        raise errors.InvalidUserType() from None
    username = payload.get("sol_username")
    if not isinstance(username, str) or not username.strip():
        raise errors.InvalidSolUsername()
    ruc = payload.get("ruc")
    if user_type is UserType.EXTRANET:
        if ruc not in (None, ""):
            raise errors.ExtranetWithRuc()
        return user_type, None, username, extranet_account_key(username)
    try:
        ruc = peru_ids.validate_ruc(str(ruc or ""))
    except peru_ids.InvalidRuc:
        raise errors.InvalidRuc() from None
    return user_type, ruc, username, sol_account_key(ruc, username)


def _registered_as(value: object, user_type: UserType) -> str | None:
    if user_type is UserType.EXTRANET:
        return None
    if value is None:
        return RegisteredAs.EMPRESA.value
    registered_as = RegisteredAs(value).value  # ValueError: InvalidRegisteredAs
    if registered_as != RegisteredAs.EMPRESA and user_type is not UserType.SECONDARY:
        raise errors.SectionNotSecondary()
    return registered_as


def _of_type(kind: type):
    def check(value, _user_type):
        if not isinstance(value, kind):
            raise TypeError(kind)
        return value

    return check


def _string_list(value, _user_type) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("a list of strings")
    return value


def _email(value, _user_type) -> str | None:
    return None if value is None else reg.normalize_email(value)


def _names(value, _user_type) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > reg.NAMES_MAX):
        raise ValueError("names")
    return value


# The body's fields besides its key (user_type, ruc, sol_username), checked in this order:
# (field, check(value, user_type) -> clean value, the error of a bad value, the default).
# A check raises ValueError or TypeError for a bad value, or a more precise ImportRefused.
IMPORT_SCHEMA = (
    ("email", _email, errors.InvalidEmail, None),
    ("notifications_consent", _of_type(bool), errors.InvalidNotificationsConsent, False),
    ("last_roles", _string_list, errors.InvalidLastRoles, []),
    ("last_status", lambda v, _: AccountStatus(v).value, errors.InvalidLastStatus, "ACTIVO"),
    ("registered_as", _registered_as, errors.InvalidRegisteredAs, None),
    ("names", _names, errors.InvalidNames, None),
)
IMPORT_FIELDS = {"user_type", "ruc", "sol_username"} | {f[0] for f in IMPORT_SCHEMA}


def _import_fields(payload: dict, user_type: UserType) -> dict:
    """The checked values of an import body besides its key, by field name."""
    clean = {}
    for name, check, error, default in IMPORT_SCHEMA:
        try:
            clean[name] = check(payload.get(name, default), user_type)
        except errors.ImportRefused:
            raise
        except (ValueError, TypeError):
            raise error() from None
    return clean


def import_account(
    payload: dict, *, terms_version: str, now: datetime | None = None
) -> tuple[VuceAccount, bool]:
    """Create or update an account as already registered; returns (account, created).

    Raises an ``ImportRefused`` (one class per error code, ``domain.errors``).
    """
    now = now or utcnow()
    if not isinstance(payload, dict):
        raise errors.InvalidBody()
    unknown = set(payload) - IMPORT_FIELDS
    if unknown:
        raise errors.UnknownFields(fields=", ".join(sorted(unknown)))
    user_type, ruc, username, key = _import_key(payload)
    fields = _import_fields(payload, user_type)
    account = get_by_key(key)
    created = account is None
    if created:
        account = _new_account(user_type.value, ruc, username.strip().upper(), key)
    account.names = fields["names"] or account.names
    email, consent = fields["email"], fields["notifications_consent"]
    if email is not None:
        if account.email != email or account.notifications_consent != consent:
            account.email_updated_at = now
        account.email = email
    account.notifications_consent = consent
    account.last_roles = sorted(vuce_roles(fields["last_roles"]))
    account.last_status = fields["last_status"]
    account.registered_as = fields["registered_as"]
    account.registered_at = account.registered_at or now
    account.terms_version = account.terms_version or terms_version
    account.terms_accepted_at = account.terms_accepted_at or now
    db.session.flush()
    audit.record("ACCOUNT_IMPORTED", account_key=key, created=created)
    return account, created
