"""The home feed: the newest top-level posts of every channel one follows (is a
member of), unread first, a page at a time, in the same number of statements
whatever the number of channels. It owns no table: it reads posts as history
does (``reads.POST_ROW``), read positions as the badges count them
(channels/reading.py), and the read rule as SQL (``readable_by``), inside the
query, never after. Catching up ("mark all read") is reading.py's
``do_mark_all_read``.

A page has three parts, drawn in this order:

- ``must_read``: items one must confirm having read: the must-read
  announcements one has not confirmed, which the server's feed adds
  (server/routes/home.py; announcements/ stands above channels).
- the **unread** section: posts by others, written after one joined the
  channel, past one's read position in it (its ``post.created`` event's seq),
  newest first: the same posts the sidebar's badges count, less comments.
  Newest first because live posts arrive at the top of the feed, where one is
  looking; the oldest unread post, where one stopped reading, ends the section
  (the browser's "jump to first unread" goes there).
- the **read** section: every other post of those channels, newest first.

Paging: ``section`` and ``before`` (a post id) say where a page starts, and an
answer says where the next one does (``section`` None: there is none). A page
that exhausts the unread section is filled from the top of the read one. A
post read between two pages moves from one section to the other, so it may be
met twice (clients drop what they already show, by id) or, once read, be found
among the read posts further down; what arrives after the first page comes
live.

Cost: one statement per section a page touches (two at most), whatever the
number of channels or posts (tests/integration/test_home.py counts them), and
rows read in proportion to the page, the person's channels and their unread
posts, never to the company's posts (docs/performance.md, bench/home.py).
Ordered by ``post.id DESC LIMIT n`` over the joins, the planner walked the
post table's primary key backwards through nearly every post when few were
unread (or few read); so each statement first finds the page's ids from the
person's memberships, then reads the rows of just those:

- unread: each channel's ``post.created`` events above one's read position,
  a range of the event log's primary key ``(channel_id, seq)``, with their
  posts, sorted by an expression (``id + 0``) that no index gives in order, so
  no plan walks posts or events backwards through the read ones. Nothing
  unread reads nothing, so no separate "is anything unread" statement first
  (it would cost what it saves, and a round trip).
- read: each channel's newest top-level posts (``ix_post_channel_top``,
  backwards) less the unread ones; a post's event is looked up only in
  channels with something past one's read position.

On PostgreSQL each channel's part is a ``LATERAL`` subquery taking its newest
``limit``, and the statement keeps the newest ``limit`` of those (the read
section reads at most channels x limit posts, plus the unread ones it skips).
SQLite has no ``LATERAL``; one join does it, and its planner drives the unread
section from the memberships as above, and the read section by walking posts
backwards from ``before`` (each checked against the membership), which is fine
where SQLite is used: one's channels are a large share of a small company.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy import Select, and_, bindparam, func, not_, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import polls, reads
from channels.access import readable_by
from channels.models import Channel, ChannelEvent, Membership, Post, PostPublic
from channels.reading import ReadPosition
from channels.search import ChannelRef
from core.errors import InvalidError
from core.tables import table_of
from org.models import User

PAGE: Final = 20  # posts a page, unless asked for fewer or more
MAX_PAGE: Final = 50

_POST, _CHANNEL, _EVENT = table_of(Post), table_of(Channel), table_of(ChannelEvent)
_MEMBER = table_of(Membership).alias("home_member")
_READ = table_of(ReadPosition).alias("home_read")
_CREATED = _EVENT.alias("home_created")


class Section(enum.StrEnum):
    unread = "unread"
    read = "read"


class HomeItem(BaseModel):
    """A post of the feed: as history shows it, its channel, its position in
    the channel's log (``seq``: 0 when it has none) and whether it is unread."""

    post: PostPublic
    channel: ChannelRef
    seq: int
    unread: bool


class HomePage(BaseModel):
    # Items one must confirm having read, drawn above everything: empty here;
    # the server's feed fills it with announcements (server/routes/home.py).
    must_read: list[HomeItem] = []
    posts: list[HomeItem]
    # Where the next page starts: ``?section=&before=``; section None at the end.
    section: Section | None = None
    before: int | None = None


def ask(
    section: str | None, before: int | None, limit: int | None
) -> tuple[Section, int | None, int]:
    """A page's start and size from what a client sent (HTTP query parameters
    or a ``home`` frame, named alike); InvalidError naming what is wrong."""
    if section is not None and section not in Section.__members__:
        raise InvalidError("section: unread or read")
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise InvalidError(f"limit: 1 to {MAX_PAGE}")
    if before is not None and before < 1:
        raise InvalidError("before: a post id")
    return Section(section) if section else Section.unread, before, limit or PAGE


