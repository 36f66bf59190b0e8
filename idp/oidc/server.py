"""The Authlib authorization server: grants, endpoints and their storage hooks."""

import json
import logging
import secrets
import time

from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.integrations.flask_oauth2.requests import (
    FlaskJsonRequest,
    FlaskOAuth2Payload,
    FlaskOAuth2Request,
)
from authlib.oauth2 import AuthorizationServer, OAuth2Request, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import g
from flask import request as flask_request
from joserfc import jwt

from .. import metrics
from ..domain import claims as claims_domain
from ..domain import clients as clients_domain
from ..services import clients, console, rp_faults, snapshots, tokens
from ..storage.db import db
from .logout import EndSession
from .pkce import S256Required

log = logging.getLogger("idp.oidc")

CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]


class LoginUser:
    """The end user of an authorization request: an account plus its SSO session."""

    def __init__(self, account, session):
        self.account = account
        self.session = session

    def get_user_id(self):
        return self.account.key


class StoredCode(AuthorizationCodeMixin):
    """An authorization code as kept in the store (JSON, single use, 60 s)."""

    def __init__(self, data: dict, family: str):
        self.__dict__.update(data)
        self.family = family

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr

    def get_amr(self):
        return self.amr


def _code_key(code: str) -> str:
    return "code:" + tokens.secret_hash(code)


def _nonce_key(client_id: str, nonce: str) -> str:
    return f"nonce:{client_id}:{tokens.secret_hash(nonce)}"


def nonce_key(params) -> str | None:
    """The store key that marks an authorization request's nonce as used, or None."""
    client_id, nonce = params.get("client_id"), params.get("nonce")
    return _nonce_key(client_id, nonce) if client_id and nonce else None


def prefetched_nonce(key: str, value: bytes | None) -> None:
    """Hand over a nonce mark read together with the request's other keys (the SSO session,
    the lockout counters): the nonce check of this request then costs no round trip."""
    g.sol_nonce_mark = (key, value)


