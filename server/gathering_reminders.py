"""Event reminders: every ``GATHERING_REMINDER_INTERVAL`` seconds (60) each
node claims the reminders due (a day and an hour before an event) and
notifies those going (gatherings/reminders.py: each reminder is sent once,
whichever node claims it). ``run_once(now)`` takes the clock as a parameter:
tests move it instead of sleeping."""

from __future__ import annotations

from datetime import datetime

from bus.base import Bus
from core.clock import utcnow
from gatherings.reminders import do_remind
from server.db import Database
from server.periodic import Periodic


class GatheringReminders(Periodic):
    name = "gathering-reminders"

    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__()
        self._db = db
        self._bus = bus

    async def run_once(self, now: datetime | None = None) -> int:
        """One look at ``now`` (the clock's time by default): the number of
        notifications it made."""
        async with self._db.writer() as db:
            return await do_remind(db, self._bus, now or utcnow())
