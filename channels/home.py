"""The home feed: the newest top-level posts of every channel one follows (is a
member of), unread first, a page at a time, in the same number of statements
whatever the number of channels. It owns no table: it reads posts as history
does (``reads.POST_ROW``), read positions as the badges count them
(channels/reading.py), and the read rule as SQL (``readable_by``), inside the
query, never after. Catching up ("mark all read") is reading.py's
``do_mark_all_read``.

A page has three parts, drawn in this order:

- ``must_read``: items one must confirm having read. Announcements (a later
  issue) fill it; until then it is always empty, and clients draw nothing.
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
number of channels or posts (tests/integration/test_home.py counts them). The
unread section starts from each channel's read position (the event log's
primary key), so a person who keeps up reads few rows.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy import Select, and_, bindparam, func, not_
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import reads
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
    # Items one must confirm having read, drawn above everything: filled by
    # announcements (a later issue); always empty until then.
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


@functools.cache
def _statement(section: Section, before: bool) -> Select[Any]:
    """A section's posts, newest first: the post as history reads it, then its
    channel's name and kind and its seq."""
    user_id: Any = bindparam("user_id")
    created = and_(
        _CREATED.c.channel_id == _POST.c.channel_id,
        _CREATED.c.post_id == _POST.c.id,
        _CREATED.c.kind == "post.created",
    )
    stmt = (
        reads.post_select(user_id)
        .add_columns(_CHANNEL.c.name, _CHANNEL.c.kind, func.coalesce(_CREATED.c.seq, 0))
        .join(_CHANNEL, _CHANNEL.c.id == _POST.c.channel_id)
        .join(
            _MEMBER, and_(_MEMBER.c.channel_id == _POST.c.channel_id, _MEMBER.c.user_id == user_id)
        )
        .outerjoin(
            _READ, and_(_READ.c.channel_id == _POST.c.channel_id, _READ.c.user_id == user_id)
        )
    )
    where: list[Any] = [
        _POST.c.parent_id.is_(None),
        _POST.c.deleted_at.is_(None),
        _POST.c.hidden_at.is_(None),
        readable_by(user_id, channel=_CHANNEL),
    ]
    if section is Section.unread:
        stmt = stmt.join(_CREATED, created)
        where.append(_is_unread(user_id))
    else:
        # A post without its event (none today) counts as read.
        stmt = stmt.outerjoin(_CREATED, created)
        where.append(not_(and_(_CREATED.c.seq.is_not(None), _is_unread(user_id))))
    if before:
        where.append(_POST.c.id < bindparam("before"))
    return stmt.where(*where).order_by(_POST.c.id.desc()).limit(bindparam("limit"))


async def _section(
    conn: AsyncConnection, user: User, section: Section, before: int | None, limit: int
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"user_id": user.id, "limit": limit}
    if before is not None:
        params["before"] = before
    rows = await conn.execute(_statement(section, before is not None), params)
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
    unread section by default)."""
    items: list[dict[str, Any]] = []
    page: dict[str, Any] = {"posts": items}
    if section is Section.unread:
        found = await _section(conn, user, Section.unread, before, limit + 1)
        if len(found) > limit:
            items.extend(found[:limit])
            page.update(section=Section.unread, before=items[-1]["post"]["id"])
            return HomePage.model_validate(page)
        items.extend(found)
        if len(items) == limit:  # exactly the section: the read one is next
            page.update(section=Section.read, before=None)
            return HomePage.model_validate(page)
        section, before = Section.read, None
    room = limit - len(items)
    found = await _section(conn, user, Section.read, before, room + 1)
    items.extend(found[:room])
    if len(found) > room:
        page.update(section=Section.read, before=items[-1]["post"]["id"])
    return HomePage.model_validate(page)
