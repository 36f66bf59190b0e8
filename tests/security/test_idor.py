"""No cross-RUC access (IDOR) at the IdP, table-driven: the principal of RUC A reaches nothing
of RUC B through the SOL portal screens (every /sol route naming a user or a wizard, GET and
POST with a valid CSRF token) nor through the REST API with its ``sol:admin`` token (every
/api/v1/taxpayers/{ruc}/… route). A guard fails when a new such route is not in the tables."""

from __future__ import annotations

import re

import pytest

from tests.support.agent import Agent, forms
from tests.support.sol_api import Api, principal_token

RUC_A, RUC_B = "20123456786", "20600000013"
PRINCIPAL_B = "OTROPRIN"
OWN_USER, FOREIGN_USER = "OPERADO1", "AJENO001"
OP = "VUCE.USUARIO.OPERACION"

# (method, path, form fields or JSON body) — {u}: B's user, {wid}: a wizard of B's principal.
SCREENS = [
    ("GET", "/sol/usuarios/{u}/roles", None),
    ("POST", "/sol/usuarios/{u}/roles", {"rol": [OP, "VUCE.USUARIO.SUPERVISOR"]}),
    ("GET", "/sol/usuarios/{u}/perfiles", None),
    ("GET", "/sol/estado?cambio={u}:suspend", None),
    ("POST", "/sol/estado", {"cambio": "{u}:suspend", "paso": "1"}),
    ("POST", "/sol/estado", {"cambio": "{u}:delete", "paso": "2"}),
]
WIZARD_SCREENS = [
    ("GET", "/sol/asistente/{wid}/confirmacion", None),
    ("POST", "/sol/asistente/{wid}/confirmacion", {}),
    ("GET", "/sol/asistente/{wid}/perfiles", None),
    ("POST", "/sol/asistente/{wid}/perfiles", {"opcion": [], "accion": "siguiente"}),
    ("GET", "/sol/asistente/{wid}/resumen", None),
    ("POST", "/sol/asistente/{wid}/resumen", {}),
]
API = [
    ("GET", "/taxpayers/{ruc}", None),
    ("GET", "/taxpayers/{ruc}/users", None),
    ("GET", "/taxpayers/{ruc}/users?q=AJENO", None),
    (
        "POST",
        "/taxpayers/{ruc}/users",
        {
            "username": "NUEVO001",
            "password": "Clave123",
            "document_type": "DNI",
            "document_number": "45678901",
        },
    ),
    ("GET", "/taxpayers/{ruc}/users/{u}", None),
    ("PUT", "/taxpayers/{ruc}/users/{u}/roles", {"roles": []}),
    ("PUT", "/taxpayers/{ruc}/users/{u}/profiles", {"profiles": []}),
    ("POST", "/taxpayers/{ruc}/users/{u}/status", {"action": "suspend"}),
    ("POST", "/taxpayers/{ruc}/users/{u}/status", {"action": "delete"}),
]


@pytest.fixture
def two_rucs(idp):
    idp.create_taxpayer(RUC_A)
    idp.create_user(RUC_A, OWN_USER, roles=(OP,))
    idp.create_taxpayer(RUC_B, principal_username=PRINCIPAL_B)
    idp.create_user(RUC_B, FOREIGN_USER, roles=(OP,))
    return idp


def _portal(idp, ruc: str, usuario: str) -> Agent:
    agent = Agent()
    page = agent.get(idp.url + "/sol")
    login = next(i for i, f in enumerate(forms(page.text)) if "/login" in f["action"])
    menu = agent.submit(
        page, {"ruc": ruc, "usuario": usuario, "clave": "Clave123"}, form_index=login
    )
    assert menu.status_code == 200 and menu.url == idp.url + "/sol", menu.url
    return agent


def _csrf(agent: Agent, page_url: str) -> str:
    for form in forms(agent.get(page_url).text):
        if form["fields"].get("csrf_token"):
            return form["fields"]["csrf_token"]
    raise AssertionError(f"no CSRF token on {page_url}")


def _foreign_user_state(idp) -> tuple:
    from idp.services import directory
    from idp.storage import db

    with idp.app.app_context():
        user = directory.get_secondary_user(RUC_B, FOREIGN_USER)
        view = directory.user_view(user)
        state = (user.status, tuple(sorted(view.roles)), tuple(sorted(view.scheduled_profiles)))
        db.session.rollback()
        return state


def _audit_count(idp) -> int:
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    with idp.app.app_context():
        return db.session.query(AuditEvent).count()


def _call(agent: Agent, base: str, method: str, path: str, fields, csrf: str):
    if method == "GET":
        return agent.http.get(base + path, allow_redirects=False, timeout=10)
    data = {"csrf_token": csrf, **(fields or {})}
    return agent.http.post(base + path, data=data, allow_redirects=False, timeout=10)


