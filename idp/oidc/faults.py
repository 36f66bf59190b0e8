"""The RP test bench's fault catalogue, and how each fault changes what SOL returns.

A fault is one change to the output of the code that makes good answers: the ID token's header
and claims as ``SolOpenIDCode.encode_id_token`` built them, signed by the same ``jwt.encode``
(or, for ``id_token_bad_signature``, its signature bytes altered afterwards); the userinfo
claims; the token endpoint's answer. Nothing here writes a token by hand.

Arming and consuming faults is ``idp.services.rp_faults``; this module has no Flask, store or
database in it.
"""

from __future__ import annotations

import base64
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from authlib.oidc.core.grants.util import create_half_hash
from joserfc import jwt

# Where a fault acts: the ID token (token endpoint, code grant), the token endpoint's answer
# before any grant runs, or the userinfo answer.
ID_TOKEN, TOKEN_ENDPOINT, USERINFO = "id_token", "token_endpoint", "userinfo"

CORE = "https://openid.net/specs/openid-connect-core-1_0.html"
RFC7515 = "https://www.rfc-editor.org/rfc/rfc7515"
RFC7519 = "https://www.rfc-editor.org/rfc/rfc7519"


@dataclass(frozen=True)
class Fault:
    name: str
    stage: str
    does: str  # what SOL does (English, for the README and the API's 422)
    correct_rp: str  # what a correct relying party does
    spec: str  # the clause a correct relying party enforces
    spec_url: str


CATALOGUE: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "id_token_bad_signature",
            ID_TOKEN,
            "ID token signature bytes altered",
            "refuses",
            "OIDC Core 3.1.3.7 (6), RFC 7515 §5.2",
            f"{RFC7515}#section-5.2",
        ),
        Fault(
            "id_token_alg_none",
            ID_TOKEN,
            "unsigned ID token, `alg: none`",
            "refuses",
            "OIDC Core 3.1.3.7 (7), RFC 7515 §5.2",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_unknown_kid",
            ID_TOKEN,
            "signed by a key that JWKS never publishes",
            "refuses after one JWKS refetch",
            "OIDC Core 10.1.1, RFC 7515 §4.1.4",
            f"{CORE}#RotateSigKeys",
        ),
        Fault(
            "id_token_wrong_issuer",
            ID_TOKEN,
            "`iss` of another issuer",
            "refuses",
            "OIDC Core 3.1.3.7 (2), RFC 7519 §4.1.1",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_wrong_audience",
            ID_TOKEN,
            "`aud` is another client",
            "refuses",
            "OIDC Core 3.1.3.7 (3), RFC 7519 §4.1.3",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_extra_audience",
            ID_TOKEN,
            "`aud` has an extra untrusted audience, and `azp` is missing",
            "refuses",
            "OIDC Core 3.1.3.7 (3)-(5)",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_expired",
            ID_TOKEN,
            "`exp` in the past",
            "refuses",
            "OIDC Core 3.1.3.7 (9), RFC 7519 §4.1.4",
            f"{RFC7519}#section-4.1.4",
        ),
        Fault(
            "id_token_issued_in_future",
            ID_TOKEN,
            "`iat` an hour ahead",
            "refuses",
            "OIDC Core 3.1.3.7 (10), RFC 7519 §4.1.6",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_wrong_nonce",
            ID_TOKEN,
            "`nonce` not the one the RP sent",
            "refuses",
            "OIDC Core 3.1.3.7 (11)",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_missing_nonce",
            ID_TOKEN,
            "no `nonce` although one was sent",
            "refuses",
            "OIDC Core 3.1.3.7 (11)",
            f"{CORE}#IDTokenValidation",
        ),
        Fault(
            "id_token_bad_at_hash",
            ID_TOKEN,
            "`at_hash` does not match the access token",
            "refuses",
            "OIDC Core 3.1.3.8",
            f"{CORE}#CodeFlowTokenValidation",
        ),
        Fault(
            "id_token_missing_sol_claims",
            ID_TOKEN,
            "no `ruc` / `user_type` / `roles`",
            "refuses with a clear message, never a 500",
            "OIDC Core 5.1 (claims of scope `sol`, docs/contract.md)",
            f"{CORE}#StandardClaims",
        ),
        Fault(
            "userinfo_wrong_sub",
            USERINFO,
            "userinfo `sub` differs from the ID token's",
            "refuses",
            "OIDC Core 5.3.2",
            f"{CORE}#UserInfoResponse",
        ),
        Fault(
            "key_rotation",
            ID_TOKEN,
            "ID token signed by a brand-new key, published only at that moment",
            "**accepts** after refetching JWKS",
            "OIDC Core 10.1.1",
            f"{CORE}#RotateSigKeys",
        ),
        Fault(
            "token_error",
            TOKEN_ENDPOINT,
            "the token endpoint answers `invalid_grant`",
            "shows an error, no session",
            "OIDC Core 3.1.3.4, RFC 6749 §5.2",
            f"{CORE}#TokenErrorResponse",
        ),
        Fault(
            "token_server_error",
            TOKEN_ENDPOINT,
            "the token endpoint answers HTTP 500 with an HTML body",
            'shows "SOL no responde", no session',
            "OIDC Core 3.1.3.4, RFC 6749 §5.2",
            f"{CORE}#TokenErrorResponse",
        ),
    )
}
NAMES: tuple[str, ...] = tuple(CATALOGUE)

