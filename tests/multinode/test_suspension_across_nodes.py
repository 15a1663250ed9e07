"""A suspension decided through one node shuts the person out at once on
every node: each of their sockets closes (4003 ``suspended``), their
sessions answer 401, and signing in anywhere says until when."""

from __future__ import annotations

import asyncio

from tests.support.clients import Api, Company, Live
from tests.support.moderation import add_moderator
from tests.support.servers import Node
from tests.support.timing import deadline


async def test_a_suspension_disconnects_on_every_node(nodes: list[Node], company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    mona = await add_moderator(company)
    sockets = [await Live.connect(node.running, alice.token) for node in nodes]
    sessions = []
    for node in nodes:
        session = Api(node.running.http)
        await session.sign_in(alice.email, "password-alice")
        sessions.append(session)
    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "other"})
    # Decided through the first node; the second hears it on the bus alone.
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "suspend", "reason": "調査中", "duration_seconds": 86400},
    )
    for live in sockets:
        code, reason = await asyncio.wait_for(live.closed, deadline(5))
        assert (code, reason) == (4003, "suspended")
    for session in sessions:
        await session.call("GET", "/api/session", expect=401)
        await session.close()
    on_second = Api(nodes[1].running.http)
    r = await on_second.raw(
        "POST", "/api/session", {"email": alice.email, "password": "password-alice"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "suspended")
    await on_second.close()
    # A new socket with her token is refused on either node.
    for node in nodes:
        try:
            again = await Live.connect(node.running, alice.token)
        except Exception:
            continue
        code, _ = await asyncio.wait_for(again.closed, deadline(5))
        assert code in (4001, 4003)
