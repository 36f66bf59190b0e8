"""The pages of a VUCE component: menu, trámites (file / list) and buzón electrónico."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..domain import tramites as rules
from ..domain.tramites import FilingNotAllowed
from ..services import notifications
from ..services import tramites as tramite_service
from ..storage import db


def component_blueprint(auth) -> Blueprint:
    """The pages of one component, protected by its ``VuceAuth``."""
    from ..auth import current_account, current_user

    comp = rules.Component[auth.component]
    bp = Blueprint(f"component_{auth.component.lower()}", __name__, url_prefix=auth.url_prefix)

    def _who():
        rec = current_user()
        return current_account(), rec["roles"], rec["user_type"]

    @bp.get("/")
    @auth.login_required
    def home():
        account, roles, user_type = _who()
        rows = tramite_service.visible(
            account, roles=roles, user_type=user_type, component=comp.value
        )
        return render_template(
            "vuce/component_home.html",
            auth=auth,
            component=comp,
            tramites=rows,
            types=list(rules.TramiteType),
            scope=rules.visible_scope(roles, user_type),
            can_file=_can_file(roles, user_type),
            error=None,
            states={s.value: s.label for s in rules.TramiteState},
        )

    @bp.post("/tramites")
    @auth.login_required
    def file_tramite():
        account, roles, user_type = _who()
        try:
            row = tramite_service.file(
                account,
                roles=roles,
                user_type=user_type,
                kind=request.form.get("kind", "SUCE"),
                component=comp.value,
                subject=request.form.get("subject", ""),
            )
        except FilingNotAllowed as exc:
            db.session.rollback()
            return render_template(
                "vuce/component_home.html",
                auth=auth,
                component=comp,
                tramites=[],
                types=list(rules.TramiteType),
                scope="own",
                can_file=False,
                error=exc.message,
                states={},
            ), 403
        except ValueError:
            db.session.rollback()
            return redirect(url_for(f"{bp.name}.home"))
        db.session.commit()
        return redirect(url_for(f"{bp.name}.home", registrado=row.number))

    @bp.get("/buzon")
    @auth.login_required
    def buzon():
        account, roles, user_type = _who()
        rows = notifications.buzon(account, rules.visible_scope(roles, user_type))
        return render_template("vuce/buzon.html", auth=auth, component=comp, notifications=rows)

    return bp


def _can_file(roles, user_type) -> bool:
    try:
        rules.check_can_file(roles, user_type)
    except FilingNotAllowed:
        return False
    return True
