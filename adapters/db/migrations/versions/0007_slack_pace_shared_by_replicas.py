"""slack_pace: the pace of Web API calls, shared by every replica

Revision ID: 0007
Revises: 0006 (re-chained after 0005 and 0006 when merged)
Create Date: 2026-12-02 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slack_pace',
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('next_at', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_slack_pace')),
    )


def downgrade() -> None:
    op.drop_table('slack_pace')
