"""Suspending or deleting a user ends their sessions everywhere at once (domain.md §9)."""

import threading

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.wrappers import Request, Response

from tests.support.live import LiveServer
from tests.support.oidc import REDIRECT, Flow
from tests.support.sol_api import Api

RUC = "20123456786"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Receiver:
    """A relying party's back-channel logout endpoint: records every logout token, answers
    ``status``, and (with ``hold``) keeps the IdP waiting until the event is set."""

    def __init__(self, status: int = 200, hold: threading.Event | None = None):
        self.tokens: list[str] = []
        self.received = threading.Event()
        self.status, self.hold = status, hold
        self.server = LiveServer(self.app).start()
        self.url = self.server.url + "/backchannel-logout"

    def app(self, environ, start_response):
        request = Request(environ)
        if request.method == "POST" and request.path == "/backchannel-logout":
            self.tokens.append(request.form.get("logout_token", ""))
            self.received.set()
            if self.hold is not None:
                self.hold.wait(10)
            response = Response(status=self.status)
        else:
            response = Response(status=404)
        return response(environ, start_response)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.stop()


def logged_in(idp, receiver, username="OPERADO1"):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, username)
    secret = idp.register_client(
        "vuce-mr",
        secret="vuce-mr-secret",
        redirect_uris=[REDIRECT],
        first_party=True,
        backchannel_logout_uri=receiver.url,
    )
    flow = Flow(idp.url, "vuce-mr", secret, scope="openid sol offline_access")
    token = flow.full_login(RUC, username, "Clave123")
    return flow, token, flow.id_claims(token["id_token"])


def _refresh(flow, token):
    return requests.post(
        flow.meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("vuce-mr", "vuce-mr-secret"),
        timeout=5,
    )


@pytest.mark.parametrize("action", ["suspend", "delete"])
def test_suspension_or_deletion_logs_the_user_out_everywhere(idp, receiver, action):
    flow, token, id_claims = logged_in(idp, receiver)
    admin = Api(idp.url, idp.admin_token)
    resp = admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": action})
    assert resp.status_code == 200, resp.text

    # 1. The client received a valid logout token for that sub and sid (Back-Channel §2.4).
    assert receiver.received.wait(5)
    keys = KeySet.import_key_set(requests.get(flow.meta["jwks_uri"], timeout=5).json())
    logout = jwt.decode(receiver.tokens[0], keys, algorithms=["RS256"])
    assert logout.header["typ"] == "logout+jwt"
    claims = logout.claims
    assert claims["iss"] == idp.url
    assert claims["aud"] == "vuce-mr"
    assert claims["sub"] == id_claims["sub"]
    assert claims["sid"] == id_claims["sid"]
    assert EVENT in claims["events"]
    assert "nonce" not in claims
    assert claims["jti"]

    # 2. The refresh token no longer works and the access token is inactive.
    refreshed = _refresh(flow, token)
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    info = requests.post(
        flow.meta["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=("vuce-mr", "vuce-mr-secret"),
        timeout=5,
    ).json()
    assert info == {"active": False}

    # 3. The SSO session is gone: a silent authorization now needs a login.
    silent = Flow(idp.url, "vuce-mr", "vuce-mr-secret", agent=flow.agent)
    result = silent.start(prompt="none")
    assert "error=login_required" in result.location


def test_reactivation_sends_no_logout(idp, receiver):
    logged_in(idp, receiver)
    admin = Api(idp.url, idp.admin_token)
    admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": "suspend"})
    assert receiver.received.wait(5)
    receiver.received.clear()
    admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": "reactivate"})
    assert not receiver.received.wait(0.5)
    assert len(receiver.tokens) == 1


def test_other_users_sessions_are_untouched(idp, receiver):
    flow, token, id_claims = logged_in(idp, receiver)
    idp.create_user(RUC, "OTRO0001")
    Api(idp.url, idp.admin_token).post(
        f"/taxpayers/{RUC}/users/OTRO0001/status", {"action": "suspend"}
    )
    # The client hears of OTRO0001 (sub only: no session of ours names one), never of the
    # logged-in user.
    keys = KeySet.import_key_set(requests.get(flow.meta["jwks_uri"], timeout=5).json())
    [other] = [jwt.decode(t, keys, algorithms=["RS256"]).claims for t in receiver.tokens]
    assert other["sub"] != id_claims["sub"] and "sid" not in other
    info = requests.post(
        flow.meta["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=("vuce-mr", "vuce-mr-secret"),
        timeout=5,
    ).json()
    assert info["active"] is True


def _status(admin, username="OPERADO1"):
    return admin.get(f"/taxpayers/{RUC}/users/{username}").json()["status"]


def test_a_failing_receiver_never_undoes_the_change(idp):
    failing = Receiver(status=500)
    try:
        flow, token, _ = logged_in(idp, failing)
        admin = Api(idp.url, idp.admin_token)
        resp = admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": "suspend"})
        assert resp.status_code == 200, resp.text
        assert failing.tokens  # told, and it answered 500
        assert _status(admin) == "SUSPENDIDO"
        assert _refresh(flow, token).json()["error"] == "invalid_grant"
    finally:
        failing.server.stop()


def test_a_slow_receiver_never_holds_the_change_back(idp):
    """While the IdP still waits on the relying party, the suspension is already committed:
    another request sees it (it was sent inside the open transaction before)."""
    release = threading.Event()
    slow = Receiver(hold=release)
    admin = Api(idp.url, idp.admin_token)
    answer = {}
    path = f"/taxpayers/{RUC}/users/OPERADO1/status"
    suspend = threading.Thread(
        target=lambda: answer.update(resp=admin.post(path, {"action": "suspend"}))
    )
    try:
        logged_in(idp, slow)
        suspend.start()
        assert slow.received.wait(5)  # the IdP is now waiting for the receiver's answer
        assert _status(admin) == "SUSPENDIDO"
        assert "resp" not in answer  # still waiting: the change did not wait for it
    finally:
        release.set()
        slow.server.stop()
    suspend.join(10)
    assert answer["resp"].status_code == 200
