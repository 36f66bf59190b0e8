import pytest

from tests.support.oidc import REDIRECT

RUC = "20123456786"
OTHER_RUC = "20600000013"
PASSWORD = "Clave123"


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
        post_logout_redirect_uris=["http://127.0.0.1:9/bye"],
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        scope="openid profile email sol offline_access padron",
    )
    return idp
