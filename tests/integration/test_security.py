"""Only signed-in people see anything; private groups are invisible to
non-members everywhere; nobody changes what is not theirs."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Origin

from tests.support.backends import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.clients import Api, Company, Live, department_channel
from tests.support.servers import Running, describe, server_errors


async def _close_code(server: Running, **kw: object) -> int | None:
    async with connect(server.ws, **kw) as ws:  # type: ignore[arg-type]
        await ws.wait_closed()
        return ws.close_code


@pytest.mark.parametrize(
    "path",
    [
        "/api/channels",
        "/api/users",
        "/api/session",
        "/api/channels/1/posts",
        "/api/posts/1",
        "/api/departments",
    ],
)
async def test_api_refuses_the_signed_out(server: Running, path: str) -> None:
    anon = Api(server.http)
    r = await anon.raw("GET", path)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    bad = Api(server.http, token="kt_not-a-token")
    assert (await bad.raw("GET", path)).status_code == 401
    await anon.close()
    await bad.close()


async def test_websocket_refuses_missing_and_bad_credentials(server: Running) -> None:
    assert await _close_code(server) == 4001
    assert await _close_code(server, additional_headers={"authorization": "Bearer nope"}) == 4001


async def test_cookie_websocket_from_foreign_origin_is_refused(company: Company) -> None:
    server = company.server
    cookie = f"kaisha_session={company.admin.http.cookies['kaisha_session']}"
    headers = {"cookie": cookie}
    foreign = await _close_code(
        server, additional_headers=headers, origin=Origin("http://evil.example")
    )
    assert foreign == 4003
    own = Origin(f"http://127.0.0.1:{server.port}")
    async with connect(server.ws, additional_headers=headers, origin=own) as ws:
        hello = await ws.recv()
        assert '"type":"hello"' in str(hello)


async def test_cookie_writes_need_the_csrf_token(company: Company) -> None:
    admin = company.admin
    r = await admin.raw(
        "POST", "/api/departments", {"name": "Legal"}, headers={"x-csrf-token": "wrong"}
    )
    assert r.status_code == 403
    names = [d["name"] for d in await admin.call("GET", "/api/departments")]
    assert "Legal" not in names


async def test_deactivated_person_is_disconnected_at_once_and_locked_out(company: Company) -> None:
    carol = company.people["carol"]
    live = await Live.connect(company.server, carol.token)
    await company.admin.call("PATCH", f"/api/users/{carol.id}", {"is_active": False})
    code, _ = await live.closed
    assert code == 4003
    assert (await carol.api.raw("GET", "/api/channels")).status_code == 401
    fresh = Api(company.server.http)
    r = await fresh.raw(
        "POST", "/api/session", {"email": carol.email, "password": "password-carol"}
    )
    assert r.status_code == 401
    await fresh.close()


async def test_private_group_is_invisible_to_non_members(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await alice.api.call(
        "POST",
        "/api/channels",
        {"name": "Secret Project", "description": "hush", "is_private": True},
    )
    cid = group["id"]
    post = await alice.api.call("POST", f"/api/channels/{cid}/posts", {"body": "classified"})
    post_id = post["post"]["id"]

    listing = await carol.api.call("GET", "/api/channels")
    assert all(c["id"] != cid for c in listing)
    assert await carol.api.call("GET", "/api/channels?q=secret") == []
    for method, path, body in [
        ("GET", f"/api/channels/{cid}", None),
        ("GET", f"/api/channels/{cid}/posts", None),
        ("GET", f"/api/channels/{cid}/events?epoch={group['epoch']}&seq=0", None),
        ("GET", f"/api/channels/{cid}/members", None),
        ("POST", f"/api/channels/{cid}/join", None),
        ("POST", f"/api/channels/{cid}/posts", {"body": "let me in"}),
        ("GET", f"/api/posts/{post_id}", None),
        ("GET", f"/api/posts/{post_id}/likes", None),
        ("PUT", f"/api/posts/{post_id}/like", {}),
        ("POST", f"/api/posts/{post_id}/comments", {"body": "hi"}),
    ]:
        r = await carol.api.raw(method, path, body)
        assert r.status_code == 404, (method, path, r.text)
        # Same answer as for a channel that does not exist: nothing leaks.
        assert r.json()["error"]["code"] == "not_found"

    live = await Live.connect(company.server, carol.token)
    refused = await live.request({"op": "sub", "channel": cid, "seq": 0, "epoch": group["epoch"]})
    assert refused["type"] == "error" and refused["code"] == "not_found"
    write = await live.request({"op": "post", "channel": cid, "body": "x"})
    assert write["code"] == "not_found"
    assert (await live.request({"op": "who", "channel": cid}))["code"] == "not_found"

    # An invitation lets bob in; alice's post then shows for him.
    await alice.api.call("POST", f"/api/channels/{cid}/invite", {"user_ids": [bob.id]})
    page = await bob.api.call("GET", f"/api/channels/{cid}/posts")
    assert [p["body"] for p in page["posts"]] == ["classified"]
    await live.close()


async def test_non_members_cannot_write_to_public_channels(company: Company) -> None:
    carol = company.people["carol"]
    eng = await department_channel(carol.api, company.departments["Engineering"])
    r = await carol.api.raw("POST", f"/api/channels/{eng['id']}/posts", {"body": "hi"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    live = await Live.connect(company.server, carol.token)
    answer = await live.request({"op": "post", "channel": eng["id"], "body": "hi"})
    assert answer["code"] == "forbidden"
    page = await carol.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert page["posts"] == []
    await live.close()


async def test_only_author_or_moderator_edits_and_deletes(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    made = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "mine"})
    pid = made["post"]["id"]
    r = await bob.api.raw("PATCH", f"/api/posts/{pid}", {"body": "yours now"})
    assert r.status_code == 403
    r = await bob.api.raw("DELETE", f"/api/posts/{pid}")
    assert r.status_code == 403
    live = await Live.connect(company.server, bob.token)
    assert (await live.request({"op": "edit", "post": pid, "body": "x"}))["code"] == "forbidden"
    thread = await alice.api.call("GET", f"/api/posts/{pid}")
    assert thread["post"]["body"] == "mine" and thread["post"]["edited_at"] is None

    await alice.api.call("PATCH", f"/api/posts/{pid}", {"body": "mine, edited"})
    thread = await bob.api.call("GET", f"/api/posts/{pid}")
    assert thread["post"]["body"] == "mine, edited" and thread["post"]["edited_at"] is not None
    # A moderator may remove anyone's post in a channel they can see.
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"role": "moderator"})
    await bob.api.call("DELETE", f"/api/posts/{pid}")
    page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert page["posts"] == []
    await live.close()


async def test_sign_in_is_throttled_after_repeated_failures(server: Running) -> None:
    client = Api(server.http)
    for _ in range(5):
        r = await client.raw("POST", "/api/session", {"email": ADMIN_EMAIL, "password": "wrong"})
        assert r.status_code == 401
    r = await client.raw("POST", "/api/session", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    await client.close()


async def test_signing_out_ends_the_session_at_once(company: Company) -> None:
    session = Api(company.server.http)
    await session.sign_in(company.people["bob"].email, "password-bob")
    assert (await session.raw("GET", "/api/session")).status_code == 200  # now cached
    cookie = session.http.cookies["kaisha_session"]
    await session.call("DELETE", "/api/session")
    stale = Api(company.server.http)
    stale.http.cookies.set("kaisha_session", cookie)
    assert (await stale.raw("GET", "/api/session")).status_code == 401
    await session.close()
    await stale.close()


async def test_signing_out_answers_an_empty_204_and_the_server_stays_well(company: Company) -> None:
    """Found by schemathesis: a 204 with a JSON "null" body made uvicorn raise
    after the status line ("Response content longer than Content-Length") on
    every sign-out, and drop the connection."""
    session = Api(company.server.http)
    await session.sign_in(company.people["bob"].email, "password-bob")
    with server_errors() as errors:
        r = await session.raw("DELETE", "/api/session")
        after = await session.raw("GET", "/api/setup")
    assert (r.status_code, r.content) == (204, b"")
    assert "kaisha_session" not in session.http.cookies
    assert after.status_code == 200
    assert errors == [], describe(errors)
    await session.close()