def _used_key(code: str) -> str:
    return "code-used:" + tokens.secret_hash(code)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*CLIENT_AUTH, "none"]
    _validated: tuple | None = None  # (redirect_uri,) once this grant's request passed

    def validate_authorization_request(self):
        # Authlib validates an authorization request twice: for the consent decision
        # (get_consent_grant) and again when the response is made, on this same grant and
        # request. Nothing the checks read changes in between, so the second run (client,
        # redirect URI, PKCE, nonce look-up in the store: ~0.4 ms) returns the first result.
        if self._validated is None:
            self._validated = (super().validate_authorization_request(),)
        return self._validated[0]

    def generate_authorization_code(self):
        # 256 random bits from one urandom read; Authlib's default draws 48 characters
        # one SystemRandom call at a time (~0.09 ms of CPU per code).
        return secrets.token_urlsafe(32)

    def save_authorization_code(self, code, request):
        user: LoginUser = request.user
        data = {
            "client_id": request.client.client_id,
            "redirect_uri": request.payload.redirect_uri,
            "scope": getattr(request, "scope", None) or request.payload.scope,
            "nonce": request.payload.data.get("nonce"),
            "code_challenge": request.payload.data.get("code_challenge"),
            "code_challenge_method": request.payload.data.get("code_challenge_method"),
            "account": user.account.key,
            "sid": user.session.sid,
            "auth_time": user.session.auth_time,
            "amr": user.session.amr,
            "acr": user.session.acr,
        }
        cfg = self.server.config
        store = self.server.store
        store.set(_code_key(code), json.dumps(data), ttl=cfg["CODE_TTL"])
        if data["nonce"]:
            # Remember the nonce only once a code carries it (see exists_nonce).
            g.pop("sol_nonce_mark", None)  # read before this code: no longer true
            store.set(_nonce_key(data["client_id"], data["nonce"]), "1", ttl=cfg["CODE_TTL"] * 10)

    def query_authorization_code(self, code, client):
        store = self.server.store
        # atomic: a code works once; the directory's stamp comes along for the account lookup
        raw, version = store.pop_with(_code_key(code), snapshots.VERSION_KEY)
        snapshots.use_version(version)
        if raw is None:
            # RFC 6749 §4.1.2: a replayed code revokes the tokens issued from it.
            family = store.get(_used_key(code))
            if family:
                tokens.revoke_family(family.decode())
                db.session.commit()
            return None
        data = json.loads(raw)
        if data["client_id"] != client.client_id:
            return None
        family = tokens.new_family()
        store.set(_used_key(code), family, ttl=self.server.config["REFRESH_TOKEN_TTL"])
        return StoredCode(data, family)

    def delete_authorization_code(self, authorization_code):
        pass  # already consumed by query_authorization_code

    def authenticate_user(self, authorization_code):
        return snapshots.account(authorization_code.account)

    def generate_token(
        self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True
    ):
        # OIDC Core §11: only the offline_access scope yields a refresh token.
        include_refresh_token = include_refresh_token and "offline_access" in scope_to_list(
            scope or ""
        )
        return super().generate_token(
            user=user,
            scope=scope,
            grant_type=grant_type,
            expires_in=expires_in,
            include_refresh_token=include_refresh_token,
        )


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [*CLIENT_AUTH, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        # One read. The token is marked used only together with the insert of its successor,
        # once the answer is ready (tokens.rotate_staged from web/machine.py): a request
        # refused before that (an invalid scope, say) leaves it usable.
        client_id = self.request.client.client_id
        row = tokens.by_refresh(refresh_token)
        if row is None or row.client_id != client_id:
            return None
        if row.is_usable(time.time()):
            return row
        if row.rotated:
            # Reuse of a used refresh token: assume theft, revoke the whole family.
            tokens.revoke_family(row.family)
            db.session.commit()
        return None

    def authenticate_user(self, refresh_token):
        account = snapshots.account(refresh_token.account)
        if account is None:
            return None
        client = self.request.client
        if not clients_domain.may_serve_account(
            account_active=account.is_active,
            accepts_inactive_accounts=client.accepts_inactive_accounts,
        ):
            return None
        return account

    def revoke_old_credential(self, refresh_token):
        pass  # marked used atomically with its successor's insert (tokens.rotate_staged)


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH


class SolOpenIDCode(OpenIDCode):
    """ID tokens signed with the key ring; claims built only by ``domain.claims``."""

    def __init__(self, server):
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce, request):
        # Validation runs more than once per request (login, consent): only check here;
        # the nonce is recorded when a code is issued with it.
        key = _nonce_key(request.payload.client_id, nonce)
        mark = g.get("sol_nonce_mark")
        if mark is not None and mark[0] == key:
            return mark[1] is not None
        return self.server.store.get(key) is not None

    def generate_user_info(self, user, scope):
        return self.server.claims_for(user, scope)

    def encode_id_token(self, token, request):
        client = request.client
        alg = client.id_token_signed_response_alg or "RS256"
        kid, key = self.server.keyring.signing_key(alg)
        now = int(time.time())
        code = request.authorization_code
        claims = {
            "iss": self.server.config["ISSUER"],
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": now,
            "exp": now + self.server.config["ID_TOKEN_TTL"],
            "auth_time": code.auth_time,
            "sid": code.sid,
            "acr": code.acr,
            "amr": code.amr,
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        at_hash = create_half_hash(token["access_token"], alg)
        claims["at_hash"] = at_hash.decode()
        claims.update(self.generate_user_info(request.user, token["scope"]))
        header = {"alg": alg, "kid": kid, "typ": "JWT"}
        faulty = rp_faults.id_token(self.server, client.client_id, header, claims, key, token)
        return faulty or jwt.encode(header, claims, key, [alg])


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string, token_type_hint):
        if token_type_hint == "refresh_token":
            row = tokens.by_refresh(token_string)
            return ("refresh_token", row) if row else None
        row = tokens.by_access(token_string)
        if row is not None:
            return ("access_token", row)
        row = tokens.by_refresh(token_string)
        return ("refresh_token", row) if row else None

    def check_permission(self, token, client, request):
        # RFC 7662 §4: the token's own client, or a resource server; else {"active": false}
        return clients_domain.may_introspect(
            token_client_id=token[1].client_id,
            caller_client_id=client.get_client_id(),
            caller_is_resource_server=bool(getattr(client, "introspection", False)),
        )

    def create_introspection_payload(self, found):
        if not found:
            return {"active": False}
        kind, row = found
        now = time.time()
        if kind == "access_token":
            active = not row.is_expired()  # a revoked one is no longer in the store
        else:
            active = row.is_usable(now)
        exp = row.get_expires_at()
        if not active:
            return {"active": False}
        payload = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope,
            "token_type": "Bearer" if kind == "access_token" else "refresh_token",
            "exp": exp,
            "iat": row.issued_at,
            "iss": self.server.config["ISSUER"],
        }
        if row.account:
            account = row.get_user() if kind == "access_token" else snapshots.account(row.account)
            if account is not None:
                payload["sub"] = self.server.subject(account)
                payload["username"] = account.username
        return payload


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = [*CLIENT_AUTH, "none"]

    def query_token(self, token_string, token_type_hint):
        if token_type_hint == "refresh_token":
            return tokens.by_refresh(token_string) or tokens.by_access(token_string)
        return tokens.by_access(token_string) or tokens.by_refresh(token_string)

    def revoke_token(self, token, request):
        if isinstance(token, tokens.AccessToken):
            tokens.revoke_access(request.form["token"], token)
        else:
            tokens.revoke_refresh(token)
        db.session.commit()


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return tokens.by_access(token_string)


