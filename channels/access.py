"""Fetch-and-authorise helpers. Every read of channel data goes through one of
these. What does not exist and what the caller may not see answer alike
(``NotFoundError``), so nothing leaks by the difference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal
from sqlalchemy.orm import aliased
from sqlmodel import and_, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Channel, Membership, Post
from core.errors import ForbiddenError, NotFoundError
from org.models import User


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    channel: Channel
    is_member: bool
    member_count: int | None = None  # when asked for (count_members=True)

    def require_member(self) -> None:
        if not self.is_member:
            raise ForbiddenError("join the channel first")


def can_read(*, is_private: bool, is_member: bool) -> bool:
    """Who may see a channel and what is in it: its members, and for a public
    channel everyone (a private one does not exist for anyone else)."""
    return is_member or not is_private


async def access_channel(
    db: AsyncSession,
    user: User,
    channel_id: int,
    *,
    for_update: bool = False,
    count_members: bool = False,
) -> ChannelAccess:
    """The channel and whether ``user`` is in it, if ``user`` may see it (and,
    asked for, its member count, in the same query)."""
    others = aliased(Membership)
    count: Any = (
        select(func.count())
        .select_from(others)
        .where(others.channel_id == col(Channel.id))
        .correlate(Channel)
        .scalar_subquery()
        if count_members
        else literal(None)
    )
    query = (
        select(Channel, Membership.user_id, count)
        .outerjoin(
            Membership,
            and_(col(Membership.channel_id) == col(Channel.id), Membership.user_id == user.id),
        )
        .where(Channel.id == channel_id)
    )
    if for_update:
        query = query.with_for_update(of=Channel)
    row = (await db.exec(query)).first()
    if row is None:
        raise NotFoundError("no such channel")
    channel, member, members = row
    is_member = member is not None
    if not can_read(is_private=channel.is_private, is_member=is_member):
        raise NotFoundError("no such channel")
    return ChannelAccess(channel, is_member, members)


async def access_post(db: AsyncSession, user: User, post_id: int) -> tuple[Post, ChannelAccess]:
    """A live (not deleted) post or comment and its channel, if ``user`` may see them."""
    row = (
        await db.exec(
            select(Post, Channel, Membership.user_id)
            .join(Channel, col(Channel.id) == col(Post.channel_id))
            .outerjoin(
                Membership,
                and_(col(Membership.channel_id) == col(Channel.id), Membership.user_id == user.id),
            )
            .where(Post.id == post_id, col(Post.deleted_at).is_(None))
        )
    ).first()
    if row is None:
        raise NotFoundError("no such post")
    post, channel, member = row
    if not can_read(is_private=channel.is_private, is_member=member is not None):
        raise NotFoundError("no such post")
    return post, ChannelAccess(channel, member is not None)


def require_author_or_moderator(user: User, post: Post) -> None:
    if post.author_id != user.id and not user.can_moderate:
        raise ForbiddenError("only the author or a moderator may change this")
