"""Reads: channel lists, history pages, threads, likers, and the event log since
a position. Each read costs a fixed number of queries whatever the page size
(tests/integration/test_delivery.py and test_history_page.py pin them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import and_, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.access import access_post, can_read, capabilities, policy_of, readable_by, viewer
from channels.events import event_public
from channels.models import (
    PAGE_SIZE,
    Channel,
    ChannelPublic,
    Event,
    EventPublic,
    HistoryPage,
    Like,
    LikerPublic,
    Membership,
    Post,
    PostPublic,
    Thread,
    table_of,
)
from channels.render import render
from core.clock import iso
from core.errors import NotFoundError
from org.models import Department, User

MAX_REPLAY = 1000

Reader = AsyncSession | AsyncConnection
"""What the column reads run on: a session (its connection is used), or a bare
connection, which is cheaper per request when no ORM object is needed."""


async def _connection(db: Reader) -> AsyncConnection:
    return await db.connection() if isinstance(db, AsyncSession) else db


def post_public(
    post: Post, author: str, department: str | None, *, liked_by_me: bool = False
) -> PostPublic:
    """A post as the API shows it (the same builder serves pages read as columns)."""
    return _row_public(
        (
            post.id,
            post.channel_id,
            post.parent_id,
            post.author_id,
            post.body,
            post.html,
            post.created_at,
            post.edited_at,
            post.like_count,
            post.comment_count,
            author,
            department,
            liked_by_me,
        )
    )


class _ChannelColumns(Protocol):
    id: int | None
    kind: str
    name: str
    description: str
    is_private: bool
    department_id: int | None
    epoch: str
    last_seq: int
    created_by: int | None


def channel_public(
    channel: _ChannelColumns, member_count: int, user: User, is_member: bool
) -> ChannelPublic:
    """From a ``Channel``, or a row of the same columns, as ``user`` sees it."""
    assert channel.id is not None
    v = viewer(
        user, is_member=is_member, created_by=channel.created_by, is_private=channel.is_private
    )
    return ChannelPublic(
        **capabilities(policy_of(channel.kind), v).model_dump(),
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        description=channel.description,
        is_private=channel.is_private,
        department_id=channel.department_id,
        epoch=channel.epoch,
        seq=channel.last_seq,
        member_count=member_count,
        is_member=is_member,
        created_by=channel.created_by,
    )


def _member_count() -> Any:
    return (
        select(func.count())
        .select_from(Membership)
        .where(col(Membership.channel_id) == col(Channel.id))
        .scalar_subquery()
    )


async def list_channels(
    db: AsyncSession, user: User, *, joined_only: bool = False, query: str | None = None
) -> list[ChannelPublic]:
    """Channels ``user`` may see: their own, and public ones. Private channels of
    others never appear."""
    mine = select(Membership.channel_id).where(Membership.user_id == user.id).scalar_subquery()
    is_member = col(Channel.id).in_(mine)
    stmt = select(Channel, _member_count(), is_member)
    stmt = stmt.where(is_member if joined_only else readable_by(user.id))
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Channel.name).like(pattern),
                func.lower(Channel.description).like(pattern),
            )
        )
    rows = (await db.exec(stmt.order_by(col(Channel.kind), col(Channel.name)))).all()
    return [channel_public(c, n, user, bool(m)) for c, n, m in rows]


async def get_channel(db: Reader, user: User, channel_id: int) -> ChannelPublic:
    return await _readable_channel(await _connection(db), user, channel_id)


async def _with_authors(
    db: AsyncSession, user: User, where: Sequence[Any], *, limit: int | None, newest_first: bool
) -> list[PostPublic]:
    order = col(Post.id).desc() if newest_first else col(Post.id).asc()
    liked = (
        select(Like.post_id)
        .where(col(Like.post_id) == col(Post.id), Like.user_id == user.id)
        .exists()
    )
    # Columns, not ORM entities: a page is read-only, and building 51 ORM objects
    # and validated models costs several times the query itself.
    stmt = (
        sa_select(*_POST_COLUMNS, col(User.display_name), col(Department.name), liked)
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Department, col(Department.id) == col(User.department_id))
        .where(*where, col(Post.deleted_at).is_(None))
        .order_by(order)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = (await db.exec(stmt)).all()  # type: ignore[call-overload]  # a Core select of columns
    return [_row_public(row) for row in rows]


_POST_COLUMNS: tuple[Any, ...] = (
    col(Post.id),
    col(Post.channel_id),
    col(Post.parent_id),
    col(Post.author_id),
    col(Post.body),
    col(Post.html),
    col(Post.created_at),
    col(Post.edited_at),
    col(Post.like_count),
    col(Post.comment_count),
)


def _row_public(row: Any) -> PostPublic:
    return PostPublic.model_validate(_post_fields(row))


def _post_fields(row: Any) -> dict[str, Any]:
    """A post's fields as ``PostPublic`` takes them, from a row of ``_POST_COLUMNS``,
    author name, department name and liked-by-me."""
    (
        pid,
        channel_id,
        parent_id,
        author_id,
        body,
        html,
        created,
        edited,
        likes,
        comments,
        name,
        dept,
        liked,
    ) = row
    # Plain dicts, validated by pydantic-core in one call per answer: several
    # times cheaper than model_construct, which is Python per field.
    return {
        "id": pid,
        "channel_id": channel_id,
        "parent_id": parent_id,
        "author": {"id": author_id, "display_name": name, "department": dept},
        "body": body,
        "html": html if html is not None else render(body),
        "created_at": iso(created) or "",
        "edited_at": iso(edited),
        "like_count": likes,
        "comment_count": comments,
        "liked_by_me": bool(liked),
    }


# ---- channel pages, read as columns --------------------------------------------------
#
# The page path is the hottest read there is (every channel opened, every scroll
# back), so its statements are built once, here, from the tables' own columns,
# and run as Core statements on a connection (a session's, or a bare one): per
# call only the values bind, and no ORM state is made for rows only read.


_CHANNEL, _MEMBERSHIP = table_of(Channel), table_of(Membership)
_POST, _LIKE = table_of(Post), table_of(Like)
_USER, _DEPARTMENT = table_of(User), table_of(Department)

_members = _MEMBERSHIP.alias("members")
# The channel, the caller's membership and the member count: access and the
# header of the page in one statement (as access_channel(count_members=True)).
_CHANNEL_ACCESS = (
    sa_select(
        _CHANNEL.c.id,
        _CHANNEL.c.kind,
        _CHANNEL.c.name,
        _CHANNEL.c.description,
        _CHANNEL.c.is_private,
        _CHANNEL.c.department_id,
        _CHANNEL.c.epoch,
        _CHANNEL.c.last_seq,
        _CHANNEL.c.created_by,
        sa_select(func.count())
        .select_from(_members)
        .where(_members.c.channel_id == _CHANNEL.c.id)
        .scalar_subquery()
        .label("member_count"),
        _MEMBERSHIP.c.user_id.label("member"),
    )
    .select_from(
        _CHANNEL.outerjoin(
            _MEMBERSHIP,
            and_(
                _MEMBERSHIP.c.channel_id == _CHANNEL.c.id,
                _MEMBERSHIP.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(_CHANNEL.c.id == bindparam("channel_id"))
)


async def _readable_channel(conn: AsyncConnection, user: User, channel_id: int) -> ChannelPublic:
    """The channel as the API shows it, if ``user`` may see it (else ``NotFoundError``,
    alike for what does not exist and what is private to others)."""
    row = (
        await conn.execute(_CHANNEL_ACCESS, {"user_id": user.id, "channel_id": channel_id})
    ).first()
    if row is None:
        raise NotFoundError("no such channel")
    is_member = row.member is not None
    v = viewer(user, is_member=is_member, created_by=row.created_by, is_private=row.is_private)
    if not can_read(row.kind, v):
        raise NotFoundError("no such channel")
    return channel_public(row, row.member_count, user, is_member)


def _page_statement(*, older: bool) -> Select[Any]:
    liked = (
        sa_select(_LIKE.c.post_id)
        .where(_LIKE.c.post_id == _POST.c.id, _LIKE.c.user_id == bindparam("user_id"))
        .exists()
    )
    where = [
        _POST.c.channel_id == bindparam("channel_id"),
        _POST.c.parent_id.is_(None),
        _POST.c.deleted_at.is_(None),
    ]
    if older:
        where.append(_POST.c.id < bindparam("before"))
    return (
        sa_select(
            _POST.c.id,
            _POST.c.channel_id,
            _POST.c.parent_id,
            _POST.c.author_id,
            _POST.c.body,
            _POST.c.html,
            _POST.c.created_at,
            _POST.c.edited_at,
            _POST.c.like_count,
            _POST.c.comment_count,
            _USER.c.display_name,
            _DEPARTMENT.c.name,
            liked,
        )
        .select_from(
            _POST.join(_USER, _USER.c.id == _POST.c.author_id).outerjoin(
                _DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id
            )
        )
        .where(*where)
        .order_by(_POST.c.id.desc())
        .limit(bindparam("limit"))
    )


_LATEST_PAGE = _page_statement(older=False)
_OLDER_PAGE = _page_statement(older=True)


async def history_page(
    db: Reader,
    user: User,
    channel_id: int,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> HistoryPage:
    """Top-level posts, newest page first; within the page oldest first, as shown."""
    conn = await _connection(db)
    channel = await _readable_channel(conn, user, channel_id)
    params = {"user_id": user.id, "channel_id": channel_id, "limit": limit + 1}
    if before is None:
        result = await conn.execute(_LATEST_PAGE, params)
    else:
        result = await conn.execute(_OLDER_PAGE, {**params, "before": before})
    posts = [_post_fields(row) for row in result]
    more = len(posts) > limit
    posts = posts[:limit]
    posts.reverse()
    before_id = posts[0]["id"] if more and posts else None
    return HistoryPage.model_validate({"channel": channel, "posts": posts, "before": before_id})


async def thread(db: AsyncSession, user: User, post_id: int) -> Thread:
    post, _ = await access_post(db, user, post_id)
    root_id = post.parent_id or post_id
    rows = await _with_authors(
        db,
        user,
        [or_(col(Post.id) == root_id, col(Post.parent_id) == root_id)],
        limit=None,
        newest_first=False,
    )
    root = next(p for p in rows if p.id == root_id)
    return Thread(post=root, comments=[p for p in rows if p.id != root_id])


async def likers(db: AsyncSession, user: User, post_id: int) -> list[LikerPublic]:
    await access_post(db, user, post_id)
    rows = (
        await db.exec(
            select(User.id, User.display_name)
            .join(Like, and_(col(Like.user_id) == col(User.id), Like.post_id == post_id))
            .order_by(col(Like.created_at))
        )
    ).all()
    return [LikerPublic(id=i, display_name=n) for i, n in rows if i is not None]


async def events_between(
    db: AsyncSession, channel_id: int, epoch: str, after: int, upto: int
) -> list[EventPublic]:
    """Events with ``after < seq <= upto``, in order, at most ``MAX_REPLAY``."""
    rows = (
        await db.exec(
            select(Event)
            .where(Event.channel_id == channel_id, col(Event.seq) > after, col(Event.seq) <= upto)
            .order_by(col(Event.seq))
            .limit(MAX_REPLAY)
        )
    ).all()
    return [event_public(e, epoch) for e in rows]


async def channel_heads(db: AsyncSession, channel_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Current (epoch, seq) of each channel: one query for any number."""
    if not channel_ids:
        return {}
    rows = (
        await db.exec(
            select(Channel.id, Channel.epoch, Channel.last_seq).where(
                col(Channel.id).in_(channel_ids)
            )
        )
    ).all()
    return {i: (e, s) for i, e, s in rows if i is not None}


async def channels_of(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """The channels each person is in (everyone asked for is a key): one query."""
    found: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    rows = await db.exec(
        select(Membership.user_id, Membership.channel_id).where(
            col(Membership.user_id).in_(user_ids)
        )
    )
    for user_id, channel_id in rows:
        found[user_id].append(channel_id)
    return found
