"""Interest groups and membership: create, rename, join, leave, invite.

Every change of membership is two events in one unit: ``member.joined`` /
``member.left`` in the channel's stream (its readers see the member list
change) and ``membership.added`` / ``membership.removed`` in the person's own
stream (their other devices, and they after being offline, learn their
channel list changed)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Access
from channels.access import access_channel, blocked_between
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
    MAX_DIRECT_OTHERS,
    Channel,
    ChannelCreate,
    ChannelKind,
    ChannelUpdate,
    Membership,
    NotifyLevel,
    PersonRef,
    Post,
    Receipt,
)
from core.errors import ForbiddenError, InvalidError, NotFoundError, UnauthorizedError
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


async def add_member(
    unit: Unit, channel: Channel, person: PersonRef, *, since_post: int | None = None
) -> Receipt:
    assert channel.id is not None
    # A direct message is meant for its people: every message notifies them
    # unless they choose otherwise (channels/prefs.py).
    level = NotifyLevel.all if channel.kind == ChannelKind.direct.value else NotifyLevel.mentions
    unit.db.add(
        Membership(
            channel_id=channel.id, user_id=person.id, since_post=since_post, notify=level.value
        )
    )
    event = await unit.append(CHANNEL, channel.id, MemberJoined(user=person))
    await unit.append(
        PERSON,
        person.id,
        MembershipAdded(channel_id=channel.id, name=channel.name, notify=level.value),
    )
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
            qa=data.qa,
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
        if data.qa is not None:
            channel.qa = data.qa
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
        answer = await remove_member(unit, access.channel, person)
        if access.channel.kind == ChannelKind.direct.value:
            return await _renamed(unit, access.channel) or answer
        return answer

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
        if channel.kind == ChannelKind.direct.value:
            return await _add_to_conversation(unit, me, channel, user_ids)
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


# ---- group conversations (channels/actions/direct.py starts them) ----------------------


def conversation_name(names: Sequence[str]) -> str:
    """A conversation's stored name (search results and the home feed show it;
    clients name it by its other people)."""
    joined = ", ".join(sorted(names))
    return joined if len(joined) <= 100 else joined[:99] + "…"


async def _add_to_conversation(
    unit: Unit, me: User, channel: Channel, user_ids: list[int]
) -> Receipt:
    """People into a group conversation: each reads it from now on (their
    membership's ``since_post``: channels/direct.py)."""
    assert channel.id is not None
    # The head locked first: no post of the channel is written between the
    # newest post read below and the joins.
    await access_channel(unit.db, me, channel.id, for_update=True)
    already = set(
        (
            await unit.db.exec(
                select(Membership.user_id).where(Membership.channel_id == channel.id)
            )
        ).all()
    )
    new = sorted(set(user_ids) - already)
    if len(already) + len(new) > MAX_DIRECT_OTHERS + 1:
        raise InvalidError(f"user_ids: a conversation holds at most {MAX_DIRECT_OTHERS + 1} people")
    people = await current_people(unit.db, new)
    if len(people) != len(new):
        raise NotFoundError("no such person")
    # Adding someone is starting a conversation with them: refused across a
    # block either way, as starting one is (channels/actions/direct.py).
    assert me.id is not None
    for user_id in new:
        if await blocked_between(unit.db, me.id, user_id):
            raise ForbiddenError(
                "you cannot add someone you blocked or who blocked you to a conversation"
            )
    if not new:
        return _position(channel)
    since = (
        await unit.db.exec(select(func.max(Post.id)).where(Post.channel_id == channel.id))
    ).first()
    answer = _position(channel)
    for user_id in new:
        answer = await add_member(unit, channel, people[user_id][1], since_post=since or 0)
    return await _renamed(unit, channel) or answer


async def _renamed(unit: Unit, channel: Channel) -> Receipt | None:
    """A conversation's stored name follows its people (``channel.updated``)."""
    assert channel.id is not None
    names = (
        await unit.db.exec(
            select(User.display_name)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(Membership.channel_id == channel.id)
        )
    ).all()
    name = conversation_name(list(names))
    if name == channel.name:
        return None
    channel.name = name
    unit.db.add(channel)
    return receipt(await unit.append(CHANNEL, channel.id, ChannelUpdated.of(channel)))
