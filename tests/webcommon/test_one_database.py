"""Both apps in ONE database: each keeps its revision in its own version table, no table of
one is a table of the other, and a database migrated with Alembic's default `alembic_version`
is adopted on the next upgrade (issue 13, item 9). PostgreSQL when TEST_DATABASE_URL is set."""

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from tests.support.databases import fresh_database_url


def _apps(url, tmp_path):
    from idp import create_app as create_idp
    from vuce_client import create_app as create_vuce

    common = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url}
    return create_idp(dict(common)), create_vuce({**common, "IDP_PROBE_ENABLED": False})


def _upgrade(app):
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)


def _head(app) -> str:
    directory = app.extensions["migrate"].directory
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(directory)
        return ScriptDirectory.from_config(config).get_current_head()


def _versions(url, table) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return []
            return list(conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalars())
    finally:
        engine.dispose()


def _tables(url) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_both_apps_migrate_into_one_database(tmp_path):
    from idp.storage.db import db as idp_db
    from vuce_client.storage import db as vuce_db

    url = fresh_database_url("one_db", tmp_path)
    idp, vuce = _apps(url, tmp_path)
    assert not set(idp_db.metadata.tables) & set(vuce_db.metadata.tables)  # no clashing names
    _upgrade(idp)
    _upgrade(vuce)
    _upgrade(idp)  # again: nothing to do, nothing breaks
    assert _versions(url, "idp_alembic_version") == [_head(idp)]
    assert _versions(url, "vuce_alembic_version") == [_head(vuce)]
    tables = _tables(url)
    assert "alembic_version" not in tables
    assert set(idp_db.metadata.tables) | set(vuce_db.metadata.tables) <= tables
    # both apps work on it: the IdP publishes its keys, VUCE answers its readiness probe
    idp_after, vuce_after = _apps(url, tmp_path)
    assert idp_after.test_client().get("/jwks").get_json()["keys"]
    assert vuce_after.test_client().get("/readyz").status_code == 200


def _upgrade_with_default_version_table(app):
    args = app.extensions["migrate"].configure_args
    table = args.pop("version_table")
    try:
        _upgrade(app)
    finally:
        args["version_table"] = table


def test_a_database_migrated_with_alembic_version_is_adopted(tmp_path):
    url = fresh_database_url("adopt", tmp_path)
    idp, _vuce = _apps(url, tmp_path)
    _upgrade_with_default_version_table(idp)  # as every release before this one did
    assert _versions(url, "alembic_version") == [_head(idp)]
    _upgrade(idp)
    assert _versions(url, "idp_alembic_version") == [_head(idp)]
    assert "alembic_version" not in _tables(url)  # empty once adopted: dropped


def test_adoption_takes_only_its_own_revision(tmp_path):
    url = fresh_database_url("adopt_mixed", tmp_path)
    idp, vuce = _apps(url, tmp_path)
    _upgrade_with_default_version_table(vuce)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a revision that is neither app's (another tool's)
        conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('f00dcafe0001')"))
    engine.dispose()
    _upgrade(vuce)
    _upgrade(idp)  # nothing of the IdP's in alembic_version: a plain fresh upgrade
    assert _versions(url, "vuce_alembic_version") == [_head(vuce)]
    assert _versions(url, "idp_alembic_version") == [_head(idp)]
    assert _versions(url, "alembic_version") == ["f00dcafe0001"]
