"""indexes for every /cancels view at millions of results

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14 09:00:00

The unconfirmed, not snoozed results get one partial index holding every column the filter
words compare (issue 17): a view by marketplace, type, status, state, partial or unmatched
is counted, and its newest page found, from the index alone. confirmed_by and
snoozed_until (NULL throughout) are in it too: SQLite treats an index as covering only
when its columns name everything the query does, the partial WHERE's columns included. It starts with the columns of
ix_cancel_results_open, which it replaces.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = "confirmed_by IS NULL AND snoozed_until IS NULL"
COLUMNS = [
    "phase",
    "claimed_at",
    "marketplace",
    "order_status",
    "claim_type",
    "claim_state",
    "partial",
    "unmatched",
    "category",
    "anomaly",
    "id",
    # always NULL in this index: there so that SQLite counts it as covering (it never
    # credits the columns of a partial index's WHERE), see tables.OPEN_FILTER_COLUMNS
    "confirmed_by",
    "snoozed_until",
]


def upgrade() -> None:
    with op.batch_alter_table("cancel_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cancel_results_open_filters",
            COLUMNS,
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
        batch_op.drop_index(
            "ix_cancel_results_open", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN)
        )


def downgrade() -> None:
    with op.batch_alter_table("cancel_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cancel_results_open",
            ["phase", "claimed_at"],
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
        batch_op.drop_index(
            "ix_cancel_results_open_filters",
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
