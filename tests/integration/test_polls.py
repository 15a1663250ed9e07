"""Polls in posts, on both backends: made with the post, voted, changed and
withdrawn with results moving live for every reader of the channel; shown
the same in pages, threads, replay, search and home; named polls naming
voters and anonymous ones naming nobody (in any payload, admins' included);
closing (early or by time) making results final; rights lost when leaving;
a deleted or hidden post's poll gone with it; bad input refused clearly,
changing nothing; and the vote rows usage figures count."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from server.db import Database
from server.settings import Settings
from tests.support.clients import ApiError, Company, Live
from tests.support.moderation import reported


async def _group(company: Company, *members: str, private: bool = True) -> dict[str, Any]:
    alice = company.people["alice"]
    group: dict[str, Any] = await alice.api.call(
        "POST", "/api/channels", {"name": "ランチ会", "is_private": private}
    )
    for name in members:
        await alice.api.call(
            "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [company.people[name].id]}
        )
    return group


async def _poll_post(company: Company, group: dict[str, Any], **poll: Any) -> dict[str, Any]:
    spec = {"options": ["寿司", "ラーメン", "カレー"], **poll}
    made = await company.people["alice"].api.call(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "お昼どこ? ぽーる", "poll": spec}
    )
    post: dict[str, Any] = made["post"]
    return post


def _polls_in(value: Any) -> list[dict[str, Any]]:
    """Every poll a payload carries, however deep."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "poll" and isinstance(inner, dict):
                found.append(inner)
            else:
                found += _polls_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _polls_in(inner)
    return found


def _counts(poll: dict[str, Any]) -> list[int]:
    return [o["votes"] for o in poll["options"]]


async def test_a_named_poll_moves_live_and_reads_the_same_everywhere(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await _group(company, "bob")
    channel = await bob.api.call("GET", f"/api/channels/{group['id']}")
    live = await Live.connect(company.server, alice.token)
    await live.request(
        {"op": "sub", "channel": group["id"], "epoch": channel["epoch"], "seq": channel["seq"]}
    )
    post = await _poll_post(company, group)
    poll = post["poll"]
    assert poll["multiple"] is False and poll["anonymous"] is False and poll["closed"] is False
    assert [o["text"] for o in poll["options"]] == ["寿司", "ラーメン", "カレー"]
    assert _counts(poll) == [0, 0, 0] and poll["voters"] == 0
    sushi, ramen, curry = (o["id"] for o in poll["options"])

    voted = await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [ramen]})
    assert voted["poll"]["mine"] == [ramen] and _counts(voted["poll"]) == [0, 1, 0]
    seen = await live.wait(
        lambda f: f.get("kind") == "poll.voted" and _counts(f["data"]["poll"]) == [0, 1, 0]
    )
    assert seen["data"]["poll"]["options"][1]["voters"] == [{"id": bob.id, "display_name": "Bob"}]
    assert "mine" not in seen["data"]["poll"]
    # The same choice again changes nothing; a change moves the vote.
    again = await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [ramen]})
    assert again["seq"] == voted["seq"]
    await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [sushi]})
    await alice.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [sushi]})
    await live.wait(
        lambda f: f.get("kind") == "poll.voted" and _counts(f["data"]["poll"]) == [2, 0, 0]
    )

    # Every read shows the poll the same way, with one's own choice.
    page = await bob.api.call("GET", f"/api/channels/{group['id']}/posts")
    shown = page["posts"][-1]["poll"]
    assert _counts(shown) == [2, 0, 0] and shown["voters"] == 2 and shown["mine"] == [sushi]
    assert [v["id"] for v in shown["options"][0]["voters"]] == [bob.id, alice.id]
    thread = await bob.api.call("GET", f"/api/posts/{post['id']}")
    assert thread["post"]["poll"] == shown
    found = await bob.api.call("GET", "/api/search?q=ぽーる")
    assert found["results"][0]["post"]["poll"] == shown
    home = await bob.api.call("GET", "/api/home")
    assert next(i for i in home["posts"] if i["post"]["id"] == post["id"])["post"]["poll"] == shown
    events = await bob.api.call(
        "GET", f"/api/channels/{group['id']}/events?epoch={channel['epoch']}&seq={channel['seq']}"
    )
    last = [e for e in events["events"] if e["kind"] == "poll.voted"][-1]
    assert {**last["data"]["poll"], "mine": [sushi]} == shown

    # Withdrawn; an edit of the question keeps the poll as it is.
    out = await bob.api.call("DELETE", f"/api/posts/{post['id']}/vote")
    assert out["poll"]["mine"] == [] and _counts(out["poll"]) == [1, 0, 0]
    edited = await alice.api.call("PATCH", f"/api/posts/{post['id']}", {"body": "お昼は?"})
    assert _counts(edited["post"]["poll"]) == [1, 0, 0]

    # Bob leaves: he can no longer vote, nor see it.
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    with pytest.raises(ApiError, match="404"):
        await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [curry]})
    with pytest.raises(ApiError, match="404"):
        await bob.api.call("DELETE", f"/api/posts/{post['id']}/vote")

    # Closed early by its author: final, votes refused; the event says so.
    closed = await alice.api.call("POST", f"/api/posts/{post['id']}/poll/close", {})
    assert closed["poll"]["closed"] is True
    await live.wait(lambda f: f.get("kind") == "poll.closed")
    with pytest.raises(ApiError, match="409"):
        await alice.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [curry]})
    with pytest.raises(ApiError, match="409"):
        await alice.api.call("DELETE", f"/api/posts/{post['id']}/vote")
    with pytest.raises(ApiError, match="409"):
        await alice.api.call("POST", f"/api/posts/{post['id']}/poll/close", {})
    after = await alice.api.call("GET", f"/api/posts/{post['id']}")
    assert _counts(after["post"]["poll"]) == [1, 0, 0] and after["post"]["poll"]["closed"]
    await live.close()


