"""Posts, comments and likes reach subscribers live, on both backends; resume
by position replays what was missed; retried writes apply once."""

from __future__ import annotations

from tests.support.clients import Company, Live, department_channel


async def test_post_reaches_other_subscriber_live(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    a = await Live.connect(company.server, alice.token)
    b = await Live.connect(company.server, bob.token, encoding="msgpack")
    for live in (a, b):
        subbed = await live.request(
            {
                "op": "sub",
                "channel": channel["id"],
                "epoch": channel["epoch"],
                "seq": channel["seq"],
            }
        )
        assert subbed["type"] == "subbed" and subbed["recovered"] is True

    ack = await a.request(
        {"op": "post", "channel": channel["id"], "body": "hello *team*", "cid": "a-1"}
    )
    assert ack["type"] == "ack" and ack["seq"] == channel["seq"] + 1
    event = await b.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    assert event["seq"] == ack["seq"]
    post = event["data"]["post"]
    assert post["body"] == "hello *team*"
    assert post["html"] == "<p>hello <em>team</em></p>"
    assert post["author"] == {
        "id": alice.id,
        "display_name": "Alice",
        "department": "Engineering",
        "reading": "ありす",
        "newcomer": False,
        "anonymous": False,
    }

    comment = await b.request(
        {"op": "comment", "post": post["id"], "body": "welcome", "cid": "b-1"}
    )
    liked = await b.request({"op": "like", "post": post["id"], "cid": "b-2"})
    assert (comment["type"], liked["type"]) == ("ack", "ack")
    seen = await a.wait(lambda f: f["type"] == "event" and f["kind"] == "like.added")
    assert seen["data"] == {"post_id": post["id"], "user_id": bob.id, "like_count": 1}
    kinds = [e["kind"] for e in a.events(channel["id"])]
    assert kinds == ["post.created", "comment.created", "like.added"]
    seqs = [e["seq"] for e in a.events(channel["id"])]
    assert seqs == list(range(channel["seq"] + 1, channel["seq"] + 4))

    thread = await alice.api.call("GET", f"/api/posts/{post['id']}")
    assert thread["post"]["like_count"] == 1 and thread["post"]["comment_count"] == 1
    assert [c["body"] for c in thread["comments"]] == ["welcome"]
    await a.close()
    await b.close()


async def test_resume_replays_missed_events_in_order(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    for i in range(5):
        await alice.api.call("POST", f"/api/channels/{channel['id']}/posts", {"body": f"m{i}"})
    b = await Live.connect(company.server, bob.token)
    await b.request(
        {
            "op": "sub",
            "channel": channel["id"],
            "epoch": channel["epoch"],
            "seq": channel["seq"] + 2,
        }
    )
    await b.wait(lambda f: f["type"] == "event" and f["seq"] == channel["seq"] + 5)
    replayed = b.events(channel["id"])
    assert [e["data"]["post"]["body"] for e in replayed] == ["m2", "m3", "m4"]

    # A position from another epoch cannot be recovered: the client must refetch.
    c = await Live.connect(company.server, bob.token)
    subbed = await c.request({"op": "sub", "channel": channel["id"], "epoch": "00000000", "seq": 1})
    assert subbed["recovered"] is False and subbed["seq"] == channel["seq"] + 5
    await b.close()
    await c.close()


async def test_retried_write_is_applied_once(company: Company) -> None:
    alice = company.people["alice"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    path = f"/api/channels/{channel['id']}/posts"
    first = await alice.api.call("POST", path, {"body": "once", "cid": "retry-1"})
    again = await alice.api.call("POST", path, {"body": "once", "cid": "retry-1"})
    assert again["duplicate"] is True and again["seq"] == first["seq"]
    assert again["post"]["id"] == first["post"]["id"]
    live = await Live.connect(company.server, alice.token)
    over_ws = await live.request(
        {"op": "post", "channel": channel["id"], "body": "once", "cid": "retry-1"}
    )
    assert over_ws["duplicate"] is True and over_ws["seq"] == first["seq"]
    page = await alice.api.call("GET", f"/api/channels/{channel['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["once"]

    # A retried delete answers as the first did, though the post is gone by then.
    pid = first["post"]["id"]
    deleted = await live.request({"op": "delete", "post": pid, "cid": "retry-2"})
    again = await live.request({"op": "delete", "post": pid, "cid": "retry-2"})
    assert (again["type"], again["seq"], again["duplicate"]) == ("ack", deleted["seq"], True)
    other = await live.request({"op": "delete", "post": pid, "cid": "retry-3"})
    assert other["code"] == "not_found"
    await live.close()


async def test_presence_and_typing_are_pushed_but_never_stored(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    a = await Live.connect(company.server, alice.token)
    await a.request({"op": "sub", "channel": channel["id"]})
    b = await Live.connect(company.server, bob.token)
    online = await a.wait(lambda f: f["type"] == "presence" and f["user"] == bob.id)
    assert online["status"] == "online"
    await b.request({"op": "sub", "channel": channel["id"]})
    await b.send({"op": "typing", "channel": channel["id"]})
    typing = await a.wait(lambda f: f["type"] == "typing")
    assert typing == {"type": "typing", "channel": channel["id"], "user": bob.id, "name": "Bob"}
    await b.send({"op": "status", "status": "away"})
    await a.wait(lambda f: f["type"] == "presence" and f["status"] == "away")
    who = await a.request({"op": "who", "channel": channel["id"]})
    assert {"user": bob.id, "status": "away"} in who["users"]
    assert {"user": alice.id, "status": "online"} in who["users"]
    await b.close()
    await a.wait(lambda f: f["type"] == "presence" and f["status"] == "offline")
    # Nothing of it entered the channel's log.
    page = await alice.api.call("GET", f"/api/channels/{channel['id']}/posts")
    assert page["channel"]["seq"] == channel["seq"]
    await a.close()


async def test_presence_reaches_the_people_who_share_a_channel_and_oneself(
    company: Company,
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    watcher = await Live.connect(company.server, alice.token)
    await watcher.request({"op": "sub", "channel": eng["id"]})
    # carol (Sales) shares no channel with alice; bob (Engineering) does.
    c = await Live.connect(company.server, carol.token)
    b = await Live.connect(company.server, bob.token)
    await watcher.wait(lambda f: f == {"type": "presence", "user": bob.id, "status": "online"})
    # carol's change was published before bob's: had it been sent, it would be here.
    assert not [f for f in watcher.frames if f["type"] == "presence" and f["user"] == carol.id]
    # Her own connections hear it (the status shown beside her name).
    await c.send({"op": "status", "status": "away"})
    await c.wait(lambda f: f == {"type": "presence", "user": carol.id, "status": "away"})
    for live in (watcher, b, c):
        await live.close()


async def test_people_hear_on_their_own_stream_when_their_channels_change(
    company: Company,
) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    group = await alice.api.call(
        "POST", "/api/channels", {"name": "Quiet room", "is_private": True}
    )
    live = await Live.connect(company.server, carol.token)
    subbed = await live.request({"op": "sub_me"})
    assert subbed["type"] == "subbed_me" and subbed["recovered"] is False
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [carol.id]})
    told = await live.wait(lambda f: f["type"] == "personal")
    assert told["kind"] == "membership.added" and told["seq"] == subbed["seq"] + 1
    assert told["data"] == {"channel_id": group["id"], "name": "Quiet room", "notify": "mentions"}
    await company.admin.call(
        "PATCH", f"/api/users/{carol.id}", {"department_id": company.departments["Engineering"]}
    )
    eng = await department_channel(alice.api, company.departments["Engineering"])
    # The invitation also notified her (seq + 2); the move notifies no one.
    moved = await live.wait(lambda f: f["type"] == "personal" and f["seq"] == told["seq"] + 3)
    card = await live.wait(lambda f: f["type"] == "personal" and f["seq"] == told["seq"] + 4)
    kinds = [f["kind"] for f in live.frames if f["type"] == "personal"]
    assert kinds == [
        "membership.added",
        "notification.added",
        "membership.removed",
        "membership.added",
        "account.updated",
    ]
    assert moved["data"]["channel_id"] == eng["id"]
    # Her own card follows: the new department, at once, on every device.
    assert card["data"]["department"] == "Engineering" and card["data"]["role"] == "member"
    await live.close()
