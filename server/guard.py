"""Rights checked again while connections stay open: access is checked at every
step, not only when a socket opens or subscribes.

- When who may read a channel changes (``Access`` on the bus: someone left, was
  removed or moved; the channel was closed), every node checks its followers of
  that channel against the database and ends the subscriptions of those who
  lost it, with an ``unsubbed`` frame that says why.
- Every node checks, at an interval and whenever its bus comes back, that the
  credential each of its connections was opened with is still good (the
  session not ended, the token not revoked or expired, the person active), and
  closes those that are not: a kick lost while the bus was down is made good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bus.base import Bus
from bus.messages import Access, Reconnected
from channels.access import access_channel
from channels.facts import CHANNEL
from channels.protocol import frames
from channels.protocol.errors import CLOSE_UNAUTHORIZED
from core.errors import NotFoundError
from org.auth import live_credentials
from org.models import User
from server.db import Database
from server.hub import Hub

log = logging.getLogger(__name__)


class Guard:
    def __init__(self, hub: Hub, db: Database, bus: Bus) -> None:
        self._hub = hub
        self._db = db
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        bus.on(Access, self._on_access)
        bus.on(Reconnected, lambda _: self._spawn(self.check_credentials()))

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_access(self, msg: Access) -> None:
        self._spawn(self.check_channel(msg.channel, msg.user))

    async def check_channel(self, channel_id: int, user_id: int | None) -> None:
        """End the subscriptions of local followers who may no longer read it."""
        conns = [
            c
            for c in self._hub.followers(CHANNEL, channel_id)
            if user_id is None or c.user_id == user_id
        ]
        if not conns:
            return
        lost: set[int] = set()
        try:
            async with self._db.reader() as db:
                for uid in {c.user_id for c in conns}:
                    user = await db.get(User, uid)
                    try:
                        if user is None:
                            raise NotFoundError("no such person")
                        await access_channel(db, user, channel_id)
                    except NotFoundError:
                        lost.add(uid)
        except Exception:
            log.exception("checking access to channel %s failed", channel_id)
            return
        for conn in conns:
            if conn.user_id in lost:
                await self._hub.unsubscribe(conn, CHANNEL, channel_id)
                conn.lost.append(channel_id)
                conn.send(frames.unsubbed(None, channel_id, "access_lost"))

    async def check_credentials(self) -> None:
        """Close the connections whose credential is no longer good."""
        conns = self._hub.connections
        if not conns:
            return
        try:
            async with self._db.reader() as db:
                good = await live_credentials(db, {c.credential for c in conns})
        except Exception as exc:
            log.warning("checking open connections' credentials failed: %s", exc)
            return
        for conn in conns:
            if good.get(conn.credential) != conn.user_id:
                conn.close(CLOSE_UNAUTHORIZED, "credential_ended")

    async def _every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.check_credentials()

    def start(self, interval: float) -> None:
        self._loop = asyncio.create_task(self._every(interval), name="guard")

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._loop] if self._loop else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
