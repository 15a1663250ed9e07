"""Per-channel retention: a channel may keep its posts only so many days
(none by default: everything is kept). Admins set it (audited), on interest
groups and department channels they can read; a direct conversation has
none (nobody but its people may see it, admins included).

Why admins only, and not a group's creator: retention deletes everyone's
posts in the channel for good, a company's records decision (legal holds,
labour rules), not a matter of taste; and a creator could otherwise wipe
what others wrote there without a trace in the audit log.

The server applies it on schedule (server/retention.py, every
``RETENTION_INTERVAL`` seconds on every node): ``apply_due`` deletes, a batch
at a time, the posts older than each channel's limit through
channels/actions/retention.py, which claims each post exactly once across
nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from archive.facts import RetentionChanged
from bus.base import Bus
from channels.access import access_channel, readable_by
from channels.actions.retention import PURGE_BATCH, purge_older_than
from channels.models import Channel, ChannelKind
from core.clock import iso, utcnow
from core.errors import InvalidError
from core.schema import StrictModel
from core.tables import table_of
from org.models import User
from streams.unit import Unit, run

MAX_DAYS = 36_500  # a century
MAX_BATCHES = 500  # claims one round makes at most (100,000 posts), over all channels


class ChannelRetention(SQLModel, table=True):
    __tablename__ = "channel_retention"
    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    days: int
    set_by: int | None = Field(default=None, foreign_key="account.id")
    set_at: datetime = Field(default_factory=utcnow)


class RetentionSet(StrictModel):
    """``days``: delete posts older than this many days; null: keep everything."""

    days: int | None = PField(ge=1, le=MAX_DAYS)


class RetentionPublic(BaseModel):
    channel_id: int
    name: str
    kind: str
    days: int | None
    set_at: str | None


_RULE, _CHANNEL = table_of(ChannelRetention), table_of(Channel)


async def rule_of(db: AsyncSession, user: User, channel_id: int) -> RetentionPublic:
    """A channel's retention, if ``user`` may see the channel (else not found)."""
    channel = (await access_channel(db, user, channel_id)).channel
    row = await db.get(ChannelRetention, channel_id)
    return _public(channel, row)


async def rules(db: AsyncSession, user: User) -> list[RetentionPublic]:
    """Every interest group and department channel ``user`` can read, with its
    retention (none for most), by name."""
    query = (
        select(Channel, ChannelRetention)
        .outerjoin(ChannelRetention, col(ChannelRetention.channel_id) == col(Channel.id))
        .where(col(Channel.kind) != ChannelKind.direct.value, readable_by(user.id))
        .order_by(col(Channel.name), col(Channel.id))
    )
    return [_public(c, r) for c, r in (await db.exec(query)).all()]


def _public(channel: Channel, row: ChannelRetention | None) -> RetentionPublic:
    assert channel.id is not None
    return RetentionPublic(
        channel_id=channel.id,
        name=channel.name,
        kind=channel.kind,
        days=row.days if row else None,
        set_at=iso(row.set_at) if row else None,
    )


async def set_rule(unit: Unit, user: User, channel_id: int, days: int | None) -> RetentionPublic:
    """Set (or, with None, remove) a channel's retention, in ``unit``; audited."""
    channel = (await access_channel(unit.db, user, channel_id, for_update=True)).channel
    if channel.kind == ChannelKind.direct.value:
        raise InvalidError("a direct conversation has no retention")
    row = await unit.db.get(ChannelRetention, channel_id)
    old = row.days if row else None
    if days is None:
        if row is not None:
            await unit.db.delete(row)
        row = None
    else:
        row = row or ChannelRetention(channel_id=channel_id, days=days)
        row.days, row.set_by, row.set_at = days, user.id, utcnow()
        unit.db.add(row)
    await unit.db.flush()
    unit.note(
        RetentionChanged(
            channel_id=channel_id, name=channel.name, old={"days": old}, new={"days": days}
        )
    )
    return _public(channel, row)


async def due(db: AsyncSession, now: datetime) -> list[tuple[int, datetime]]:
    """Each channel with a retention, and the time before which its posts go."""
    conn = await db.connection()
    rows = await conn.execute(sa_select(_RULE.c.channel_id, _RULE.c.days))
    return [(c, now - timedelta(days=d)) for c, d in rows]


async def apply_due(
    db: AsyncSession, bus: Bus, now: datetime | None = None, *, batch: int = PURGE_BATCH
) -> int:
    """One round: delete what is past every channel's retention (a batch per
    unit, ``MAX_BATCHES`` units at most); answers how many posts went."""
    now = now or utcnow()
    limits: Sequence[tuple[int, datetime]] = await due(db, now)
    await db.rollback()  # the reads above end; each claim is its own unit
    deleted = 0
    batches = 0
    for channel_id, older_than in limits:
        while batches < MAX_BATCHES:
            batches += 1

            async def purge(unit: Unit, c: int = channel_id, t: datetime = older_than) -> int:
                return await purge_older_than(unit, c, t, limit=batch)

            done = await run(db, bus, purge)
            deleted += done
            if done < batch:
                break
    return deleted
