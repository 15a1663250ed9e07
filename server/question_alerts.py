"""Questions left waiting: every ``QUESTION_ALERT_INTERVAL`` seconds (60) each
node looks for questions unanswered past the company's delays and notifies
the asker's mentors, then the channel's moderators (questions/alerts.py).
Each alert goes out once, whichever node claims it first. ``run_once(now)``
takes the clock as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from bus.base import Bus
from core.clock import utcnow
from questions.alerts import do_alert_waiting
from server.db import Database

log = logging.getLogger(__name__)


class QuestionAlerts:
    def __init__(self, db: Database, bus: Bus) -> None:
        self._db = db
        self._bus = bus
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, now: datetime | None = None) -> int:
        """One look at ``now`` (the clock's time by default): the number of
        notifications it made."""
        async with self._db.writer() as db:
            return await do_alert_waiting(db, self._bus, now or utcnow())

    def start(self, interval: float) -> None:
        self._task = asyncio.create_task(self._every(interval), name="question-alerts")

    async def _every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                made = await self.run_once()
                if made:
                    log.info("told %d people of questions waiting for an answer", made)
            except Exception as exc:  # the next round tries again
                log.warning("alerting on waiting questions failed: %s", exc)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
