"""Voting in a poll, withdrawing one's vote, closing a poll early
(channels/polls.py says what a poll is; it is made with its post,
channels/actions/posts.py).

- ``do_vote``: a member who may react in the channel chooses options (one in
  a single-choice poll), replacing their earlier vote. The same choice again
  changes nothing (answers the channel's position).
- ``do_withdraw_vote``: their vote taken back; none to take back changes nothing.
- ``do_close_poll``: its author or a moderator closes it before its closing
  time: the results are final.

Each change appends ``poll.voted`` or ``poll.closed`` with the poll's results
as they are now. Votes on one poll are one after the other (its row is locked
first), so every event's counts are exact and in the log's order.

Errors, each changing nothing: a post one may not see, or whose channel one
may not read: 404; a post with no poll, options that are not this poll's, or
several in a single-choice poll: 400 ``invalid``; not a member (or a muted
person): 403; a closed poll, or a post a moderator hid: 409 ``conflict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels import polls
from channels.access import ChannelAccess, access_post, require_author_or_moderator
from channels.actions.common import (
    current_person,
    current_writer,
    receipt,
    require_unmuted,
    write,
)
from channels.facts import CHANNEL, PollClosed, PollVoted
from channels.models import (
    Channel,
    Poll,
    PollOption,
    PollPublic,
    PollReceipt,
    PollVote,
    Post,
    Receipt,
)
from core.clock import utcnow
from core.errors import ConflictError, InvalidError
from org.models import User
from streams.unit import Unit


def _position(channel: Channel) -> Receipt:
    assert channel.id is not None
    return Receipt(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)


def _voter(me: User, post: Post, access: ChannelAccess) -> None:
    access.require_react()


def _closer(me: User, post: Post, access: ChannelAccess) -> None:
    require_author_or_moderator(me, post)
    if access.viewer.is_archived:
        access.require_react()  # says the channel is archived


async def _poll(
    unit: Unit, me: User, post_id: int, may: Callable[[User, Post, ChannelAccess], None]
) -> tuple[Post, Poll, ChannelAccess]:
    """The post's poll, locked, if ``me`` may see the post and ``may`` act on
    it (asked first: someone who may not learns nothing of the poll)."""
    post, access = await access_post(unit.db, me, post_id)
    may(me, post, access)
    poll = (
        await unit.db.exec(select(Poll).where(Poll.post_id == post_id).with_for_update())
    ).first()
    if poll is None:
        raise InvalidError("post: it carries no poll")
    if post.hidden_at is not None:
        raise ConflictError("a moderator hid this post: its poll takes no votes")
    return post, poll, access


async def _mine(unit: Unit, post_id: int, user_id: int) -> list[PollVote]:
    return list(
        (
            await unit.db.exec(
                select(PollVote).where(PollVote.post_id == post_id, PollVote.user_id == user_id)
            )
        ).all()
    )


async def _voted(unit: Unit, post: Post) -> Receipt:
    assert post.id is not None
    await unit.db.flush()
    fact = PollVoted(post_id=post.id, poll=await polls.current(unit.db, post.id))
    return receipt(await unit.append(CHANNEL, post.channel_id, fact))


async def _answer(db: AsyncSession, actor: User, post_id: int, done: Receipt) -> PollReceipt:
    """The receipt, with the poll as the voter reads it now (after commit)."""
    found = (await polls.polls_of(db, actor.id, [post_id])).get(post_id)
    poll = PollPublic.model_validate(found) if found is not None else None
    return PollReceipt(**done.model_dump(exclude={"post"}), poll=poll)


async def do_vote(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    post_id: int,
    option_ids: Sequence[int],
    client_id: str | None = None,
) -> PollReceipt:
    async def apply(unit: Unit) -> Receipt:
        me, _, _ = await current_writer(unit.db, actor)
        post, poll, access = await _poll(unit, me, post_id, _voter)
        require_unmuted(me)
        polls.require_open(poll)
        assert me.id is not None
        chosen = list(dict.fromkeys(option_ids))
        if not chosen:
            raise InvalidError("options: choose at least one")
        if len(chosen) > 1 and not poll.multiple:
            raise InvalidError("options: this poll takes one choice")
        ours = set(
            (await unit.db.exec(select(PollOption.id).where(PollOption.post_id == post_id))).all()
        )
        if not set(chosen) <= ours:
            raise InvalidError("options: not options of this poll")
        before = await _mine(unit, post_id, me.id)
        if {v.option_id for v in before} == set(chosen):
            return _position(access.channel)
        await unit.db.exec(
            delete(PollVote).where(col(PollVote.post_id) == post_id, col(PollVote.user_id) == me.id)
        )
        now = utcnow()
        unit.db.add_all(
            [PollVote(post_id=post_id, user_id=me.id, option_id=o, voted_at=now) for o in chosen]
        )
        return await _voted(unit, post)

    return await _answer(db, actor, post_id, await write(db, bus, actor, client_id, apply))


async def do_withdraw_vote(
    db: AsyncSession, bus: Bus, actor: User, post_id: int, client_id: str | None = None
) -> PollReceipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        post, poll, access = await _poll(unit, me, post_id, _voter)
        polls.require_open(poll)
        assert me.id is not None
        if not await _mine(unit, post_id, me.id):
            return _position(access.channel)
        await unit.db.exec(
            delete(PollVote).where(col(PollVote.post_id) == post_id, col(PollVote.user_id) == me.id)
        )
        return await _voted(unit, post)

    return await _answer(db, actor, post_id, await write(db, bus, actor, client_id, apply))


async def do_close_poll(
    db: AsyncSession, bus: Bus, actor: User, post_id: int, client_id: str | None = None
) -> PollReceipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        post, poll, _access = await _poll(unit, me, post_id, _closer)
        if polls.is_closed(poll):
            raise ConflictError("this poll is closed already")
        poll.closed_at = utcnow()
        unit.db.add(poll)
        await unit.db.flush()
        assert post.id is not None
        fact = PollClosed(post_id=post.id, poll=await polls.current(unit.db, post.id))
        return receipt(await unit.append(CHANNEL, post.channel_id, fact))

    return await _answer(db, actor, post_id, await write(db, bus, actor, client_id, apply))
