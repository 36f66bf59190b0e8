"""SUNAT Clave SOL stand-in: an OpenID Connect provider (Authlib on Flask)."""

import logging
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from kvstore import store_from_url
from webcommon import captcha, logs, responses, serving
from webcommon.observe import RequestObserver

from .cli import register_cli
from .config import load_settings, log_dev_warnings
from .oidc.keys import KeyRing
from .oidc.server import MachineServer, SolAuthorizationServer
from .services import clients, gauges, passwords, snapshots
from .storage import db
from .web import register_blueprints
from .web.limits import init_limiter
from .web.machine import MachineEndpoints
from .web.public_docs import PublicDocuments
from .web.security import csrf

PACKAGE_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "idp_alembic_version"


def create_app(settings: dict | None = None) -> Flask:
    """Build the IdP: the only wiring point (settings are read here, never at import)."""
    cfg = load_settings(settings)
    app = Flask(
        __name__,
        instance_path=cfg["INSTANCE_PATH"],
        instance_relative_config=False,
        template_folder=str(PACKAGE_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
        static_url_path="/static",
    )
    app.config.update(cfg)
    responses.install(app)
    logs.configure(cfg["LOG_FORMAT"])
    log_dev_warnings(cfg)
    if cfg["ENV"] == "production" and cfg["ALLOW_SIMULATION"]:
        logging.getLogger("idp").warning(
            "IDP_ALLOW_SIMULATION=true in production: the outage and rp-fault simulators are "
            "ON (the admin API can make SOL fail or issue bad tokens)"
        )

    passwords.configure(app, cfg["ARGON2_PROFILE"])
    db.init_app(app)
    # Its own version table, so that both apps can share one database (issue 13, item 9).
    Migrate(app, db, directory=str(PACKAGE_DIR / "migrations"), version_table=VERSION_TABLE)
    store = store_from_url(cfg["REDIS_URL"])
    app.extensions["sol_store"] = store
    snapshots.install(app)
    # the SOL form's captcha after failed claves (idp.domain.lockout), VUCE's backends
    app.extensions["sol_captcha"] = captcha.build_verifier(
        cfg, store=store, check=captcha.check_production_login, salt="sol.captcha.login"
    )

    csrf.init_app(app)
    keyring = KeyRing(verify_window=max(cfg["ID_TOKEN_TTL"], cfg["ACCESS_TOKEN_TTL"]) + 300)
    app.extensions["sol_keyring"] = keyring
    app.extensions["sol_server"] = SolAuthorizationServer(app, store, keyring)
    app.extensions["sol_machine_server"] = MachineServer(app, store, keyring)
    register_blueprints(app)
    init_limiter(app)

    register_cli(app)
    if not cfg["READ_ONLY"]:  # `flask --app idp --help` only lists the commands
        _prepare_database(app, cfg["CLIENTS_FILE"])
    # Outermost first: request id and timing, the client address, then the answers made
    # below Flask (public documents, machine endpoints), then Flask for everything else.
    wsgi = PublicDocuments(app, MachineEndpoints(app, app.wsgi_app))
    if cfg["PROXY_HOPS"]:
        # The login lockout and the per-IP limit count by client address: behind N trusted
        # proxies it is the N-th X-Forwarded-For entry from the right, not the proxy's.
        wsgi = ProxyFix(wsgi, x_for=cfg["PROXY_HOPS"], x_proto=0, x_host=0, x_port=0, x_prefix=0)
    app.wsgi_app = RequestObserver(wsgi, **gauges.install(app))
    return app


def serve_app() -> Flask:
    """``create_app`` for a server's worker (granian's ``--factory idp:serve_app``)."""
    return serving.settle(create_app())


def _prepare_database(app: Flask, clients_file: str | None) -> None:
    """Once the schema exists (after ``flask --app idp db upgrade``): register the clients of
    IDP_CLIENTS_FILE and create the first signing keys before the first request (see
    KeyRing.ensure_committed). A database that cannot be reached yet is not fatal: keys are
    then created on first use, and /readyz says the database is down."""
    log = logging.getLogger("idp")
    with app.app_context():
        try:
            migrated = inspect(db.engine).has_table("signing_key")  # same migration as clients
        except SQLAlchemyError as exc:
            log.warning("database not reachable at start (keys on first use): %s", exc)
            return
        if not migrated:
            if clients_file:
                log.warning("IDP_CLIENTS_FILE ignored until `flask --app idp db upgrade` has run")
            return
        if clients_file:
            rows = clients.load_file(clients_file)
            db.session.commit()
            log.info("clients from %s: %s", clients_file, ", ".join(r.client_id for r in rows))
        app.extensions["sol_keyring"].ensure_committed()
