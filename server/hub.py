"""The per-node hub: which local connections follow which channel, and the
delivery of each channel's events to them in order, exactly once.

The database is the truth; the bus carries news with positions. For each
channel with local subscribers the hub keeps ``head``, the last seq it handed
to them. An event at ``head + 1`` is delivered at once; one further ahead
means something was missed (a publish lost while Redis restarted, a node that
died between commit and publish, messages crossing), so the hub reads the
missing events from the database and delivers them in order first. Events at
or below ``head`` are duplicates and dropped. A periodic check of each
channel's seq in the database catches losses that no later event reveals.

Each event is encoded once per wire encoding and the same bytes offered to
every subscriber's bounded outbox; nothing here awaits a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from channels.broker.base import CONTROL_TOPIC, PRESENCE_TOPIC, Broker, channel_topic
from channels.events import event_from_bus
from channels.history import MAX_REPLAY, channel_heads, events_between
from channels.models import EventPublic
from channels.protocol import frames
from channels.protocol.codec import Encoding, encode
from channels.protocol.errors import CLOSE_FORBIDDEN, CLOSE_SHUTDOWN
from server.db import Database
from server.metrics import Metrics
from server.outbox import Connection
from server.wire import Outgoing

log = logging.getLogger(__name__)


class _Encoded:
    """A frame encoded (and framed for the wire) at most once per encoding, on first use."""

    __slots__ = ("_cache", "_frame")

    def __init__(self, frame: dict[str, Any]) -> None:
        self._frame = frame
        self._cache: dict[Encoding, Outgoing] = {}

    def __call__(self, encoding: Encoding) -> Outgoing:
        data = self._cache.get(encoding)
        if data is None:
            data = self._cache[encoding] = Outgoing(encode(encoding, self._frame))
        return data


class _Follow:
    """A channel followed by this node."""

    __slots__ = ("busy", "conns", "epoch", "head", "joining", "lock")

    def __init__(self, epoch: str, head: int) -> None:
        self.conns: set[Connection] = set()
        self.epoch = epoch
        self.head = head
        self.lock = asyncio.Lock()
        self.busy = 0  # catch-up tasks queued or running; live events wait behind them
        self.joining = 0  # subscribes under way; the follow stays while any is


class Hub:
    def __init__(self, db: Database, bus: Broker, metrics: Metrics) -> None:
        self._db = db
        self._bus = bus
        self._metrics = metrics
        self._follows: dict[int, _Follow] = {}
        self._setup_locks: dict[int, asyncio.Lock] = {}
        self._by_user: dict[int, set[Connection]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._heal_task: asyncio.Task[None] | None = None
        self.on_presence: Callable[[dict[str, Any]], None] = lambda message: None
        self.on_kick: Callable[[int], None] = lambda user_id: None
        bus.set_handler(self._on_message, self.heal_soon)

    # ---- connections --------------------------------------------------------------

    @property
    def connections(self) -> list[Connection]:
        return [c for conns in self._by_user.values() for c in conns]

    def register(self, conn: Connection) -> None:
        self._by_user.setdefault(conn.user_id, set()).add(conn)
        self._metrics.connections.inc()

    async def unregister(self, conn: Connection) -> None:
        conns = self._by_user.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._by_user[conn.user_id]
            self._metrics.connections.dec()
        for channel_id in list(conn.channels):
            await self.unsubscribe(conn, channel_id)

    def user_connections(self, user_id: int) -> set[Connection]:
        return self._by_user.get(user_id, set())

    def close_all(self, code: int = CLOSE_SHUTDOWN, reason: str = "server restarting") -> None:
        for conn in self.connections:
            conn.close(code, reason)

    # ---- subscriptions ----------------------------------------------------------

    async def subscribe(
        self,
        conn: Connection,
        channel_id: int,
        frame_id: int | None,
        epoch: str | None,
        since: int | None,
    ) -> None:
        """Offer ``subbed``, then the events after ``since`` (if it can be
        recovered), then live events, with nothing missed or repeated between."""
        follow = await self._follow(channel_id)
        follow.joining += 1
        try:
            await self._subscribe_locked(conn, follow, channel_id, frame_id, epoch, since)
        finally:
            follow.joining -= 1

    async def _subscribe_locked(
        self,
        conn: Connection,
        follow: _Follow,
        channel_id: int,
        frame_id: int | None,
        epoch: str | None,
        since: int | None,
    ) -> None:
        recovered = (
            since is not None
            and epoch == follow.epoch
            and since <= follow.head
            and follow.head - since <= MAX_REPLAY
        )
        conn.send(frames.subbed(frame_id, channel_id, follow.epoch, follow.head, recovered))
        position = since if recovered and since is not None else follow.head
        # Replay the bulk at this client's own pace, without holding up the channel...
        page = max(1, conn.limit // 2)
        while follow.head - position > page and conn.close_code is None:
            position = await self._replay(conn, follow, channel_id, position, position + page)
        # ...then the last few under the lock, and join the live stream exactly there.
        await conn.wait_for_room(page)
        async with follow.lock:
            if follow.head > position:
                await self._replay(conn, follow, channel_id, position, follow.head)
            follow.conns.add(conn)
            conn.channels.add(channel_id)

    async def _replay(
        self, conn: Connection, follow: _Follow, channel_id: int, after: int, upto: int
    ) -> int:
        await conn.wait_for_room(upto - after)
        async with self._db.reader() as db:
            missed = await events_between(db, channel_id, follow.epoch, after, upto)
        for ev in missed:
            conn.send(frames.event(ev))
        return missed[-1].seq if missed else upto

    async def _follow(self, channel_id: int) -> _Follow:
        follow = self._follows.get(channel_id)
        if follow is not None:
            return follow
        lock = self._setup_locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            follow = self._follows.get(channel_id)
            if follow is None:
                # Subscribe to the bus before reading the head: an event committed
                # in between is then both below the head and on the bus (dropped
                # as a duplicate), never in neither.
                await self._bus.subscribe(channel_topic(channel_id))
                async with self._db.reader() as db:
                    epoch, head = (await channel_heads(db, [channel_id]))[channel_id]
                follow = self._follows[channel_id] = _Follow(epoch, head)
        self._setup_locks.pop(channel_id, None)
        return follow

    async def unsubscribe(self, conn: Connection, channel_id: int) -> None:
        conn.channels.discard(channel_id)
        follow = self._follows.get(channel_id)
        if follow is None:
            return
        follow.conns.discard(conn)
        if not follow.conns and not follow.busy and not follow.joining and not follow.lock.locked():
            del self._follows[channel_id]
            await self._bus.unsubscribe(channel_topic(channel_id))

    # ---- delivery ------------------------------------------------------------------

    def _on_message(self, topic: str, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "ev":
            self._on_event(message)
        elif kind == "typing":
            self._typing(message)
        elif topic == PRESENCE_TOPIC:
            self.on_presence(message)
        elif topic == CONTROL_TOPIC and kind == "kick":
            self.on_kick(int(message["u"]))
            for conn in list(self.user_connections(int(message["u"]))):
                conn.close(CLOSE_FORBIDDEN, "account deactivated")
        elif topic == CONTROL_TOPIC and kind == "membership":
            frame = _Encoded(frames.membership(int(message["c"]), bool(message["j"])))
            for conn in self.user_connections(int(message["u"])):
                conn.offer(frame(conn.encoding))

    def _on_event(self, message: dict[str, Any]) -> None:
        follow = self._follows.get(message["c"])
        if follow is None:
            return
        self._metrics.latency.observe(max(0.0, time.time() - float(message.get("ts", 0))))
        seq = message["s"]
        if not follow.busy and not follow.lock.locked():
            if seq == follow.head + 1:
                self._deliver(follow, event_from_bus(message))
                return
            if seq <= follow.head:
                return
        self._catch_up_soon(message["c"], follow, seq)

    def _catch_up_soon(self, channel_id: int, follow: _Follow, upto: int) -> None:
        follow.busy += 1
        task = asyncio.create_task(self._catch_up(channel_id, follow, upto))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _catch_up(self, channel_id: int, follow: _Follow, upto: int) -> None:
        try:
            async with follow.lock:
                while follow.head < upto:
                    async with self._db.reader() as db:
                        missed = await events_between(
                            db, channel_id, follow.epoch, follow.head, upto
                        )
                    if not missed:
                        break
                    self._metrics.gap_fills.inc(len(missed))
                    for ev in missed:
                        self._deliver(follow, ev)
        except Exception:
            log.exception("catching up channel %s failed; the next check retries", channel_id)
        finally:
            follow.busy -= 1

    def _deliver(self, follow: _Follow, ev: EventPublic) -> None:
        follow.head = ev.seq
        encoded = _Encoded(frames.event(ev))
        for conn in follow.conns:
            conn.offer(encoded(conn.encoding))
        self._metrics.delivered.inc(len(follow.conns))

    def _typing(self, message: dict[str, Any]) -> None:
        follow = self._follows.get(message["c"])
        if follow is None:
            return
        encoded = _Encoded(frames.typing(message["c"], message["u"], message["n"]))
        for conn in follow.conns:
            if conn.user_id != message["u"]:
                conn.offer(encoded(conn.encoding))

    def offer_to_audience(self, user_id: int, channels: list[int], frame: dict[str, Any]) -> None:
        """An ephemeral frame about one person (a presence change) to their own
        connections and to every local subscriber of a channel they are in, once each."""
        encoded = _Encoded(frame)
        reached: set[Connection] = set()
        audiences = [self.user_connections(user_id)]
        audiences += [f.conns for c in channels if (f := self._follows.get(c)) is not None]
        for conns in audiences:
            for conn in conns:
                if conn not in reached:
                    reached.add(conn)
                    conn.offer(encoded(conn.encoding))

    # ---- healing ---------------------------------------------------------------

    def heal_soon(self) -> None:
        task = asyncio.create_task(self.heal())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def heal(self) -> None:
        """Compare every followed channel's head with the database; fetch what is missing."""
        if not self._follows:
            return
        async with self._db.reader() as db:
            heads = await channel_heads(db, list(self._follows))
        for channel_id, (_, seq) in heads.items():
            follow = self._follows.get(channel_id)
            if follow is not None and seq > follow.head:
                self._catch_up_soon(channel_id, follow, seq)

    async def run_healer(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.heal()
            except Exception as exc:
                log.warning("heal check failed: %s", exc)

    def start(self, heal_interval: float) -> None:
        self._heal_task = asyncio.create_task(self.run_healer(heal_interval), name="hub-healer")

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._heal_task] if self._heal_task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
