"""Two nodes through Redis outages of 1 s, 5 s and 30 s, then two in a row: the
live path comes back each time, not only the fallback.

The nodes' heal loop runs once a minute here, so anything that arrives within
seconds arrived on the live path (or by the heal each node runs when its bus
reconnects): a dead bus reader can no longer hide behind it. Redis is a
private server of this test's, killed and started again on the same port.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.backends import clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Api, Company, Live, department_channel, make_company
from tests.support.private_redis import PrivateRedis, private_redis
from tests.support.resuming import followers, publish_acked
from tests.support.servers import Node
from tests.support.timing import deadline, wait_for

HEAL_INTERVAL = 60.0
LIVE_WITHIN = 5.0  # seconds: far below the heal loop's minute


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[PrivateRedis, list[Node], Company]]:
    await prepare_postgres()
    await clean_postgres()
    async with private_redis() as redis_server:
        settings = settings_for(
            "postgres", tmp_path, redis_url=redis_server.url, heal_interval=HEAL_INTERVAL
        )
        nodes = [Node(settings) for _ in range(2)]
        try:
            for node in nodes:
                await node.start()
            company = await make_company(nodes[0].running)
            yield redis_server, nodes, company
            await company.close()
        finally:
            for node in nodes:
                await node.kill()


async def _health(node: Node) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(node.running.http + "/healthz", timeout=3)).status_code


async def _all_health(nodes: list[Node], status: int, seconds: float) -> None:
    async def reached() -> bool:
        return all([await _health(n) == status for n in nodes])

    await wait_for(reached, seconds, f"/healthz {status} on every node")


def _equal(frame: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f == frame


def _event(channel: int, body: str) -> Any:
    return lambda f: (
        f["type"] == "event" and f["channel"] == channel and f["data"]["post"]["body"] == body
    )


async def test_the_live_path_returns_after_every_redis_outage(
    cluster: tuple[PrivateRedis, list[Node], Company],
) -> None:
    redis_server, nodes, company = cluster
    a, b = (n.running for n in nodes)
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    poster = Api(a.http, alice.token)
    on_b = await Live.connect(b, bob.token)  # follows the channel on the other node
    await on_b.request({"op": "sub", "channel": eng["id"]})
    typist = await Live.connect(a, alice.token)
    await typist.request({"op": "sub", "channel": eng["id"]})
    carol_on_b = await Live.connect(b, carol.token)
    users_on_b = Api(b.http, bob.token)

    latencies = []
    for n, outage in enumerate((1.0, 5.0, 30.0, 2.0, 2.0)):
        await redis_server.stop()
        down_since = time.monotonic()
        await _all_health(nodes, 503, 15)
        # Presence is ephemeral: the directory and `who` answer without it.
        people = await users_on_b.call("GET", "/api/users")
        assert {p["status"] for p in people} == {"unknown"}
        who = await on_b.request({"op": "who", "channel": eng["id"]})
        assert who["type"] == "who" and {u["status"] for u in who["users"]} == {"unknown"}
        during = f"during outage {n}"
        await poster.call("POST", f"/api/channels/{eng['id']}/posts", {"body": during})
        await asyncio.sleep(max(0.0, outage - (time.monotonic() - down_since)))
        await redis_server.start()
        await _all_health(nodes, 200, 15)
        # What was written while the bus was down arrives by the heal each node
        # runs when its bus comes back (not the minute-long loop).
        await on_b.wait(_event(eng["id"], during), seconds=LIVE_WITHIN)

        after = f"after outage {n}"
        sent = time.monotonic()
        await poster.call("POST", f"/api/channels/{eng['id']}/posts", {"body": after})
        await on_b.wait(_event(eng["id"], after), seconds=LIVE_WITHIN)
        latencies.append(time.monotonic() - sent)

        # Typing and presence cross nodes again.
        mark = len(on_b.frames)
        await typist.send({"op": "typing", "channel": eng["id"]})
        await on_b.wait(lambda f: f["type"] == "typing" and f["user"] == alice.id, start=mark)
        status = "away" if n % 2 == 0 else "online"
        await typist.send({"op": "status", "status": status})
        presence = {"type": "presence", "user": alice.id, "status": status}
        await on_b.wait(_equal(presence), seconds=LIVE_WITHIN, start=mark)
    print(f"post to the other node's subscriber after each outage: {latencies}")

    # Kicks cross nodes again: deactivated through one node, closed on the other.
    await company.admin.call("PATCH", f"/api/users/{carol.id}", {"is_active": False})
    code, _ = await asyncio.wait_for(carol_on_b.closed, deadline(LIVE_WITHIN))
    assert code == 4003

    for live in (on_b, typist, carol_on_b):
        await live.close()
    for api in (poster, users_on_b):
        await api.close()
    # And shutdown is clean: ended by the SIGTERM, nothing logged as an error.
    assert [await node.terminate() for node in nodes] == [-signal.SIGTERM] * 2
    assert [node.errors() for node in nodes] == [[], []]


async def test_a_redis_restart_mid_stream_loses_and_duplicates_nothing(
    cluster: tuple[PrivateRedis, list[Node], Company],
) -> None:
    redis_server, nodes, company = cluster
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    clients = await followers([n.running for n in nodes], bob.token, channel, 10)
    publisher = await Live.connect(nodes[1].running, alice.token)
    await publish_acked(publisher, channel["id"], 50, "r")
    await redis_server.stop()
    await redis_server.start()
    await publish_acked(publisher, channel["id"], 50, "s")
    await wait_for(lambda: all(len(c.bodies) >= 100 for c in clients), 30, "posts after restart")
    expected = [f"r{i}" for i in range(50)] + [f"s{i}" for i in range(50)]
    for client in clients:
        assert client.bodies == expected and client.gaps == 0
        await client.stop()
    await publisher.close()
    assert [node.errors() for node in nodes] == [[], []]
