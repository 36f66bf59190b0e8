"""CSRF on every form: each POST route of the app that is not a bearer/OAuth endpoint refuses
a POST without a valid token (400), whether or not the browser has a session."""

import requests
from flask import url_for

from idp.web.security import csrf
from tests.support.agent import Agent, forms
from tests.support.oidc import Flow

from .conftest import PASSWORD, RUC

# Endpoints that take no cookie-authenticated form: OAuth/OIDC requests (state, PKCE, client
# authentication protect them) and bearer-token APIs. Anything else must carry a CSRF token.
# (/token, /userinfo, /introspect and /revoke are not Flask views: idp.web.machine serves
# them, and reads no cookie at all.)
EXEMPT_ALLOWED = {"oidc.authorize", "oidc.end_session"}
EXEMPT_BLUEPRINTS_ALLOWED = {"api", "sim", "rp_faults"}  # bearer-token APIs


def _is_exempt(app, endpoint: str) -> bool:
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    if blueprint and app.blueprints.get(blueprint) in csrf._exempt_blueprints:
        return True
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def _post_routes(app):
    """(endpoint, path, exempt) of every POST rule, path arguments filled with a dummy."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in (rule.methods or ()):
                continue
            path = url_for(rule.endpoint, **{arg: "1" for arg in rule.arguments})
            routes.append((rule.endpoint, path, _is_exempt(app, rule.endpoint)))
    return routes


def test_only_oauth_and_bearer_endpoints_are_csrf_exempt(sol):
    exempt = {e for e, _, ex in _post_routes(sol.app) if ex}
    unexpected = {
        e
        for e in exempt
        if e not in EXEMPT_ALLOWED and e.split(".")[0] not in EXEMPT_BLUEPRINTS_ALLOWED
    }
    assert not unexpected, f"CSRF-exempt POST endpoints that are not OAuth/bearer: {unexpected}"


def _assert_refused(base, routes, http):
    failures = []
    for endpoint, path, _ in routes:
        resp = http.post(
            base + path,
            data={"challenge": "x", "ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD},
            allow_redirects=False,
            headers={"Accept": "text/html"},
            timeout=10,
        )
        if resp.status_code != 400 or "formulario" not in resp.text:
            failures.append(f"{endpoint} {path}: {resp.status_code} {resp.text[:120]!r}")
    return failures


def test_every_form_post_requires_a_csrf_token(sol):
    routes = [r for r in _post_routes(sol.app) if not r[2]]
    names = {e for e, _, _ in routes}
    assert {"login.sol", "login.extranet", "login.consent"} <= names, names
    # Without any session …
    failures = _assert_refused(sol.url, routes, requests.Session())
    # … and with a logged-in SSO session (the case CSRF is about).
    browser = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).full_login(RUC, "PRINCIPA", PASSWORD)
    failures += _assert_refused(sol.url, routes, browser.http)
    # A token minted for another browser does not help either.
    other = Flow(sol.url, "rp1", "s3cret-rp1").start()
    foreign = forms(other.text)[0]["fields"]["csrf_token"]
    for endpoint, path, _ in routes:
        resp = browser.http.post(
            sol.url + path, data={"csrf_token": foreign}, allow_redirects=False, timeout=10
        )
        if resp.status_code != 400:
            failures.append(f"{endpoint} with a foreign token: {resp.status_code}")
    print(f"\n[csrf] {len(routes)} form POST routes checked: {sorted(names)}")
    assert not failures, "\n".join(failures)


def test_the_same_post_with_its_token_is_accepted(sol):
    """The check above is meaningful: the login form with its own token is not refused."""
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    done = flow.login(flow.start(), RUC, "OPERADO1", PASSWORD)
    assert hasattr(done, "location")


def test_logout_by_post_without_confirmation_only_asks(sol):
    browser = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).full_login(RUC, "OPERADO1", PASSWORD)
    # A cross-site POST to /logout (no id_token_hint, no confirmation) does not log out.
    resp = browser.http.post(f"{sol.url}/logout", data={}, allow_redirects=False, timeout=10)
    assert resp.status_code == 200 and "¿Desea cerrar su sesión SOL?" in resp.text
    again = Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).start(prompt="none")
    assert hasattr(again, "location") and "code=" in again.location
