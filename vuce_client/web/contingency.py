"""The contingency screens (domain.md §7) and ``GET/PUT /api/v1/contingency``.

- ``/contingencia`` (and ``/login`` while contingency is active): the "Ingresa con Clave SOL"
  and "Ingresar a la Extranet" forms with the banner of the manual; each posts to
  ``/contingencia/sol`` or ``/contingencia/extranet`` and always gets the same "revise su
  correo" page, in the same time, whether or not the account exists or qualifies.
- ``/contingencia/enlace/<token>``: the e-mailed link. GET only looks (mail scanners that
  prefetch links must not burn them); its button POSTs, which burns the link, runs the entry
  checks on the last known roles and state (Q15) and opens a session marked CONTINGENCIA.
- ``/contingencia/operador``: state, breaker and history, with the switch (admin token).
- While contingency is off every form redirects to the normal login.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

import peru_ids
from webcommon.errors import retry_after
from webcommon.security import require_bearer, token_matches

from ..core import core
from ..domain import messages
from ..domain.contingency import AUTH_METHOD, LinkStatus, link_message
from ..domain.errors import ContingencyDisabled
from ..metrics import LINK_EVENTS, count_link
from ..services import accounts, audit, entry
from ..services import contingency as contingency_service
from ..storage import db
from .errors import denied_page
from .security import csrf

bp = Blueprint("vuce_contingency", __name__)
api_bp = Blueprint("vuce_contingency_api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # bearer-token API, no cookies

limiter = Limiter(key_func=get_remote_address, default_limits=[], key_prefix="vuce-contingency")
LINK_STATUS_CODES = {
    LinkStatus.EXPIRED: 410,
    LinkStatus.USED: 410,
    LinkStatus.SUPERSEDED: 410,
    LinkStatus.INVALID: 400,
}


def _state():
    return contingency_service.get()


def _components():
    return core().components


def _component(raw: str | None) -> str:
    comps = _components()
    key = (raw or "").strip().upper()
    return key if key in comps else next(iter(comps))


def _captcha_widget() -> dict:
    return _state().captcha.widget()


def _forms_page(
    status: int = 200,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    only: str | None = None,
):
    return render_template(
        "vuce/contingency/forms.html",
        msg=messages,
        only=only,
        errors=errors or {},
        values=values or {},
        component=_component(request.values.get("componente")),
        sol_captcha=_captcha_widget() if only != "extranet" else None,
        ext_captcha=_captcha_widget() if only != "sol" else None,
        captcha_backend=_state().captcha.backend,
    ), status


def _login_redirect():
    return redirect(url_for("vuce_core.login"))


# -- interception of the normal login while contingency is active --------------------------------


def _intercept_login():
    """While active, /login and every component's SOL login lead to the contingency forms."""
    endpoint = request.endpoint or ""
    if endpoint == "vuce_core.login" or (
        endpoint.startswith("vuce_auth_") and endpoint.endswith(".login")
    ):
        state = _state()
        if not state.is_active():
            return None
        if endpoint == "vuce_core.login":
            return _forms_page()
        comp = endpoint[len("vuce_auth_") : -len(".login")].upper()
        only = "extranet" if request.args.get("tipo") == "extranet" else "sol"
        return redirect(url_for("vuce_contingency.forms", componente=comp, tipo=only))
    return None


# -- forms ---------------------------------------------------------------------------------------


@bp.get("/contingencia")
def forms():
    """Both forms (or one, ``?tipo=sol|extranet``); the normal login when contingency is off."""
    if not _state().is_active():
        return _login_redirect()
    only = request.args.get("tipo")
    return _forms_page(only=only if only in ("sol", "extranet") else None)


def _ip_rate():
    return current_app.config["CONTINGENCY_RATE_IP"]


def _mail_quota_left(kind: str, ruc: str, usuario: str) -> bool:
    """One more link e-mail for this account within ``CONTINGENCY_RATE_ACCOUNT``?

    The RUC and usuario are whatever anyone types, so a stranger can use this quota up: going
    over it must never block or tell anything. The form answers the same page either way and
    only the e-mail is not sent (the victim's own requests cost it nothing but a mail).
    """
    key = f"{kind}:{ruc}:{usuario}"
    try:
        return all(
            limiter.limiter.hit(rate, "vuce-contingency-mail", key)
            for rate in parse_many(current_app.config["CONTINGENCY_RATE_ACCOUNT"])
        )
    except Exception:  # noqa: BLE001 - the store is down: the link request itself answers 503
        current_app.logger.exception("contingency mail quota not counted")
        return True


