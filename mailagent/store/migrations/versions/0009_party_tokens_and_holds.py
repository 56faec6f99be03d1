"""reply tokens per party (managers, admins) and held mail awaiting confirmation or release

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_token",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("token"),
        sa.UniqueConstraint("thread_id", "party", "address", name="uq_reply_token"),
    )
    op.create_index("ix_reply_token_thread_id", "reply_token", ["thread_id"], unique=False)
    op.create_table(
        "hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_hold_message_id", "hold", ["message_id"], unique=False)
    op.create_index("ix_hold_status", "hold", ["status"], unique=False)
    op.create_index("ix_hold_thread_id", "hold", ["thread_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hold_thread_id", table_name="hold")
    op.drop_index("ix_hold_status", table_name="hold")
    op.drop_index("ix_hold_message_id", table_name="hold")
    op.drop_table("hold")
    op.drop_index("ix_reply_token_thread_id", table_name="reply_token")
    op.drop_table("reply_token")
