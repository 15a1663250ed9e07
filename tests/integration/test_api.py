"""People, departments, groups, history and the API description."""

from __future__ import annotations

import asyncio
import re

import httpx
from starlette.routing import Route

from server.api import api
from server.app import create_app
from tests.support.clients import Api, Company, Live, department_channel
from tests.support.servers import Running


async def test_department_channel_follows_people_who_move(company: Company) -> None:
    carol = company.people["carol"]
    eng = await department_channel(carol.api, company.departments["Engineering"])
    sales = await department_channel(carol.api, company.departments["Sales"])
    assert sales["is_member"] and not eng["is_member"]
    watcher = await Live.connect(company.server, company.people["alice"].token)
    await watcher.request(
        {"op": "sub", "channel": eng["id"], "epoch": eng["epoch"], "seq": eng["seq"]}
    )

    await company.admin.call(
        "PATCH", f"/api/users/{carol.id}", {"department_id": company.departments["Engineering"]}
    )
    joined = await watcher.wait(lambda f: f["type"] == "event" and f["kind"] == "member.joined")
    assert joined["data"]["user"] == {
        "id": carol.id,
        "display_name": "Carol",
        "department": "Engineering",
        "reading": "きゃろる",
        "newcomer": False,
        "anonymous": False,
    }
    mine = {c["id"]: c for c in await carol.api.call("GET", "/api/channels?joined=1")}
    assert eng["id"] in mine and sales["id"] not in mine
    members = await carol.api.call("GET", f"/api/channels/{sales['id']}/members")
    assert carol.id not in [m["id"] for m in members]
    # Department channels cannot be left or joined by hand.
    r = await carol.api.raw("POST", f"/api/channels/{eng['id']}/leave")
    assert r.status_code == 403
    await watcher.close()


async def test_admin_manages_departments_accounts_and_invitations(company: Company) -> None:
    admin = company.admin
    dept = await admin.call("POST", "/api/departments", {"name": "人事部"})
    await admin.call("PATCH", f"/api/departments/{dept['id']}", {"name": "人事・総務"})
    names = [d["name"] for d in await admin.call("GET", "/api/departments")]
    assert "人事・総務" in names and "人事部" not in names
    r = await admin.raw("POST", "/api/departments", {"name": "人事・総務"})
    assert r.status_code == 409

    invite = await admin.call(
        "POST", "/api/invites", {"email": "newhire@example.com", "department_id": dept["id"]}
    )
    token = invite["token"]
    assert invite["url"].endswith(f"/#/invite/{token}")
    newcomer = Api(company.server.http)
    info = await newcomer.call("GET", f"/api/invites/{token}")
    assert info == {
        "email": "newhire@example.com",
        "role": "member",
        "department": "人事・総務",
        "first_admin": False,
    }
    r = await newcomer.raw(
        "POST",
        f"/api/invites/{token}/accept",
        {"email": "other@example.com", "display_name": "X", "password": "p" * 10},
    )
    assert r.status_code == 400
    session = await newcomer.call(
        "POST",
        f"/api/invites/{token}/accept",
        {"email": "newhire@example.com", "display_name": "新人 太郎", "password": "welcome-aboard"},
    )
    assert session["user"]["department"] == "人事・総務"
    # The department is closed (the default): its channel, renamed with it, is
    # the newcomer's, and the admin, not in it, does not see it.
    mine = await newcomer.call("GET", "/api/channels?joined=1")
    assert [(c["name"], c["department_id"], c["is_private"]) for c in mine] == [
        ("人事・総務", dept["id"], True)
    ]
    assert mine[0]["id"] not in [c["id"] for c in await admin.call("GET", "/api/channels")]
    # Used once.
    again = Api(company.server.http)
    assert (await again.raw("GET", f"/api/invites/{token}")).status_code == 404
    # Members cannot do admin work.
    alice = company.people["alice"]
    for method, path, body in [
        ("POST", "/api/departments", {"name": "X"}),
        ("POST", "/api/invites", {}),
        ("PATCH", f"/api/users/{alice.id}", {"role": "admin"}),
        ("POST", "/api/users", {"email": "z@z.z", "display_name": "Z", "password": "12345678"}),
    ]:
        assert (await alice.api.raw(method, path, body)).status_code == 403
    await newcomer.close()
    await again.close()


async def test_people_directory_and_profile(company: Company) -> None:
    alice = company.people["alice"]
    live = await Live.connect(company.server, company.people["bob"].token)
    people = await alice.api.call("GET", "/api/users?q=bo")
    assert [(p["display_name"], p["department"], p["status"]) for p in people] == [
        ("Bob", "Engineering", "online")
    ]
    card = await alice.api.call("GET", f"/api/users/{company.people['carol'].id}")
    assert (card["display_name"], card["status"]) == ("Carol", "offline")
    await live.close()


