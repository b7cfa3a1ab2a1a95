"""an order's life: the hold, withdrawal states, the reason of a cleared confirmation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:00:00

Withdrawals gain a state (OPEN, CONFIRMED, SUPERSEDED): the confirmed ones become
CONFIRMED; of several open withdrawals on one order (which the old code could leave
behind) the newest stays OPEN and the others are SUPERSEDED as "merged" — the next change
to that order settles its quantity. Orders gain the hold's start and the units it covers;
an order already held counts as held since the migration, for the units its live claims
take.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("held_qty", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), server_default="OPEN", nullable=False)
        )
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint("uq_withdrawals_result_reason", type_="unique")
    with op.batch_alter_table("confirmation_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=64), nullable=True))

    op.execute("UPDATE withdrawals SET state = 'CONFIRMED' WHERE confirmed_by IS NOT NULL")
    op.execute(
        "UPDATE withdrawals SET state = 'SUPERSEDED', closed_reason = 'merged' "
        "WHERE state = 'OPEN' AND EXISTS (SELECT 1 FROM withdrawals AS newer "
        "WHERE newer.management_no = withdrawals.management_no "
        "AND newer.state = 'OPEN' AND newer.id > withdrawals.id)"
    )
    op.execute(
        "UPDATE orders SET held_at = updated_at, held_qty = COALESCE((SELECT SUM("
        "COALESCE(r.cancel_qty, orders.quantity)) FROM cancel_results AS r "
        "WHERE r.management_no = orders.management_no AND r.claim_state <> 'WITHDRAWN'), 0) "
        "WHERE on_hold"
    )

    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.create_index(
            "uq_withdrawals_one_open_per_order",
            ["management_no"],
            unique=True,
            sqlite_where=sa.text("state = 'OPEN'"),
            postgresql_where=sa.text("state = 'OPEN'"),
        )
        batch_op.create_index("ix_withdrawals_state", ["state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.drop_index("ix_withdrawals_state")
        batch_op.drop_index(
            "uq_withdrawals_one_open_per_order",
            sqlite_where=sa.text("state = 'OPEN'"),
            postgresql_where=sa.text("state = 'OPEN'"),
        )
    op.execute("DELETE FROM withdrawals WHERE state = 'SUPERSEDED'")
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_withdrawals_result_reason", ["result_id", "reason"]
        )
        batch_op.drop_column("updated_at")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("state")
    with op.batch_alter_table("confirmation_events", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("held_qty")
        batch_op.drop_column("held_at")
