"""One contract, both buses: in-process and Redis pub/sub."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as redis

from bus.base import Bus
from bus.memory import MemoryBus
from bus.messages import Kick, Message, News, Reconnected, Typing
from bus.redis import RedisBus
from tests.support.backends import REDIS_URL
from tests.support.timing import wait_for


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    prefix = "c" + secrets.token_hex(4)
    made: list[Bus] = []

    async def factory() -> Bus:
        bus: Bus = MemoryBus() if request.param == "memory" else RedisBus(REDIS_URL, prefix=prefix)
        await bus.start()
        made.append(bus)
        return bus

    yield factory
    for bus in made:
        await bus.close()


def _news(seq: int, data: dict[str, Any] | None = None) -> News:
    return News(
        "channel", 1, "e1", seq, "post.created", data or {}, "2026-01-01T00:00:00Z", None, 0
    )


def _reached(items: list[Any], n: int) -> Callable[[], bool]:
    return lambda: len(items) >= n


def _recorder(bus: Bus) -> list[Message]:
    got: list[Message] = []
    for kind in (News, Typing, Kick):
        bus.on(kind, got.append)
    return got


async def test_delivers_typed_messages_to_subscribed_topics_only_in_order(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("channel.1")
    for i in range(50):
        await bus.publish("channel.1", _news(i, {"text": "日本", "b": True, "n": None}))
    await bus.publish("channel.2", _news(-1))
    await wait_for(lambda: len(got) >= 50, 5, "50 messages")
    await asyncio.sleep(0.05)
    assert all(isinstance(m, News) for m in got)
    assert [m.seq for m in got if isinstance(m, News)] == list(range(50))
    first = got[0]
    assert isinstance(first, News) and first.data == {"text": "日本", "b": True, "n": None}


async def test_each_message_type_reaches_its_own_handlers(make: Any) -> None:
    bus = await make()
    typing: list[Typing] = []
    kicks: list[Kick] = []
    bus.on(Typing, typing.append)
    bus.on(Kick, kicks.append)
    await bus.subscribe("t")
    await bus.publish("t", Typing(channel=3, user=7, name="愛子"))
    await bus.publish("t", Kick(user=7, credential=None, reason="deactivated"))
    await wait_for(lambda: len(kicks) == 1, 5, "the kick")
    assert typing == [Typing(channel=3, user=7, name="愛子")]
    assert kicks == [Kick(user=7, credential=None, reason="deactivated")]


async def test_unsubscribe_stops_delivery(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("channel.1")
    await bus.publish("channel.1", _news(1))
    await wait_for(lambda: len(got) == 1, 5, "first message")
    await bus.unsubscribe("channel.1")
    await bus.publish("channel.1", _news(2))
    await bus.subscribe("channel.3")
    await bus.publish("channel.3", _news(3))
    await wait_for(lambda: len(got) == 2, 5, "marker message")
    assert [m.seq for m in got if isinstance(m, News)] == [1, 3]


async def test_ping_answers(make: Any) -> None:
    bus = await make()
    await bus.ping()


async def test_nodes_sharing_redis_see_each_others_messages() -> None:
    prefix = "c" + secrets.token_hex(4)
    a, b = RedisBus(REDIS_URL, prefix=prefix), RedisBus(REDIS_URL, prefix=prefix)
    await a.start()
    await b.start()
    got = _recorder(b)
    await b.subscribe("channel.9")
    await a.publish("channel.9", _news(1))
    await wait_for(lambda: got == [_news(1)], 5, "cross-node message")
    await a.close()
    await b.close()


async def test_publish_many_keeps_order_across_topics(make: Any) -> None:
    bus = await make()
    got = _recorder(bus)
    await bus.subscribe("channel.1")
    await bus.subscribe("channel.2")
    batch = [(f"channel.{1 + i % 2}", _news(i)) for i in range(40)] + [("channel.3", _news(-1))]
    await bus.publish_many(batch)
    await wait_for(lambda: len(got) >= 40, 5, "40 messages")
    await asyncio.sleep(0.05)
    assert got == [m for _, m in batch[:40]]


async def test_redis_reader_reconnects_after_losing_its_connection() -> None:
    """Redis drops the reader's connection (as a restart does): the reader
    reconnects by itself, subscribes again to every topic and says so, and
    messages published afterwards arrive on the live path."""
    prefix = "c" + secrets.token_hex(4)
    bus, publisher = RedisBus(REDIS_URL, prefix=prefix), RedisBus(REDIS_URL, prefix=prefix)
    await bus.start()
    await publisher.start()
    got = _recorder(bus)
    reconnected: list[Reconnected] = []
    bus.on(Reconnected, reconnected.append)
    await bus.subscribe("channel.1")
    admin = redis.Redis.from_url(REDIS_URL)
    try:
        for round_ in (1, 2):  # twice in a row
            killed = await admin.client_kill_filter(_type="pubsub")
            assert killed >= 1
            await wait_for(_reached(reconnected, round_), 10, "the reader reconnecting")
            await bus.ping()
            await publisher.publish("channel.1", _news(round_ - 1))
            await wait_for(_reached(got, round_), 5, "a message after the reconnect")
        assert [m.seq for m in got if isinstance(m, News)] == [0, 1]
    finally:
        await admin.aclose()
        await bus.close()
        await publisher.close()
