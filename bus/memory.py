"""The in-process bus of the embedded default (one node)."""

from __future__ import annotations

import asyncio

from bus.base import Bus
from bus.messages import Message, pack, unpack


class MemoryBus(Bus):
    def __init__(self) -> None:
        super().__init__()
        self._topics: set[str] = set()

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._topics.clear()

    async def publish(self, topic: str, msg: Message) -> None:
        self._count(msg)
        if topic in self._topics:
            # Through msgpack like the Redis bus, so both carry the same types,
            # delivered on the next loop turn, after the publisher returns.
            copy = unpack(pack(msg))
            if copy is not None:
                asyncio.get_running_loop().call_soon(self.deliver, copy)

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)

    async def ping(self) -> None:
        pass