class UserInfo(UserInfoEndpoint):
    """OIDC Core §5.3, answered from the bearer token of the request at hand.

    Authlib's endpoint asks Flask's request proxy for the token (``acquire_token``); served
    below Flask (``web/machine.py``) the OAuth2Request it is given carries the same header.
    Signed userinfo is not offered (discovery: ``userinfo_signing_alg_values_supported``)."""

    def __init__(self, server, resource_protector):
        super().__init__(resource_protector=resource_protector)
        self._server = server

    def __call__(self, request):
        token = self.resource_protector.validate_request(["openid"], request)
        account = token.get_user()
        if account is None:  # gone since the token was issued
            raise InvalidTokenError()
        claims = self._server.claims_for(account, token.scope)
        return 200, rp_faults.userinfo(self._server, token.client_id, claims), default_json_headers


class Answer:
    """A protocol answer made below Flask: status, body bytes and header pairs."""

    __slots__ = ("status_code", "body", "headers")

    def __init__(self, status_code: int, body: bytes, headers: list[tuple[str, str]]):
        self.status_code = status_code
        self.body = body
        self.headers = headers

    def json(self) -> dict | None:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class _SolServer:
    """What both servers share: the grants, endpoints and storage hooks on our services."""

    def _setup(self, config, store, keyring) -> None:
        self.config = config
        self.store = store
        self.keyring = keyring
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **kw: secrets.token_urlsafe(32),
                refresh_token_generator=lambda **kw: secrets.token_urlsafe(48),
                expires_generator=lambda client, grant_type: config["ACCESS_TOKEN_TTL"],
            ),
        )
        self.scopes_supported = list(claims_domain.SCOPES_SUPPORTED)
        self.register_grant(CodeGrant, [S256Required(required=True), SolOpenIDCode(self)])
        self.register_grant(RefreshGrant)
        self.register_grant(ClientCredentials)
        self.register_endpoint(Introspection)
        self.register_endpoint(Revocation)
        self.register_endpoint(EndSession)
        self.resource_protector = ResourceProtector()
        self.resource_protector.register_token_validator(AccessTokenValidator())
        self.register_endpoint(UserInfo(self, self.resource_protector))

    def query_client(self, client_id):
        return clients.cached(client_id)

    def subject(self, account) -> str:
        return claims_domain.subject_for(
            account.user_type, account.key, self.config["SUBJECT_SALT"]
        )

    def claims_for(self, user, scope) -> dict:
        account = user.account if isinstance(user, LoginUser) else user
        return claims_domain.build_claims(snapshots.identity(account), scope_to_list(scope or ""))

    def save_token(self, token, request):
        code = getattr(request, "authorization_code", None)
        previous = getattr(request, "refresh_token", None)
        user = request.user
        account = (
            user.account.key
            if isinstance(user, LoginUser)
            else (user.key if user is not None else None)
        )
        if code is not None:
            family, sid, auth_time = code.family, code.sid, code.auth_time
        elif previous is not None:
            family, sid, auth_time = previous.family, previous.sid, previous.auth_time
        else:
            family, sid, auth_time = tokens.new_family(), None, None
        tokens.save(
            token,
            client_id=request.client.client_id,
            account=account,
            family=family,
            sid=sid,
            auth_time=auth_time,
            refresh_ttl=self.config["REFRESH_TOKEN_TTL"],
            replaces=previous,
        )
        grant_type = request.payload.grant_type or ""
        metrics.count_token(grant_type, request.client.client_id)
        if console.watched(self.store, self.config, request.client.client_id):
            now = int(time.time())
            g.sol_console = {
                "grant": grant_type,
                "client_id": request.client.client_id,
                "account": account,
                "scope": token.get("scope"),
                "access": {
                    "client_id": request.client.client_id,
                    "scope": token.get("scope"),
                    "sub": self.subject(user.account if isinstance(user, LoginUser) else user)
                    if user is not None
                    else None,
                    "iat": now,
                    "exp": now + int(token.get("expires_in", 0)),
                    "token_type": token.get("token_type"),
                },
            }
        if code is not None:  # a login's exchange (one line each; not per client_credentials)
            log.info(
                "token issued grant=authorization_code client=%s sid=%s",
                request.client.client_id,
                sid,
            )


