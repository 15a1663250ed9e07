"""Stored HTML for posts; indexes that give pages and threads in id order.

- ``post.html``: the body rendered once at write time instead of on every
  read (rows written before this migration keep NULL and are rendered on read).
- ``ix_post_channel_top`` (channel_id, id) WHERE parent_id IS NULL: a page of
  top-level posts is a backward range scan of exactly the rows it returns, on
  PostgreSQL too (which cannot use ``parent_id IS NULL`` in the middle of the
  old composite index to skip sorting).
- ``ix_post_parent`` (parent_id, id): a thread's comments.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOP_LEVEL = sa.text("parent_id IS NULL")


def upgrade() -> None:
    op.add_column("post", sa.Column("html", sa.Text(), nullable=True))
    op.create_index(
        "ix_post_channel_top",
        "post",
        ["channel_id", "id"],
        postgresql_where=TOP_LEVEL,
        sqlite_where=TOP_LEVEL,
    )
    op.create_index("ix_post_parent", "post", ["parent_id", "id"])
    op.drop_index("ix_post_channel_parent_id", table_name="post")


def downgrade() -> None:
    op.create_index("ix_post_channel_parent_id", "post", ["channel_id", "parent_id", "id"])
    op.drop_index("ix_post_parent", table_name="post")
    op.drop_index("ix_post_channel_top", table_name="post")
    op.drop_column("post", "html")
