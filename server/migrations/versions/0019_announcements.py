"""Announcements: the announcement, its departments (none: the whole company),
confirmations (one row per person and round, with the time) and the
departments' announcers. Nothing existing changes. A department deleted
(or merged into another) leaves the audiences and announcers it was in.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("must_read", sa.Boolean(), nullable=False),
        sa.Column("company_wide", sa.Boolean(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_announcement_author_id", "announcement", ["author_id"])
    op.create_index(
        "ix_announcement_due",
        "announcement",
        ["publish_at"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "announcement_department",
        sa.Column(
            "announcement_id", sa.Integer(), sa.ForeignKey("announcement.id"), primary_key=True
        ),
        sa.Column(
            "department_id",
            sa.Integer(),
            sa.ForeignKey("department.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_announcement_department_department_id", "announcement_department", ["department_id"]
    )
    op.create_table(
        "announcement_read",
        sa.Column(
            "announcement_id", sa.Integer(), sa.ForeignKey("announcement.id"), primary_key=True
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_announcement_read_user", "announcement_read", ["user_id", "confirmed_at"])
    op.create_table(
        "announcer",
        sa.Column(
            "department_id",
            sa.Integer(),
            sa.ForeignKey("department.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("named_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_announcer_user_id", "announcer", ["user_id"])


def downgrade() -> None:
    op.drop_table("announcer")
    op.drop_table("announcement_read")
    op.drop_table("announcement_department")
    op.drop_table("announcement")
