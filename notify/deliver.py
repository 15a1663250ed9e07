"""Storing notifications and telling their people, inside the write's unit:
whoever is notified gets the row and a ``notification.added`` (or, for an
aggregated like, ``.updated``) in their own stream in the same transaction,
published after its commit like every other event.

Any number of people costs a fixed number of statements (streams/log.py,
``append_each``): the heads of their streams in one update, the rows in one
insert, their unread counts in one grouped query, the events in one insert.
``@channel`` in a channel of 5,000 is that, not 15,000 statements
(bench/notifications.py; docs/performance.md).

Likes are aggregated while unread: a like of a post whose author has an unread
like notification for it joins that one (the liker first, the count up, moved
to the top) instead of making another; once read, the next like starts a new
one. A like by someone the notification already counts (liked, took it back,
liked again) changes nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.tables import table_of
from notify.facts import NotificationAdded, NotificationUpdated
from notify.models import (
    ActorRef,
    Notification,
    NotificationKind,
    StoredRow,
    notification_public,
)
from notify.reads import unread_counts
from org.models import User
from org.stream import PERSON
from streams.catalogue import Fact
from streams.log import Slot
from streams.unit import Unit

EXCERPT_CHARS = 120
_NOTIFICATION, _USER = table_of(Notification), table_of(User)
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|blockquote|pre)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Note:
    """A notification to make (notify/duties.py decides who gets which)."""

    user_id: int
    kind: NotificationKind
    actor: ActorRef | None  # None: nobody named (moderation's notices)
    channel_id: int | None
    channel_name: str
    post_id: int | None = None
    thread_id: int | None = None
    excerpt: str = ""
    subject_id: int | None = None  # the event, announcement or survey it is about


def excerpt(rendered: str | None) -> str:
    """A post's HTML as a line of plain text, cut to ``EXCERPT_CHARS`` (a chip
    reads "@佐藤 花子", an image-only post is "")."""
    if not rendered:
        return ""
    text = _SPACE.sub(" ", html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", rendered)))).strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


async def deliver(unit: Unit, notes: Sequence[Note]) -> None:
    """Store ``notes`` and append their events; likes join an unread one."""
    if not notes:
        return
    db = unit.db
    fresh = [n for n in notes if n.kind is not NotificationKind.like]
    joined: list[tuple[StoredRow, Note]] = []
    likes = [n for n in notes if n.kind is NotificationKind.like]
    if likes:
        unread = await _unread_likes(db, {n.post_id for n in likes if n.post_id is not None})
        for note in likes:
            row = unread.get((note.user_id, note.post_id))
            assert note.actor is not None  # a like is someone's
            if row is None:
                fresh.append(note)
            elif note.actor.id not in row.actor_ids:
                row.actor_ids = [note.actor.id, *row.actor_ids]
                joined.append((row, note))
    if not fresh and not joined:
        return
    names = {n.actor.id: n.actor.display_name for n in notes if n.actor is not None}
    wanted = {i for row, _ in joined for i in row.actor_ids[:3]} - set(names)
    if wanted:
        rows = await (await db.connection()).execute(
            sa_select(_USER.c.id, _USER.c.display_name).where(_USER.c.id.in_(sorted(wanted)))
        )
        names.update({i: n for i, n in rows})
    now = utcnow()

    async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
        conn = await db.connection()
        made = [
            StoredRow(
                user_id=note.user_id,
                id=slot.seq,
                seq=slot.seq,
                kind=note.kind.value,
                channel_id=note.channel_id,
                post_id=note.post_id,
                thread_id=note.thread_id,
                subject_id=note.subject_id,
                actor_ids=[note.actor.id] if note.actor is not None else [],
                excerpt=note.excerpt,
                created_at=now,
                updated_at=now,
            )
            for slot, note in zip(slots, fresh, strict=False)
        ]
        if made:
            await conn.execute(insert(_NOTIFICATION), [row.columns() for row in made])
        for slot, (row, note) in zip(slots[len(fresh) :], joined, strict=True):
            row.seq, row.updated_at, row.excerpt = slot.seq, now, note.excerpt
        if joined:
            await conn.execute(
                update(_NOTIFICATION)
                .where(
                    _NOTIFICATION.c.user_id == bindparam("b_user"),
                    _NOTIFICATION.c.id == bindparam("b_id"),
                )
                .values(
                    seq=bindparam("b_seq"),
                    actor_ids=bindparam("b_actors"),
                    excerpt=bindparam("b_excerpt"),
                    updated_at=bindparam("b_at"),
                ),
                [
                    {
                        "b_user": row.user_id,
                        "b_id": row.id,
                        "b_seq": row.seq,
                        "b_actors": row.actor_ids,
                        "b_excerpt": row.excerpt,
                        "b_at": now,
                    }
                    for row, _ in joined
                ],
            )
        counts = await unread_counts(conn, {s.key for s in slots})
        facts: list[tuple[Fact, int | None]] = []
        for row, note in zip(made, fresh, strict=True):
            public = notification_public(row, names, note.channel_name)
            count = counts.get(row.user_id, 0)
            added = NotificationAdded(notification=public, unread_count=count)
            facts.append((added, _actor_of(note)))
        for row, note in joined:
            public = notification_public(row, names, note.channel_name)
            count = counts.get(row.user_id, 0)
            updated = NotificationUpdated(notification=public, unread_count=count)
            facts.append((updated, _actor_of(note)))
        return facts

    keys = [n.user_id for n in fresh] + [row.user_id for row, _ in joined]
    await unit.append_each(PERSON, keys, make)


async def _unread_likes(
    db: AsyncSession, post_ids: set[int]
) -> dict[tuple[int, int | None], StoredRow]:
    if not post_ids:
        return {}
    """The unread like notifications of these posts, by (person, post), as rows
    outside the session (deliver writes them back with one statement)."""
    rows = await (await db.connection()).execute(
        sa_select(_NOTIFICATION).where(
            _NOTIFICATION.c.post_id.in_(sorted(post_ids)),
            _NOTIFICATION.c.kind == NotificationKind.like.value,
            _NOTIFICATION.c.read_at.is_(None),
        )
    )
    found = {}
    for mapping in rows.mappings():
        row = StoredRow.of(mapping)
        found[(row.user_id, row.post_id)] = row
    return found


def _actor_of(note: Note) -> int | None:
    """Who the event says acted: nobody for moderation's notifications (no
    actor) and for an anonymous asker (id 0 is no account)."""
    return (note.actor.id or None) if note.actor is not None else None
