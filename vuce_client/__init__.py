"""VUCE, the relying party of the SOL identity provider (it never imports ``idp``).

The wiring lives here, and only here: ``create_app`` reads the settings once (``config``), builds
VUCE's core, mounts the three components (``auth.VuceAuth``), their pages, the API, contingency,
the CLI and the metrics. ``create_core_app`` is its first half, for a separate component app that
mounts a ``VuceAuth`` of its own (``examples/component_app.py``). docs/architecture.md maps the
rooms and who may import whom.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, redirect, url_for
from flask_migrate import Migrate

from kvstore import store_from_url
from webcommon import favicon, logs, responses, serving
from webcommon.observe import RequestObserver

from . import cli, mail, metrics
from .auth import VuceAuth
from .config import COMPONENTS, load_settings, log_dev_warnings
from .core import EXTENSION as CORE
from .core import VuceCore
from .domain.contingency import ContingencyMode
from .idp_health import ReportingAdapter
from .services import contingency as contingency_service
from .services import sessions
from .storage import db
from .web import api, components, errors, login, logout, security
from .web import contingency as contingency_web
from .web import core as core_web

PACKAGE_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "vuce_alembic_version"

__all__ = ["VuceAuth", "create_app", "create_core_app", "serve_app"]


def create_core_app(import_name: str = __name__, settings: dict | None = None) -> Flask:
    """A Flask app with VUCE's core and no component yet: settings (read here, once), database,
    store, mail, CSRF, security headers, error pages, the VUCE session, IdP metadata and the
    shared screens (``/login``, ``/registro``, ``/mis-datos``, ubigeo, health)."""
    cfg = load_settings(settings)
    app = Flask(
        import_name,
        instance_path=cfg["INSTANCE_PATH"],
        static_folder=None,
        template_folder=str(PACKAGE_DIR / "templates"),
    )
    app.config.update(cfg)
    responses.install(app)
    logs.configure(cfg["LOG_FORMAT"])
    log_dev_warnings(cfg)
    store = store_from_url(cfg["REDIS_URL"])
    app.extensions["vuce_store"] = store
    db.init_app(app)
    mail.init_app(app)
    security.csrf.init_app(app)
    app.extensions[CORE] = VuceCore(app, store, component_views=_component_views)
    app.register_blueprint(core_web.bp)
    favicon.register(app, core_web.bp.static_folder)
    security.register(app)
    errors.register(app)
    app.before_request(sessions.load_current)
    app.context_processor(core_web.template_globals)
    return app


def _component_views(bp, app: Flask, auth: VuceAuth) -> None:
    """What each component (``VuceAuth``) mounts: the SOL login round trip and the logouts."""
    login.add_routes(bp, auth)
    logout.add_routes(bp, app, auth)


def create_app(settings: dict | None = None) -> Flask:
    """Build VUCE with its three components: the only wiring point (settings read here)."""
    app = create_core_app(__name__, settings)
    auths = [VuceAuth(app, component=comp) for comp in COMPONENTS]
    # Its own version table, so that both apps can share one database (issue 13, item 9).
    Migrate(app, db, directory=str(PACKAGE_DIR / "migrations"), version_table=VERSION_TABLE)
    app.extensions["vuce_auths"] = auths
    for auth in auths:
        app.register_blueprint(components.component_blueprint(auth))
    app.register_blueprint(api.bp)
    _install_contingency(app)  # §7: contingency forms, links, switch, IdP breaker

    @app.get("/")
    def index():
        return redirect(url_for("vuce_core.login"))

    cli.register_cli(app)
    app.cli.add_command(cli.contingency_cli)
    observed = metrics.install(app, outbox=mail.backlog)
    app.wsgi_app = RequestObserver(app.wsgi_app, **observed)
    return app


def serve_app() -> Flask:
    """``create_app`` for a server's worker (granian's ``--factory vuce_client:serve_app``)."""
    return serving.settle(create_app())


def _install_contingency(app: Flask) -> None:
    """The contingency service, its screens and API, and the IdP breaker's two feeds."""
    cfg = app.config
    core_state = app.extensions[CORE]
    state = contingency_service.Contingency(app, core_state.store)
    app.extensions[contingency_service.EXTENSION] = state
    # Every real back-channel call to the IdP is a health observation too.
    internal = cfg["IDP_INTERNAL_URL"].rstrip("/") + "/"
    core_state.meta.http.mount(internal, ReportingAdapter(state.health))
    contingency_web.register(app)
    # VUCE_IDP_PROBE says whether this process probes: the servers do; the mail worker and
    # one-off commands (migrations) are started with it off.
    if state.mode is ContingencyMode.AUTO and cfg["IDP_PROBE_ENABLED"]:
        state.start_probe()
    logging.getLogger("vuce_client.contingency").info(
        "contingency mode=%s link_ttl=%ss captcha=%s",
        state.mode.value,
        state.link_ttl,
        state.captcha.backend,
    )