async def test_an_anonymous_poll_names_nobody_and_a_deleted_post_takes_its_poll(
    company: Company,
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "bob", "carol", private=False)
    await company.admin.call("POST", f"/api/channels/{group['id']}/join")
    channel = await alice.api.call("GET", f"/api/channels/{group['id']}")
    post = await _poll_post(company, group, anonymous=True, multiple=True)
    a, _b, c = (o["id"] for o in post["poll"]["options"])
    await carol.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [a, c]})
    await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [c]})

    payloads: list[Any] = []
    for api in (alice.api, company.admin):
        payloads += [
            await api.call("GET", f"/api/posts/{post['id']}"),
            await api.call("GET", "/api/home"),
            await api.call("GET", "/api/search?q=ぽーる"),
        ]
    payloads.append(await alice.api.call("GET", f"/api/channels/{group['id']}/posts"))
    payloads.append(
        await alice.api.call(
            "GET", f"/api/channels/{group['id']}/events?epoch={channel['epoch']}&seq=0"
        )
    )
    found = _polls_in(payloads)
    assert len(found) > 8 and all(p["anonymous"] for p in found)
    assert all(o["voters"] is None for p in found for o in p["options"])
    raw = json.dumps(found, ensure_ascii=False)
    assert '"votes": 2' in raw and '"voters": 2' in raw
    assert "Bob" not in raw and "Carol" not in raw and "user" not in raw
    assert all(not p.get("mine") for p in found)  # alice and the admin voted nothing
    # Each sees only their own choice.
    mine = await carol.api.call("GET", f"/api/posts/{post['id']}")
    assert mine["post"]["poll"]["mine"] == [a, c]
    assert all(o["voters"] is None for o in mine["post"]["poll"]["options"])

    # Deleted: its poll leaves every read and the log; votes find nothing.
    await alice.api.call("DELETE", f"/api/posts/{post['id']}")
    with pytest.raises(ApiError, match="404"):
        await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [a]})
    events = await alice.api.call(
        "GET", f"/api/channels/{group['id']}/events?epoch={channel['epoch']}&seq=0"
    )
    assert "寿司" not in json.dumps(events, ensure_ascii=False)
    assert all(
        e["data"].get("poll") is None and (e["data"].get("post") or {}).get("poll") is None
        for e in events["events"]
    )


async def test_a_hidden_post_takes_its_poll_and_time_closes_a_poll(
    company: Company, settings: Settings
) -> None:
    _alice, bob = company.people["alice"], company.people["bob"]
    group = await _group(company, "bob")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    post = await _poll_post(company, group, closes_at=soon)
    assert post["poll"]["closes_at"] is not None
    first = post["poll"]["options"][0]["id"]
    await bob.api.call("PUT", f"/api/posts/{post['id']}/vote", {"options": [first]})

    # The closing time passes (moved in the database): results final.
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE poll SET closes_at = :t WHERE post_id = :p"),
                {"t": datetime.now(UTC) - timedelta(minutes=1), "p": post["id"]},
            )
            used = (
                await conn.execute(
                    text("SELECT count(DISTINCT user_id) FROM poll_vote WHERE voted_at >= :since"),
                    {"since": datetime.now(UTC) - timedelta(days=30)},
                )
            ).scalar_one()
            assert used == 1  # the usage figure: people who voted in the last 30 days
    finally:
        await db.close()
    shown = (await bob.api.call("GET", f"/api/posts/{post['id']}"))["post"]["poll"]
    assert shown["closed"] is True and _counts(shown) == [1, 0, 0] and shown["mine"] == [first]
    with pytest.raises(ApiError, match="409"):
        await bob.api.call("DELETE", f"/api/posts/{post['id']}/vote")

    # A moderator hides another poll's post: gone for bob, votes refused.
    other = await _poll_post(company, group)
    report = await reported(company, bob, other["id"])
    await company.admin.call(
        "POST", f"/api/moderation/reports/{report}/decision", {"action": "hide", "reason": "spam"}
    )
    with pytest.raises(ApiError, match="404"):
        await bob.api.call(
            "PUT",
            f"/api/posts/{other['id']}/vote",
            {"options": [other["poll"]["options"][0]["id"]]},
        )
    page = await bob.api.call("GET", f"/api/channels/{group['id']}/posts")
    assert [p["id"] for p in page["posts"]] == [post["id"]]


