"""Who may do what in a channel, and the fetch-and-authorise helpers every read
and write of channel data goes through.

Rules live in one place: a ``ChannelPolicy`` per channel kind says who may
read, post, comment, join, leave, invite and edit. A new kind of channel is one
entry in ``POLICIES``. The read rule exists twice, as Python (``Capabilities``)
and as a SQL condition (``readable_by``) for queries that must filter inside
the database (lists, search, feeds); tests/unit/test_access.py checks that the
two agree on every combination.

An archived channel (of any kind) is read-only: whoever could read it still
may, and nobody may post, comment, react, join, leave, invite or edit
(``allowed``). Edits and deletes of existing posts stay with their authors and
moderators, so moderation still works there.

What does not exist and what the caller may not see answer alike
(``NotFoundError``), so nothing leaks by the difference.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, literal
from sqlalchemy.orm import aliased
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Block, Capabilities, Channel, ChannelKind, Membership, Post
from core.errors import ForbiddenError, NotFoundError
from org.models import User


@dataclass(frozen=True, slots=True)
class Viewer:
    """One person as a given channel sees them."""

    is_member: bool
    is_creator: bool
    is_admin: bool
    can_moderate: bool
    is_private: bool
    is_archived: bool = False
    # A conversation of two (kind "direct" with a ``pair_key``), and whether one
    # of its two people blocked the other (then nobody writes in it).
    is_pair: bool = False
    is_blocked: bool = False


Rule = Callable[[Viewer], bool]


def members(v: Viewer) -> bool:
    return v.is_member


def nobody(v: Viewer) -> bool:
    return False


def outsiders_of_open(v: Viewer) -> bool:
    """Anyone not yet in it, when it is listed for all (public groups)."""
    return not v.is_member and not v.is_private


def members_unless_blocked(v: Viewer) -> bool:
    return v.is_member and not v.is_blocked


def members_of_group(v: Viewer) -> bool:
    """Members of a group conversation (a conversation of two stays as it is)."""
    return v.is_member and not v.is_pair


def creator_or_admin(v: Viewer) -> bool:
    return v.is_creator or v.is_admin


def creator_or_moderator(v: Viewer) -> bool:
    return v.is_creator or v.can_moderate  # admins moderate too


class Read(enum.Enum):
    """Who may read: the one rule that also exists in SQL (``readable_by``)."""

    MEMBERS = "members"  # members only, whatever ``is_private`` says
    OPEN_UNLESS_PRIVATE = "open"  # everyone, unless the channel is private (then members)

    def allows(self, v: Viewer) -> bool:
        return v.is_member or (self is Read.OPEN_UNLESS_PRIVATE and not v.is_private)


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """Who may do what in one kind of channel. Edits and deletes of others'
    posts are moderators' everywhere (``require_author_or_moderator``)."""

    read: Read
    post: Rule
    comment: Rule
    react: Rule  # like and unlike
    join: Rule
    leave: Rule
    invite: Rule
    edit: Rule  # rename and describe
    # ``@channel`` in a post or comment (it notifies every member): a clear
    # refusal for anyone else (channels/mentions.py).
    mention_channel: Rule
    # The channel's members follow something else (a department's people), so
    # nobody joins, leaves or is invited by hand.
    managed_members: bool = False


POLICIES: dict[str, ChannelPolicy] = {
    # A department's channel: its members are the department's people. Open ones
    # can be read by everyone; closed ones (``is_private``) exist only for members.
    ChannelKind.department.value: ChannelPolicy(
        read=Read.OPEN_UNLESS_PRIVATE,
        post=members,
        comment=members,
        react=members,
        join=nobody,
        leave=nobody,
        invite=nobody,
        edit=nobody,  # renamed with its department (Admin -> Departments)
        mention_channel=creator_or_moderator,
        managed_members=True,
    ),
    # An interest group: public ones are listed and joined freely; private ones
    # are invisible to others and entered by a member's invitation only.
    ChannelKind.group.value: ChannelPolicy(
        read=Read.OPEN_UNLESS_PRIVATE,
        post=members,
        comment=members,
        react=members,
        join=outsiders_of_open,
        leave=members,
        invite=members,
        edit=creator_or_admin,
        mention_channel=creator_or_moderator,
    ),
    # A conversation of two to nine people (channels/direct.py): its members
    # only, admins included (they are not members). Nobody joins: people are
    # added by a member of a group conversation, and read it from then on.
    # One leaves a group conversation; a conversation of two is never left (a
    # person mutes it, or blocks the other). Its name is its people's.
    ChannelKind.direct.value: ChannelPolicy(
        read=Read.MEMBERS,
        post=members_unless_blocked,
        comment=members_unless_blocked,
        react=members_unless_blocked,
        join=nobody,
        leave=members_of_group,
        invite=members_of_group,
        edit=nobody,
        mention_channel=nobody,
    ),
}


