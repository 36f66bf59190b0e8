"""Drive the code + PKCE flow with Authlib's OAuth2 client and the scripted agent."""

import secrets

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from .agent import Agent

REDIRECT = "http://127.0.0.1:9/cb"


def discover(issuer: str) -> dict:
    return requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()


class Flow:
    """One relying party (client) + one browser (agent) against a live issuer."""

    def __init__(
        self,
        issuer,
        client_id,
        client_secret=None,
        redirect_uri=REDIRECT,
        scope="openid profile email sol",
        agent=None,
        auth_method=None,
    ):
        self.issuer = issuer
        self.meta = discover(issuer)
        self.redirect_uri = redirect_uri
        self.client = OAuth2Session(
            client_id,
            client_secret,
            scope=scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=30,
            token_endpoint_auth_method=auth_method
            or ("client_secret_basic" if client_secret else "none"),
        )
        self.agent = agent or Agent()
        self.verifier = generate_token(48)
        self.nonce = secrets.token_urlsafe(12)

    def authorize_url(self, **params):
        url, self.state = self.client.create_authorization_url(
            self.meta["authorization_endpoint"],
            code_verifier=self.verifier,
            nonce=self.nonce,
            **params,
        )
        return url

    def start(self, **params):
        """Open the authorization URL; returns the login page or the redirect to the RP."""
        return self.agent.get(self.authorize_url(**params), stop_prefix=self.redirect_uri)

    def login(self, page, ruc, usuario, clave):
        """Fill the SOL form on ``page``."""
        return self.agent.submit(
            page, {"ruc": ruc, "usuario": usuario, "clave": clave}, stop_prefix=self.redirect_uri
        )

    def token(self, callback_url, **kwargs):
        return self.client.fetch_token(
            self.meta["token_endpoint"],
            authorization_response=callback_url,
            code_verifier=self.verifier,
            **kwargs,
        )

    def post_code(self, code):
        """The token endpoint's raw answer to this flow's code exchange, whatever its status."""
        return requests.post(
            self.meta["token_endpoint"],
            auth=(self.client.client_id, self.client.client_secret),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier,
            },
            timeout=30,
        )

    def full_login(self, ruc, usuario, clave, **params):
        """authorize → login → callback → token; returns the token response."""
        page = self.start(**params)
        result = (
            self.login(page, ruc, usuario, clave)
            if hasattr(page, "status_code") and not hasattr(page, "location")
            else page
        )
        assert hasattr(result, "location"), getattr(result, "text", "")[:500]
        return self.token(result.location)

    def id_claims(self, id_token, verify=True):
        keys = KeySet.import_key_set(requests.get(self.meta["jwks_uri"], timeout=30).json())
        return jwt.decode(id_token, keys, algorithms=["RS256", "ES256"]).claims
