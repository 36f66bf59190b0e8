"""VUCE as an OpenID Connect relying party: Authlib's Flask client per component, plus the
checks a relying party MUST make itself.

- Discovery is fetched through the back-channel base (``VUCE_IDP_INTERNAL_URL``), its
  ``issuer`` must equal ``VUCE_IDP_ISSUER`` (Discovery 1.0 §4.3), the back-channel endpoints are
  rebased onto the internal URL, and the document is cached (store + process) for
  ``VUCE_DISCOVERY_TTL``.
- JWKS is cached the same way and refetched ONCE when a token names an unknown ``kid`` (key
  rotation at the IdP must not break logins); a forged kid cannot make us hammer the IdP: each
  unknown kid triggers at most one refetch per ``_MISS_TTL`` seconds.
- Every HTTP call to the IdP carries ``VUCE_IDP_TIMEOUT``.
- ``validate_id_token`` implements OIDC Core §3.1.3.7 (the signature here, the claims with
  Authlib's ``CodeIDToken``); ``checked_userinfo`` §5.3.2 (the userinfo ``sub`` is the ID
  token's); ``validate_logout_token`` implements Back-Channel Logout 1.0 §2.6.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time

import requests
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from webcommon import request_id

from .domain import errors
from .domain.errors import IdpUnavailable, TokenRejected

log = logging.getLogger("vuce_client.oidc")

SCOPE = "openid profile email sol"
ALLOWED_ALGS = ("RS256", "ES256")
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_MISS_TTL = 30
# endpoints VUCE calls server-to-server (rebased on the internal URL); the browser ones are not
_BACKCHANNEL_ENDPOINTS = (
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "introspection_endpoint",
    "revocation_endpoint",
)


class IdpMetadata:
    """Discovery + JWKS of one issuer, cached; shared by every component of an app."""

    def __init__(
        self,
        issuer: str,
        internal_url: str,
        store,
        *,
        timeout: float,
        discovery_ttl: int = 3600,
        jwks_ttl: int = 3600,
        http=None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.internal_url = internal_url.rstrip("/")
        self.store = store
        self.timeout = timeout
        self.discovery_ttl = discovery_ttl
        self.jwks_ttl = jwks_ttl
        self.http = http or request_id.TracedSession()  # every call names our request
        self._local: dict[str, tuple[float, dict]] = {}

    # -- plumbing -------------------------------------------------------------------------
    def _get_json(self, url: str) -> dict:
        try:
            resp = self.http.get(url, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise IdpUnavailable(f"GET {url}: {exc}") from exc
        if resp.status_code >= 500:
            raise IdpUnavailable(f"GET {url}: HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise errors.IdpError(f"GET {url}: HTTP {resp.status_code}")
        try:
            return resp.json()
        except ValueError as exc:
            raise IdpUnavailable(f"GET {url}: not JSON") from exc

    def _cached(self, name: str, ttl: int, fetch, force: bool = False) -> dict:
        key = f"vuce:oidc:{name}:{self.issuer}"
        now = time.monotonic()
        if not force:
            hit = self._local.get(key)
            if hit and hit[0] > now:
                return hit[1]
            raw = self.store.get(key)
            if raw:
                value = json.loads(raw)
                self._local[key] = (now + min(ttl, 60), value)
                return value
        value = fetch()
        self.store.set(key, json.dumps(value), ttl=ttl)
        self._local[key] = (now + min(ttl, 60), value)
        return value

    def rebase(self, url: str) -> str:
        """A browser-facing IdP URL rewritten onto the back-channel base URL."""
        if url and url.startswith(self.issuer + "/") and self.internal_url != self.issuer:
            return self.internal_url + url[len(self.issuer) :]
        return url

    # -- discovery ------------------------------------------------------------------------
    def _fetch_discovery(self) -> dict:
        doc = self._get_json(f"{self.internal_url}/.well-known/openid-configuration")
        # Discovery 1.0 §4.3: the issuer in the document MUST equal the one we trust.
        if doc.get("issuer", "").rstrip("/") != self.issuer:
            raise errors.IssuerMismatch(f"discovery issuer {doc.get('issuer')!r}")
        for name in _BACKCHANNEL_ENDPOINTS:
            if doc.get(name):
                doc[name] = self.rebase(doc[name])
        return doc

    def discovery(self, force: bool = False) -> dict:
        """The discovery document (back-channel endpoints rebased), cached."""
        return self._cached("discovery", self.discovery_ttl, self._fetch_discovery, force)

    # -- keys -----------------------------------------------------------------------------
    def jwks(self, force: bool = False) -> dict:
        """The IdP's JWKS, cached."""
        return self._cached(
            "jwks", self.jwks_ttl, lambda: self._get_json(self.discovery()["jwks_uri"]), force
        )

    def algorithms(self) -> list[str]:
        """Signing algorithms we accept: the IdP's list ∩ RS256/ES256 (never none/HS*)."""
        offered = self.discovery().get("id_token_signing_alg_values_supported") or ["RS256"]
        return [a for a in offered if a in ALLOWED_ALGS] or ["RS256"]

    def decode(self, token: str) -> jwt.Token:
        """Verify a JWS with the cached JWKS; refetch once on an unknown kid."""
        algs = self.algorithms()
        try:
            return jwt.decode(token, KeySet.import_key_set(self.jwks()), algorithms=algs)
        except InvalidKeyIdError:
            kid = _unverified_kid(token)
            if not self.store.add(f"vuce:oidc:kidmiss:{self.issuer}:{kid}", "1", ttl=_MISS_TTL):
                raise errors.UnknownKey(f"kid {kid!r}") from None
            log.info("unknown kid %r: refetching JWKS once", kid)
            try:
                return jwt.decode(
                    token, KeySet.import_key_set(self.jwks(force=True)), algorithms=algs
                )
            except InvalidKeyIdError:
                raise errors.UnknownKey(f"kid {kid!r}") from None
            except (JoseError, ValueError) as exc:
                raise _signature_refused(token, exc) from None
        except (JoseError, ValueError) as exc:
            raise _signature_refused(token, exc) from None


