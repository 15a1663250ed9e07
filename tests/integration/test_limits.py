"""Limits per person, not only per connection: how many sockets one holds, how
fast one writes over HTTP and how many frames all of one's sockets send."""

from __future__ import annotations

import asyncio
import dataclasses

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from server.settings import Settings
from tests.support.clients import Live, make_company
from tests.support.servers import Running, serve
from tests.support.timing import deadline


async def test_sockets_writes_and_frames_are_limited_per_person(settings: Settings) -> None:
    tight = dataclasses.replace(
        settings,
        max_sockets_per_person=3,
        http_write_rate=1,
        http_write_burst=5,
        person_frame_rate=1,
        person_frame_burst=8,
    )
    async with serve(tight) as server:
        company = await make_company(server)
        alice, bob = company.people["alice"], company.people["bob"]
        sockets = [await Live.connect(server, alice.token) for _ in range(3)]
        fourth = await _refused_or_closed(server, alice.token)
        assert fourth == 4008
        # Someone else is not held up by Alice's sockets.
        other = await Live.connect(server, bob.token)

        # Frames: her three sockets together draw from one bucket of 8.
        answers = []
        for n in range(12):
            answers.append(await sockets[n % 3].request({"op": "ping"}))
        refused = [a for a in answers if a["type"] == "error"]
        assert len(refused) == 4 and all(a["code"] == "rate_limited" for a in refused)
        assert (await other.request({"op": "ping"}))["type"] == "pong"

        # HTTP writes: a burst of five (one went on making her token), then a wait
        # with Retry-After (the bucket refills at 1/s: a slow machine may let one
        # more through); reads go on, and others write on.
        group = await bob.api.call("POST", "/api/channels", {"name": "g"})
        writes = [
            await alice.api.raw("POST", f"/api/channels/{group['id']}/join") for _ in range(12)
        ]
        codes = [r.status_code for r in writes]
        assert codes[:4] == [200] * 4 and codes.count(429) >= 6, codes
        assert all(r.headers["retry-after"] == "1" for r in writes if r.status_code == 429)
        assert (await alice.api.raw("GET", "/api/channels")).status_code == 200
        assert (await bob.api.raw("POST", f"/api/channels/{group['id']}/leave")).status_code == 200
        for live in (*sockets, other):
            await live.close()
        await company.close()


async def _refused_or_closed(server: Running, token: str) -> int | None:
    """The close code a new socket gets (None if it stays open)."""
    async with connect(
        server.ws,
        subprotocols=[Subprotocol("json")],
        additional_headers={"authorization": f"Bearer {token}"},
    ) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), deadline(5))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


async def test_a_nul_in_a_search_is_refused_not_a_500(settings: Settings) -> None:
    async with serve(settings) as server:
        company = await make_company(server)
        api = company.people["alice"].api
        for path in ("/api/users?q=%00", "/api/channels?q=a%00b"):
            answer = await api.raw("GET", path)
            assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid"
        await company.close()