def _submit(kind: str):
    started = time.perf_counter()
    state = _state()
    if not state.is_active():
        return _login_redirect()
    values = {
        "ruc": (request.form.get("ruc") or "").strip(),
        "usuario": (request.form.get("usuario") or "").strip().upper(),
    }
    # §7: the captcha is verified before anything else.
    result = state.captcha.verify(request.form.get("g-recaptcha-response"), request.remote_addr)
    errors = {}
    if not result.ok:
        errors["captcha"] = messages.CONTINGENCY_CAPTCHA_FAILED
    if kind == "sol" and not peru_ids.is_valid_ruc(values["ruc"]):
        errors["ruc"] = messages.CONTINGENCY_RUC_INVALID
    if not values["usuario"] or len(values["usuario"]) > 20:
        errors["usuario"] = messages.CONTINGENCY_USER_REQUIRED
    if errors:
        return _forms_page(400, errors={kind: errors}, values={kind: values}, only=kind)
    component = _component(request.form.get("componente"))
    send = _mail_quota_left(kind, values["ruc"] if kind == "sol" else "", values["usuario"])

    def link_url(token: str) -> str:
        base = current_app.config["BASE_URL"]
        return base + url_for("vuce_contingency.open_link", token=token, componente=component)

    state.request_link(
        kind=kind,
        ruc=values["ruc"] if kind == "sol" else None,
        usuario=values["usuario"],
        link_url=link_url,
        component=component,
        send=send,
    )
    state.pad(started)
    return render_template(
        "vuce/contingency/check_email.html",
        msg=messages,
        text=messages.contingency_check_email(state.link_ttl),
    )


@bp.post("/contingencia/sol")
@limiter.limit(_ip_rate, methods=["POST"])
def submit_sol():
    """ "Ingresa con Clave SOL": RUC + usuario SOL + captcha."""
    return _submit("sol")


@bp.post("/contingencia/extranet")
@limiter.limit(_ip_rate, methods=["POST"])
def submit_extranet():
    """ "Ingresar a la Extranet": usuario EXT… + captcha."""
    return _submit("extranet")


@bp.get("/contingencia/sol")
@bp.get("/contingencia/extranet")
def form_get():
    only = request.path.rsplit("/", 1)[-1]
    return redirect(
        url_for("vuce_contingency.forms", tipo=only, componente=request.args.get("componente"))
    )


# -- the e-mailed link ---------------------------------------------------------------------------


def _link_refused(status: LinkStatus):
    return render_template(
        "vuce/contingency/link.html", msg=messages, status=status.value, text=link_message(status)
    ), LINK_STATUS_CODES[status]


def _off_page():
    return render_template(
        "vuce/contingency/link.html", msg=messages, status="OFF", text=messages.CONTINGENCY_OFF
    ), 409


@bp.get("/contingencia/enlace/<token>")
def open_link(token):
    """Show what the link is; a valid one gets a button that opens the session."""
    state = _state()
    if not state.is_active():
        return _off_page()
    opened = state.links.inspect(token)
    if not opened.ok:
        return _link_refused(opened.status)
    return render_template(
        "vuce/contingency/link.html",
        msg=messages,
        status="VALID",
        text=messages.CONTINGENCY_PROCEED,
        token=token,
        component=_component(request.args.get("componente")),
        button=messages.CONTINGENCY_LINK_OPEN_BUTTON,
    )


