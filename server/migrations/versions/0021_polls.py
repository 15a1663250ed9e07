"""Polls in posts (channels/polls.py): a poll per post that carries one, its
options, and the votes (person, option, when: usage figures count the people
who voted lately from ``poll_vote.voted_at``). Existing posts carry no poll.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), primary_key=True),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_poll_channel_id", "poll", ["channel_id"])
    op.create_table(
        "poll_option",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("poll.post_id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.UniqueConstraint("post_id", "position", name="uq_poll_option_position"),
    )
    op.create_table(
        "poll_vote",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("poll.post_id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("option_id", sa.Integer(), sa.ForeignKey("poll_option.id"), primary_key=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_poll_vote_option", "poll_vote", ["option_id"])
    op.create_index("ix_poll_vote_voted_at", "poll_vote", ["voted_at"])


def downgrade() -> None:
    op.drop_table("poll_vote")
    op.drop_table("poll_option")
    op.drop_table("poll")
