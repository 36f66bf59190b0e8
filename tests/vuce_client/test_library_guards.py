"""Guards for what VUCE's relying party leans on in Authlib's private behaviour: each fails
with a message naming the code to review when an upgrade changes it.

- ``vuce_client.oidc.VuceOAuthApp._get_oauth_client``: Authlib builds the HTTP session of the
  token exchange and of userinfo (``request``) there, so the override adds X-Request-ID to
  those calls (the IdP's log lines of a login carry VUCE's request id).
"""

import inspect

from authlib.integrations.base_client.sync_app import OAuth2Mixin
from authlib.integrations.flask_client import FlaskOAuth2App

from vuce_client.oidc import VuceOAuthApp

REVIEW = "review vuce_client/oidc.py VuceOAuthApp._get_oauth_client after this Authlib upgrade"


def test_authlib_still_makes_its_http_sessions_in_get_oauth_client():
    assert issubclass(VuceOAuthApp, FlaskOAuth2App)
    private = getattr(OAuth2Mixin, "_get_oauth_client", None)
    assert callable(private), f"Authlib no longer has OAuth2Mixin._get_oauth_client: {REVIEW}"
    for method in ("fetch_access_token", "request"):
        source = inspect.getsource(getattr(OAuth2Mixin, method))
        assert "self._get_oauth_client(" in source, (
            f"Authlib's OAuth2Mixin.{method} no longer builds its session through "
            f"_get_oauth_client: {REVIEW}"
        )
