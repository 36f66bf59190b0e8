"""Security checks against a live IdP (the suite's shared one, emptied per test)."""

import pytest

from tests.support.oidc import REDIRECT

RUC = "20123456786"
PASSWORD = "Clave123"
LOGOUT_URI = "http://127.0.0.1:9/bye"


@pytest.fixture
def sol(idp):
    """A RUC with a principal and an operator, and a first-party confidential client."""
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1")
    idp.rp_secret = idp.register_client(
        "rp1",
        secret="s3cret-rp1",
        redirect_uris=[REDIRECT],
        first_party=True,
        post_logout_redirect_uris=[LOGOUT_URI],
        grant_types=["authorization_code", "refresh_token"],
        scope="openid profile email sol offline_access",
    )
    return idp


# The contingency attacks run against the contingency suite's live VUCE (auto mode, SMTP sink).
from tests.contingency.conftest import (  # noqa: E402
    _no_outage_leaks,  # noqa: F401
    cvuce,  # noqa: F401
    cvuce_session,  # noqa: F401
    smtp_sink,  # noqa: F401
)
