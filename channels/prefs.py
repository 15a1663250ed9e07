"""How each member follows a channel: their notification level, kept on their
membership (``Membership.notify``), shown on the channel (``ChannelPublic.notify``)
and followed by their other devices through ``preference.changed`` in their
own stream.

Levels (``NotifyLevel``): ``all`` notifies every new post as well (the
default in direct conversations: a message there is meant for its people,
channels/actions/channels.py's ``add_member``); ``mentions`` (the default
elsewhere) mentions, @channel, comments on one's posts and in one's
threads, likes and invitations; ``none`` mutes the channel: nothing notifies
except a mention of oneself by name (someone asked for you; @channel does
not pierce a mute). What a level lets through is decided in notify/duties.py.

A muted channel keeps its true ``unread`` count (the client still marks where
new posts begin when it is opened); clients show no badge for it and leave it
out of totals.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import access_channel
from channels.actions.common import current_person
from channels.models import Membership, NotifyLevel
from core.errors import ForbiddenError
from core.schema import StrictModel
from org.models import User
from org.stream import PERSON
from streams.catalogue import Fact, fact
from streams.unit import Unit, run


@fact
class PreferenceChanged(Fact):
    """One's notification level in a channel changed (on this device or another)."""

    kind: ClassVar[str] = "preference.changed"
    stream: ClassVar[str] = "person"
    channel_id: int
    level: NotifyLevel


class NotifyChoice(StrictModel):
    level: NotifyLevel


class NotifyState(BaseModel):
    channel_id: int
    level: NotifyLevel


async def do_set_notify_level(
    db: AsyncSession, bus: Bus, actor: User, channel_id: int, level: NotifyLevel
) -> NotifyState:
    """Members choose; asking for the level one has changes nothing."""

    async def apply(unit: Unit) -> NotifyState:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        access = await access_channel(unit.db, me, channel_id)
        if not access.is_member:
            raise ForbiddenError("join the channel first")
        changed = await unit.db.exec(
            update(Membership)
            .where(
                col(Membership.channel_id) == channel_id,
                col(Membership.user_id) == me.id,
                col(Membership.notify) != level.value,
            )
            .values(notify=level.value)
        )
        if changed.rowcount:
            await unit.append(PERSON, me.id, PreferenceChanged(channel_id=channel_id, level=level))
        return NotifyState(channel_id=channel_id, level=level)

    return await run(db, bus, apply, actor_id=actor.id)
