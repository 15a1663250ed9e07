"""What a person changes about themself (their display name, the reading of
their name in kana, a short introduction, the language of their mail and
whether a mention left unread is mailed), and what follows any change to an
account: names are facts about the person, not about a channel, so no channel
event follows; their own devices hear ``account.updated``, every node forgets
what it cached about them, and their next writes carry the new name."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Forget
from core.errors import UnauthorizedError
from org.facts import AccountUpdated
from org.models import Department, ProfileUpdate, User
from org.stream import PERSON
from streams.unit import Unit, run
from words import lists


async def do_update_profile(db: AsyncSession, bus: Bus, actor: User, data: ProfileUpdate) -> User:
    async def apply(unit: Unit) -> User:
        me = await unit.db.get(User, actor.id)
        if me is None or not me.is_active:
            raise UnauthorizedError("this account is deactivated")
        texts = [(f, t) for f, t in (("display_name", data.display_name), ("bio", data.bio)) if t]
        if texts:
            words = await lists.matcher_now(unit.db)
            warned = lists.check(words, texts, acknowledged=data.acknowledge_warning)
            assert me.id is not None
            await lists.record_override(unit, me.id, "profile", warned)
        if data.display_name is not None:
            me.display_name = data.display_name
        if data.reading is not None:
            me.reading = data.reading
        if data.bio is not None:
            me.bio = data.bio
        if data.language is not None:
            me.language = data.language.value
        if data.mention_email is not None:
            me.mention_email = data.mention_email
        unit.db.add(me)
        await unit.db.flush()
        await account_changed(unit, me)
        return me

    return await run(db, bus, apply, actor_id=actor.id)


async def account_changed(unit: Unit, user: User) -> None:
    """Their own devices hear it at once (``account.updated`` in their stream: the
    sidebar's card, what they may do) and every node forgets what it cached."""
    assert user.id is not None
    department = await unit.db.get(Department, user.department_id) if user.department_id else None
    await unit.append(
        PERSON,
        user.id,
        AccountUpdated(
            display_name=user.display_name,
            department_id=user.department_id,
            department=department.name if department else None,
            role=user.role,
        ),
    )
    unit.send_after_commit(CONTROL_TOPIC, Forget(user=user.id))
