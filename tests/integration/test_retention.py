"""Per-channel retention, on both backends: an admin sets it (bad input and
non-admins change nothing), and a round deletes exactly the posts older than
the limit in that channel, with their comments, likes, files (the stored
bytes too) and search entries; open sockets drop them, and no page, thread,
search, home feed or replay shows them again. A second round finds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text

from core.clock import utcnow
from server.db import Database
from server.settings import Settings
from tests.integration.test_files import stored, upload
from tests.support.clients import Company, Live, department_channel
from tests.support.samples import PDF


async def backdate(settings: Settings, post_ids: list[int], days: int) -> None:
    """Make posts (and their comments) ``days`` old, as if written then."""
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE post SET created_at = :at WHERE id = :id OR parent_id = :id"),
                [{"at": utcnow() - timedelta(days=days), "id": i} for i in post_ids],
            )
    finally:
        await db.close()


async def _post(api: Any, channel_id: int, body: str, **extra: Any) -> int:
    made = await api.call("POST", f"/api/channels/{channel_id}/posts", {"body": body, **extra})
    return int(made["post"]["id"])


async def _search(api: Any, q: str) -> list[int]:
    page = await api.call("GET", "/api/search", params={"q": q})
    return [r["post"]["id"] for r in page["results"]]


async def test_retention_deletes_exactly_what_is_older_than_the_limit(
    company: Company, settings: Settings
) -> None:
    admin, alice, bob = company.admin, company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Lunch"})
    gid = group["id"]
    await bob.api.call("POST", f"/api/channels/{gid}/join")
    other = (await department_channel(alice.api, company.departments["Engineering"]))["id"]

    pdf = await upload(alice.api, PDF, "old.pdf")
    old = await _post(alice.api, gid, "ふるいおしらせ oldword", files=[pdf["id"]])
    comment = await bob.api.call("POST", f"/api/posts/{old}/comments", {"body": "commentword"})
    await bob.api.call("PUT", f"/api/posts/{old}/like", {})
    older = await _post(alice.api, gid, "another oldword")
    fresh = await _post(alice.api, gid, "newword")
    elsewhere = await _post(alice.api, other, "elsewhere oldword")
    await backdate(settings, [old, older, elsewhere], 40)
    await backdate(settings, [fresh], 29)
    assert any(k.startswith(f"f/{pdf['id']}/") for k in stored(settings))

    # Only admins, only sensible numbers; nothing changes otherwise.
    url = f"/api/channels/{gid}/retention"
    for body in ({"days": 0}, {"days": -1}, {"days": "x"}, {"days": 10**6}, {"nope": 1}, {}):
        r = await admin.raw("PUT", url, body)
        assert r.status_code == 422, (body, r.text)
    assert (await alice.api.raw("PUT", url, {"days": 30})).status_code == 403
    assert (
        await admin.raw("PUT", "/api/channels/99999/retention", {"days": 30})
    ).status_code == 404
    rules = {r["channel_id"]: r["days"] for r in await admin.call("GET", "/api/retention")}
    assert rules[gid] is None and rules[other] is None
    assert (await alice.api.raw("GET", "/api/retention")).status_code == 403

    set_ = await admin.call("PUT", url, {"days": 30})
    assert set_["days"] == 30 and set_["channel_id"] == gid
    (entry,) = (await admin.call("GET", "/api/audit", params={"action": "retention.changed"}))[
        "entries"
    ]
    assert entry["old"] == {"days": None} and entry["new"] == {"days": 30}

    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": gid})
    services = company.server.app.state.services
    assert await services.retention.run_once() == 2
    await live.wait(
        lambda f: (
            f["type"] == "event" and f["kind"] == "post.deleted" and f["data"]["post_id"] == older
        )
    )
    gone = {e["data"]["post_id"] for e in live.events(gid, "post.deleted")}
    assert gone == {old, older}

    page = await bob.api.call("GET", f"/api/channels/{gid}/posts")
    assert [p["id"] for p in page["posts"]] == [fresh]
    for post_id in (old, older, comment["post"]["id"]):
        assert (await bob.api.raw("GET", f"/api/posts/{post_id}")).status_code == 404
    assert (await alice.api.raw("GET", f"/api/files/{pdf['id']}")).status_code == 404
    assert not [k for k in stored(settings) if k.startswith(f"f/{pdf['id']}/")]
    assert await _search(bob.api, "oldword") == [elsewhere]
    assert await _search(bob.api, "commentword") == []
    assert await _search(bob.api, "newword") == [fresh]
    home = await bob.api.call("GET", "/api/home")
    assert {i["post"]["id"] for i in home["posts"]} & {old, older} == set()
    # No replay carries their text any more.
    replay = await bob.api.call(
        "GET", f"/api/channels/{gid}/events", params={"epoch": group["epoch"], "seq": 0}
    )
    said = str(replay["events"])
    assert "oldword" not in said and "commentword" not in said and "newword" in said
    likes = await bob.api.raw("GET", f"/api/posts/{old}/likes")
    assert likes.status_code == 404

    # Once: a second round finds nothing, and the other channel kept its post.
    assert await services.retention.run_once() == 0
    assert len(live.events(gid, "post.deleted")) == 2
    assert (await bob.api.raw("GET", f"/api/posts/{elsewhere}")).status_code == 200
    # Taking the limit away keeps what is left.
    assert (await admin.call("PUT", url, {"days": None}))["days"] is None
    await backdate(settings, [fresh], 400)
    assert await services.retention.run_once() == 0
    await live.close()


async def test_direct_conversations_have_no_retention(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    dm = await alice.api.call("POST", "/api/direct", {"user_ids": [bob.id]})
    # Admins cannot see it (404), and its people are not admins (403).
    r = await company.admin.raw("PUT", f"/api/channels/{dm['id']}/retention", {"days": 1})
    assert r.status_code == 404