def _unverified_header(token: str) -> dict:
    try:
        head = token.split(".")[0]
        head += "=" * (-len(head) % 4)
        header = json.loads(base64.urlsafe_b64decode(head))
        return header if isinstance(header, dict) else {}
    except Exception:
        return {}


def _unverified_kid(token: str) -> str | None:
    return _unverified_header(token).get("kid")


def _signature_refused(token: str, exc: Exception) -> TokenRejected:
    """(6)-(7): an algorithm we do not accept (``none``, HS256…) or a signature that fails."""
    alg = _unverified_header(token).get("alg")
    if isinstance(exc, UnsupportedAlgorithmError) or alg not in ALLOWED_ALGS:
        return errors.UnsupportedAlg(f"alg {alg!r}")
    return errors.BadSignature(type(exc).__name__)


def _check_aud(claims: dict, client_id: str) -> None:
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in auds:
        raise errors.WrongAudience(f"aud {aud!r}")
    # Core §3.1.3.7 (4)/(5): several audiences need azp, and azp must be us.
    azp = claims.get("azp")
    if len(auds) > 1 and not azp:
        raise errors.MissingAzp()
    if azp is not None and azp != client_id:
        raise errors.WrongAzp(f"azp {azp!r}")


def _missing(claims: str) -> TokenRejected:
    claim = claims.split(",")[0]  # joserfc names every missing essential claim, comma-separated
    cls = errors.MISSING_CLAIMS.get(claim)
    return cls(claims) if cls else errors.MissingClaim(claims, claim=claim)


def _invalid(claim: str, detail: str) -> TokenRejected:
    cls = errors.INVALID_CLAIMS.get(claim)
    return cls(detail) if cls else errors.InvalidClaim(claim, detail)


