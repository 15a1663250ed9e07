"""Event reminders: every ``GATHERING_REMINDER_INTERVAL`` seconds (60) each
node claims the reminders due (a day and an hour before an event) and
notifies those going (gatherings/reminders.py: each reminder is sent once,
whichever node claims it). ``run_once(now)`` takes the clock as a parameter:
tests move it instead of sleeping."""

from __future__ import annotations

from bus.base import Bus
from gatherings.reminders import do_remind
from server.db import Database
from server.periodic import ActionJob


class GatheringReminders(ActionJob):
    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__(db, bus, "gathering-reminders", do_remind)
