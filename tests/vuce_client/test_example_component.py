"""The separate example component app: SOL login through the real IdP, SSO with VUCE."""

from __future__ import annotations

from examples.component_app import create_app
from tests.support.agent import Agent
from tests.support.live import LiveServer, free_port

from .conftest import sol_login, text_of

RUC = "20123456786"
OP = "VUCE.USUARIO.OPERACION"


def test_example_component_gets_sso_with_vuce(idp, vuce, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "BASE_URL": base,
            "DATABASE_URL": vuce.app.config["DATABASE_URL"],
            "REDIS_URL": vuce.app.config["REDIS_URL"],
            "IDP_ISSUER": idp.url,
            "SECRET_KEY": "example-secret-key-0123456789",
            "CLIENT_ID_EJEMPLO": "vuce-ejemplo",
            "CLIENT_SECRET_EJEMPLO": "ejemplo-secret-0123456789",
        }
    )
    idp.register_client(
        "vuce-ejemplo",
        secret="ejemplo-secret-0123456789",
        redirect_uris=[f"{base}/ejemplo/callback"],
        post_logout_redirect_uris=[f"{base}/ejemplo/logged-out"],
        backchannel_logout_uri=f"{base}/ejemplo/backchannel-logout",
        first_party=True,
        accepts_inactive_accounts=True,
    )
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    vuce.import_account(
        user_type="principal",
        ruc=RUC,
        sol_username="PRINCIPA",
        last_roles=[],
        registered_as="EMPRESA",
    )
    vuce.import_account(
        user_type="secondary",
        ruc=RUC,
        sol_username="OPERADO1",
        names="ROSA QUISPE",
        email="rq@example.com",
        last_roles=[OP],
        registered_as="EMPRESA",
    )
    server = LiveServer(app, port).start()
    try:
        agent = Agent()
        assert sol_login(agent, vuce, "MR", RUC, "OPERADO1").url == f"{vuce.url}/mr/"
        # the separate app: SSO at the IdP, no password asked
        page = agent.get(f"{base}/ejemplo/login")
        assert page.url == f"{base}/ejemplo/", page.url
        assert text_of(page.text, "who") == "ROSA QUISPE"
        assert "Mesa de Ayuda" in page.text
        # VUCE's own session is untouched (separate cookies)
        assert agent.get(f"{vuce.url}/mr/").url == f"{vuce.url}/mr/"
    finally:
        server.stop()