OTHER_ISSUER = "https://otro-emisor.example"
OTHER_CLIENT = "otro-cliente"
UNTRUSTED_AUDIENCE = "audiencia-no-confiable"
SOL_CLAIMS = ("ruc", "user_type", "roles")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _other_at_hash(claims: dict, access_token: str, alg: str) -> dict:
    return dict(claims, at_hash=create_half_hash(access_token + ".otro", alg).decode())


# One change to the claims per claims fault: (claims, access token, alg) -> new claims.
CLAIM_CHANGES: dict[str, Callable[[dict, str, str], dict]] = {
    "id_token_wrong_issuer": lambda c, at, alg: dict(c, iss=OTHER_ISSUER),
    # a token issued to another client: both its audience and its authorized party
    "id_token_wrong_audience": lambda c, at, alg: dict(c, aud=OTHER_CLIENT, azp=OTHER_CLIENT),
    "id_token_extra_audience": lambda c, at, alg: {
        **{k: v for k, v in c.items() if k != "azp"},
        "aud": [c["aud"], UNTRUSTED_AUDIENCE],
    },
    "id_token_expired": lambda c, at, alg: dict(c, exp=c["iat"] - 3600),
    "id_token_issued_in_future": lambda c, at, alg: dict(c, iat=c["iat"] + 3600),
    "id_token_wrong_nonce": lambda c, at, alg: dict(c, nonce=secrets.token_urlsafe(16)),
    "id_token_missing_nonce": lambda c, at, alg: {k: v for k, v in c.items() if k != "nonce"},
    "id_token_bad_at_hash": _other_at_hash,
    "id_token_missing_sol_claims": lambda c, at, alg: {
        k: v for k, v in c.items() if k not in SOL_CLAIMS
    },
}


@dataclass(frozen=True)
class FaultyIdToken:
    token: str
    published_jwk: dict | None = None  # key_rotation: the public key JWKS must now publish


def id_token(
    name: str, header: dict, claims: dict, key, access_token: str, new_key: Callable[[str], object]
) -> FaultyIdToken:
    """The ID token SOL would have signed with ``header``/``claims``/``key``, with fault
    ``name``'s one change. ``new_key(alg)`` makes a fresh private key (the key ring's own)."""
    alg = header["alg"]
    header, claims = dict(header), dict(claims)
    published = None
    if name == "id_token_alg_none":
        header["alg"] = "none"
        header.pop("kid", None)
        with warnings.catch_warnings():  # joserfc warns that "none" is insecure: the point
            warnings.simplefilter("ignore")
            return FaultyIdToken(jwt.encode(header, claims, None, ["none"]))
    if name in ("id_token_unknown_kid", "key_rotation"):
        key = new_key(alg)
        header["kid"] = "sim-" + key.thumbprint()[:16]
        if name == "key_rotation":
            published = dict(key.as_dict(private=False), kid=header["kid"], alg=alg, use="sig")
    elif name in CLAIM_CHANGES:
        claims = CLAIM_CHANGES[name](claims, access_token, alg)
    elif name != "id_token_bad_signature":
        raise ValueError(f"{name!r} is not an ID token fault")
    token = jwt.encode(header, claims, key, [alg])
    if name == "id_token_bad_signature":
        signing_input, _, signature = token.rpartition(".")
        raw = bytearray(_unb64(signature))
        raw[len(raw) // 2] ^= 0x01  # one bit: still well-formed base64url, never verifies
        token = f"{signing_input}.{_b64(bytes(raw))}"
    return FaultyIdToken(token, published)


def userinfo(name: str, claims: dict) -> dict:
    """The userinfo claims with fault ``name``'s change."""
    if name != "userinfo_wrong_sub":
        raise ValueError(f"{name!r} is not a userinfo fault")
    return dict(claims, sub="sim-" + secrets.token_hex(8))
