"""managers' assignments, the meeting's calendar identity, feedback and the talent pool

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meeting_uid", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("meeting_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("proposals", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("feedback", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("manager_notes", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("keep_in_touch", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("manager_name", sa.String(length=200), nullable=False),
        sa.Column("manager_email", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_thread_id", ["thread_id"], unique=False)
        batch_op.create_index("ix_assignment_manager", ["manager_name", "at"], unique=False)
    op.create_table(
        "talentpool",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("email"),
    )


def downgrade() -> None:
    op.drop_table("talentpool")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_manager")
        batch_op.drop_index("ix_assignment_thread_id")
    op.drop_table("assignment")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        for name in (
            "consent_until",
            "consent_at",
            "keep_in_touch",
            "manager_notes",
            "feedback",
            "proposals",
            "meeting_sequence",
            "meeting_uid",
        ):
            batch_op.drop_column(name)
