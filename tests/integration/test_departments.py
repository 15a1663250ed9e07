"""Departments are open or closed (closed unless an admin opens them), and can
be deleted or merged, which archives their channel.

A closed department's channel exists only for its people: every route of the
registry that takes a channel or post id answers anyone else exactly as it
answers for an id that does not exist, lists and counts leave it out, and
frames are refused, from the moment it is closed."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from server.api import api
from tests.support.clients import Api, Company, Live, Person, add_person, department_channel

ID_PARAM = re.compile(r"{(channel_id|post_id):id}")
MISSING = 2_000_000_000  # an id nothing has


def _sample(model: type[BaseModel] | None, user_id: int) -> Any:
    """A valid body for ``model``, made from its JSON schema: a route must refuse
    because of who asks, never because of what was sent."""
    if model is None:
        return None
    schema = model.model_json_schema()
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if "$ref" in prop:  # an enum's own schema (a notification level)
            prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        if "enum" in prop:
            body[name] = prop["enum"][0]
            continue
        kind = prop.get("type") or next(
            t["type"] for t in prop.get("anyOf", []) if t.get("type") != "null"
        )
        body[name] = {"string": "x", "integer": user_id, "boolean": False, "array": [user_id]}[kind]
    if "body" in schema["properties"]:
        body.setdefault("body", "x")  # a post's text is optional (files), not both
    return body


async def _legal(company: Company, *, closed: bool = True) -> tuple[dict[str, Any], Person]:
    """A department with one person, who posts, comments and likes."""
    body: dict[str, Any] = {"name": "Legal", "reading": "ほうむ"}
    if not closed:
        body["closed"] = False
    dept = await company.admin.call("POST", "/api/departments", body)
    assert dept["closed"] is closed
    dave = await add_person(company, "dave", dept["id"], "でいぶ")
    channel = await department_channel(dave.api, dept["id"])
    post = await dave.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "secret merger plans"}
    )
    comment = await dave.api.call(
        "POST", f"/api/posts/{post['post']['id']}/comments", {"body": "confidential reply"}
    )
    await dave.api.call("PUT", f"/api/posts/{post['post']['id']}/like", {})
    dept.update(channel=channel["id"], epoch=channel["epoch"], post=post["post"]["id"])
    dept["comment"] = comment["post"]["id"]
    return dept, dave


SECRETS = ("Legal", "secret merger plans", "confidential reply", "Dave", "でいぶ")


async def _state(dave: Person, channel_id: int) -> Any:
    page = await dave.api.call("GET", f"/api/channels/{channel_id}/posts")
    return page["channel"]["seq"], [(p["id"], p["body"], p["like_count"]) for p in page["posts"]]


async def _reads(api_: Api, dept: dict[str, Any]) -> list[int]:
    """The statuses of every read of the department's channel and what is in it."""
    cid, pid = dept["channel"], dept["post"]
    paths = [
        f"/api/channels/{cid}",
        f"/api/channels/{cid}/posts",
        f"/api/channels/{cid}/members",
        f"/api/channels/{cid}/events?epoch={dept['epoch']}&seq=0",
        f"/api/posts/{pid}",
        f"/api/posts/{dept['comment']}",
        f"/api/posts/{pid}/likes",
    ]
    return [(await api_.raw("GET", path)).status_code for path in paths]


