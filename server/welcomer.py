"""The welcome sweep: every ``WELCOME_INTERVAL`` seconds each node welcomes
the newcomers who are due and were not welcomed at a sign-in (someone who
has not signed in by the day after their start date, or who signed in
before it). Each is welcomed once, whichever node gets there first
(onboarding/welcome.py claims them in the post's own transaction)."""

from __future__ import annotations

from bus.base import Bus
from onboarding.welcome import do_welcome_due
from server.db import Database
from server.periodic import Periodic


class Welcomer(Periodic):
    name = "welcomer"
    at_start = True  # those due while the node was down are welcomed at once

    def __init__(self, db: Database, bus: Bus) -> None:
        super().__init__()
        self._db = db
        self._bus = bus

    async def run_once(self) -> int:
        async with self._db.writer() as db:
            return await do_welcome_due(db, self._bus)
