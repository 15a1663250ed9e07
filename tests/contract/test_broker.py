"""One contract, both buses: in-process and Redis pub/sub."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from channels.broker import Broker
from channels.broker.memory import MemoryBroker
from channels.broker.redis import RedisBroker
from tests.support.backends import REDIS_URL
from tests.support.timing import wait_for


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    prefix = "c" + secrets.token_hex(4)
    made: list[Broker] = []

    async def factory() -> Broker:
        bus: Broker = (
            MemoryBroker() if request.param == "memory" else RedisBroker(REDIS_URL, prefix=prefix)
        )
        await bus.start()
        made.append(bus)
        return bus

    yield factory
    for bus in made:
        await bus.close()


def _recorder(bus: Broker) -> list[tuple[str, dict[str, Any]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    bus.set_handler(lambda topic, msg: got.append((topic, msg)), lambda: None)
    return got


async def test_delivers_to_subscribed_topics_only_in_order(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("ch.1")
    for i in range(50):
        await bus.publish("ch.1", {"s": i, "d": {"text": "日本", "b": True, "n": None}})
    await bus.publish("ch.2", {"s": -1})
    await wait_for(lambda: len(got) >= 50, 5, "50 messages")
    await asyncio.sleep(0.05)
    assert [m["s"] for _, m in got] == list(range(50))
    assert all(t == "ch.1" for t, _ in got)
    assert got[0][1]["d"] == {"text": "日本", "b": True, "n": None}


async def test_unsubscribe_stops_delivery(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("ch.1")
    await bus.publish("ch.1", {"s": 1})
    await wait_for(lambda: len(got) == 1, 5, "first message")
    await bus.unsubscribe("ch.1")
    await bus.publish("ch.1", {"s": 2})
    await bus.subscribe("ch.3")
    await bus.publish("ch.3", {"s": 3})
    await wait_for(lambda: len(got) == 2, 5, "marker message")
    assert [m["s"] for _, m in got] == [1, 3]


async def test_ping_answers(make: Any) -> None:
    bus = await make()
    await bus.ping()


async def test_nodes_sharing_redis_see_each_others_messages() -> None:
    prefix = "c" + secrets.token_hex(4)
    a, b = RedisBroker(REDIS_URL, prefix=prefix), RedisBroker(REDIS_URL, prefix=prefix)
    await a.start()
    await b.start()
    got = _recorder(b)
    await b.subscribe("ch.9")
    await a.publish("ch.9", {"s": 1})
    await wait_for(lambda: got == [("ch.9", {"s": 1})], 5, "cross-node message")
    await a.close()
    await b.close()


async def test_publish_many_keeps_order_across_topics(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("ch.1")
    await bus.subscribe("ch.2")
    batch = [(f"ch.{1 + i % 2}", {"s": i}) for i in range(40)] + [("ch.3", {"s": -1})]
    await bus.publish_many(batch)
    await wait_for(lambda: len(got) >= 40, 5, "40 messages")
    await asyncio.sleep(0.05)
    assert [(t, m["s"]) for t, m in got] == [(t, m["s"]) for t, m in batch[:40]]
