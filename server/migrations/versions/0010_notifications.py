"""Mentions and notifications: the notification table (per person; likes
aggregated while unread; indexed for pages, unread counts, a post's
notifications and the mention emails to come), each member's notification
level (``membership.notify``), and the post a person's event is about
(``person_event.post_id``), so deleting or editing a post rewrites the
notifications that carried its text.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = "read_at IS NULL"
UNMAILED = "kind = 'mention' AND read_at IS NULL AND emailed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.PrimaryKeyConstraint("user_id", "id"),
        sa.UniqueConstraint("user_id", "seq", name="uq_notification_user_seq"),
    )
    op.create_index("ix_notification_post", "notification", ["post_id"])
    op.create_index("ix_notification_thread", "notification", ["thread_id"])
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id"],
        postgresql_where=sa.text(UNREAD),
        sqlite_where=sa.text(UNREAD),
    )
    op.create_index(
        "ix_notification_unmailed",
        "notification",
        ["created_at"],
        postgresql_where=sa.text(UNMAILED),
        sqlite_where=sa.text(UNMAILED),
    )
    op.add_column(
        "membership",
        sa.Column("notify", sa.String(length=10), nullable=False, server_default="mentions"),
    )
    op.add_column("person_event", sa.Column("post_id", sa.Integer(), nullable=True))
    op.create_index("ix_person_event_post", "person_event", ["post_id"])


def downgrade() -> None:
    op.drop_index("ix_person_event_post", table_name="person_event")
    with op.batch_alter_table("person_event") as batch:
        batch.drop_column("post_id")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("notify")
    op.drop_index("ix_notification_unmailed", table_name="notification")
    op.drop_index("ix_notification_unread", table_name="notification")
    op.drop_index("ix_notification_thread", table_name="notification")
    op.drop_index("ix_notification_post", table_name="notification")
    op.drop_table("notification")
