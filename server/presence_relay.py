"""Presence and typing between nodes: ephemeral, with no position, never in
history or SQL (rule 7 of the hub). The store (presence/) says who is online;
this relays changes over the bus to the connections that should hear them.

A presence change goes to the person's own connections and to the followers
of the channels the person is in, not to everyone: in a company of thousands,
each login would otherwise reach every open connection. The publishing node
reads the person's channels once and sends them with the change."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from bus.base import PRESENCE_TOPIC, Bus, stream_topic
from bus.messages import Presence, Reconnected, Typing
from channels.protocol import frames
from channels.reads import channels_of
from presence.base import HEARTBEAT, TTL, PresenceStore, Status
from server.db import Database
from server.hub import Hub
from server.outbox import Connection

log = logging.getLogger(__name__)


class PresenceRelay:
    """Built once per node; it registers its own bus handler."""

    def __init__(self, hub: Hub, bus: Bus, store: PresenceStore, db: Database) -> None:
        self._hub = hub
        self._bus = bus
        self.store = store
        self._db = db
        self._refresher: asyncio.Task[None] | None = None
        self._rejoin: asyncio.Task[None] | None = None
        bus.on(Presence, self._on_presence)
        # The bus was down: presence published meanwhile was lost, and a Redis
        # that restarted has forgotten every entry. Put this node's back now.
        bus.on(Reconnected, lambda _: self._rejoin_soon())

    def _on_presence(self, msg: Presence) -> None:
        self._hub.offer_to_audience(msg.user, msg.channels, frames.presence(msg.user, msg.status))

    async def statuses(self, user_ids: Iterable[int]) -> dict[int, Status]:
        """Each person's status; ``unknown`` for everyone while the store cannot
        be reached (a directory answers without presence rather than fail)."""
        ids = list(user_ids)
        try:
            return await self.store.statuses(ids)
        except Exception as exc:
            log.warning("presence unavailable: %s", exc)
            return dict.fromkeys(ids, Status.unknown)

    async def connection_count(self, user_id: int) -> int:
        """How many connections the person holds open on every node (0 when the
        store cannot be reached: limits are not worth refusing people for)."""
        try:
            return await self.store.connection_count(user_id)
        except Exception as exc:
            log.warning("presence unavailable: %s", exc)
            return 0

    def _rejoin_soon(self) -> None:
        if self._rejoin is None or self._rejoin.done():
            self._rejoin = asyncio.create_task(self._put_back(), name="presence-rejoin")

    async def _put_back(self) -> None:
        try:
            await self.store.heartbeat()
            await self.store.refresh(
                {c.conn_id: (c.user_id, c.status) for c in self._hub.connections}
            )
            users = {c.user_id for c in self._hub.connections}
            await self._publish_presence(await self.store.statuses(users))
        except Exception as exc:
            log.warning("putting presence back after the bus returned failed: %s", exc)

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
                    (PRESENCE_TOPIC, Presence(user=u, status=st.value, channels=channels[u]))
                    for u, st in changes.items()
                ]
            )
        except Exception as exc:  # presence is best effort; delivery must not suffer
            log.warning("presence publish failed: %s", exc)

    async def typing(self, conn: Connection, channel_id: int) -> None:
        msg = Typing(channel=channel_id, user=conn.user_id, name=conn.user.display_name)
        with contextlib.suppress(Exception):
            await self._bus.publish(stream_topic("channel", channel_id), msg)

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
        if self._rejoin is not None:
            self._rejoin.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._rejoin
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        try:
            await self._publish_offline(await self.store.clear_node())
        except Exception as exc:
            log.warning("presence cleanup failed: %s", exc)
        await self.store.close()
