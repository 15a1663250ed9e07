"""The analytics job (usage/): every ``ANALYTICS_INTERVAL`` seconds (600)
each node offers to run a round; one claims it (usage/rollup.py: a row
lock taken with SKIP LOCKED and a conditional UPDATE), brings the rollups up
to date from stored data and stores the report the page reads. A node runs a
round as soon as it starts too (an empty page while no round ever ran was
Zulip's #8482), and every node skips one claimed less than half an interval
ago. It runs beside live delivery, on its own connection: the hub never
waits for it.

It also keeps the record of searches: the first search a person makes in a
UTC day, on this node, writes one row (person, day); later ones that day
write nothing. ``run_once(now)`` takes the clock as a parameter: tests move
it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bus.base import Bus
from core.clock import utcnow
from server.db import Database
from server.periodic import Periodic
from streams.unit import Unit, run
from usage.job import do_note_search, do_refresh
from usage.models import Report

REMEMBERED = 100_000  # (person, day) pairs a node remembers having written


class AnalyticsJob(Periodic):
    name = "analytics"
    at_start = True

    def __init__(self, db: Database, bus: Bus, interval: float) -> None:
        super().__init__()
        self._db = db
        self._bus = bus
        self._interval = interval
        self._searched: set[tuple[int, date]] = set()

    async def run_once(self, now: datetime | None = None, *, gap: float | None = None) -> int:
        """One round at ``now`` unless another node ran one less than ``gap``
        seconds before (half the interval by default): 1 if this node ran it."""
        return 1 if await self.refresh(now, gap=gap) is not None else 0

    async def refresh(
        self, now: datetime | None = None, *, gap: float | None = None
    ) -> Report | None:
        when = now or utcnow()
        wait = self._interval / 2 if gap is None else gap

        async def apply(unit: Unit) -> Report | None:
            return await do_refresh(unit, when, wait)

        async with self._db.writer() as db:
            return await run(db, self._bus, apply)

    async def searched(self, user_id: int | None, now: datetime | None = None) -> None:
        """``user_id`` searched: written once a day per person (per node)."""
        if user_id is None:
            return
        day = (now or utcnow()).astimezone(UTC).date()
        if (user_id, day) in self._searched:
            return
        if len(self._searched) >= REMEMBERED:
            self._searched.clear()

        async def apply(unit: Unit) -> None:
            await do_note_search(unit, user_id, day)

        async with self._db.writer() as db:
            await run(db, self._bus, apply)
        self._searched.add((user_id, day))
