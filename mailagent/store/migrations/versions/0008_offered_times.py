"""threads remember the times offered to their manager, so a reply such as "the second one"
is read against what that mail showed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.alter_column("offered", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_column("offered")
