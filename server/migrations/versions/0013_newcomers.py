"""Newcomers and mentors: each account's newcomer period end (start date + the
company's period, 90 days until an admin changes it), when they were welcomed
and first signed in, an invitation's start date, who mentors whom, and the
checklists admins prepare with each person's ticks.

Everyone already there counts as welcomed (no welcome posts for people who
joined before this version) and, if they have a password, as having signed
in before.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_DAYS = 90


def upgrade() -> None:
    op.add_column("account", sa.Column("newcomer_until", sa.Date(), nullable=True))
    op.add_column("account", sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "account", sa.Column("first_signed_in_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("invite", sa.Column("start_date", sa.Date(), nullable=True))
    op.create_table(
        "mentorship",
        sa.Column("newcomer_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("mentor_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
    )
    op.create_index("ix_mentorship_mentor_id", "mentorship", ["mentor_id"])
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
    )
    op.create_index("ix_checklist_item_department_id", "checklist_item", ["department_id"])
    op.create_table(
        "checklist_tick",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("checklist_item.id"), primary_key=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_checklist_tick_item_id", "checklist_tick", ["item_id"])

    account = sa.table(
        "account",
        sa.column("id", sa.Integer()),
        sa.column("start_date", sa.Date()),
        sa.column("newcomer_until", sa.Date()),
        sa.column("welcomed_at", sa.DateTime(timezone=True)),
        sa.column("first_signed_in_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("password_hash", sa.String()),
    )
    conn = op.get_bind()
    now = datetime.now(UTC)
    conn.execute(sa.update(account).values(welcomed_at=now))
    conn.execute(
        sa.update(account)
        .where(account.c.password_hash.is_not(None))
        .values(first_signed_in_at=account.c.created_at)
    )
    starts = conn.execute(
        sa.select(account.c.start_date).where(account.c.start_date.is_not(None)).distinct()
    ).scalars()
    for start in list(starts):
        conn.execute(
            sa.update(account)
            .where(account.c.start_date == start)
            .values(newcomer_until=start + timedelta(days=DEFAULT_DAYS))
        )


def downgrade() -> None:
    op.drop_table("checklist_tick")
    op.drop_table("checklist_item")
    op.drop_table("mentorship")
    with op.batch_alter_table("invite") as batch:
        batch.drop_column("start_date")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("first_signed_in_at")
        batch.drop_column("welcomed_at")
        batch.drop_column("newcomer_until")
