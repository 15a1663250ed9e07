"""Files: uploads and the posts they are attached to (``attachment``), the
files a post carries (``post.files``), and the company's own settings
(``company_setting``: the file rules first).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=220), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("is_image", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("animated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["uploader_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_attachment_channel", "attachment", ["channel_id", "pk"])
    op.create_index("ix_attachment_uploader", "attachment", ["uploader_id", "pk"])
    op.create_index("ix_attachment_post", "attachment", ["post_id"])
    # A plain ADD COLUMN (with a constant default, SQLite takes it): a batch
    # copy of the post table would cost minutes on a large one.
    op.add_column("post", sa.Column("files", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "company_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("company_setting")
    with op.batch_alter_table("post") as batch:
        batch.drop_column("files")
    op.drop_index("ix_attachment_post", table_name="attachment")
    op.drop_index("ix_attachment_uploader", table_name="attachment")
    op.drop_index("ix_attachment_channel", table_name="attachment")
    op.drop_table("attachment")