async def test_every_route_answers_an_outsider_of_a_closed_department_as_if_it_did_not_exist(
    company: Company,
) -> None:
    dept, dave = await _legal(company)
    before = await _state(dave, dept["channel"])
    checked = []
    for outsider in (company.people["carol"].api, company.admin):  # admins are outsiders too
        me = outsider.user.get("id") or company.people["carol"].id
        for endpoint in api.endpoints:
            found = ID_PARAM.search(endpoint.path)
            if found is None:
                continue
            ids = (
                [dept["channel"]]
                if found.group(1) == "channel_id"
                else [dept["post"], dept["comment"]]
            )
            body = _sample(endpoint.body, me)
            for id_ in ids:
                path = ID_PARAM.sub(str(id_), endpoint.path)
                nowhere = ID_PARAM.sub(str(MISSING), endpoint.path)
                r = await outsider.raw(endpoint.method, path, body)
                missing = await outsider.raw(endpoint.method, nowhere, body)
                # A moderators' route refuses a member before it looks at the id.
                refused = endpoint.role is not None and outsider is not company.admin
                expected = 403 if refused else 404
                assert r.status_code == expected, (endpoint.method, endpoint.path, r.text)
                # The very answer an id nobody has gets: nothing leaks by the difference.
                assert r.json() == missing.json(), (endpoint.method, endpoint.path)
                assert not any(s in r.text for s in SECRETS), r.text
                checked.append((endpoint.method, endpoint.path))
    paths = {p for _, p in checked}
    assert {
        "/api/channels/{channel_id:id}",
        "/api/channels/{channel_id:id}/posts",
        "/api/channels/{channel_id:id}/members",
        "/api/channels/{channel_id:id}/events",
        "/api/posts/{post_id:id}/likes",
        "/api/posts/{post_id:id}/like",
        "/api/posts/{post_id:id}/comments",
    } <= paths
    # Nothing the outsiders tried was written.
    assert await _state(dave, dept["channel"]) == before

    carol = company.people["carol"]
    for outsider in (carol.api, company.admin):
        for query in ("", "?q=Legal", "?q=legal", "?joined=1"):
            listed = await outsider.call("GET", f"/api/channels{query}")
            assert dept["channel"] not in [c["id"] for c in listed]
        departments = {d["id"]: d for d in await outsider.call("GET", "/api/departments")}
        assert departments[dept["id"]]["channel_id"] is None  # the name is known, not the channel
        assert departments[dept["id"]]["closed"] is True
    mine = {d["id"]: d for d in await dave.api.call("GET", "/api/departments")}
    assert mine[dept["id"]]["channel_id"] == dept["channel"]

    # Frames: refused alike.
    live = await Live.connect(company.server, carol.token)
    for frame in (
        {"op": "sub", "channel": dept["channel"], "epoch": dept["epoch"], "seq": 0},
        {"op": "who", "channel": dept["channel"]},
        {"op": "post", "channel": dept["channel"], "body": "let me in", "cid": "x-1"},
        {"op": "comment", "post": dept["post"], "body": "hi", "cid": "x-2"},
        {"op": "like", "post": dept["post"], "cid": "x-3"},
        {"op": "edit", "post": dept["post"], "body": "mine now", "cid": "x-4"},
        {"op": "delete", "post": dept["comment"], "cid": "x-5"},
    ):
        answer = await live.request(frame)
        assert answer["type"] == "error" and answer["code"] == "not_found", (frame, answer)
    await live.close()
    assert await _state(dave, dept["channel"]) == before


async def test_a_department_closed_disappears_for_outsiders_at_once(company: Company) -> None:
    dept, dave = await _legal(company, closed=False)
    carol = company.people["carol"]
    assert await _reads(carol.api, dept) == [200] * 7
    assert dept["channel"] in [c["id"] for c in await carol.api.call("GET", "/api/channels")]
    reader = await Live.connect(company.server, carol.token)
    subbed = await reader.request(
        {"op": "sub", "channel": dept["channel"], "epoch": dept["epoch"], "seq": 0}
    )
    assert subbed["type"] == "subbed"

    closed = await company.admin.call("PATCH", f"/api/departments/{dept['id']}", {"closed": True})
    assert closed["closed"] is True and closed["name"] == "Legal"
    # Every read, at once.
    assert await _reads(carol.api, dept) == [404] * 7
    assert dept["channel"] not in [c["id"] for c in await carol.api.call("GET", "/api/channels")]
    assert await _reads(dave.api, dept) == [200] * 7  # its people read on
    # Its readers are told, so clients drop it (and ask for their rights).
    told = await reader.wait(
        lambda f: f["type"] == "event" and f["kind"] == "channel.updated", start=0
    )
    assert told["data"] == {
        "name": "Legal",
        "description": "",
        "is_private": True,
        "archived": False,
        "qa": False,
    }
    again = await reader.request({"op": "sub", "channel": dept["channel"]})
    assert again["code"] == "not_found"
    await reader.close()

    await company.admin.call("PATCH", f"/api/departments/{dept['id']}", {"closed": False})
    assert await _reads(carol.api, dept) == [200] * 7


async def test_only_admins_open_or_close_departments_and_bad_input_changes_nothing(
    company: Company,
) -> None:
    dept, _ = await _legal(company)
    carol = company.people["carol"]
    path = f"/api/departments/{dept['id']}"
    r = await carol.api.raw("PATCH", path, {"closed": False})
    assert r.status_code == 403
    for body in ({"closed": "perhaps"}, {"closed": None, "extra": 1}, {"name": "  "}):
        r = await company.admin.raw("PATCH", path, body)
        assert r.status_code == 422, (body, r.text)
    r = await company.admin.raw("PATCH", f"/api/departments/{MISSING}", {"closed": False})
    assert r.status_code == 404
    listed = {d["id"]: d for d in await company.admin.call("GET", "/api/departments")}
    assert (listed[dept["id"]]["name"], listed[dept["id"]]["closed"]) == ("Legal", True)


