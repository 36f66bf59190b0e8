"""Migration 0002: live refresh tokens move to their own table; access tokens (now in the
store) are dropped with the old table, and a downgrade brings the refresh tokens back."""

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from idp import create_app
from idp.storage import db
from tests.support.databases import fresh_database_url

ROW = {
    "client_id": "rp1",
    "account": "secondary:20123456786:OPERADO1",
    "scope": "openid offline_access",
    "family": "fam1",
    "sid": "sid1",
    "auth_time": 100,
    "issued_at": 100,
    "expires_in": 600,
    "access_revoked": False,
    "rotated": False,
}


@pytest.fixture
def app(tmp_path):
    url = fresh_database_url("migration", tmp_path)
    if os.environ.get("TEST_DATABASE_URL") is None:
        url = f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    return create_app(
        {"INSTANCE_PATH": str(tmp_path), "ARGON2_PROFILE": "fast", "DATABASE_URL": url}
    )


def test_refresh_tokens_survive_the_move_and_the_way_back(app):
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0001")
        old = sa.table("issued_token", *(sa.column(c) for c in (*ROW, "access_token_hash")))
        old.append_column(sa.column("refresh_token_hash"))
        old.append_column(sa.column("refresh_expires_at"))
        old.append_column(sa.column("refresh_revoked"))
        with db.engine.begin() as conn:
            conn.execute(
                old.insert(),
                [
                    {
                        **ROW,
                        "access_token_hash": "a" * 64,
                        "refresh_token_hash": "r" * 64,
                        "refresh_expires_at": 9_999,
                        "refresh_revoked": False,
                    },
                    {
                        **ROW,
                        "access_token_hash": "b" * 64,
                        "refresh_token_hash": None,
                        "refresh_expires_at": None,
                        "refresh_revoked": False,
                    },
                ],
            )
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT token_hash, family, expires_at, revoked, rotated FROM refresh_token"
                )
            ).all()
            assert [tuple(r) for r in rows] == [("r" * 64, "fam1", 9_999, False, False)]
            assert not sa.inspect(conn).has_table("issued_token")
        downgrade(directory=directory, revision="0001")
        with db.engine.connect() as conn:
            back = conn.execute(
                sa.text("SELECT refresh_token_hash, access_revoked FROM issued_token")
            ).all()
        assert [(r[0], bool(r[1])) for r in back] == [("r" * 64, True)]
