"""VUCE role codes and what they allow (domain.md §5.4).

Capabilities are the union of the user's roles (§5.4):

- OPERACION: create and see own SUCE and Consultas Técnicas, read own buzón.
- SUPERVISOR: read every buzón and trámite of the RUC; it does not allow filing (Q9).
- AGENTE_ADUANA / LABORATORIO: file on behalf of the company, linked to the agency / lab RUC;
  both need OPERACION to file at all (entry check 4 refuses them otherwise).

Decision for **principal users** (the holder of the company's Clave SOL): they have the full
capabilities of their RUC, i.e. they may file and they see every trámite and buzón of the RUC,
whatever the ``roles`` claim says. The IdP assigns roles only to secondary users (§5.4 "Asignar
Roles" is done by the principal on its secondaries) and sends principals an empty list; reading
that as "no capability" would lock the company owner out of its own data.

**Extranet users** (officials of an entity) evaluate trámites, they neither file nor supervise a
RUC; their access is the entity side of VUCE, out of scope here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .identity import UserType

OPERACION = "VUCE.USUARIO.OPERACION"
SUPERVISOR = "VUCE.USUARIO.SUPERVISOR"
AGENTE_ADUANA = "VUCE.USUARIO.AGENTE_ADUANA"
LABORATORIO = "VUCE.USUARIO.LABORATORIO"

VUCE_ROLES = frozenset({OPERACION, SUPERVISOR, AGENTE_ADUANA, LABORATORIO})
# The roles that need a "DATOS GENERALES DEL AGENTE DE ADUANA" / laboratory section (§6.4).
SECTION_ROLES = (AGENTE_ADUANA, LABORATORIO)

# [S0] sometimes writes "OPERACIÓN" with an accent (§5.4); the canonical codes are ASCII.
_ALIASES = {"VUCE.USUARIO.OPERACIÓN": OPERACION}


class RegisteredAs(StrEnum):
    """``VuceCuenta.registrado_como`` (domain.md §4)."""

    EMPRESA = "EMPRESA"
    AGENTE_ADUANA = "AGENTE_ADUANA"
    LABORATORIO = "LABORATORIO"


_ROLE_OF = {RegisteredAs.AGENTE_ADUANA: AGENTE_ADUANA, RegisteredAs.LABORATORIO: LABORATORIO}


def vuce_roles(roles: Iterable[str]) -> frozenset[str]:
    """The VUCE role codes among ``roles``; other applications' roles are ignored."""
    # A bare string would be iterated character by character and silently yield no role.
    if isinstance(roles, str):
        raise TypeError("roles must be an iterable of role codes, not a string")
    return frozenset(_ALIASES.get(r, r) for r in roles) & VUCE_ROLES


def can_file(roles: Iterable[str], user_type: str = UserType.SECONDARY) -> bool:
    """True when the user may create SUCE and Consultas Técnicas (needs OPERACION, Q9)."""
    if user_type == UserType.PRINCIPAL:
        return True
    if user_type == UserType.EXTRANET:
        return False
    return OPERACION in vuce_roles(roles)


def can_supervise(roles: Iterable[str], user_type: str = UserType.SECONDARY) -> bool:
    """True when the user may read every buzón and trámite of its RUC (SUPERVISOR)."""
    if user_type == UserType.PRINCIPAL:
        return True
    if user_type == UserType.EXTRANET:
        return False
    return SUPERVISOR in vuce_roles(roles)


def section_for(roles: Iterable[str]) -> RegisteredAs | None:
    """AGENTE_ADUANA or LABORATORIO when the roles call for that registration section."""
    held = vuce_roles(roles)
    if AGENTE_ADUANA in held and LABORATORIO in held:
        # Entry check 3 (message 2) refuses this set before any registration step.
        raise ValueError("AGENTE_ADUANA and LABORATORIO together (message 2)")
    if AGENTE_ADUANA in held:
        return RegisteredAs.AGENTE_ADUANA
    if LABORATORIO in held:
        return RegisteredAs.LABORATORIO
    return None


def registered_as_for(roles: Iterable[str]) -> RegisteredAs:
    """The ``registrado_como`` matching the current roles: EMPRESA, AGENTE_ADUANA or LABORATORIO."""
    return section_for(roles) or RegisteredAs.EMPRESA


def role_for(registered_as: str | None) -> str | None:
    """The role code an account registered as AGENTE_ADUANA / LABORATORIO depends on, else None."""
    if registered_as is None:
        return None
    return _ROLE_OF.get(RegisteredAs(registered_as))
