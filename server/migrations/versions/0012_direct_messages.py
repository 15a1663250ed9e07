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
    with op.batch_alter_table("channel") as batch:
        batch.add_column(sa.Column("pair_key", sa.String(length=24), nullable=True))
        batch.create_unique_constraint("uq_channel_pair_key", ["pair_key"])
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
    with op.batch_alter_table("channel") as batch:
        batch.drop_constraint("uq_channel_pair_key", type_="unique")
        batch.drop_column("pair_key")
