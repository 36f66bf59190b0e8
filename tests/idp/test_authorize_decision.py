"""``oidc.authorize.decide`` without Flask: the ordered checks of an authorization request
(the flows against the live IdP are in test_oidc_flows.py)."""

from types import SimpleNamespace

import pytest

from idp.oidc import authorize as authz

NOW = 1_000_000.0
CLIENT = SimpleNamespace(
    client_id="rp1", first_party=True, accepts_inactive_accounts=False, required_profile=None
)


def _request(params=None, *, account=True, fresh=False, prompt=None, active=True, denied=False):
    grant = SimpleNamespace(
        client=CLIENT,
        redirect_uri="https://rp.example/cb",
        prompt=prompt,
        request=SimpleNamespace(scope="openid"),
    )
    user = SimpleNamespace(key="principal:1", user_type="principal", is_active=active)
    return authz.Request(
        server=None,
        grant=grant,
        params={"state": "s1", **(params or {})},
        sso=SimpleNamespace(auth_time=NOW - 600) if account else None,
        account=user if account else None,
        fresh=fresh,
        denied=denied,
        now=NOW,
    )


def test_the_checks_run_in_the_documented_order():
    assert [c.__name__ for c in authz.CHECKS] == [
        "request_objects_refused",
        "user_denied",
        "login_needed",
        "account_may_use_client",
        "consent_needed",
    ]


def test_a_logged_in_user_of_a_first_party_client_gets_a_code():
    assert authz.decide(_request()).step == authz.ISSUE


@pytest.mark.parametrize(
    ("params", "step", "error"),
    [
        ({"max_age": "60"}, authz.LOGIN, None),
        ({"max_age": "3600"}, authz.ISSUE, None),
        ({"max_age": "60", "prompt": "none"}, authz.REFUSE, "login_required"),
        ({"max_age": "soon"}, authz.REFUSE, "invalid_request"),
        ({"login_type": "extranet"}, authz.LOGIN, None),
        ({"request": "eyJ..."}, authz.REFUSE, "request_not_supported"),
    ],
)
def test_max_age_login_type_and_request_objects(params, step, error):
    decision = authz.decide(_request(params))
    assert decision.step == step
    assert (decision.error.error if decision.error else None) == error
    if error:
        assert decision.error.redirect_uri == "https://rp.example/cb"
        assert decision.error.state == "s1"


def test_a_fresh_login_satisfies_prompt_login_and_max_age():
    stale = {"max_age": "0"}
    assert authz.decide(_request(stale, prompt="login")).step == authz.LOGIN
    assert authz.decide(_request(stale, prompt="login", fresh=True)).step == authz.ISSUE


def test_nobody_logged_in_goes_to_the_form_of_the_login_type():
    decision = authz.decide(_request({"login_type": "extranet"}, account=False))
    assert (decision.step, decision.login_type) == (authz.LOGIN, "extranet")
    assert authz.decide(_request(account=False)).login_type == "sol"


def test_the_users_deny_comes_before_anything_else_of_the_user():
    decision = authz.decide(_request({"max_age": "0"}, denied=True))
    assert decision.error.error == "access_denied"


def test_an_inactive_account_is_refused_by_a_client_that_did_not_ask_for_it():
    decision = authz.decide(_request(active=False))
    assert decision.error.error == "access_denied"
