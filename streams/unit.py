"""The one write path. A ``Unit`` is one write transaction: whatever it changes,
the events it appends (validated against the catalogue) and the control
messages it sends (kicks, cache invalidations) are published on the bus only
after its commit, once. Every write in every package goes through a unit;
later features hang their duties here (audit entries, notifications), so
nothing may bypass it: tests/unit/test_structure.py checks that nothing else
commits.

``run`` adds idempotency: a write retried with the same client id (``cid``)
is recognised only when it fails (its event's unique (actor, cid) is taken,
or the first copy changed what it checks: a retried delete finds the post
gone) and then answers as the first copy did, through ``recall``. Retries are
rare, so no write pays for a look-up beforehand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from bus.messages import Message, News
from core.errors import ConflictError, DomainError
from streams.catalogue import CATALOGUE, Fact
from streams.log import NewEvent, Positioned, Stream, append

log = logging.getLogger(__name__)

T = TypeVar("T")


class Unit:
    """One write: its session (``db``), the events it appends and what it
    publishes after commit.

    ``client_id`` goes on the first event appended with ``append`` (the one a
    retry is recognised by); ``append_many`` gives each event its own.
    """

    def __init__(
        self,
        db: AsyncSession,
        bus: Bus,
        *,
        actor_id: int | None = None,
        client_id: str | None = None,
    ) -> None:
        self.db = db
        self._bus = bus
        self.actor_id = actor_id
        self._client_id = client_id
        self._news: list[Positioned] = []
        self._after: list[tuple[str, Message]] = []

    async def append(self, stream: Stream, key: int, fact: Fact) -> Positioned:
        """One event at the stream's next position."""
        client_id, self._client_id = self._client_id, None
        (event,) = await self.append_many(stream, key, [(fact, self.actor_id, client_id)])
        return event

    async def append_many(
        self,
        stream: Stream,
        key: int,
        facts: Sequence[tuple[Fact, int | None, str | None]],
    ) -> list[Positioned]:
        """Events at the stream's next positions, in order; each (fact, actor id,
        client id)."""
        new = []
        for fact, actor_id, client_id in facts:
            kind = type(fact).kind
            if CATALOGUE.get(kind) is not type(fact) or fact.stream != stream.name:
                raise ValueError(f"{type(fact).__name__} is not a {stream.name} event kind")
            data = fact.model_dump(mode="json")
            new.append(NewEvent(kind, data, actor_id, client_id, fact.subject()))
        events = await append(self.db, stream, key, new)
        self._news.extend(events)
        return events

    def send_after_commit(self, topic: str, msg: Message) -> None:
        """A control message (a kick, a cache invalidation), sent after commit."""
        self._after.append((topic, msg))

    async def commit(self) -> None:
        """Commit, then publish. A failed publish loses nothing durable: the
        database has the events and every node heals from it, so it is logged."""
        await self.db.commit()
        news, after = self._news, self._after
        self._news, self._after = [], []
        sent = time.time()
        items: list[tuple[str, Message]] = [
            (
                f"{e.stream}.{e.key}",
                News(e.stream, e.key, e.epoch, e.seq, e.kind, e.data, e.at, e.cid, sent),
            )
            for e in news
        ]
        items += after
        if not items:
            return
        try:
            await self._bus.publish_many(items)
        except Exception as exc:
            log.warning("publishing %d messages after commit failed: %s", len(items), exc)

    async def rollback(self) -> None:
        await self.db.rollback()
        self._news.clear()
        self._after.clear()


async def run(
    db: AsyncSession,
    bus: Bus,
    apply: Callable[[Unit], Awaitable[T]],
    *,
    actor_id: int | None = None,
    client_id: str | None = None,
    recall: Callable[[AsyncSession], Awaitable[T | None]] | None = None,
) -> T:
    """Run ``apply`` in a unit and commit it; a retried write answers through
    ``recall`` (asked only when the write failed and a client id was given)."""
    unit = Unit(db, bus, actor_id=actor_id, client_id=client_id)
    try:
        result = await apply(unit)
        await unit.commit()
    except (IntegrityError, DomainError) as exc:
        await unit.rollback()
        if client_id is not None and recall is not None:
            earlier = await recall(db)
            if earlier is not None:
                return earlier
        if isinstance(exc, DomainError):
            raise
        raise ConflictError("this conflicts with existing data") from exc
    return result
