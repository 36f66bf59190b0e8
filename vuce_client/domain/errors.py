"""One exception class per refusal code of VUCE, each with its code, HTTP status and Spanish text.

As in ``idp/domain/errors.py`` (and node-oidc-provider), the public ``message`` is kept apart from
the private ``detail``, which is for logs and the audit trail only. Three families:

- ``LoginRefused``: why a SOL login (the callback, a token of the IdP, the IdP itself) was
  refused. ``code`` is the reason ``LOGIN_REFUSED`` audits; the page shows ``message``.
  ``TokenRejected`` is the part of them that OIDC Core §3.1.3.7, §5.3.2 and Back-Channel Logout
  §2.6 define: a token or an answer of the IdP that failed validation.
- ``ImportRefused``: a body of ``POST /api/v1/accounts`` (or of the CLI import) that breaks a
  rule; rendered as ``{"error": code, "message": message}`` with ``status``.
- ``ContingencyDisabled``: the operator's switch while ``VUCE_CONTINGENCY=off``.

Each family also derives from the built-in exception its callers have always caught
(``ValueError`` for a bad value, ``RuntimeError`` for an unavailable service).
"""

from __future__ import annotations

from . import messages as m


class _KeepMissing(dict):
    """Leaves unknown ``{placeholders}`` as they are rather than failing to render a message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class VuceError(Exception):
    """Base of every refusal of VUCE that has a code of its own."""

    code: str = "error"
    status: int = 400
    message: str = m.CALLBACK_REFUSED

    def __init__(self, detail: str = "", **params: object) -> None:
        self.detail = detail
        self.params = params
        # The instance attribute shadows the class template with the rendered text.
        self.message = type(self).message.format_map(_KeepMissing(params))
        super().__init__(f"{self.code}: {detail}" if detail else self.code)

    def to_dict(self) -> dict[str, str]:
        """The JSON error body of the API (contract.md)."""
        return {"error": self.code, "message": self.message}


# -- login refusals ----------------------------------------------------------------------------


class LoginRefused(VuceError):
    """A SOL login that opens no session; the callback audits ``code`` and shows ``message``."""


class BadState(LoginRefused, ValueError):
    """The callback's ``state`` is missing, unknown or already used (CSRF, replay)."""

    code = "bad_state"


class AccessDenied(LoginRefused):
    """SOL refused the login (``error=access_denied``): a secondary user without the VUCE
    profile (domain.md §9, Q5); the page explains how to get it."""

    code = "access_denied"
    status = 403


class IdpError(LoginRefused, ValueError):
    """The IdP answered with an error (an ``error`` in the callback, a 4xx of an endpoint)."""

    code = "idp_error"


class MissingCode(LoginRefused, ValueError):
    """The callback has neither a code nor an error."""

    code = "missing_code"


class TokenExchangeFailed(LoginRefused, ValueError):
    """The token endpoint refused the code (``invalid_grant``: replayed or forged)."""

    code = "token_exchange_failed"


class MissingIdToken(LoginRefused, ValueError):
    """The token response has no ID token."""

    code = "missing_id_token"


class IdpUnavailable(LoginRefused, RuntimeError):
    """The IdP did not answer (timeout, connection refused, 5xx, a body that is not JSON)."""

    code = "idp_unavailable"
    status = 503
    message = m.IDP_DOWN


class InvalidClaims(LoginRefused, ValueError):
    """The claims of a token or userinfo answer are missing or ill-typed (``identity``)."""

    code = "invalid_claims"
    message = m.CLAIMS_MISSING

    def __init__(self, claim: str, problem: str) -> None:
        self.claim = claim
        self.problem = problem
        super().__init__(f"claim {claim!r}: {problem}")

    def __str__(self) -> str:
        return self.detail


class TokenRejected(LoginRefused, ValueError):
    """A token or an answer of the IdP failed validation."""


class IssuerMismatch(TokenRejected):
    """Discovery 1.0 §4.3: the document's ``issuer`` is not the one VUCE trusts."""

    code = "issuer_mismatch"


