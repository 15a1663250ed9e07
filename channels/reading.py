"""What each person has read, per channel, kept by the server so that every
device and tab agrees: a position (the channel's ``seq`` read up to), the
unread count derived from it, and a ``read.moved`` event in the person's own
stream so the other devices follow at once.

A position only moves forward (two devices reporting out of order keep the
larger: Mattermost's drifting badges came from the opposite). A person who
never reported one in a channel has read everything from before they joined
it: their count starts at the events after ``Membership.joined_at``, never
at the channel's whole history.

Unread means: a post or comment by someone else after the position. Counts
come from the channel's event log in one grouped query for any number of
channels (``unread_counts``), so they cannot drift from what happened.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import ClassVar, NamedTuple

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import access_channel, readable_by
from channels.actions.common import current_person
from channels.models import Channel, ChannelEvent, Membership
from core.clock import utcnow
from core.schema import MAX_ID, StrictModel
from core.tables import table_of
from org.models import User
from org.stream import PERSON
from streams.catalogue import Fact, fact
from streams.log import Reader, connection_of
from streams.unit import Unit, run

# What counts as unread: something someone said.
UNREAD_KINDS = ("post.created", "comment.created")


class ReadPosition(SQLModel, table=True):
    __tablename__ = "read_position"
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    seq: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


@fact
class ReadMoved(Fact):
    """One's read position in a channel moved (on this device or another)."""

    kind: ClassVar[str] = "read.moved"
    stream: ClassVar[str] = "person"
    channel_id: int
    seq: int
    unread: int


class MarkRead(StrictModel):
    seq: int = PField(ge=0, le=MAX_ID)


class ReadState(BaseModel):
    """Where one has read up to in a channel, and what is left."""

    channel_id: int
    seq: int
    unread: int


_EVENT, _MEMBERSHIP, _READ = table_of(ChannelEvent), table_of(Membership), table_of(ReadPosition)


class Standing(NamedTuple):
    """Where a member stands in a channel: read up to ``seq``, ``unread`` posts
    and comments by others after it, and what of it notifies them
    (channels/prefs.py)."""

    seq: int
    unread: int
    notify: str


async def unread_counts(
    db: Reader, user_id: int, channel_ids: Collection[int]
) -> dict[int, Standing]:
    """For each channel ``user_id`` is a member of: their read position, unread
    count and notification level, in two queries whatever the number of
    channels. Channels they are not in are left out (nothing is unread there)."""
    if not channel_ids:
        return {}
    conn = await connection_of(db)
    member = _MEMBERSHIP.alias("m")
    read = _READ.alias("r")
    position = func.coalesce(read.c.seq, 0)
    positions = (
        await conn.execute(
            sa_select(member.c.channel_id, position, member.c.notify)
            .select_from(
                member.outerjoin(
                    read,
                    and_(read.c.channel_id == member.c.channel_id, read.c.user_id == user_id),
                )
            )
            .where(member.c.user_id == user_id, member.c.channel_id.in_(list(channel_ids)))
        )
    ).all()
    found = {channel_id: Standing(seq, 0, notify) for channel_id, seq, notify in positions}
    if not found:
        return {}
    counts = (
        await conn.execute(
            sa_select(_EVENT.c.channel_id, func.count())
            .select_from(
                _EVENT.join(
                    member,
                    and_(member.c.channel_id == _EVENT.c.channel_id, member.c.user_id == user_id),
                ).outerjoin(
                    read,
                    and_(read.c.channel_id == _EVENT.c.channel_id, read.c.user_id == user_id),
                )
            )
            .where(
                _EVENT.c.channel_id.in_(list(found)),
                _EVENT.c.seq > position,
                _EVENT.c.created_at > member.c.joined_at,
                _EVENT.c.kind.in_(UNREAD_KINDS),
                func.coalesce(_EVENT.c.actor_id, 0) != user_id,
            )
            .group_by(_EVENT.c.channel_id)
        )
    ).all()
    for channel_id, count in counts:
        found[channel_id] = found[channel_id]._replace(unread=int(count))
    return found