def test_screens_of_ruc_a_reach_nothing_of_ruc_b(two_rucs):
    idp = two_rucs
    before, audit_before = _foreign_user_state(idp), _audit_count(idp)
    agent = _portal(idp, RUC_A, "PRINCIPA")
    # A valid token of A's own session: the answers below are about ownership, not CSRF.
    csrf = _csrf(agent, f"{idp.url}/sol/usuarios/{OWN_USER}/roles")
    for method, template, raw in SCREENS:
        for user in (FOREIGN_USER, OWN_USER):
            fields = {
                k: (v.format(u=user) if isinstance(v, str) else v) for k, v in (raw or {}).items()
            }
            resp = _call(agent, idp.url, method, template.format(u=user), fields, csrf)
            if user == FOREIGN_USER:
                assert resp.status_code == 404, (method, template, resp.status_code)
            else:
                # The same call on A's own user is served: the 404 is about ownership.
                assert resp.status_code in (200, 302, 303, 400), (
                    method,
                    template,
                    resp.status_code,
                )
                assert "/login" not in resp.headers.get("Location", "")
    listing = agent.get(f"{idp.url}/sol/usuarios?q=AJENO")
    assert listing.status_code == 200 and FOREIGN_USER not in listing.text
    assert FOREIGN_USER not in agent.get(f"{idp.url}/sol/historial").text
    assert _foreign_user_state(idp) == before
    # Only A's own changes were recorded; none concerns RUC B.
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    with idp.app.app_context():
        new = db.session.query(AuditEvent).order_by(AuditEvent.id).offset(audit_before).all()
        assert all(RUC_B not in str(vars(row)) for row in new)


def test_wizard_of_ruc_b_is_expired_for_ruc_a(two_rucs):
    idp = two_rucs
    owner = _portal(idp, RUC_B, PRINCIPAL_B)
    started = owner.http.get(
        f"{idp.url}/sol/usuarios/{FOREIGN_USER}/perfiles", allow_redirects=False, timeout=10
    )
    assert started.status_code in (302, 303), started.status_code
    wid = re.search(r"/asistente/([^/]+)/perfiles", started.headers["Location"]).group(1)
    before = _foreign_user_state(idp)
    agent = _portal(idp, RUC_A, "PRINCIPA")
    csrf = _csrf(agent, f"{idp.url}/sol/usuarios/{OWN_USER}/roles")
    for method, template, fields in WIZARD_SCREENS:
        resp = _call(agent, idp.url, method, template.format(wid=wid), fields, csrf)
        # Another session's wizard looks exactly like an expired one: back to A's list.
        assert resp.status_code in (302, 303), (method, template, resp.status_code)
        assert resp.headers["Location"].endswith("/sol/usuarios"), resp.headers["Location"]
        assert FOREIGN_USER not in resp.text
    assert _foreign_user_state(idp) == before
    # The wizard still belongs to B's principal.
    assert owner.get(f"{idp.url}/sol/asistente/{wid}/perfiles").status_code == 200


def test_api_token_of_ruc_a_reaches_nothing_of_ruc_b(two_rucs):
    idp = two_rucs
    before = _foreign_user_state(idp)
    api = Api(idp.url, principal_token(idp, RUC_A))
    for method, template, body in API:
        path = template.format(ruc=RUC_B, u=FOREIGN_USER)
        resp = api.call(method, path, json=body)
        assert resp.status_code == 404, (method, path, resp.status_code, resp.text[:200])
        assert resp.json()["error"] == "TAXPAYER_NOT_FOUND", (method, path)
        assert FOREIGN_USER not in resp.text
    # A's own RUC answers (the 404s are about ownership, not broken routes).
    assert api.get(f"/taxpayers/{RUC_A}/users/{OWN_USER}").status_code == 200
    # B's user is untouched; the answers for B are those of a RUC that does not exist.
    assert _foreign_user_state(idp) == before
    unknown = api.get("/taxpayers/20100070970")
    foreign = api.get(f"/taxpayers/{RUC_B}")
    assert (unknown.status_code, unknown.json()["error"]) == (
        foreign.status_code,
        foreign.json()["error"],
    )


def test_every_route_naming_a_user_wizard_or_ruc_is_in_the_tables(idp):
    """A new route under /sol/ with a user or wizard, or under /api/v1/taxpayers/<ruc>, must be
    added to the tables above (and so be proven closed to another RUC)."""
    covered_screens = {
        (m, re.sub(r"\?.*", "", p).replace("{u}", "<username>").replace("{wid}", "<wid>"))
        for m, p, _ in SCREENS + WIZARD_SCREENS
    }
    covered_api = {
        (
            m,
            "/api/v1"
            + re.sub(r"\?.*", "", p).replace("{ruc}", "<ruc>").replace("{u}", "<username>"),
        )
        for m, p, _ in API
    }
    missing = []
    for rule in idp.app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.rule.startswith("/sol/") and rule.arguments & {"username", "wid"}:
            missing += [(m, rule.rule) for m in methods if (m, rule.rule) not in covered_screens]
        if rule.rule.startswith("/api/v1/taxpayers/") and "ruc" in rule.arguments:
            missing += [(m, rule.rule) for m in methods if (m, rule.rule) not in covered_api]
    assert not missing, f"routes without an IDOR check: {missing}"
