"""The VUCE role catalogue assigned on SOL ("Asignación de Roles", domain.md §5.4).

SOL must NOT validate role combinations: VUCE's entry messages 1–3 exist precisely because SOL
accepts any set of ticks (§5.4). So this module only checks that each code exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import errors

OPERACION = "VUCE.USUARIO.OPERACION"
SUPERVISOR = "VUCE.USUARIO.SUPERVISOR"
AGENTE_ADUANA = "VUCE.USUARIO.AGENTE_ADUANA"
LABORATORIO = "VUCE.USUARIO.LABORATORIO"


@dataclass(frozen=True)
class Role:
    """A VUCE role: ASCII code, short Spanish label, and the [S0 IV] description."""

    code: str
    label: str
    description: str


# Descriptions are verbatim from [S0 IV] (the manual writes "OPERACIÓN" with an accent there).
ROLES: tuple[Role, ...] = (
    Role(
        OPERACION,
        "Operador",
        "Podrá realizar todos los trámites (SUCE, Consultas Técnicas), verificar el estados de "
        "sus solicitudes, revisar su buzón, etc.",
    ),
    Role(
        SUPERVISOR,
        "Supervisor",
        "Podrá revisar los buzones electrónicos de los usuarios secundarios. Por lo general "
        "debe existir un único supervisor por empresa.",
    ),
    Role(
        AGENTE_ADUANA,
        "Agente de Aduana",
        "Será validado con la Base de Datos de la SUNAT. Este Rol va acompañado de "
        "VUCE.USUARIO.OPERACIÓN.",
    ),
    Role(
        LABORATORIO,
        "Laboratorio",
        "Se validan con las Bases de Datos de la SUNAT y del ITP. La selección de este Rol va "
        "acompañado de VUCE.USUARIO.OPERACIÓN.",
    ),
)
BY_CODE: dict[str, Role] = {r.code: r for r in ROLES}
ROLE_CODES: tuple[str, ...] = tuple(BY_CODE)

# The manual's accented spelling maps to the canonical ASCII code (§5.4).
ALIASES: dict[str, str] = {"VUCE.USUARIO.OPERACIÓN": OPERACION}


def canonical_role(code: object) -> str:
    """The canonical code of ``code`` (trimmed, accent alias resolved) or ``UnknownRole``."""
    text = code.strip() if isinstance(code, str) else code
    text = ALIASES.get(text, text) if isinstance(text, str) else text
    if text not in BY_CODE:
        raise errors.UnknownRole(code=code)
    return text


def validate_role_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes de-duplicated and sorted; unknown codes raise, combinations are NOT checked."""
    if isinstance(codes, str):
        codes = (codes,)  # one code, not its letters
    return tuple(sorted({canonical_role(c) for c in codes}))
