"""Live announcement comments: when an announcement's comments change
(``Commented`` on the bus, from any node), this node tells the connections of
the people who may read it now with a ``commented`` frame carrying the count,
at most once per ``FLUSH_SECONDS`` per announcement however many comments
came. Who may read it is asked of the database (one statement per
announcement, over the people connected here), not of the connections' copies
of their accounts, which are as old as the socket: a person moved out of its
departments a minute ago hears nothing more of it. The frame says only which
announcement changed and how many comments it has; the page showing it asks
for them again."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from announcements import reads
from bus.base import Bus
from bus.messages import Commented
from channels.protocol import frames
from server.db import Database
from server.hub import Encoded, Hub

FLUSH_SECONDS = 0.25

log = logging.getLogger(__name__)


class CommentRelay:
    def __init__(self, hub: Hub, bus: Bus, db: Database) -> None:
        self._hub = hub
        self._db = db
        self._dirty: set[int] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        bus.on(Commented, self._on_commented)

    def _on_commented(self, msg: Commented) -> None:
        self._dirty.add(msg.announcement)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._timer = None
        dirty, self._dirty = self._dirty, set()
        if not dirty:
            return
        task = asyncio.get_running_loop().create_task(self._tell(sorted(dirty)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, announcements: list[int]) -> None:
        try:
            for announcement in announcements:
                await self._tell_one(announcement)
        except Exception:
            # A lost frame costs a refetch on the next one; the node goes on.
            log.exception("telling announcement comments failed")

    async def _tell_one(self, announcement: int) -> None:
        connected = sorted({c.user_id for c in self._hub.connections})
        if not connected:
            return
        async with self._db.connection() as conn:
            asked = await conn.execute(reads.readers_query(announcement, connected))
            readers = {i for (i,) in asked}
            if not readers:
                return
            count = await reads.comment_count(conn, announcement)
        encoded = Encoded(frames.commented(announcement, count))
        for user_id in readers:
            for conn_ in self._hub.user_connections(user_id):
                conn_.offer(encoded(conn_.encoding))

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # A round asking the database finishes first (as background jobs do,
        # server/periodic.py): cancelled mid-statement, its connection would
        # outlive the node's database.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
