"""A job every node runs in the background every few seconds (the welcome
sweep, questions left waiting, mail for unread mentions): started with the
app and stopped with it. A round that fails is logged and the next one tries
again; what must happen once across nodes, each job claims in the database
itself, so any node may run a round at any time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from core.clock import utcnow
from server.db import Database

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses say what a round does (``run_once``: how many things it did)
    and what the job is called (``name``: the task's name, and the logs').

    Closing lets a round that is running finish (up to ``FINISH_SECONDS``)
    before the node closes its database: a round cancelled in the middle of a
    statement left its SQLite connection's thread to answer a loop that had
    closed meanwhile ("Event loop is closed"), and a PostgreSQL one to be
    dropped rather than returned."""

    name = "periodic"
    # A first round as soon as the node starts (else after one interval).
    at_start = False
    FINISH_SECONDS = 5.0

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def run_once(self) -> int:
        raise NotImplementedError

    def start(self, interval: float) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._every(interval), name=self.name)

    async def _pause(self, interval: float) -> bool:
        """Wait ``interval``; False when the job is closing meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), interval)
        return not self._stop.is_set()

    async def _every(self, interval: float) -> None:
        if not self.at_start and not await self._pause(interval):
            return
        while not self._stop.is_set():
            try:
                done = await self.run_once()
                if done:
                    log.info("%s: %d done", self.name, done)
            except Exception as exc:  # the next round tries again
                log.warning("%s failed: %s", self.name, exc)
            if not await self._pause(interval):
                return

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.FINISH_SECONDS)
        except TimeoutError:
            log.warning(
                "%s: a round still running after %s s was cancelled", self.name, self.FINISH_SECONDS
            )
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


# One round of a job: a domain action on a writer session at ``now`` (how many
# things it did), e.g. gatherings.reminders.do_remind.
Action = Callable[[AsyncSession, Bus, datetime], Awaitable[int]]


class ActionJob(Periodic):
    """A job whose round is one domain action in one writing transaction.
    ``run_once(now)`` takes the clock as a parameter: tests move it instead of
    sleeping."""

    def __init__(self, db: Database, bus: Bus, name: str, action: Action) -> None:
        super().__init__()
        self.name = name
        self._db = db
        self._bus = bus
        self._action = action

    async def run_once(self, now: datetime | None = None) -> int:
        async with self._db.writer() as db:
            return await self._action(db, self._bus, now or utcnow())
