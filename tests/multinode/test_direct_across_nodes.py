"""Direct conversations on two nodes (PostgreSQL + Redis): a member on each
node gets the other's messages live, a stranger probing both nodes gets "not
found" over HTTP and the socket and no frame of it, someone added to a group
conversation on one node gets the earlier posts withheld on the other, and
leaving through one node ends the feed on the other."""

from __future__ import annotations

from tests.support.clients import Api, Company, Live, add_person
from tests.support.servers import Node


async def test_a_conversation_is_private_across_nodes(nodes: list[Node], company: Company) -> None:
    a, b = (n.running for n in nodes)
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    alice_a, bob_b = Api(a.http, alice.token), Api(b.http, bob.token)
    dm = await alice_a.call("POST", "/api/direct", {"user_ids": [bob.id]})
    # Started again through the other node, by the other person: the same one.
    assert (await bob_b.call("POST", "/api/direct", {"user_ids": [alice.id]}))["id"] == dm["id"]

    on_a = await Live.connect(a, alice.token)
    on_b = await Live.connect(b, bob.token)
    strangers = [await Live.connect(node, carol.token) for node in (a, b)]
    for live in (on_a, on_b):
        assert (await live.request({"op": "sub", "channel": dm["id"]}))["type"] == "subbed"
    for live in strangers:
        answer = await live.request({"op": "sub", "channel": dm["id"]})
        assert (answer["type"], answer["code"]) == ("error", "not_found")

    sent = await bob_b.call("POST", f"/api/channels/{dm['id']}/posts", {"body": "psst, node B"})
    got = await on_a.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    assert got["data"]["post"]["body"] == "psst, node B"
    await alice_a.call("POST", f"/api/channels/{dm['id']}/posts", {"body": "heard, node A"})
    await on_b.wait(lambda f: f["type"] == "event" and "heard, node A" in str(f.get("data")))

    for node in (a, b):
        carol_here = Api(node.http, carol.token)
        for path in (
            f"/api/channels/{dm['id']}",
            f"/api/channels/{dm['id']}/posts",
            f"/api/posts/{sent['post']['id']}",
        ):
            assert (await carol_here.raw("GET", path)).status_code == 404, path
        found = await carol_here.call("GET", "/api/search", params={"q": "psst"})
        assert found["results"] == []
        await carol_here.close()
    for live in strangers:
        assert all(f["type"] != "event" for f in live.frames)
        assert "psst" not in str(live.frames) and "heard" not in str(live.frames)

    # A group conversation: carol added through node A reads it from then on,
    # on node B too; leaving through A ends her feed on B.
    dora = await add_person(company, "dora", company.departments["Sales"])
    trio = await alice_a.call("POST", "/api/direct", {"user_ids": [bob.id, dora.id]})
    old = await alice_a.call("POST", f"/api/channels/{trio['id']}/posts", {"body": "before carol"})
    await alice_a.call("POST", f"/api/channels/{trio['id']}/invite", {"user_ids": [carol.id]})
    carol_b = strangers[1]
    assert (await carol_b.request({"op": "sub", "channel": trio["id"]}))["type"] == "subbed"
    await alice_a.call("PATCH", f"/api/posts/{old['post']['id']}", {"body": "before carol, edited"})
    await alice_a.call("POST", f"/api/channels/{trio['id']}/posts", {"body": "after carol"})
    await carol_b.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    kinds = [f["kind"] for f in carol_b.frames if f["type"] == "event"]
    assert kinds == ["withheld", "post.created"]
    assert "before carol" not in str(carol_b.frames)
    carol_a = Api(a.http, carol.token)
    await carol_a.call("POST", f"/api/channels/{trio['id']}/leave")
    told = await carol_b.wait(lambda f: f["type"] == "unsubbed", seconds=5)
    assert told["channel"] == trio["id"] and told["reason"] == "access_lost"

    for live in (on_a, on_b, *strangers):
        await live.close()
    for api in (alice_a, bob_b, carol_a):
        await api.close()
    assert [node.errors() for node in nodes] == [[], []]
