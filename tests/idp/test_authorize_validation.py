"""An authorization request is validated once per /authorize request, though Authlib asks twice
(consent decision, then the response); a bad request still gets the same errors."""

import pytest
from authlib.oauth2.rfc6749 import grants

from tests.support.oidc import Flow

from .conftest import PASSWORD, RUC


@pytest.fixture
def validations(monkeypatch):
    """How many times Authlib's own validation of a code request really ran."""
    runs = []
    original = grants.AuthorizationCodeGrant.validate_authorization_request

    def counted(self):
        runs.append(self.request.payload.client_id)
        return original(self)

    monkeypatch.setattr(grants.AuthorizationCodeGrant, "validate_authorization_request", counted)
    return runs


def test_sso_authorization_validates_once(sol, validations):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    flow.full_login(RUC, "OPERADO1", PASSWORD)
    validations.clear()
    again = Flow(sol.url, "rp1", "s3cret-rp1", agent=flow.agent)
    result = again.start()  # the SSO session is open: straight back with a code
    assert hasattr(result, "location") and "code=" in result.location
    assert validations == ["rp1"]
    assert again.token(result.location)["access_token"]


def test_errors_found_by_validation_are_unchanged(sol, validations):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    flow.full_login(RUC, "OPERADO1", PASSWORD)
    again = Flow(sol.url, "rp1", "s3cret-rp1", agent=flow.agent)
    # PKCE method the server refuses: an error redirect to the (validated) redirect_uri.
    url = again.authorize_url().replace("code_challenge_method=S256", "code_challenge_method=plain")
    refused = again.agent.get(url, stop_prefix=again.redirect_uri)
    assert "error=invalid_request" in refused.location
    # An unregistered redirect_uri is never redirected to.
    bad = again.agent.get(
        again.authorize_url().replace("127.0.0.1%3A9", "evil.example"),
        stop_prefix=again.redirect_uri,
    )
    assert not hasattr(bad, "location") and bad.status_code == 400
