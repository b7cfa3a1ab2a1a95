"""the C/S team's day: who took a case, snoozes, escalations

Revision ID: 0009
Revises: 0008 (re-chained after 0006–0008 when merged)
Create Date: 2026-12-10 09:00:00

Results gain who took the case and since when, and a snooze (until when, by whom), with
partial indexes over the few rows that have them; `escalations` records the alerts
escalated to the team's user group, one row per target, ever (issue 18).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cancel_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("snoozed_by", sa.String(length=128), nullable=True))
        batch_op.create_index(
            "ix_cancel_results_open",
            ["phase", "claimed_at"],
            unique=False,
            sqlite_where=sa.text("confirmed_by IS NULL AND snoozed_until IS NULL"),
            postgresql_where=sa.text("confirmed_by IS NULL AND snoozed_until IS NULL"),
        )
        batch_op.create_index(
            "ix_cancel_results_taken_by",
            ["taken_by"],
            unique=False,
            sqlite_where=sa.text("taken_by IS NOT NULL"),
            postgresql_where=sa.text("taken_by IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_cancel_results_snoozed_until",
            ["snoozed_until"],
            unique=False,
            sqlite_where=sa.text("snoozed_until IS NOT NULL"),
            postgresql_where=sa.text("snoozed_until IS NOT NULL"),
        )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("target", "target_id", name="uq_escalations_target"),
    )


def downgrade() -> None:
    op.drop_table("escalations")
    with op.batch_alter_table("cancel_results", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_cancel_results_snoozed_until",
            sqlite_where=sa.text("snoozed_until IS NOT NULL"),
            postgresql_where=sa.text("snoozed_until IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_cancel_results_open",
            sqlite_where=sa.text("confirmed_by IS NULL AND snoozed_until IS NULL"),
            postgresql_where=sa.text("confirmed_by IS NULL AND snoozed_until IS NULL"),
        )
        batch_op.drop_index(
            "ix_cancel_results_taken_by",
            sqlite_where=sa.text("taken_by IS NOT NULL"),
            postgresql_where=sa.text("taken_by IS NOT NULL"),
        )
        batch_op.drop_column("snoozed_by")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("taken_at")
        batch_op.drop_column("taken_by")
