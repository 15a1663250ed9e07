"""Live confirmation rates: when an announcement's confirmations change
(``Tallied`` on the bus, from any node), this node tells the connections of
its author and of admins with a ``tallied`` frame, at most once per
``FLUSH_SECONDS`` per announcement however many confirmations came: 10,000
people confirming within a minute are a few frames a second to each watcher,
who then asks for the rate (one grouped query) rather than being sent every
confirmation. The frame says only which announcement changed: whoever may
not see its rate learns nothing from it, and a page not showing it ignores it."""

from __future__ import annotations

import asyncio

from bus.base import Bus
from bus.messages import Tallied
from channels.protocol import frames
from server.hub import Encoded, Hub

FLUSH_SECONDS = 0.25


class Tallies:
    def __init__(self, hub: Hub, bus: Bus) -> None:
        self._hub = hub
        self._dirty: dict[int, int] = {}  # announcement id -> its author
        self._timer: asyncio.TimerHandle | None = None
        bus.on(Tallied, self._on_tallied)

    def _on_tallied(self, msg: Tallied) -> None:
        self._dirty[msg.announcement] = msg.author
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._timer = None
        dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        admins = [c for c in self._hub.connections if c.user.is_admin]
        for announcement, author in dirty.items():
            encoded = Encoded(frames.tallied(announcement))
            watchers = set(admins) | self._hub.user_connections(author)
            for conn in watchers:
                conn.offer(encoded(conn.encoding))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
