"""Mentions and notifications, from outside: who is notified of what (every
kind), likes aggregated while unread, never the actor, never someone who may
not read the channel, ``@channel`` for those allowed it, levels and mutes,
live delivery to every device and reading on one clearing the others, pages,
deleted text gone from every replay, and bad input that notifies no one."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from channels.mentions import write as mention
from notify.reads import mentions_to_email
from server.db import Database
from server.settings import Settings
from tests.support.clients import (
    Api,
    Company,
    Live,
    Person,
    add_person,
    department_channel,
    make_company,
)
from tests.support.servers import serve


async def _notes(api: Api, query: str = "") -> list[dict[str, Any]]:
    page = await api.call("GET", f"/api/notifications{query}")
    found: list[dict[str, Any]] = page["notifications"]
    return found


async def _unread(api: Api) -> int:
    count: int = (await api.call("GET", "/api/notifications"))["unread_count"]
    return count


def _kinds(notes: list[dict[str, Any]]) -> list[str]:
    return [n["kind"] for n in notes]


async def _post(person: Person, channel_id: int, body: str) -> dict[str, Any]:
    made = await person.api.call("POST", f"/api/channels/{channel_id}/posts", {"body": body})
    post: dict[str, Any] = made["post"]
    return post


async def _comment(person: Person, post_id: int, body: str) -> dict[str, Any]:
    made = await person.api.call("POST", f"/api/posts/{post_id}/comments", {"body": body})
    comment: dict[str, Any] = made["post"]
    return comment


def _who(person: Person) -> str:
    return mention(person.email.split("@")[0].title(), person.id)


async def test_every_kind_with_what_a_client_needs_to_show_and_open_it(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])

    # mention: alice names carol (Sales, who may read the open Engineering channel).
    said = await _post(alice, eng["id"], f"**{_who(carol)}** 見積もりを確認してください")
    (note,) = await _notes(carol.api)
    assert note == {
        "id": note["id"],
        "kind": "mention",
        "actors": [{"id": alice.id, "display_name": "Alice"}],
        "count": 1,
        "channel_id": eng["id"],
        "channel_name": "Engineering",
        "post_id": said["id"],
        "thread_id": None,
        "subject_id": None,
        "excerpt": "@Carol 見積もりを確認してください",
        "created_at": note["created_at"],
        "updated_at": note["created_at"],
        "read": False,
    }
    assert f'data-user="{carol.id}"' in said["html"]

    # comment (on my post) and thread (a comment in a thread I commented in).
    first = await _comment(bob, said["id"], "了解です")
    assert _kinds(await _notes(alice.api)) == ["comment"]
    dan = await _add(company, "dan", "Engineering")
    await _comment(dan, said["id"], "確認しました")
    alice_notes, bob_notes = await _notes(alice.api), await _notes(bob.api)
    assert _kinds(alice_notes) == ["comment", "comment"]
    assert _kinds(bob_notes) == ["thread"]
    assert (bob_notes[0]["thread_id"], bob_notes[0]["actors"][0]["id"]) == (said["id"], dan.id)
    assert bob_notes[0]["post_id"] != first["id"]  # the new comment, to open in its thread

    # like, of a comment too: post_id is the comment, thread_id its post.
    await alice.api.call("PUT", f"/api/posts/{first['id']}/like", {})
    like = (await _notes(bob.api))[0]
    assert (like["kind"], like["post_id"], like["thread_id"]) == ("like", first["id"], said["id"])
    assert like["excerpt"] == "了解です"

    # invited: added to a group by someone else (not by joining oneself).
    group = await alice.api.call("POST", "/api/channels", {"name": "写真部", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [carol.id]})
    invited = (await _notes(carol.api))[0]
    assert (invited["kind"], invited["channel_id"], invited["channel_name"]) == (
        "invited",
        group["id"],
        "写真部",
    )
    assert (invited["post_id"], invited["actors"][0]["id"]) == (None, alice.id)
    club = await alice.api.call("POST", "/api/channels", {"name": "Open club"})
    await bob.api.call("POST", f"/api/channels/{club['id']}/join")
    assert (await _notes(bob.api))[0]["kind"] == "like"  # joining oneself: nothing

    # channel: @channel by an admin who is a member (the department's creator).
    await admin.call(
        "PATCH", f"/api/users/{admin.user['id']}", {"department_id": company.departments["Sales"]}
    )
    sales = await department_channel(admin, company.departments["Sales"])
    assert sales["can_mention_channel"]
    await admin.call("POST", f"/api/channels/{sales['id']}/posts", {"body": "@channel 全員集合"})
    assert (await _notes(carol.api))[0]["kind"] == "channel"

    # post: a channel followed with "all".
    await alice.api.call("PUT", f"/api/channels/{club['id']}/notify", {"level": "all"})
    await _post(bob, club["id"], "今週の写真")
    assert (await _notes(alice.api))[0]["kind"] == "post"


async def test_one_notification_per_person_per_write_and_never_the_actor(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    mine = await _post(alice, eng["id"], f"自分宛て {_who(alice)}")  # oneself: nothing
    await alice.api.call("PUT", f"/api/posts/{mine['id']}/like", {})
    await _comment(alice, mine["id"], "自分でコメント")
    assert await _notes(alice.api) == []
    # Bob mentions alice in a comment on her own post, twice, and @channel is
    # refused to him: the mention alone.
    await _comment(bob, mine["id"], f"{_who(alice)} {_who(alice)} ok")
    assert _kinds(await _notes(alice.api)) == ["mention"]


async def test_likes_are_aggregated_while_unread(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dan = await _add(company, "dan", "Engineering")
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = await _post(alice, eng["id"], "新しいロゴ案")
    for person in (bob, dan):
        await person.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    (like,) = await _notes(alice.api)
    assert (like["count"], [a["id"] for a in like["actors"]]) == (2, [dan.id, bob.id])
    assert like["updated_at"] >= like["created_at"]
    # Taking a like back and giving it again counts once.
    await bob.api.call("DELETE", f"/api/posts/{post['id']}/like")
    await bob.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    assert [n["count"] for n in await _notes(alice.api)] == [2]
    # Carol (Sales) may not like in Engineering; an outsider's like is refused anyway.
    refused = await carol.api.raw("PUT", f"/api/posts/{post['id']}/like", {})
    assert refused.status_code == 403
    # Read: the next like starts a new notification.
    await alice.api.call("POST", "/api/notifications/read", {"ids": [like["id"]]})
    await admin_moves(company, carol, "Engineering")
    await carol.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    newer, older = await _notes(alice.api)
    assert (newer["count"], newer["read"], older["read"]) == (1, False, True)
    assert await _unread(alice.api) == 1


async def test_who_may_not_read_the_channel_is_notified_of_nothing(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await alice.api.call("POST", "/api/channels", {"name": "Board", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    # Carol is outside the private group: a mention of her notifies nobody, and
    # the composer could have known.
    readers = await alice.api.call(
        "GET", f"/api/channels/{group['id']}/readers?ids={carol.id},{bob.id},999999,{alice.id}"
    )
    assert readers == {"readers": [bob.id, alice.id]}
    hidden = await carol.api.raw("GET", f"/api/channels/{group['id']}/readers?ids={carol.id}")
    assert hidden.status_code == 404
    post = await _post(alice, group["id"], f"{_who(carol)} {_who(bob)} 内密に")
    assert await _notes(carol.api) == []
    assert _kinds(await _notes(bob.api)) == ["mention", "invited"]

    # Bob comments, then leaves: new comments in that thread no longer reach him,
    # and what he was told there is gone (he may not read it now).
    await _comment(bob, post["id"], "はい")
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    assert await _notes(bob.api) == []
    await _comment(alice, post["id"], "追記")
    assert await _notes(bob.api) == []

    # A closed department: mentions of outsiders notify nobody; closing one
    # later takes back what outsiders were told there.
    legal = await admin.call("POST", "/api/departments", {"name": "Legal", "closed": False})
    lena = await _add(company, "lena", "Legal")
    legal_channel = await department_channel(lena.api, legal["id"])
    await _post(lena, legal_channel["id"], f"{_who(carol)} 契約書の件")
    assert _kinds(await _notes(carol.api)) == ["mention"]
    await admin.call("PATCH", f"/api/departments/{legal['id']}", {"closed": True})
    assert await _notes(carol.api) == [] and await _unread(carol.api) == 0
    await _post(lena, legal_channel["id"], f"{_who(carol)} 再送")
    assert await _notes(carol.api) == []


async def test_channel_mention_is_for_admins_moderators_and_the_creator(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await alice.api.call("POST", "/api/channels", {"name": "囲碁部"})
    for person in (bob, carol):
        await person.api.call("POST", f"/api/channels/{group['id']}/join")
    before = await bob.api.call("GET", f"/api/channels/{group['id']}")
    assert not before["can_mention_channel"]
    # A member: refused with its own code, nothing written (over HTTP and the socket).
    refused = await bob.api.raw(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "@channel 集合!"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "channel_mention_forbidden"
    live = await Live.connect(company.server, bob.token)
    answer = await live.request({"op": "post", "channel": group["id"], "body": "@channel 集合"})
    assert (answer["type"], answer["code"]) == ("error", "channel_mention_forbidden")
    post = await _post(alice, group["id"], "次回の日程")
    answer = await live.request({"op": "comment", "post": post["id"], "body": "@channel どう?"})
    assert answer["code"] == "channel_mention_forbidden"
    await live.close()
    mine = await _post(bob, group["id"], "日程案")
    edit = await bob.api.raw("PATCH", f"/api/posts/{mine['id']}", {"body": "@channel 日程案"})
    assert edit.json()["error"]["code"] == "channel_mention_forbidden"
    # "@channel" in code is not a mention, so it is not refused.
    await _post(bob, group["id"], "`@channel` は管理者用です")
    after = await bob.api.call("GET", f"/api/channels/{group['id']}")
    assert after["seq"] == before["seq"] + 3  # alice's post, bob's two
    assert await _notes(carol.api) == []

    # The group's creator may.
    assert (await alice.api.call("GET", f"/api/channels/{group['id']}"))["can_mention_channel"]
    await _post(alice, group["id"], "@channel 今週は休みです")
    assert _kinds(await _notes(carol.api)) == ["channel"]
    assert _kinds(await _notes(bob.api)) == ["channel"]
    # So may a moderator (an admin made bob one).
    await admin.call("PATCH", f"/api/users/{bob.id}", {"role": "moderator"})
    await _comment(bob, post["id"], "@channel 了解")
    assert _kinds(await _notes(carol.api)) == ["channel", "channel"]


async def test_levels_and_mutes(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await alice.api.call("POST", "/api/channels", {"name": "Cooking"})
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    shown = await bob.api.call("GET", f"/api/channels/{group['id']}")
    assert shown["notify"] == "mentions"
    assert (await carol.api.call("GET", f"/api/channels/{group['id']}"))["notify"] is None
    # Only members choose; levels are checked.
    r = await carol.api.raw("PUT", f"/api/channels/{group['id']}/notify", {"level": "none"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    for bad in ({"level": "some"}, {}, {"level": "all", "x": 1}, {"level": None}):
        r = await bob.api.raw("PUT", f"/api/channels/{group['id']}/notify", bad)
        assert r.status_code == 422, bad

    # "mentions" (the default): a new post notifies nobody.
    post = await _post(alice, group["id"], "カレー")
    assert await _notes(bob.api) == []
    # "all": every new post, not comments in others' threads.
    answer = await bob.api.call("PUT", f"/api/channels/{group['id']}/notify", {"level": "all"})
    assert answer == {"channel_id": group["id"], "level": "all"}
    await _post(alice, group["id"], "シチュー")
    await _comment(alice, post["id"], "辛口")
    assert _kinds(await _notes(bob.api)) == ["post"]
    # "none" (muted): comments on his post, likes and @channel stay quiet; a
    # mention of him by name still reaches him.
    await bob.api.call("PUT", f"/api/channels/{group['id']}/notify", {"level": "none"})
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["notify"] == "none"
    his = await _post(bob, group["id"], "パン")
    await _comment(alice, his["id"], "おいしそう")
    await alice.api.call("PUT", f"/api/posts/{his['id']}/like", {})
    await _post(alice, group["id"], "@channel 試食会")
    assert _kinds(await _notes(bob.api)) == ["post"]
    await _post(alice, group["id"], f"{_who(bob)} 手伝って")
    assert _kinds(await _notes(bob.api)) == ["mention", "post"]
    # Leaving forgets the level: one comes back at the default.
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["notify"] == "mentions"


async def test_every_device_is_told_at_once_and_reading_on_one_clears_the_others(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    phone = await Live.connect(company.server, bob.token)
    desk = await Live.connect(company.server, bob.token, encoding="msgpack")
    for device in (phone, desk):
        assert (await device.request({"op": "sub_me"}))["type"] == "subbed_me"
    post = await _post(alice, eng["id"], f"{_who(bob)} レビューお願いします")

    def added(f: dict[str, Any]) -> bool:
        return bool(f["type"] == "personal" and f["kind"] == "notification.added")

    for device in (phone, desk):
        frame = await device.wait(added)
        assert frame["data"]["unread_count"] == 1
        assert frame["data"]["notification"]["post_id"] == post["id"]
    note_id = frame["data"]["notification"]["id"]

    # Read on the phone: the desk is told.
    answer = await phone.request({"op": "read_notifications", "ids": [note_id]})
    assert answer == {"type": "notifications_read", "id": answer["id"], "unread_count": 0}
    read = await desk.wait(lambda f: f["type"] == "personal" and f["kind"] == "notification.read")
    assert read["data"] == {"ids": [note_id], "all": False, "unread_count": 0}
    # Reading what is read already changes nothing and tells no one.
    mark = len(desk.frames)
    again = await phone.request({"op": "read_notifications", "all": True})
    assert again["unread_count"] == 0
    await desk.request({"op": "ping"})
    assert not [f for f in desk.frames[mark:] if f["type"] == "personal"]
    bad = await phone.request({"op": "read_notifications", "ids": []})
    assert (bad["type"], bad["code"]) == ("error", "invalid")

    # A second liker updates the unread like notification, on every device.
    dan = await _add(company, "dan", "Engineering")
    await bob.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    alice_live = await Live.connect(company.server, alice.token)
    await alice_live.request({"op": "sub_me"})
    await dan.api.call("PUT", f"/api/posts/{post['id']}/like", {})
    updated = await alice_live.wait(
        lambda f: f["type"] == "personal" and f["kind"] == "notification.updated"
    )
    assert updated["data"]["notification"]["count"] == 2
    for device in (phone, desk, alice_live):
        await device.close()


async def test_pages_newest_first_and_unread_only(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    posts = [await _post(alice, eng["id"], f"#{i} {_who(bob)}") for i in range(5)]
    page = await bob.api.call("GET", "/api/notifications?limit=2")
    assert [n["post_id"] for n in page["notifications"]] == [posts[4]["id"], posts[3]["id"]]
    assert page["unread_count"] == 5
    seen = [n["post_id"] for n in page["notifications"]]
    while page["before"] is not None:
        page = await bob.api.call("GET", f"/api/notifications?limit=2&before={page['before']}")
        seen += [n["post_id"] for n in page["notifications"]]
    assert seen == [p["id"] for p in reversed(posts)]
    first = (await _notes(bob.api))[-1]
    await bob.api.call("POST", "/api/notifications/read", {"ids": [first["id"]]})
    unread = await _notes(bob.api, "?unread=1")
    assert len(unread) == 4 and first["id"] not in [n["id"] for n in unread]
    # A like on an older post moves its notification to the top.
    await bob.api.call("PUT", f"/api/posts/{posts[0]['id']}/like", {})
    await alice.api.call("POST", "/api/notifications/read", {"all": True})
    assert (await alice.api.call("GET", "/api/notifications"))["unread_count"] == 0
    for bad in ("?limit=0", "?limit=51", "?before=x", "?before=-1", "?limit=2.5"):
        r = await bob.api.raw("GET", f"/api/notifications{bad}")
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid"), bad
    bodies: list[dict[str, Any]] = [
        {},
        {"ids": []},
        {"ids": [0]},
        {"ids": "1"},
        {"all": False},
        {"ids": [1], "all": True},
    ]
    for body in bodies:
        r = await bob.api.raw("POST", "/api/notifications/read", body)
        assert r.status_code == 422, body
    # Someone else's ids are not one's own: nothing changes.
    mine = (await _notes(bob.api))[0]["id"]
    answer = await alice.api.call("POST", "/api/notifications/read", {"ids": [mine]})
    assert answer == {"unread_count": 0}
    assert (await _notes(bob.api))[0]["read"] is False


async def test_edits_and_deletes_change_what_notifications_say(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    live = await Live.connect(company.server, bob.token)
    start = await live.request({"op": "sub_me"})
    post = await _post(alice, eng["id"], f"{_who(bob)} 給与テーブルの誤り")
    dan = await _add(company, "dan", "Engineering")
    comment = await _comment(dan, post["id"], "私も見ました")
    await alice.api.call("PATCH", f"/api/posts/{post['id']}", {"body": f"{_who(bob)} 資料の誤り"})
    assert [n["excerpt"] for n in await _notes(bob.api)] == ["@Bob 資料の誤り"]
    # An edit mentioning someone new notifies them; those already told, not again.
    edited = f"{_who(bob)} {_who(carol)} 資料の誤り"
    await alice.api.call("PATCH", f"/api/posts/{post['id']}", {"body": edited})
    assert _kinds(await _notes(carol.api)) == ["mention"]
    assert len(await _notes(bob.api)) == 1
    await _comment(bob, post["id"], "直します")

    # Deleting the post takes its notifications away, its comments' too, and
    # its text leaves every replay of the stream.
    await alice.api.call("DELETE", f"/api/posts/{post['id']}")
    assert await _notes(bob.api) == [] and await _notes(alice.api) == []
    removed = await live.wait(
        lambda f: f["type"] == "personal" and f["kind"] == "notification.removed"
    )
    assert removed["data"]["unread_count"] == 0
    replay = await Live.connect(company.server, bob.token)
    await replay.request({"op": "sub_me", "epoch": start["epoch"], "seq": start["seq"]})
    head = (await replay.request({"op": "sub_me"}))["seq"]
    await replay.wait(lambda f: f["type"] == "personal" and f["seq"] == head)
    replayed = [f for f in replay.frames if f["type"] == "personal"]
    texts = str(replayed)
    for gone in ("誤り", "私も見ました", "直します"):
        assert gone not in texts
    assert any(f["kind"] == "notification.added" for f in replayed)
    assert comment["id"] not in [n["post_id"] for n in await _notes(alice.api)]
    for device in (live, replay):
        await device.close()


async def test_bad_mentions_notify_no_one_and_floods_are_bounded(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    people = await _imported(company, 102)
    gone = people[0][0]
    await admin.call("PATCH", f"/api/users/{gone}", {"is_active": False})
    body = f"@[幽霊](999999) @[x](2147483647) @[y](99999999999) {mention('Gone', gone)}"
    made = await _post(alice, eng["id"], body)
    assert "@[幽霊](999999)" in made["html"]  # no one's: text as written
    assert f'data-user="{gone}"' in made["html"]  # deactivated: still shown
    # 10,000 characters of mentions: accepted at once, each person told once,
    # and no more than the first 100 people named (MAX_MENTIONS).
    named = [bob.id, carol.id, *(i for i, _ in people[1:])]
    flood = " ".join(mention(f"社員 {i}", i) for i in named)
    flood = ((flood + " ") * (10_000 // (len(flood) + 1)))[:10_000]
    started = time.monotonic()
    await _post(alice, eng["id"], flood)
    assert time.monotonic() - started < 10
    assert [n["kind"] for n in await _notes(bob.api)] == ["mention"]
    assert [n["kind"] for n in await _notes(carol.api)] == ["mention"]
    tokens = dict(people)
    assert len(named) > 100
    hundredth = await _first_sign_in(company, tokens[named[99]])
    hundred_first = await _first_sign_in(company, tokens[named[100]])
    assert len(await _notes(hundredth)) == 1
    assert await _notes(hundred_first) == []
    for api in (hundredth, hundred_first):
        await api.close()
    repeated = (mention("Bob", bob.id) + " ") * 1000
    await _post(alice, eng["id"], repeated[:10_000])
    assert len(await _notes(bob.api)) == 2
    # Malformed readers queries answer 400, and ask nothing.
    for ids in ("x", "1,,2", "-1", "0", "1.5", ",".join(["1"] * 101), "99999999999"):
        r = await alice.api.raw("GET", f"/api/channels/{eng['id']}/readers", params={"ids": ids})
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid"), ids
    assert await alice.api.call("GET", f"/api/channels/{eng['id']}/readers") == {"readers": []}
    deactivated = await alice.api.call("GET", f"/api/channels/{eng['id']}/readers?ids={gone}")
    assert deactivated == {"readers": []}


async def test_a_flood_of_mentions_is_refused_by_the_write_limit_and_notifies_no_one(
    settings: Settings,
) -> None:
    # The write limits of server/limits.py, lowered (tests lift them): each
    # person 8 writes at once, then 1 a second; over HTTP and over the socket.
    tight = dataclasses.replace(
        settings, http_write_rate=1, http_write_burst=8, person_frame_rate=1, person_frame_burst=8
    )
    async with serve(tight) as server:
        company = await make_company(server)  # 5 of the admin's writes
        alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
        eng = await department_channel(alice.api, company.departments["Engineering"])
        people = await _imported(company, 32)  # one more write: one import
        tokens = dict(people)
        each_once = [user_id for user_id, _ in people]

        # Alice sends 16 posts over HTTP as fast as she can, each naming Bob,
        # Carol and someone named in that post only.
        answers = []
        took = []  # each way's seconds: the buckets refill at 1 a second meanwhile
        started = time.monotonic()
        for n, user_id in enumerate(each_once[:16]):
            body = f"{_who(bob)} {_who(carol)} {mention(f'社員{n}', user_id)} 至急確認を"
            r = await alice.api.raw("POST", f"/api/channels/{eng['id']}/posts", {"body": body})
            answers.append((user_id, r.status_code))
        took.append(time.monotonic() - started)
        # Then 16 more over her socket.
        live = await Live.connect(server, alice.token)
        started = time.monotonic()
        for n, user_id in enumerate(each_once[16:], start=16):
            body = f"{_who(bob)} {_who(carol)} {mention(f'社員{n}', user_id)} 至急確認を"
            answer = await live.request({"op": "post", "channel": eng["id"], "body": body})
            if answer["type"] == "error":
                assert answer["code"] == "rate_limited", answer
            answers.append((user_id, 201 if answer["type"] == "ack" else 429))
        took.append(time.monotonic() - started)
        await live.close()
        statuses = [status for _, status in answers]
        # Each way, a burst of 8 (over HTTP, one went on her token) and what
        # the bucket refilled while she went on; the rest refused.
        for way, seconds in zip((statuses[:16], statuses[16:]), took, strict=True):
            assert 7 <= way.count(201) <= 8 + int(seconds) + 1, (way, seconds)
            assert way.count(429) >= 1, (way, seconds)
        accepted = statuses.count(201)

        # A refused post is not posted, and no one it names hears of it.
        page = await bob.api.call("GET", f"/api/channels/{eng['id']}/posts")
        assert len([p for p in page["posts"] if "至急確認を" in p["body"]]) == accepted
        for person in (bob, carol):
            notes = await _notes(person.api)
            assert _kinds(notes) == ["mention"] * accepted
        for user_id, status in answers:
            api = await _first_sign_in(company, tokens[user_id])
            assert len(await _notes(api)) == (1 if status == 201 else 0), (user_id, status)
            await api.close()
        await company.close()


async def _add(company: Company, name: str, department: str) -> Person:
    dept = company.departments.get(department)
    if dept is None:
        dept = next(
            d["id"]
            for d in await company.admin.call("GET", "/api/departments")
            if d["name"] == department
        )
    return await add_person(company, name, dept)


async def test_mentions_left_unread_are_found_for_email_by_an_index(
    company: Company, settings: Settings
) -> None:
    """The table is ready for the mention emails to come: "unread for 15
    minutes, not yet emailed" is one range of one partial index."""
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], f"{_who(bob)} 至急")
    await _comment(alice, (await _post(bob, eng["id"], "質問"))["id"], "回答")  # not mailed
    later = datetime.now(UTC) + timedelta(minutes=1)
    db = Database(settings.database_url)
    try:
        async with db.engine.connect() as conn:
            found = (await conn.execute(mentions_to_email(later))).all()
            mention_id = next(n["id"] for n in await _notes(bob.api) if n["kind"] == "mention")
            assert [(u, k) for u, k, _ in found] == [(bob.id, mention_id)]
            statement = mentions_to_email(later).compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True}
            )
            if settings.is_sqlite:
                plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")).all()
            else:
                await conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table
                plan = (await conn.exec_driver_sql(f"EXPLAIN {statement}")).all()
            assert "ix_notification_unmailed" in str(plan), plan
        await bob.api.call("POST", "/api/notifications/read", {"all": True})
        async with db.engine.connect() as conn:
            assert (await conn.execute(mentions_to_email(later))).all() == []
    finally:
        await db.close()


async def _imported(company: Company, n: int) -> list[tuple[int, str]]:
    """``n`` people of Engineering from a CSV import (no password hashed: quick),
    with the token of each one's first-password link."""
    rows = "".join(f"n{i}@example.com,社員{i:02d},Engineering\n" for i in range(n))
    r = await company.admin.raw(
        "POST",
        "/api/users/import",
        content=("email,name,department\n" + rows).encode(),
        headers={"content-type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    return [(p["id"], p["url"].rsplit("/", 1)[1]) for p in r.json()["created"]]


async def _first_sign_in(company: Company, token: str) -> Api:
    api = Api(company.server.http)
    r = await api.raw("POST", f"/api/resets/{token}", {"password": "correct horse battery staple"})
    assert r.status_code == 200, r.text
    api.csrf = r.json()["csrf_token"]
    return api


async def admin_moves(company: Company, person: Person, department: str) -> None:
    await company.admin.call(
        "PATCH", f"/api/users/{person.id}", {"department_id": company.departments[department]}
    )
