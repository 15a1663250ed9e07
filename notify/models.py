"""The notification table and the API shapes built from it.

A notification is one person's: its ``id`` is unique per person (the seq of
the event in their own stream that added it, so no id is taken from a
sequence shared by everyone), and ``seq`` is the seq of its latest event (an
aggregated like moves it up): pages are newest first by ``seq``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from core.clock import iso, utcnow
from core.schema import DbId, StrictModel

ACTORS_SHOWN = 3  # the last few people a notification names (an aggregated like's likers)
PAGE_SIZE = 50
MAX_READ_IDS = 500  # ids one request marks read


class NotificationKind(enum.StrEnum):
    mention = "mention"  # one's name in a post or comment
    comment = "comment"  # a comment on one's post
    thread = "thread"  # a comment in a thread one commented in
    like = "like"  # likes of one's post or comment, aggregated while unread
    invited = "invited"  # added to a group by someone else
    channel = "channel"  # @channel
    post = "post"  # a new post in a channel one follows with "all"
    # Moderation (moderation/): ``report``, one's report was decided (its
    # ``excerpt`` is the decision: dismissed, hidden, deleted, warned, muted,
    # suspended; it names no moderator); ``moderation``, a moderator acted on
    # one's account or content (``excerpt``: warning, mute, suspension, hidden,
    # deleted, lifted). Neither needs a channel.
    report = "report"
    moderation = "moderation"
    # A question still unanswered after the company's delay (questions/alerts.py):
    # to the asker's mentors, later to the channel's moderators.
    question_waiting = "question_waiting"
    # Surveys (surveys/): one opened for one (``survey``) or its author's
    # reminder to answer it (``survey_reminder``); ``excerpt`` is its title,
    # the actor its author. Neither needs a channel.
    survey = "survey"
    survey_reminder = "survey_reminder"
    # Events (gatherings/): moved up from the waitlist to going; reminders a
    # day and an hour before, to those going. ``excerpt``: the event's title
    # and start in the company's time zone; ``channel_id`` None: company-wide.
    event_moved_up = "event_moved_up"
    event_reminder_day = "event_reminder_day"
    event_reminder_hour = "event_reminder_hour"
    # A reminder to confirm a must-read announcement (announcements/): about no
    # channel; ``excerpt`` is its title, ``actors`` who sent the reminder.
    announcement = "announcement"
    # A comment under one's announcement (to its author), and one's name in a
    # comment under an announcement one may read; ``excerpt`` is its title.
    announcement_comment = "announcement_comment"
    announcement_mention = "announcement_mention"


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "seq", name="uq_notification_user_seq"),
        # A post's notifications, and its comments' (``thread_id``): an edit
        # rewrites their excerpt, a delete takes them away.
        Index("ix_notification_post", "post_id"),
        Index("ix_notification_thread", "thread_id"),
        # One's unread ones (counts, "mark all read").
        Index(
            "ix_notification_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        # For the job to come that emails mentions still unread after a delay:
        # "mentions unread since before T, not yet emailed", oldest first.
        Index(
            "ix_notification_unmailed",
            "created_at",
            postgresql_where=text("kind = 'mention' AND read_at IS NULL AND emailed_at IS NULL"),
            sqlite_where=text("kind = 'mention' AND read_at IS NULL AND emailed_at IS NULL"),
        ),
    )
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    kind: str = Field(max_length=20)
    # None for what is about no channel (moderation's notices).
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    post_id: int | None = Field(default=None, foreign_key="post.id")  # the post or comment
    thread_id: int | None = None  # a comment's post
    # What else it is about, by its kind (no foreign key: the table depends on
    # the kind): an event's id (``event_*``), an announcement's
    # (``announcement``), a survey's (``survey``, ``survey_reminder``). None
    # for the others, and for those made before it was kept (migration 0025).
    subject_id: int | None = None
    # Who did it, newest first: one person, or every liker of an aggregated like.
    actor_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))
    excerpt: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    emailed_at: datetime | None = None


# ---- API shapes -------------------------------------------------------------


class ActorRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str


class NotificationPublic(BaseModel):
    """A notification as its person sees it: what happened, who did it, where,
    and what to open (``post_id``; for a comment, ``thread_id`` is its post;
    for an event, an announcement or a survey, ``subject_id`` is its id)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    kind: NotificationKind
    actors: list[ActorRef]  # newest first, at most ACTORS_SHOWN
    count: int  # how many people: "佐藤さんほか3人" is actors[0] and count - 1 others
    channel_id: int | None  # None for moderation's notices
    channel_name: str
    post_id: int | None
    thread_id: int | None
    # The event (``event_*``), announcement (``announcement``) or survey
    # (``survey``, ``survey_reminder``) it is about; None for other kinds.
    subject_id: int | None
    excerpt: str  # plain text, at most EXCERPT_CHARS (notify/deliver.py); "" once deleted
    created_at: str
    updated_at: str
    read: bool


class Stored(Protocol):
    """A notification's row: the table model, or a plain row read or made
    without the ORM (``StoredRow``, what deliver and pages use)."""

    user_id: int
    id: int
    seq: int
    kind: str
    channel_id: int | None
    post_id: int | None
    thread_id: int | None
    subject_id: int | None
    actor_ids: list[int]
    excerpt: str
    created_at: datetime
    updated_at: datetime
    read_at: datetime | None


@dataclass(slots=True)
class StoredRow:
    """A notification's columns without the ORM: 5,000 of them (one post with
    ``@channel``) are made in milliseconds, where as many table models take a
    second."""

    user_id: int
    id: int
    seq: int
    kind: str
    channel_id: int | None
    post_id: int | None
    thread_id: int | None
    subject_id: int | None
    actor_ids: list[int]
    excerpt: str
    created_at: datetime
    updated_at: datetime
    read_at: datetime | None = None
    emailed_at: datetime | None = None

    @classmethod
    def of(cls, mapping: Any) -> StoredRow:
        """From a row of the table's columns (``result.mappings()``)."""
        return cls(**{name: mapping[name] for name in cls.__dataclass_fields__})

    def columns(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def notification_public(
    row: Stored, names: dict[int, str], channel_name: str | None
) -> NotificationPublic:
    """``names``: display names of (at least) its first actors."""
    return NotificationPublic(
        id=row.id,
        kind=NotificationKind(row.kind),
        actors=[
            ActorRef(id=i, display_name=names.get(i, "")) for i in row.actor_ids[:ACTORS_SHOWN]
        ],
        count=len(row.actor_ids),
        channel_id=row.channel_id,
        channel_name=channel_name or "",
        post_id=row.post_id,
        thread_id=row.thread_id,
        subject_id=row.subject_id,
        excerpt=row.excerpt,
        created_at=iso(row.created_at) or "",
        updated_at=iso(row.updated_at) or "",
        read=row.read_at is not None,
    )


class NotificationsPage(BaseModel):
    notifications: list[NotificationPublic]  # newest first
    before: int | None  # pass as ?before= for the next page; None at the end
    unread_count: int  # all one's unread notifications, not only this page's


class MarkRead(StrictModel):
    """``{"ids": [3, 9]}`` or ``{"all": true}``."""

    ids: list[DbId] | None = PField(default=None, min_length=1, max_length=MAX_READ_IDS)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> MarkRead:
        if (self.ids is None) == (not self.all):
            raise ValueError('give "ids" or "all": true, not both')
        return self


class ReadAnswer(BaseModel):
    unread_count: int