async def do_mark_read(
    db: AsyncSession, bus: Bus, actor: User, channel_id: int, seq: int
) -> ReadState:
    """Read ``channel_id`` up to ``seq`` (cut to the channel's head). A position
    behind the one kept changes nothing and answers the kept one."""

    async def apply(unit: Unit) -> ReadState:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        access = await access_channel(unit.db, me, channel_id)
        channel = access.channel
        if not access.is_member:
            return ReadState(channel_id=channel_id, seq=channel.last_seq, unread=0)
        seq_now = min(seq, channel.last_seq)
        row = await unit.db.get(ReadPosition, (me.id, channel_id))
        if row is not None and row.seq >= seq_now:
            (kept,) = (await unread_counts(unit.db, me.id, [channel_id])).values()
            return ReadState(channel_id=channel_id, seq=kept[0], unread=kept[1])
        if row is None:
            row = ReadPosition(user_id=me.id, channel_id=channel_id)
        row.seq = seq_now
        row.updated_at = utcnow()
        unit.db.add(row)
        await unit.db.flush()
        (state,) = (await unread_counts(unit.db, me.id, [channel_id])).values()
        moved = ReadMoved(channel_id=channel_id, seq=state[0], unread=state[1])
        await unit.append(PERSON, me.id, moved)
        return ReadState(channel_id=channel_id, seq=state[0], unread=state[1])

    return await run(db, bus, apply, actor_id=actor.id)


READ_ALL_BATCH = 500  # channels one unit of "mark all read" moves


class ReadAll(BaseModel):
    """What "mark all read" moved: each channel that was behind, now at its head."""

    channels: list[ReadState]


_CHANNEL = table_of(Channel)


async def do_mark_all_read(
    db: AsyncSession, bus: Bus, actor: User, *, after: int = 0, batch: int | None = None
) -> tuple[ReadAll, int | None]:
    """Read every channel one is in up to its head, ``batch`` channels (those
    with an id above ``after``, behind their head) in one unit: positions move
    and one ``read.moved`` each is appended to one's stream, in a few statements
    whatever their number. Answers what moved, and the ``after`` of the next
    batch (None: none is left)."""

    size = batch or READ_ALL_BATCH

    async def apply(unit: Unit) -> tuple[ReadAll, int | None]:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        conn = await unit.db.connection()
        member, read = _MEMBERSHIP.alias("m"), _READ.alias("r")
        behind = (
            await conn.execute(
                sa_select(_CHANNEL.c.id, _CHANNEL.c.last_seq)
                .select_from(
                    _CHANNEL.join(
                        member,
                        and_(member.c.channel_id == _CHANNEL.c.id, member.c.user_id == me.id),
                    ).outerjoin(
                        read, and_(read.c.channel_id == _CHANNEL.c.id, read.c.user_id == me.id)
                    )
                )
                .where(
                    _CHANNEL.c.id > after,
                    _CHANNEL.c.last_seq > func.coalesce(read.c.seq, 0),
                    readable_by(me.id, channel=_CHANNEL),
                )
                .order_by(_CHANNEL.c.id)
                .limit(size + 1)
            )
        ).all()
        more = len(behind) > size
        heads = {channel_id: seq for channel_id, seq in behind[:size]}
        if not heads:
            return ReadAll(channels=[]), None
        kept = {
            row.channel_id: row
            for row in (
                await unit.db.exec(
                    select(ReadPosition).where(
                        ReadPosition.user_id == me.id,
                        col(ReadPosition.channel_id).in_(list(heads)),
                    )
                )
            ).all()
        }
        now = utcnow()
        for channel_id, head in heads.items():
            row = kept.get(channel_id) or ReadPosition(user_id=me.id, channel_id=channel_id)
            row.seq, row.updated_at = max(row.seq, head), now
            unit.db.add(row)
        await unit.db.flush()
        # At the head, nothing is left to read: unread is 0 by the badges' rule.
        moved = [ReadState(channel_id=c, seq=s, unread=0) for c, s in heads.items()]
        await unit.append_many(
            PERSON,
            me.id,
            [(ReadMoved(channel_id=m.channel_id, seq=m.seq, unread=0), me.id, None) for m in moved],
        )
        return ReadAll(channels=moved), (max(heads) if more else None)

    return await run(db, bus, apply, actor_id=actor.id)
