"""Scheduled announcements across two nodes (PostgreSQL and Redis), both running
the publishing job every 0.2 s: each announcement due is published exactly
once (one ``announcement.published`` per recipient, one ``published_at``),
whichever node claims it, and a recipient connected to either node gets it
live. A confirmation through one node reaches the author's page on the other
as a ``tallied`` frame."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from tests.support.backends import (
    PG_DATABASE,
    check_redis,
    clean_postgres,
    prepare_postgres,
    settings_for,
)
from tests.support.clients import Company, Live, make_company
from tests.support.servers import Node
from tests.support.timing import wait_for


@pytest.fixture
async def cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[list[Node], Company]]:
    await prepare_postgres()
    await clean_postgres()
    await check_redis()
    monkeypatch.setenv("ANNOUNCE_INTERVAL", "0.2")  # the nodes' environment
    settings = settings_for("postgres", tmp_path)
    nodes = [Node(settings) for _ in range(2)]
    try:
        for node in nodes:
            await node.start()
        company = await make_company(nodes[0].running)
        yield nodes, company
        await company.close()
    finally:
        for node in nodes:
            await node.kill()


async def test_a_scheduled_announcement_is_published_once_by_one_of_two_nodes(
    cluster: tuple[list[Node], Company],
) -> None:
    nodes, company = cluster
    a, b = (n.running for n in nodes)
    alice, carol = company.people["alice"], company.people["carol"]
    on_a = await Live.connect(a, alice.token)
    on_b = await Live.connect(b, carol.token)
    for live in (on_a, on_b):
        await live.request({"op": "sub_me"})

    soon = datetime.now(UTC) + timedelta(seconds=2)
    made = [
        await company.admin.call(
            "POST",
            "/api/announcements",
            {
                "title": f"予定 {i}",
                "body": "本文",
                "must_read": True,
                "publish_at": soon.isoformat(),
            },
        )
        for i in range(3)
    ]
    assert all(m["published_at"] is None for m in made)
    ids = {m["id"] for m in made}

    def told(live: Live) -> set[int]:
        return {
            f["data"]["announcement"]["id"]
            for f in live.frames
            if f["type"] == "personal" and f["kind"] == "announcement.published"
        }

    await wait_for(lambda: told(on_a) == ids and told(on_b) == ids, 20, "both told")
    # A few more rounds of both jobs: nothing is published again.
    await wait_for(lambda: datetime.now(UTC) > soon + timedelta(seconds=1.5), 10, "more rounds")
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DATABASE}")
    try:
        events = await conn.fetch(
            "SELECT user_id, count(*) AS n FROM person_event"
            " WHERE kind = 'announcement.published' GROUP BY user_id"
        )
        people = await conn.fetchval("SELECT count(*) FROM account WHERE is_active")
        published = await conn.fetchval(
            "SELECT count(*) FROM announcement WHERE published_at IS NOT NULL"
        )
    finally:
        await conn.close()
    assert published == 3
    assert len(events) == people and {r["n"] for r in events} == {3}
    assert sum(1 for f in on_a.frames if f.get("kind") == "announcement.published") == 3

    # The author watches on node B; alice confirms through node A.
    first = made[0]["id"]
    watcher = await Live.connect(b, await company.admin.new_token("watch"))
    await alice.api.call("POST", f"/api/announcements/{first}/confirm")
    await watcher.wait(lambda f: f["type"] == "tallied" and f["announcement"] == first)
    rate = await company.admin.call("GET", f"/api/announcements/{first}/confirmations")
    assert rate["confirmed"] == 1
    for live in (on_a, on_b, watcher):
        await live.close()