def _is_unread(user_id: Any) -> Any:
    """The badges' rule (reading.unread_counts) for one post: by someone else,
    after one joined, past one's read position."""
    return and_(
        _CREATED.c.seq > func.coalesce(_READ.c.seq, 0),
        _CREATED.c.created_at > _MEMBER.c.joined_at,
        _POST.c.author_id != user_id,
    )


def _created_of_post() -> Any:
    """A post's ``post.created`` event (``ix_channel_event_post``), as a
    ``LATERAL`` of its own (as a join, PostgreSQL's planner reads every event
    of the channel for it); none where the channel has nothing past one's read
    position (a one-time filter: every post there is read)."""
    return (
        sa_select(_CREATED.c.seq, _CREATED.c.created_at)
        .where(
            _CREATED.c.channel_id == _POST.c.channel_id,
            _CREATED.c.post_id == _POST.c.id,
            _CREATED.c.kind == "post.created",
            _CHANNEL.c.last_seq > func.coalesce(_READ.c.seq, 0),
        )
        .correlate_except(_CREATED)
        .limit(1)
        .lateral("home_created_of")
    )


# Added to a group conversation: nothing from before (channels/direct.py).
_SINCE_ADDED = or_(_MEMBER.c.since_post.is_(None), _POST.c.id > _MEMBER.c.since_post)
# Hidden by a moderator: gone for everyone but its author (reads.shown_to).
_SHOWN = reads.shown_to(bindparam("user_id"))


def _unread_top(user_id: Any, before: bool, channels: Any = None) -> Select[Any]:
    """Unread posts, newest first, without reading every unread post: of one
    channel (the membership ``_MEMBER`` and read position ``_READ`` of the
    statement around it, on PostgreSQL), or of all the person's ``channels``
    (SQLite, which has no ``LATERAL``).

    In each channel, the newest ``limit`` unread posts by seq (its log
    backwards from the head, down to one's read position at most: the primary
    key) give a floor, the least of their ids; the answer is among the
    channel's posts from the newest down to that floor (``ix_post_channel_top``)
    less the read ones. Exact although ids and seqs may disagree (a post's id
    is taken before its seq, so concurrent writers can swap them): a post
    below the floor has ``limit`` unread posts above it. Of all channels, the
    candidates are sorted by ``id + 0``, an expression no index gives in order,
    so that the planner starts from the memberships (by ``id`` alone, it may
    rather walk every post backwards)."""
    below: list[Any] = [
        _POST.c.parent_id.is_(None),
        _POST.c.deleted_at.is_(None),
        _POST.c.author_id != user_id,
        _SINCE_ADDED,
        _SHOWN,
    ]
    if before:
        below.append(_POST.c.id < bindparam("before"))
    by_seq = (
        sa_select(_POST.c.id)
        .select_from(_CREATED.join(_POST, _POST.c.id == _CREATED.c.post_id))
        .where(
            _CREATED.c.channel_id == _MEMBER.c.channel_id,
            _CREATED.c.kind == "post.created",
            _is_unread(user_id),
            *below,
        )
        .correlate(_MEMBER, _READ)
        .order_by(_CREATED.c.seq.desc())
        .limit(bindparam("limit"))
        .subquery("home_by_seq")
    )
    in_channel = _POST.c.channel_id == _MEMBER.c.channel_id
    below.append(_POST.c.id >= sa_select(func.min(by_seq.c.id)).scalar_subquery())
    created: Any
    if channels is None:
        created = _created_of_post()
        posts = _POST.join(created, true())
        order = _POST.c.id.desc()
    else:
        created = _CREATED
        posts = channels.join(_POST, in_channel).join(
            _CREATED,
            and_(
                _CREATED.c.channel_id == _POST.c.channel_id,
                _CREATED.c.post_id == _POST.c.id,
                _CREATED.c.kind == "post.created",
            ),
        )
        order = (_POST.c.id + 0).desc()
    return (
        sa_select(_POST.c.id, created.c.seq)
        .select_from(posts)
        .where(
            in_channel,
            created.c.seq > func.coalesce(_READ.c.seq, 0),
            created.c.created_at > _MEMBER.c.joined_at,
            *below,
        )
        .order_by(order)
        .limit(bindparam("limit"))
    )


