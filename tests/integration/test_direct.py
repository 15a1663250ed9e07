"""Direct messages (channels of kind ``direct``) on both databases: starting a
conversation (one person or a group, the same one again), what is refused and
leaves nothing behind, privacy against everyone else (admins included) in
every read, history from the moment one was added, blocking, leaving, and
deactivated people's conversations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import Api, ApiError, Company, Live, Person, add_person
from tests.support.samples import screenshot_png


async def _start(person: Person, *others: Person) -> dict[str, Any]:
    return dict(await person.api.call("POST", "/api/direct", {"user_ids": [o.id for o in others]}))


async def _post(person: Person, channel_id: int, body: str, **extra: Any) -> dict[str, Any]:
    answer = await person.api.call(
        "POST", f"/api/channels/{channel_id}/posts", {"body": body, **extra}
    )
    return dict(answer["post"])


async def _status(api: Api, method: str, path: str, body: Any = None, **kw: Any) -> int:
    return (await api.raw(method, path, body, **kw)).status_code


async def _ids(company: Company, prefix: str, n: int) -> list[int]:
    """``n`` more people (no sessions: only their ids are needed)."""
    ids = []
    for i in range(n):
        user = await company.admin.call(
            "POST",
            "/api/users",
            {
                "email": f"{prefix}{i}@example.com",
                "display_name": f"{prefix.title()} Number {i}",
                "password": "correct horse battery staple",
            },
        )
        ids.append(user["id"])
    return ids


async def _conversations(person: Person) -> list[dict[str, Any]]:
    joined = await person.api.call("GET", "/api/channels?joined=1")
    return [c for c in joined if c["kind"] == "direct"]


async def test_a_conversation_of_two_is_one_whoever_starts_it(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    first = await _start(alice, bob)
    assert first["kind"] == "direct" and first["is_member"] and first["member_count"] == 2
    assert [p["display_name"] for p in first["people"]] == ["Bob"]
    assert first["can_post"] and not first["can_join"] and not first["can_leave"]
    assert not first["can_invite"] and not first["can_edit"] and not first["can_mention_channel"]
    again = await _start(alice, bob)
    back = await bob.api.call("POST", "/api/direct", {"user_ids": [alice.id, bob.id]})
    assert again["id"] == back["id"] == first["id"]
    # In the sidebar's list of each of them, in nobody's directory.
    assert [c["id"] for c in await _conversations(bob)] == [first["id"]]
    for person in (alice, bob, carol):
        listed = await person.api.call("GET", "/api/channels")
        assert all(c["kind"] != "direct" for c in listed)
    # Leaving a conversation of two is refused: one mutes it, or blocks.
    assert await _status(alice.api, "POST", f"/api/channels/{first['id']}/leave") == 403
    muted = await alice.api.call("PUT", f"/api/channels/{first['id']}/notify", {"level": "none"})
    assert muted["level"] == "none"


async def test_a_group_of_the_same_people_is_the_same_conversation(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _start(alice, bob, carol)
    assert group["member_count"] == 3 and group["can_leave"] and group["can_invite"]
    assert (await _start(carol, alice, bob))["id"] == group["id"]
    # After someone left, the same set asked for is a new conversation.
    await carol.api.call("POST", f"/api/channels/{group['id']}/leave")
    assert await _status(carol.api, "GET", f"/api/channels/{group['id']}") == 404
    assert (await _start(alice, bob, carol))["id"] != group["id"]
    # The pair is not the group.
    assert (await _start(alice, bob))["id"] != group["id"]


@pytest.mark.parametrize(
    "case",
    ["only oneself", "nobody", "nonexistent", "deactivated", "nine others", "not a list"],
)
async def test_bad_starts_are_refused_and_store_nothing(company: Company, case: str) -> None:
    alice = company.people["alice"]
    others = await _ids(company, "person", 9)
    gone = others[0]
    await company.admin.call("PATCH", f"/api/users/{gone}", {"is_active": False})
    body: Any = {
        "only oneself": {"user_ids": [alice.id]},
        "nobody": {"user_ids": []},
        "nonexistent": {"user_ids": [999_999]},
        "deactivated": {"user_ids": [gone]},
        "nine others": {"user_ids": others},
        "not a list": {"user_ids": "everyone"},
    }[case]
    r = await alice.api.raw("POST", "/api/direct", body)
    # Not a valid body at all: 422, as for every route; a valid one refused: 400 or 404.
    expected = {"nonexistent": 404, "deactivated": 404, "nobody": 422, "not a list": 422}
    assert r.status_code == expected.get(case, 400), r.text
    assert r.json()["error"]["message"]
    assert await _conversations(alice) == []


async def test_eight_others_at_most(company: Company) -> None:
    alice = company.people["alice"]
    others = await _ids(company, "person", 9)
    group = await alice.api.call("POST", "/api/direct", {"user_ids": others[:8]})
    assert group["member_count"] == 9
    r = await alice.api.raw(
        "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [others[8]]}
    )
    assert r.status_code == 400 and "at most 9" in r.text
    assert (await alice.api.call("GET", f"/api/channels/{group['id']}"))["member_count"] == 9


async def test_only_its_people_read_it_admins_included(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dm = await _start(alice, bob)
    post = await _post(alice, dm["id"], "our secret plan")
    await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": "quiet reply"})
    for outsider in (carol.api, company.admin):
        for path in (
            f"/api/channels/{dm['id']}",
            f"/api/channels/{dm['id']}/posts",
            f"/api/channels/{dm['id']}/events?seq=0",
            f"/api/channels/{dm['id']}/members",
            f"/api/channels/{dm['id']}/files",
            f"/api/posts/{post['id']}",
            f"/api/posts/{post['id']}/likes",
        ):
            assert await _status(outsider, "GET", path) == 404, path
        found = await outsider.call("GET", "/api/search", params={"q": "secret"})
        assert found["results"] == []
        home = await outsider.call("GET", "/api/home")
        assert all(i["channel"]["id"] != dm["id"] for i in home["posts"])
        assert all(c["id"] != dm["id"] for c in await outsider.call("GET", "/api/channels"))
        r = await outsider.raw("POST", f"/api/channels/{dm['id']}/posts", {"body": "hi"})
        assert r.status_code == 404
    # Its people do find it.
    found = await bob.api.call("GET", "/api/search", params={"q": "secret"})
    assert [r["post"]["id"] for r in found["results"]] == [post["id"]]


async def test_people_added_read_from_then_on(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dave = await add_person(company, "dave", None, "でいぶ")
    group = await _start(alice, bob, carol)
    gid = group["id"]
    upload = await alice.api.raw(
        "POST", "/api/files", content=screenshot_png(), params={"name": "before.png"}
    )
    before = await _post(alice, gid, "earlier walrus", files=[upload.json()["id"]])
    await bob.api.call("POST", f"/api/posts/{before['id']}/comments", {"body": "earlier reply"})
    live = await Live.connect(company.server, dave.token)
    await alice.api.call("POST", f"/api/channels/{gid}/invite", {"user_ids": [dave.id]})
    seen = await dave.api.call("GET", f"/api/channels/{gid}")
    assert seen["is_member"] and seen["history_from"] is not None
    assert (await alice.api.call("GET", f"/api/channels/{gid}"))["history_from"] is None
    subbed = await live.request({"op": "sub", "channel": gid})
    assert subbed["type"] == "subbed"
    after = await _post(alice, gid, "later walrus")
    # Events about the earlier post come as stand-ins; the later post as itself.
    await alice.api.call("PATCH", f"/api/posts/{before['id']}", {"body": "earlier walrus, edited"})
    await bob.api.call("POST", f"/api/posts/{before['id']}/comments", {"body": "late to old"})
    await alice.api.call("PUT", f"/api/posts/{after['id']}/like", {})
    like = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "like.added")
    frames = live.events(gid)
    assert [f["kind"] for f in frames] == ["post.created", "withheld", "withheld", "like.added"]
    assert [f["seq"] for f in frames] == list(range(frames[0]["seq"], like["seq"] + 1))
    assert "earlier" not in str(live.frames) and "late to old" not in str(live.frames)

    page = await dave.api.call("GET", f"/api/channels/{gid}/posts")
    assert [p["id"] for p in page["posts"]] == [after["id"]]
    assert await _status(dave.api, "GET", f"/api/posts/{before['id']}") == 404
    assert await _status(dave.api, "GET", f"/api/posts/{before['id']}/likes") == 404
    r = await dave.api.raw("POST", f"/api/posts/{before['id']}/comments", {"body": "x"})
    assert r.status_code == 404
    found = await dave.api.call("GET", "/api/search", params={"q": "walrus"})
    assert [r["post"]["id"] for r in found["results"]] == [after["id"]]
    assert len((await bob.api.call("GET", "/api/search", params={"q": "walrus"}))["results"]) == 2
    for section in ("unread", "read"):
        home = await dave.api.call("GET", "/api/home", params={"section": section})
        assert before["id"] not in [i["post"]["id"] for i in home["posts"]]
    files = await dave.api.call("GET", f"/api/channels/{gid}/files")
    assert files["files"] == []
    assert await _status(dave.api, "GET", f"/api/files/{upload.json()['id']}") == 404
    mine = await dave.api.call("GET", f"/api/users/{alice.id}/files")
    assert mine["files"] == []
    replay = await dave.api.call(
        "GET", f"/api/channels/{gid}/events", params={"epoch": seen["epoch"], "seq": 0}
    )
    assert "earlier" not in str(replay) and "walrus" in str(replay)
    assert {e["kind"] for e in replay["events"] if e["seq"] <= 3} <= {
        "withheld",
        "member.joined",
    }
    # A fresh subscription from the start replays the same way.
    again = await Live.connect(company.server, dave.token)
    await again.request({"op": "sub", "channel": gid, "epoch": seen["epoch"], "seq": 0})
    await again.wait(lambda f: f["type"] == "event" and f["kind"] == "like.added")
    assert "earlier" not in str(again.frames)
    for c in (live, again):
        await c.close()


async def test_blocking_stops_the_conversation_of_two_both_ways(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dm = await _start(alice, bob)
    post = await _post(bob, dm["id"], "hello")
    blocked = await alice.api.call("PUT", f"/api/blocks/{bob.id}")
    assert [b["id"] for b in blocked] == [bob.id]
    for person in (alice, bob):
        seen = await person.api.call("GET", f"/api/channels/{dm['id']}")
        assert seen["blocked"] and not seen["can_post"] and not seen["can_comment"]
        for method, path, body in (
            ("POST", f"/api/channels/{dm['id']}/posts", {"body": "still?"}),
            ("POST", f"/api/posts/{post['id']}/comments", {"body": "still?"}),
            ("PUT", f"/api/posts/{post['id']}/like", {}),
        ):
            r = await person.api.raw(method, path, body)
            assert r.status_code == 403 and "blocked" in r.json()["error"]["message"], r.text
        # Still readable.
        page = await person.api.call("GET", f"/api/channels/{dm['id']}/posts")
        assert [p["id"] for p in page["posts"]] == [post["id"]]
    r = await bob.api.raw("POST", "/api/direct", {"user_ids": [alice.id]})
    assert r.status_code == 403
    r = await bob.api.raw("POST", "/api/direct", {"user_ids": [alice.id, carol.id]})
    assert r.status_code == 403
    # Only the one who blocked sees (and lifts) it.
    assert await bob.api.call("GET", "/api/blocks") == []
    assert (await bob.api.call("DELETE", f"/api/blocks/{alice.id}")) == []
    assert await _status(alice.api, "PUT", f"/api/blocks/{alice.id}") == 400
    assert await _status(alice.api, "PUT", "/api/blocks/999999") == 404
    assert await alice.api.call("DELETE", f"/api/blocks/{bob.id}") == []
    await _post(bob, dm["id"], "hello again")


async def test_a_block_keeps_people_out_of_each_others_group_conversations(
    company: Company,
) -> None:
    """Neither of two people across a block can add the other to a group
    conversation (that would start one with them); a conversation a third
    person brings them both into goes on for everyone in it (README,
    "Blocking"; docs/architecture.md)."""
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dave = await add_person(company, "dave", company.departments["Sales"])
    await alice.api.call("PUT", f"/api/blocks/{bob.id}")
    bobs = await _start(bob, carol, dave)
    alices = await _start(alice, carol, dave)
    for person, group, other in ((bob, bobs, alice), (alice, alices, bob)):
        r = await person.api.raw(
            "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [other.id]}
        )
        assert r.status_code == 403 and "blocked" in r.json()["error"]["message"], r.text
        seen = await carol.api.call("GET", f"/api/channels/{group['id']}")
        assert other.id not in {p["id"] for p in seen["people"]}
        assert await _status(other.api, "GET", f"/api/channels/{group['id']}/posts") == 404
    # Asked along with someone else, nobody is added.
    erin = await add_person(company, "erin", company.departments["Sales"])
    r = await bob.api.raw(
        "POST", f"/api/channels/{bobs['id']}/invite", {"user_ids": [erin.id, alice.id]}
    )
    assert r.status_code == 403
    seen = await carol.api.call("GET", f"/api/channels/{bobs['id']}")
    assert {p["id"] for p in seen["people"]} == {bob.id, dave.id}  # carol's others
    # ... but carol may bring both into hers: that conversation is everyone's,
    # and goes on (each may leave or mute it).
    await carol.api.call("POST", f"/api/channels/{bobs['id']}/invite", {"user_ids": [alice.id]})
    said = await _post(bob, bobs["id"], "hello all")
    page = await alice.api.call("GET", f"/api/channels/{bobs['id']}/posts")
    assert said["id"] in [p["id"] for p in page["posts"]]
    await alice.api.call("POST", f"/api/channels/{bobs['id']}/leave")
    assert await _status(alice.api, "GET", f"/api/channels/{bobs['id']}/posts") == 404
    # Once unblocked, adding is allowed again.
    await alice.api.call("DELETE", f"/api/blocks/{bob.id}")
    await bob.api.call("POST", f"/api/channels/{bobs['id']}/invite", {"user_ids": [alice.id]})


async def test_blocking_is_in_ones_own_stream(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    live = await Live.connect(company.server, alice.token)
    await live.request({"op": "sub_me"})
    await alice.api.call("PUT", f"/api/blocks/{bob.id}")
    await alice.api.call("DELETE", f"/api/blocks/{bob.id}")
    await live.wait(lambda f: f["type"] == "personal" and f["kind"] == "block.removed")
    kinds = [f["kind"] for f in live.frames if f["type"] == "personal"]
    assert kinds[-2:] == ["block.added", "block.removed"]
    await live.close()


async def test_a_deactivated_persons_conversation_stays_readable(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    dm = await _start(alice, bob)
    await _post(bob, dm["id"], "my last words")
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"is_active": False})
    (seen,) = await _conversations(alice)
    assert seen["people"] == [
        {"id": bob.id, "display_name": "Bob", "reading": "ぼぶ", "active": False}
    ]
    page = await alice.api.call("GET", f"/api/channels/{dm['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["my last words"]
    with pytest.raises(ApiError):
        await _start(alice, bob)
