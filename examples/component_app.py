"""A minimal, separate VUCE component app using the ``VuceAuth`` extension.

It gets the SOL login, the entry checks, first-login registration, logout and single sign-on
with the other components (the same IdP session), with every setting in the VUCE_* table::

    VUCE_CLIENT_ID_EJEMPLO=vuce-ejemplo VUCE_CLIENT_SECRET_EJEMPLO=... \\
    VUCE_BASE_URL=http://127.0.0.1:5002 flask --app examples.component_app run -p 5002

Register it at the IdP as a first-party client whose redirect URI is
``<VUCE_BASE_URL>/ejemplo/callback`` (``flask --app examples.component_app clients`` prints it).
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string

from vuce_client import create_core_app
from vuce_client.auth import VuceAuth, current_account
from vuce_client.cli import register_cli

PAGE = """{% extends "vuce/base.html" %}{% block content %}
<section class="box"><h1 id="component-name">Componente de ejemplo</h1>
<p>Bienvenido, <span id="who">{{ account.display_name }}</span>.</p>
<form method="post" action="{{ url_for(auth.endpoint_prefix ~ '.logout') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">Cerrar sesión</button></form></section>{% endblock %}"""


def create_app(settings: dict | None = None) -> Flask:
    """The example component: one ``VuceAuth`` and one protected page."""
    # VUCE's core (settings, database, store, CSRF, error pages, registration …), read once;
    # its own cookie: on one host, cookies do not tell ports apart
    app = create_core_app(
        __name__, {"SESSION_COOKIE_NAME": "vuce_ejemplo_session", **(settings or {})}
    )
    auth = VuceAuth(
        app,
        component="EJEMPLO",
        url_prefix="/ejemplo",
        name="Componente de ejemplo",
        client_id=app.config.get("CLIENT_ID_EJEMPLO")
        or os.environ.get("VUCE_CLIENT_ID_EJEMPLO", "vuce-ejemplo"),
        client_secret=app.config.get("CLIENT_SECRET_EJEMPLO")
        or os.environ.get("VUCE_CLIENT_SECRET_EJEMPLO", "vuce-ejemplo-dev-secret"),
    )

    @app.get("/ejemplo/")
    @auth.login_required
    def home():
        return render_template_string(PAGE, account=current_account(), auth=auth)

    register_cli(app)
    return app
