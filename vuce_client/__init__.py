"""VUCE, the relying party of the SOL identity provider (it never imports ``idp``)."""

from pathlib import Path

from flask import Flask, redirect, url_for

from webcommon import logs
from webcommon.observe import RequestObserver

PACKAGE_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "vuce_alembic_version"


def create_app(settings: dict | None = None) -> Flask:
    """Build VUCE with its three components: the only wiring point (settings read here)."""
    from flask_migrate import Migrate

    from .auth import VuceAuth
    from .config import COMPONENTS, load_settings
    from .contingency import init_contingency
    from .storage import db
    from .web import api, components

    cfg = load_settings(settings)
    app = Flask(
        __name__,
        instance_path=cfg["INSTANCE_PATH"],
        static_folder=None,
        template_folder=str(PACKAGE_DIR / "templates"),
    )
    app.config.update(cfg)
    logs.configure(cfg["LOG_FORMAT"])

    auths = [VuceAuth(app, component=comp) for comp in COMPONENTS]
    # Its own version table, so that both apps can share one database (issue 13, item 9).
    Migrate(app, db, directory=str(PACKAGE_DIR / "migrations"), version_table=VERSION_TABLE)
    app.extensions["vuce_auths"] = auths
    for auth in auths:
        app.register_blueprint(components.component_blueprint(auth))
    app.register_blueprint(api.bp)
    init_contingency(app)  # §7: contingency forms, links, switch, IdP breaker

    @app.get("/")
    def index():
        return redirect(url_for("vuce_core.login"))

    from .cli import register_cli

    register_cli(app)
    from . import metrics

    app.wsgi_app = RequestObserver(app.wsgi_app, **metrics.install(app))
    return app
