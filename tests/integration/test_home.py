"""The home feed (``GET /api/home``, the ``home`` op) and catching up
(``POST /api/home/read``, the ``read_all`` op), on both backends: unread posts
first and then the rest, newest first in each; pages that cross from one to
the other; only channels one is in, with the read rule inside the query
(private groups, closed departments, someone moved out, someone deactivated);
the same statements for 1 channel as for 50; "mark all read" moving every
position with a ``read.moved`` each; bad input answered clearly with nothing
changed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from channels import home, reading
from org.models import User
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, Company, Live, Person, add_person, department_channel


async def _post(person: Person, channel_id: int, body: str) -> dict[str, Any]:
    made: dict[str, Any] = await person.api.call(
        "POST", f"/api/channels/{channel_id}/posts", {"body": body}
    )
    return made


async def _feed(api: Api, **params: Any) -> list[tuple[str, bool]]:
    """Every post of one's feed, page after page: (body, unread)."""
    seen: list[tuple[str, bool]] = []
    while True:
        page = await api.call("GET", "/api/home", params=params)
        assert page["must_read"] == []
        seen.extend((item["post"]["body"], item["unread"]) for item in page["posts"])
        if page["section"] is None:
            assert page["before"] is None
            return seen
        params = {**params, "section": page["section"]}
        if page["before"] is not None:
            params["before"] = page["before"]
        else:
            params.pop("before", None)


async def _group(owner: Person, name: str, *members: Person, private: bool = False) -> int:
    group = await owner.api.call("POST", "/api/channels", {"name": name, "is_private": private})
    if members:
        ids = [m.id for m in members]
        await owner.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": ids})
    channel_id: int = group["id"]
    return channel_id


