"""Reminders a day and an hour before an event, to those going: each sent
exactly once, whichever node's job claims it first.

A run selects the events whose reminder is due (not cancelled, not started,
the reminder not yet sent) ``FOR UPDATE SKIP LOCKED`` (PostgreSQL: a node
running at the same moment skips what another has locked), then claims them
with ``UPDATE … SET reminded_x_at = now WHERE … IS NULL RETURNING``, which
re-reads the flag as it writes: what another node claimed is not taken. SQLite
has one writer at a time, which makes the same true there. The notifications
go out in the claim's unit, to people going who are active and may still see
the event (asked now). An event made less than an hour before it starts gets
the hour's reminder only; one whose time moves is reminded again for the new
time (gatherings/actions.py clears the flags).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.models import Channel
from core.tables import table_of
from gatherings.access import visible_to
from gatherings.models import Answer, Gathering, Rsvp, aware
from notify.deliver import Note, deliver
from notify.models import NotificationKind
from org import timezone
from org.models import User
from streams.unit import Unit, run

BATCH = 200  # events one claim takes at most
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
_G, _R, _USER = table_of(Gathering), table_of(Rsvp), table_of(User)


async def company_zone(db: AsyncSession) -> zoneinfo.ZoneInfo:
    return await timezone.zone(db)


async def channel_name(db: AsyncSession, channel_id: int | None) -> str:
    if channel_id is None:
        return ""
    return (await db.exec(select(Channel.name).where(Channel.id == channel_id))).first() or ""


def line(g: Gathering, zone: zoneinfo.ZoneInfo) -> str:
    """The event in a notification: its title and start in the company's zone."""
    start = aware(g.starts_at).astimezone(zone)
    return f"{g.title} · {start:%Y-%m-%d %H:%M} ({zone.key})"


async def _claim(
    unit: Unit, column: Any, after: datetime, due_before: datetime, now: datetime
) -> list[int]:
    """Claim the events starting in (``after``, ``due_before``] whose ``column``
    reminder is not yet sent."""
    conn = await unit.db.connection()
    g = _G.c
    candidates = (
        sa_select(g.id)
        .where(
            g.cancelled_at.is_(None),
            column.is_(None),
            g.starts_at > after,
            g.starts_at <= due_before,
        )
        .order_by(g.starts_at, g.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    ids = [r[0] for r in await conn.execute(candidates)]
    if not ids:
        return []
    values: dict[str, Any] = {column.key: now}
    if column is g.reminded_hour_at:
        values["reminded_day_at"] = func.coalesce(g.reminded_day_at, now)  # too late for it
    claimed = await conn.execute(
        update(_G)
        .where(g.id.in_(ids), column.is_(None), g.cancelled_at.is_(None))
        .values(values)
        .returning(g.id)
    )
    return sorted(r[0] for r in claimed)


async def _notes(unit: Unit, ids: list[int], kind: NotificationKind) -> list[Note]:
    if not ids:
        return []
    zone = await company_zone(unit.db)
    gatherings = (await unit.db.exec(select(Gathering).where(col(Gathering.id).in_(ids)))).all()
    conn = await unit.db.connection()
    notes = []
    for g in gatherings:
        people = await conn.execute(
            sa_select(_R.c.user_id)
            .select_from(
                _R.join(_USER, _USER.c.id == _R.c.user_id).join(
                    _G, and_(_G.c.id == _R.c.gathering_id)
                )
            )
            .where(
                _R.c.gathering_id == g.id,
                _R.c.answer == Answer.going.value,
                _USER.c.is_active.is_(True),
                visible_to(_R.c.user_id),
            )
            .order_by(_R.c.user_id)
        )
        name = await channel_name(unit.db, g.channel_id)
        notes += [
            Note(
                user_id=user_id,
                kind=kind,
                actor=None,  # the event's own news: nobody did it
                channel_id=g.channel_id,
                channel_name=name,
                excerpt=line(g, zone),
                subject_id=g.id,
            )
            for (user_id,) in people
        ]
    return notes


async def _remind(unit: Unit, now: datetime) -> int:
    hour = await _claim(unit, _G.c.reminded_hour_at, now, now + HOUR, now)
    day = await _claim(unit, _G.c.reminded_day_at, now + HOUR, now + DAY, now)
    notes = await _notes(unit, hour, NotificationKind.event_reminder_hour)
    notes += await _notes(unit, day, NotificationKind.event_reminder_day)
    await deliver(unit, notes)
    return len(notes)


async def do_remind(db: AsyncSession, bus: Bus, now: datetime) -> int:
    """One run at ``now``: claim the reminders due and notify. Answers how many
    notifications were made."""

    async def apply(unit: Unit) -> int:
        return await _remind(unit, now)

    return await run(db, bus, apply)
