"""Conversations (direct messages) and blocks: starting a conversation, adding
people to a group one, blocking and unblocking.

A conversation is a channel of kind ``direct`` (channels/access.py has its
rules), one path for two people and for groups of up to nine (one and
``MAX_DIRECT_OTHERS`` others). Starting one with the same person again
answers the same conversation: a conversation of two is found by its
``pair_key``, unique, so two people starting it at the same moment make one.
A group conversation is found again while its people are exactly the ones
asked for (after someone left or was added, asking for the same set starts a
new one); two such starts at the same moment may make two.

Someone added to a group conversation reads it from then on
(``Membership.since_post``: channels/direct.py). A block stops the
conversation of two between the two people (both ways) and any new
conversation that would include them both; it hides nothing already written.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import pair_key
from channels.actions.channels import add_member, conversation_name
from channels.actions.common import current_people, current_person
from channels.facts import BlockAdded, BlockRemoved
from channels.models import (
    MAX_DIRECT_OTHERS,
    Block,
    Channel,
    ChannelKind,
    Membership,
)
from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from org.models import User
from org.stream import PERSON
from streams.log import new_epoch
from streams.unit import Unit, run


async def _blocked_among(db: AsyncSession, me: int, others: Sequence[int]) -> set[int]:
    """Which of ``others`` blocked ``me`` or were blocked by them."""
    rows = await db.exec(
        select(Block.user_id, Block.blocked_id).where(
            ((col(Block.user_id) == me) & col(Block.blocked_id).in_(list(others)))
            | ((col(Block.blocked_id) == me) & col(Block.user_id).in_(list(others)))
        )
    )
    return {b if a == me else a for a, b in rows}


async def _existing(db: AsyncSession, people: set[int]) -> Channel | None:
    """The conversation whose people are exactly ``people``, if there is one."""
    if len(people) == 2:
        a, b = sorted(people)
        return (await db.exec(select(Channel).where(Channel.pair_key == pair_key(a, b)))).first()
    mine = (
        select(Membership.channel_id)
        .join(Channel, col(Channel.id) == col(Membership.channel_id))
        .where(
            col(Channel.kind) == ChannelKind.direct.value,
            col(Channel.pair_key).is_(None),
            col(Membership.user_id).in_(list(people)),
        )
        .group_by(col(Membership.channel_id))
        .having(func.count() == len(people))
    )
    total = (
        select(Membership.channel_id)
        .where(col(Membership.channel_id).in_(mine))
        .group_by(col(Membership.channel_id))
        .having(func.count() == len(people))
        .order_by(col(Membership.channel_id))
    )
    found = (await db.exec(total)).first()
    return await db.get(Channel, found) if found is not None else None


async def do_start_conversation(
    db: AsyncSession, bus: Bus, actor: User, user_ids: Sequence[int]
) -> Channel:
    """The conversation of ``actor`` with ``user_ids`` (one's own id among them
    is ignored): the existing one if there is one, else a new one with
    everyone in it.

    Raises:
        InvalidError: nobody else, or more than ``MAX_DIRECT_OTHERS`` others.
        NotFoundError: someone who does not exist or is deactivated.
        ForbiddenError: one of them blocked ``actor``, or was blocked by them.
    """
    others = sorted(set(user_ids) - {actor.id or 0})
    if not others:
        raise InvalidError("user_ids: choose at least one other person")
    if len(others) > MAX_DIRECT_OTHERS:
        raise InvalidError(f"user_ids: at most {MAX_DIRECT_OTHERS} other people")

    async def apply(unit: Unit) -> Channel:
        me, person = await current_person(unit.db, actor)
        assert me.id is not None
        found = await current_people(unit.db, others)
        missing = [i for i in others if i not in found]
        if missing:
            raise NotFoundError(f"no such person (or deactivated): {missing[0]}")
        if await _blocked_among(unit.db, me.id, others):
            raise ForbiddenError(
                "you cannot start a conversation with someone you blocked or who blocked you"
            )
        existing = await _existing(unit.db, {me.id, *others})
        if existing is not None:
            return existing
        channel = Channel(
            kind=ChannelKind.direct.value,
            name=conversation_name([me.display_name, *(found[i][0].display_name for i in others)]),
            is_private=True,
            epoch=new_epoch(),
            created_by=me.id,
            pair_key=pair_key(me.id, others[0]) if len(others) == 1 else None,
        )
        unit.db.add(channel)
        await unit.db.flush()
        await add_member(unit, channel, person)
        for i in others:
            await add_member(unit, channel, found[i][1])
        return channel

    try:
        return await run(db, bus, apply, actor_id=actor.id)
    except ConflictError:
        # Both of a pair started it at the same moment: the other start won.
        if len(others) != 1 or actor.id is None:
            raise
        key = pair_key(actor.id, others[0])
        channel = (await db.exec(select(Channel).where(Channel.pair_key == key))).first()
        if channel is None:
            raise
        return channel


# ---- blocks -------------------------------------------------------------------------


async def do_block(db: AsyncSession, bus: Bus, actor: User, user_id: int) -> None:
    """Block someone: a ``block.added`` in one's own stream (other devices follow).
    Blocking someone already blocked changes nothing."""
    if user_id == actor.id:
        raise InvalidError("user_id: you cannot block yourself")

    async def apply(unit: Unit) -> None:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        if await unit.db.get(User, user_id) is None:
            raise NotFoundError("no such person")
        if await unit.db.get(Block, (me.id, user_id)) is not None:
            return
        unit.db.add(Block(user_id=me.id, blocked_id=user_id))
        await unit.append(PERSON, me.id, BlockAdded(user_id=user_id))

    await run(db, bus, apply, actor_id=actor.id)


async def do_unblock(db: AsyncSession, bus: Bus, actor: User, user_id: int) -> None:
    """Take a block back (one not there: nothing changes)."""

    async def apply(unit: Unit) -> None:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        if await unit.db.get(Block, (me.id, user_id)) is None:
            return
        await unit.db.exec(
            delete(Block).where(col(Block.user_id) == me.id, col(Block.blocked_id) == user_id)
        )
        await unit.append(PERSON, me.id, BlockRemoved(user_id=user_id))

    await run(db, bus, apply, actor_id=actor.id)


async def blocked_people(db: AsyncSession, actor: User) -> list[tuple[User, Block]]:
    """Whom ``actor`` blocked, most recent first."""
    rows = await db.exec(
        select(User, Block)
        .join(Block, col(Block.blocked_id) == col(User.id))
        .where(Block.user_id == actor.id)
        .order_by(col(Block.created_at).desc(), col(User.id))
    )
    return [(u, b) for u, b in rows]