def validate_id_token(
    meta: IdpMetadata,
    id_token: str,
    *,
    client_id: str,
    nonce: str,
    access_token: str | None = None,
    now: float | None = None,
    leeway: int = 60,
    max_age: int = 86400,
) -> dict:
    """OIDC Core §3.1.3.7: the verified claims of an ID token, or ``TokenRejected``.

    The signature (6)-(8) is ``meta.decode``'s; the claims are Authlib's ``CodeIDToken``
    validation (iss (2), aud (3), azp (4)-(5), exp (9), iat (10), nonce (11), at_hash
    §3.1.3.8) with our options: every one of those claims is essential (VUCE always sends a
    nonce), and ``iat`` is at most ``max_age`` old.
    """
    now = int(time.time() if now is None else now)
    token = meta.decode(id_token)
    options = {
        "iss": {"essential": True, "value": meta.issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True, "validate": lambda _claims, iat: now - iat <= max_age},
        "nonce": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
    claims = CodeIDToken(dict(token.claims), token.header, options, params)
    try:
        claims.validate(now=now, leeway=leeway)
    except ExpiredTokenError:
        raise errors.Expired(f"exp {claims.get('exp')!r}") from None
    except MissingClaimError as exc:
        raise _missing(exc.claim) from None
    except InvalidClaimError as exc:
        raise _invalid(exc.claim, f"{exc.claim} {claims.get(exc.claim)!r}") from None
    # (3): "or if it contains additional audiences not trusted by the Client" (Authlib accepts
    # them once azp names us)
    aud = claims["aud"]
    if isinstance(aud, list) and set(aud) != {client_id}:
        raise errors.UntrustedAudience(f"aud {aud!r}")
    return dict(claims)


def checked_userinfo(client, token: dict, id_claims: dict) -> dict:
    """The userinfo answer (Authlib's client) once its ``sub`` equals the ID token's: OIDC Core
    §5.3.2 says otherwise its values MUST NOT be used."""
    try:
        info = client.userinfo(token=token)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500:
            raise IdpUnavailable(f"userinfo: HTTP {status}") from exc
        raise errors.UserinfoRefused(f"HTTP {status}") from exc
    except (requests.RequestException, ValueError, TypeError) as exc:
        raise IdpUnavailable(f"userinfo: {type(exc).__name__}: {exc}") from exc
    sub = info.get("sub")
    if not isinstance(sub, str) or not hmac.compare_digest(sub.encode(), id_claims["sub"].encode()):
        raise errors.UserinfoSubMismatch(f"userinfo sub {sub!r}")
    return dict(info)


def validate_logout_token(
    meta: IdpMetadata,
    logout_token: str,
    *,
    client_id: str,
    now: float | None = None,
    leeway: int = 60,
) -> dict:
    """Back-Channel Logout 1.0 §2.6: the verified claims of a logout token."""
    now = time.time() if now is None else now
    claims = dict(meta.decode(logout_token).claims)
    if claims.get("iss") != meta.issuer:
        raise errors.WrongIssuer()
    _check_aud(claims, client_id)
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > now + leeway:
        raise errors.BadIat()
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or now > exp + leeway):
        raise errors.Expired()
    if not isinstance(claims.get("jti"), str):
        raise errors.MissingJti()
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise errors.MissingEvent()
    if not (claims.get("sub") or claims.get("sid")):
        raise errors.MissingSubAndSid()
    if "nonce" in claims:  # §2.4: a logout token MUST NOT contain a nonce
        raise errors.NoncePresent()
    return claims


class VuceOAuthApp(FlaskOAuth2App):
    """Authlib's Flask client, fed with our cached, rebased discovery document."""

    vuce_metadata: IdpMetadata | None = None

    def _get_oauth_client(self, **metadata):
        # Authlib makes one session per call (token exchange, userinfo): it carries the id of
        # the request being served, so the IdP's log lines of this login name it too
        session = super()._get_oauth_client(**metadata)
        session.headers.update(request_id.outgoing_headers())
        return session

    def load_server_metadata(self):
        if self.vuce_metadata is not None:
            self.server_metadata.update(self.vuce_metadata.discovery())
        return self.server_metadata


class VuceOAuth(OAuth):
    """The Authlib registry whose clients are ``VuceOAuthApp``."""

    oauth2_client_cls = VuceOAuthApp


def register_client(
    oauth: VuceOAuth,
    meta: IdpMetadata,
    name: str,
    client_id: str,
    client_secret: str,
    timeout: float,
) -> VuceOAuthApp:
    """One Authlib client per component (each is a separate OIDC client at the IdP)."""
    client = oauth.register(
        name,
        client_id=client_id,
        client_secret=client_secret,
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": timeout,
        },
    )
    client.vuce_metadata = meta
    return client


def client_credentials_token(
    meta: IdpMetadata, client_id: str, client_secret: str, scope: str, store
) -> str:
    """An access token of ``scope`` for server-to-server calls, cached until shortly before exp."""
    key = f"vuce:oidc:cc:{client_id}:{scope}"
    cached = store.get(key)
    if cached:
        return cached.decode() if isinstance(cached, bytes) else cached
    url = meta.discovery()["token_endpoint"]
    try:
        resp = meta.http.post(
            url,
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client_id, client_secret),
            timeout=meta.timeout,
        )
    except requests.RequestException as exc:
        raise IdpUnavailable(f"POST {url}: {exc}") from exc
    if resp.status_code >= 500:
        raise IdpUnavailable(f"POST {url}: HTTP {resp.status_code}")
    if resp.status_code != 200:
        raise errors.ClientCredentialsRefused(resp.text[:200])
    body = resp.json()
    token = body["access_token"]
    ttl = max(int(body.get("expires_in", 300)) - 30, 1)
    store.set(key, token, ttl=ttl)
    return token
