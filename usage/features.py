"""The features whose use is counted: a registry, one entry per feature, each
saying how to find who used it when (from a table or the event log).

An entry is an async function given a connection and a window of UTC days
``[start, end)``; it answers ``Use`` rows: a day, a person, a channel (0 for
none) and how many times. Most entries are a query of rows ``(user_id, at,
channel_id)``, one per use, ``at`` its time: ``@counted(name)`` turns such a
query into an entry (the day is taken in SQL, and rows are grouped there).

A feature listed in ``FEATURES`` without an entry (one built elsewhere and not
merged yet) shows as not available, never as unused. Adding one is a few
lines here, for instance polls (a table ``poll_vote`` with ``user_id``,
``channel_id``, ``created_at``)::

    @counted("polls")
    def _polls() -> Select[Any]:
        v = table_of(PollVote).c
        return sa_select(
            v.user_id.label("user_id"), v.created_at.label("at"), v.channel_id.label("channel_id")
        )

(and ``"polls"`` among ``usage``'s allowed imports in
tests/unit/test_structure.py's ``ALLOWED``, if its table lives in a new
package). The next round of the job counts the whole history window for a
feature it never counted before (rollup.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from announcements.models import Announcement, AnnouncementRead
from channels import mentions
from channels.attachments import Attachment
from channels.models import Channel, ChannelKind, Like, Membership, PollVote, Post, Question
from core.tables import table_of
from gatherings.models import Gathering, Rsvp
from surveys.models import Survey, SurveyRespondent
from usage.models import AnalyticsSearch

# Every feature the page lists, in its order. "direct": messages in direct
# conversations (posts, comments and likes count those of channels only).
FEATURES = (
    "posts",
    "comments",
    "likes",
    "files",
    "groups",
    "mentions",
    "search",
    "announcements",
    "events",
    "polls",
    "surveys",
    "questions",
    "direct",
)


@dataclass(frozen=True, slots=True)
class Use:
    day: date
    user_id: int
    channel_id: int
    uses: int


Entry = Callable[[AsyncConnection, date, date], Awaitable[list[Use]]]
ENTRIES: dict[str, Entry] = {}
# The entries made by ``counted``, by name: the job fills their rows with one
# INSERT ... SELECT, without bringing them through Python.
QUERIES: dict[str, Callable[[], Select[Any]]] = {}


def register(name: str, entry: Entry) -> Entry:
    if name not in FEATURES:
        raise ValueError(f"feature {name!r} is not in FEATURES")
    if name in ENTRIES:
        raise ValueError(f"feature {name!r} registered twice")
    ENTRIES[name] = entry
    return entry


def bound(day: date) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time.min, UTC)


def day_of(conn: AsyncConnection, ts: Any) -> ColumnElement[Any]:
    """The UTC day of a timestamp column, in SQL."""
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", ts))
    return func.date(ts)


def as_date(value: Any) -> date:
    """A day as either database answers it (a date, or text on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def grouped(
    conn: AsyncConnection, query: Select[Any], start: date, end: date, feature: str | None = None
) -> Select[Any]:
    """``query``'s uses in the window as ``(day, user_id, channel_id, uses)``
    (``(day, feature, user_id, channel_id, uses)`` given the feature's name)."""
    sub = query.subquery()
    day = day_of(conn, sub.c.at)
    channel = func.coalesce(sub.c.channel_id, 0)
    named = [] if feature is None else [literal(feature)]
    return (
        sa_select(day, *named, sub.c.user_id, channel, func.count())
        .where(sub.c.at >= bound(start), sub.c.at < bound(end))
        .group_by(day, sub.c.user_id, channel)
    )


def counted(name: str) -> Callable[[Callable[[], Select[Any]]], Callable[[], Select[Any]]]:
    """Register a query of ``(user_id, at, channel_id)`` rows, one per use, as
    the entry of feature ``name``."""

    def wrap(query: Callable[[], Select[Any]]) -> Callable[[], Select[Any]]:
        async def entry(conn: AsyncConnection, start: date, end: date) -> list[Use]:
            rows = await conn.execute(grouped(conn, query(), start, end))
            return [Use(as_date(d), u, c, n) for d, u, c, n in rows]

        register(name, entry)
        QUERIES[name] = query
        return query

    return wrap


_POST, _CHANNEL, _LIKE = table_of(Post), table_of(Channel), table_of(Like)
_FILE, _MEMBER, _QUESTION = table_of(Attachment), table_of(Membership), table_of(Question)
_SEARCH = table_of(AnalyticsSearch)
_VOTE, _POLL_POST = table_of(PollVote), table_of(Post).alias("poll_post")
_GATHERING, _RSVP = table_of(Gathering), table_of(Rsvp)
_SURVEY, _RESPONDENT = table_of(Survey), table_of(SurveyRespondent)
_NOTICE, _CONFIRMED = table_of(Announcement), table_of(AnnouncementRead)
_DIRECT = ChannelKind.direct.value


def _writing(comments: bool | None, direct: bool) -> Select[Any]:
    p, c = _POST.c, _CHANNEL.c
    where = [c.kind == _DIRECT if direct else c.kind != _DIRECT]
    if comments is not None:
        where.append(p.parent_id.is_not(None) if comments else p.parent_id.is_(None))
    return (
        sa_select(
            p.author_id.label("user_id"), p.created_at.label("at"), p.channel_id.label("channel_id")
        )
        .select_from(_POST.join(_CHANNEL, c.id == p.channel_id))
        .where(*where)
    )


@counted("posts")
def _posts() -> Select[Any]:
    return _writing(False, direct=False)


@counted("comments")
def _comments() -> Select[Any]:
    return _writing(True, direct=False)


@counted("direct")
def _direct() -> Select[Any]:
    return _writing(None, direct=True)


@counted("likes")
def _likes() -> Select[Any]:
    k, p, c = _LIKE.c, _POST.c, _CHANNEL.c
    return (
        sa_select(
            k.user_id.label("user_id"), k.created_at.label("at"), p.channel_id.label("channel_id")
        )
        .select_from(_LIKE.join(_POST, p.id == k.post_id).join(_CHANNEL, c.id == p.channel_id))
        .where(c.kind != _DIRECT)
    )


@counted("files")
def _files() -> Select[Any]:
    f = _FILE.c
    return sa_select(
        f.uploader_id.label("user_id"), f.created_at.label("at"), f.channel_id.label("channel_id")
    )


@counted("groups")
def _groups() -> Select[Any]:
    """Joining an interest group, or writing in one."""
    m, p, c = _MEMBER.c, _POST.c, _CHANNEL.c
    group = ChannelKind.group.value
    joined = (
        sa_select(m.user_id.label("user_id"), m.joined_at.label("at"), m.channel_id)
        .select_from(_MEMBER.join(_CHANNEL, c.id == m.channel_id))
        .where(c.kind == group)
    )
    wrote = (
        sa_select(p.author_id, p.created_at, p.channel_id)
        .select_from(_POST.join(_CHANNEL, c.id == p.channel_id))
        .where(c.kind == group)
    )
    return sa_select(union_all(joined, wrote).subquery())


@counted("questions")
def _questions() -> Select[Any]:
    q = _QUESTION.c
    return sa_select(
        q.asker_id.label("user_id"), q.asked_at.label("at"), q.channel_id.label("channel_id")
    )


@counted("polls")
def _polls() -> Select[Any]:
    """Voting (or changing one's vote) in a poll: the vote rows keep the last
    time each person voted in each poll."""
    v, p = _VOTE.c, _POLL_POST.c
    return sa_select(
        v.user_id.label("user_id"), v.voted_at.label("at"), p.channel_id.label("channel_id")
    ).select_from(_VOTE.join(_POLL_POST, p.id == v.post_id))


@counted("events")
def _events() -> Select[Any]:
    """Answering an event (going, maybe or not); a company-wide one has no channel."""
    r, g = _RSVP.c, _GATHERING.c
    return sa_select(
        r.user_id.label("user_id"), r.answered_at.label("at"), g.channel_id.label("channel_id")
    ).select_from(_RSVP.join(_GATHERING, g.id == r.gathering_id))


@counted("announcements")
def _announcements() -> Select[Any]:
    """Publishing an announcement, or confirming a must-read one."""
    a, r = _NOTICE.c, _CONFIRMED.c
    published = sa_select(
        a.author_id.label("user_id"), a.published_at.label("at"), literal(0).label("channel_id")
    ).where(a.published_at.is_not(None))
    confirmed = sa_select(r.user_id, r.confirmed_at, literal(0))
    return sa_select(union_all(published, confirmed).subquery())


@counted("surveys")
def _surveys() -> Select[Any]:
    """Making a survey, or answering one (who answered is kept apart from the
    answers, even in an anonymous survey: surveys/pool.py)."""
    s, r = _SURVEY.c, _RESPONDENT.c
    made = sa_select(
        s.created_by.label("user_id"), s.created_at.label("at"), literal(0).label("channel_id")
    )
    answered = sa_select(r.user_id, r.answered_at, literal(0))
    return sa_select(union_all(made, answered).subquery())


async def _search(conn: AsyncConnection, start: date, end: date) -> list[Use]:
    s = _SEARCH.c
    rows = await conn.execute(sa_select(s.day, s.user_id).where(s.day >= start, s.day < end))
    return [Use(as_date(d), u, 0, 1) for d, u in rows]


register("search", _search)


async def mentioning_posts(conn: AsyncConnection, start: date, end: date) -> list[Any]:
    """Posts and comments of the window whose text may mention someone
    (``id, author, channel, day, html``); the chips decide (channels/mentions.py)."""
    p = _POST.c
    return list(
        await conn.execute(
            sa_select(p.id, p.author_id, p.channel_id, day_of(conn, p.created_at), p.html).where(
                and_(p.created_at >= bound(start), p.created_at < bound(end)),
                p.html.like(literal('%class="mention"%')),
            )
        )
    )


async def _mentions(conn: AsyncConnection, start: date, end: date) -> list[Use]:
    counts: dict[tuple[date, int, int], int] = {}
    for _id, author, channel, day, html in await mentioning_posts(conn, start, end):
        said = mentions.mentioned(html)
        if said.people or said.everyone:
            key = (as_date(day), author, channel)
            counts[key] = counts.get(key, 0) + 1
    return [Use(d, u, c, n) for (d, u, c), n in counts.items()]


register("mentions", _mentions)


def available(names: Iterable[str] = FEATURES) -> list[str]:
    return [n for n in names if n in ENTRIES]
