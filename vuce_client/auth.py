"""``VuceAuth``: the Flask extension that gives any VUCE component the SOL login.

    auth = VuceAuth(app, component="MR")            # or VuceAuth(component=...).init_app(app)

Each instance is one OIDC client of the IdP (``VUCE_CLIENT_ID_<X>`` / ``VUCE_CLIENT_SECRET_<X>``
unless ``client_id``/``client_secret`` are given) mounted under its prefix with:

- ``GET  <prefix>/login``   SOL login (``?tipo=extranet`` adds ``login_type=extranet``)
- ``GET  <prefix>/callback`` state, code exchange, ID token validation, entry checks (§6.2),
  then first-login registration or a session; a denial shows the verbatim message, creates no
  session and is audited
- ``POST <prefix>/logout``  ends the VUCE session and the IdP's (RP-initiated logout)
- ``GET  <prefix>/logged-out`` where the IdP sends the browser back (state checked)
- ``POST <prefix>/backchannel-logout`` OIDC back-channel logout receiver

The first instance on an app also installs the shared core: settings (``vuce_client.config``),
database, store, CSRF, security headers, error pages, the ``/login`` chooser, the registration
wizard (``/registro``), "Modificación de Datos" (``/mis-datos``) and the ubigeo JSON endpoints.
Views of the component use ``auth.login_required``; ``current_user()`` gives the session record.
"""

from __future__ import annotations

import json
import logging
import secrets
from functools import wraps

import requests
from authlib.integrations.base_client import OAuthError
from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from kvstore import store_from_url
from webcommon import favicon

from . import metrics
from .config import COMPONENTS, load_settings, log_dev_warnings
from .domain import messages
from .domain.contingency import AUTH_METHOD as CONTINGENCY_METHOD
from .domain.entry_checks import run_entry_checks
from .domain.identity import InvalidClaims, identity_from_claims
from .oidc import (
    IdpMetadata,
    IdpUnavailable,
    TokenRejected,
    VuceOAuth,
    checked_userinfo,
    register_client,
    validate_id_token,
    validate_logout_token,
)
from .services import accounts, audit
from .services import sessions as registry
from .storage import db, utcnow
from .web.security import safe_next

log = logging.getLogger("vuce_client.auth")
PACKAGE_DIR = __import__("pathlib").Path(__file__).resolve().parent
PENDING_TTL = 1800

# OIDC Core 5.1 contact claims VUCE takes from userinfo; everything else from the ID token
CONTACT_CLAIMS = ("name", "email", "email_verified")


class VuceCore:
    """What every component of one app shares: store, IdP metadata, Authlib registry."""

    def __init__(self, app) -> None:
        self.app = app
        self.store = app.extensions.get("vuce_store") or store_from_url(app.config["REDIS_URL"])
        app.extensions["vuce_store"] = self.store
        self.meta = IdpMetadata(
            app.config["IDP_ISSUER"],
            app.config["IDP_INTERNAL_URL"],
            self.store,
            timeout=app.config["IDP_TIMEOUT"],
            discovery_ttl=app.config["DISCOVERY_TTL"],
            jwks_ttl=app.config["JWKS_TTL"],
        )
        self.oauth = VuceOAuth(app)
        self.components: dict[str, VuceAuth] = {}

    def default_component(self) -> VuceAuth:
        return next(iter(self.components.values()))

    def padron(self):
        """The padrón/ITP client: client_credentials of ``VUCE_PADRON_CLIENT`` (default MR)."""
        from .services.padron import PadronClient

        cfg = self.app.config
        comp = cfg.get("PADRON_CLIENT") or next(iter(self.components))
        auth = self.components.get(comp) or self.default_component()
        return PadronClient(self.meta, auth.client_id, auth.client_secret, self.store)


