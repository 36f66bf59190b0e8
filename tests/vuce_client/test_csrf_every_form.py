"""CSRF on every VUCE form: each POST route that is not a bearer API or the back-channel
logout receiver refuses a POST without a valid token (400)."""

import requests
from flask import url_for

from vuce_client.web.security import csrf

# Machine endpoints: bearer-token APIs and the OIDC back-channel logout receiver (a signed
# logout token authenticates it). Anything else must carry a CSRF token.
EXEMPT_BLUEPRINTS_ALLOWED = {"vuce_api", "api"}


def _is_exempt(app, endpoint: str) -> bool:
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    if blueprint and app.blueprints.get(blueprint) in csrf._exempt_blueprints:
        return True
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def _post_routes(app):
    with app.test_request_context():
        return [
            (
                rule.endpoint,
                url_for(rule.endpoint, **{a: "1" for a in rule.arguments}),
                _is_exempt(app, rule.endpoint),
            )
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ())
        ]


def test_only_machine_endpoints_are_exempt_and_every_form_needs_a_token(vuce):
    routes = _post_routes(vuce.app)
    assert len(routes) >= 5
    for endpoint, path, exempt in routes:
        if exempt:
            machine = (
                path.startswith("/api/")
                or path.endswith("/backchannel-logout")
                or endpoint.rsplit(".", 1)[0] in EXEMPT_BLUEPRINTS_ALLOWED
            )
            assert machine, f"{endpoint} ({path}) is CSRF-exempt but is not a machine endpoint"
            continue
        resp = requests.post(vuce.url + path, data={"x": "1"}, allow_redirects=False, timeout=30)
        assert resp.status_code == 400, (endpoint, path, resp.status_code)
        assert "csrf_failed" in resp.text or "formulario" in resp.text, endpoint


def test_the_enumeration_sees_the_forms(vuce):
    paths = {path for _e, path, exempt in _post_routes(vuce.app) if not exempt}
    assert {"/registro", "/mis-datos"} & paths, paths  # the registration forms are covered
