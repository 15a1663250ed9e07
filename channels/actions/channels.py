"""Interest groups and membership: create, rename, join, leave, invite.

Every change of membership is two events in one unit: ``member.joined`` /
``member.left`` in the channel's stream (its readers see the member list
change) and ``membership.added`` / ``membership.removed`` in the person's own
stream (their other devices, and they after being offline, learn their
channel list changed)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Access
from channels.access import access_channel
from channels.actions.common import current_people, current_person, current_writers, receipt
from channels.facts import (
    CHANNEL,
    ChannelUpdated,
    MemberJoined,
    MemberLeft,
    MembershipAdded,
    MembershipRemoved,
)
from channels.models import (
    Channel,
    ChannelCreate,
    ChannelKind,
    ChannelUpdate,
    Membership,
    PersonRef,
    Receipt,
)
from core.errors import ForbiddenError, NotFoundError, UnauthorizedError
from org.models import User
from org.stream import PERSON
from streams.log import new_epoch
from streams.unit import Unit, run
from words import lists
from words.match import Match


async def _checked_words(
    unit: Unit, actor: User, name: str | None, description: str | None, acknowledged: bool
) -> tuple[User, PersonRef, list[Match]]:
    """The group's name and description through the word check (the terms of use
    are not asked: naming a group is not posting)."""
    assert actor.id is not None
    people, rules = await current_writers(unit.db, [actor.id])
    found = people.get(actor.id)
    if found is None:
        raise UnauthorizedError("this account is deactivated")
    me, person = found
    texts = [(f, t) for f, t in (("name", name), ("description", description)) if t]
    words = await lists.matcher(unit.db, rules.words)
    return me, person, lists.check(words, texts, acknowledged=acknowledged)


def _position(channel: Channel) -> Receipt:
    """A write that changed nothing answers with the channel's position now."""
    assert channel.id is not None
    return Receipt(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)


async def add_member(unit: Unit, channel: Channel, person: PersonRef) -> Receipt:
    assert channel.id is not None
    unit.db.add(Membership(channel_id=channel.id, user_id=person.id))
    event = await unit.append(CHANNEL, channel.id, MemberJoined(user=person))
    await unit.append(PERSON, person.id, MembershipAdded(channel_id=channel.id, name=channel.name))
    return receipt(event)


async def remove_member(unit: Unit, channel: Channel, person: PersonRef) -> Receipt:
    assert channel.id is not None
    await unit.db.exec(
        delete(Membership).where(
            col(Membership.channel_id) == channel.id, col(Membership.user_id) == person.id
        )
    )
    event = await unit.append(CHANNEL, channel.id, MemberLeft(user=person))
    await unit.append(
        PERSON, person.id, MembershipRemoved(channel_id=channel.id, name=channel.name)
    )
    # Their open sockets may follow the channel: every node checks them again.
    unit.send_after_commit(CONTROL_TOPIC, Access(channel=channel.id, user=person.id))
    return receipt(event)


async def do_create_channel(
    db: AsyncSession, bus: Bus, actor: User, data: ChannelCreate
) -> Channel:
    """An interest group; its creator is its first member."""

    async def apply(unit: Unit) -> Channel:
        me, person, warned = await _checked_words(
            unit, actor, data.name, data.description, data.acknowledge_warning
        )
        channel = Channel(
            kind=ChannelKind.group.value,
            name=data.name,
            description=data.description,
            is_private=data.is_private,
            epoch=new_epoch(),
            created_by=me.id,
        )
        unit.db.add(channel)
        await unit.db.flush()
        assert me.id is not None
        await lists.record_override(unit, me.id, "channel", warned, channel_id=channel.id)
        await add_member(unit, channel, person)
        return channel

    return await run(db, bus, apply, actor_id=actor.id)


async def do_update_channel(
    db: AsyncSession, bus: Bus, actor: User, channel_id: int, data: ChannelUpdate
) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        access = await access_channel(unit.db, me, channel_id)
        channel = access.channel
        if access.policy.managed_members:
            raise ForbiddenError("department channels are renamed with their department")
        access.require(access.policy.edit, "only the group's creator or an admin may change it")
        me, _, warned = await _checked_words(
            unit, actor, data.name, data.description, data.acknowledge_warning
        )
        assert me.id is not None
        await lists.record_override(unit, me.id, "channel", warned, channel_id=channel_id)
        if data.name is not None:
            channel.name = data.name
        if data.description is not None:
            channel.description = data.description
        unit.db.add(channel)
        return receipt(await unit.append(CHANNEL, channel_id, ChannelUpdated.of(channel)))

    return await run(db, bus, apply, actor_id=actor.id)


async def do_join_channel(db: AsyncSession, bus: Bus, actor: User, channel_id: int) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, person = await current_person(unit.db, actor)
        access = await access_channel(unit.db, me, channel_id)
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        if access.is_member:
            return _position(access.channel)
        access.require(access.policy.join, "this group is joined by invitation only")
        return await add_member(unit, access.channel, person)

    return await run(db, bus, apply, actor_id=actor.id)


async def do_leave_channel(db: AsyncSession, bus: Bus, actor: User, channel_id: int) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, person = await current_person(unit.db, actor)
        access = await access_channel(unit.db, me, channel_id)
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        if not access.is_member:
            return _position(access.channel)
        access.require(access.policy.leave, "you cannot leave this channel")
        return await remove_member(unit, access.channel, person)

    return await run(db, bus, apply, actor_id=actor.id)


async def do_invite_to_channel(
    db: AsyncSession, bus: Bus, actor: User, channel_id: int, user_ids: list[int]
) -> Receipt:
    """Members add people to a group; the only way into a private one."""

    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        access = await access_channel(unit.db, me, channel_id)
        channel = access.channel
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        access.require(access.policy.invite, "join the group first")
        already = set(
            (
                await unit.db.exec(
                    select(Membership.user_id).where(Membership.channel_id == channel_id)
                )
            ).all()
        )
        people = await current_people(unit.db, user_ids)
        if len(people) != len(set(user_ids)):
            raise NotFoundError("no such person")
        answer = _position(channel)
        for user_id in sorted(people):
            if user_id not in already:
                answer = await add_member(unit, channel, people[user_id][1])
        return answer

    return await run(db, bus, apply, actor_id=actor.id)
