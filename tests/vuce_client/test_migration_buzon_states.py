"""Migration 3c9e51a7d2b4 on a database that already has trámites and buzón entries: each
entry gets its trámite's component, each trámite its component's default entity; it goes back
down cleanly (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.databases import fresh_database_url

BEFORE, AFTER = "fd64952f745b", "3c9e51a7d2b4"


def test_upgrade_backfills_and_downgrade_restores(tmp_path):
    from vuce_client import create_app
    from vuce_client.storage import db

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "IDP_PROBE_ENABLED": False,
            "DATABASE_URL": fresh_database_url("migration_buzon", tmp_path),
        }
    )
    folder = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=folder, revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO vuce_accounts (id, account_key, user_type, sol_username,"
                    " notifications_consent, last_roles, created_at, updated_at) VALUES"
                    " (1, 'sol:20123456786:OPERADO1', 'secondary', 'OPERADO1', false, '[]',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for tid, component in ((1, "MERCANCIAS_RESTRINGIDAS"), (2, "ORIGEN")):
                conn.execute(
                    sa.text(
                        "INSERT INTO vuce_tramites (id, kind, component, ruc, account_id,"
                        " subject, state, created_at) VALUES (:id, 'SUCE', :c, '20123456786', 1,"
                        " 'x', 'ENVIADO', CURRENT_TIMESTAMP)"
                    ),
                    {"id": tid, "c": component},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO vuce_notifications (account_id, ruc, tramite_id, subject,"
                        " body, created_at) VALUES (1, '20123456786', :id, 's', 'b',"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"id": tid},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO vuce_notifications (account_id, subject, body, created_at)"
                    " VALUES (1, 'general', 'b', CURRENT_TIMESTAMP)"
                )
            )

        upgrade(directory=folder, revision=AFTER)
        with db.engine.connect() as conn:
            entries = conn.execute(
                sa.text("SELECT tramite_id, component FROM vuce_notifications ORDER BY id")
            ).all()
            tramites = conn.execute(
                sa.text("SELECT component, entity, state_note FROM vuce_tramites ORDER BY id")
            ).all()
        assert [tuple(e) for e in entries] == [
            (1, "MERCANCIAS_RESTRINGIDAS"),
            (2, "ORIGEN"),
            (None, None),
        ]
        assert [tuple(t) for t in tramites] == [
            ("MERCANCIAS_RESTRINGIDAS", "DIGESA", None),
            ("ORIGEN", "MINCETUR", None),
        ]

        downgrade(directory=folder, revision=BEFORE)
        inspector = sa.inspect(db.engine)
        assert "component" not in {c["name"] for c in inspector.get_columns("vuce_notifications")}
        assert "entity" not in {c["name"] for c in inspector.get_columns("vuce_tramites")}
        db.engine.dispose()
