"""Access is checked at every step: when a person loses the right to read a
channel, their open sockets stop hearing it at once, and every frame they send
is judged by their rights of now, not those they had when they subscribed."""

from __future__ import annotations

from tests.support.clients import Company, Live, department_channel


async def test_leaving_a_private_group_ends_its_live_feed(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Quiet", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": group["id"]})
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    told = await live.wait(lambda f: f["type"] == "unsubbed")
    assert told == {"type": "unsubbed", "id": None, "channel": group["id"], "reason": "access_lost"}
    mark = len(live.frames)
    await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "secret"})
    # Typing into it is refused now; a ping answered after it shows the post's
    # event (had it come) would already be here.
    refused = await live.request({"op": "typing", "channel": group["id"]})
    assert refused["code"] == "not_subscribed"
    await live.request({"op": "ping"})
    assert not [f for f in live.frames[mark:] if f["type"] in ("event", "typing")]
    again = await live.request({"op": "sub", "channel": group["id"]})
    assert again["type"] == "error" and again["code"] == "not_found"
    await live.close()


async def test_leaving_from_another_device_ends_it_on_every_open_tab(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Board", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    tabs = [await Live.connect(company.server, bob.token) for _ in range(2)]
    for tab in tabs:
        await tab.request({"op": "sub", "channel": group["id"]})
    # He leaves from a third device (HTTP); both open tabs follow.
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    for tab in tabs:
        await tab.wait(lambda f: f["type"] == "unsubbed" and f["reason"] == "access_lost")
        await tab.close()


async def test_leaving_a_public_group_keeps_what_one_may_still_read(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Lunch"})
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": group["id"]})
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "still public"})
    event = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    assert event["data"]["post"]["body"] == "still public"
    assert not [f for f in live.frames if f["type"] == "unsubbed"]
    # Reading is not posting: typing into a channel one may not post in is refused.
    refused = await live.request({"op": "typing", "channel": group["id"]})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await live.close()


async def test_a_non_member_cannot_type_into_another_departments_channel(
    company: Company,
) -> None:
    carol = company.people["carol"]  # Sales
    eng = await department_channel(carol.api, company.departments["Engineering"])
    live = await Live.connect(company.server, carol.token)
    subbed = await live.request({"op": "sub", "channel": eng["id"]})
    assert subbed["type"] == "subbed"  # open departments may be read by everyone
    refused = await live.request({"op": "typing", "channel": eng["id"]})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await live.close()


async def test_closing_a_department_ends_outsiders_feeds_but_not_its_peoples(
    company: Company,
) -> None:
    alice, carol = company.people["alice"], company.people["carol"]  # Engineering, Sales
    eng = await department_channel(alice.api, company.departments["Engineering"])
    outsider = await Live.connect(company.server, carol.token)
    insider = await Live.connect(company.server, alice.token)
    for live in (outsider, insider):
        await live.request({"op": "sub", "channel": eng["id"]})
    await company.admin.call(
        "PATCH", f"/api/departments/{company.departments['Engineering']}", {"closed": True}
    )
    told = await outsider.wait(lambda f: f["type"] == "unsubbed")
    assert told["channel"] == eng["id"] and told["reason"] == "access_lost"
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "members only"})
    await insider.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    await outsider.request({"op": "ping"})
    assert not [f for f in outsider.frames if f["type"] == "event" and f["kind"] == "post.created"]
    assert not [f for f in insider.frames if f["type"] == "unsubbed"]
    for live in (outsider, insider):
        await live.close()


async def test_moving_out_of_a_closed_department_ends_its_feed(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await company.admin.call(
        "PATCH", f"/api/departments/{company.departments['Engineering']}", {"closed": True}
    )
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": eng["id"]})
    await company.admin.call(
        "PATCH", f"/api/users/{bob.id}", {"department_id": company.departments["Sales"]}
    )
    told = await live.wait(lambda f: f["type"] == "unsubbed")
    assert told["channel"] == eng["id"] and told["reason"] == "access_lost"
    await live.close()