def _setup_core(app) -> VuceCore:
    if "vuce_core" in app.extensions:
        return app.extensions["vuce_core"]
    # settings: whatever the app already has wins; the rest comes from the VUCE_* table
    known = {k: v for k, v in app.config.items() if k.isupper()}
    cfg = load_settings(
        {k: v for k, v in known.items() if k not in ("SECRET_KEY", "SESSION_COOKIE_NAME") or v}
    )
    for key, value in cfg.items():
        if key not in app.config or (key in ("SECRET_KEY",) and not app.config.get(key)):
            app.config[key] = value
    if app.config.get("SESSION_COOKIE_NAME") == "session":
        app.config["SESSION_COOKIE_NAME"] = "vuce_session"
    for key in (
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_SECURE",
        "SQLALCHEMY_DATABASE_URI",
        "SQLALCHEMY_ENGINE_OPTIONS",
    ):
        app.config.setdefault(key, cfg[key])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = cfg["SQLALCHEMY_DATABASE_URI"]
    # create_app read the table first (its defaults are now overrides here): its warnings count
    log_dev_warnings(app.config if "_DEV_WARNINGS" in known else cfg)

    from . import mail
    from .web import core, errors, security

    if "sqlalchemy" not in app.extensions:
        db.init_app(app)
    if "mail" not in app.extensions:
        mail.init_app(app)
    if "csrf" not in app.extensions:
        security.csrf.init_app(app)
    core_state = VuceCore(app)
    app.extensions["vuce_core"] = core_state
    app.register_blueprint(core.bp)
    if "favicon" not in app.view_functions:  # a host app may have its own
        favicon.register(app, core.bp.static_folder)
    # the back-channel logout receiver is called by the IdP, not a browser: no CSRF token
    security.csrf.exempt("vuce_client.auth.backchannel_view")
    security.register(app)
    errors.register(app)
    app.before_request(_load_session)
    app.context_processor(_template_globals)
    return core_state


def core() -> VuceCore:
    return current_app.extensions["vuce_core"]


def _load_session() -> None:
    store = core().store
    g.vuce = registry.get(store, session.get("vuce_sid"))
    if g.vuce is not None and g.vuce.get("auth_method") == CONTINGENCY_METHOD:
        state = current_app.extensions.get("vuce_contingency")
        if state is None or not state.session_alive(g.vuce):
            # Contingency switched off (or on again since): the person logs in with Clave SOL.
            registry.end(store, session.get("vuce_sid"))
            audit.record("LOGOUT", account_key=g.vuce.get("account_key"), reason="CONTINGENCY_OFF")
            db.session.commit()
            g.vuce = None
    if g.vuce is None and "vuce_sid" in session:
        session.pop("vuce_sid")  # ended elsewhere (logout, back-channel logout, expiry)


def current_user() -> dict | None:
    """The live VUCE session record of this browser, or None."""
    return getattr(g, "vuce", None)


def current_account():
    """The ``VuceAccount`` of the current session, or None."""
    rec = current_user()
    if rec is None:
        return None
    if "vuce_account" not in g:
        g.vuce_account = accounts.get(rec["account_id"])
    return g.vuce_account


def _template_globals():
    return {
        "vuce_user": current_user(),
        "vuce_account": current_account,
        "msg": messages,
        "vuce_components": core().components,
    }


def open_session(
    account,
    identity_claims: dict,
    component: str,
    *,
    sid: str | None,
    id_token: str | None,
    auth_method: str = "SOL",
    episode: int | None = None,
) -> str:
    """Start (or extend, same account and method) the browser's VUCE session; returns its id.

    A contingency session (``episode`` = the contingency episode that opened it) lives at most
    ``CONTINGENCY_SESSION_TTL`` and ends as soon as contingency switches off.
    """
    store = core().store
    cfg = current_app.config
    ttl = cfg["SESSION_TTL"]
    if auth_method == CONTINGENCY_METHOD:
        ttl = min(ttl, cfg["CONTINGENCY_SESSION_TTL"])
    now = utcnow().isoformat()
    rec = registry.get(store, session.get("vuce_sid"))
    if rec is not None and (
        rec.get("account_key") != account.account_key
        or rec.get("auth_method") != auth_method
        or rec.get("episode") != episode
    ):
        registry.end(store, session.get("vuce_sid"))
        rec = None
    entry = {"sid": sid, "id_token": id_token, "login_at": now}
    if rec is None:
        rec = {
            "account_id": account.id,
            "account_key": account.account_key,
            "sub": identity_claims.get("sub"),
            "user_type": account.user_type,
            "ruc": account.ruc,
            "roles": account.last_roles or [],
            "auth_method": auth_method,
            "episode": episode,
            "created_at": now,
            "components": {component: entry},
        }
        session.clear()  # a fresh cookie at login (no fixation)
        session["vuce_sid"] = registry.create(store, rec, ttl)
    else:
        rec["components"][component] = entry
        rec["roles"] = account.last_roles or []
        registry.save(store, session["vuce_sid"], rec, ttl)
    g.vuce = rec
    return session["vuce_sid"]


