"""Questions left waiting: every ``QUESTION_ALERT_INTERVAL`` seconds (60) each
node looks for questions unanswered past the company's delays and notifies
the asker's mentors, then the channel's moderators (questions/alerts.py).
Each alert goes out once, whichever node claims it first. ``run_once(now)``
takes the clock as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

from bus.base import Bus
from questions.alerts import do_alert_waiting
from server.db import Database
from server.periodic import ActionJob


class QuestionAlerts(ActionJob):
    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__(db, bus, "question-alerts", do_alert_waiting)