def policy_of(kind: str) -> ChannelPolicy:
    return POLICIES[kind]


def viewer(
    user: User,
    *,
    is_member: bool,
    created_by: int | None,
    is_private: bool,
    is_archived: bool = False,
    is_pair: bool = False,
    is_blocked: bool = False,
) -> Viewer:
    return Viewer(
        is_member=is_member,
        is_creator=created_by is not None and created_by == user.id,
        is_admin=user.is_admin,
        can_moderate=user.can_moderate,
        is_private=is_private,
        is_archived=is_archived,
        is_pair=is_pair,
        is_blocked=is_blocked,
    )


def allowed(rule: Rule, v: Viewer) -> bool:
    """A policy's rule, except that an archived channel allows nothing but reading."""
    return not v.is_archived and rule(v)


def capabilities(policy: ChannelPolicy, v: Viewer) -> Capabilities:
    return Capabilities(
        can_post=allowed(policy.post, v),
        can_comment=allowed(policy.comment, v),
        can_react=allowed(policy.react, v),
        can_join=allowed(policy.join, v),
        can_leave=allowed(policy.leave, v),
        can_invite=allowed(policy.invite, v),
        can_edit=allowed(policy.edit, v),
        can_mention_channel=allowed(policy.mention_channel, v),
    )


def can_read(kind: str, v: Viewer) -> bool:
    return policy_of(kind).read.allows(v)


def may_read(kind: str, *, is_private: bool, is_member: bool) -> bool:
    """The read rule for someone other than the caller, from what decides it
    (whom a mention may notify)."""
    return policy_of(kind).read.allows(
        Viewer(
            is_member=is_member,
            is_creator=False,
            is_admin=False,
            can_moderate=False,
            is_private=is_private,
        )
    )


def readable_by(user_id: Any, *, channel: Any = None, membership: Any = None) -> Any:
    """The read rule as a SQL condition on the channel table (or a Core alias of
    it), for queries that filter inside the database. ``user_id``: a person's id,
    a bound parameter for one (a statement built once), or a column holding one
    (each row's own person: notify/reads.py)."""
    channel = channel if channel is not None else Channel.__table__  # type: ignore[attr-defined]
    membership = (
        membership if membership is not None else Membership.__table__  # type: ignore[attr-defined]
    )
    is_member = exists().where(
        membership.c.channel_id == channel.c.id, membership.c.user_id == user_id
    )
    open_kinds = [k for k, p in POLICIES.items() if p.read is Read.OPEN_UNLESS_PRIVATE]
    opened: ColumnElement[bool] = (
        and_(channel.c.kind.in_(open_kinds), channel.c.is_private.is_(False))
        if open_kinds
        else false()
    )
    return or_(is_member, opened)


def before_joining(
    user_id: Any, channel_id: Any, post_id: Any, parent_id: Any = None
) -> ColumnElement[bool]:
    """A SQL condition true for a post or comment (its channel's, its own and
    its post's id columns) that ``user_id`` may not read because it was written
    before they were added to its group conversation (``Membership.since_post``):
    a comment goes with its post. Every read of posts says ``not_`` of it."""
    m = Membership.__table__.alias("joined_member")  # type: ignore[attr-defined]
    root = post_id if parent_id is None else func.coalesce(parent_id, post_id)
    return exists().where(
        m.c.channel_id == channel_id,
        m.c.user_id == user_id,
        m.c.since_post.is_not(None),
        root <= m.c.since_post,
    )


def post_before_joining(user_id: Any, post: Any) -> ColumnElement[bool]:
    """``before_joining`` for the rows of the post table (or an alias of it)."""
    return before_joining(user_id, post.c.channel_id, post.c.id, post.c.parent_id)


def hidden_before(since_post: int | None, post_id: int, parent_id: int | None) -> bool:
    """``before_joining`` in Python, for one post or comment."""
    return since_post is not None and (parent_id or post_id) <= since_post


def pair_key(a: int, b: int) -> str:
    """A conversation of two's key: its people's ids, the smaller first."""
    return f"{min(a, b)}:{max(a, b)}"


def other_of(key: str, user_id: int | None) -> int:
    a, b = (int(part) for part in key.split(":"))
    return b if a == user_id else a


