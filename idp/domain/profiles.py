"""Perfiles: the option catalogue of "Asignación de Perfiles" and when a change takes effect.

domain.md §5.3. Only the group labels and "VUCE" / "Drawback Web" are sourced; the other
option labels follow the operator types the cartillas list ([S2 3], [S3 3]).

Timing model: an assignment is a row ``(code, effective_from, effective_until | None)`` in
effect over the half-open interval ``[effective_from, effective_until)``. A modification saved at
``now`` takes effect at ``now + delay`` ("aproximadamente una hora", [S2 7.4]); until then the
previous set stays in effect, for additions and removals alike. Profiles given at creation take
effect at once (Q4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from . import errors, messages

VUCE_PROFILE = "ADUANAS.VUCE"

GROUP_ADUANAS = "Mis trámites aduaneros"  # [S0 III], verbatim
GROUP_NPDA = "Mis Trámites Aduaneros (NPDA-NSIGAD)"  # [S3]
GROUP_OCE = "Portal del Operador de Comercio Exterior"  # [S2 5]

DEFAULT_DELAY_SECONDS = 3600  # §5.3 / §11: configurable, 0 in tests


@dataclass(frozen=True)
class ProfileOption:
    """One option of the catalogue; ``requires_roles`` says "Asignar Roles" must follow."""

    code: str
    group_label: str
    label: str
    requires_roles: bool = True


@dataclass(frozen=True)
class ProfileGroup:
    """A profile (left panel) and its options (right panel) of "Asignación de Perfiles"."""

    label: str
    options: tuple[ProfileOption, ...]


def _opt(code: str, group: str, label: str, requires_roles: bool = True) -> ProfileOption:
    return ProfileOption(code, group, label, requires_roles)


CATALOGUE: tuple[ProfileOption, ...] = (
    _opt(VUCE_PROFILE, GROUP_ADUANAS, "VUCE"),
    _opt("ADUANAS.NPDA.TRANSPORTISTA", GROUP_NPDA, "Transportistas o sus representantes"),
    _opt("ADUANAS.NPDA.AGENTE_CARGA", GROUP_NPDA, "Agentes de carga"),
    _opt("ADUANAS.NPDA.DEPOSITO_TEMPORAL", GROUP_NPDA, "Depósitos temporales"),
    _opt("ADUANAS.NPDA.AGENTE_ADUANA", GROUP_NPDA, "Agentes de aduana"),
    _opt("ADUANAS.NPDA.PROVEEDOR_SOFTWARE", GROUP_NPDA, "Proveedores de software"),
    _opt("OCE.PORTAL.TRANSPORTISTA", GROUP_OCE, "Transportistas o sus representantes"),
    _opt("OCE.PORTAL.AGENTE_CARGA_INTERNACIONAL", GROUP_OCE, "Agentes de carga internacional"),
    _opt("OCE.PORTAL.DEPOSITO_TEMPORAL", GROUP_OCE, "Depósitos temporales"),
    _opt("OCE.PORTAL.DESPACHADOR_ADUANA", GROUP_OCE, "Despachadores de aduana"),
    _opt("OCE.PORTAL.IMPORTADOR", GROUP_OCE, "Importadores"),
    _opt("OCE.PORTAL.EXPORTADOR", GROUP_OCE, "Exportadores"),
    _opt("OCE.PORTAL.PROVEEDOR_SOFTWARE", GROUP_OCE, "Proveedores de software"),
    # [S2 6]: "con excepción del Drawback Web para el cual no es necesaria esta asignación".
    _opt("OCE.DRAWBACK_WEB", GROUP_OCE, "Drawback Web", requires_roles=False),
)
BY_CODE: dict[str, ProfileOption] = {o.code: o for o in CATALOGUE}
PROFILE_CODES: tuple[str, ...] = tuple(BY_CODE)


def get_option(code: str) -> ProfileOption:
    """The catalogue entry of ``code`` or ``errors.UnknownProfile``."""
    try:
        return BY_CODE[code]
    except (KeyError, TypeError):
        raise errors.UnknownProfile(code=code) from None


def validate_profile_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes de-duplicated and sorted; any code outside the catalogue raises."""
    if isinstance(codes, str):
        # A bare string would be iterated letter by letter: treat it as one code.
        codes = (codes,)
    cleaned = {c.strip() if isinstance(c, str) else c for c in codes}
    for code in sorted(cleaned, key=str):
        get_option(code)
    return tuple(sorted(cleaned))


