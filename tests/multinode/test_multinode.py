"""Several server processes on loopback sharing PostgreSQL and Redis, as the
Procfile runs them: delivery across nodes, node death, Redis restarts and lost
acks lose nothing and duplicate nothing."""

from __future__ import annotations

import asyncio

from presence.base import HEARTBEAT, NODE_TTL, TTL
from tests.support.clients import Api, Company, Live, department_channel
from tests.support.resuming import followers, publish_acked
from tests.support.servers import Node
from tests.support.timing import deadline, wait_for

POSTS = 1000
CLIENTS = 100


async def test_post_through_one_node_reaches_subscribers_on_the_other(
    company: Company, nodes: list[Node]
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    on_b = await Live.connect(nodes[1].running, bob.token)
    await on_b.request(
        {"op": "sub", "channel": channel["id"], "epoch": channel["epoch"], "seq": channel["seq"]}
    )
    on_a = await Live.connect(nodes[0].running, alice.token)
    ack = await on_a.request(
        {"op": "post", "channel": channel["id"], "body": "across", "cid": "x1"}
    )
    event = await on_b.wait(lambda f: f["type"] == "event" and f["seq"] == ack["seq"])
    assert event["data"]["post"]["body"] == "across"
    # Presence is shared: bob (on B) sees alice (on A) online.
    who = await on_b.request({"op": "who", "channel": channel["id"]})
    assert {"user": alice.id, "status": "online"} in who["users"]
    await on_a.close()
    await on_b.close()


async def test_killing_a_node_mid_stream_loses_and_duplicates_nothing(
    company: Company, nodes: list[Node]
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    clients = await followers([n.running for n in nodes], bob.token, channel, CLIENTS)
    publisher = await Live.connect(nodes[1].running, alice.token)
    stream = asyncio.create_task(publish_acked(publisher, channel["id"], POSTS, "p"))
    await wait_for(lambda: min(len(c.bodies) for c in clients) >= POSTS // 4, 60, "a quarter")
    await nodes[0].kill()
    await asyncio.wait_for(stream, deadline(120))
    await wait_for(
        lambda: all(len(c.bodies) >= POSTS for c in clients), 90, "every post everywhere"
    )
    expected = [f"p{i}" for i in range(POSTS)]
    for client in clients:
        assert client.bodies == expected
        assert client.gaps == 0 and client.unrecovered == 0
    moved = [c for c in clients if c.reconnects > 0]
    assert len(moved) >= CLIENTS // 2  # everyone who was on the dead node came back
    for client in clients:
        await client.stop()
    await publisher.close()


async def test_write_retried_after_lost_ack_is_applied_once(
    company: Company, nodes: list[Node]
) -> None:
    alice = company.people["alice"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    watcher = await Live.connect(nodes[1].running, alice.token)
    await watcher.request(
        {"op": "sub", "channel": channel["id"], "epoch": channel["epoch"], "seq": channel["seq"]}
    )
    doomed = await Live.connect(nodes[0].running, alice.token)
    # Send and hang up without reading the ack, as if the network dropped it.
    await doomed.send(
        {"op": "post", "id": 1, "channel": channel["id"], "body": "only once", "cid": "lost-ack-1"}
    )
    await watcher.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    await nodes[0].kill()
    retry = await watcher.request(
        {"op": "post", "channel": channel["id"], "body": "only once", "cid": "lost-ack-1"}
    )
    assert retry["type"] == "ack" and retry["duplicate"] is True
    assert retry["seq"] == channel["seq"] + 1
    survivor = Api(nodes[1].running.http, alice.token)
    page = await survivor.call("GET", f"/api/channels/{channel['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["only once"]
    await survivor.close()
    await watcher.close()


async def test_people_on_a_killed_node_go_offline_on_the_others(
    company: Company, nodes: list[Node]
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    watcher = await Live.connect(nodes[1].running, alice.token)
    await watcher.request({"op": "sub", "channel": channel["id"]})
    await Live.connect(nodes[0].running, bob.token)
    await watcher.wait(lambda f: f == {"type": "presence", "user": bob.id, "status": "online"})
    await nodes[0].kill()  # no shutdown: nobody clears bob's entry but the survivor
    started = asyncio.get_running_loop().time()
    await watcher.wait(
        lambda f: f == {"type": "presence", "user": bob.id, "status": "offline"},
        seconds=NODE_TTL + 3 * HEARTBEAT,
    )
    # Well before bob's own entry would have expired (TTL).
    assert asyncio.get_running_loop().time() - started < TTL
    who = await watcher.request({"op": "who", "channel": channel["id"]})
    assert {"user": bob.id, "status": "offline"} in who["users"]
    await watcher.close()


async def test_a_persons_stream_crosses_nodes_and_resumes_on_another(
    nodes: list[Node], company: Company
) -> None:
    """Changes made through one node reach the person's socket on the other at
    once; after that node dies, the person resumes on the first from their
    position and misses nothing."""
    alice, bob = company.people["alice"], company.people["bob"]
    a, b = (n.running for n in nodes)
    on_b = await Live.connect(b, bob.token)
    start = await on_b.request({"op": "sub_me"})
    alice_a = Api(a.http, alice.token)
    group = await alice_a.call("POST", "/api/channels", {"name": "Cross", "is_private": True})
    await alice_a.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    told = await on_b.wait(lambda f: f["type"] == "personal", seconds=5)
    assert told["seq"] == start["seq"] + 1 and told["data"]["channel_id"] == group["id"]

    await nodes[1].kill()
    await on_b.closed
    await on_b.close()
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")  # while offline
    on_a = await Live.connect(a, bob.token)
    subbed = await on_a.request({"op": "sub_me", "epoch": told["epoch"], "seq": told["seq"]})
    # After the invitation: its notification, the leave, and the notification
    # taken away (a private group he may no longer read).
    assert subbed["recovered"] is True and subbed["seq"] == told["seq"] + 3
    await on_a.wait(lambda f: f["type"] == "personal" and f["seq"] == subbed["seq"])
    missed = [f for f in on_a.frames if f["type"] == "personal"]
    assert [(f["kind"], f["seq"]) for f in missed] == [
        ("notification.added", told["seq"] + 1),
        ("membership.removed", told["seq"] + 2),
        ("notification.removed", told["seq"] + 3),
    ]
    await on_a.close()
    await alice_a.close()
