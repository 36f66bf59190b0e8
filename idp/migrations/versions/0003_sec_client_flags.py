"""oauth_client: introspection (resource servers) and pkce_optional (legacy opt-out), issue #16

Revision ID: sec_client_flags
Revises: 0002
Create Date: 2026-12-03 06:20:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "sec_client_flags"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oauth_client") as batch_op:
        batch_op.add_column(
            sa.Column("introspection", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("pkce_optional", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("oauth_client") as batch_op:
        batch_op.drop_column("pkce_optional")
        batch_op.drop_column("introspection")