def groups() -> tuple[ProfileGroup, ...]:
    """The catalogue grouped for the two-panel screen, in catalogue order."""
    order: dict[str, list[ProfileOption]] = {}
    for option in CATALOGUE:
        order.setdefault(option.group_label, []).append(option)
    return tuple(ProfileGroup(label, tuple(opts)) for label, opts in order.items())


def requires_roles(codes: Iterable[str]) -> bool:
    """True when any chosen option needs "Asignar Roles" after it (all but Drawback Web)."""
    return any(get_option(c).requires_roles for c in codes)


def has_vuce_access(user_type: str, effective: Iterable[str], required: str = VUCE_PROFILE) -> bool:
    """The VUCE gate (§5.3, Q5): principals always, secondaries with the ``required`` profile
    in effect (``ADUANAS.VUCE`` for VUCE's components: a client's ``required_profile``)."""
    # Extranet officials have no perfiles; their entity, not SOL, decides their access.
    if user_type in ("principal", "extranet"):
        return True
    return required in set(effective)


class Assignment(NamedTuple):
    """A profile option in effect over ``[effective_from, effective_until)`` (§4)."""

    code: str
    effective_from: datetime
    effective_until: datetime | None = None

    def in_effect(self, now: datetime) -> bool:
        """True when ``now`` falls inside the row's window."""
        return self.effective_from <= now and (
            self.effective_until is None or now < self.effective_until
        )


def _as_assignment(row: Any) -> Assignment:
    # Accept plain tuples, Assignment, or any object with the three attributes (an ORM row).
    if isinstance(row, Assignment):
        return row
    if hasattr(row, "code") and hasattr(row, "effective_from"):
        return Assignment(row.code, row.effective_from, getattr(row, "effective_until", None))
    return Assignment(*row)


def effective_profiles(assignments: Iterable[Any], now: datetime) -> frozenset[str]:
    """The option codes in effect at ``now`` (what the ``profiles`` claim carries, §9)."""
    return frozenset(a.code for a in map(_as_assignment, assignments) if a.in_effect(now))


def next_change(assignments: Iterable[Any], now: datetime) -> datetime | None:
    """The first moment after ``now`` at which the effective set may change (a row starts or
    ends), or None: until then ``effective_profiles`` stays what it is at ``now``."""
    moments = [
        t
        for a in map(_as_assignment, assignments)
        for t in (a.effective_from, a.effective_until)
        if t is not None and t > now
    ]
    return min(moments, default=None)


def _delay(delay_seconds: float) -> timedelta:
    if delay_seconds < 0:
        raise ValueError("the profile change delay cannot be negative")
    return timedelta(seconds=delay_seconds)


def initial_assignments(codes: Iterable[str], now: datetime) -> tuple[Assignment, ...]:
    """Rows for the profiles chosen at creation, in effect at once (Q4)."""
    return tuple(Assignment(c, now) for c in validate_profile_codes(codes))


def reschedule(
    assignments: Iterable[Any], new: Iterable[str], now: datetime, delay_seconds: float
) -> tuple[Assignment, ...]:
    """The full row set after saving ``new`` at ``now``: unchanged before ``now + delay``.

    Each save takes effect one delay after it was made: an earlier save still pending keeps
    its own boundary, and from this save's boundary on exactly ``new`` is in effect, also when
    a change is saved while another is pending: rows that would only start at or after the new
    boundary are cancelled, rows running across it are cut (or left open when the code stays
    selected). Rows that ended before are returned untouched so the history survives. The
    caller replaces the user's rows with these.
    """
    boundary = now + _delay(delay_seconds)
    target = frozenset(validate_profile_codes(new))
    result: list[Assignment] = []
    open_at_boundary: set[str] = set()
    for row in map(_as_assignment, assignments):
        start, until = row.effective_from, row.effective_until
        if until is not None and until <= start:
            continue  # an empty window is never in effect
        if until is not None and until <= boundary:
            result.append(row)  # over before the boundary: history, or a pending removal
        elif start >= boundary:
            continue  # would start only after the boundary: superseded by this change
        elif row.code in target:
            result.append(Assignment(row.code, start, None))
            open_at_boundary.add(row.code)
        else:
            result.append(Assignment(row.code, start, boundary))
    for code in sorted(target - open_at_boundary):
        result.append(Assignment(code, boundary))
    return tuple(result)


def confirmation_message(delay_seconds: float) -> str:
    """The verbatim [S2 7.4] confirmation, or the plain one when the change is immediate."""
    return messages.PROFILES_CHANGED if delay_seconds > 0 else messages.PROFILES_CHANGED_NOW
