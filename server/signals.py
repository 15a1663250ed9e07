"""Ephemeral signals: presence changes and typing. They cross nodes on the bus
but have no position and never enter history or SQL (rule 7 of the hub).

A presence change goes to the person's own connections and to the subscribers
of the channels the person is in, not to everyone: in a company of thousands,
each login would otherwise reach every open connection. The publishing node
reads the person's channels once and sends them with the change."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.broker.base import PRESENCE_TOPIC, Broker, channel_topic
from channels.history import channels_of
from channels.protocol import frames
from presence.base import HEARTBEAT, TTL, PresenceStore, Status
from server.db import Database
from server.hub import Hub
from server.outbox import Connection

log = logging.getLogger(__name__)


class Signals:
    def __init__(self, hub: Hub, bus: Broker, store: PresenceStore, db: Database) -> None:
        self._hub = hub
        self._bus = bus
        self.store = store
        self._db = db
        self._refresher: asyncio.Task[None] | None = None
        hub.on_presence = self._on_presence

    def _on_presence(self, message: dict[str, Any]) -> None:
        user_id = int(message["u"])
        frame = frames.presence(user_id, str(message["st"]))
        self._hub.offer_to_audience(user_id, [int(c) for c in message.get("c", [])], frame)

    async def set_status(self, conn: Connection, status: Status | None) -> None:
        """Record one connection's status (None: gone) and tell everyone if the
        person's status changed."""
        try:
            before, after = await self.store.set(conn.user_id, conn.conn_id, status)
        except Exception as exc:  # presence is best effort; delivery must not suffer
            log.warning("presence update failed: %s", exc)
            return
        if before != after:
            await self._publish_presence({conn.user_id: after})

    async def _publish_presence(self, changes: dict[int, Status]) -> None:
        if not changes:
            return
        try:
            async with self._db.reader() as db:
                channels = await channels_of(db, list(changes))
            await self._bus.publish_many(
                [
                    (PRESENCE_TOPIC, {"t": "presence", "u": u, "st": st.value, "c": channels[u]})
                    for u, st in changes.items()
                ]
            )
        except Exception as exc:  # presence is best effort; delivery must not suffer
            log.warning("presence publish failed: %s", exc)

    async def typing(self, conn: Connection, channel_id: int) -> None:
        message = {"t": "typing", "c": channel_id, "u": conn.user_id, "n": conn.user.display_name}
        with contextlib.suppress(Exception):
            await self._bus.publish(channel_topic(channel_id), message)

    async def start(self) -> None:
        await self._bus.subscribe(PRESENCE_TOPIC)
        self._refresher = asyncio.create_task(self._refresh_forever(), name="presence-refresh")

    async def _refresh_forever(self) -> None:
        """Say this node is alive, clear nodes that died, and keep this node's
        entries from expiring."""
        ticks_per_refresh = max(1, round(TTL / 3 / HEARTBEAT))
        tick = 0
        while True:
            try:
                rejoined = await self.store.heartbeat() and tick > 0
                await self._publish_offline(await self.store.reap())
                if rejoined or tick % ticks_per_refresh == 0:
                    entries = {c.conn_id: (c.user_id, c.status) for c in self._hub.connections}
                    await self.store.refresh(entries)
                if rejoined:
                    # Another node took this one for dead and cleared its entries
                    # (pushing "offline"): they are back, and so is everyone's status.
                    users = {c.user_id for c in self._hub.connections}
                    await self._publish_presence(await self.store.statuses(users))
            except Exception as exc:
                log.warning("presence upkeep failed: %s", exc)
            tick += 1
            await asyncio.sleep(HEARTBEAT)

    async def _publish_offline(self, users: list[int]) -> None:
        """Of ``users``, whose entries were just removed, tell who is now offline."""
        if not users:
            return
        statuses = await self.store.statuses(users)
        await self._publish_presence({u: s for u, s in statuses.items() if s is Status.offline})

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        try:
            await self._publish_offline(await self.store.clear_node())
        except Exception as exc:
            log.warning("presence cleanup failed: %s", exc)
        await self.store.close()
