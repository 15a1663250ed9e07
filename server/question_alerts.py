"""Questions left waiting: every ``QUESTION_ALERT_INTERVAL`` seconds (60) each
node looks for questions unanswered past the company's delays and notifies
the asker's mentors, then the channel's moderators (questions/alerts.py).
Each alert goes out once, whichever node claims it first. ``run_once(now)``
takes the clock as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

from datetime import datetime

from bus.base import Bus
from core.clock import utcnow
from questions.alerts import do_alert_waiting
from server.db import Database
from server.periodic import Periodic


class QuestionAlerts(Periodic):
    name = "question-alerts"

    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__()
        self._db = db
        self._bus = bus

    async def run_once(self, now: datetime | None = None) -> int:
        """One look at ``now`` (the clock's time by default): the number of
        notifications it made."""
        async with self._db.writer() as db:
            return await do_alert_waiting(db, self._bus, now or utcnow())
