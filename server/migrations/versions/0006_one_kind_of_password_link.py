"""One kind of password link: an imported account's first password is chosen
through the same one-time links as a reset (``password_reset``); the links
``account_link`` held move there, and it goes.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO password_reset (token_hash, user_id, created_by, created_at, expires_at,"
        " used_at) SELECT token_hash, user_id, created_by, created_at, expires_at, used_at"
        " FROM account_link"
    )
    op.drop_table("account_link")


def downgrade() -> None:
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