async def test_unread_first_then_read_newest_first_in_pages(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    club = await _group(alice, "Photo club", bob)
    first = await _post(alice, eng["id"], "e1")
    await _post(alice, club, "c1")
    await _post(bob, eng["id"], "bob's own")  # never unread for bob
    second = await _post(alice, eng["id"], "e2")
    await _post(alice, club, "c2")
    # Bob reads Engineering up to e1: e1 and his own post are read, e2 is not.
    await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": first["seq"]})

    expected = [
        ("c2", True),
        ("e2", True),
        ("c1", True),
        ("bob's own", False),
        ("e1", False),
    ]
    assert await _feed(bob.api) == expected
    for limit in (1, 2, 3, 50):  # pages of any size cross the sections alike
        assert await _feed(bob.api, limit=limit) == expected, limit

    page = await bob.api.call("GET", "/api/home", params={"limit": 2})
    assert (page["section"], page["before"]) == ("unread", page["posts"][1]["post"]["id"])
    item = page["posts"][1]
    assert item["channel"] == {"id": eng["id"], "name": eng["name"], "kind": "department"}
    assert item["seq"] == second["seq"] and item["unread"] is True
    post = item["post"]
    assert post["id"] == second["post"]["id"] and post["html"] == "<p>e2</p>"
    assert post["author"]["display_name"] == "Alice" and post["author"]["department"]
    assert (post["comment_count"], post["like_count"], post["files"]) == (0, 0, [])
    # Comments and likes show as counts, not as items of the feed.
    await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": "nice"})
    await bob.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    page = await bob.api.call("GET", "/api/home", params={"limit": 2})
    post = page["posts"][1]["post"]
    assert (post["comment_count"], post["like_count"], post["liked_by_me"]) == (1, 1, True)
    # Exactly the unread section in a page: the read section is next, from its top.
    page = await bob.api.call("GET", "/api/home", params={"limit": 3})
    assert (page["section"], page["before"]) == ("read", None)
    # Alice wrote everything but bob's post.
    assert await _feed(alice.api) == [
        ("bob's own", True),
        ("c2", False),
        ("e2", False),
        ("c1", False),
        ("e1", False),
    ]

    # A deleted post leaves the feed; reading a channel moves its posts down.
    await alice.api.call("DELETE", f"/api/posts/{second['post']['id']}")
    await bob.api.call("PUT", f"/api/channels/{club}/read", {"seq": 10**6})
    assert await _feed(bob.api) == [
        ("c2", False),
        ("bob's own", False),
        ("c1", False),
        ("e1", False),
    ]


async def test_pages_merge_the_newest_of_each_channel_in_order(company: Company) -> None:
    """Each channel's newest posts are taken apart and merged: pages of any
    size give every post once, newest first, whichever channel holds it and
    however deep it lies in its channel."""
    alice, bob = company.people["alice"], company.people["bob"]
    clubs = [await _group(alice, f"Merge {i}", bob) for i in range(3)]
    # Uneven: club 0 holds most posts, in runs; bob reads club 1 part way.
    order = [0, 0, 0, 1, 2, 0, 1, 1, 0, 0, 2, 0]
    made = [await _post(alice, clubs[c], f"m{i}") for i, c in enumerate(order)]
    await bob.api.call("PUT", f"/api/channels/{clubs[1]}/read", {"seq": made[6]["seq"]})
    read = {3, 6}  # club 1's posts up to m6
    expected = [(f"m{i}", True) for i in reversed(range(len(order))) if i not in read]
    expected += [(f"m{i}", False) for i in sorted(read, reverse=True)]
    for limit in (1, 2, 3, 5, 50):
        assert await _feed(bob.api, limit=limit) == expected, limit
    # Everything read: the read section alone, in the same order.
    await bob.api.call("POST", "/api/home/read")
    everything = [(f"m{i}", False) for i in reversed(range(len(order)))]
    for limit in (1, 4, 50):
        assert await _feed(bob.api, limit=limit) == everything, limit


async def test_what_came_before_joining_is_not_unread(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    club = await _group(alice, "Board games")
    await _post(alice, club, "before")
    assert await _feed(carol.api) == []  # not in it yet: not in her feed
    await carol.api.call("POST", f"/api/channels/{club}/join")
    await _post(alice, club, "after")
    assert await _feed(carol.api) == [("after", True), ("before", False)]


async def test_only_channels_one_is_in_and_may_read(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    sales = await department_channel(carol.api, company.departments["Sales"])
    secret = await _group(alice, "Skunkworks", bob, private=True)
    await _post(alice, secret, "secret plan")
    await _post(alice, eng["id"], "eng news")  # open to read, but carol does not follow it
    await _post(carol, sales["id"], "sales news")
    assert await _feed(carol.api) == [("sales news", False)]
    assert [b for b, _ in await _feed(bob.api)] == ["eng news", "secret plan"]
    live = await Live.connect(company.server, carol.token)
    answer = await live.request({"op": "home"})
    assert answer["type"] == "home" and [i["post"]["body"] for i in answer["posts"]] == [
        "sales news"
    ]
    await live.close()

    # A closed department: only its people, whatever their role elsewhere.
    legal = await company.admin.call("POST", "/api/departments", {"name": "Legal"})
    dave = await add_person(company, "dave", legal["id"])
    closed = await department_channel(dave.api, legal["id"])
    await _post(dave, closed["id"], "merger")
    assert await _feed(dave.api) == [("merger", False)]
    for other in (alice, bob, carol):
        assert "merger" not in [b for b, _ in await _feed(other.api)]

    # Leaving the group, or being moved to another department: gone at once.
    await bob.api.call("POST", f"/api/channels/{secret}/leave")
    assert [b for b, _ in await _feed(bob.api)] == ["eng news"]
    await company.admin.call(
        "PATCH", f"/api/users/{bob.id}", {"department_id": company.departments["Sales"]}
    )
    assert [b for b, _ in await _feed(bob.api)] == ["sales news"]
    # Deactivated: no feed at all.
    await company.admin.call("PATCH", f"/api/users/{dave.id}", {"is_active": False})
    r = await dave.api.raw("GET", "/api/home")
    assert r.status_code == 401


async def test_the_same_statements_for_one_channel_as_for_fifty(
    company: Company, settings: Settings
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    first = await _group(alice, "Group 0", bob)
    await _post(alice, first, "0")
    db = Database(settings.database_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    async def cost(limit: int) -> tuple[int, int]:
        async with db.reader() as session:
            user = await session.get(User, bob.id)
        assert user is not None
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            async with db.engine.connect() as conn:
                page = await home.home_page(conn, user, limit=limit)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        return len(page.posts), len(statements)

    try:
        # Both sections: one unread post, one read (bob's department's is older).
        eng = await department_channel(bob.api, company.departments["Engineering"])
        mine = await _post(bob, eng["id"], "own")
        # One statement a section, and one for the page's polls (channels/polls.py).
        assert await cost(20) == (2, 3)
        groups = [first]
        for i in range(1, 50):
            groups.append(await _group(alice, f"Group {i}", bob))
        for group in groups[1:]:
            await _post(alice, group, f"in {group}")
        await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": mine["seq"]})
        assert await cost(20) == (20, 2)  # unread posts alone fill the page
        assert await cost(50) == (50, 2)  # exactly the unread section
        await bob.api.call("PUT", f"/api/channels/{first}/read", {"seq": 10**6})
        assert await cost(50) == (50, 3)  # 49 unread, then the read ones
    finally:
        await db.close()
    assert len(await _feed(bob.api)) == 51


async def test_mark_all_read_moves_every_position_and_tells_every_device(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    clubs = [await _group(alice, f"Club {i}", bob) for i in range(3)]
    heads = {}
    for channel_id in [eng["id"], *clubs[:2]]:  # the third club has nothing new
        heads[channel_id] = (await _post(alice, channel_id, f"news {channel_id}"))["seq"]
    await bob.api.call("PUT", f"/api/channels/{clubs[2]}/read", {"seq": 10**6})
    phone = await Live.connect(company.server, bob.token)
    assert (await phone.request({"op": "sub_me"}))["type"] == "subbed_me"

    done = await bob.api.call("POST", "/api/home/read")
    assert sorted(done["channels"], key=lambda s: s["channel_id"]) == [
        {"channel_id": c, "seq": s, "unread": 0} for c, s in sorted(heads.items())
    ]
    told: dict[int, Any] = {}
    while len(told) < len(heads):
        moved = await phone.wait(
            lambda f: (
                f["type"] == "personal"
                and f["kind"] == "read.moved"
                and f["data"]["channel_id"] not in told
            )
        )
        told[moved["data"]["channel_id"]] = moved["data"]
    assert told == {c: {"channel_id": c, "seq": s, "unread": 0} for c, s in heads.items()}
    listed = await bob.api.call("GET", "/api/channels?joined=1")
    assert {c["id"]: c["unread"] for c in listed if c["id"] in heads} == dict.fromkeys(heads, 0)
    assert all(not unread for _, unread in await _feed(bob.api))
    # Nothing left behind: a second time moves nothing and tells no one.
    mark = len(phone.frames)
    assert await bob.api.call("POST", "/api/home/read") == {"channels": []}
    answer = await phone.request({"op": "read_all"})
    assert answer == {"type": "read_all", "id": answer["id"], "channels": []}
    await phone.request({"op": "ping"})
    assert not [f for f in phone.frames[mark:] if f["type"] == "personal"]
    # The socket's op does what the route does.
    await _post(alice, eng["id"], "more")
    answer = await phone.request({"op": "read_all"})
    assert [s["channel_id"] for s in answer["channels"]] == [eng["id"]]
    await phone.close()


async def test_mark_all_read_goes_a_batch_at_a_time(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every channel, whatever their number, in units of a bounded size."""
    alice, bob = company.people["alice"], company.people["bob"]
    clubs = [await _group(alice, f"Batch {i}", bob) for i in range(5)]
    for club in clubs:
        await _post(alice, club, "hi")
    monkeypatch.setattr(reading, "READ_ALL_BATCH", 2)
    done = await bob.api.call("POST", "/api/home/read")
    assert len(done["channels"]) == 5 + 1  # the clubs and his department
    assert all(not unread for _, unread in await _feed(bob.api))


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], "keep me")
    before = await _feed(bob.api)
    refused = [
        ({"section": "all"}, "section"),
        ({"section": "UNREAD"}, "section"),
        ({"before": "x"}, "before"),
        ({"before": "-1"}, "before"),
        ({"before": "0"}, "before"),
        ({"before": "99999999999"}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ]
    for params, name in refused:
        r = await bob.api.raw("GET", "/api/home", params=params)
        assert r.status_code == 400, (params, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid" and error["message"].startswith(name), (params, error)
    # A cursor past everything, or from another person's feed: an empty page.
    assert (await bob.api.call("GET", "/api/home", params={"before": "1"}))["posts"] == []

    live = await Live.connect(company.server, bob.token)
    for frame in (
        {"op": "home", "section": "all"},
        {"op": "home", "before": 0},
        {"op": "home", "before": "5"},
        {"op": "home", "limit": 0},
        {"op": "home", "limit": 51},
        {"op": "home", "extra": 1},
        {"op": "read_all", "channel": eng["id"]},
    ):
        answer = await live.request(frame)
        assert (answer["type"], answer.get("code")) == ("error", "invalid"), (frame, answer)
    await live.close()
    assert await _feed(bob.api) == before == [("keep me", True)]
