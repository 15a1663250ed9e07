"""The welcome sweep: every ``WELCOME_INTERVAL`` seconds each node welcomes
the newcomers who are due and were not welcomed at a sign-in (someone who
has not signed in by the day after their start date, or who signed in
before it). Each is welcomed once, whichever node gets there first
(onboarding/welcome.py claims them in the post's own transaction)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bus.base import Bus
from onboarding.welcome import do_welcome_due
from server.db import Database

log = logging.getLogger(__name__)


class Welcomer:
    def __init__(self, db: Database, bus: Bus) -> None:
        self._db = db
        self._bus = bus
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        async with self._db.writer() as db:
            return await do_welcome_due(db, self._bus)

    def start(self, interval: float) -> None:
        self._task = asyncio.create_task(self._every(interval), name="welcomer")

    async def _every(self, interval: float) -> None:
        while True:
            try:
                made = await self.run_once()
                if made:
                    log.info("welcomed %d newcomers", made)
            except Exception as exc:  # the next round tries again
                log.warning("welcoming newcomers failed: %s", exc)
            await asyncio.sleep(interval)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
