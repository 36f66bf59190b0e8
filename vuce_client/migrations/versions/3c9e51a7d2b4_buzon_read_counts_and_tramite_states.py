"""buzón per component and trámite states past ENVIADO (issue 13, items 17 and 18)

Revision ID: 3c9e51a7d2b4
Revises: fd64952f745b
Create Date: 2026-12-03 06:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3c9e51a7d2b4"
down_revision = "fd64952f745b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vuce_notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("component", sa.String(length=32), nullable=True))
    # Existing entries belong to their trámite's component.
    op.execute(
        "UPDATE vuce_notifications SET component = (SELECT t.component FROM vuce_tramites t "
        "WHERE t.id = vuce_notifications.tramite_id) WHERE tramite_id IS NOT NULL"
    )
    with op.batch_alter_table("vuce_tramites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entity", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("state_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("state_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("moved_by", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_vuce_tramites_entity"), ["entity"], unique=False)
    # Trámites filed before entities existed go to their component's default entity.
    for component, entity in (
        ("MERCANCIAS_RESTRINGIDAS", "DIGESA"),
        ("ORIGEN", "MINCETUR"),
        ("GESTION_AUTORIZACIONES", "PRODUCE"),
    ):
        op.execute(
            sa.text(
                "UPDATE vuce_tramites SET entity = :e WHERE entity IS NULL AND component = :c"
            ).bindparams(e=entity, c=component)
        )


def downgrade():
    with op.batch_alter_table("vuce_tramites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vuce_tramites_entity"))
        batch_op.drop_column("moved_by")
        batch_op.drop_column("state_note")
        batch_op.drop_column("state_changed_at")
        batch_op.drop_column("entity")
    with op.batch_alter_table("vuce_notifications", schema=None) as batch_op:
        batch_op.drop_column("component")
