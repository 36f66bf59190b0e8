"""First-login registration (domain.md §6.4) and the later "Modificación de Datos" form.

``validate_registration`` checks every field and raises one ``RegistrationError`` that carries
all the problems at once (field → Spanish message), so a form can show them side by side. The
agency / laboratory lookups need the back-channel, so they are not done here: the service calls
the padrón / ITP APIs and passes the answers to ``check_linked_entity``.

Field rules (§3.5, §6.4, Q16):

- ``names`` 1–200 characters; ``address`` 1–200; ``reference`` optional, up to 200.
- ``ubigeo``: a 6-digit INEI district code that exists in the shipped table (§10).
- ``email`` required (Q16), at most 254 characters, simple RFC 5322 syntax (§3.5,
  ``peru_ids.normalize_email``, the IdP's rule too).
- ``phone``, ``mobile``, ``fax`` optional, ``^[0-9 ()+\\-/]{6,20}$`` with at least 6 digits
  (§3.5, ``peru_ids.normalize_phone``, the IdP's rule too).
- ``notifications_consent`` optional (it is what contingency needs, §7).
- The "Condiciones del Servicio" must be accepted at registration (§6.4 step 5).
- ``area`` and ``sub_area``: Extranet only (§6.4, [S1 Anexo I]), optional, up to 100.
- ``linked_ruc``: required with a valid check digit when the agent / lab section is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import peru_ids

from . import messages
from .identity import UserType
from .roles import RegisteredAs

NAMES_MAX = 200
ADDRESS_MAX = 200
REFERENCE_MAX = 200
AREA_MAX = 100

_UBIGEO_RE = re.compile(r"[0-9]{6}")


class RegistrationError(ValueError):
    """The form has errors; ``errors`` maps each field name to its Spanish message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class RegistrationData:
    """What the user types in the registration or "Modificación de Datos" form (§4, §6.4)."""

    names: str | None = None
    ubigeo: str | None = None
    address: str | None = None
    reference: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    email: str | None = None
    notifications_consent: bool = False
    accepted_terms_version: str | None = None
    area: str | None = None
    sub_area: str | None = None
    linked_ruc: str | None = None


def _text(value: object, field: str) -> str:
    # Forms give strings or nothing; anything else is a bug in the caller, not a user error.
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {type(value).__name__}")
    return value.strip()


def normalize_email(value: object) -> str:
    """The e-mail stripped, with its domain lower-cased; ValueError when it is not valid."""
    return peru_ids.normalize_email(_text(value, "email"))  # the syntax both apps share


def is_valid_email(value: object) -> bool:
    """True when ``normalize_email`` accepts the value."""
    try:
        normalize_email(value)
    except (ValueError, TypeError):
        return False
    return True


def validate_registration(
    data: RegistrationData,
    *,
    user_type: str,
    needs_section: str | None,
    ubigeo_exists: Callable[[str], bool],
    terms_version: str | None = None,
    require_terms: bool = True,
) -> RegistrationData:
    """Validate the form and return it cleaned, or raise ``RegistrationError`` with every error.

    ``needs_section`` is ``Allowed.needs_lab_or_agent_section`` (AGENTE_ADUANA / LABORATORIO or
    None). ``terms_version``, when given, is the version in force that must have been accepted.
    ``require_terms=False`` is for "Modificación de Datos", where the conditions were accepted
    at registration. ``linked_ruc`` comes back None when no section is needed: the edit form
    never changes the agency or laboratory.
    """
    user_type = UserType(user_type)
    section = _section(needs_section, user_type)
    errors: dict[str, str] = {}
    clean = {
        "names": _bounded(
            errors,
            data,
            "names",
            NAMES_MAX,
            messages.ERR_NAMES_TOO_LONG,
            messages.ERR_NAMES_REQUIRED,
        ),
        "ubigeo": _ubigeo(errors, data.ubigeo, ubigeo_exists),
        "address": _bounded(
            errors,
            data,
            "address",
            ADDRESS_MAX,
            messages.ERR_ADDRESS_TOO_LONG,
            messages.ERR_ADDRESS_REQUIRED,
        ),
        "reference": _bounded(
            errors, data, "reference", REFERENCE_MAX, messages.ERR_REFERENCE_TOO_LONG
        )
        or None,
        **{field: _phone(errors, data, field) for field in ("phone", "mobile", "fax")},
        "email": _email(errors, data.email),
        "accepted_terms_version": _terms(
            errors, data.accepted_terms_version, require_terms, terms_version
        ),
        "area": None,
        "sub_area": None,
    }
    if user_type is UserType.EXTRANET:
        for field in ("area", "sub_area"):
            value = _bounded(errors, data, field, AREA_MAX, messages.ERR_AREA_TOO_LONG)
            clean[field] = value or None
    clean["linked_ruc"] = _linked_ruc(errors, data.linked_ruc, section)
    if errors:
        raise RegistrationError(errors)
    return replace(data, notifications_consent=bool(data.notifications_consent), **clean)


