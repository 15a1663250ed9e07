"""The broker contract, shared by both backends and checked by one suite
(tests/contract/test_broker.py).

Messages are plain dicts of msgpack-able values. Delivery is at most once and,
per topic, in publish order from one publisher; receivers that need more (every
channel event) detect gaps by position and fetch from the database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

MessageHandler = Callable[[str, dict[str, Any]], None]

CONTROL_TOPIC = "ctl"
PRESENCE_TOPIC = "presence"


def channel_topic(channel_id: int) -> str:
    return f"ch.{channel_id}"


class Broker(ABC):
    """Topics are subscribed per node; the handler never awaits (it schedules)."""

    def __init__(self) -> None:
        self._handler: MessageHandler = lambda topic, message: None
        self._on_reconnect: Callable[[], None] = lambda: None
        self.published_events = 0  # channel events this node published (for /metrics)

    def set_handler(self, handler: MessageHandler, on_reconnect: Callable[[], None]) -> None:
        """``on_reconnect`` is called after messages may have been missed."""
        self._handler = handler
        self._on_reconnect = on_reconnect

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Send to every node subscribed to ``topic``, this one included."""

    async def publish_many(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Several (topic, message) pairs, in order (the Redis bus sends them in
        one round trip: a batch of posts publishes its events together)."""
        for topic, message in messages:
            await self.publish(topic, message)

    def _count(self, message: dict[str, Any]) -> None:
        if message.get("t") == "ev":
            self.published_events += 1

    @abstractmethod
    async def subscribe(self, topic: str) -> None: ...

    @abstractmethod
    async def unsubscribe(self, topic: str) -> None: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the bus cannot be reached."""
