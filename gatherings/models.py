"""Tables for gatherings (what the interface calls events: イベント), the
answers people give (RSVPs) and each person's calendar feed, and the API
shapes built from them.

Times are stored in UTC (``starts_at``, ``ends_at``); the browser shows them in
the reader's own zone, .ics files and reminder texts in the company's
(org/timezone.py).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.schema import DbId, StrictModel

MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
MAX_PLACE = 200
MAX_LINK = 500
MAX_CAPACITY = 10_000  # more is a typo, not an event
MAX_DAYS = 31  # an event lasts at most this long
MAX_AHEAD_DAYS = 5 * 366  # and starts at most this far ahead
PAGE = 50  # upcoming events a page


class Answer(enum.StrEnum):
    """What a person answered, as stored: ``waitlist`` is "going" while full."""

    going = "going"
    waitlist = "waitlist"
    maybe = "maybe"
    no = "no"


class Gathering(SQLModel, table=True):
    """An event. ``channel_id`` None: company-wide (every active person may see
    it). Cancelled ones stay (their page says so; .ics says CANCELLED)."""

    __tablename__ = "gathering"
    __table_args__ = (
        # Upcoming events in order (the list, the feed, the reminder job).
        Index("ix_gathering_starts", "starts_at"),
        Index("ix_gathering_channel", "channel_id", "starts_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=80, unique=True)  # the iCalendar UID, fixed for life
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    organiser_id: int = Field(foreign_key="account.id")
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    starts_at: datetime
    ends_at: datetime
    place: str = Field(default="", max_length=MAX_PLACE)
    link: str = Field(default="", max_length=MAX_LINK)
    capacity: int | None = None
    going: int = 0  # counts kept with the answers, under the row's lock
    maybe: int = 0
    waitlist: int = 0
    sequence: int = 0  # iCalendar SEQUENCE: one more at every change of the event itself
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    # Set by the reminder job's claim (a conditional UPDATE): each reminder once.
    reminded_day_at: datetime | None = None
    reminded_hour_at: datetime | None = None


class Rsvp(SQLModel, table=True):
    """One person's answer to one event; no row: no answer. ``answered_at`` is
    when they last answered (usage figures count people by it);
    ``queued_at`` orders the waitlist."""

    __tablename__ = "rsvp"
    __table_args__ = (
        Index("ix_rsvp_user", "user_id", "answered_at"),
        Index("ix_rsvp_queue", "gathering_id", "answer", "queued_at"),
        Index("ix_rsvp_answered", "answered_at"),
    )
    gathering_id: int = Field(foreign_key="gathering.id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    answer: str = Field(max_length=10)
    answered_at: datetime = Field(default_factory=utcnow)
    queued_at: datetime | None = None  # on the waitlist since


class CalendarFeed(SQLModel, table=True):
    """A person's private calendar feed: the SHA-256 of its secret token (the
    URL carries the token; a stolen database does not give it away)."""

    __tablename__ = "calendar_feed"
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


def aware(ts: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back."""
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


# ---- API shapes -------------------------------------------------------------


def _check_link(link: str | None) -> None:
    if link and not (link.startswith("https://") or link.startswith("http://")):
        raise ValueError("link: an http:// or https:// address")


class GatheringFields(StrictModel):
    title: str = PField(min_length=1, max_length=MAX_TITLE)
    description: str = PField(default="", max_length=MAX_DESCRIPTION)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str = PField(default="", max_length=MAX_PLACE)
    link: str = PField(default="", max_length=MAX_LINK)
    capacity: int | None = PField(default=None, ge=1, le=MAX_CAPACITY)

    @model_validator(mode="after")
    def _checked(self) -> GatheringFields:
        _check_link(self.link)
        return self


class GatheringCreate(GatheringFields):
    """``channel_id``: the channel it belongs to (one must be a member); none
    for a company-wide event (admins)."""

    channel_id: DbId | None = None
    # The author saw the word check's warning and creates it anyway (words/lists.py).
    acknowledge_warning: bool = False


class GatheringChange(StrictModel):
    """What to change; times are checked together with those kept.
    ``capacity``: null removes the limit."""

    title: str | None = PField(default=None, min_length=1, max_length=MAX_TITLE)
    description: str | None = PField(default=None, max_length=MAX_DESCRIPTION)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    place: str | None = PField(default=None, max_length=MAX_PLACE)
    link: str | None = PField(default=None, max_length=MAX_LINK)
    capacity: int | None = PField(default=None, ge=1, le=MAX_CAPACITY)
    # The editor saw the word check's warning and saves it anyway (words/lists.py).
    acknowledge_warning: bool = False

    @model_validator(mode="after")
    def _checked(self) -> GatheringChange:
        _check_link(self.link)
        if not self.model_fields_set - {"acknowledge_warning"}:
            raise ValueError("nothing to change")
        return self


class AnswerChoice(StrictModel):
    answer: Literal["going", "maybe", "no"]


class PersonName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str


class GatheringData(BaseModel):
    """An event as every reader sees it (and as ``gathering.updated`` carries it)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    channel_id: int | None  # None: company-wide
    title: str
    description: str
    starts_at: str  # ISO 8601, UTC
    ends_at: str
    place: str
    link: str
    capacity: int | None
    organiser: PersonName
    going: int
    maybe: int
    waitlist: int
    cancelled: bool
    updated_at: str


class GatheringPublic(GatheringData):
    """An event as one person sees it: with the channel's name, their own answer
    (``waitlist`` with their ``place_in_line``, 1 first) and whether they may
    edit or cancel it."""

    channel_name: str
    my_answer: Answer | None
    place_in_line: int | None
    can_edit: bool


class Attendee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: PersonName
    answer: Answer
    answered_at: str


class GatheringDetail(GatheringPublic):
    """One event's page: who is going (in the order they answered), then the
    waitlist (in its order), then who may come. "No" answers are not listed."""

    attendees: list[Attendee]


class GatheringsPage(BaseModel):
    gatherings: list[GatheringPublic]  # soonest first


class FeedLink(BaseModel):
    """One's calendar feed: ``url`` None while there is none. The token is shown
    once, when made; afterwards only whether one exists."""

    exists: bool
    url: str | None = None
    created_at: str | None = None
