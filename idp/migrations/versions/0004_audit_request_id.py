"""audit events carry the request id (issue 15: one login followed across both apps)

Revision ID: 0004_audit_request_id
Revises: sec_client_flags
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_audit_request_id"
down_revision = "sec_client_flags"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_event_request_id", ["request_id"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_request_id")
        batch_op.drop_column("request_id")