async def blocked_between(db: AsyncSession, a: int, b: int) -> bool:
    """Whether either of two people blocked the other."""
    found = (
        await db.exec(
            select(Block.user_id).where(
                or_(
                    and_(Block.user_id == a, Block.blocked_id == b),
                    and_(Block.user_id == b, Block.blocked_id == a),
                )
            )
        )
    ).first()
    return found is not None


# ---- fetch and authorise ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    channel: Channel
    viewer: Viewer
    member_count: int | None = None  # when asked for (count_members=True)
    # Added to a group conversation: the posts up to this id are not one's to
    # read (``before_joining``). None: the whole history.
    since_post: int | None = None

    @property
    def is_member(self) -> bool:
        return self.viewer.is_member

    @property
    def policy(self) -> ChannelPolicy:
        return policy_of(self.channel.kind)

    @property
    def capabilities(self) -> Capabilities:
        return capabilities(self.policy, self.viewer)

    def require(self, rule: Rule, message: str) -> None:
        if self.viewer.is_archived:
            raise ForbiddenError("this channel is archived: it can be read, not changed")
        if not rule(self.viewer):
            raise ForbiddenError(message)

    def _require_unblocked(self) -> None:
        if self.viewer.is_blocked and self.viewer.is_member:
            raise ForbiddenError(
                "this conversation is blocked: one of you blocked the other, so nothing "
                "can be written here"
            )

    def require_post(self) -> None:
        self._require_unblocked()
        self.require(self.policy.post, "join the channel first")

    def require_comment(self) -> None:
        self._require_unblocked()
        self.require(self.policy.comment, "join the channel first")

    def require_react(self) -> None:
        self._require_unblocked()
        self.require(self.policy.react, "join the channel first")

    def may_mention_channel(self) -> bool:
        return allowed(self.policy.mention_channel, self.viewer)


async def _access(
    db: AsyncSession,
    user: User,
    channel: Channel,
    is_member: bool,
    members: int | None,
    since_post: int | None,
) -> ChannelAccess:
    # Only a conversation of two costs a second query: whether it is blocked.
    blocked = (
        is_member
        and channel.pair_key is not None
        and user.id is not None
        and await blocked_between(db, user.id, other_of(channel.pair_key, user.id))
    )
    v = viewer(
        user,
        is_member=is_member,
        created_by=channel.created_by,
        is_private=channel.is_private,
        is_archived=channel.archived_at is not None,
        is_pair=channel.pair_key is not None,
        is_blocked=blocked,
    )
    if not can_read(channel.kind, v):
        raise NotFoundError("no such channel")
    return ChannelAccess(channel, v, members, since_post)


async def access_channel(
    db: AsyncSession,
    user: User,
    channel_id: int,
    *,
    for_update: bool = False,
    count_members: bool = False,
) -> ChannelAccess:
    """The channel and how ``user`` stands in it, if ``user`` may see it (and,
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
        select(Channel, Membership.user_id, count, Membership.since_post)
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
    channel, member, members, since_post = row
    return await _access(db, user, channel, member is not None, members, since_post)


async def access_post(db: AsyncSession, user: User, post_id: int) -> tuple[Post, ChannelAccess]:
    """A live (not deleted) post or comment and its channel, if ``user`` may see them.
    A comment whose post was deleted is gone with it. A hidden one (moderation/)
    is there for its author only, and its comments with it."""
    parent = aliased(Post)
    row = (
        await db.exec(
            select(Post, Channel, Membership.user_id, Membership.since_post)
            .join(Channel, col(Channel.id) == col(Post.channel_id))
            .outerjoin(parent, col(parent.id) == col(Post.parent_id))
            .outerjoin(
                Membership,
                and_(col(Membership.channel_id) == col(Channel.id), Membership.user_id == user.id),
            )
            .where(
                Post.id == post_id,
                col(Post.deleted_at).is_(None),
                or_(col(Post.hidden_at).is_(None), col(Post.author_id) == user.id),
                or_(
                    col(Post.parent_id).is_(None),
                    and_(
                        col(parent.deleted_at).is_(None),
                        or_(col(parent.hidden_at).is_(None), col(parent.author_id) == user.id),
                    ),
                ),
            )
        )
    ).first()
    if row is None:
        raise NotFoundError("no such post")
    post, channel, member, since_post = row
    assert post.id is not None
    if hidden_before(since_post, post.id, post.parent_id):
        raise NotFoundError("no such post")
    try:
        return post, await _access(db, user, channel, member is not None, None, since_post)
    except NotFoundError:
        raise NotFoundError("no such post") from None


def require_author_or_moderator(user: User, post: Post) -> None:
    if post.author_id != user.id and not user.can_moderate:
        raise ForbiddenError("only the author or a moderator may change this")