@bp.post("/contingencia/enlace")
def use_link():
    """Burn the link, then admission (``services.entry``) on the last known data (Q15)."""
    state = _state()
    if not state.is_active():
        return _off_page()
    opened = state.links.consume(request.form.get("token"))
    count_link(LINK_EVENTS[opened.status.value])
    component = _component(request.form.get("componente"))
    if not opened.ok:
        audit.record(
            "CONTINGENCY_LINK_REFUSED", component=component, reason=f"LINK_{opened.status.value}"
        )
        db.session.commit()
        return _link_refused(opened.status)
    account = accounts.get(opened.account_id)
    if account is None:
        return _link_refused(LinkStatus.INVALID)
    via = entry.ContingencyLink(
        component=component,
        account_id=account.id,
        link_id=opened.link_id,
        episode=state.episode(),
    )
    decision = entry.admit(accounts.last_known_identity(account), via=via)
    if not decision.allowed:
        return denied_page(decision)
    if not decision.opens_session:
        return render_template(
            "vuce/error.html", error="needs_sol", description=messages.CONTINGENCY_NEEDS_SOL
        ), 409
    return redirect(_components()[component].home_url())


# -- operator: API, page -----------------------------------------------------------------------


def _api_error(status: int, code: str, message: str):
    return jsonify(error=code, message=message), status


@api_bp.route("/contingency", methods=["GET", "PUT"])
def api_contingency():
    """``GET``: the state; ``PUT {"active": bool}``: the operator's switch."""
    if not require_bearer(current_app.config.get("ADMIN_TOKEN")):
        return _api_error(401, "unauthorized", messages.ADMIN_TOKEN_REQUIRED)
    state = _state()
    if request.method == "GET":
        return jsonify(state.status())
    body = request.get_json(silent=True)
    if (
        not isinstance(body, dict)
        or set(body) - {"active"}
        or not isinstance(body.get("active"), bool)
    ):
        return _api_error(422, "invalid_body", messages.CONTINGENCY_SWITCH_BODY)
    try:
        return jsonify(state.set_active(body["active"], actor="admin-api", source="api"))
    except ContingencyDisabled as exc:
        return _api_error(exc.status, exc.code, exc.message)


@bp.route("/contingencia/operador", methods=["GET", "POST"])
def operator():
    """State, breaker, history and the switch; the admin token opens it once per session."""
    state = _state()
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "login":
            if token_matches(request.form.get("token"), current_app.config.get("ADMIN_TOKEN")):
                session["vuce_operator"] = True
            else:
                error = messages.ADMIN_TOKEN_WRONG
        elif session.get("vuce_operator") and action in ("on", "off"):
            try:
                state.set_active(action == "on", actor="operator-page", source="page")
            except ContingencyDisabled as exc:
                error = exc.message
        if error is None:
            return redirect(url_for("vuce_contingency.operator"))
    authorized = bool(session.get("vuce_operator"))
    return render_template(
        "vuce/contingency/operator.html",
        msg=messages,
        error=error,
        authorized=authorized,
        status=state.status() if authorized else None,
        history=state.history(30) if authorized else [],
    ), 401 if error and not authorized else 200


# -- wiring --------------------------------------------------------------------------------------


def _rate_limited(exc):
    headers = retry_after(exc)
    if request.path.startswith("/api/"):
        return (*_api_error(429, "rate_limited", messages.TOO_MANY_ATTEMPTS), headers)
    return (
        render_template(
            "vuce/error.html", error="rate_limited", description=messages.TOO_MANY_ATTEMPTS
        ),
        429,
        headers,
    )


def register(app) -> None:
    """The blueprints, the login interception, the rate limiter (its keys: ``config``) and, with
    Google's reCAPTCHA, the pages' wider CSP."""
    limiter.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.before_request(_intercept_login)
    app.register_error_handler(RateLimitExceeded, _rate_limited)

    @app.context_processor
    def _contingency_globals():
        return {
            "contingency_note": messages.CONTINGENCY_SESSION_NOTE,
            "contingency_method": AUTH_METHOD,
        }

    if contingency_service.installed(app).captcha.backend == "recaptcha":
        # Google's widget needs its script and frame; only on the contingency pages.
        csp = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' https://www.google.com/recaptcha/ "
            "https://www.gstatic.com/recaptcha/; frame-src https://www.google.com/recaptcha/ "
            "https://recaptcha.google.com/recaptcha/; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'; object-src 'none'"
        )

        @app.after_request
        def _recaptcha_csp(response):
            if request.path.startswith("/contingencia") or request.endpoint == "vuce_core.login":
                response.headers["Content-Security-Policy"] = csp
            return response
