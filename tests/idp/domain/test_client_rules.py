"""Who may introspect what, and who must use PKCE (issue #16, items 5 and 7)."""

import pytest

from idp.domain.clients import may_introspect, may_serve_account, pkce_required


@pytest.mark.parametrize(
    "token_client,caller,resource_server,allowed",
    [
        ("rp1", "rp1", False, True),  # its own token
        ("rp1", "rp2", False, False),  # another client's: {"active": false}
        ("rp1", "api1", True, True),  # a registered resource server
        (None, "rp2", False, False),
    ],
)
def test_may_introspect(token_client, caller, resource_server, allowed):
    assert (
        may_introspect(
            token_client_id=token_client,
            caller_client_id=caller,
            caller_is_resource_server=resource_server,
        )
        is allowed
    )


def test_pkce_is_required_unless_the_client_opted_out():
    assert pkce_required(pkce_optional=False) is True
    assert pkce_required(pkce_optional=True) is False


@pytest.mark.parametrize(
    ("active", "accepts", "served"),
    [(True, False, True), (True, True, True), (False, True, True), (False, False, False)],
)
def test_an_inactive_account_reaches_only_clients_that_ask_for_it(active, accepts, served):
    assert may_serve_account(account_active=active, accepts_inactive_accounts=accepts) is served
