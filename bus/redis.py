"""Redis pub/sub bus for several nodes. Payloads are msgpack (bus/messages.py).

Publishing goes through a bounded pool. One reader task per node holds a
pub/sub connection of its own. When that connection fails in any way (Redis
restarted, a network blip, a read on a connection that is gone), the reader
drops it, waits with jittered backoff, connects anew, subscribes again to
every topic this node holds, and delivers a local ``Reconnected`` message so
the hub fetches from the database whatever was published meanwhile. It never
gives up: an outage of any length ends when Redis is back. While the reader
is down, ``ping`` fails (so /healthz answers 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bus.base import Bus
from bus.messages import Message, Reconnected, pack, unpack
from core.redis_client import pooled_client

log = logging.getLogger(__name__)

RECONNECT_MIN_DELAY = 0.05
RECONNECT_MAX_DELAY = 2.0
READ_TIMEOUT = 1.0


class BusDownError(ConnectionError):
    """The reader has no connection to Redis right now."""


class RedisBus(Bus):
    def __init__(self, url: str, *, prefix: str = "kaisha") -> None:
        super().__init__()
        self._url = url
        self._prefix = prefix + ":"
        self._client: redis.Redis | None = None
        self._reader_client: redis.Redis | None = None
        self._pubsub: Any = None  # redis-py's PubSub, None while disconnected
        self._topics: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # orders (re)connects and (un)subscribes
        self.reconnects = 0

    def _key(self, topic: str) -> str:
        return self._prefix + topic

    @property
    def connected(self) -> bool:
        return self._pubsub is not None

    async def start(self) -> None:
        self._client = pooled_client(self._url)
        # The reader's own client, without redis-py's silent retries: a retry that
        # reconnects inside a read would hide the outage (and the messages lost in
        # it) from us. We reconnect ourselves, and heal.
        self._reader_client = redis.Redis.from_url(
            self._url, socket_connect_timeout=2, socket_keepalive=True, retry=Retry(NoBackoff(), 0)
        )
        await self._connect()  # a node that cannot reach Redis at start fails to start
        self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")

    async def _connect(self) -> None:
        assert self._reader_client is not None
        async with self._lock:
            pubsub: Any = self._reader_client.pubsub(ignore_subscribe_messages=True)
            try:
                # A subscription needs at least one topic to open the connection.
                await pubsub.subscribe(self._key("_alive"), *[self._key(t) for t in self._topics])
            except BaseException:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            self._pubsub = pubsub

    async def _disconnect(self) -> None:
        async with self._lock:
            pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._disconnect()
        for client in (self._client, self._reader_client):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def publish(self, topic: str, msg: Message) -> None:
        assert self._client is not None
        await self._client.publish(self._key(topic), pack(msg))
        self._count(msg)

    async def publish_many(self, items: Sequence[tuple[str, Message]]) -> None:
        assert self._client is not None
        async with self._client.pipeline(transaction=False) as pipe:
            for topic, msg in items:
                pipe.publish(self._key(topic), pack(msg))
            await pipe.execute()
        for _, msg in items:
            self._count(msg)

    async def subscribe(self, topic: str) -> None:
        async with self._lock:
            self._topics.add(topic)
            if self._pubsub is not None:
                # A failure here is the reader's to notice; its reconnect
                # subscribes to every topic in the set, this one included.
                with contextlib.suppress(Exception):
                    await self._pubsub.subscribe(self._key(topic))

    async def unsubscribe(self, topic: str) -> None:
        async with self._lock:
            self._topics.discard(topic)
            if self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(self._key(topic))

    async def ping(self) -> None:
        if self._pubsub is None:
            raise BusDownError("the bus reader is reconnecting to Redis")
        assert self._client is not None
        await self._client.ping()

    async def _read_forever(self) -> None:
        delay = RECONNECT_MIN_DELAY
        strip = len(self._prefix)
        while True:
            try:
                if self._pubsub is None:
                    await self._connect()
                    self.reconnects += 1
                    log.info("bus reconnected (%d topics)", len(self._topics))
                    delay = RECONNECT_MIN_DELAY
                    self.deliver(Reconnected())
                message = await self._pubsub.get_message(timeout=READ_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: start over
                if self._pubsub is not None:
                    log.warning("bus connection lost: %r; reconnecting", exc)
                    await self._disconnect()
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, RECONNECT_MAX_DELAY)
                continue
            if message is None or message.get("type") != "message":
                continue
            msg = unpack(message["data"])
            if msg is None:
                log.error("on %s", message["channel"].decode()[strip:])
                continue
            try:
                self.deliver(msg)
            except Exception:  # a handler's bug must not end the reader
                log.exception("bus handler failed on %s", msg.type)
