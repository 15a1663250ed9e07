"""Reading events: one event as a person sees it (with its attendees), the
upcoming ones a person may see, soonest first, and the ones a person's
calendar feed lists. The read rule is inside each query (``visible_to``),
never applied after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Channel
from core.clock import iso, utcnow
from core.tables import table_of
from gatherings.access import may_edit, visible_to
from gatherings.models import (
    PAGE,
    Answer,
    Attendee,
    Gathering,
    GatheringData,
    GatheringDetail,
    GatheringPublic,
    PersonName,
    Rsvp,
    aware,
)
from org.models import User

_GATHERING, _RSVP, _CHANNEL, _USER = (
    table_of(Gathering),
    table_of(Rsvp),
    table_of(Channel),
    table_of(User),
)
FEED_PAST_DAYS = 30  # a feed keeps events that ended this recently
FEED_LIMIT = 500


def data_of(g: Gathering, organiser_name: str) -> GatheringData:
    assert g.id is not None
    return GatheringData(
        id=g.id,
        channel_id=g.channel_id,
        title=g.title,
        description=g.description,
        starts_at=iso(aware(g.starts_at)) or "",
        ends_at=iso(aware(g.ends_at)) or "",
        place=g.place,
        link=g.link,
        capacity=g.capacity,
        organiser=PersonName(id=g.organiser_id, display_name=organiser_name),
        going=g.going,
        maybe=g.maybe,
        waitlist=g.waitlist,
        cancelled=g.cancelled_at is not None,
        updated_at=iso(aware(g.updated_at)) or "",
    )


async def names_of(db: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await db.exec(
        select(User.id, User.display_name).where(col(User.id).in_(sorted(set(ids))))
    )
    return {i: n for i, n in rows if i is not None}


async def data(db: AsyncSession, g: Gathering) -> GatheringData:
    return data_of(g, (await names_of(db, [g.organiser_id])).get(g.organiser_id, ""))


async def _place_in_line(db: AsyncSession, g: Gathering, row: Rsvp) -> int:
    assert row.queued_at is not None
    ahead = await db.exec(
        select(Rsvp.user_id).where(
            Rsvp.gathering_id == g.id,
            Rsvp.answer == Answer.waitlist.value,
            or_(
                col(Rsvp.queued_at) < row.queued_at,
                and_(col(Rsvp.queued_at) == row.queued_at, col(Rsvp.user_id) < row.user_id),
            ),
        )
    )
    return len(ahead.all()) + 1


async def detail(db: AsyncSession, user: User, g: Gathering) -> GatheringDetail:
    """One event's page, as ``user`` sees it (the caller checked they may)."""
    rows = (
        await db.exec(
            select(Rsvp, User.display_name)
            .join(User, col(User.id) == col(Rsvp.user_id))
            .where(Rsvp.gathering_id == g.id, Rsvp.answer != Answer.no.value)
        )
    ).all()
    order = {Answer.going: 0, Answer.waitlist: 1, Answer.maybe: 2}

    def key(item: tuple[Rsvp, str]) -> tuple[int, datetime, int]:
        r = item[0]
        at = r.queued_at if r.answer == Answer.waitlist.value and r.queued_at else r.answered_at
        return order[Answer(r.answer)], aware(at), r.user_id

    attendees = [
        Attendee(
            person=PersonName(id=r.user_id, display_name=name),
            answer=Answer(r.answer),
            answered_at=iso(aware(r.answered_at)) or "",
        )
        for r, name in sorted(rows, key=key)
    ]
    mine = (
        await db.exec(select(Rsvp).where(Rsvp.gathering_id == g.id, Rsvp.user_id == user.id))
    ).first()
    public = await one(db, user, g, mine)
    return GatheringDetail(**public.model_dump(), attendees=attendees)


