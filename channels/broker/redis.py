"""Redis pub/sub bus for several nodes. Payloads are msgpack.

One reader task per node. When the connection drops (Redis restarted, network
blip), the reader reconnects with backoff, subscribes again to every topic it
held, and calls ``on_reconnect`` so the hub fetches from the database whatever
was published meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import msgpack
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

from channels.broker.base import Broker

log = logging.getLogger(__name__)

_RECONNECT_MAX_DELAY = 2.0


class RedisBroker(Broker):
    def __init__(self, url: str, *, prefix: str = "kaisha") -> None:
        super().__init__()
        self._url = url
        self._prefix = prefix + ":"
        self._client: redis.Redis | None = None
        self._pubsub: Any = None
        self._topics: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def _key(self, topic: str) -> str:
        return self._prefix + topic

    async def start(self) -> None:
        self._client = redis.Redis.from_url(self._url, socket_connect_timeout=2)
        await self._connect_pubsub()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")

    async def _connect_pubsub(self) -> None:
        assert self._client is not None
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        # A subscription needs at least one topic to open the connection.
        await self._pubsub.subscribe(self._key("_alive"), *[self._key(t) for t in self._topics])

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        assert self._client is not None
        await self._client.publish(self._key(topic), msgpack.packb(message))
        self._count(message)

    async def publish_many(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        assert self._client is not None
        async with self._client.pipeline(transaction=False) as pipe:
            for topic, message in messages:
                pipe.publish(self._key(topic), msgpack.packb(message))
            await pipe.execute()
        for _, message in messages:
            self._count(message)

    async def subscribe(self, topic: str) -> None:
        async with self._lock:
            self._topics.add(topic)
            with contextlib.suppress(RedisConnectionError, RedisTimeout):
                await self._pubsub.subscribe(self._key(topic))

    async def unsubscribe(self, topic: str) -> None:
        async with self._lock:
            self._topics.discard(topic)
            with contextlib.suppress(RedisConnectionError, RedisTimeout):
                await self._pubsub.unsubscribe(self._key(topic))

    async def ping(self) -> None:
        assert self._client is not None
        await self._client.ping()

    async def _read_forever(self) -> None:
        delay = 0.05
        strip = len(self._prefix)
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                delay = 0.05
            except (RedisConnectionError, RedisTimeout, OSError) as exc:
                log.warning("bus connection lost: %s; reconnecting", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RECONNECT_MAX_DELAY)
                try:
                    async with self._lock:
                        with contextlib.suppress(Exception):
                            await self._pubsub.aclose()
                        await self._connect_pubsub()
                except (RedisConnectionError, RedisTimeout, OSError):
                    continue
                log.info("bus reconnected")
                self._on_reconnect()
                continue
            if message is None or message.get("type") != "message":
                continue
            topic = message["channel"].decode()[strip:]
            try:
                payload = msgpack.unpackb(message["data"])
            except (ValueError, msgpack.UnpackException):
                log.error("undecodable bus message on %s", topic)
                continue
            self._handler(topic, payload)
