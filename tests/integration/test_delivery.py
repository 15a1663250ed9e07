"""Delivery guarantees: state + events == fresh state; slow consumers are cut
off with 4501 and resume without loss; SIGTERM closes with 4500; hot paths
keep a fixed number of queries."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from websockets.exceptions import ConnectionClosed

from bus.memory import MemoryBus
from channels import reads
from channels.actions.posts import do_create_post
from org.models import User
from server.db import Database
from server.settings import Settings
from tests.support.backends import settings_for
from tests.support.clients import Company, Live, department_channel, make_company
from tests.support.reducer import fresh_channel
from tests.support.servers import Node, serve
from tests.support.timing import deadline


async def test_state_plus_events_equals_fresh_state_over_the_socket(company: Company) -> None:
    """The writes of the socket (tests/integration/test_state_events.py does every
    action over HTTP), interleaved by two people."""
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    seed = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "seed"})
    state, header = await fresh_channel(bob.api, eng["id"])
    live = await Live.connect(company.server, bob.token)
    await live.request(
        {"op": "sub", "channel": eng["id"], "epoch": header["epoch"], "seq": header["seq"]}
    )

    a = await Live.connect(company.server, alice.token)
    p1 = (await a.request({"op": "post", "channel": eng["id"], "body": "one"}))["post"]["id"]
    p2 = (await a.request({"op": "post", "channel": eng["id"], "body": "two"}))["post"]["id"]
    await a.request({"op": "edit", "post": p1, "body": "one, edited"})
    await live.request({"op": "like", "post": p1})
    await a.request({"op": "like", "post": p1})
    await a.request({"op": "unlike", "post": p1})
    c = (await live.request({"op": "comment", "post": p2, "body": "c"}))["post"]["id"]
    await a.request({"op": "comment", "post": p2, "body": "d"})
    await live.request({"op": "delete", "post": c})
    last = await a.request({"op": "delete", "post": seed["post"]["id"]})
    await live.wait(lambda f: f["type"] == "event" and f["seq"] == last["seq"])

    for ev in live.events(eng["id"]):
        state.apply(ev)
    fresh, head = await fresh_channel(bob.api, eng["id"])
    assert state == fresh
    assert head["seq"] == last["seq"]
    await live.close()
    await a.close()


async def test_slow_consumer_is_cut_off_and_resumes_without_loss(
    settings: Settings, tmp_path: Path
) -> None:
    # A small outbox, but above what one batch of posts sends a client that reads
    # (the batch's events and, to the poster, their acks).
    small = dataclasses.replace(settings, outbox_frames=20, post_batch=5)
    async with serve(small) as server:
        company = await make_company(server)
        alice, bob = company.people["alice"], company.people["bob"]
        eng = await department_channel(alice.api, company.departments["Engineering"])
        healthy = await Live.connect(server, alice.token)
        await healthy.request({"op": "sub", "channel": eng["id"]})
        # A client that stops reading: its (small) socket buffers fill, then its outbox.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((server.host, server.port))
        sock.setblocking(False)
        # (Without compression: repeated text would shrink to nothing on the wire.)
        slow = await Live.connect(server, bob.token, max_queue=1, sock=sock, compression=None)
        await slow.request({"op": "sub", "channel": eng["id"]})
        slow._reader.cancel()
        big = "遅" * 9000
        total = 150  # under the frame-rate burst allowance (200)
        for i in range(total):  # pipelined: acks are awaited below, via the healthy client
            await healthy.send({"op": "post", "channel": eng["id"], "body": f"{i} {big}"})
        await healthy.wait(lambda f: f["type"] == "event" and f["seq"] == eng["seq"] + total)

        received: list[dict[str, Any]] = []
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(deadline(30)):
                async for message in slow.ws:
                    received.append(json.loads(message))
        assert slow.ws.close_code == 4501
        last = max((f["seq"] for f in received if f["type"] == "event"), default=eng["seq"])
        assert last < eng["seq"] + total

        resumed = await Live.connect(server, bob.token)
        subbed = await resumed.request(
            {"op": "sub", "channel": eng["id"], "epoch": eng["epoch"], "seq": last}
        )
        assert subbed["recovered"] is True
        await resumed.wait(lambda f: f["type"] == "event" and f["seq"] == eng["seq"] + total)
        seqs = [f["seq"] for f in received if f["type"] == "event"] + [
            f["seq"] for f in resumed.events(eng["id"])
        ]
        assert seqs == list(range(eng["seq"] + 1, eng["seq"] + total + 1))
        await healthy.close()
        await resumed.close()
        await company.close()


async def test_sigterm_closes_sockets_with_reconnect_code(tmp_path: Path) -> None:
    node = Node(settings_for("sqlite", tmp_path))
    await node.start()
    try:
        company = await make_company(node.running)
        live = await Live.connect(node.running, company.people["alice"].token)
        await asyncio.sleep(0)  # the hello has been read; the node is idle
        stopping = asyncio.create_task(node.terminate())
        code, _ = await asyncio.wait_for(live.closed, deadline(20))
        assert code == 4500
        # uvicorn finishes the graceful shutdown, then re-raises the signal it caught,
        # so the exit status says "ended by SIGTERM" (not SIGKILL, not an error).
        assert await stopping in (0, -signal.SIGTERM)
        await company.close()
    finally:
        await node.kill()


@contextmanager
def count_queries(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_hot_paths_have_fixed_query_counts(company: Company, settings: Settings) -> None:
    alice = company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    db = Database(settings.database_url)
    try:
        async with db.reader() as session:
            user = await session.get(User, alice.id)
        assert user is not None
        counts = []
        for n in (3, 40):
            while True:
                page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
                if len(page["posts"]) >= n:
                    break
                await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "q"})
            with count_queries(db) as statements:
                async with db.reader() as session:
                    await reads.history_page(session, user, eng["id"])
            counts.append(len(statements))
        # access with the member count, then one query for posts, authors,
        # departments and likes, and one for the page's polls (channels/polls.py)
        assert counts == [3, 3]

        with count_queries(db) as statements:
            async with db.reader() as session:
                await reads.thread(session, user, page["posts"][0]["id"])
        assert len(statements) == 3

        with count_queries(db) as statements:
            async with db.writer() as session:
                await do_create_post(session, MemoryBus(), user, eng["id"], "counted", "qc-1")
        # the author as they are now (with their department), access, insert
        # post, its row in the search index, seq bump, insert event, and notify/'s
        # one question when nobody is mentioned: who follows the channel with "all"
        assert len(statements) == 7, statements
    finally:
        await db.close()
