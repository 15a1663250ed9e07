"""Questions: Q&A channels (``channel.qa``), anonymous posts (``post.anonymous``:
the author is kept for admins, members see "匿名の新人"), and a row per
question (its state, accepted answer, and when the waiting alerts went out).
Existing channels are not Q&A and existing posts are nobody's questions.

Direct conversations' memberships made from now on follow every message
(``notify = 'all'``, channels/actions/channels.py); existing memberships keep
their level (a choice cannot be told apart from the old default).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "channel", sa.Column("qa", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "post", sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "question",
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), primary_key=True),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), nullable=False),
        sa.Column("asker_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("answer_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentors_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderators_alerted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_question_open", "question", ["state", "asked_at"])
    op.create_index("ix_question_channel", "question", ["channel_id", "asked_at"])
    op.create_index("ix_question_asker_id", "question", ["asker_id"])


def downgrade() -> None:
    op.drop_table("question")
    with op.batch_alter_table("post") as batch:
        batch.drop_column("anonymous")
    with op.batch_alter_table("channel") as batch:
        batch.drop_column("qa")
