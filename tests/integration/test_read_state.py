"""Read state kept by the server: unread counts per channel from each person's
read position, the same on every device, moving forward only, and never
counting what came before one joined."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Api, Company, Live, department_channel


async def _listed(api: Api, channel_id: int) -> dict[str, Any]:
    channels = await api.call("GET", "/api/channels?joined=1")
    found: dict[str, Any] = next(c for c in channels if c["id"] == channel_id)
    return found


async def test_unread_counts_what_others_said_since_the_position(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    posts = f"/api/channels/{eng['id']}/posts"
    first = await alice.api.call("POST", posts, {"body": "one"})
    await alice.api.call("POST", posts, {"body": "two"})
    await alice.api.call("POST", f"/api/posts/{first['post']['id']}/comments", {"body": "c"})
    await alice.api.call("PUT", f"/api/posts/{first['post']['id']}/like", {})  # not unread
    mine = await bob.api.call("POST", posts, {"body": "bob's own"})  # not unread for bob
    seen = await _listed(bob.api, eng["id"])
    assert (seen["read_seq"], seen["unread"]) == (0, 3)
    assert (await _listed(alice.api, eng["id"]))["unread"] == 1  # bob's post
    one = await bob.api.call("GET", f"/api/channels/{eng['id']}")
    assert one["unread"] == 3

    state = await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": first["seq"]})
    assert state == {"channel_id": eng["id"], "seq": first["seq"], "unread": 2}
    state = await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": mine["seq"]})
    assert state["unread"] == 0
    # Behind the kept position: nothing moves back.
    back = await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": 1})
    assert (back["seq"], back["unread"]) == (mine["seq"], 0)
    # Past the head: cut to it.
    ahead = await bob.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": 10**9})
    assert ahead["seq"] == (await bob.api.call("GET", f"/api/channels/{eng['id']}"))["seq"]


async def test_reading_on_one_device_clears_the_badge_on_the_other(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    made = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "news"})
    phone = await Live.connect(company.server, bob.token)
    desk = await Live.connect(company.server, bob.token, encoding="msgpack")
    for device in (phone, desk):
        assert (await device.request({"op": "sub_me"}))["type"] == "subbed_me"
    answer = await phone.request({"op": "read", "channel": eng["id"], "seq": made["seq"]})
    assert answer == {
        "type": "read",
        "id": answer["id"],
        "channel": eng["id"],
        "seq": made["seq"],
        "unread": 0,
    }
    moved = await desk.wait(lambda f: f["type"] == "personal" and f["kind"] == "read.moved")
    assert moved["data"] == {"channel_id": eng["id"], "seq": made["seq"], "unread": 0}
    # Asking again for the same position changes nothing and tells no one.
    mark = len(desk.frames)
    await phone.request({"op": "read", "channel": eng["id"], "seq": made["seq"]})
    await desk.request({"op": "ping"})
    assert not [f for f in desk.frames[mark:] if f["type"] == "personal"]
    for device in (phone, desk):
        await device.close()


async def test_what_came_before_joining_is_not_unread(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Photo club"})
    for i in range(5):
        await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": f"#{i}"})
    await carol.api.call("POST", f"/api/channels/{group['id']}/join")
    assert (await _listed(carol.api, group["id"]))["unread"] == 0
    await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "welcome!"})
    assert (await _listed(carol.api, group["id"]))["unread"] == 1


async def test_read_state_of_channels_one_cannot_or_does_not_read(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Board", "is_private": True})
    hidden = await carol.api.raw("PUT", f"/api/channels/{group['id']}/read", {"seq": 1})
    assert hidden.status_code == 404
    eng = await department_channel(carol.api, company.departments["Engineering"])
    assert eng["read_seq"] is None and eng["unread"] == 0  # open, but not hers
    outside = await carol.api.call("PUT", f"/api/channels/{eng['id']}/read", {"seq": 0})
    assert outside["unread"] == 0
    for bad in ({"seq": -1}, {"seq": "soon"}, {"seq": [1]}, {}, {"seq": 1, "extra": True}):
        r = await carol.api.raw("PUT", f"/api/channels/{eng['id']}/read", bad)
        assert r.status_code == 422, bad
    live = await Live.connect(company.server, carol.token)
    refused = await live.request({"op": "read", "channel": group["id"], "seq": 1})
    assert (refused["type"], refused["code"]) == ("error", "not_found")
    await live.close()
