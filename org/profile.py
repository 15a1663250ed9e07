"""What a person changes about themself: their display name, the reading of
their name in kana, a short introduction. Names are facts about the person,
not about a channel, so no channel event follows; every node forgets what it
cached about them, and their next writes carry the new name."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Forget
from core.errors import UnauthorizedError
from org.models import ProfileUpdate, User
from streams.unit import Unit, run


async def do_update_profile(db: AsyncSession, bus: Bus, actor: User, data: ProfileUpdate) -> User:
    async def apply(unit: Unit) -> User:
        me = await unit.db.get(User, actor.id)
        if me is None or not me.is_active:
            raise UnauthorizedError("this account is deactivated")
        if data.display_name is not None:
            me.display_name = data.display_name
        if data.reading is not None:
            me.reading = data.reading
        if data.bio is not None:
            me.bio = data.bio
        unit.db.add(me)
        await unit.db.flush()
        assert me.id is not None
        unit.send_after_commit(CONTROL_TOPIC, Forget(user=me.id))
        return me

    return await run(db, bus, apply, actor_id=actor.id)
