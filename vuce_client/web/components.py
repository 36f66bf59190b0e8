"""The pages of a VUCE component: menu, trámites (file / list / evaluate) and buzón electrónico.

Routes that take an identifier (a buzón entry, a trámite to move) look it up only among what
the session's account may see, so another RUC's or entity's record answers 404 like a missing
one (tests/vuce_client/test_idor.py).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..core import core
from ..domain import tramites as rules
from ..domain.identity import UserType
from ..domain.tramites import FilingNotAllowed, MoveNotAllowed
from ..services import notifications
from ..services import tramites as tramite_service
from ..services.sessions import current_account, current_user
from ..storage import db


def component_blueprint(auth) -> Blueprint:
    """The pages of one component, protected by its ``VuceAuth``."""
    comp = rules.Component[auth.component]
    bp = Blueprint(f"component_{auth.component.lower()}", __name__, url_prefix=auth.url_prefix)
    pages = (
        ("/", "home", _home, ["GET"]),
        ("/tramites", "file_tramite", file_tramite, ["POST"]),
        ("/tramites/<int:tramite_id>/estado", "move_tramite", move_tramite, ["POST"]),
        ("/buzon", "buzon", buzon, ["GET"]),
        ("/buzon/<int:notification_id>", "buzon_entry", buzon_entry, ["GET"]),
    )
    for rule, endpoint, page, methods in pages:
        view = auth.login_required(_bound(page, auth, comp))
        bp.add_url_rule(rule, endpoint, view, methods=methods)
    return bp


def _bound(page, auth, comp):
    """The view of ``page`` for one component (its ``VuceAuth`` and ``Component``)."""

    @wraps(page)
    def view(**kwargs):
        return page(auth, comp, **kwargs)

    return view


def _who():
    rec = current_user()
    return current_account(), rec["roles"], rec["user_type"]


def _buzones(account):
    """(component, its buzón URL, the user's unread entries there) of each component."""
    counts = notifications.unread_counts(account)
    general = counts.get(None, 0)
    return [
        (c, url_for(f"component_{key.lower()}.buzon"), counts.get(c.value, 0) + general)
        for key, c in (
            (k, rules.Component[k]) for k in core().components if k in rules.Component.__members__
        )
    ]


def _home(auth, comp, *, who=None, error=None, status=200):
    """The component's menu: its trámites, the forms to file and (officials) to evaluate."""
    account, roles, user_type = who or _who()
    official = user_type == UserType.EXTRANET
    return render_template(
        "vuce/component_home.html",
        auth=auth,
        component=comp,
        tramites=tramite_service.visible(
            account, roles=roles, user_type=user_type, component=comp.value
        ),
        evaluated=tramite_service.for_entity(account.company_name, comp.value) if official else [],
        official=official,
        entity=account.company_name if official else None,
        moves=rules.official_moves,
        note_required={s.value for s in rules.NOTE_REQUIRED},
        types=list(rules.TramiteType),
        entities=list(rules.Entity),
        default_entity=rules.DEFAULT_ENTITY[comp],
        scope=rules.visible_scope(roles, user_type),
        can_file=_can_file(roles, user_type),
        error=error,
        states={s.value: s.label for s in rules.TramiteState},
        unread=dict((c, n) for c, _, n in _buzones(account)).get(comp, 0),
    ), status


def file_tramite(auth, comp):
    """File a SUCE or a consulta técnica (the user needs VUCE.USUARIO.OPERACION)."""
    who = account, roles, user_type = _who()
    try:
        row = tramite_service.file(
            account,
            roles=roles,
            user_type=user_type,
            kind=request.form.get("kind", "SUCE"),
            component=comp.value,
            subject=request.form.get("subject", ""),
            entity=request.form.get("entity"),
        )
    except FilingNotAllowed as exc:
        db.session.rollback()
        return _home(auth, comp, who=who, error=exc.message, status=403)
    except ValueError:
        db.session.rollback()
        return redirect(url_for(f"{request.blueprint}.home"))
    db.session.commit()
    return redirect(url_for(f"{request.blueprint}.home", registrado=row.number))


def move_tramite(auth, comp, tramite_id):
    """An official of the trámite's entity moves it one step ("Grabar")."""
    who = account, _roles, user_type = _who()
    try:
        row = tramite_service.move(
            account,
            user_type=user_type,
            component=comp.value,
            tramite_id=tramite_id,
            new=request.form.get("estado", ""),
            note=request.form.get("motivo"),
        )
    except tramite_service.TramiteNotFound:
        db.session.rollback()
        abort(404)
    except MoveNotAllowed as exc:
        db.session.rollback()
        return _home(auth, comp, who=who, error=exc.message, status=409)
    db.session.commit()
    return redirect(url_for(f"{request.blueprint}.home", movido=row.number, estado=row.state))


def _buzon_page(auth, comp, account, template: str, **extra):
    return render_template(template, auth=auth, component=comp, buzones=_buzones(account), **extra)


def buzon(auth, comp):
    """The component's buzón electrónico (the RUC's, for a SUPERVISOR)."""
    account, roles, user_type = _who()
    rows = notifications.buzon(account, rules.visible_scope(roles, user_type), comp.value)
    return _buzon_page(
        auth, comp, account, "vuce/buzon.html", notifications=rows, own_id=account.id
    )


def buzon_entry(auth, comp, notification_id):
    """Open one entry: it counts as read from now on (for its addressee)."""
    account, roles, user_type = _who()
    row = notifications.open_entry(account, rules.visible_scope(roles, user_type), notification_id)
    if row is None:
        abort(404)
    db.session.commit()
    return _buzon_page(auth, comp, account, "vuce/buzon_entry.html", entry=row)


def _can_file(roles, user_type) -> bool:
    try:
        rules.check_can_file(roles, user_type)
    except FilingNotAllowed:
        return False
    return True
