"""Trámites (SUCE, Consultas Técnicas), the VUCE components, and who may file or see them.

domain.md §4 (``Tramite``), §5.4 (capabilities) and contract.md (components under ``/mr``,
``/origen``, ``/ga``, clients ``VUCE_CLIENT_ID_<MR|ORIGEN|GA>``). Role decisions come from
``roles``; see its docstring for principal and Extranet users.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from . import messages
from .identity import UserType
from .roles import AGENTE_ADUANA, LABORATORIO, OPERACION, can_file, can_supervise, vuce_roles


class TramiteType(StrEnum):
    """``Tramite.tipo`` (§4): a SUCE or a Consulta Técnica ([S0 IV.1])."""

    SUCE = "SUCE"
    CONSULTA_TECNICA = "CONSULTA_TECNICA"

    @property
    def label(self) -> str:
        """The Spanish label."""
        return _TYPE_LABELS[self]


_TYPE_LABELS = MappingProxyType(
    {TramiteType.SUCE: "SUCE", TramiteType.CONSULTA_TECNICA: "Consulta Técnica"}
)


class Component(StrEnum):
    """A VUCE component named in [S1]; the value is ``Tramite.componente`` (§4)."""

    MR = "MERCANCIAS_RESTRINGIDAS"
    ORIGEN = "ORIGEN"
    GA = "GESTION_AUTORIZACIONES"

    @property
    def label(self) -> str:
        """The Spanish name, as in [S1]."""
        return _COMPONENT_LABELS[self]

    @property
    def url_prefix(self) -> str:
        """Where the component lives in VUCE: ``/mr``, ``/origen`` or ``/ga``."""
        return f"/{self.name.lower()}"

    @property
    def env_suffix(self) -> str:
        """The suffix of ``VUCE_CLIENT_ID_<X>`` / ``VUCE_CLIENT_SECRET_<X>``: MR, ORIGEN or GA."""
        return self.name

    @classmethod
    def from_env_suffix(cls, suffix: str) -> Component:
        """The component of an env suffix (MR, ORIGEN, GA), case-insensitive."""
        try:
            return cls[suffix.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown component suffix {suffix!r}") from None


_COMPONENT_LABELS = MappingProxyType(
    {
        Component.MR: "Mercancías Restringidas",
        Component.ORIGEN: "Origen",
        Component.GA: "Gestión de Autorizaciones",
    }
)


class TramiteState(StrEnum):
    """``Tramite.estado``. Ours: the seeds show no state list, so this is a minimal lifecycle."""

    BORRADOR = "BORRADOR"
    ENVIADO = "ENVIADO"
    EN_EVALUACION = "EN_EVALUACION"
    APROBADO = "APROBADO"
    DENEGADO = "DENEGADO"
    ANULADO = "ANULADO"

    @property
    def label(self) -> str:
        """The Spanish label."""
        return _STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        """True when no further transition exists."""
        return not _TRANSITIONS[self]


_STATE_LABELS = MappingProxyType(
    {
        TramiteState.BORRADOR: "Borrador",
        TramiteState.ENVIADO: "Enviado",
        TramiteState.EN_EVALUACION: "En evaluación",
        TramiteState.APROBADO: "Aprobado",
        TramiteState.DENEGADO: "Denegado",
        TramiteState.ANULADO: "Anulado",
    }
)

_TRANSITIONS: MappingProxyType[TramiteState, frozenset[TramiteState]] = MappingProxyType(
    {
        TramiteState.BORRADOR: frozenset({TramiteState.ENVIADO, TramiteState.ANULADO}),
        TramiteState.ENVIADO: frozenset({TramiteState.EN_EVALUACION}),
        TramiteState.EN_EVALUACION: frozenset({TramiteState.APROBADO, TramiteState.DENEGADO}),
        TramiteState.APROBADO: frozenset(),
        TramiteState.DENEGADO: frozenset(),
        TramiteState.ANULADO: frozenset(),
    }
)


def can_transition(current: str, new: str) -> bool:
    """True when a trámite may go from ``current`` to ``new``."""
    return TramiteState(new) in _TRANSITIONS[TramiteState(current)]


class FilingNotAllowed(PermissionError):
    """The user may not create trámites; ``message`` is the Spanish text to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def check_can_file(roles: Iterable[str], user_type: str) -> None:
    """Raise ``FilingNotAllowed`` unless the user may create SUCE / Consultas Técnicas (Q9)."""
    if user_type == UserType.EXTRANET:
        raise FilingNotAllowed(messages.ERR_EXTRANET_CANNOT_FILE)
    if not can_file(roles, user_type):
        # SUPERVISOR alone reads but does not file (Q9).
        raise FilingNotAllowed(messages.ERR_CANNOT_FILE)


def filing_role(roles: Iterable[str], user_type: str) -> str | None:
    """``Tramite.rol_al_crear``: AGENTE_ADUANA, LABORATORIO or OPERACION; None for principals.

    Message 4 counts the trámites filed under a role, so a trámite records the section role it
    was filed under when the user holds one.
    """
    if user_type == UserType.PRINCIPAL:
        return None
    held = vuce_roles(roles)
    for role in (AGENTE_ADUANA, LABORATORIO, OPERACION):
        if role in held:
            return role
    return None


Scope = Literal["own", "ruc"]


def visible_scope(roles: Iterable[str], user_type: str) -> Scope:
    """Which trámites and buzones a user sees: its own, or the whole RUC (SUPERVISOR, principal)."""
    return "ruc" if can_supervise(roles, user_type) else "own"


def can_view(
    scope: Scope,
    *,
    viewer_ruc: str | None,
    viewer_account_key: str,
    tramite_ruc: str,
    tramite_creator_key: str,
) -> bool:
    """True when a viewer with ``scope`` may see a trámite (or buzón) of ``tramite_ruc``."""
    # Never across RUCs, whatever the scope: a supervisor supervises its own company only.
    if viewer_ruc is None or viewer_ruc != tramite_ruc:
        return False
    if scope == "ruc":
        return True
    return viewer_account_key == tramite_creator_key
