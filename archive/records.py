"""The record types of a network export, in one explicit list: ``RECORDS``.
A table the export carries is one entry here, in an order where every table
comes after the tables it refers to (the import inserts in this order). A new
table (announcements, polls, ...) is one more ``Record(...)`` line; its columns,
their types, and its foreign keys are read from the table itself, so nothing
else changes.

What the list leaves out, on purpose: sign-in sessions, API tokens,
invitation and password links, failed sign-ins, calendar feed links (secrets
and short-lived things: people sign in again, with their passwords, which
travel as their argon2 hashes), the search index (rebuilt from the posts on import), and
the analytics rollups and report (the job counts them again from the rows).

A record on the wire is one JSON line ``{"type": "post", "data": {...}}``
whose data has every column by name: numbers, strings, booleans, JSON values,
and times and dates as ISO 8601 strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, Integer, String, Table
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from announcements.models import (
    Announcement,
    AnnouncementComment,
    AnnouncementDepartment,
    AnnouncementRead,
    Announcer,
)
from archive.retention import ChannelRetention
from audit.models import AuditEntry
from channels.attachments import Attachment
from channels.models import (
    Block,
    Channel,
    ChannelEvent,
    Like,
    Membership,
    Poll,
    PollOption,
    PollVote,
    Post,
    Question,
)
from channels.reading import ReadPosition
from core.tables import table_of
from gatherings.models import Gathering, Rsvp
from moderation.models import Report, Sanction
from notify.models import Notification
from onboarding.models import ChecklistItem, ChecklistTick
from org.models import Department, PersonEvent, User
from org.newcomers import Mentorship
from org.settings import CompanySetting
from org.terms import TermsAcceptance, TermsVersion
from surveys.models import (
    Survey,
    SurveyDepartment,
    SurveyMaker,
    SurveyOption,
    SurveyPool,
    SurveyQuestion,
    SurveyRespondent,
)
from usage.models import AnalyticsSearch
from words.lists import WordList


@dataclass(frozen=True)
class Record:
    """One table of the export. ``refs``: columns that hold another record's
    id without a foreign key in the schema (checked on import all the same),
    as ``{column: record type}``."""

    model: type[SQLModel]
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key)


# In insertion order: each after what it refers to (posts by id, so a
# comment's post comes first).
RECORDS: tuple[Record, ...] = (
    Record(Department),
    Record(User),
    Record(Channel),
    Record(Membership, refs={"since_post": "post"}),
    Record(Block),
    Record(Post),
    Record(Like),
    Record(Question),
    Record(Poll),
    Record(PollOption),
    Record(PollVote),
    Record(Announcement),
    Record(AnnouncementDepartment),
    Record(AnnouncementRead),
    Record(Announcer),
    Record(AnnouncementComment),
    # After the posts and announcements a file may be on.
    Record(Attachment),
    Record(Gathering),
    Record(Rsvp),
    Record(Survey),
    Record(SurveyDepartment),
    Record(SurveyQuestion),
    Record(SurveyOption),
    Record(SurveyRespondent),
    Record(SurveyPool),
    Record(SurveyMaker),
    Record(AnalyticsSearch),
    Record(ChannelEvent),
    Record(PersonEvent),
    Record(ReadPosition),
    Record(Notification, refs={"thread_id": "post"}),
    Record(Mentorship),
    Record(ChecklistItem),
    Record(ChecklistTick),
    Record(CompanySetting),
    Record(TermsVersion),
    Record(TermsAcceptance),
    Record(WordList),
    Record(Report),
    Record(Sanction),
    Record(AuditEntry),
    Record(ChannelRetention),
)
BY_NAME = {r.name: r for r in RECORDS}


def references(record: Record) -> dict[str, tuple[str, str]]:
    """Each column that names another record: ``{column: (type, its column)}``."""
    found: dict[str, tuple[str, str]] = {}
    for column in record.table.columns:
        for fk in column.foreign_keys:
            found[column.name] = (fk.column.table.name, fk.column.name)
    for column_name, target in record.refs.items():
        found[column_name] = (target, BY_NAME[target].key[0])
    return found


# ---- values to and from JSON ----------------------------------------------------------


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class RecordError(ValueError):
    """A record that cannot be taken: says which field and why."""


_INT_LIMITS = {BigInteger: 2**63, Integer: 2**31}


def from_json(column: Column[Any], value: Any) -> Any:
    """A JSON value as the column's Python value, or ``RecordError``."""
    name = column.name
    if value is None:
        if not column.nullable or column.primary_key:
            raise RecordError(f"{name}: may not be null")
        return None
    kind = column.type
    if isinstance(kind, TypeDecorator):  # SQLModel's AutoString: a String
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise RecordError(f"{name}: not true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(f"{name}: not a whole number")
        limit = _INT_LIMITS[BigInteger if isinstance(kind, BigInteger) else Integer]
        if not -limit <= value < limit:
            raise RecordError(f"{name}: out of range")
        return value
    if isinstance(kind, DateTime):
        try:
            when = datetime.fromisoformat(_text(name, value))
        except ValueError:
            raise RecordError(f"{name}: not an ISO 8601 time") from None
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        try:
            return date.fromisoformat(_text(name, value))
        except ValueError:
            raise RecordError(f"{name}: not an ISO 8601 date") from None
    if isinstance(kind, String):  # Text too
        text = _text(name, value)
        if kind.length is not None and len(text) > kind.length:
            raise RecordError(f"{name}: longer than {kind.length} characters")
        return text
    if isinstance(kind, JSON):
        _check_json(name, value)
        return value
    raise RecordError(f"{name}: a column of a type the import does not know")


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{name}: not a string")
    if "\x00" in value:
        raise RecordError(f"{name}: contains a NUL character")
    return value


def _check_json(name: str, value: Any, depth: int = 0) -> None:
    if depth > 32:
        raise RecordError(f"{name}: nested too deep")
    if isinstance(value, str):
        _text(name, value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise RecordError(f"{name}: not a finite number")
    elif isinstance(value, list):
        for item in value:
            _check_json(name, item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(name, key)
            _check_json(name, item, depth + 1)


def row_of(record: Record, data: Any) -> dict[str, Any]:
    """A record's data as a row of its table: every column known, each value
    of its column's type; ``RecordError`` otherwise."""
    if not isinstance(data, dict):
        raise RecordError("data: not an object")
    columns = {c.name: c for c in record.table.columns}
    unknown = sorted(set(data) - set(columns))
    if unknown:
        raise RecordError(f"unknown fields: {', '.join(unknown[:5])}")
    row: dict[str, Any] = {}
    for name, column in columns.items():
        if name not in data:
            if column.nullable and not column.primary_key:
                row[name] = None
                continue
            raise RecordError(f"{name}: missing")
        row[name] = from_json(column, data[name])
    return row


def key_of(record: Record, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in record.key)


def names(records: Sequence[Record] = RECORDS) -> list[str]:
    return [r.name for r in records]