class SolAuthorizationServer(_SolServer, FlaskAuthorizationServer):
    """Authlib's Flask server, for the requests people's browsers make (authorize, logout):
    the same grants and hooks as the machine server, answering with Flask responses."""

    def __init__(self, app, store, keyring):
        FlaskAuthorizationServer.__init__(self)
        self.load_config(app.config)
        self._setup(app.config, store, keyring)

    def create_oauth2_request(self, request):
        # Authlib passes None (the current Flask request); a login form passes the
        # authorization request it resumes (web/oidc.resume).
        request = flask_request if request is None else request
        return SolRequest(request, self.config["ISSUER"] + request.path)


class SolRequest(FlaskOAuth2Request):
    """Authlib's request over a werkzeug request, as its Flask integration builds it, but with
    the URI the client was given (the issuer's endpoint URL, as discovery publishes it): that
    URI is only read by Authlib's transport check, which then judges the deployment's
    transport (an https issuer behind a TLS-terminating proxy passes; plain http only on
    loopback), and werkzeug's ``request.url`` (an IRI decode, ~10 % of a client_credentials
    request) is not computed."""

    def __init__(self, request, uri: str):
        # headers given after: Authlib's ``headers or {}`` would count werkzeug's environ
        # headers (a pass over the whole environ) on every request
        OAuth2Request.__init__(self, request.method, uri)
        self.headers = request.headers
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class MachineServer(_SolServer, AuthorizationServer):
    """The same server for /token, /userinfo, /introspect and /revoke served below Flask
    (``web/machine.py``): it reads the werkzeug request it is handed and answers with an
    ``Answer``, not a Flask response (no Response object, no header validation per call)."""

    def __init__(self, app, store, keyring):
        super().__init__()
        self._setup(app.config, store, keyring)

    def create_oauth2_request(self, request):
        return SolRequest(request, self.config["ISSUER"] + request.path)

    def create_json_request(self, request):
        return FlaskJsonRequest(request)

    def handle_response(self, status_code, payload, headers):
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        body = payload.encode() if isinstance(payload, str) else payload
        return Answer(status_code, body, list(headers))

    def send_signal(self, name, *args, **kwargs):
        pass  # nothing here listens to Authlib's signals
