"""Reading one's notifications, and marking them read.

What one is shown is asked at every request, as everywhere: a notification
from a channel one may no longer read (one left the private group, the
department was closed) is neither listed nor counted, whatever it said. The
channel's name is the one it has now; the actors' names too.

Marking read changes rows, and tells every device of the person with
``notification.read`` (ids, or ``all``): asking for what already is changes
nothing and tells no one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, update
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import before_joining, readable_by
from channels.actions.common import current_person
from channels.models import Channel, Membership, Post
from core.clock import utcnow
from core.tables import table_of
from notify.facts import NotificationsRead
from notify.models import (
    ACTORS_SHOWN,
    PAGE_SIZE,
    MarkRead,
    Notification,
    NotificationKind,
    NotificationsPage,
    ReadAnswer,
    StoredRow,
    notification_public,
)
from org.models import User
from org.stream import PERSON
from streams.log import Reader, connection_of
from streams.unit import Unit, run

_NOTIFICATION, _CHANNEL, _MEMBERSHIP, _USER, _POST = (
    table_of(Notification),
    table_of(Channel),
    table_of(Membership),
    table_of(User),
    table_of(Post),
)


def _readable() -> Any:
    """Each notification's channel is readable by its own person, now (a
    notification about no channel, moderation's, is its person's alone), its
    post too (not one from before they were added to a group conversation),
    and its post was not hidden by a moderator since (unhiding brings it back)."""
    n = _NOTIFICATION.c
    return and_(
        or_(
            n.channel_id.is_(None),
            readable_by(n.user_id, channel=_CHANNEL, membership=_MEMBERSHIP),
        ),
        not_(before_joining(n.user_id, n.channel_id, n.post_id, n.thread_id)),
        or_(_POST.c.id.is_(None), _POST.c.hidden_at.is_(None)),
    )


_FROM = _NOTIFICATION.outerjoin(_CHANNEL, _CHANNEL.c.id == _NOTIFICATION.c.channel_id).outerjoin(
    _POST, _POST.c.id == _NOTIFICATION.c.post_id
)


async def unread_counts(db: Reader, user_ids: Collection[int]) -> dict[int, int]:
    """Each person's unread notifications they may still see: one query."""
    if not user_ids:
        return {}
    conn = await connection_of(db)
    found: dict[int, int] = {}
    ids = sorted(user_ids)
    for start in range(0, len(ids), 5000):
        rows = await conn.execute(
            sa_select(_NOTIFICATION.c.user_id, func.count())
            .select_from(_FROM)
            .where(
                _NOTIFICATION.c.user_id.in_(ids[start : start + 5000]),
                _NOTIFICATION.c.read_at.is_(None),
                _readable(),
            )
            .group_by(_NOTIFICATION.c.user_id)
        )
        found.update({user_id: int(n) for user_id, n in rows})
    return found


async def page(
    db: Reader,
    user: User,
    *,
    before: int | None = None,
    unread_only: bool = False,
    limit: int = PAGE_SIZE,
) -> NotificationsPage:
    """One's notifications, newest first (by their latest activity), a page at a
    time: three queries whatever the page's size."""
    assert user.id is not None
    conn = await connection_of(db)
    where = [_NOTIFICATION.c.user_id == user.id, _readable()]
    if before is not None:
        where.append(_NOTIFICATION.c.seq < before)
    if unread_only:
        where.append(_NOTIFICATION.c.read_at.is_(None))
    rows = (
        await conn.execute(
            sa_select(_NOTIFICATION, _CHANNEL.c.name.label("channel_name"))
            .select_from(_FROM)
            .where(*where)
            .order_by(_NOTIFICATION.c.seq.desc())
            .limit(limit + 1)
        )
    ).mappings()
    found = [(StoredRow.of(r), r) for r in rows]
    more = len(found) > limit
    found = found[:limit]
    actors = {i for row, _ in found for i in row.actor_ids[:ACTORS_SHOWN]}
    names: dict[int, str] = {}
    if actors:
        named = await conn.execute(
            sa_select(_USER.c.id, _USER.c.display_name).where(_USER.c.id.in_(sorted(actors)))
        )
        names = {i: n for i, n in named}
    unread = (await unread_counts(conn, [user.id])).get(user.id, 0)
    return NotificationsPage(
        notifications=[notification_public(row, names, r["channel_name"]) for row, r in found],
        before=found[-1][0].seq if more and found else None,
        unread_count=unread,
    )


def mentions_to_email(older_than: datetime, limit: int = 100) -> Select[Any]:
    """For the job to come that emails mentions still unread after a delay:
    mentions made before ``older_than``, unread, not yet emailed, oldest first
    (``ix_notification_unmailed`` answers it: tests/integration/
    test_notifications.py reads the plans). The job re-reads the flags when it
    sends, as Zulip does: one read on any device meanwhile drops it."""
    n = _NOTIFICATION.c
    return (
        sa_select(n.user_id, n.id, n.created_at)
        .where(
            n.kind == NotificationKind.mention.value,
            n.read_at.is_(None),
            n.emailed_at.is_(None),
            n.created_at < older_than,
        )
        .order_by(n.created_at)
        .limit(limit)
    )


async def do_read_notifications(
    db: AsyncSession, bus: Bus, actor: User, choice: MarkRead
) -> ReadAnswer:
    """Mark some of one's notifications read (``ids``; others' ids and unknown
    ones are not one's own, and change nothing), or all of them."""

    async def apply(unit: Unit) -> ReadAnswer:
        me, _ = await current_person(unit.db, actor)
        assert me.id is not None
        conn = await unit.db.connection()
        mark = (
            update(_NOTIFICATION)
            .where(_NOTIFICATION.c.user_id == me.id, _NOTIFICATION.c.read_at.is_(None))
            .values(read_at=utcnow())
            .returning(_NOTIFICATION.c.id)
        )
        if choice.ids is not None:
            mark = mark.where(_NOTIFICATION.c.id.in_(sorted(set(choice.ids))))
        changed = sorted(i for (i,) in await conn.execute(mark))
        unread = (await unread_counts(conn, [me.id])).get(me.id, 0)
        if changed:
            ids = [] if choice.all else changed
            fact = NotificationsRead(ids=ids, all=choice.all, unread_count=unread)
            await unit.append(PERSON, me.id, fact)
        return ReadAnswer(unread_count=unread)

    return await run(db, bus, apply, actor_id=actor.id)
