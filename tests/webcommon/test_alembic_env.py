"""The shared Alembic environment: upgrading inside a running process leaves the apps'
loggers alive (Flask-Migrate's template disabled every existing logger)."""

import logging

from flask_migrate import upgrade


def test_upgrade_in_process_keeps_existing_loggers(tmp_path):
    from tests.support.databases import fresh_database_url
    from vuce_client import create_app

    watched = logging.getLogger("vuce_client.auth")
    assert not watched.disabled
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "IDP_PROBE_ENABLED": False,
            "DATABASE_URL": fresh_database_url("alembic_env", tmp_path),
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from sqlalchemy import inspect

        from vuce_client.storage import db

        assert "vuce_audit_events" in inspect(db.engine).get_table_names()
    assert not watched.disabled
    assert not logging.getLogger("idp.config").disabled
