"""Register and list OAuth clients (CLI, clients file, launcher)."""

import json
import secrets
import time
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import inspect, select

from ..storage.db import db
from ..storage.oauth import ClientChecks, OAuthClient, secret_hash

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
DEFAULT_SCOPE = "openid profile email sol offline_access"


class ClientError(ValueError):
    """A client registration is malformed."""


def _check_uri(uri: str) -> str:
    if not uri.startswith(("https://", "http://")) or "#" in uri:
        raise ClientError(f"URI no válida: {uri!r} (http(s), sin fragmento)")
    return uri


def register(
    client_id: str,
    *,
    secret: str | None = None,
    redirect_uris=(),
    public=False,
    first_party=False,
    token_endpoint_auth_method=None,
    post_logout_redirect_uris=(),
    backchannel_logout_uri=None,
    accepts_inactive_accounts=False,
    introspection=False,
    pkce_optional=False,
    scope=None,
    grant_types=None,
    required_profile=None,
    name=None,
    id_token_signed_response_alg="RS256",
) -> tuple[OAuthClient, str | None]:
    """Create or update a client; returns it and the plain secret (shown once)."""
    if not client_id or len(client_id) > 100:
        raise ClientError("client_id no válido")
    method = token_endpoint_auth_method or ("none" if public else "client_secret_basic")
    if method not in AUTH_METHODS:
        raise ClientError(f"método de autenticación no soportado: {method}")
    if method == "none":
        secret = None
    elif not secret:
        secret = secrets.token_urlsafe(32)
    if id_token_signed_response_alg not in ("RS256", "ES256"):
        raise ClientError("id_token_signed_response_alg debe ser RS256 o ES256")
    grants = list(
        grant_types
        or (["authorization_code", "refresh_token"] if redirect_uris else ["client_credentials"])
    )
    if "client_credentials" in grants and method == "none":
        raise ClientError("un cliente público no puede usar client_credentials")
    row = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if row is None:
        row = OAuthClient(client_id=client_id)
        db.session.add(row)
    row.client_secret_hash = secret_hash(secret) if secret else None
    row.token_endpoint_auth_method = method
    row.redirect_uris = [_check_uri(u) for u in redirect_uris]
    row.post_logout_redirect_uris = [_check_uri(u) for u in post_logout_redirect_uris]
    row.backchannel_logout_uri = (
        _check_uri(backchannel_logout_uri) if backchannel_logout_uri else None
    )
    row.grant_types = grants
    row.scope = scope or DEFAULT_SCOPE
    row.first_party = bool(first_party)
    row.accepts_inactive_accounts = bool(accepts_inactive_accounts)
    row.introspection = bool(introspection)
    row.pkce_optional = bool(pkce_optional)
    row.required_profile = required_profile
    row.name = name or client_id
    row.id_token_signed_response_alg = id_token_signed_response_alg
    db.session.flush()
    _snapshots().pop(client_id, None)  # this process sees its own change at once
    return row, secret


def get(client_id: str | None) -> OAuthClient | None:
    """The client with this id, or None.

    Authlib looks the client up more than once per request (an authorization request is
    validated twice); within one session the row found first is reused while it is still
    loaded and persistent, exactly what the ORM identity map would hand back anyway.
    """
    if not client_id:
        return None
    memo = db.session.info.setdefault("sol_clients", {})
    row = memo.get(client_id)
    if row is not None:
        state = inspect(row)
        if state.persistent and not state.expired and row.client_id == client_id:
            return row
    row = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if row is not None:
        memo[client_id] = row
    return row


SNAPSHOT_SECONDS = 5.0  # a client change made by another process is seen within this time
_SNAPSHOT_MAX = 1000
_COLUMNS = (
    "client_id",
    "client_secret_hash",
    "token_endpoint_auth_method",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "grant_types",
    "scope",
    "first_party",
    "accepts_inactive_accounts",
    "introspection",
    "pkce_optional",
    "required_profile",
    "id_token_signed_response_alg",
    "name",
)


def _snapshots() -> dict[str, tuple[float, "ClientSnapshot"]]:
    """Per app (not per module): two apps in one process, as in the tests, never share."""
    return current_app.extensions.setdefault("sol_client_snapshots", {})


class ClientSnapshot(ClientChecks):
    """A read-only copy of a client row: no session, lists as tuples, safe across threads.
    The checks (secret hash, redirect URI, grant and scope) are OAuthClient's own."""

    __slots__ = _COLUMNS

    def __init__(self, row: OAuthClient):
        for name in _COLUMNS:
            value = getattr(row, name)
            object.__setattr__(self, name, tuple(value) if isinstance(value, list) else value)

    def __setattr__(self, name, value):
        raise AttributeError("a client snapshot is read-only")


def cached(client_id: str | None) -> ClientSnapshot | None:
    """The client as Authlib's endpoints read it, from a per-process copy at most
    SNAPSHOT_SECONDS old (one SQL query saved on every token, introspection and userinfo
    request). Unknown ids are not cached. Edits go through ``register`` on the ORM row."""
    if not client_id:
        return None
    now, snapshots = time.monotonic(), _snapshots()
    hit = snapshots.get(client_id)
    if hit is not None and now - hit[0] < SNAPSHOT_SECONDS:
        return hit[1]
    row = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if row is None:
        snapshots.pop(client_id, None)
        return None
    snap = ClientSnapshot(row)
    if len(snapshots) >= _SNAPSHOT_MAX:
        snapshots.clear()
    snapshots[client_id] = (now, snap)
    return snap


def all_clients() -> list[OAuthClient]:
    return list(db.session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)))


_FILE_FIELDS = {
    "client_id",
    "secret",
    "redirect_uris",
    "public",
    "first_party",
    "token_endpoint_auth_method",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "accepts_inactive_accounts",
    "introspection",
    "pkce_optional",
    "scope",
    "grant_types",
    "required_profile",
    "name",
    "id_token_signed_response_alg",
}
_ALIASES = {
    "redirect_uri": "redirect_uris",
    "post_logout_redirect_uri": "post_logout_redirect_uris",
    "client_secret": "secret",
}


def load_file(path: str) -> list[OAuthClient]:
    """Register every client of a JSON or YAML file (a list, or {"clients": [...]})."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    if isinstance(data, dict):
        data = data.get("clients", [])
    return load_entries(data, path)


def load_entries(data, where: str = "clients") -> list[OAuthClient]:
    """Register every client of a list of entries (the fields of IDP_CLIENTS_FILE)."""
    path = where
    rows = []
    for entry in data or []:
        entry = {_ALIASES.get(k, k): v for k, v in dict(entry).items()}
        for key in ("redirect_uris", "post_logout_redirect_uris"):
            if isinstance(entry.get(key), str):
                entry[key] = [entry[key]]
        unknown = set(entry) - _FILE_FIELDS
        if unknown:
            raise ClientError(f"campos desconocidos en {path}: {sorted(unknown)}")
        client_id = entry.pop("client_id")
        rows.append(register(client_id, **entry)[0])
    return rows
