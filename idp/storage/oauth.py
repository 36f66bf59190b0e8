"""OAuth clients, refresh-token families, consents and signing keys."""

import hashlib
import hmac

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import UniqueConstraint

from .db import db, utcnow


def secret_hash(value: str) -> str:
    """SHA-256 hex of a high-entropy secret (client secrets, token values)."""
    return hashlib.sha256(value.encode()).hexdigest()


class ClientChecks(ClientMixin):
    """What Authlib's endpoints ask of a client (metadata, redirect URI, secret, grant and
    scope checks), written once for the ORM row and for its read-only snapshot
    (``services.clients.ClientSnapshot``): both only need the column attributes."""

    @property
    def client_metadata(self) -> dict:
        """The registration metadata Authlib's endpoints read."""
        return {
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris or []),
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "id_token_signed_response_alg": self.id_token_signed_response_alg,
        }

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # Only a single registered URI may be implied (RFC 6749 §3.1.2.3).
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(scope_to_list(self.scope))
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        # Exact string match only: no prefix or pattern matching (open-redirect safe).
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        if not self.client_secret_hash or client_secret is None:
            return False
        return hmac.compare_digest(self.client_secret_hash, secret_hash(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class OAuthClient(db.Model, ClientChecks):
    """A registered relying party; the secret is kept only as a SHA-256 hash."""

    __tablename__ = "oauth_client"
    id = db.Column(db.Integer, primary_key=True)
    client_id = db.Column(db.String(100), nullable=False, unique=True)
    client_secret_hash = db.Column(db.String(64))
    token_endpoint_auth_method = db.Column(db.String(30), nullable=False)
    redirect_uris = db.Column(db.JSON, nullable=False, default=list)
    post_logout_redirect_uris = db.Column(db.JSON, nullable=False, default=list)
    backchannel_logout_uri = db.Column(db.String(500))
    grant_types = db.Column(db.JSON, nullable=False, default=list)
    scope = db.Column(db.String(500), nullable=False)
    first_party = db.Column(db.Boolean, nullable=False, default=False)
    accepts_inactive_accounts = db.Column(db.Boolean, nullable=False, default=False)
    # a resource server: may introspect every client's tokens (RFC 7662 §4)
    introspection = db.Column(db.Boolean, nullable=False, default=False, server_default=sa.false())
    # legacy opt-out of PKCE (RFC 9700 wants it of every client); off unless asked for
    pkce_optional = db.Column(db.Boolean, nullable=False, default=False, server_default=sa.false())
    required_profile = db.Column(db.String(64))
    id_token_signed_response_alg = db.Column(db.String(10), nullable=False, default="RS256")
    name = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class RefreshToken(db.Model):
    """One refresh token of a family (a code's grant and every rotation from it); only its
    hash is stored. Access tokens are short-lived and live in the store, not here."""

    __tablename__ = "refresh_token"
    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    family = db.Column(db.String(64), nullable=False, index=True)
    client_id = db.Column(db.String(100), nullable=False)
    account = db.Column(db.String(64), index=True)
    scope = db.Column(db.String(500), nullable=False, default="")
    sid = db.Column(db.String(64))
    auth_time = db.Column(db.Integer)
    issued_at = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False)
    revoked = db.Column(db.Boolean, nullable=False, default=False)
    rotated = db.Column(db.Boolean, nullable=False, default=False)


class Consent(db.Model):
    """Scopes an account granted to a third-party client."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("account", "client_id", name="uq_consent_account_client"),)
    id = db.Column(db.Integer, primary_key=True)
    account = db.Column(db.String(64), nullable=False)
    client_id = db.Column(db.String(100), nullable=False)
    scope = db.Column(db.String(500), nullable=False)
    granted_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class SigningKey(db.Model):
    """A JWK pair; published from created_at, signs from not_before, kept until expires_at."""

    __tablename__ = "signing_key"
    kid = db.Column(db.String(64), primary_key=True)
    alg = db.Column(db.String(10), nullable=False)
    private_jwk = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.Integer, nullable=False)
    not_before = db.Column(db.Integer, nullable=False)
    retired_at = db.Column(db.Integer)
    expires_at = db.Column(db.Integer)