def _read_top(user_id: Any, before: bool, channels: Any = None) -> Select[Any]:
    """Read posts, newest first: top-level posts (``ix_post_channel_top``,
    backwards) less the unread ones; of one channel or of all ``channels``, as
    ``_unread_top``. A post's event is looked up only where the channel has
    something past one's read position (``_created_of_post``)."""
    in_channel = _POST.c.channel_id == _MEMBER.c.channel_id
    created: Any
    if channels is None:
        created = _created_of_post()
        posts = _POST.outerjoin(created, true())
    else:
        created = _CREATED
        posts = channels.join(_POST, in_channel).outerjoin(
            _CREATED,
            and_(
                _CREATED.c.channel_id == _POST.c.channel_id,
                _CREATED.c.post_id == _POST.c.id,
                _CREATED.c.kind == "post.created",
            ),
        )
    where: list[Any] = [
        in_channel,
        _POST.c.parent_id.is_(None),
        _POST.c.deleted_at.is_(None),
        _SINCE_ADDED,
        _SHOWN,
        # Not unread (``_is_unread``); a post without its event (none today) is read.
        not_(
            and_(
                created.c.seq.is_not(None),
                created.c.seq > func.coalesce(_READ.c.seq, 0),
                created.c.created_at > _MEMBER.c.joined_at,
                _POST.c.author_id != user_id,
            )
        ),
    ]
    if before:
        where.append(_POST.c.id < bindparam("before"))
    return (
        sa_select(_POST.c.id)
        .select_from(posts)
        .where(*where)
        .order_by(_POST.c.id.desc())
        .limit(bindparam("limit"))
    )


# A read post's seq, looked up for the rows of the page alone.
_SEQ_OF = (
    sa_select(_CREATED.c.seq)
    .where(
        _CREATED.c.channel_id == _POST.c.channel_id,
        _CREATED.c.post_id == _POST.c.id,
        _CREATED.c.kind == "post.created",
    )
    .limit(1)
    .scalar_subquery()
)


@functools.cache
def _statement(dialect: str, section: Section, before: bool) -> Select[Any]:
    """A section's posts, newest first: the post as history reads it, then its
    channel's name and kind and its seq. Two steps in one statement: the page's
    ids (``found``), from the person's memberships, then the rows of just those."""
    user_id: Any = bindparam("user_id")
    top = _unread_top if section is Section.unread else _read_top
    channels = _MEMBER.join(_CHANNEL, _CHANNEL.c.id == _MEMBER.c.channel_id).outerjoin(
        _READ, and_(_READ.c.channel_id == _MEMBER.c.channel_id, _READ.c.user_id == user_id)
    )
    mine = [_MEMBER.c.user_id == user_id, readable_by(user_id, channel=_CHANNEL)]
    if dialect == "postgresql":
        # The newest ``limit`` of each channel, then the newest of those.
        each = top(user_id, before).lateral("home_top")
        found = (
            sa_select(*each.c, _CHANNEL.c.name, _CHANNEL.c.kind)
            .select_from(channels.join(each, true()))
            .where(*mine)
            .order_by(each.c.id.desc())
            .limit(bindparam("limit"))
        )
    else:
        # SQLite has no LATERAL: one join, whose plan the module's docstring
        # describes.
        found = top(user_id, before, channels).add_columns(_CHANNEL.c.name, _CHANNEL.c.kind)
        found = found.where(*mine)
    page = found.subquery("home_page")
    seq = page.c.seq if section is Section.unread else func.coalesce(_SEQ_OF, 0)
    return (
        reads.post_select(user_id)
        .add_columns(page.c.name, page.c.kind, seq)
        .join(page, page.c.id == _POST.c.id)
        .order_by(page.c.id.desc())
    )


async def _section(
    conn: AsyncConnection, user: User, section: Section, before: int | None, limit: int
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"user_id": user.id, "limit": limit}
    if before is not None:
        params["before"] = before
    statement = _statement(conn.dialect.name, section, before is not None)
    rows = await conn.execute(statement, params)
    items = []
    for row in rows:
        *post, name, kind, seq = row
        fields = reads.post_fields(post)
        items.append(
            {
                "post": fields,
                "channel": {"id": fields["channel_id"], "name": name, "kind": kind},
                "seq": seq,
                "unread": section is Section.unread,
            }
        )
    return items


async def home_page(
    conn: AsyncConnection,
    user: User,
    *,
    section: Section = Section.unread,
    before: int | None = None,
    limit: int = PAGE,
) -> HomePage:
    """A page of ``user``'s feed from ``section`` and ``before`` (the top of the
    unread section by default), its posts' polls read with one more query."""
    page = await _page(conn, user, section, before, limit)
    await polls.attach(conn, user.id, [item["post"] for item in page["posts"]])
    return HomePage.model_validate(page)


async def _page(
    conn: AsyncConnection, user: User, section: Section, before: int | None, limit: int
) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    page: dict[str, Any] = {"posts": items}
    if section is Section.unread:
        found = await _section(conn, user, Section.unread, before, limit + 1)
        if len(found) > limit:
            items.extend(found[:limit])
            page.update(section=Section.unread, before=items[-1]["post"]["id"])
            return page
        items.extend(found)
        if len(items) == limit:  # exactly the section: the read one is next
            page.update(section=Section.read, before=None)
            return page
        section, before = Section.read, None
    room = limit - len(items)
    found = await _section(conn, user, Section.read, before, room + 1)
    items.extend(found[:room])
    if len(found) > room:
        page.update(section=Section.read, before=items[-1]["post"]["id"])
    return page
