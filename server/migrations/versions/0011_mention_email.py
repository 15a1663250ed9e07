"""Mail for mentions left unread: each person's language (what their mail is
written in: null until their browser says) and whether they want such mail
(``mention_email``, on for everyone, existing people included).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("account", sa.Column("language", sa.String(length=5), nullable=True))
    op.add_column(
        "account",
        sa.Column("mention_email", sa.Boolean(), nullable=False, server_default=sa.text("true")),
    )


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("mention_email")
        batch.drop_column("language")
