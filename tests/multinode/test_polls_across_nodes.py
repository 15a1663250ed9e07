"""A poll on two nodes (PostgreSQL + Redis): votes made through one node and
by several people at once move the bars live on the other with exact counts,
and someone who left the channel through one node can no longer vote through
the other."""

from __future__ import annotations

import asyncio

from tests.support.clients import Api, Company, Live
from tests.support.servers import Node


async def test_votes_through_one_node_move_the_poll_on_the_other(
    nodes: list[Node], company: Company
) -> None:
    a, b = (n.running for n in nodes)
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    alice_a = Api(a.http, alice.token)
    group = await alice_a.call("POST", "/api/channels", {"name": "Lunch", "is_private": True})
    await alice_a.call(
        "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id, carol.id]}
    )
    made = await alice_a.call(
        "POST",
        f"/api/channels/{group['id']}/posts",
        {"body": "Lunch?", "poll": {"options": ["Sushi", "Ramen"]}},
    )
    post = made["post"]
    sushi = post["poll"]["options"][0]["id"]
    watcher = await Live.connect(b, alice.token)
    await watcher.request({"op": "sub", "channel": group["id"]})

    # Three people at once, through both nodes: the last event counts all three.
    voters = [Api(a.http, bob.token), Api(b.http, carol.token), Api(b.http, alice.token)]
    await asyncio.gather(
        *(v.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [sushi]}) for v in voters)
    )
    seen = await watcher.wait(
        lambda f: f.get("kind") == "poll.voted" and f["data"]["poll"]["voters"] == 3
    )
    assert seen["data"]["poll"]["options"][0]["votes"] == 3

    # Bob leaves through node A: node B refuses his vote as for a post he cannot see.
    await voters[0].call("POST", f"/api/channels/{group['id']}/leave")
    bob_b = Api(b.http, bob.token)
    refused = await bob_b.raw("DELETE", f"/api/posts/{post['id']}/vote")
    assert refused.status_code == 404
    await bob_b.close()
    for api in (*voters, alice_a):
        await api.close()
    await watcher.close()