class UnknownKey(TokenRejected):
    """The token names a ``kid`` the IdP's JWKS lacks, even after one refetch."""

    code = "unknown_key"


class UnsupportedAlg(TokenRejected):
    """Core §3.1.3.7 (6)-(7): ``none``, HS* or any algorithm but RS256/ES256."""

    code = "unsupported_alg"


class BadSignature(TokenRejected):
    """Core §3.1.3.7 (6): the signature does not verify."""

    code = "bad_signature"


class WrongIssuer(TokenRejected):
    """Core §3.1.3.7 (2) (and Back-Channel Logout §2.6): ``iss`` is not the IdP."""

    code = "wrong_issuer"


class WrongAudience(TokenRejected):
    """Core §3.1.3.7 (3): ``aud`` does not name this client."""

    code = "wrong_audience"


class UntrustedAudience(TokenRejected):
    """Core §3.1.3.7 (3): an audience besides this client."""

    code = "untrusted_audience"


class MissingAzp(TokenRejected):
    """Core §3.1.3.7 (4): several audiences and no ``azp``."""

    code = "missing_azp"


class WrongAzp(TokenRejected):
    """Core §3.1.3.7 (5): ``azp`` is not this client."""

    code = "wrong_azp"


class Expired(TokenRejected):
    """Core §3.1.3.7 (9): ``exp`` is past (leeway allowed)."""

    code = "expired"


class BadIat(TokenRejected):
    """Core §3.1.3.7 (10): ``iat`` is in the future or too old."""

    code = "bad_iat"


class WrongNonce(TokenRejected):
    """Core §3.1.3.7 (11): the ``nonce`` is not the one of this login."""

    code = "wrong_nonce"


class WrongAtHash(TokenRejected):
    """Core §3.1.3.8: ``at_hash`` does not match the access token."""

    code = "wrong_at_hash"


class MissingClaim(TokenRejected):
    """A claim VUCE requires is absent: ``missing_<claim>`` (the subclasses name each one)."""

    claim = "claim"

    def __init__(self, detail: str = "", *, claim: str | None = None) -> None:
        if claim is not None:
            self.claim = claim
        super().__init__(detail)

    @property
    def code(self) -> str:  # type: ignore[override]
        """``missing_<claim>``."""
        return f"missing_{self.claim}"


class MissingIss(MissingClaim):
    """No ``iss`` (Core §3.1.3.7 (2))."""

    claim = "iss"


class MissingAud(MissingClaim):
    """No ``aud`` (Core §3.1.3.7 (3))."""

    claim = "aud"


class MissingSub(MissingClaim):
    """No ``sub``: the token names nobody."""

    claim = "sub"


class MissingExp(MissingClaim):
    """No ``exp`` (Core §3.1.3.7 (9))."""

    claim = "exp"


class MissingIat(MissingClaim):
    """No ``iat`` (Core §3.1.3.7 (10))."""

    claim = "iat"


class MissingNonce(MissingClaim):
    """No ``nonce``: VUCE always sends one (Core §3.1.3.7 (11))."""

    claim = "nonce"


class InvalidClaim(TokenRejected):
    """Any other claim Authlib refuses (``invalid_<claim>``); the named ones have classes."""

    def __init__(self, claim: str, detail: str = "") -> None:
        self.claim = claim
        super().__init__(detail)

    @property
    def code(self) -> str:  # type: ignore[override]
        """``invalid_<claim>``."""
        return f"invalid_{self.claim}"


class UserinfoRefused(TokenRejected):
    """The userinfo endpoint refused the access token (a 4xx)."""

    code = "userinfo_refused"


class UserinfoSubMismatch(TokenRejected):
    """Core §5.3.2: the userinfo ``sub`` is not the ID token's."""

    code = "userinfo_sub_mismatch"


class MissingJti(TokenRejected):
    """Back-Channel Logout §2.6: a logout token needs a ``jti``."""

    code = "missing_jti"


class MissingEvent(TokenRejected):
    """Back-Channel Logout §2.6: the back-channel logout event is missing."""

    code = "missing_event"


