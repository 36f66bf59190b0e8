"""Who may do what with tokens, by client registration (pure)."""


def may_introspect(
    *, token_client_id: str | None, caller_client_id: str, caller_is_resource_server: bool
) -> bool:
    """RFC 7662 §2.2 and §4: a client learns about its own tokens; only a client registered
    as a resource server (``clients add --introspection``) about every client's. Everybody
    else is told ``{"active": false}``, as for a token that does not exist."""
    return caller_is_resource_server or token_client_id == caller_client_id


def pkce_required(*, pkce_optional: bool) -> bool:
    """RFC 9700 §2.1.1: PKCE (S256) for every client, public or confidential; a legacy relying
    party may be registered with the opt-out (``clients add --pkce-optional``)."""
    return not pkce_optional


def may_serve_account(*, account_active: bool, accepts_inactive_accounts: bool) -> bool:
    """A suspended or deleted account reaches only the clients registered to receive it
    (domain.md §9, Q1: they read ``account_status`` and decide); others refuse it, at login
    (access_denied) and at refresh (invalid_grant)."""
    return account_active or accepts_inactive_accounts
