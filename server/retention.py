"""Retention on schedule: every ``RETENTION_INTERVAL`` seconds (3600) each node
deletes the posts past their channel's retention (archive/retention.py; each
post claimed by one node only), then removes the bytes of the files they
carried at once (the sweeper's work, not left for its next round: what
retention deletes should not outlive it by ten minutes). ``run_once(now)``
takes the clock as a parameter: tests move it instead of sleeping."""

from __future__ import annotations

from datetime import datetime

from archive.retention import apply_due
from bus.base import Bus
from server.db import Database
from server.files import FileService
from server.periodic import Periodic


class Retention(Periodic):
    name = "retention"

    def __init__(self, db: Database, bus: Bus, files: FileService) -> None:
        super().__init__()
        self._db = db
        self._bus = bus
        self._files = files

    async def run_once(self, now: datetime | None = None) -> int:
        """One round at ``now``: the number of posts deleted."""
        async with self._db.writer() as db:
            deleted = await apply_due(db, self._bus, now)
        if deleted:
            await self._files.sweep()
        return deleted
