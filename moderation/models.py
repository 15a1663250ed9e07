"""Reports and sanctions, and their API shapes.

A report names what it is about (a post, a comment or a person) and the
person concerned (``person_id``: the author, or the person reported), never
shown to that person. A sanction is one moderator's decision about a person:
a warning (citing a clause of the terms), a mute or a suspension (each with
its end), or hidden content; the account row carries what is in force
(``account.muted_until``, ``suspended_until``), so the write path and sign-in
check it without asking this package. Each sanction may be appealed once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, model_validator
from pydantic import Field as PField
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.schema import DbId, StrictModel

MAX_NOTE = 1000
MAX_REASON = 1000
MAX_CLAUSE = 200
CENTURY_SECONDS = 100 * 365 * 24 * 3600 + 25 * 24 * 3600  # a hundred years, leap days in
PAGE_SIZE = 50


class ReportReason(enum.StrEnum):
    harassment = "harassment"  # ハラスメント
    discrimination = "discrimination"  # 差別
    leak = "leak"  # 機密情報の漏洩
    spam = "spam"  # スパム
    other = "other"  # その他


class ReportStatus(enum.StrEnum):
    open = "open"
    dismissed = "dismissed"
    actioned = "actioned"


class Action(enum.StrEnum):
    """What a moderator decides about a report."""

    dismiss = "dismiss"
    hide = "hide"
    delete = "delete"
    warn = "warn"
    mute = "mute"
    suspend = "suspend"


class SanctionKind(enum.StrEnum):
    warning = "warning"
    mute = "mute"
    suspension = "suspension"
    hidden = "hidden"  # a post or comment hidden (lifting it brings it back)


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_status", "status", "id"),
        Index("ix_report_person", "person_id", "id"),
        Index("ix_report_reporter", "reporter_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="account.id")
    target_type: str = Field(max_length=10)  # post, comment, person
    post_id: int | None = Field(default=None, foreign_key="post.id")
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    person_id: int = Field(foreign_key="account.id")
    reason: str = Field(max_length=20)
    note: str = Field(default="", max_length=MAX_NOTE)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=ReportStatus.open.value, max_length=10)
    decision: str | None = Field(default=None, max_length=10)  # an Action
    decision_reason: str | None = Field(default=None, max_length=MAX_REASON)
    decided_at: datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="account.id")


class Sanction(SQLModel, table=True):
    __tablename__ = "sanction"
    __table_args__ = (Index("ix_sanction_user", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=12)
    reason: str = Field(max_length=MAX_REASON)
    clause: str = Field(default="", max_length=MAX_CLAUSE)
    report_id: int | None = Field(default=None, foreign_key="report.id")
    post_id: int | None = Field(default=None, foreign_key="post.id")  # hidden content
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime | None = None  # mutes and suspensions
    lifted_at: datetime | None = None
    lifted_by: int | None = Field(default=None, foreign_key="account.id")
    lift_reason: str | None = Field(default=None, max_length=MAX_REASON)
    appeal_note: str | None = Field(default=None, max_length=MAX_NOTE)
    appealed_at: datetime | None = None
    appeal_decision: str | None = Field(default=None, max_length=10)  # upheld, lifted
    appeal_reason: str | None = Field(default=None, max_length=MAX_REASON)
    appeal_decided_at: datetime | None = None
    appeal_decided_by: int | None = Field(default=None, foreign_key="account.id")


# ---- API shapes ----------------------------------------------------------------


class ReportCreate(StrictModel):
    """Report a post or comment (``post_id``) or a person (``user_id``): one of them."""

    post_id: DbId | None = None
    user_id: DbId | None = None
    reason: ReportReason
    note: str = PField(default="", max_length=MAX_NOTE)

    @model_validator(mode="after")
    def _one_target(self) -> ReportCreate:
        if (self.post_id is None) == (self.user_id is None):
            raise ValueError('give "post_id" or "user_id", one of them')
        return self


class Decision(StrictModel):
    """A moderator's decision on a report, with its reason; ``clause`` (of the
    terms) for a warning; ``duration_seconds`` for a mute or a suspension (at
    most a century)."""

    action: Action
    reason: str = PField(min_length=1, max_length=MAX_REASON)
    clause: str = PField(default="", max_length=MAX_CLAUSE)
    duration_seconds: int | None = PField(default=None, ge=1, le=CENTURY_SECONDS)

    @model_validator(mode="after")
    def _duration(self) -> Decision:
        timed = self.action in (Action.mute, Action.suspend)
        if timed and self.duration_seconds is None:
            raise ValueError("duration_seconds: a mute or a suspension needs one")
        if not timed and self.duration_seconds is not None:
            raise ValueError("duration_seconds: only a mute or a suspension has one")
        if self.action is Action.warn and not self.clause:
            raise ValueError("clause: a warning cites the clause of the terms it is about")
        return self


class AppealCreate(StrictModel):
    note: str = PField(min_length=1, max_length=MAX_NOTE)


class AppealOutcome(enum.StrEnum):
    uphold = "uphold"
    lift = "lift"


class AppealDecision(StrictModel):
    outcome: AppealOutcome
    reason: str = PField(min_length=1, max_length=MAX_REASON)


class Lift(StrictModel):
    reason: str = PField(min_length=1, max_length=MAX_REASON)


class PersonLabel(BaseModel):
    id: int
    display_name: str


class ContentPublic(BaseModel):
    """A reported post or comment as moderators see it, hidden or not."""

    id: int
    parent_id: int | None
    channel_id: int
    channel_name: str
    author: PersonLabel
    body: str
    html: str
    created_at: str
    hidden: str | None  # the reason, when hidden
    deleted: bool


class SanctionPublic(BaseModel):
    """A sanction as moderators see it, and as its person does (``created_by``
    is null for them)."""

    id: int
    user_id: int
    kind: SanctionKind
    reason: str
    clause: str
    post_id: int | None
    created_at: str
    ends_at: str | None
    in_force: bool
    lifted_at: str | None
    lift_reason: str | None
    appeal_note: str | None
    appealed_at: str | None
    appeal_decision: str | None
    appeal_reason: str | None
    created_by: PersonLabel | None = None


class ReportPublic(BaseModel):
    """A report in the queue (moderators and admins)."""

    id: int
    target_type: str
    reason: ReportReason
    note: str
    created_at: str
    status: ReportStatus
    decision: str | None
    decision_reason: str | None
    decided_at: str | None
    reporter: PersonLabel
    person: PersonLabel
    content: ContentPublic | None
    earlier_reports: int  # about the same person, before this one


class ReportsPage(BaseModel):
    reports: list[ReportPublic]
    before: int | None


class ReportDetail(BaseModel):
    """A report with its context: the thread (the post and its comments) and
    channel of the content, the person's other reports and sanctions."""

    report: ReportPublic
    thread: list[ContentPublic]
    history: list[ReportPublic]  # other reports about the person, newest first
    sanctions: list[SanctionPublic]  # the person's, newest first


class MyReport(BaseModel):
    """One's own report: what, why, and what came of it (never who decided)."""

    id: int
    target_type: str
    post_id: int | None
    user_id: int | None  # the person reported, for a report of a person
    excerpt: str  # the content's text when reported (empty once deleted)
    reason: ReportReason
    note: str
    created_at: str
    status: ReportStatus
    decision: str | None
    decided_at: str | None


class AppealPublic(BaseModel):
    sanction: SanctionPublic
    person: PersonLabel
