"""The bus contract, shared by both backends and checked by one suite
(tests/contract/test_bus.py).

Delivery is at most once and, per topic, in publish order from one
publisher; receivers that need more (every stream event) detect gaps by
position and fetch from the database. Handlers are registered per message
class and never await (they schedule). After an outage the bus delivers a
local ``Reconnected`` message: whoever keeps positions checks them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bus.messages import Message, News

CONTROL_TOPIC = "ctl"
PRESENCE_TOPIC = "presence"

M = TypeVar("M", bound=Message)


def stream_topic(stream: str, key: int) -> str:
    """The topic of one stream's news (and, for channels, its typing)."""
    return f"{stream}.{key}"


class Bus(ABC):
    """Topics are subscribed per node."""

    def __init__(self) -> None:
        self._handlers: dict[type[Message], list[Callable[[Any], None]]] = {}
        self.published_news = 0  # stream events this node published (for /metrics)

    def on(self, kind: type[M], handler: Callable[[M], None]) -> None:
        """Call ``handler`` with every message of this class this node receives."""
        self._handlers.setdefault(kind, []).append(handler)

    def deliver(self, msg: Message) -> None:
        for handler in self._handlers.get(type(msg), ()):
            handler(msg)

    def _count(self, msg: Message) -> None:
        if isinstance(msg, News):
            self.published_news += 1

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def publish(self, topic: str, msg: Message) -> None:
        """Send to every node subscribed to ``topic``, this one included."""

    async def publish_many(self, items: Sequence[tuple[str, Message]]) -> None:
        """Several (topic, message) pairs, in order (the Redis bus sends them in
        one round trip: a batch of posts publishes its events together)."""
        for topic, msg in items:
            await self.publish(topic, msg)

    @abstractmethod
    async def subscribe(self, topic: str) -> None: ...

    @abstractmethod
    async def unsubscribe(self, topic: str) -> None: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the bus cannot carry messages now (for /healthz)."""
