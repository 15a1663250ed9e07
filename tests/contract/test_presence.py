"""One contract, both presence stores: in-process and Redis with expiring keys."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from presence.base import PresenceStore, Status
from presence.memory import MemoryPresence
from presence.redis import RedisPresence
from tests.support.backends import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    prefix = "p" + secrets.token_hex(4)
    made: list[PresenceStore] = []

    def factory(node: str) -> PresenceStore:
        store: PresenceStore = (
            MemoryPresence(node_id=node)
            if request.param == "memory"
            else RedisPresence(REDIS_URL, node_id=node, prefix=prefix)
        )
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.close()


async def test_status_follows_connections(make: Any) -> None:
    store = make("n1")
    assert await store.statuses([1]) == {1: Status.offline}
    assert await store.set(1, "c1", Status.online) == (Status.offline, Status.online)
    assert await store.set(1, "c2", Status.away) == (Status.online, Status.online)
    assert await store.set(1, "c1", None) == (Status.online, Status.away)
    assert await store.statuses([1, 2]) == {1: Status.away, 2: Status.offline}
    assert await store.set(1, "c2", None) == (Status.away, Status.offline)


async def test_clear_node_removes_only_its_own_entries(make: Any) -> None:
    store = make("n1")
    await store.set(1, "c1", Status.online)
    await store.set(2, "c2", Status.online)
    assert sorted(await store.clear_node()) == [1, 2]
    assert await store.statuses([1, 2]) == {1: Status.offline, 2: Status.offline}


async def test_nodes_share_presence_in_redis() -> None:
    prefix = "p" + secrets.token_hex(4)
    a = RedisPresence(REDIS_URL, node_id="a", prefix=prefix)
    b = RedisPresence(REDIS_URL, node_id="b", prefix=prefix)
    await a.set(7, "ca", Status.online)
    await b.set(7, "cb", Status.away)
    assert await b.statuses([7]) == {7: Status.online}
    await a.clear_node()
    assert await b.statuses([7]) == {7: Status.away}
    await a.close()
    await b.close()


async def test_a_lone_node_reaps_nothing(make: Any) -> None:
    store = make("n1")
    await store.heartbeat()
    assert await store.heartbeat() is False  # known alive
    await store.set(1, "c1", Status.online)
    assert await store.reap() == []
    assert await store.statuses([1]) == {1: Status.online}


async def test_a_node_killed_without_shutting_down_is_cleared_by_another() -> None:
    prefix = "p" + secrets.token_hex(4)
    a = RedisPresence(REDIS_URL, node_id="a", prefix=prefix, node_ttl=0.3)
    b = RedisPresence(REDIS_URL, node_id="b", prefix=prefix, node_ttl=0.3)
    c = RedisPresence(REDIS_URL, node_id="c", prefix=prefix, node_ttl=0.3)
    try:
        for node in (a, b, c):
            assert await node.heartbeat() is True  # a first heartbeat
        await a.set(1, "a1", Status.online)
        await a.set(2, "a2", Status.online)
        await b.set(2, "b2", Status.away)
        assert await b.reap() == []  # a is alive
        await asyncio.sleep(0.5)  # a stops saying so (killed); b and c carry on
        await b.heartbeat()
        await c.heartbeat()
        assert await b.reap() == [1, 2]
        assert await c.reap() == []  # cleared once, by whoever got there first
        assert await c.statuses([1, 2]) == {1: Status.offline, 2: Status.away}
        # a was only stalled: its next heartbeat learns it was cleared, and its
        # refresh puts its entries back.
        assert await a.heartbeat() is True
        assert await a.heartbeat() is False
        await a.refresh({"a1": (1, Status.online), "a2": (2, Status.online)})
        assert await c.statuses([1, 2]) == {1: Status.online, 2: Status.online}
        assert await c.reap() == []
    finally:
        for node in (a, b, c):
            await node.close()
