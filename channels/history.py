"""Reads: channel lists, history pages, threads, likers, and the event log since
a position. Each read costs a fixed number of queries whatever the page size
(tests/integration/test_query_counts.py pins them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import and_, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.access import access_channel, access_post
from channels.events import event_public
from channels.models import (
    PAGE_SIZE,
    AuthorPublic,
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
)
from channels.render import render
from core.clock import iso
from org.models import Department, User

MAX_REPLAY = 1000


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


def channel_public(channel: Channel, member_count: int, is_member: bool) -> ChannelPublic:
    assert channel.id is not None
    return ChannelPublic(
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
    stmt = stmt.where(
        is_member if joined_only else or_(is_member, col(Channel.is_private).is_(False))
    )
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Channel.name).like(pattern),
                func.lower(Channel.description).like(pattern),
            )
        )
    rows = (await db.exec(stmt.order_by(col(Channel.kind), col(Channel.name)))).all()
    return [channel_public(c, n, bool(m)) for c, n, m in rows]


async def get_channel(db: AsyncSession, user: User, channel_id: int) -> ChannelPublic:
    access = await access_channel(db, user, channel_id, count_members=True)
    return channel_public(access.channel, access.member_count or 0, access.is_member)


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
    # model_construct: the values come from our own columns, already typed.
    return PostPublic.model_construct(
        id=pid,
        channel_id=channel_id,
        parent_id=parent_id,
        author=AuthorPublic.model_construct(id=author_id, display_name=name, department=dept),
        body=body,
        html=html if html is not None else render(body),
        created_at=iso(created) or "",
        edited_at=iso(edited),
        like_count=likes,
        comment_count=comments,
        liked_by_me=bool(liked),
    )


async def history_page(
    db: AsyncSession,
    user: User,
    channel_id: int,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> HistoryPage:
    """Top-level posts, newest page first; within the page oldest first, as shown."""
    channel = await get_channel(db, user, channel_id)
    where: list[Any] = [Post.channel_id == channel_id, col(Post.parent_id).is_(None)]
    if before is not None:
        where.append(col(Post.id) < before)
    posts = await _with_authors(db, user, where, limit=limit + 1, newest_first=True)
    more = len(posts) > limit
    posts = posts[:limit]
    posts.reverse()
    return HistoryPage(channel=channel, posts=posts, before=posts[0].id if more and posts else None)


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
