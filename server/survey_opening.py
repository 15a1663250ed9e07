"""Surveys that open later: every ``SURVEY_OPEN_INTERVAL`` seconds (60) each
node looks for surveys that have opened and whose audience was not told yet,
and tells them (surveys/actions.py, ``do_announce_opened``). Each survey is
told once, whichever node claims it first. ``run_once(now)`` takes the clock
as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

from bus.base import Bus
from server.db import Database
from server.periodic import ActionJob
from surveys.actions import do_announce_opened


class SurveyOpening(ActionJob):
    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__(db, bus, "survey-opening", do_announce_opened)
