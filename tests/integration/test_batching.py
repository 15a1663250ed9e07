"""Posts that arrive together are written together (server/batching.py), and
each still answers for itself: the good ones are acked in order, a refused
one gets its error and changes nothing, a retried one answers as its first
copy did."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from bus.memory import MemoryBus
from channels.actions import channels, people, posts
from channels.models import ChannelCreate
from channels.reads import history_page
from org.models import UserCreate
from server import batching
from server.batching import PostBatcher
from server.db import Database
from server.metrics import Metrics
from streams.unit import run
from tests.support.clients import Company, Live, department_channel

POSTS = 30
BASE = 100_000  # frame ids of this test's own, apart from Live.request's


def _posts_and_batches(metrics: str) -> tuple[float, float]:
    total = re.search(r"^kaisha_post_batch_size_sum (\S+)$", metrics, re.M)
    count = re.search(r"^kaisha_post_batch_size_count (\S+)$", metrics, re.M)
    assert total and count, metrics
    return float(total.group(1)), float(count.group(1))


def _answer_to(frame_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("id") == frame_id and f["type"] != "event"


async def test_a_burst_is_written_in_batches_and_each_post_answers_for_itself(
    company: Company,
) -> None:
    alice = company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    sales = await department_channel(alice.api, company.departments["Sales"])
    first = await alice.api.call(
        "POST", f"/api/channels/{eng['id']}/posts", {"body": "before", "cid": "early"}
    )
    live = await Live.connect(company.server, alice.token)
    await live.request({"op": "sub", "channel": eng["id"]})
    async with httpx.AsyncClient(base_url=company.server.http) as http:
        posts0, batches0 = _posts_and_batches((await http.get("/metrics")).text)

    # Back to back, without waiting for answers: good posts, one to a channel
    # alice is not in (refused), and a retry of the post made above.
    frames = [
        {"op": "post", "channel": eng["id"], "body": f"p{i}", "cid": f"burst-{i}", "id": BASE + i}
        for i in range(POSTS)
    ]
    refused = {"op": "post", "channel": sales["id"], "body": "x", "id": BASE - 1}
    retried = {"op": "post", "channel": eng["id"], "body": "before", "cid": "early", "id": BASE - 2}
    frames.insert(10, refused)
    frames.insert(20, retried)
    for frame in frames:
        await live.send(frame)

    answers: dict[int, dict[str, Any]] = {}
    for frame in frames:
        answers[frame["id"]] = await live.wait(_answer_to(frame["id"]))
    assert answers[refused["id"]]["type"] == "error"
    assert answers[refused["id"]]["code"] == "forbidden"
    assert answers[retried["id"]]["type"] == "ack" and answers[retried["id"]]["duplicate"]
    assert answers[retried["id"]]["seq"] == first["seq"]
    good = [answers[BASE + i] for i in range(POSTS)]
    assert all(a["type"] == "ack" and not a["duplicate"] for a in good)
    # Written in the order sent: seqs follow one another.
    assert [a["seq"] for a in good] == list(range(first["seq"] + 1, first["seq"] + 1 + POSTS))

    last = first["seq"] + POSTS
    await live.wait(lambda f: f["type"] == "event" and f["seq"] == last)
    events = live.events(eng["id"], "post.created")
    assert [e["data"]["post"]["body"] for e in events] == [f"p{i}" for i in range(POSTS)]
    page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert [p["body"] for p in page["posts"]][-POSTS - 1 :] == [
        "before",
        *(f"p{i}" for i in range(POSTS)),
    ]
    assert (await alice.api.call("GET", f"/api/channels/{sales['id']}/posts"))["posts"] == []

    async with httpx.AsyncClient(base_url=company.server.http) as http:
        posts1, batches1 = _posts_and_batches((await http.get("/metrics")).text)
    assert posts1 - posts0 == len(frames)
    assert batches1 - batches0 < len(frames), "posts sent together were written one by one"
    await live.close()


async def test_concurrent_http_posts_are_each_written_once(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    path = f"/api/channels/{eng['id']}/posts"
    bodies = [(who, f"{name}-{i}") for i in range(10) for who, name in ((alice, "a"), (bob, "b"))]
    written = await asyncio.gather(
        *(who.api.call("POST", path, {"body": body, "cid": body}) for who, body in bodies),
        # The same writes again, retried at once: each must be applied once.
        *(who.api.call("POST", path, {"body": body, "cid": body}) for who, body in bodies),
    )
    first, again = written[: len(bodies)], written[len(bodies) :]
    assert sorted(w["seq"] for w in first) == list(range(eng["seq"] + 1, eng["seq"] + 21))
    assert [w["seq"] for w in again] == [w["seq"] for w in first]
    page = await alice.api.call("GET", path)
    assert sorted(p["body"] for p in page["posts"]) == sorted(body for _, body in bodies)


async def test_a_batch_whose_transaction_fails_is_retried_post_by_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transient failure of a whole batch (a lost connection, a deadlock) costs
    no post: each is tried again alone, and answers for itself."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/k.db")
    await db.migrate()
    bus = MemoryBus()
    async with db.writer() as session:
        person = UserCreate(email="a@example.com", display_name="A", password="long password")
        author = await run(session, bus, lambda unit: people.create_user(unit, person))
    async with db.writer() as session:
        channel = await channels.do_create_channel(session, bus, author, ChannelCreate(name="g"))
    assert channel.id is not None

    write_together = posts.do_create_posts
    failed: list[int] = []

    async def fails_once_together(*args: Any) -> list[Any]:
        batch = args[-1]
        if len(batch) > 1 and not failed:
            failed.append(len(batch))
            raise OperationalError("INSERT", {}, Exception("connection lost"))
        answers: list[Any] = await write_together(*args)
        return answers

    monkeypatch.setattr(batching, "do_create_posts", fails_once_together)
    batcher = PostBatcher(db, bus, Metrics(published=lambda: 0), max_batch=10)
    answers = [
        batcher.submit(posts.NewPost(author, channel.id, f"p{i}", f"c{i}")) for i in range(5)
    ]
    written = await asyncio.gather(*answers)
    await batcher.close()
    assert failed == [5]  # all five were waiting: one batch, which failed
    assert [w.seq for w in written] == list(range(written[0].seq, written[0].seq + 5))
    async with db.reader() as session:
        page = await history_page(session, author, channel.id)
    assert [p.body for p in page.posts] == [f"p{i}" for i in range(5)]
    await db.close()
