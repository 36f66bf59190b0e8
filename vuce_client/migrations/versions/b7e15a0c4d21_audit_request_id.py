"""audit events carry the request id (issue 15: one login followed across both apps)

Revision ID: b7e15a0c4d21
Revises: 3c9e51a7d2b4
Create Date: 2026-12-03 06:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e15a0c4d21"
down_revision = "3c9e51a7d2b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vuce_audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_vuce_audit_events_request_id", ["request_id"], unique=False)


def downgrade():
    with op.batch_alter_table("vuce_audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_vuce_audit_events_request_id")
        batch_op.drop_column("request_id")
