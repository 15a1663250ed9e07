"""Usage analytics (usage/): the rollups the analytics job fills
(``analytics_use``, ``analytics_link``), the record of who searched on which
day (``analytics_search``, no query text), and the job's state and last
report (``analytics_state``). Indexes on when posts and likes were written,
so that the job reads a day's rows without scanning the tables. The first
round of the job counts the history window from existing data.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_use",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("feature", sa.String(length=20), primary_key=True),
        sa.Column("user_id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.Integer(), primary_key=True),
        sa.Column("uses", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_link",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(length=10), primary_key=True),
        sa.Column("actor_id", sa.Integer(), primary_key=True),
        sa.Column("target_id", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_search",
        sa.Column("user_id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(length=20), primary_key=True),
        sa.Column("filled_until", sa.Date(), nullable=True),
        sa.Column("counted", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
    )
    op.create_index("ix_post_created_at", "post", ["created_at"])
    op.create_index("ix_post_like_created_at", "post_like", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_post_like_created_at", "post_like")
    op.drop_index("ix_post_created_at", "post")
    op.drop_table("analytics_state")
    op.drop_table("analytics_search")
    op.drop_table("analytics_link")
    op.drop_table("analytics_use")