async def test_bad_input_is_refused_clearly_and_changes_nothing(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "bob")
    path = f"/api/channels/{group['id']}/posts"
    before = await alice.api.call("GET", path)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    specs: list[dict[str, Any]] = [
        {"options": []},
        {"options": ["one"]},
        {"options": [f"o{i}" for i in range(1000)]},
        {"options": ["a", ""]},
        {"options": ["a", "   "]},
        {"options": ["同じ", "同じ"]},
        {"options": ["ＡＢＣ", "abc"]},
        {"options": ["a", "x" * 201]},
        {"options": ["a", "b"], "closes_at": past},
        {"options": ["a", "b"], "closes_at": "2026-13-01"},
        {"options": ["a", "b"], "closes_at": "2030-01-01T00:00:00"},  # no zone
        {"options": ["a", 2]},
        {"options": "a,b"},
        {"options": ["a", "b"], "multiple": "yes"},
        {"options": ["a", "b"], "colour": "red"},
    ]
    for spec in specs:
        with pytest.raises(ApiError, match="422"):
            await alice.api.call("POST", path, {"body": "q", "poll": spec})
    with pytest.raises(ApiError, match="422"):  # a poll needs its question
        await alice.api.call("POST", path, {"body": "", "poll": {"options": ["a", "b"]}})
    assert await alice.api.call("GET", path) == before

    post = await _poll_post(company, group)
    other = await _poll_post(company, group, multiple=True)
    mine = (await alice.api.call("GET", path))["posts"]
    with pytest.raises(ApiError, match="400"):  # a comment carries no poll
        await bob.api.call(
            "POST",
            f"/api/posts/{post['id']}/comments",
            {"body": "x", "poll": {"options": ["a", "b"]}},
        )
    ids = [o["id"] for o in post["poll"]["options"]]
    others = [o["id"] for o in other["poll"]["options"]]
    vote = f"/api/posts/{post['id']}/vote"
    with pytest.raises(ApiError, match="400"):  # another poll's option
        await bob.api.call("PUT", vote, {"options": [others[0]]})
    with pytest.raises(ApiError, match="400"):  # several in a single-choice poll
        await bob.api.call("PUT", vote, {"options": ids[:2]})
    bodies: list[dict[str, Any]] = [
        {"options": []},
        {"options": [ids[0], ids[0]]},
        {"options": ["1"]},
        {},
    ]
    for body in bodies:
        with pytest.raises(ApiError, match="422"):
            await bob.api.call("PUT", vote, body)
    with pytest.raises(ApiError, match="404"):  # carol is not in the private group
        await carol.api.call("PUT", vote, {"options": [ids[0]]})
    plain = await alice.api.call("POST", path, {"body": "no poll here"})
    with pytest.raises(ApiError, match="400"):
        await bob.api.call("PUT", f"/api/posts/{plain['post']['id']}/vote", {"options": [ids[0]]})
    with pytest.raises(ApiError, match="403"):  # only its author or a moderator closes it
        await bob.api.call("POST", f"/api/posts/{post['id']}/poll/close", {})
    after = (await alice.api.call("GET", path))["posts"]
    assert [p for p in after if p["id"] != plain["post"]["id"]] == mine

    # In an open department channel, a reader who is not a member cannot vote.
    eng = next(
        c
        for c in await alice.api.call("GET", "/api/channels")
        if c["department_id"] == company.departments["Engineering"]
    )
    made = await alice.api.call(
        "POST", f"/api/channels/{eng['id']}/posts", {"body": "q", "poll": {"options": ["a", "b"]}}
    )
    option = made["post"]["poll"]["options"][0]["id"]
    assert (await carol.api.call("GET", f"/api/posts/{made['post']['id']}"))["post"]["poll"]
    with pytest.raises(ApiError, match="403"):
        await carol.api.call("PUT", f"/api/posts/{made['post']['id']}/vote", {"options": [option]})
    page = await carol.api.call("GET", f"/api/posts/{made['post']['id']}")
    assert _counts(page["post"]["poll"]) == [0, 0]
