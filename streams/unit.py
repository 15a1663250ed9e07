"""The one write path. A ``Unit`` is one write transaction: whatever it changes,
the events it appends (validated against the catalogue) and the control
messages it sends (kicks, cache invalidations) are published on the bus only
after its commit, once. Every write in every package goes through a unit;
later features hang their duties here, so nothing may bypass it:
tests/unit/test_structure.py checks that nothing else commits.

A duty is what must follow, in the same transaction, from events of some
kinds, whoever appended them: notifications follow from posts, comments,
likes and invitations (notify/duties.py). A package above the one owning a
kind registers its duty with ``@duty(kind, ...)``; the unit performs the
duties of the events appended so far just before committing (and those of
events the duties append in turn), so the package owning the kind never
imports the one that reacts to it, and a write cannot forget them.

A write may also ``note`` a fact that no stream keeps (stream kind ``note``:
someone signed in, an admin changed a role, with the old and new values): it
is validated against the catalogue like an appended event and its duties are
performed the same way, but nothing stores or publishes it unless a duty
does. The audit log (audit/) is such a duty: whatever is noted or appended of
an audited kind becomes an entry in the same transaction, so the package that
acts never imports the one that records it.

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
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from bus.messages import Message, News
from core.clock import iso, utcnow
from core.errors import ConflictError, DomainError
from streams.catalogue import CATALOGUE, NOTE, Fact
from streams.log import NewEvent, Positioned, Slot, Stream, append, append_each

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Appended:
    """An event a unit appended, and who made it (what a duty is given)."""

    event: Positioned
    actor_id: int | None


Duty = Callable[["Unit", Sequence[Appended]], Awaitable[None]]
_DUTIES: dict[str, list[Duty]] = {}


def duty(*kinds: str) -> Callable[[Duty], Duty]:
    """Register ``fn`` to run in every unit that appends events of ``kinds``,
    once per unit with all of them, before it commits. A duty may change rows
    and append events (in other streams); an error it raises fails the write."""

    def register(fn: Duty) -> Duty:
        for kind in kinds:
            if kind not in CATALOGUE:
                raise ValueError(f"a duty for {kind!r}, which no package registered")
            _DUTIES.setdefault(kind, []).append(fn)
        return fn

    return register


def duties_of(kind: str) -> list[Duty]:
    return list(_DUTIES.get(kind, ()))


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
        self._undone: list[Appended] = []  # appended, their duties not yet performed

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
        new = [
            self._checked(stream, fact, actor_id, client_id) for fact, actor_id, client_id in facts
        ]
        events = await append(self.db, stream, key, new)
        self._appended(events, [a for _, a, _ in facts])
        return events

    async def append_each(
        self,
        stream: Stream,
        keys: Sequence[int],
        make: Callable[[list[Slot]], Awaitable[list[tuple[Fact, int | None]]]],
    ) -> list[Positioned]:
        """One event in each of many streams of a kind (``keys``; a key given
        twice gets two), in a few statements whatever their number. ``make`` is
        given the positions taken and answers, in order, the fact for each and
        who made it (streams/log.py, ``append_each``)."""
        actors: list[int | None] = []

        async def events(slots: list[Slot]) -> list[NewEvent]:
            made = await make(slots)
            actors.extend(actor for _, actor in made)
            return [self._checked(stream, fact, actor, None) for fact, actor in made]

        appended = await append_each(self.db, stream, keys, events)
        self._appended(appended, actors)
        return appended

    def note(self, fact: Fact) -> None:
        """A fact no stream keeps (a ``note`` kind), for the duties of its kind:
        it has no position (``seq`` 0) and is never published."""
        kind = type(fact).kind
        if CATALOGUE.get(kind) is not type(fact) or fact.stream != NOTE:
            raise ValueError(f"{type(fact).__name__} is not a noted kind")
        if kind not in _DUTIES:
            return
        data = fact.model_dump(mode="json")
        noted = Positioned(NOTE, 0, "", 0, kind, data, iso(utcnow()) or "")
        self._undone.append(Appended(noted, self.actor_id))

    def _checked(
        self, stream: Stream, fact: Fact, actor_id: int | None, client_id: str | None
    ) -> NewEvent:
        kind = type(fact).kind
        if CATALOGUE.get(kind) is not type(fact) or fact.stream != stream.name:
            raise ValueError(f"{type(fact).__name__} is not a {stream.name} event kind")
        return NewEvent(kind, fact.model_dump(mode="json"), actor_id, client_id, fact.subject())

    def _appended(self, events: list[Positioned], actors: list[int | None]) -> None:
        self._news.extend(events)
        self._undone.extend(
            Appended(e, a) for e, a in zip(events, actors, strict=True) if e.kind in _DUTIES
        )

    async def _perform_duties(self) -> None:
        """The duties of every event appended so far, then of those they append."""
        while self._undone:
            undone, self._undone = self._undone, []
            by_duty: dict[Duty, list[Appended]] = {}
            for item in undone:
                for fn in _DUTIES.get(item.event.kind, ()):
                    by_duty.setdefault(fn, []).append(item)
            for fn, items in by_duty.items():
                await fn(self, items)

    def send_after_commit(self, topic: str, msg: Message) -> None:
        """A control message (a kick, a cache invalidation), sent after commit."""
        self._after.append((topic, msg))

    async def commit(self) -> None:
        """Perform the duties of the events appended, commit, then publish. A
        failed publish loses nothing durable: the database has the events and
        every node heals from it, so it is logged."""
        await self._perform_duties()
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
        self._undone.clear()


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
