"""Fault tests: a live IdP on private Redis/PostgreSQL instances that the tests stop/start."""

import uuid

import pytest

from idp.testing import start_idp
from tests.faults.services import private_pg, private_redis  # noqa: F401 (fixtures)
from tests.support.oidc import REDIRECT

RUC = "20123456786"
USER = "OPERADO1"
PASSWORD = "Clave123"
CLIENT_ID, CLIENT_SECRET = "rp1", "s3cret-rp1"


@pytest.fixture
def faults_idp(tmp_path, private_pg, private_redis):  # noqa: F811
    """A live IdP whose database and store the test may take down."""
    url = private_pg.create_database(f"faults_{uuid.uuid4().hex[:10]}")
    handle = start_idp(
        str(tmp_path),
        database_url=url,
        redis_url=private_redis.url,
        SECRET_KEY="faults-secret-key-0123456789abcdef",
    )
    handle.pg = private_pg
    handle.redis = private_redis
    handle.create_taxpayer(RUC)
    handle.create_user(RUC, USER)
    handle.register_client(
        CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT],
        first_party=True,
        grant_types=["authorization_code", "refresh_token"],
        scope="openid profile email sol offline_access",
    )
    yield handle
    handle.stop()
    if not private_pg.up:  # a failed test may have left it down; the next one needs it
        private_pg.start()
    from idp.storage import db

    with handle.app.app_context():
        db.engine.dispose()
