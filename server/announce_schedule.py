"""Scheduled announcements: every ``ANNOUNCE_INTERVAL`` seconds (15) each node
publishes those whose time has come (announcements/actions.py, ``publish_due``).
The schedule is the ``announcement`` rows themselves, so it survives a
restart; each is published once, whichever node claims it first.
``run_once(now)`` takes the clock as a parameter: tests move it instead of
sleeping."""

from __future__ import annotations

from datetime import datetime

from announcements.actions import do_publish_due
from bus.base import Bus
from core.clock import utcnow
from server.db import Database
from server.periodic import Periodic

MAX_CLAIMS = 10  # claims a round makes at most (each publishes up to CLAIM_BATCH)


class AnnounceSchedule(Periodic):
    name = "announce-schedule"
    at_start = True  # what came due while every node was down goes out at once

    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__()
        self._db = db
        self._bus = bus

    async def run_once(self, now: datetime | None = None) -> int:
        """Publish what is due at ``now`` (the clock's time by default): how many."""
        done = 0
        for _ in range(MAX_CLAIMS):
            async with self._db.writer() as db:
                published = await do_publish_due(db, self._bus, now or utcnow())
            done += len(published)
            if not published:
                break
        return done
