"""Creating, editing and cancelling events, and answering them.

- ``do_create_gathering``: a member of a channel (who may post in it) creates
  an event there; ``channel_id`` None is company-wide (``may_create_company_wide``).
  The creator is its organiser.
- ``do_update_gathering``: its organiser or a moderator changes it; a larger
  capacity (or none) moves people up from the waitlist.
- ``do_cancel_gathering``: the same people cancel it: it stays, marked
  cancelled; nobody answers it any more.
- ``do_answer``: going / maybe / no, by the channel's members (anyone, for a
  company-wide event). Going while it is full puts one on the
  waitlist (in the order people asked); a seat given up (going → maybe or no)
  goes to the first in line, who is notified.

Every change appends ``gathering.updated`` to its channel's stream (a
company-wide event: ``gathering.changed`` to every active person's) in the
same unit. Answers and edits are decided under the event row's lock
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer), so two
people taking the last seat at once, on two nodes, are served one after the
other: one gets it, the other waits in line.

Creating and editing an event follow the rules of posting
(channels/actions/posts.py): its author has accepted the terms of use in
force (403 ``terms_not_accepted``) and is not muted (403 ``muted``); its
title, description and place go through the word check (422
``word_blocked``; 422 ``word_warning`` unless sent with
``acknowledge_warning``, then recorded as ``wordcheck.overridden``, ``what``
``event``).

Errors, each changing nothing: bad fields (an end before the start, a
capacity out of 1-10,000): 400/422 ``invalid``; a channel one may not see,
or an event: 404; a channel one is not a member of, a company-wide event by
someone not allowed, a change by someone not its organiser, an answer by
someone not in its channel: 403; answering a
cancelled or past event: 409 ``conflict``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import access_channel
from channels.actions.common import checked_writer
from channels.facts import CHANNEL
from core.clock import utcnow
from core.errors import ConflictError, ForbiddenError, InvalidError, UnauthorizedError
from core.tables import table_of
from gatherings import reads, reminders
from gatherings.access import access_gathering, may_create_company_wide, may_edit
from gatherings.facts import GatheringChanged, GatheringUpdated
from gatherings.models import (
    MAX_AHEAD_DAYS,
    MAX_DAYS,
    Answer,
    AnswerChoice,
    Gathering,
    GatheringChange,
    GatheringCreate,
    GatheringDetail,
    Rsvp,
    aware,
)
from notify.deliver import Note, deliver
from notify.models import NotificationKind
from org.models import User
from org.stream import PERSON
from streams.catalogue import Fact
from streams.log import Slot
from streams.unit import Unit, run
from words import lists

_USER = table_of(User)
_CHECKED = ("title", "description", "place")  # the texts the word check reads


async def _me(db: AsyncSession, actor: User) -> User:
    """The actor as they are now (an open socket's copy may be older)."""
    me = await db.get(User, actor.id)
    if me is None or not me.is_active:
        raise UnauthorizedError("this account is not active")
    return me


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidError("ends_at: must be after starts_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InvalidError(f"ends_at: an event lasts at most {MAX_DAYS} days")
    if ends_at <= now:
        raise InvalidError("ends_at: this is in the past")
    if starts_at - now > timedelta(days=MAX_AHEAD_DAYS):
        raise InvalidError("starts_at: too far ahead")


async def announce(unit: Unit, g: Gathering) -> None:
    """Tell those who may see it how the event is now."""
    data = await reads.data(unit.db, g)
    if g.channel_id is not None:
        await unit.append(CHANNEL, g.channel_id, GatheringUpdated(gathering=data))
        return
    conn = await unit.db.connection()
    people = [
        r[0]
        for r in await conn.execute(
            sa_select(_USER.c.id).where(_USER.c.is_active.is_(True)).order_by(_USER.c.id)
        )
    ]
    changed = GatheringChanged(gathering=data)

    async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
        return [(changed, unit.actor_id) for _ in slots]

    await unit.append_each(PERSON, people, make)


async def _promote(unit: Unit, g: Gathering) -> list[int]:
    """Fill free seats from the waitlist, first in line first; answer who moved."""
    free = None if g.capacity is None else g.capacity - g.going
    if g.waitlist == 0 or (free is not None and free <= 0):
        return []
    stmt = (
        select(Rsvp)
        .where(Rsvp.gathering_id == g.id, Rsvp.answer == Answer.waitlist.value)
        .order_by(col(Rsvp.queued_at), col(Rsvp.user_id))
    )
    if free is not None:
        stmt = stmt.limit(free)
    moved = list((await unit.db.exec(stmt)).all())
    for row in moved:
        row.answer = Answer.going.value
        row.queued_at = None
        unit.db.add(row)
    g.going += len(moved)
    g.waitlist -= len(moved)
    if moved:
        zone = await reminders.company_zone(unit.db)
        channel_name = await reminders.channel_name(unit.db, g.channel_id)
        await deliver(
            unit,
            [
                Note(
                    user_id=row.user_id,
                    kind=NotificationKind.event_moved_up,
                    actor=None,  # the event's own news: nobody did it
                    channel_id=g.channel_id,
                    channel_name=channel_name,
                    excerpt=reminders.line(g, zone),
                    subject_id=g.id,
                )
                for row in moved
            ],
        )
    return [row.user_id for row in moved]


async def do_create_gathering(
    db: AsyncSession, bus: Bus, actor: User, body: GatheringCreate
) -> GatheringDetail:
    async def apply(unit: Unit) -> GatheringDetail:
        texts = [(name, getattr(body, name)) for name in _CHECKED]
        me, warned = await checked_writer(unit.db, actor, texts, body.acknowledge_warning)
        now = utcnow()
        if body.channel_id is None:
            if not await may_create_company_wide(unit.db, me):
                raise ForbiddenError("only admins and announcers create company-wide events")
        else:
            access = await access_channel(unit.db, me, body.channel_id)
            access.require_post()
        _check_times(body.starts_at, body.ends_at, now)
        assert me.id is not None
        g = Gathering(
            uid=f"{secrets.token_hex(16)}@kaisha",
            channel_id=body.channel_id,
            organiser_id=me.id,
            title=body.title,
            description=body.description,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            place=body.place,
            link=body.link,
            capacity=body.capacity,
            created_at=now,
            updated_at=now,
        )
        unit.db.add(g)
        await unit.db.flush()
        await lists.record_override(unit, me.id, "event", warned, channel_id=g.channel_id)
        await announce(unit, g)
        return await reads.detail(unit.db, me, g)

    return await run(db, bus, apply, actor_id=actor.id)


async def _editable(unit: Unit, actor: User, gathering_id: int) -> tuple[User, Gathering]:
    me = await _me(unit.db, actor)
    g, access = await access_gathering(unit.db, me, gathering_id, for_update=True)
    if not may_edit(me, g):
        raise ForbiddenError("only its organiser or a moderator changes an event")
    if access is not None and access.viewer.is_archived:
        raise ForbiddenError("this channel is archived: it can be read, not changed")
    if g.cancelled_at is not None:
        raise ConflictError("this event was cancelled")
    return me, g


async def do_update_gathering(
    db: AsyncSession, bus: Bus, actor: User, gathering_id: int, change: GatheringChange
) -> GatheringDetail:
    async def apply(unit: Unit) -> GatheringDetail:
        me, g = await _editable(unit, actor, gathering_id)
        fields = change.model_dump(exclude_unset=True)
        texts = [(name, fields.get(name)) for name in _CHECKED]
        me, warned = await checked_writer(unit.db, me, texts, change.acknowledge_warning)
        assert me.id is not None
        await lists.record_override(unit, me.id, "event", warned, channel_id=g.channel_id)
        now = utcnow()
        for name in ("title", "description", "place", "link"):
            if name in fields:
                if fields[name] is None:
                    raise InvalidError(f"{name}: may not be null")
                setattr(g, name, fields[name])
        starts = change.starts_at if "starts_at" in fields else aware(g.starts_at)
        ends = change.ends_at if "ends_at" in fields else aware(g.ends_at)
        if starts is None or ends is None:
            raise InvalidError("starts_at, ends_at: may not be null")
        if "starts_at" in fields or "ends_at" in fields:
            _check_times(starts, ends, now)
            if starts != aware(g.starts_at):
                g.reminded_day_at = None  # a new time: reminded again for it
                g.reminded_hour_at = None
            g.starts_at, g.ends_at = starts, ends
        if "capacity" in fields:
            g.capacity = change.capacity
        g.sequence += 1
        g.updated_at = now
        unit.db.add(g)
        await _promote(unit, g)
        await announce(unit, g)
        return await reads.detail(unit.db, me, g)

    return await run(db, bus, apply, actor_id=actor.id)


async def do_cancel_gathering(
    db: AsyncSession, bus: Bus, actor: User, gathering_id: int
) -> GatheringDetail:
    async def apply(unit: Unit) -> GatheringDetail:
        me, g = await _editable(unit, actor, gathering_id)
        now = utcnow()
        g.cancelled_at = now
        g.updated_at = now
        g.sequence += 1
        unit.db.add(g)
        await announce(unit, g)
        return await reads.detail(unit.db, me, g)

    return await run(db, bus, apply, actor_id=actor.id)


def _count(g: Gathering, answer: str | None, delta: int) -> None:
    if answer == Answer.going.value:
        g.going += delta
    elif answer == Answer.waitlist.value:
        g.waitlist += delta
    elif answer == Answer.maybe.value:
        g.maybe += delta


async def do_answer(
    db: AsyncSession, bus: Bus, actor: User, gathering_id: int, choice: AnswerChoice
) -> GatheringDetail:
    async def apply(unit: Unit) -> GatheringDetail:
        me = await _me(unit.db, actor)
        assert me.id is not None
        g, access = await access_gathering(unit.db, me, gathering_id, for_update=True)
        if access is not None:
            access.require_react()  # a channel's events are answered by its members
        now = utcnow()
        if g.cancelled_at is not None:
            raise ConflictError("this event was cancelled")
        if aware(g.ends_at) <= now:
            raise ConflictError("this event is over")
        row = await unit.db.get(Rsvp, (g.id, me.id))
        old = row.answer if row is not None else None
        want = choice.answer
        if want == Answer.going.value and old in (Answer.going.value, Answer.waitlist.value):
            return await reads.detail(unit.db, me, g)  # already going, or in line
        if want == old:
            return await reads.detail(unit.db, me, g)
        new: str = want
        if want == Answer.going.value and g.capacity is not None and g.going >= g.capacity:
            new = Answer.waitlist.value
        if row is None:
            assert g.id is not None
            row = Rsvp(gathering_id=g.id, user_id=me.id, answer=new)
        row.answer = new
        row.answered_at = now
        row.queued_at = now if new == Answer.waitlist.value else None
        unit.db.add(row)
        _count(g, old, -1)
        _count(g, new, +1)
        if old == Answer.going.value:
            await _promote(unit, g)
        unit.db.add(g)
        await unit.db.flush()
        await announce(unit, g)
        return await reads.detail(unit.db, me, g)

    return await run(db, bus, apply, actor_id=actor.id)
