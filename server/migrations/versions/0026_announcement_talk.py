"""Announcements get comments and files: ``announcement.comments_enabled``
(on for those already there: nothing closed them), ``announcement.files``
(none), ``attachment.announcement_id`` (a file on an announcement, not on a
post) and the ``announcement_comment`` table (empty).

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with constant defaults (SQLite takes them in place).
    op.add_column(
        "announcement",
        sa.Column("comments_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "announcement", sa.Column("files", sa.JSON(), nullable=False, server_default="[]")
    )
    # A foreign key needs the table copied on SQLite (batch mode); PostgreSQL
    # adds the column and the constraint in place.
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_attachment_announcement_id", "announcement", ["announcement_id"], ["id"]
        )
    op.create_index("ix_attachment_announcement", "attachment", ["announcement_id"])
    op.create_table(
        "announcement_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_announcement_comment_announcement", "announcement_comment", ["announcement_id", "id"]
    )
    op.create_index("ix_announcement_comment_author", "announcement_comment", ["author_id"])


def downgrade() -> None:
    op.drop_index("ix_announcement_comment_author", table_name="announcement_comment")
    op.drop_index("ix_announcement_comment_announcement", table_name="announcement_comment")
    op.drop_table("announcement_comment")
    op.drop_index("ix_attachment_announcement", table_name="attachment")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_constraint("fk_attachment_announcement_id", type_="foreignkey")
        batch.drop_column("announcement_id")
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("files")
        batch.drop_column("comments_enabled")