async def test_merging_moves_the_people_with_their_events_and_archives_the_channel(
    company: Company,
) -> None:
    admin, carol = company.admin, company.people["carol"]
    eng_id = company.departments["Engineering"]
    support = await admin.call(
        "POST", "/api/departments", {"name": "Support", "reading": "さぽーと", "closed": False}
    )
    erin = await add_person(company, "erin", support["id"], "えりん")
    frank = await add_person(company, "frank", support["id"])
    await admin.call("PATCH", f"/api/users/{frank.id}", {"is_active": False})
    invite = await admin.call(
        "POST", "/api/invites", {"email": "new@example.com", "department_id": support["id"]}
    )
    source = await department_channel(erin.api, support["id"])
    target = await department_channel(company.people["alice"].api, eng_id)
    old_post = await erin.api.call(
        "POST", f"/api/channels/{source['id']}/posts", {"body": "support history"}
    )

    outsider = await Live.connect(company.server, carol.token)  # reads the open Support
    await outsider.request(
        {"op": "sub", "channel": source["id"], "epoch": source["epoch"], "seq": source["seq"] + 1}
    )
    insider = await Live.connect(company.server, company.people["alice"].token)
    await insider.request(
        {"op": "sub", "channel": target["id"], "epoch": target["epoch"], "seq": target["seq"]}
    )
    mover = await Live.connect(company.server, erin.token)
    me = await mover.request({"op": "sub_me"})

    merged = await admin.call("POST", f"/api/departments/{support['id']}/merge", {"into": eng_id})
    assert merged["id"] == eng_id and merged["people"] == 3  # alice, bob, erin (frank inactive)

    # The source's readers see everyone leave, then the channel archived.
    archived = await outsider.wait(
        lambda f: f["type"] == "event" and f["kind"] == "channel.updated"
    )
    assert archived["data"]["archived"] is True
    left = [f["data"]["user"]["id"] for f in outsider.events(source["id"], "member.left")]
    assert sorted(left) == sorted([erin.id, frank.id])
    # The target's readers see them arrive, with their reading and new department.
    await insider.wait(
        lambda f: (
            f["type"] == "event"
            and f["kind"] == "member.joined"
            and f["data"]["user"]["id"] == frank.id
        )
    )
    joined = [f["data"]["user"] for f in insider.events(target["id"], "member.joined")]
    assert joined[0] == {
        "id": erin.id,
        "display_name": "Erin",
        "department": "Engineering",
        "reading": "えりん",
        "newcomer": False,
        "anonymous": False,
    }
    # The person's own stream says it too, and their own card follows.
    await mover.wait(lambda f: f["type"] == "personal" and f["kind"] == "account.updated")
    personal = [
        (f["kind"], f["data"].get("channel_id") or f["data"].get("department"))
        for f in mover.frames
        if f["type"] == "personal"
    ]
    assert personal == [
        ("membership.removed", source["id"]),
        ("membership.added", target["id"]),
        ("account.updated", "Engineering"),
    ]
    assert me["seq"] + 3 == (await mover.request({"op": "sub_me"}))["seq"]

    assert [c["id"] for c in await erin.api.call("GET", "/api/channels?joined=1")] == [target["id"]]
    assert (await erin.api.call("GET", f"/api/users/{erin.id}"))["department_id"] == eng_id
    assert (await admin.call("GET", f"/api/users/{frank.id}"))["department_id"] == eng_id
    assert support["id"] not in [d["id"] for d in await admin.call("GET", "/api/departments")]
    stranger = Api(company.server.http)
    info = await stranger.call("GET", f"/api/invites/{invite['token']}")
    await stranger.close()
    assert info["department"] == "Engineering"

    # Archived: read as before, written by nobody.
    channel = await carol.api.call("GET", f"/api/channels/{source['id']}")
    assert channel["archived"] is True and channel["member_count"] == 0
    assert not any(v for k, v in channel.items() if k.startswith("can_"))
    page = await carol.api.call("GET", f"/api/channels/{source['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["support history"]
    pid = old_post["post"]["id"]
    for method, path, body in [
        ("POST", f"/api/channels/{source['id']}/posts", {"body": "anyone?"}),
        ("POST", f"/api/posts/{pid}/comments", {"body": "hello"}),
        ("PUT", f"/api/posts/{pid}/like", {}),
        ("POST", f"/api/channels/{source['id']}/join", None),
        ("POST", f"/api/channels/{source['id']}/invite", {"user_ids": [carol.id]}),
    ]:
        for who in (erin.api, carol.api, admin):
            r = await who.raw(method, path, body)
            assert r.status_code == 403, (method, path, r.text)
    answer = await mover.request({"op": "post", "channel": source["id"], "body": "x"})
    assert answer["code"] == "forbidden"
    assert (await carol.api.call("GET", f"/api/channels/{source['id']}/posts"))["posts"] == page[
        "posts"
    ]
    for live in (outsider, insider, mover):
        await live.close()


async def test_merge_and_delete_refuse_what_makes_no_sense(company: Company) -> None:
    admin, carol = company.admin, company.people["carol"]
    sales, eng = company.departments["Sales"], company.departments["Engineering"]
    for path, body, status in [
        (f"/api/departments/{sales}/merge", {"into": sales}, 400),
        (f"/api/departments/{sales}/merge", {"into": MISSING}, 404),
        (f"/api/departments/{MISSING}/merge", {"into": sales}, 404),
        (f"/api/departments/{sales}/merge", {"into": "Engineering"}, 422),
        (f"/api/departments/{sales}/merge", {}, 422),
    ]:
        r = await admin.raw("POST", path, body)
        assert r.status_code == status, (path, body, r.text)
    r = await carol.api.raw("POST", f"/api/departments/{sales}/merge", {"into": eng})
    assert r.status_code == 403
    r = await carol.api.raw("DELETE", f"/api/departments/{sales}")
    assert r.status_code == 403
    # Deleting a department with people in it asks to move them first.
    r = await admin.raw("DELETE", f"/api/departments/{sales}")
    assert r.status_code == 409 and r.json()["error"]["people"] == 1
    listed = {d["id"]: d["people"] for d in await admin.call("GET", "/api/departments")}
    assert listed == {eng: 2, sales: 1}
    channel = await department_channel(carol.api, sales)
    assert channel["archived"] is False and channel["is_member"] is True


async def test_deleting_an_empty_department_archives_its_channel(company: Company) -> None:
    admin = company.admin
    temp = await admin.call("POST", "/api/departments", {"name": "Temp", "closed": False})
    gina = await add_person(company, "gina", temp["id"])
    hank = await add_person(company, "hank", temp["id"])
    await admin.call("PATCH", f"/api/users/{hank.id}", {"is_active": False})
    channel = await department_channel(gina.api, temp["id"])
    await gina.api.call("POST", f"/api/channels/{channel['id']}/posts", {"body": "last words"})
    await admin.call("PATCH", f"/api/users/{gina.id}", {"department_id": None})
    watcher = await Live.connect(company.server, company.people["carol"].token)
    await watcher.request({"op": "sub", "channel": channel["id"]})

    r = await admin.raw("DELETE", f"/api/departments/{temp['id']}")
    assert r.status_code == 204, r.text
    told = await watcher.wait(lambda f: f["type"] == "event" and f["kind"] == "channel.updated")
    assert told["data"]["archived"] is True
    # The deactivated person went to no department, with their leaving told.
    assert (await admin.call("GET", f"/api/users/{hank.id}"))["department_id"] is None
    assert [f["data"]["user"]["id"] for f in watcher.events(channel["id"], "member.left")] == [
        hank.id
    ]
    assert temp["id"] not in [d["id"] for d in await admin.call("GET", "/api/departments")]
    listed = {c["id"]: c for c in await gina.api.call("GET", "/api/channels")}
    assert listed[channel["id"]]["archived"] is True
    page = await gina.api.call("GET", f"/api/channels/{channel['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["last words"]
    assert (await admin.raw("DELETE", f"/api/departments/{temp['id']}")).status_code == 404
    await watcher.close()


async def test_departments_are_listed_in_reading_order(company: Company) -> None:
    admin = company.admin
    for name, reading in (
        ("総務部", "そうむぶ"),
        ("営業部", "えいぎょうぶ"),
        ("開発部", "カイハツブ"),
    ):
        await admin.call("POST", "/api/departments", {"name": name, "reading": reading})
    names = [d["name"] for d in await admin.call("GET", "/api/departments")]
    # Latin names (no reading) by their letters, then kana readings in gojūon order.
    assert names == ["Engineering", "Sales", "営業部", "開発部", "総務部"]
    made = await admin.call("GET", "/api/departments")
    assert made[3]["reading"] == "カイハツブ"
