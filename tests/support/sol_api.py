"""Helpers for the IdP's REST API: calls with a bearer, principal and padrón tokens, bulk users."""

import requests

from .oidc import REDIRECT, Flow

PASSWORD = "Clave123"


class Api:
    """``/api/v1`` of a live IdP with one bearer token."""

    def __init__(self, base: str, token: str | None):
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, json=None, data=None, token=..., headers=None):
        h = dict(headers or {})
        bearer = self.token if token is ... else token
        if bearer:
            h["Authorization"] = f"Bearer {bearer}"
        return requests.request(
            method, self.base + path, json=json, data=data, headers=h, timeout=15
        )

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("PUT", path, json=json, **kw)


def principal_token(
    idp,
    ruc: str,
    username: str = "PRINCIPA",
    password: str = PASSWORD,
    client_id: str = "sol-admin-cli",
    scope: str = "openid sol sol:admin",
) -> str:
    """An access token of ``username`` obtained through the code flow (scope sol:admin)."""
    secret = idp.register_client(
        client_id,
        secret=f"{client_id}-secret",
        redirect_uris=[REDIRECT],
        first_party=True,
        scope="openid profile email sol sol:admin",
    )
    flow = Flow(idp.url, client_id, secret, scope=scope)
    return flow.full_login(ruc, username, password)["access_token"]


def client_credentials_token(idp, client_id: str = "vuce-padron", scope: str = "padron") -> str:
    """A client_credentials access token with ``scope``."""
    secret = idp.register_client(
        client_id, secret=f"{client_id}-secret", grant_types=["client_credentials"], scope="padron"
    )
    resp = requests.post(
        f"{idp.url}/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def bulk_users(idp, ruc: str, count: int, *, prefix: str = "U", status: str = "ACTIVO") -> None:
    """Insert ``count`` secondary users straight into the table (one hash, one INSERT)."""
    from sqlalchemy import insert

    from idp.services import passwords
    from idp.storage import db
    from idp.storage.db import utcnow
    from idp.storage.identities import SecondaryUser

    with idp.app.app_context():
        digest = passwords.hash_password(PASSWORD)
        now = utcnow()
        rows = [
            {
                "ruc": ruc,
                "username": f"{prefix}{i:0{8 - len(prefix)}d}",
                "document_type": "DNI",
                "document_number": f"{i:08d}",
                "password_hash": digest,
                "must_change_password": True,
                "status": status,
                "created_at": now,
                "status_changed_at": now,
            }
            for i in range(count)
        ]
        db.session.execute(insert(SecondaryUser), rows)
        db.session.commit()