class VuceAuth:
    """SOL login, entry checks, registration and logout for one VUCE component."""

    def __init__(
        self,
        app=None,
        component: str = "MR",
        *,
        url_prefix: str | None = None,
        name: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        home_endpoint: str | None = None,
    ) -> None:
        self.component = component.upper()
        default_prefix, default_name, _ = COMPONENTS.get(
            self.component, (f"/{component.lower()}", component, None)
        )
        self.url_prefix = (url_prefix if url_prefix is not None else default_prefix).rstrip("/")
        self.name = name or default_name
        self._client_id = client_id
        self._client_secret = client_secret
        self.home_endpoint = home_endpoint
        self.client = None
        if app is not None:
            self.init_app(app)

    # -- wiring ---------------------------------------------------------------------------
    def init_app(self, app) -> VuceAuth:
        core_state = _setup_core(app)
        cfg = app.config
        self.client_id = self._client_id or cfg.get(f"CLIENT_ID_{self.component}")
        self.client_secret = self._client_secret or cfg.get(f"CLIENT_SECRET_{self.component}")
        if not self.client_id:
            raise RuntimeError(
                f"no client id for component {self.component}: set "
                f"VUCE_CLIENT_ID_{self.component} or pass client_id="
            )
        self.client = register_client(
            core_state.oauth,
            core_state.meta,
            f"vuce_{self.component.lower()}",
            self.client_id,
            self.client_secret,
            cfg["IDP_TIMEOUT"],
        )
        self.base_url = cfg["BASE_URL"]
        bp = Blueprint(
            f"vuce_auth_{self.component.lower()}", __name__, url_prefix=self.url_prefix or None
        )
        bp.add_url_rule("/login", "login", self.login_view)
        bp.add_url_rule("/callback", "callback", self.callback_view)
        bp.add_url_rule("/logout", "logout", self.logout_view, methods=["POST"])
        bp.add_url_rule("/logged-out", "logged_out", self.logged_out_view)
        app.register_blueprint(bp)
        core_state.components[self.component] = self
        app.add_url_rule(
            f"{self.url_prefix}/backchannel-logout",
            f"{self.endpoint_prefix}_backchannel",
            self.backchannel_view,
            methods=["POST"],
        )
        return self

    @property
    def endpoint_prefix(self) -> str:
        return f"vuce_auth_{self.component.lower()}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}{self.url_prefix}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}{self.url_prefix}/logged-out"

    @property
    def backchannel_logout_uri(self) -> str:
        return f"{self.base_url}{self.url_prefix}/backchannel-logout"

    def home_url(self) -> str:
        if self.home_endpoint:
            return url_for(self.home_endpoint)
        return (self.url_prefix or "") + "/"

    def is_logged_in(self) -> bool:
        rec = current_user()
        return rec is not None and self.component in rec.get("components", {})

    def login_required(self, view):
        """Decorator: a live VUCE session holding a login to this component, else SOL login."""

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not self.is_logged_in():
                return redirect(
                    url_for(f"{self.endpoint_prefix}.login", next=request.full_path.rstrip("?"))
                )
            return view(*args, **kwargs)

        return wrapper

    # -- views ----------------------------------------------------------------------------
    def login_view(self):
        nxt = safe_next(request.args.get("next"), self.home_url())
        if self.is_logged_in():
            return redirect(nxt)
        extra = {}
        if request.args.get("tipo") == "extranet":
            extra["login_type"] = "extranet"
        session["vuce_next"] = nxt
        try:
            return self.client.authorize_redirect(self.redirect_uri, **extra)
        except (IdpUnavailable, TokenRejected) as exc:
            log.error("IdP discovery failed: %s", exc)
            return render_template(
                "vuce/error.html", error="idp_unavailable", description=messages.IDP_DOWN
            ), 503

    def _refuse(self, code: str, detail: str = "", status: int = 400):
        audit.record("LOGIN_REFUSED", component=self.component, reason=code, detail=detail[:300])
        db.session.commit()
        log.warning("callback refused (%s): %s", code, detail)
        if code == "access_denied":
            return render_template("vuce/profile_missing.html"), status
        text = {
            "idp_unavailable": messages.IDP_DOWN,
            "invalid_claims": messages.CLAIMS_MISSING,
        }.get(code, messages.CALLBACK_REFUSED)
        return render_template("vuce/error.html", error=code, description=text), status

    def callback_view(self):
        state = request.args.get("state")
        state_data = self.client.framework.get_state_data(session, state) if state else None
        if state:
            self.client.framework.clear_state_data(session, state)
        if not state_data:
            return self._refuse("bad_state", "state missing, unknown or already used")
        if request.args.get("error"):
            err = request.args["error"]
            return self._refuse(
                "access_denied" if err == "access_denied" else "idp_error",
                err,
                403 if err == "access_denied" else 400,
            )
        code = request.args.get("code")
        if not code:
            return self._refuse("missing_code")
        params = {
            "code": code,
            "state": state,
            "code_verifier": state_data.get("code_verifier"),
            "redirect_uri": state_data.get("redirect_uri"),
        }
        try:
            token = self.client.fetch_access_token(**params)
        except OAuthError as exc:  # replayed or forged code: invalid_grant
            return self._refuse("token_exchange_failed", f"{exc.error}: {exc.description}")
        except (requests.RequestException, ValueError) as exc:
            # timeout, refused, a 5xx (Authlib raises HTTPError for those), a body not JSON;
            # anything else is our bug and goes to the 500 handler with its traceback.
            return self._refuse("idp_unavailable", f"{type(exc).__name__}: {exc}", 503)
        if "id_token" not in token:
            return self._refuse("missing_id_token")
        try:
            claims = validate_id_token(
                core().meta,
                token["id_token"],
                client_id=self.client_id,
                nonce=state_data.get("nonce", ""),
                access_token=token.get("access_token"),
                leeway=current_app.config["CLOCK_LEEWAY"],
            )
            # The signed ID token decides access; userinfo (same sub) adds only contact data.
            info = checked_userinfo(self.client, token, claims)
            contact = {k: info[k] for k in CONTACT_CLAIMS if k in info}
            identity = identity_from_claims({**claims, **contact})
        except TokenRejected as exc:
            return self._refuse(exc.code, exc.detail)
        except IdpUnavailable as exc:
            return self._refuse("idp_unavailable", str(exc), 503)
        except InvalidClaims as exc:
            return self._refuse("invalid_claims", exc.detail)
        nxt = safe_next(session.pop("vuce_next", None), self.home_url())
        return self.admit(identity, claims, token, nxt)

    def admit(self, identity, claims: dict, token: dict, nxt: str):
        """Entry checks (§6.2) then a denial page, the registration wizard or a session."""
        account = accounts.sync_from_identity(identity)
        ctx = accounts.entry_context(
            identity,
            account,
            require_principal_for_all=current_app.config["REQUIRE_PRINCIPAL_FOR_ALL"],
        )
        decision = run_entry_checks(ctx)
        if not decision.allowed:
            audit.record(
                "ENTRY_DENIED",
                account_key=identity.account_key,
                component=self.component,
                reason=decision.reason.value,
                message=decision.message_number,
                params=list(decision.params),
            )
            db.session.commit()
            metrics.count_denial(decision.message_number)
            log.info(
                "entry denied component=%s message=%s reason=%s",
                self.component,
                decision.message_number,
                decision.reason.value,
            )
            session.pop("vuce_sid", None)
            return render_template("vuce/denied.html", decision=decision), 403
        if decision.opens_session:
            if identity.user_type.value == "secondary":
                accounts.update_registered_as(account, decision.registered_as)
            audit.record("LOGIN", account_key=identity.account_key, component=self.component)
            db.session.commit()
            metrics.count_login(self.component)
            log.info("login ok component=%s account=%s", self.component, identity.account_key)
            open_session(
                account,
                claims,
                self.component,
                sid=claims.get("sid"),
                id_token=token.get("id_token"),
            )
            return redirect(nxt)
        # registration wizard first (§6.4); the session opens when it is done
        pending_id = secrets.token_urlsafe(24)
        core().store.set(
            f"vuce:pending:{pending_id}",
            json.dumps(
                {
                    "claims": claims,
                    "component": self.component,
                    "id_token": token.get("id_token"),
                    "needs_registration": decision.needs_registration,
                    "section": decision.needs_lab_or_agent_section
                    and decision.needs_lab_or_agent_section.value,
                    "registered_as": decision.registered_as and decision.registered_as.value,
                    "next": nxt,
                }
            ),
            ttl=PENDING_TTL,
        )
        audit.record(
            "REGISTRATION_STARTED", account_key=identity.account_key, component=self.component
        )
        db.session.commit()
        log.info("registration started component=%s", self.component)
        session.pop("vuce_sid", None)
        session["vuce_pending"] = pending_id
        return redirect(url_for("vuce_core.register"))

    def logout_view(self):
        store = core().store
        rec = registry.end(store, session.get("vuce_sid"))
        session.clear()
        if rec is None:
            return redirect(url_for("vuce_core.login"))
        audit.record("LOGOUT", account_key=rec.get("account_key"), component=self.component)
        db.session.commit()
        comps = rec.get("components", {})
        entry = comps.get(self.component) or next(iter(comps.values()), {})
        try:
            return self.client.logout_redirect(
                post_logout_redirect_uri=self.post_logout_redirect_uri,
                id_token_hint=entry.get("id_token"),
            )
        except (IdpUnavailable, TokenRejected, RuntimeError) as exc:
            log.error("RP-initiated logout not possible: %s", exc)
            return render_template("vuce/logged_out.html")

    def logged_out_view(self):
        try:
            self.client.validate_logout_response()
        except OAuthError:
            pass  # the VUCE session already ended; a missing state only skips nothing
        return render_template("vuce/logged_out.html")

    def backchannel_view(self):
        """OIDC Back-Channel Logout 1.0 §2.5-2.8: end every VUCE session of that sid/sub."""
        token = request.form.get("logout_token")
        if not token:
            return {"error": "invalid_request"}, 400
        try:
            claims = validate_logout_token(
                core().meta,
                token,
                client_id=self.client_id,
                leeway=current_app.config["CLOCK_LEEWAY"],
            )
        except (TokenRejected, IdpUnavailable) as exc:
            log.warning("logout token refused: %s", exc)
            return {"error": "invalid_request"}, 400
        store = core().store
        # §2.6 (replay): a jti is accepted once
        if not store.add(f"vuce:bcl:jti:{claims['jti']}", "1", ttl=600):
            return {"error": "invalid_request", "error_description": "replayed"}, 400
        ended = registry.end_by(store, sid=claims.get("sid"), sub=claims.get("sub"))
        audit.record(
            "BACKCHANNEL_LOGOUT", component=self.component, sid=claims.get("sid"), ended=ended
        )
        db.session.commit()
        return "", 200, {"Cache-Control": "no-store"}
