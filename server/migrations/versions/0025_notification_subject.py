"""Notifications about an event, an announcement or a survey name it
(``notification.subject_id``), so opening one opens that event, announcement
or survey rather than their list. Nullable, with no foreign key: which table
it points into depends on the notification's kind, and those made before
this revision name nothing (the browser opens the list for them, as before).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notification", sa.Column("subject_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("subject_id")
