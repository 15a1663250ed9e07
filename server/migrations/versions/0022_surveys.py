"""Surveys (アンケート): what a survey asks (``survey``, ``survey_question``,
``survey_option``, ``survey_department``), who answered and when
(``survey_respondent``), what was answered (``survey_pool``: one row per
survey, responses in random order, no person in an anonymous one: see
surveys/pool.py), and who besides admins may make surveys
(``survey_maker``). Nothing existing changes.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("company", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=True),
    )
    op.create_index("ix_survey_created", "survey", ["created_by", "created_at"])
    op.create_table(
        "survey_department",
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id"), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), primary_key=True),
    )
    op.create_index("ix_survey_department_department_id", "survey_department", ["department_id"])
    op.create_table(
        "survey_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_survey_question_survey_id", "survey_question", ["survey_id"])
    op.create_table(
        "survey_option",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("survey_question.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
    )
    op.create_index("ix_survey_option_question_id", "survey_option", ["question_id"])
    op.create_table(
        "survey_respondent",
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_survey_respondent_user_id", "survey_respondent", ["user_id"])
    op.create_index("ix_survey_respondent_at", "survey_respondent", ["answered_at"])
    op.create_table(
        "survey_pool",
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id"), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=False),
    )
    op.create_table(
        "survey_maker",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("granted_by", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "survey_maker",
        "survey_pool",
        "survey_respondent",
        "survey_option",
        "survey_question",
        "survey_department",
        "survey",
    ):
        op.drop_table(table)
