"""outbox rows found by lower-case recipient through an index (the rate limits' lookup)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recipient_key", sa.String(length=320), nullable=False, server_default="")
        )
    op.execute("UPDATE outbox SET recipient_key = lower(recipient)")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("recipient_key", server_default=None)
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.create_index("ix_outbox_recipient_key", ["recipient_key", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient_key")
        batch_op.create_index("ix_outbox_recipient", ["recipient", "created_at"])
        batch_op.drop_column("recipient_key")
