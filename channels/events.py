"""The catalogue of channel events and the one place that appends them.

Every change a channel's members must see is an ``Event`` row at the channel's
next position, written in the same transaction as the change. After commit the
action publishes it once with ``publish_events``; grepping for ``publish(``
finds only this module and presence/typing signals.

Event kinds (``data`` fields):

- ``post.created``     ``{"post": PostPublic}``
- ``post.edited``      ``{"post": PostPublic}``
- ``post.deleted``     ``{"post_id": int}``
- ``comment.created``  ``{"post": PostPublic (parent_id set), "comment_count": int}``
- ``comment.edited``   ``{"post": PostPublic}``
- ``comment.deleted``  ``{"post_id": int, "parent_id": int, "comment_count": int}``
- ``like.added``       ``{"post_id": int, "user_id": int, "like_count": int}``
- ``like.removed``     ``{"post_id": int, "user_id": int, "like_count": int}``
- ``member.joined``    ``{"user": AuthorPublic}``
- ``member.left``      ``{"user": AuthorPublic}``
- ``channel.updated``  ``{"name": str, "description": str}``
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, update
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.broker.base import CONTROL_TOPIC, Broker, channel_topic
from channels.models import Channel, Event, EventPublic, table_of
from core.clock import iso

log = logging.getLogger(__name__)

EVENT_KINDS: Final = frozenset(
    {
        "post.created",
        "post.edited",
        "post.deleted",
        "comment.created",
        "comment.edited",
        "comment.deleted",
        "like.added",
        "like.removed",
        "member.joined",
        "member.left",
        "channel.updated",
    }
)


_CHANNEL = table_of(Channel)
# Built once, on the table rather than the ORM class: no statement building and
# no ORM bulk-update bookkeeping per write.
_TAKE_SEQS = (
    update(_CHANNEL)
    .where(_CHANNEL.c.id == bindparam("channel_id"))
    .values(last_seq=_CHANNEL.c.last_seq + bindparam("n"))
    .returning(_CHANNEL.c.last_seq)
)


async def append_event(
    db: AsyncSession,
    channel_id: int,
    kind: str,
    data: dict[str, Any],
    *,
    actor_id: int | None,
    client_id: str | None = None,
) -> Event:
    """Take the channel's next seq and add the event, inside the caller's transaction."""
    (event,) = await append_events(db, channel_id, [NewEvent(kind, data, actor_id, client_id)])
    return event


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    data: dict[str, Any]
    actor_id: int | None
    client_id: str | None = None


async def append_events(db: AsyncSession, channel_id: int, new: Sequence[NewEvent]) -> list[Event]:
    """Take the channel's next ``len(new)`` seqs and add the events, in order, inside
    the caller's transaction.

    The UPDATE locks the channel row until commit (PostgreSQL; SQLite has one
    writer), so seqs are committed in order and never leave a gap.
    """
    assert all(e.kind in EVENT_KINDS for e in new), [e.kind for e in new]
    last = (
        await db.exec(_TAKE_SEQS, params={"channel_id": channel_id, "n": len(new)})
    ).scalar_one()
    first = last - len(new) + 1
    events = [
        Event(
            channel_id=channel_id,
            seq=first + i,
            kind=e.kind,
            data=e.data,
            actor_id=e.actor_id,
            client_id=e.client_id,
        )
        for i, e in enumerate(new)
    ]
    db.add_all(events)
    return events


def event_public(event: Event, epoch: str) -> EventPublic:
    return EventPublic(
        channel_id=event.channel_id,
        epoch=epoch,
        seq=event.seq,
        kind=event.kind,
        data=event.data,
        created_at=iso(event.created_at) or "",
        cid=event.client_id,
    )


def bus_message(event: EventPublic) -> dict[str, Any]:
    """What travels on the bus: the event with its position, and when it left."""
    return {
        "t": "ev",
        "c": event.channel_id,
        "e": event.epoch,
        "s": event.seq,
        "k": event.kind,
        "d": event.data,
        "at": event.created_at,
        "cid": event.cid,
        "ts": time.time(),
    }


def event_from_bus(message: dict[str, Any]) -> EventPublic:
    return EventPublic(
        channel_id=message["c"],
        epoch=message["e"],
        seq=message["s"],
        kind=message["k"],
        data=message["d"],
        created_at=message["at"],
        cid=message.get("cid"),
    )


async def publish_events(bus: Broker, events: list[EventPublic]) -> None:
    """After commit, in one go. A failed publish loses nothing: the database has
    the events and every node fills gaps from it (see server/hub.py), so it is
    logged, not raised."""
    messages: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        messages.append((channel_topic(event.channel_id), bus_message(event)))
        if event.kind in ("member.joined", "member.left"):
            # The person added or removed is not subscribed to the channel
            # (yet, or any more): tell their own connections directly.
            joined = event.kind == "member.joined"
            user_id = event.data["user"]["id"]
            messages.append(
                (
                    CONTROL_TOPIC,
                    {"t": "membership", "u": user_id, "c": event.channel_id, "j": joined},
                )
            )
    if not messages:
        return
    try:
        await bus.publish_many(messages)
    except Exception as exc:
        first, last = events[0], events[-1]
        log.warning(
            "publish of %d events (%s:%s..%s:%s) failed: %s",
            len(events),
            first.channel_id,
            first.seq,
            last.channel_id,
            last.seq,
            exc,
        )
