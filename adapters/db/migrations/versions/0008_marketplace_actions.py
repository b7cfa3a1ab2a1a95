"""marketplace actions: one row per claim and action, claimed before any call

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketplace_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("marketplace", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("claim_id", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("write_calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_actions")),
        sa.UniqueConstraint(
            "marketplace", "account", "claim_id", "action", name="uq_marketplace_actions_claim"
        ),
    )
    with op.batch_alter_table("marketplace_actions", schema=None) as batch_op:
        batch_op.create_index("ix_marketplace_actions_result_id", ["result_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("marketplace_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_marketplace_actions_result_id")
    op.drop_table("marketplace_actions")
