"""Retention on two nodes sharing PostgreSQL, Redis and an S3 bucket (a real
SeaweedFS on loopback): both run their rounds every fraction of a second, and
each post past the limit is deleted exactly once (one ``post.deleted`` in the
log and on the socket), with its file's objects gone from the bucket."""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import asyncpg
import pytest

from core.clock import utcnow
from server.settings import Settings
from tests.multinode.test_files_across_nodes import _bucket_keys
from tests.support.backends import PG_URL
from tests.support.clients import Company, Live
from tests.support.samples import PDF
from tests.support.seaweed import SeaweedFS, seaweedfs
from tests.support.servers import Node
from tests.support.timing import wait_for

OLD, NEW = 230, 5  # more old posts than one claim takes (200), so both nodes claim


@pytest.fixture(scope="module")
def seaweed() -> Iterator[SeaweedFS]:
    with seaweedfs() as server:
        yield server


@pytest.fixture
async def cluster_settings(cluster_settings: Settings, seaweed: SeaweedFS) -> Settings:
    return dataclasses.replace(
        cluster_settings,
        s3_bucket=seaweed.bucket,
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key=seaweed.secret_key,
        s3_prefix="t" + secrets.token_hex(6),
        retention_interval=0.3,
    )


@pytest.fixture(autouse=True)
async def no_errors_logged(nodes: list[Node]) -> AsyncIterator[None]:
    yield
    for node in nodes:
        assert not node.errors(), node.errors()


async def test_each_post_past_retention_is_deleted_once_by_two_nodes(
    company: Company, nodes: list[Node], cluster_settings: Settings
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Ephemeral"})
    gid = group["id"]
    made = (await alice.api.raw("POST", "/api/files", content=PDF, params={"name": "a.pdf"})).json()
    old = [
        (
            await alice.api.call(
                "POST",
                f"/api/channels/{gid}/posts",
                {"body": f"old {i}", **({"files": [made["id"]]} if i == 0 else {})},
            )
        )["post"]["id"]
        for i in range(OLD)
    ]
    new = [
        (await alice.api.call("POST", f"/api/channels/{gid}/posts", {"body": f"new {i}"}))["post"][
            "id"
        ]
        for i in range(NEW)
    ]
    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "UPDATE post SET created_at = $1 WHERE id = ANY($2::int[])",
            utcnow() - timedelta(days=10),
            old,
        )
        assert f"f/{made['id']}/original" in await _bucket_keys(cluster_settings)
        await bob.api.call("POST", f"/api/channels/{gid}/join")
        live = await Live.connect(nodes[1].running, bob.token)
        await live.request({"op": "sub", "channel": gid})

        await company.admin.call("PUT", f"/api/channels/{gid}/retention", {"days": 7})

        async def all_gone() -> bool:
            return len(live.events(gid, "post.deleted")) >= OLD

        await wait_for(all_gone, 60, "every old post deleted")
        page = await bob.api.call("GET", f"/api/channels/{gid}/posts")
        assert sorted(p["id"] for p in page["posts"]) == new
        logged = Counter(
            r["post_id"]
            for r in await conn.fetch(
                "SELECT post_id FROM channel_event WHERE channel_id = $1 AND kind = 'post.deleted'",
                gid,
            )
        )
        assert sorted(logged) == old and set(logged.values()) == {1}
        seen = Counter(e["data"]["post_id"] for e in live.events(gid, "post.deleted"))
        assert sorted(seen) == old and set(seen.values()) == {1}

        async def bytes_gone() -> bool:
            return not [k for k in await _bucket_keys(cluster_settings) if made["id"] in k]

        await wait_for(bytes_gone, 30, "the file's objects removed from the bucket")
        await live.close()
    finally:
        await conn.close()