async def test_groups_directory_join_leave_and_search(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call(
        "POST", "/api/channels", {"name": "Board games", "description": "週末のボードゲーム"}
    )
    assert group["created_by"] == alice.id
    found = await bob.api.call("GET", "/api/channels?q=ボードゲーム")
    assert [(c["id"], c["member_count"], c["is_member"]) for c in found] == [
        (group["id"], 1, False)
    ]
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["member_count"] == 2
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["is_member"] is False
    r = await bob.api.raw("PATCH", f"/api/channels/{group['id']}", {"name": "mine"})
    assert r.status_code == 403
    await alice.api.call("PATCH", f"/api/channels/{group['id']}", {"description": "毎週金曜"})
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["description"] == "毎週金曜"


async def test_history_pages_back_to_the_start(company: Company) -> None:
    alice = company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    for i in range(120):
        await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": f"n{i}"})
    seen: list[str] = []
    before = None
    pages = 0
    while True:
        query = f"?before={before}" if before else ""
        page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts{query}")
        seen = [p["body"] for p in page["posts"]] + seen
        pages += 1
        before = page["before"]
        if before is None:
            break
    assert pages == 3 and seen == [f"n{i}" for i in range(120)]


async def test_like_unlike_edit_delete_and_likers(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = (await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "x"}))["post"]
    pid = post["id"]
    await bob.api.call("PUT", f"/api/posts/{pid}/like", {"cid": "l1"})
    again = await bob.api.call("PUT", f"/api/posts/{pid}/like", {})
    assert again["duplicate"] is False  # already liked: nothing changes
    likers = await alice.api.call("GET", f"/api/posts/{pid}/likes")
    assert likers == [
        {"id": bob.id, "display_name": "Bob", "department": "Engineering", "reading": "ぼぶ"}
    ]
    page = await bob.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert page["posts"][0]["liked_by_me"] is True and page["posts"][0]["like_count"] == 1
    await bob.api.call("DELETE", f"/api/posts/{pid}/like")
    assert (await alice.api.call("GET", f"/api/posts/{pid}"))["post"]["like_count"] == 0
    comment = (await bob.api.call("POST", f"/api/posts/{pid}/comments", {"body": "c"}))["post"]
    reply = await alice.api.call("POST", f"/api/posts/{comment['id']}/comments", {"body": "r"})
    assert reply["post"]["parent_id"] == pid  # one level of thread
    await bob.api.call("DELETE", f"/api/posts/{comment['id']}")
    thread = await alice.api.call("GET", f"/api/posts/{pid}")
    assert [c["body"] for c in thread["comments"]] == ["r"] and thread["post"]["comment_count"] == 1
    await alice.api.call("DELETE", f"/api/posts/{pid}")
    assert (await alice.api.raw("GET", f"/api/posts/{pid}")).status_code == 404


async def test_openapi_document_matches_the_routes(server: Running) -> None:
    async with httpx.AsyncClient(base_url=server.http) as http:
        doc = (await http.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    app = create_app()
    served = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/") and route.methods:
            if route.path in ("/api/openapi.json", "/api/{rest:path}"):
                continue
            path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
            served |= {(m, path) for m in route.methods if m != "HEAD"}
    assert documented == served
    assert len(served) == len(api.endpoints)
    for ops in doc["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                for content in response.get("content", {}).values():
                    ref = content["schema"].get("$ref") or content["schema"].get("items", {}).get(
                        "$ref"
                    )
                    if ref:
                        assert ref.split("/")[-1] in doc["components"]["schemas"]


async def test_a_connection_kept_alive_by_a_client_is_still_served_after_a_pause(
    server: Running,
) -> None:
    """httpx and requests keep an idle connection for 5 s; a server that closed its
    end at the same 5 s made a request sent on it fail without a response."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        for pause in (6, 0):  # longer than the clients' 5 s, then none
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 200")
            length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
            assert length is not None
            await reader.readexactly(int(length.group(1)))
            await asyncio.sleep(pause)
    finally:
        writer.close()


async def test_health_and_metrics(company: Company) -> None:
    alice = company.people["alice"]
    live = await Live.connect(company.server, alice.token)
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await live.request({"op": "sub", "channel": eng["id"]})
    await live.request({"op": "post", "channel": eng["id"], "body": "m"})
    async with httpx.AsyncClient(base_url=company.server.http) as http:
        health = (await http.get("/healthz")).json()
        assert health == {"status": "ok", "database": "ok", "bus": "ok"}
        text = (await http.get("/metrics")).text
    assert "kaisha_ws_connections 1.0" in text
    assert re.search(r"kaisha_events_delivered_total [1-9]", text)
    assert re.search(r"kaisha_events_published_total [1-9]", text)
    assert "kaisha_delivery_latency_seconds_bucket" in text
    await live.close()
