"""userinfo and introspection only read: their statements run in autocommit (no BEGIN or
ROLLBACK round trips); the token endpoint, which writes, keeps its transaction."""

import threading

import pytest
import requests
from sqlalchemy import event

from tests.support.oidc import REDIRECT, Flow

RUC = "20123456786"


@pytest.fixture
def statements(idp):
    """(isolation level, SQL) of every statement on the IdP's engine during the test."""
    from idp.storage import db

    seen, lock = [], threading.Lock()

    def record(conn, _cursor, statement, *_args):
        with lock:
            seen.append((conn.get_execution_options().get("isolation_level"), statement))

    with idp.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _token_statements(seen):
    return [iso for iso, sql in seen if "issued_token" in sql]


def test_userinfo_and_introspection_read_in_autocommit(idp, statements):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=("VUCE.USUARIO.OPERACION",))
    secret = idp.register_client(
        "rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True
    )
    flow = Flow(idp.url, "rp1", secret, scope="openid profile sol offline_access")
    token = flow.full_login(RUC, "OPERADO1", "Clave123")

    statements.clear()
    info = flow.client.get(flow.meta["userinfo_endpoint"])
    assert info.status_code == 200 and info.json()["sol_username"] == "OPERADO1"
    assert _token_statements(statements) == ["AUTOCOMMIT"]
    assert all(iso == "AUTOCOMMIT" for iso, _ in statements), statements

    statements.clear()
    found = requests.post(
        flow.meta["introspection_endpoint"],
        auth=("rp1", secret),
        data={"token": token["access_token"]},
        timeout=30,
    ).json()
    assert found["active"] is True and found["username"] == "OPERADO1"
    assert statements and all(iso == "AUTOCOMMIT" for iso, _ in statements), statements

    # A refresh writes (burns the old token, saves the new one): one transaction, as before.
    statements.clear()
    refreshed = requests.post(
        flow.meta["token_endpoint"],
        auth=("rp1", secret),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        timeout=30,
    )
    assert refreshed.status_code == 200
    assert _token_statements(statements) and "AUTOCOMMIT" not in _token_statements(statements)

    # The pooled connection went back with its usual isolation: the revocation below is
    # transactional again and takes effect.
    statements.clear()
    assert (
        requests.post(
            f"{idp.url}/revoke",
            auth=("rp1", secret),
            data={"token": refreshed.json()["access_token"]},
            timeout=30,
        ).status_code
        == 200
    )
    assert "AUTOCOMMIT" not in _token_statements(statements)
    gone = requests.get(
        flow.meta["userinfo_endpoint"],
        timeout=30,
        headers={"Authorization": "Bearer " + refreshed.json()["access_token"]},
    )
    assert gone.status_code == 401