class MissingSubAndSid(TokenRejected):
    """Back-Channel Logout §2.6: a logout token names a ``sub``, a ``sid`` or both."""

    code = "missing_sub_and_sid"


class NoncePresent(TokenRejected):
    """Back-Channel Logout §2.4: a logout token MUST NOT contain a nonce."""

    code = "nonce_present"


class ClientCredentialsRefused(TokenRejected):
    """The token endpoint refused VUCE's client_credentials grant (padrón lookups)."""

    code = "client_credentials_refused"


MISSING_CLAIMS: dict[str, type[MissingClaim]] = {
    c.claim: c for c in (MissingIss, MissingAud, MissingSub, MissingExp, MissingIat, MissingNonce)
}
INVALID_CLAIMS: dict[str, type[TokenRejected]] = {
    "iss": WrongIssuer,
    "aud": WrongAudience,
    "azp": WrongAzp,
    "iat": BadIat,
    "nonce": WrongNonce,
    "at_hash": WrongAtHash,
}


# -- account import ----------------------------------------------------------------------------


class ImportRefused(VuceError, ValueError):
    """An import payload breaks a rule; the API answers ``status`` with ``to_dict()``."""

    status = 422


class InvalidBody(ImportRefused):
    """The body is not a JSON object."""

    code = "invalid_body"
    message = m.IMPORT_INVALID_BODY


class UnknownFields(ImportRefused):
    """The body has fields the contract does not define."""

    code = "unknown_fields"
    message = m.IMPORT_UNKNOWN_FIELDS  # {fields}


class InvalidUserType(ImportRefused):
    """``user_type`` is not principal, secondary or extranet."""

    code = "invalid_user_type"
    message = m.IMPORT_INVALID_USER_TYPE


class InvalidSolUsername(ImportRefused):
    """``sol_username`` is missing or empty."""

    code = "invalid_sol_username"
    message = m.IMPORT_INVALID_SOL_USERNAME


class InvalidRuc(ImportRefused):
    """The RUC breaks §3.1 (``peru_ids``)."""

    code = "invalid_ruc"
    message = m.IMPORT_INVALID_RUC


class ExtranetWithRuc(InvalidRuc):
    """An Extranet official has no RUC (§3.4)."""

    message = m.IMPORT_EXTRANET_RUC


class InvalidEmail(ImportRefused):
    """The e-mail breaks §3.5 (``peru_ids``)."""

    code = "invalid_email"
    message = m.IMPORT_INVALID_EMAIL


class InvalidNotificationsConsent(ImportRefused):
    """``notifications_consent`` is not a boolean."""

    code = "invalid_notifications_consent"
    message = m.IMPORT_INVALID_CONSENT


class InvalidLastRoles(ImportRefused):
    """``last_roles`` is not a list of role codes."""

    code = "invalid_last_roles"
    message = m.IMPORT_INVALID_LAST_ROLES


class InvalidLastStatus(ImportRefused):
    """``last_status`` is not an estado of §5.5."""

    code = "invalid_last_status"
    message = m.IMPORT_INVALID_LAST_STATUS


class InvalidRegisteredAs(ImportRefused):
    """``registered_as`` is not EMPRESA, AGENTE_ADUANA or LABORATORIO."""

    code = "invalid_registered_as"
    message = m.IMPORT_INVALID_REGISTERED_AS


class SectionNotSecondary(InvalidRegisteredAs):
    """Only a secondary user registers as an agent or a laboratory (§6.4)."""

    message = m.IMPORT_SECTION_NOT_SECONDARY


class InvalidNames(ImportRefused):
    """``names`` is not a string of at most 200 characters."""

    code = "invalid_names"
    message = m.IMPORT_INVALID_NAMES


# -- contingency -------------------------------------------------------------------------------


class ContingencyDisabled(VuceError, RuntimeError):
    """``VUCE_CONTINGENCY=off``: nobody can switch contingency on."""

    code = "contingency_disabled"
    status = 409
    message = m.CONTINGENCY_DISABLED
