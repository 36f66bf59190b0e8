"""pytest plugin: the ``sol_idp`` fixture, a live SOL IdP for relying-party tests.

Installed with the package (entry point ``sol_idp``). Example::

    def test_login(sol_idp):
        sol_idp.create_taxpayer("20123456786")
        sol_idp.register_client("my-rp", secret="s3cret", redirect_uris=["http://127.0.0.1:8000/cb"])
        # point your relying party at sol_idp.issuer, or mint tokens directly:
        tokens = sol_idp.login("20123456786", "PRINCIPA", client_id="my-rp", client_secret="s3cret")
        claims = sol_idp.claims(tokens["id_token"])
        with sol_idp.outage("down"):      # PUT /api/v1/sim/outage
            ...
        with sol_idp.rp_fault("id_token_wrong_audience", client_id="my-rp"):
            ...                           # your RP must refuse the next login

The IdP lives for the whole session: use distinct RUCs / client ids per test. The fault names
are ``idp.oidc.faults.NAMES`` (README, "Testing your relying party").
"""

import pytest

from .handle import SolIdp, start_idp


@pytest.fixture(scope="session")
def sol_idp(tmp_path_factory) -> SolIdp:
    """A live IdP (SQLite + in-process store) for the whole test session."""
    handle = start_idp(str(tmp_path_factory.mktemp("sol_idp")))
    yield handle
    handle.stop()
