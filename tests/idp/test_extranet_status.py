"""State changes of Extranet officials (issue 13, item 16): the secondary users' state machine,
audit and end of sessions, through the REST API, the CLI and the operator's screen."""

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from idp.domain import messages
from idp.storage import db
from idp.storage.audit import AuditEvent
from tests.support.agent import Agent, forms
from tests.support.oidc import REDIRECT, Flow
from tests.support.sol_api import Api, principal_token

from .test_status_backchannel import EVENT, Receiver

RUC = "20123456786"


@pytest.fixture
def official(idp):
    idp.create_extranet_user("EXT0001", names="TORRES VEGA, CARLOS", entity="DIGESA")
    return "EXT0001"


@pytest.fixture
def admin(idp):
    return Api(idp.url, idp.admin_token)


def audit_rows(idp, target="EXT0001"):
    with idp.app.app_context():
        return [
            (r.action, r.actor, r.before, r.after)
            for r in db.session.scalars(
                select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id)
            )
        ]


def error_of(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["message"]
    return body["error"]


# --- REST API ----------------------------------------------------------------------------------


def test_api_state_machine_and_audit(idp, admin, official):
    resp = admin.post("/extranet-users/ext0001/suspend")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "SUSPENDIDO"
    assert body["available_actions"] == ["reactivate", "delete"]
    assert body["entity"] == "DIGESA"
    assert body["message"] == messages.STATUS_CHANGED

    assert error_of(admin.post("/extranet-users/EXT0001/suspend"), 409) == (
        "INVALID_STATUS_TRANSITION"
    )
    assert admin.post("/extranet-users/EXT0001/reactivate").json()["status"] == "ACTIVO"
    assert error_of(admin.post("/extranet-users/EXT0001/reactivate"), 409) == (
        "INVALID_STATUS_TRANSITION"
    )
    deleted = admin.post("/extranet-users/EXT0001/delete").json()
    assert deleted["status"] == "ELIMINADO" and deleted["available_actions"] == []
    for action in ("suspend", "reactivate", "delete"):
        assert error_of(admin.post(f"/extranet-users/EXT0001/{action}"), 409) == "USER_DELETED"

    rows = audit_rows(idp)
    changes = [(a, actor, b["status"], af["status"]) for a, actor, b, af in rows[1:]]
    assert changes == [
        ("EXTRANET_STATUS_CHANGED", "admin", "ACTIVO", "SUSPENDIDO"),
        ("EXTRANET_STATUS_CHANGED", "admin", "SUSPENDIDO", "ACTIVO"),
        ("EXTRANET_STATUS_CHANGED", "admin", "ACTIVO", "ELIMINADO"),
    ]


def test_api_suspended_can_be_deleted(admin, official):
    admin.post("/extranet-users/EXT0001/suspend")
    assert admin.post("/extranet-users/EXT0001/delete").json()["status"] == "ELIMINADO"


def test_api_errors_are_json_with_codes(idp, admin, official):
    assert error_of(admin.post("/extranet-users/EXT0999/suspend"), 404) == (
        "EXTRANET_USER_NOT_FOUND"
    )
    assert admin.post("/extranet-users/EXT0001/archive").status_code in (404, 405)
    assert error_of(Api(idp.url, None).post("/extranet-users/EXT0001/suspend"), 401) == (
        "UNAUTHORIZED"
    )
    assert error_of(Api(idp.url, "wrong").post("/extranet-users/EXT0001/suspend"), 401) == (
        "UNAUTHORIZED"
    )
    # A principal administers its own RUC only: officials are SUNAT's operator's business.
    idp.create_taxpayer(RUC)
    principal = Api(idp.url, principal_token(idp, RUC))
    assert error_of(principal.post("/extranet-users/EXT0001/suspend"), 403) == "FORBIDDEN"
    assert admin.post("/extranet-users/EXT0001/reactivate").status_code == 409  # unchanged


def test_api_is_documented(idp):
    doc = idp.app.test_client().get("/api/v1/openapi.json").get_json()
    for action in ("suspend", "reactivate", "delete"):
        op = doc["paths"][f"/api/v1/extranet-users/{{username}}/{action}"]["post"]
        assert op["security"] == [{"adminToken": []}]
        assert set(op["responses"]) >= {"200", "401", "403", "404", "409"}


# --- the end of sessions, tokens and client logins ---------------------------------------------


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.stop()


def extranet_login(idp, receiver):
    secret = idp.register_client(
        "vuce-mr",
        secret="vuce-mr-secret",
        redirect_uris=[REDIRECT],
        first_party=True,
        backchannel_logout_uri=receiver.url,
    )
    flow = Flow(idp.url, "vuce-mr", secret, scope="openid sol offline_access")
    page = flow.start(login_type="extranet")
    result = flow.agent.submit(
        page, {"usuario": "EXT0001", "clave": "Clave123"}, stop_prefix=REDIRECT
    )
    token = flow.token(result.location)
    return flow, token, flow.id_claims(token["id_token"])


@pytest.mark.parametrize("action", ["suspend", "delete"])
def test_suspension_or_deletion_logs_the_official_out(idp, admin, official, receiver, action):
    flow, token, id_claims = extranet_login(idp, receiver)
    assert admin.post(f"/extranet-users/EXT0001/{action}").status_code == 200

    assert receiver.received.wait(5)
    keys = KeySet.import_key_set(requests.get(flow.meta["jwks_uri"], timeout=5).json())
    claims = jwt.decode(receiver.tokens[0], keys, algorithms=["RS256"]).claims
    assert claims["sub"] == id_claims["sub"] and claims["sid"] == id_claims["sid"]
    assert EVENT in claims["events"]

    refreshed = requests.post(
        flow.meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("vuce-mr", "vuce-mr-secret"),
        timeout=5,
    )
    assert refreshed.json()["error"] == "invalid_grant"
    info = requests.post(
        flow.meta["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=("vuce-mr", "vuce-mr-secret"),
        timeout=5,
    ).json()
    assert info == {"active": False}
    silent = Flow(idp.url, "vuce-mr", "vuce-mr-secret", agent=flow.agent)
    assert "error=login_required" in silent.start(prompt="none").location


def test_reactivation_sends_no_logout(idp, admin, official, receiver):
    extranet_login(idp, receiver)
    admin.post("/extranet-users/EXT0001/suspend")
    assert receiver.received.wait(5)
    admin.post("/extranet-users/EXT0001/reactivate")
    assert len(receiver.tokens) == 1


# --- CLI ---------------------------------------------------------------------------------------


def cli(idp, *args, input=None):
    return idp.app.test_cli_runner().invoke(args=["users", "extranet-status", *args], input=input)


def test_cli_confirms_twice_before_deleting(idp, official):
    result = cli(idp, "EXT0001", "delete", input="y\nn\n")
    assert result.exit_code == 1, result.output
    assert "EXT0001 a Eliminado" in result.output
    assert messages.DELETE_IRREVERSIBLE in result.output
    assert [r[0] for r in audit_rows(idp)] == ["EXTRANET_USER_CREATED"]  # nothing changed

    result = cli(idp, "EXT0001", "delete", input="y\ny\n")
    assert result.exit_code == 0, result.output
    assert "EXT0001: ELIMINADO" in result.output
    assert audit_rows(idp)[-1][:2] == ("EXTRANET_STATUS_CHANGED", "cli")


def test_cli_suspend_reactivate_and_refusals(idp, official):
    result = cli(idp, "EXT0001", "suspend", input="y\n")
    assert result.exit_code == 0 and "SUSPENDIDO" in result.output
    result = cli(idp, "ext0001", "reactivate", "--yes")
    assert result.exit_code == 0 and "ACTIVO" in result.output
    result = cli(idp, "EXT0001", "reactivate", "--yes")
    assert result.exit_code == 1 and "INVALID_STATUS_TRANSITION" in result.output
    result = cli(idp, "EXT0999", "suspend", "--yes")
    assert result.exit_code == 1 and "EXTRANET_USER_NOT_FOUND" in result.output


# --- the operator's screen ---------------------------------------------------------------------


def operator(idp, token=None):
    agent = Agent()
    page = agent.get(idp.url + "/sol/extranet")
    assert page.status_code == 200
    assert 'name="token"' in page.text and "EXT0001" not in page.text
    return agent, agent.submit(page, {"token": token or idp.admin_token})


def test_screen_needs_the_admin_token(idp, official):
    _, page = operator(idp, token="not-the-token")
    assert page.status_code == 401
    assert messages.OPERATOR_TOKEN_WRONG in page.text
    assert "EXT0001" not in page.text
    # Without the token, the change screen sends back to the token form.
    assert (
        Agent()
        .get(idp.url + "/sol/extranet/estado?cambio=EXT0001:suspend")
        .url.endswith("/sol/extranet")
    )


def change(agent, page, username, action):
    """Pick the radio of area (B) and press "Cambiar Estado" (a GET form)."""
    return agent.get(idp_url(page) + f"/sol/extranet/estado?cambio={username}:{action}")


def idp_url(page):
    return page.url.split("/sol/")[0]


def test_screen_suspend_then_delete_with_two_confirmations(idp, official):
    agent, page = operator(idp)
    assert messages.EXTRANET_ADMIN_TITLE in page.text
    assert "DIGESA" in page.text and 'value="EXT0001:suspend"' in page.text
    assert 'value="EXT0001:reactivate"' not in page.text

    confirm = change(agent, page, "EXT0001", "suspend")
    assert "EXT0001 a Suspendido" in confirm.text
    done = agent.submit(confirm, form_index=-1)
    assert messages.STATUS_CHANGED in done.text
    assert 'value="EXT0001:reactivate"' in done.text

    confirm = change(agent, done, "EXT0001", "delete")
    assert "EXT0001 a Eliminado" in confirm.text
    second = agent.submit(confirm, form_index=-1)
    assert messages.DELETE_IRREVERSIBLE in second.text
    assert audit_rows(idp)[-1][3]["status"] == "SUSPENDIDO"  # not deleted yet
    done = agent.submit(second, form_index=-1)
    assert messages.STATUS_CHANGED in done.text
    assert "Eliminado" in done.text and 'value="EXT0001:' not in done.text
    assert [r[1] for r in audit_rows(idp)[1:]] == ["operator", "operator"]


def test_screen_refuses_a_skipped_first_confirmation_and_a_missing_csrf(idp, official):
    agent, page = operator(idp)
    confirm = change(agent, page, "EXT0001", "delete")
    fields = forms(confirm.text)[-1]["fields"]
    # Jumping straight to the second step without the first one's token: refused.
    resp = agent.http.post(
        idp.url + "/sol/extranet/estado", data=dict(fields, paso="2"), allow_redirects=False
    )
    assert resp.status_code == 400
    resp = agent.http.post(
        idp.url + "/sol/extranet/estado",
        data={"cambio": "EXT0001:delete", "paso": "1"},
        allow_redirects=False,
    )
    assert resp.status_code == 400
    assert len(audit_rows(idp)) == 1


def test_screen_impossible_change_is_a_spanish_message(idp, official):
    agent, page = operator(idp)
    resp = change(agent, page, "EXT0001", "reactivate")
    assert "No es posible reactivar a un usuario en estado Activo." in resp.text
    resp = change(agent, page, "EXT0999", "suspend")
    assert messages.ERR_EXTRANET_USER_NOT_FOUND in resp.text
    assert agent.get(idp.url + "/sol/extranet/estado?cambio=EXT0001:archivar").status_code == 400


def test_operator_sign_out(idp, official):
    agent, page = operator(idp)
    # The header's "Cerrar sesión" is the page's first form.
    assert forms(page.text)[0]["action"].endswith("/sol/extranet")
    out = agent.submit(page, form_index=0, button={"accion": "salir"})
    assert 'name="token"' in out.text and "EXT0001" not in out.text


def test_guessing_the_operator_token_is_rate_limited(tmp_path):
    from idp import create_app
    from tests.support.databases import fresh_database_url

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": fresh_database_url("operator_limit", tmp_path),
            "LOGIN_RATE_LIMIT": "3/minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    codes = [
        client.post("/sol/extranet", data={"token": f"guess{i}"}).status_code for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    # Even the right token waits: the limit counts tries, not failures.
    right = client.post("/sol/extranet", data={"token": app.config["ADMIN_TOKEN"]})
    assert right.status_code == 429
