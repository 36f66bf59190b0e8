"""PKCE as RFC 9700 recommends: S256 only, and required of every client (public or
confidential) unless it was registered with the legacy opt-out."""

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge

from ..domain.clients import pkce_required


def _required_for(client) -> bool:
    return pkce_required(pkce_optional=bool(getattr(client, "pkce_optional", False)))


class S256Required(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # no "plain"
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        payload = grant.request.payload.data
        if (
            not payload.get("code_challenge")
            and not payload.get("code_challenge_method")
            and _required_for(grant.request.client)
        ):
            raise InvalidRequestError("Missing 'code_challenge' (PKCE S256 is required)")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        request = grant.request
        if not request.form.get("code_verifier") and _required_for(request.client):
            # a code issued while the client had the opt-out still needs its verifier now
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)
