"""A stream per person: its head on the account row, its events in person_event.

Existing accounts get an epoch of their own and an empty log.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stream_epoch", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("stream_seq", sa.Integer(), nullable=False, server_default="0")
        )
    random_epoch = (
        "lower(hex(randomblob(4)))"
        if op.get_bind().dialect.name == "sqlite"
        else "substr(md5(random()::text), 1, 8)"
    )
    op.execute(f"UPDATE account SET stream_epoch = {random_epoch}")
    op.create_table(
        "person_event",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("user_id", "seq"),
        sa.UniqueConstraint("actor_id", "client_id", name="uq_person_event_actor_client"),
    )


def downgrade() -> None:
    op.drop_table("person_event")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("stream_seq")
        batch_op.drop_column("stream_epoch")