def _section(needs_section: str | None, user_type: UserType) -> RegisteredAs | None:
    section = RegisteredAs(needs_section) if needs_section is not None else None
    if section is RegisteredAs.EMPRESA:
        raise ValueError("needs_section is AGENTE_ADUANA, LABORATORIO or None")
    if section is not None and user_type is not UserType.SECONDARY:
        # §6.4: the principal registers "without the agent and lab sections"; officials have none.
        raise ValueError(f"a {user_type} user has no agent or laboratory section")
    return section


def _bounded(
    errors: dict,
    data: RegistrationData,
    field: str,
    max_length: int,
    too_long: str,
    required: str | None = None,
) -> str:
    """The field's text; an error when it is required and empty, or longer than allowed."""
    value = _text(getattr(data, field), field)
    if required and not value:
        errors[field] = required
    elif len(value) > max_length:
        errors[field] = too_long.format(max_length)
    return value


def _ubigeo(errors: dict, value: object, ubigeo_exists: Callable[[str], bool]) -> str:
    code = _text(value, "ubigeo")
    # The format check keeps junk away from the lookup; existence is the table's word (§10).
    if not _UBIGEO_RE.fullmatch(code) or not ubigeo_exists(code):
        errors["ubigeo"] = messages.ERR_UBIGEO_INVALID
    return code


def _phone(errors: dict, data: RegistrationData, field: str) -> str | None:
    value = _text(getattr(data, field), field)
    if value and not peru_ids.is_valid_phone(value):
        errors[field] = messages.ERR_PHONE_INVALID
    return value or None


def _email(errors: dict, value: object) -> str:
    email = _text(value, "email")
    if not email:
        errors["email"] = messages.ERR_EMAIL_REQUIRED  # Q16: required
        return email
    try:
        return normalize_email(email)
    except ValueError:
        errors["email"] = messages.ERR_EMAIL_INVALID
        return email


def _terms(
    errors: dict, value: object, require_terms: bool, terms_version: str | None
) -> str | None:
    accepted = _text(value, "accepted_terms_version") or None
    if require_terms:
        if accepted is None:
            errors["accepted_terms_version"] = messages.ERR_TERMS_NOT_ACCEPTED
        elif terms_version is not None and accepted != terms_version:
            errors["accepted_terms_version"] = messages.ERR_TERMS_OUTDATED
    return accepted


def _linked_ruc(errors: dict, value: object, section: RegisteredAs | None) -> str | None:
    if section is None:
        return None
    raw = _text(value, "linked_ruc")
    if not raw:
        errors["linked_ruc"] = (
            messages.ERR_LINKED_RUC_REQUIRED_AGENT
            if section is RegisteredAs.AGENTE_ADUANA
            else messages.ERR_LINKED_RUC_REQUIRED_LAB
        )
        return None
    try:
        return peru_ids.validate_ruc(raw)
    except ValueError:
        errors["linked_ruc"] = messages.ERR_LINKED_RUC_INVALID
        return None


def check_linked_entity(
    section: str,
    *,
    in_padron: bool,
    is_customs_agent: bool = False,
    in_itp_registry: bool = False,
    lab_registry_name: str = messages.DEFAULT_LAB_REGISTRY_NAME,
) -> None:
    """Judge the padrón / ITP lookup answers for the linked RUC; raise ``RegistrationError``.

    Agency (§6.4 step 2): the RUC must be known to SUNAT and be a customs agent. Laboratory
    (step 3, [S0 IV.3] "Bases de Datos de la SUNAT y del ITP"): known to SUNAT and in the ITP
    registry, whose display name is configurable (Q17).
    """
    section = RegisteredAs(section)
    if section is RegisteredAs.EMPRESA:
        raise ValueError("section is AGENTE_ADUANA or LABORATORIO")
    if not in_padron:
        raise RegistrationError({"linked_ruc": messages.ERR_AGENCY_RUC_UNKNOWN})
    if section is RegisteredAs.AGENTE_ADUANA and not is_customs_agent:
        raise RegistrationError({"linked_ruc": messages.ERR_NOT_CUSTOMS_AGENT})
    if section is RegisteredAs.LABORATORIO and not in_itp_registry:
        raise RegistrationError(
            {"linked_ruc": messages.ERR_LAB_NOT_IN_REGISTRY.format(lab_registry_name)}
        )


def _same_email(a: str | None, b: str | None) -> bool:
    a, b = (a or "").strip(), (b or "").strip()
    # Re-typing the same address with another case is not an update.
    return a.casefold() == b.casefold()


def email_updated(
    old_email: str | None, old_consent: bool, new_email: str | None, new_consent: bool
) -> bool:
    """True when saving sets ``email_actualizado_en``: a non-empty e-mail or its consent changed.

    §6.4: "Updating the e-mail or the consent sets email_actualizado_en"; a first registration
    (old e-mail None) counts. Saving an empty e-mail never counts (Q14: "actualizado" means a
    non-empty e-mail).
    """
    if not (new_email or "").strip():
        return False
    return not _same_email(old_email, new_email) or bool(old_consent) != bool(new_consent)
