"""The in-process bus of the embedded default (one node)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack

from channels.broker.base import Broker


class MemoryBroker(Broker):
    def __init__(self) -> None:
        super().__init__()
        self._topics: set[str] = set()

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._topics.clear()

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        self._count(message)
        if topic in self._topics:
            # Round-trip through msgpack like the Redis bus, so both carry the same
            # types, and deliver on the next loop turn, after the publisher returns.
            copy = msgpack.unpackb(msgpack.packb(message))
            asyncio.get_running_loop().call_soon(self._handler, topic, copy)

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)

    async def ping(self) -> None:
        pass
