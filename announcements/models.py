"""Announcements' tables and the API shapes built from them.

An announcement is its own row (after misskey's ``Announcement`` and
``AnnouncementRead``, ANCHORS.md §6), not a post in a channel: its audience is
departments (or the whole company) rather than a channel's members, and who
receives it is asked of the accounts as they are now, so a person moved out of
a department stops receiving its announcements at once, with no membership
rows to keep in step (docs/architecture.md, "Announcements").

- ``announcement``: title, body (its HTML rendered by the posts' renderer),
  must-read, company-wide or not, when it is (or was) to be published, when it
  was, the last edit, and the ``round`` of confirmations asked (an edit that
  asks again starts the next round).
- ``announcement_department``: its departments (none: the whole company).
- ``announcement_read``: one row per (announcement, person, round) confirmed,
  with the time: who used announcements, and when (usage analytics counts it).
- ``announcer``: a person an admin named to announce to a department.
- ``announcement_comment``: a comment under one (a deleted comment's row is
  deleted: nothing of it stays to hide). Whoever may read the announcement
  reads its comments; its audience, its author and admins write them while
  ``comments_enabled``.

Its files are ``attachment`` rows with ``announcement_id`` (channels/
attachments.py keeps the bytes' rows; announcements/files.py says who may
see them), carried on the row as ``FileRef`` dicts like a post's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, StrictBool, field_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from channels.models import MAX_BODY_CHARS, MAX_FILES, FileIdStr, FileRef
from core.clock import utcnow
from core.schema import DbId, StrictModel

MAX_TITLE_CHARS = 200
MAX_DEPARTMENTS = 100  # departments one announcement is for
PAGE = 50  # announcements a list answers
COMMENT_PAGE = 100  # comments a page answers
MAX_COMMENT_CHARS = 4000


class Announcement(SQLModel, table=True):
    __tablename__ = "announcement"
    __table_args__ = (
        # The publishing job's due ones, oldest first.
        Index(
            "ix_announcement_due",
            "publish_at",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="account.id", index=True)
    title: str = Field(max_length=MAX_TITLE_CHARS)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    must_read: bool = False
    company_wide: bool = False
    publish_at: datetime = Field(default_factory=utcnow)
    # None while scheduled; set once, by whichever publishes it (a request, or
    # the job on exactly one node).
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    # Confirmations count for the current round only: an edit asking again
    # starts the next one (older rows stay, for the record).
    round: int = 1
    reminded_at: datetime | None = None
    # The author chooses at publishing, and may change it by editing: closed,
    # the comments there are stay readable and nobody adds one.
    comments_enabled: bool = True
    # Its files, as ``FileRef`` dicts, in the order given (as ``Post.files``).
    files: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class AnnouncementDepartment(SQLModel, table=True):
    __tablename__ = "announcement_department"
    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    department_id: int = Field(
        foreign_key="department.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class AnnouncementRead(SQLModel, table=True):
    """A person confirmed an announcement (in one round)."""

    __tablename__ = "announcement_read"
    __table_args__ = (Index("ix_announcement_read_user", "user_id", "confirmed_at"),)
    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    round: int = Field(primary_key=True)
    confirmed_at: datetime = Field(default_factory=utcnow)


class Announcer(SQLModel, table=True):
    """``user_id`` may announce to ``department_id`` (named by an admin)."""

    __tablename__ = "announcer"
    department_id: int = Field(foreign_key="department.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    named_by: int | None = Field(default=None, foreign_key="account.id")
    named_at: datetime = Field(default_factory=utcnow)


class AnnouncementComment(SQLModel, table=True):
    """A comment under an announcement; deleting one deletes its row."""

    __tablename__ = "announcement_comment"
    __table_args__ = (
        Index("ix_announcement_comment_announcement", "announcement_id", "id"),
        Index("ix_announcement_comment_author", "author_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id")
    author_id: int = Field(foreign_key="account.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None


# ---- API shapes -------------------------------------------------------------


class AnnouncementCreate(StrictModel):
    """``departments`` empty: the whole company (admins only). ``publish_at``
    in the future: scheduled; absent or past: published now."""

    title: str = PField(min_length=1, max_length=MAX_TITLE_CHARS)
    body: str = PField(min_length=1, max_length=MAX_BODY_CHARS)
    departments: list[DbId] = PField(default_factory=list, max_length=MAX_DEPARTMENTS)
    must_read: StrictBool = False
    publish_at: datetime | None = None
    comments_enabled: StrictBool = True
    files: list[FileIdStr] = PField(default_factory=list, max_length=MAX_FILES)
    # Publish anyway past the word check's warning (words/lists.py).
    acknowledge_warning: StrictBool = False

    @field_validator("publish_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("publish_at: give a time zone (2026-04-01T09:00:00+09:00)")
        return v


class AnnouncementEdit(StrictModel):
    """What changes; ``ask_again`` (published ones): everyone confirms again."""

    title: str | None = PField(default=None, min_length=1, max_length=MAX_TITLE_CHARS)
    body: str | None = PField(default=None, min_length=1, max_length=MAX_BODY_CHARS)
    must_read: StrictBool | None = None
    ask_again: StrictBool = False
    comments_enabled: StrictBool | None = None
    # The new set (kept ones and new uploads); files it drops are deleted.
    files: list[FileIdStr] | None = PField(default=None, max_length=MAX_FILES)
    acknowledge_warning: StrictBool = False


class AuthorRef(BaseModel):
    id: int
    display_name: str


class DepartmentRef(BaseModel):
    id: int
    name: str


class AnnouncementPublic(BaseModel):
    """An announcement as one of its readers sees it. ``confirmed``: this
    person confirmed the current round; ``updated``: edited after publication."""

    id: int
    title: str
    html: str
    must_read: bool
    company_wide: bool
    departments: list[DepartmentRef]
    author: AuthorRef
    publish_at: str
    published_at: str | None
    edited_at: str | None
    updated: bool
    round: int
    confirmed: bool
    recipient: bool  # one of its audience (the author and admins may not be)
    can_manage: bool  # the author or an admin: rates, reminders, edits
    comments_enabled: bool = True
    comment_count: int = 0
    files: list[FileRef] = []


class AnnouncementList(BaseModel):
    announcements: list[AnnouncementPublic]  # newest first (scheduled ones first)


class AnnouncementCommentCreate(StrictModel):
    body: str = PField(min_length=1, max_length=MAX_COMMENT_CHARS)
    acknowledge_warning: StrictBool = False


class AnnouncementCommentPublic(BaseModel):
    id: int
    announcement_id: int
    author: AuthorRef
    html: str
    created_at: str
    mine: bool  # written by the one asking
    can_delete: bool  # its author, the announcement's managers, moderators and admins


class AnnouncementComments(BaseModel):
    """Oldest first; ``after``: pass as ``?after=`` for the next page (None: the end)."""

    comments: list[AnnouncementCommentPublic]
    count: int
    comments_enabled: bool
    can_comment: bool
    after: int | None


class Confirmation(BaseModel):
    """The answer to a confirmation: this round is confirmed (by one)."""

    announcement_id: int
    round: int
    confirmed: bool


class DepartmentConfirmations(BaseModel):
    id: int | None  # None: people in no department
    name: str
    recipients: int
    confirmed: int


class PendingPerson(BaseModel):
    id: int
    display_name: str
    department: str | None


class Confirmations(BaseModel):
    """The rate of the current round: overall and per department, and who has
    not confirmed yet (at most ``MAX_PENDING`` of them listed)."""

    announcement_id: int
    round: int
    recipients: int
    confirmed: int
    departments: list[DepartmentConfirmations]
    pending: list[PendingPerson]
    pending_count: int


class AnnouncementReminded(BaseModel):
    reminded: int  # people told


class AnnouncerChange(StrictModel):
    person_id: DbId
    department_id: DbId


class AnnouncerPublic(BaseModel):
    user: AuthorRef
    department: DepartmentRef


class Announcers(BaseModel):
    announcers: list[AnnouncerPublic]


class Rights(BaseModel):
    """Where one may announce: the whole company (admins) and these departments."""

    company: bool
    departments: list[DepartmentRef]
