"""Files on two nodes sharing PostgreSQL, Redis and an S3 bucket (a real
SeaweedFS on loopback, started here): what is uploaded through one node
downloads through the other, and rights changed through one are obeyed by the
other at the next request."""

from __future__ import annotations

import dataclasses
import io
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from PIL import Image

from files.storage.s3 import S3Storage
from server.settings import Settings
from tests.support.clients import Api, Company, Live
from tests.support.samples import PDF, photo_with_orientation_6
from tests.support.seaweed import SeaweedFS, seaweedfs
from tests.support.servers import Node


@pytest.fixture(scope="module")
def seaweed() -> Iterator[SeaweedFS]:
    with seaweedfs() as server:
        yield server


@pytest.fixture
async def cluster_settings(cluster_settings: Settings, seaweed: SeaweedFS) -> Settings:
    """The cluster's, with one S3 bucket for both nodes."""
    return dataclasses.replace(
        cluster_settings,
        s3_bucket=seaweed.bucket,
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key=seaweed.secret_key,
        s3_prefix="t" + secrets.token_hex(6),
    )


@pytest.fixture(autouse=True)
async def no_errors_logged(nodes: list[Node]) -> AsyncIterator[None]:
    """Every request here is one a node should answer without logging an error."""
    yield
    for node in nodes:
        assert not node.errors(), node.errors()


async def _bucket_keys(settings: Settings) -> list[str]:
    store = S3Storage(
        bucket=settings.s3_bucket or "",
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        prefix=settings.s3_prefix,
    )
    try:
        return sorted([info.key async for info in store.list()])
    finally:
        await store.close()


async def test_uploaded_through_one_node_downloaded_through_the_other(
    company: Company, nodes: list[Node], cluster_settings: Settings
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    on_a = alice.api  # node 0
    on_b = Api(nodes[1].running.http, bob.token)
    group = await on_a.call("POST", "/api/channels", {"name": "Race photos", "is_private": True})
    await on_a.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    live_b = await Live.connect(nodes[1].running, bob.token)
    await live_b.request({"op": "sub", "channel": group["id"]})

    big = secrets.token_bytes(5 * 1024 * 1024)  # several multipart parts
    blob = (await on_a.raw("POST", "/api/files", content=big, params={"name": "記録.bin"})).json()
    photo = await on_a.raw(
        "POST", "/api/files", content=photo_with_orientation_6(), params={"name": "goal.jpg"}
    )
    pic = photo.json()
    await on_a.call(
        "POST",
        f"/api/channels/{group['id']}/posts",
        {"body": "ゴール！", "files": [pic["id"], blob["id"]]},
    )
    event = await live_b.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    assert [f["id"] for f in event["data"]["post"]["files"]] == [pic["id"], blob["id"]]

    whole = await on_b.raw("GET", f"/api/files/{blob['id']}/content")
    assert whole.status_code == 200 and whole.content == big
    part = await on_b.raw(
        "GET", f"/api/files/{blob['id']}/content", headers={"range": "bytes=4000000-4000099"}
    )
    assert part.status_code == 206 and part.content == big[4_000_000:4_000_100]
    full = await on_b.raw("GET", f"/api/files/{pic['id']}/content")
    assert Image.open(io.BytesIO(full.content)).size == (200, 300)
    assert (await on_b.raw("GET", f"/api/files/{pic['id']}/thumb")).status_code == 200
    keys = await _bucket_keys(cluster_settings)
    assert keys == sorted(
        [f"f/{blob['id']}/original", f"f/{pic['id']}/display", f"f/{pic['id']}/thumb"]
    )

    # Bob leaves through node 0; node 1 refuses his next download.
    bob_on_a = Api(nodes[0].running.http, bob.token)
    await bob_on_a.call("POST", f"/api/channels/{group['id']}/leave")
    await bob_on_a.close()
    gone = await on_b.raw("GET", f"/api/files/{pic['id']}/content")
    assert gone.status_code == 404
    await live_b.close()
    await on_b.close()


async def test_a_deleted_posts_files_are_gone_from_every_node(
    company: Company, nodes: list[Node]
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channels = await alice.api.call("GET", "/api/channels")
    eng = next(c for c in channels if c["department_id"] == company.departments["Engineering"])
    made = (await alice.api.raw("POST", "/api/files", content=PDF, params={"name": "a.pdf"})).json()
    post = await alice.api.call(
        "POST", f"/api/channels/{eng['id']}/posts", {"body": "", "files": [made["id"]]}
    )
    on_b = Api(nodes[1].running.http, bob.token)
    url = f"/api/files/{made['id']}/content"
    assert (await on_b.raw("GET", url)).content == PDF
    await alice.api.call("DELETE", f"/api/posts/{post['post']['id']}")
    assert (await on_b.raw("GET", url)).status_code == 404
    await on_b.close()
