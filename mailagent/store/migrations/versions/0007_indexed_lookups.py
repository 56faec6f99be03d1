"""lookups that grow with the history go through indexes: outbox rows by lower-case recipient
(the rate limits), threads by lower-case guest address (matching), sent mail by time (the
global breaker)

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
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guest_key", sa.String(length=320), nullable=False, server_default="")
        )
    op.execute("UPDATE outbox SET recipient_key = lower(recipient)")
    op.execute("UPDATE thread SET guest_key = lower(guest_email)")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("recipient_key", server_default=None)
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.create_index("ix_outbox_recipient_key", ["recipient_key", "created_at"])
        batch_op.create_index("ix_outbox_sent_at", ["sent_at"])
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.alter_column("guest_key", server_default=None)
        batch_op.create_index("ix_thread_guest_key", ["guest_key"])


def downgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_index("ix_thread_guest_key")
        batch_op.drop_column("guest_key")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_sent_at")
        batch_op.drop_index("ix_outbox_recipient_key")
        batch_op.create_index("ix_outbox_recipient", ["recipient", "created_at"])
        batch_op.drop_column("recipient_key")
