"""Reports, sanctions and the audit log: the ``report``, ``sanction`` and
``audit_entry`` tables; what is in force on an account (``muted_until``,
``suspended_until``); hidden posts (``hidden_at``, ``hidden_reason``); and
notifications about no channel (moderation's notices: ``channel_id`` nullable).
Existing rows need nothing: nobody is muted, suspended or hidden yet.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("account", sa.Column("muted_until", _AT, nullable=True))
    op.add_column("account", sa.Column("suspended_until", _AT, nullable=True))
    op.add_column("post", sa.Column("hidden_at", _AT, nullable=True))
    op.add_column("post", sa.Column("hidden_reason", sa.String(length=1000), nullable=True))
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("channel_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=True),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), nullable=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
    )
    op.create_index("ix_report_status", "report", ["status", "id"])
    op.create_index("ix_report_person", "report", ["person_id", "id"])
    op.create_index("ix_report_reporter", "report", ["reporter_id", "id"])

    op.create_table(
        "sanction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), nullable=True),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=True),
        sa.Column("lifted_at", _AT, nullable=True),
        sa.Column("lifted_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
        sa.Column("lift_reason", sa.String(length=1000), nullable=True),
        sa.Column("appeal_note", sa.String(length=1000), nullable=True),
        sa.Column("appealed_at", _AT, nullable=True),
        sa.Column("appeal_decision", sa.String(length=10), nullable=True),
        sa.Column("appeal_reason", sa.String(length=1000), nullable=True),
        sa.Column("appeal_decided_at", _AT, nullable=True),
        sa.Column("appeal_decided_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
    )
    op.create_index("ix_sanction_user", "sanction", ["user_id", "id"])

    # No foreign keys: an entry outlives the account, department or post it names.
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=400), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("target_label", sa.String(length=400), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action", "id"])
    op.create_index("ix_audit_entry_actor", "audit_entry", ["actor_id", "id"])
    op.create_index("ix_audit_entry_subject", "audit_entry", ["subject_id", "id"])


def downgrade() -> None:
    op.drop_table("audit_entry")
    op.drop_table("sanction")
    op.drop_table("report")
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("channel_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("post") as batch:
        batch.drop_column("hidden_reason")
        batch.drop_column("hidden_at")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("suspended_until")
        batch.drop_column("muted_until")
