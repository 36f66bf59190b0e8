"""refresh tokens keep their own table; access tokens live in the store

Access tokens are short-lived: they moved to the store (Redis / in-process) with a TTL, and
only refresh-token families, which must outlive a restart of Redis, stay in SQL. Live refresh
tokens are carried over; access tokens issued before the upgrade stop working (clients
refresh or log in again).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("auth_time", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("rotated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    with op.batch_alter_table("refresh_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_account"), ["account"])
        batch_op.create_index(batch_op.f("ix_refresh_token_family"), ["family"])
    op.execute(
        "INSERT INTO refresh_token (token_hash, family, client_id, account, scope, sid,"
        " auth_time, issued_at, expires_at, revoked, rotated)"
        " SELECT refresh_token_hash, family, client_id, account, scope, sid, auth_time,"
        " issued_at, refresh_expires_at, refresh_revoked, rotated FROM issued_token"
        " WHERE refresh_token_hash IS NOT NULL AND refresh_expires_at IS NOT NULL"
    )
    with op.batch_alter_table("issued_token") as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_token_family"))
        batch_op.drop_index(batch_op.f("ix_issued_token_client_id"))
        batch_op.drop_index(batch_op.f("ix_issued_token_account"))
    op.drop_table("issued_token")


def downgrade():
    op.create_table(
        "issued_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("auth_time", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.Integer(), nullable=False),
        sa.Column("expires_in", sa.Integer(), nullable=False),
        sa.Column("refresh_expires_at", sa.Integer(), nullable=True),
        sa.Column("access_revoked", sa.Boolean(), nullable=False),
        sa.Column("refresh_revoked", sa.Boolean(), nullable=False),
        sa.Column("rotated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_token")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_issued_token_access_token_hash")),
        sa.UniqueConstraint(
            "refresh_token_hash", name=op.f("uq_issued_token_refresh_token_hash")
        ),
    )
    with op.batch_alter_table("issued_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_issued_token_account"), ["account"])
        batch_op.create_index(batch_op.f("ix_issued_token_client_id"), ["client_id"])
        batch_op.create_index(batch_op.f("ix_issued_token_family"), ["family"])
    # Refresh tokens go back without an access token of their own (a random placeholder).
    op.execute(
        "INSERT INTO issued_token (client_id, account, scope, access_token_hash,"
        " refresh_token_hash, family, sid, auth_time, issued_at, expires_in,"
        " refresh_expires_at, access_revoked, refresh_revoked, rotated)"
        " SELECT client_id, account, scope, 'm' || substr(token_hash, 2), token_hash, family,"
        " sid, auth_time, issued_at, 0, expires_at, true, revoked, rotated FROM refresh_token"
    )
    op.drop_table("refresh_token")
