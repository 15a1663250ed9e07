"""Terms of use and the word check: published versions of the terms
(``terms_version``), who accepted which when (``terms_acceptance``), each
person's last accepted version (``account.terms_version``: 0, none, for
everyone already there; nothing is asked of anyone until an admin publishes
a version), and the company's word list (``word_list``: no row, no list).

Revision ID: 0016
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "account",
        sa.Column("terms_version", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "terms_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["published_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "terms_acceptance",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["terms_version.version"]),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("version", "user_id"),
    )
    op.create_index("ix_terms_acceptance_user_id", "terms_acceptance", ["user_id"])
    op.create_table(
        "word_list",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("word_list")
    op.drop_index("ix_terms_acceptance_user_id", table_name="terms_acceptance")
    op.drop_table("terms_acceptance")
    op.drop_table("terms_version")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("terms_version")