async def one(
    db: AsyncSession, user: User, g: Gathering, mine: Rsvp | None = None
) -> GatheringPublic:
    channel_name = ""
    if g.channel_id is not None:
        channel_name = (
            await db.exec(select(Channel.name).where(Channel.id == g.channel_id))
        ).first() or ""
    line = None
    if mine is not None and mine.answer == Answer.waitlist.value:
        line = await _place_in_line(db, g, mine)
    return GatheringPublic(
        **(await data(db, g)).model_dump(),
        channel_name=channel_name,
        my_answer=Answer(mine.answer) if mine is not None else None,
        place_in_line=line,
        can_edit=may_edit(user, g),
    )


def _row_of(mapping: Any) -> Gathering:
    return Gathering(**{k: mapping[k] for k in Gathering.model_fields if k in mapping})


async def upcoming(
    db: AsyncSession,
    user: User,
    *,
    channel_id: int | None = None,
    limit: int = PAGE,
    now: datetime | None = None,
) -> list[GatheringPublic]:
    """Events not yet over and not cancelled that ``user`` may see, soonest
    first (one statement for the events and one's answers, one for names)."""
    now = now or utcnow()
    g, r = _GATHERING, _RSVP
    mine = r.alias("mine")
    stmt = (
        sa_select(g, _CHANNEL.c.name.label("channel_name"), mine.c.answer.label("my_answer"))
        .select_from(
            g.outerjoin(_CHANNEL, _CHANNEL.c.id == g.c.channel_id).outerjoin(
                mine, and_(mine.c.gathering_id == g.c.id, mine.c.user_id == user.id)
            )
        )
        .where(g.c.ends_at > now, g.c.cancelled_at.is_(None), visible_to(user.id))
        .order_by(g.c.starts_at, g.c.id)
        .limit(limit)
    )
    if channel_id is not None:
        stmt = stmt.where(g.c.channel_id == channel_id)
    conn = await db.connection()
    rows = [row._mapping for row in await conn.execute(stmt)]
    names = await names_of(db, [m["organiser_id"] for m in rows])
    found = []
    for m in rows:
        gathering = _row_of(m)
        line = None
        if m["my_answer"] == Answer.waitlist.value:
            mine_row = await db.get(Rsvp, (gathering.id, user.id))
            if mine_row is not None:
                line = await _place_in_line(db, gathering, mine_row)
        found.append(
            GatheringPublic(
                **data_of(gathering, names.get(gathering.organiser_id, "")).model_dump(),
                channel_name=m["channel_name"] or "",
                my_answer=Answer(m["my_answer"]) if m["my_answer"] else None,
                place_in_line=line,
                can_edit=may_edit(user, gathering),
            )
        )
    return found


async def in_feed(
    db: AsyncSession, user: User, now: datetime | None = None
) -> list[tuple[Gathering, str, str]]:
    """What ``user``'s calendar feed lists: events they may see now and answered
    going (or are waiting for a seat) or maybe, from those that ended up to
    ``FEED_PAST_DAYS`` ago; cancelled ones too (calendar apps then strike them
    out). Each with its organiser's name and one's answer."""
    now = now or utcnow()
    g, r = _GATHERING, _RSVP
    stmt = (
        sa_select(g, r.c.answer.label("my_answer"), _USER.c.display_name.label("organiser_name"))
        .select_from(
            g.join(r, and_(r.c.gathering_id == g.c.id, r.c.user_id == user.id)).join(
                _USER, _USER.c.id == g.c.organiser_id
            )
        )
        .where(
            r.c.answer.in_([Answer.going.value, Answer.waitlist.value, Answer.maybe.value]),
            g.c.ends_at > now - timedelta(days=FEED_PAST_DAYS),
            visible_to(user.id),
        )
        .order_by(g.c.starts_at, g.c.id)
        .limit(FEED_LIMIT)
    )
    conn = await db.connection()
    return [
        (_row_of(row._mapping), row.organiser_name, row.my_answer)
        for row in await conn.execute(stmt)
    ]
