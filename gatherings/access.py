"""Who may see, create and change an event, and the fetch-and-authorise
helper every read and write of one goes through (channels/access.py's rule,
answering "not found" alike for what does not exist and what one may not see).

An event in a channel is seen by whoever may read that channel (its read
rule, in Python and in SQL: ``visible_to``); a company-wide one (no channel)
by every active person. Whoever is a member of a channel (who may post in
it) creates events in it; company-wide ones are ``may_create_company_wide``'s.
Its organiser and moderators (admins moderate) edit and cancel it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from announcements.reads import announces
from channels.access import ChannelAccess, access_channel, readable_by
from channels.models import Channel
from core.errors import NotFoundError
from core.tables import table_of
from gatherings.models import Gathering
from org.models import User

_GATHERING, _CHANNEL = table_of(Gathering), table_of(Channel)


async def may_create_company_wide(db: AsyncSession, user: User) -> bool:
    """Who may create (and so address to everyone) a company-wide event: admins
    and the people an admin named announcers (announcements/)."""
    return await announces(db, user)


def may_edit(user: User, gathering: Gathering) -> bool:
    return user.id == gathering.organiser_id or user.can_moderate


def visible_to(user_id: Any, gathering: Any = None) -> Any:
    """The read rule as a SQL condition on the gathering table (or an alias):
    company-wide, or in a channel ``user_id`` may read (a person's id, a bound
    parameter or a column holding one)."""
    g = gathering if gathering is not None else _GATHERING
    ch = _CHANNEL.alias("gathering_channel")
    in_readable = exists(
        sa_select(ch.c.id).where(ch.c.id == g.c.channel_id, readable_by(user_id, channel=ch))
    )
    return or_(g.c.channel_id.is_(None), in_readable)


async def access_gathering(
    db: AsyncSession, user: User, gathering_id: int, *, for_update: bool = False
) -> tuple[Gathering, ChannelAccess | None]:
    """The event and (for one in a channel) how ``user`` stands in its channel,
    if ``user`` may see it; ``for_update`` locks its row (answers and edits
    are decided under that lock: two people taking the last seat on two nodes
    are one after the other)."""
    stmt = select(Gathering).where(Gathering.id == gathering_id)
    if for_update:
        stmt = stmt.with_for_update()
    gathering = (await db.exec(stmt)).first()
    if gathering is None:
        raise NotFoundError("no such event")
    if gathering.channel_id is None:
        return gathering, None
    try:
        access = await access_channel(db, user, gathering.channel_id)
    except NotFoundError:
        raise NotFoundError("no such event") from None
    return gathering, access
