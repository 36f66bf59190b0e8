"""Back-channel logout (OIDC Back-Channel Logout 1.0): logout tokens to each client."""

import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import current_app, session
from joserfc import jwt

from webcommon import request_id

from .. import metrics
from ..services import accounts, clients, rp_faults, sessions
from ..storage.db import db

log = logging.getLogger("idp.logout")
EVENT = "http://schemas.openid.net/event/backchannel-logout"
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="bcl")


def logout_token(keyring, issuer: str, client_id: str, sub: str, sid: str | None) -> str:
    """A signed logout token (§2.4): iss, aud, iat, exp, jti, events, sub and sid; no nonce."""
    kid, key = keyring.signing_key("RS256")
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(16),
        "events": {EVENT: {}},
        "sub": sub,
    }
    if sid:
        claims["sid"] = sid
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "logout+jwt"}, claims, key, ["RS256"])


def _post(uri: str, token: str, timeout: float, headers: dict) -> bool:
    try:
        resp = requests.post(
            uri,
            data={"logout_token": token},
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
        ok = resp.status_code in (200, 204)
        if not ok:
            log.warning("back-channel logout to %s answered %s", uri, resp.status_code)
        return ok
    except requests.RequestException as exc:
        log.warning("back-channel logout to %s failed: %s", uri, exc)
        return False


def notify(targets: list[tuple[str, str]], timeout: float) -> list[bool]:
    """POST each (uri, token) in parallel; wait for all (bounded by the timeout)."""
    # the pool's threads do not inherit the request's context: its id is read here
    headers = request_id.outgoing_headers()
    futures = [_pool.submit(_post, uri, token, timeout, headers) for uri, token in targets]
    results = [f.result() for f in futures]
    metrics.count_backchannel(results)
    return results


def _targets(server, ended, account) -> list[tuple[str, str]]:
    sub = server.subject(account)
    targets = []
    for s in ended:
        for client_id in s.clients:
            client = clients.get(client_id)
            if client is not None and client.backchannel_logout_uri:
                token = logout_token(server.keyring, server.config["ISSUER"], client_id, sub, s.sid)
                targets.append((client.backchannel_logout_uri, token))
    return targets


def end_session(server, sid: str) -> int:
    """End one SSO session and tell every client that holds a login from it."""
    s = sessions.end(server.store, sid)
    account = accounts.load(s.account) if s else None
    if account is None:
        return 0
    targets = _targets(server, [s], account)
    notify(targets, server.config["BACKCHANNEL_TIMEOUT"])
    return len(targets)


def _account_wide_targets(server, account, notified: set[str]) -> list[tuple[str, str]]:
    """A sub-only logout token (§2.4 allows sub without sid) for every other client that
    takes back-channel logouts: a relying party may hold a session of the account that no SSO
    session of ours knows of (VUCE's contingency access is opened while SOL is down)."""
    sub = server.subject(account)
    return [
        (
            client.backchannel_logout_uri,
            logout_token(server.keyring, server.config["ISSUER"], client.client_id, sub, None),
        )
        for client in clients.all_clients()
        if client.backchannel_logout_uri and client.client_id not in notified
    ]


def notify_ended(server, ended: sessions.EndedLogins) -> int:
    """Tell every client that takes back-channel logouts that the account's logins ended
    (with the sid where a session of ours names one); returns how many were told."""
    targets = _targets(server, ended.sessions, ended.account)
    notified = {client_id for s in ended.sessions for client_id in s.clients}
    targets += _account_wide_targets(server, ended.account, notified)
    notify(targets, server.config["BACKCHANNEL_TIMEOUT"])
    return len(targets)


def commit_then_notify(ended: sessions.EndedLogins | None) -> int:
    """Commit the change, then send its back-channel logouts: a slow or failing relying party
    neither holds the transaction open nor undoes the change. Every caller of a status change
    (API, admin screens, CLI) finishes with this."""
    db.session.commit()
    if ended is None:
        return 0
    return notify_ended(current_app.extensions["sol_server"], ended)


class EndSession(EndSessionEndpoint):
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), registered on the server:
    Authlib checks id_token_hint (against our keys, the RP test bench's too) and the
    post_logout_redirect_uri; the view asks the user first when no hint names the session."""

    def get_server_jwks(self):
        return rp_faults.verification_keys(
            self.server.keyring, self.server.store, self.server.config
        )

    def get_algorithms(self):
        return ["RS256", "ES256"]

    def end_session(self, end_session_request):
        # The browser's SSO session ends, and every client holding a login from it is told.
        sid = session.get("sid")
        if sid:
            end_session(self.server, sid)
        session.clear()
