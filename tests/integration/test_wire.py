"""Frames reach sockets two ways (server/wire.py): written straight to the
transport under the node's own uvicorn protocol, or through ASGI under any
other server. Both deliver the same frames in the same order."""

from __future__ import annotations

import pytest

from server.settings import Settings
from server.wire import AsgiWire, DirectWire
from tests.support.clients import Live, department_channel, make_company
from tests.support.servers import serve

POSTS = 40


@pytest.mark.parametrize(
    ("overrides", "wire_type"),
    [({}, DirectWire), ({"ws": "websockets-sansio"}, AsgiWire)],
    ids=["direct", "asgi"],
)
async def test_both_wires_deliver_everything_in_order(
    settings: Settings, overrides: dict[str, str], wire_type: type
) -> None:
    async with serve(settings, **overrides) as server:
        company = await make_company(server)
        alice, bob = company.people["alice"], company.people["bob"]
        channel = await department_channel(alice.api, company.departments["Engineering"])
        a = await Live.connect(server, alice.token)
        b = await Live.connect(server, bob.token, encoding="msgpack")
        for live in (a, b):
            await live.request({"op": "sub", "channel": channel["id"]})
        hub = server.app.state.services.hub
        assert {type(c.wire) for c in hub.connections} == {wire_type}

        # Sent back to back, without waiting for acks: the events and the acks
        # interleave on alice's socket, and every frame must arrive once, in order.
        for i in range(POSTS):
            await a.send({"op": "post", "channel": channel["id"], "body": f"p{i}", "cid": f"c{i}"})
        last = channel["seq"] + POSTS
        for live in (a, b):
            await live.wait(lambda f: f["type"] == "event" and f["seq"] == last)
            events = live.events(channel["id"], "post.created")
            assert [e["seq"] for e in events] == list(range(channel["seq"] + 1, last + 1))
            assert [e["data"]["post"]["body"] for e in events] == [f"p{i}" for i in range(POSTS)]
        await a.wait(lambda f: f["type"] == "ack" and f["seq"] == last)
        acks = [f for f in a.frames if f["type"] == "ack"]
        assert sorted(f["seq"] for f in acks) == list(range(channel["seq"] + 1, last + 1))
        await a.close()
        await b.close()
        await company.close()
