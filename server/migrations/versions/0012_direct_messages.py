"""Direct messages: conversations are channels of kind "direct". A conversation
of two is found by its people's ids (``channel.pair_key``, unique); someone
added to a group conversation reads it from then on (``membership.since_post``);
people block others (``person_block``).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A unique index, not a constraint: SQLite adds neither to a table in
    # place, and rebuilding ``channel`` would break the keys pointing at it.
    op.add_column("channel", sa.Column("pair_key", sa.String(length=24), nullable=True))
    op.create_index("ix_channel_pair_key", "channel", ["pair_key"], unique=True)
    op.add_column("membership", sa.Column("since_post", sa.Integer(), nullable=True))
    op.create_table(
        "person_block",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("blocked_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "blocked_id"),
    )
    op.create_index("ix_person_block_blocked_id", "person_block", ["blocked_id"])


def downgrade() -> None:
    op.drop_index("ix_person_block_blocked_id", table_name="person_block")
    op.drop_table("person_block")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("since_post")
    op.drop_index("ix_channel_pair_key", table_name="channel")
    with op.batch_alter_table("channel") as batch:
        batch.drop_column("pair_key")
