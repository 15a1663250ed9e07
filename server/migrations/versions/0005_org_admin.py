"""Departments open or closed, archived channels, names with readings, profiles,
start dates, set-password links.

- ``channel.archived_at``: an archived channel is read-only (a deleted or
  merged department's).
- Department channels become closed (``is_private``): until now every
  department channel was readable by everyone; closed is the default from now
  on, and an admin opens those that should be (Admin -> Departments).
- ``department.reading``; ``account.reading``, ``bio``, ``start_date`` and the
  derived ``search_text`` and ``sort_key`` (core/text.py), filled here for
  existing accounts from their names.
- ``account_link``: one-time links to choose a password (imported accounts).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.text import search_text, sort_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text("UPDATE channel SET is_private = :closed WHERE kind = 'department'").bindparams(
            closed=True
        )
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reading", sa.String(length=100), nullable=False, server_default="")
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reading", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("bio", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("sort_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.create_index("ix_account_sort_key", ["sort_key"], unique=False)
    conn = op.get_bind()
    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("search_text", sa.Text),
        sa.column("sort_key", sa.String),
    )
    rows = conn.execute(sa.select(account.c.id, account.c.display_name)).all()
    for id_, name in rows:
        conn.execute(
            account.update()
            .where(account.c.id == id_)
            .values(search_text=search_text(name), sort_key=sort_key(name))
        )
    op.create_table(
        "account_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.create_index("ix_account_link_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("account_link")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_sort_key")
        batch_op.drop_column("sort_key")
        batch_op.drop_column("search_text")
        batch_op.drop_column("start_date")
        batch_op.drop_column("bio")
        batch_op.drop_column("reading")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_column("reading")
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
