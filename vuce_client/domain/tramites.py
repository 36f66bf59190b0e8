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
    """``Tramite.estado``. Ours: the seeds name no states, so this is VUCE's usual lifecycle:
    filed (ENVIADO), under evaluation by the competent entity, observed (the filer must
    subsanar), then approved or denied."""

    BORRADOR = "BORRADOR"
    ENVIADO = "ENVIADO"
    EN_EVALUACION = "EN_EVALUACION"
    OBSERVADO = "OBSERVADO"
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
        TramiteState.OBSERVADO: "Observado",
        TramiteState.APROBADO: "Aprobado",
        TramiteState.DENEGADO: "Denegado",
        TramiteState.ANULADO: "Anulado",
    }
)

_TRANSITIONS: MappingProxyType[TramiteState, frozenset[TramiteState]] = MappingProxyType(
    {
        TramiteState.BORRADOR: frozenset({TramiteState.ENVIADO, TramiteState.ANULADO}),
        TramiteState.ENVIADO: frozenset({TramiteState.EN_EVALUACION}),
        TramiteState.EN_EVALUACION: frozenset(
            {TramiteState.OBSERVADO, TramiteState.APROBADO, TramiteState.DENEGADO}
        ),
        # Subsanada, the evaluation resumes; left unanswered, the entity denies it.
        TramiteState.OBSERVADO: frozenset({TramiteState.EN_EVALUACION, TramiteState.DENEGADO}),
        TramiteState.APROBADO: frozenset(),
        TramiteState.DENEGADO: frozenset(),
        TramiteState.ANULADO: frozenset(),
    }
)


def can_transition(current: str, new: str) -> bool:
    """True when a trámite may go from ``current`` to ``new``."""
    return TramiteState(new) in _TRANSITIONS[TramiteState(current)]


# Every move from ENVIADO on is the competent entity's; BORRADOR → ENVIADO/ANULADO is the filer's.
_OFFICIAL_FROM = frozenset(
    {TramiteState.ENVIADO, TramiteState.EN_EVALUACION, TramiteState.OBSERVADO}
)
# The filer must learn why: an observation or a denial carries the official's reason.
NOTE_REQUIRED = frozenset({TramiteState.OBSERVADO, TramiteState.DENEGADO})
NOTE_MAX_LENGTH = 500


class Entity(StrEnum):
    """A competent entity that evaluates trámites; the value is what SOL holds as the
    Extranet official's ``entity`` (upper-cased) and what ``Tramite.entidad`` stores."""

    DIGESA = "DIGESA"
    SENASA = "SENASA"
    DIGEMID = "DIGEMID"
    SANIPES = "SANIPES"
    MINCETUR = "MINCETUR"
    PRODUCE = "PRODUCE"

    @property
    def label(self) -> str:
        """The Spanish name."""
        return _ENTITY_LABELS[self]


_ENTITY_LABELS = MappingProxyType(
    {
        Entity.DIGESA: "DIGESA — Dirección General de Salud Ambiental",
        Entity.SENASA: "SENASA — Servicio Nacional de Sanidad Agraria",
        Entity.DIGEMID: "DIGEMID — Dirección General de Medicamentos, Insumos y Drogas",
        Entity.SANIPES: "SANIPES — Organismo Nacional de Sanidad Pesquera",
        Entity.MINCETUR: "MINCETUR — Ministerio de Comercio Exterior y Turismo",
        Entity.PRODUCE: "PRODUCE — Ministerio de la Producción",
    }
)

# The entity a filing goes to when none is chosen (demo data, older clients of the form).
DEFAULT_ENTITY = MappingProxyType(
    {Component.MR: Entity.DIGESA, Component.ORIGEN: Entity.MINCETUR, Component.GA: Entity.PRODUCE}
)


def parse_entity(value: object, component: Component | str) -> Entity:
    """The chosen entity, or the component's default when none was chosen; ValueError else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_ENTITY[Component(component)]
    if not isinstance(value, str):
        raise ValueError(f"not an entity: {value!r}")
    return Entity(value.strip().upper())


def same_entity(official_entity: str | None, tramite_entity: str | None) -> bool:
    """True when the official's entity (free text in SOL, e.g. "digesa ") is the trámite's."""
    if not official_entity or not tramite_entity:
        return False
    return " ".join(official_entity.split()).upper() == tramite_entity.strip().upper()


class MoveNotAllowed(PermissionError):
    """A state change refused; ``message`` is the Spanish text to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def official_moves(current: str) -> tuple[TramiteState, ...]:
    """The states an official may move a trámite in ``current`` to, in lifecycle order."""
    state = TramiteState(current)
    if state not in _OFFICIAL_FROM:
        return ()
    return tuple(s for s in TramiteState if s in _TRANSITIONS[state])


def check_move(
    *,
    user_type: str,
    official_entity: str | None,
    tramite_entity: str | None,
    current: str,
    new: object,
    note: object = None,
) -> tuple[TramiteState, str | None]:
    """The new state and the cleaned note if this user may move the trámite; else raise.

    Only an Extranet official of the trámite's entity moves it, one step of the lifecycle at a
    time; observing or denying needs the reason the filer will read.
    """
    if user_type != UserType.EXTRANET:
        raise MoveNotAllowed(messages.ERR_MOVE_NOT_OFFICIAL)
    if not same_entity(official_entity, tramite_entity):
        raise MoveNotAllowed(messages.ERR_MOVE_OTHER_ENTITY.format(entity=tramite_entity or "—"))
    state = TramiteState(current)
    try:
        target = TramiteState(new.strip().upper()) if isinstance(new, str) else None
    except ValueError:
        target = None
    if target is None or target not in official_moves(state):
        raise MoveNotAllowed(
            messages.ERR_MOVE_INVALID.format(
                current=state.label, new=target.label if target else str(new)[:40]
            )
        )
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if len(text) > NOTE_MAX_LENGTH:
        raise MoveNotAllowed(messages.ERR_MOVE_NOTE_TOO_LONG.format(max_length=NOTE_MAX_LENGTH))
    if target in NOTE_REQUIRED and not text:
        raise MoveNotAllowed(messages.ERR_MOVE_NOTE_REQUIRED.format(new=target.label))
    return target, text or None


def move_notice(number: str, kind_label: str, entity: str, new: TramiteState, note: str | None):
    """The buzón entry (subject, body) that tells the filer about a move."""
    subject = f"{number}: {new.label}"  # the number already says SUCE or CT
    body = messages.TRAMITE_MOVED.format(
        kind=kind_label, number=number, entity=entity, state=new.label
    )
    if note:
        body += f" {messages.TRAMITE_MOVED_NOTE} {note}"
    return subject, body


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
