"""managers' calendars: where the offered times came from, and calendars that cannot be read

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("thread") as batch_op:
        batch_op.add_column(
            sa.Column("offered_from", sa.String(length=16), nullable=False, server_default="")
        )
    with op.batch_alter_table("thread") as batch_op:
        batch_op.alter_column("offered_from", server_default=None)
    op.create_table(
        "calendar_outage",
        sa.Column("manager", sa.String(length=200), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("manager"),
    )


def downgrade() -> None:
    op.drop_table("calendar_outage")
    with op.batch_alter_table("thread") as batch_op:
        batch_op.drop_column("offered_from")
