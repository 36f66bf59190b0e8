"""One blueprint per feature; registered by create_app."""

from flask import Flask

from webcommon import favicon

from . import admin, api, console, errors, health, login, oidc, rp_faults, security, sim


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(login.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(sim.bp)
    app.register_blueprint(rp_faults.bp)
    favicon.register(app, app.static_folder)
    errors.register(app)
    security.register(app)
