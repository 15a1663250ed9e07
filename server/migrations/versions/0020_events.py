"""Events (gatherings/): the ``gathering`` table (an event in a channel, or
company-wide with no channel; counts kept with the answers; the reminder
job's claim columns), ``rsvp`` (one person's answer, with when: usage figures
count people by ``answered_at``) and ``calendar_feed`` (each person's private
feed, by the SHA-256 of its token).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gathering",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(length=80), nullable=False, unique=True),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), nullable=True),
        sa.Column("organiser_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("going", sa.Integer(), nullable=False),
        sa.Column("maybe", sa.Integer(), nullable=False),
        sa.Column("waitlist", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_day_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_hour_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_gathering_starts", "gathering", ["starts_at"])
    op.create_index("ix_gathering_channel", "gathering", ["channel_id", "starts_at"])
    op.create_table(
        "rsvp",
        sa.Column("gathering_id", sa.Integer(), sa.ForeignKey("gathering.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("answer", sa.String(length=10), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_rsvp_user", "rsvp", ["user_id", "answered_at"])
    op.create_index("ix_rsvp_queue", "rsvp", ["gathering_id", "answer", "queued_at"])
    op.create_index("ix_rsvp_answered", "rsvp", ["answered_at"])
    op.create_table(
        "calendar_feed",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
    op.drop_table("rsvp")
    op.drop_table("gathering")
