"""The per-node hub: which local connections follow which stream (a channel's, or
a person's own), and the delivery of each stream's events to them in order,
exactly once.

The database is the truth; the bus carries news with positions. For each
stream with local followers the hub keeps ``head``, the last seq it handed to
them. An event at ``head + 1`` is delivered at once; one further ahead means
something was missed (a publish lost while Redis restarted, a node that died
between commit and publish, messages crossing), so the hub reads the missing
events from the database and delivers them in order first. Events at or below
``head`` are duplicates and dropped. A periodic check of each stream's head in
the database catches losses that no later event reveals, and so does a check
after the bus reconnects.

Each event is encoded once per wire encoding and the same bytes offered to
every follower's bounded outbox; nothing here awaits a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from bus.base import Bus
from bus.messages import Kick, News, Reconnected, Typing
from channels import direct
from channels.protocol import frames
from channels.protocol.codec import Encoding, encode
from channels.protocol.errors import CLOSE_FORBIDDEN, CLOSE_SHUTDOWN, CLOSE_UNAUTHORIZED
from server.db import Database
from server.metrics import Metrics
from server.outbox import Connection
from server.wire import Outgoing
from streams import log
from streams.log import STREAMS, Positioned, Stream

logger = logging.getLogger(__name__)


class Encoded:
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
    """A stream followed by this node."""

    __slots__ = ("busy", "conns", "epoch", "head", "joining", "key", "lock", "stream")

    def __init__(self, stream: Stream, key: int, epoch: str, head: int) -> None:
        self.stream = stream
        self.key = key
        self.conns: set[Connection] = set()
        self.epoch = epoch
        self.head = head
        self.lock = asyncio.Lock()
        self.busy = 0  # catch-up tasks queued or running; live events wait behind them
        self.joining = 0  # subscribes under way; the follow stays while any is


class Hub:
    """Built once per node; it registers its own bus handlers."""

    def __init__(self, db: Database, bus: Bus, metrics: Metrics, *, recovery_limit: int) -> None:
        self._db = db
        self._bus = bus
        self._metrics = metrics
        self.recovery_limit = recovery_limit
        self._follows: dict[str, _Follow] = {}
        self._setup_locks: dict[str, asyncio.Lock] = {}
        self._by_user: dict[int, set[Connection]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._heal_task: asyncio.Task[None] | None = None
        bus.on(News, self._on_news)
        bus.on(Typing, self._on_typing)
        bus.on(Kick, self._on_kick)
        bus.on(Reconnected, lambda _: self.heal_soon())

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
        for topic in list(conn.follows):
            await self._leave(conn, topic)

    def user_connections(self, user_id: int) -> set[Connection]:
        return self._by_user.get(user_id, set())

    def close_all(self, code: int = CLOSE_SHUTDOWN, reason: str = "server restarting") -> None:
        for conn in self.connections:
            conn.close(code, reason)

    def _on_kick(self, msg: Kick) -> None:
        # One credential ended (signed out, session ended, token revoked): sign in
        # again. The whole person shut out (deactivated): stop.
        code = CLOSE_FORBIDDEN if msg.credential is None else CLOSE_UNAUTHORIZED
        for conn in list(self.user_connections(msg.user)):
            if msg.credential is None or conn.credential == msg.credential:
                conn.close(code, msg.reason)

    # ---- subscriptions ----------------------------------------------------------

    async def subscribe(
        self,
        conn: Connection,
        stream: Stream,
        key: int,
        frame_id: int | None,
        epoch: str | None,
        since: int | None,
    ) -> None:
        """Offer the stream's ``subbed`` frame, then the events after ``since`` (if it
        can be recovered), then live events, with nothing missed or repeated between."""
        follow = await self._follow(stream, key)
        follow.joining += 1
        try:
            await self._subscribe_locked(conn, follow, frame_id, epoch, since)
        finally:
            follow.joining -= 1

    async def _subscribe_locked(
        self,
        conn: Connection,
        follow: _Follow,
        frame_id: int | None,
        epoch: str | None,
        since: int | None,
    ) -> None:
        plan = log.plan_replay(follow.epoch, follow.head, epoch, since, self.recovery_limit)
        conn.send(frames.subbed(follow.stream.name, frame_id, follow.key, plan))
        position = plan.start
        # Replay the bulk at this client's own pace, without holding up the stream...
        page = max(1, conn.limit // 2)
        while follow.head - position > page and conn.close_code is None:
            position = await self._replay(conn, follow, position, position + page)
        # ...then the last few under the lock, and join the live stream exactly there.
        await conn.wait_for_room(page)
        async with follow.lock:
            if follow.head > position:
                await self._replay(conn, follow, position, follow.head)
            follow.conns.add(conn)
            conn.follows.add(follow.stream.topic(follow.key))

    async def _replay(self, conn: Connection, follow: _Follow, after: int, upto: int) -> int:
        await conn.wait_for_room(upto - after)
        async with self._db.connection() as db:
            missed = await log.events_between(
                db, follow.stream, follow.key, follow.epoch, after, upto, upto - after
            )
        since = conn.since_post.get(follow.stream.topic(follow.key))
        for ev in missed:
            conn.send(frames.stream_event(direct.as_read_by(since, ev)))
        return missed[-1].seq if missed else upto

    async def _follow(self, stream: Stream, key: int) -> _Follow:
        topic = stream.topic(key)
        follow = self._follows.get(topic)
        if follow is not None:
            return follow
        lock = self._setup_locks.setdefault(topic, asyncio.Lock())
        async with lock:
            follow = self._follows.get(topic)
            if follow is None:
                # Subscribe to the bus before reading the head: an event committed
                # in between is then both below the head and on the bus (dropped
                # as a duplicate), never in neither.
                await self._bus.subscribe(topic)
                async with self._db.connection() as db:
                    epoch, head = (await log.heads(db, stream, [key]))[key]
                follow = self._follows[topic] = _Follow(stream, key, epoch, head)
        self._setup_locks.pop(topic, None)
        return follow

    async def unsubscribe(self, conn: Connection, stream: Stream, key: int) -> None:
        await self._leave(conn, stream.topic(key))

    async def _leave(self, conn: Connection, topic: str) -> None:
        conn.follows.discard(topic)
        follow = self._follows.get(topic)
        if follow is None:
            return
        follow.conns.discard(conn)
        if not follow.conns and not follow.busy and not follow.joining and not follow.lock.locked():
            del self._follows[topic]
            await self._bus.unsubscribe(topic)

    def followers(self, stream: Stream, key: int) -> set[Connection]:
        follow = self._follows.get(stream.topic(key))
        return follow.conns if follow is not None else set()

    # ---- delivery ------------------------------------------------------------------

    def _on_news(self, msg: News) -> None:
        follow = self._follows.get(f"{msg.stream}.{msg.key}")
        if follow is None:
            return
        self._metrics.latency.observe(max(0.0, time.time() - msg.sent))
        if not follow.busy and not follow.lock.locked():
            if msg.seq == follow.head + 1:
                event = Positioned(
                    msg.stream, msg.key, msg.epoch, msg.seq, msg.kind, msg.data, msg.at, msg.cid
                )
                self._deliver(follow, event)
                return
            if msg.seq <= follow.head:
                return
        self._catch_up_soon(follow, msg.seq)

    def _catch_up_soon(self, follow: _Follow, upto: int) -> None:
        follow.busy += 1
        self._spawn(self._catch_up(follow, upto))

    async def _catch_up(self, follow: _Follow, upto: int) -> None:
        try:
            async with follow.lock:
                while follow.head < upto:
                    async with self._db.connection() as db:
                        missed = await log.events_between(
                            db,
                            follow.stream,
                            follow.key,
                            follow.epoch,
                            follow.head,
                            upto,
                            self.recovery_limit,
                        )
                    if not missed:
                        break
                    self._metrics.gap_fills.inc(len(missed))
                    for ev in missed:
                        self._deliver(follow, ev)
        except Exception:
            logger.exception("catching up %s failed; the next check retries", follow.key)
        finally:
            follow.busy -= 1

    def _deliver(self, follow: _Follow, ev: Positioned) -> None:
        follow.head = ev.seq
        encoded = Encoded(frames.stream_event(ev))
        topic: str | None = None
        for conn in follow.conns:
            if conn.since_post:  # added to a group conversation: not its earlier posts
                topic = topic or follow.stream.topic(follow.key)
                since = conn.since_post.get(topic)
                if direct.is_withheld(since, ev):
                    conn.send(frames.stream_event(direct.stand_in(ev)))
                    continue
            conn.offer(encoded(conn.encoding))
        self._metrics.delivered.inc(len(follow.conns))

    def _on_typing(self, msg: Typing) -> None:
        follow = self._follows.get(f"channel.{msg.channel}")
        if follow is None:
            return
        encoded = Encoded(frames.typing(msg.channel, msg.user, msg.name))
        for conn in follow.conns:
            if conn.user_id != msg.user:
                conn.offer(encoded(conn.encoding))

    def offer_to_audience(self, user_id: int, channels: list[int], frame: dict[str, Any]) -> None:
        """An ephemeral frame about one person (a presence change) to their own
        connections and to every local follower of a channel they are in, once each."""
        encoded = Encoded(frame)
        reached: set[Connection] = set()
        audiences = [self.user_connections(user_id)]
        audiences += [f.conns for c in channels if (f := self._follows.get(f"channel.{c}"))]
        for conns in audiences:
            for conn in conns:
                if conn not in reached:
                    reached.add(conn)
                    conn.offer(encoded(conn.encoding))

    # ---- healing ---------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def heal_soon(self) -> None:
        self._spawn(self.heal())

    async def heal(self) -> None:
        """Compare every followed stream's head with the database; fetch what is missing."""
        if not self._follows:
            return
        keys: dict[str, list[int]] = {}
        for followed in self._follows.values():
            keys.setdefault(followed.stream.name, []).append(followed.key)
        async with self._db.connection() as db:
            for name, wanted in keys.items():
                stream = STREAMS[name]
                for key, (_, seq) in (await log.heads(db, stream, wanted)).items():
                    follow = self._follows.get(stream.topic(key))
                    if follow is not None and seq > follow.head:
                        self._catch_up_soon(follow, seq)

    async def run_healer(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.heal()
            except Exception as exc:
                logger.warning("heal check failed: %s", exc)

    def start(self, heal_interval: float) -> None:
        self._heal_task = asyncio.create_task(self.run_healer(heal_interval), name="hub-healer")

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._heal_task] if self._heal_task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
