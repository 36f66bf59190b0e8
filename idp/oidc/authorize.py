"""The authorization endpoint's decision (OIDC Core §3.1.2): one ordered list of small checks.

Authlib validates the request first (client, redirect URI, response type, PKCE, nonce) and
reads ``prompt`` (§3.1.2.1): ``grant.prompt`` is "login" when nobody is logged in or the client
asked for prompt=login, and prompt=none without a session is already ``login_required``. What
is left to the provider is decided here, in this order:

1. request objects are refused (§6.1, §6.2: discovery says they are not supported);
2. the user's "deny" on the consent page;
3. a login (again): no session, prompt=login, max_age, an id_token_hint naming another user,
   SOL's login_type; with prompt=none that is ``login_required`` instead (§3.1.2.6);
4. whether this account may use this client: inactive accounts only for clients that ask for
   them, the client's required profile (``domain.profiles.has_vuce_access``);
5. consent of a third-party client's scopes (prompt=none: ``consent_required``);
6. else a code is issued.

The view carries the decision out (pages, redirects, the pending request in the store); no
rule is decided there, and nothing here reads the Flask request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from joserfc import jwt
from joserfc.errors import JoseError

from .. import metrics
from ..domain import clients as clients_domain
from ..domain import messages
from ..domain import profiles as profile_rules
from ..services import consents, rp_faults, snapshots

ISSUE, LOGIN, CONSENT, REFUSE = "issue", "login", "consent", "refuse"


@dataclass(frozen=True)
class Decision:
    """What the view does: issue a code, show the login or consent page, or refuse (an
    OAuth error, answered at the validated redirect URI)."""

    step: str
    error: OAuth2Error | None = None
    login_type: str = "sol"  # LOGIN: the SOL form or the Extranet one


@dataclass(frozen=True)
class Request:
    """An authorization request Authlib has validated, and who is asking."""

    server: Any  # oidc.server.SolAuthorizationServer
    grant: Any  # the validated code grant: client, redirect_uri, prompt, request.scope
    params: Mapping[str, str]
    sso: Any  # services.sessions.SsoSession, or None
    account: Any  # services.accounts.Account, or None
    fresh: bool  # the user has just logged in for this very request
    denied: bool = False  # the user said no on the consent page
    now: float = field(default_factory=time.time)

    @property
    def prompts(self) -> set[str]:
        return set(self.params.get("prompt", "").split())

    def refuse(self, error_class, **kwargs) -> Decision:
        error = error_class(
            redirect_uri=self.grant.redirect_uri, state=self.params.get("state"), **kwargs
        )
        return Decision(REFUSE, error)


def request_objects_refused(req: Request) -> Decision | None:
    """§6.1/§6.2: a request carrying a request object is refused, never served as if the
    parameter were absent."""
    if "request" in req.params:
        return req.refuse(RequestNotSupportedError)
    if "request_uri" in req.params:
        return req.refuse(RequestURINotSupportedError)
    return None


def user_denied(req: Request) -> Decision | None:
    """The user said no on the consent page."""
    if req.denied:
        return req.refuse(AccessDeniedError, description=messages.OAUTH_ACCESS_DENIED_USER)
    return None


def login_needed(req: Request) -> Decision | None:
    """§3.1.2.1: a (new) login, or login_required under prompt=none; a malformed max_age or
    id_token_hint is an invalid request."""
    needed, bad_param = _must_log_in(req)
    if bad_param:
        return req.refuse(InvalidRequestError, description=f"Invalid '{bad_param}'.")
    if not needed:
        return None
    if "none" in req.prompts:
        return req.refuse(LoginRequiredError)
    extranet = req.params.get("login_type") == "extranet"
    return Decision(LOGIN, login_type="extranet" if extranet else "sol")


def _must_log_in(req: Request) -> tuple[bool, str | None]:
    """(login needed?, the malformed parameter or None)."""
    if req.account is None:
        return True, None
    if req.fresh:
        return False, None
    if req.grant.prompt == "login":  # Authlib's reading of prompt=login
        return True, None
    max_age = req.params.get("max_age")
    if max_age is not None:
        if not max_age.isdigit():
            return False, "max_age"
        if req.now - req.sso.auth_time > int(max_age):
            return True, None
    hint = req.params.get("id_token_hint")
    if hint:
        claims = decode_id_token_hint(req.server, hint)
        if claims is None:
            return False, "id_token_hint"
        if claims.get("sub") != req.server.subject(req.account):
            return True, None
    if req.params.get("login_type") == "extranet" and req.account.user_type != "extranet":
        return True, None
    return False, None


def account_may_use_client(req: Request) -> Decision | None:
    """Inactive accounts only for clients that asked for them (domain.md §9, Q1); a client's
    required profile for secondary users (Q5: the VUCE components want ADUANAS.VUCE)."""
    client, account = req.grant.client, req.account
    if not clients_domain.may_serve_account(
        account_active=account.is_active,
        accepts_inactive_accounts=client.accepts_inactive_accounts,
    ):
        metrics.count_login("inactive")
        return req.refuse(AccessDeniedError, description=messages.OAUTH_ACCESS_DENIED_INACTIVE)
    required = client.required_profile
    if required and not profile_rules.has_vuce_access(
        account.user_type, snapshots.identity(account).profiles, required
    ):
        description = messages.OAUTH_ACCESS_DENIED_PROFILE.format(profile=required)
        return req.refuse(AccessDeniedError, description=description)
    return None


def consent_needed(req: Request) -> Decision | None:
    """A third-party client needs the user's consent to its scopes (first-party ones not)."""
    client = req.grant.client
    if client.first_party or consents.covers(
        req.account.key, client.client_id, req.grant.request.scope
    ):
        return None
    if "none" in req.prompts:
        return req.refuse(ConsentRequiredError)
    return Decision(CONSENT)


CHECKS: tuple[Callable[[Request], Decision | None], ...] = (
    request_objects_refused,
    user_denied,
    login_needed,
    account_may_use_client,
    consent_needed,
)


def decide(req: Request) -> Decision:
    """The first check that has something to say, else a code is issued."""
    decisions = (check(req) for check in CHECKS)  # lazily: later checks may not run
    return next((d for d in decisions if d is not None), Decision(ISSUE))


def decode_id_token_hint(server, token: str) -> dict | None:
    """Claims of an ID token we issued (expired ones are fine: §3.1.2.1), checked against the
    key ring and the keys the RP test bench published; None when it is not ours."""
    keys = rp_faults.verification_keys(server.keyring, server.store, server.config)
    try:
        return dict(jwt.decode(token, keys, algorithms=["RS256", "ES256"]).claims)
    except (JoseError, ValueError):
        return None
