"""Surveys that open later: every ``SURVEY_OPEN_INTERVAL`` seconds (60) each
node looks for surveys that have opened and whose audience was not told yet,
and tells them (surveys/actions.py, ``do_announce_opened``). Each survey is
told once, whichever node claims it first. ``run_once(now)`` takes the clock
as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

from datetime import datetime

from bus.base import Bus
from core.clock import utcnow
from server.db import Database
from server.periodic import Periodic
from surveys.actions import do_announce_opened


class SurveyOpening(Periodic):
    name = "survey-opening"

    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__()
        self._db = db
        self._bus = bus

    async def run_once(self, now: datetime | None = None) -> int:
        """One look at ``now``: the number of people told."""
        async with self._db.writer() as db:
            return await do_announce_opened(db, self._bus, now or utcnow())
