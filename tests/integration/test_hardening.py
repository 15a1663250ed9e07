"""What outside probes found after access was checked: comments of deleted
posts, deactivated members in ``who``, and /metrics open to anyone."""

from __future__ import annotations

import dataclasses

from server.settings import Settings
from tests.support.clients import Api, Company, Live, department_channel
from tests.support.servers import serve


async def test_a_comment_goes_with_its_deleted_post(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "p"})
    pid = post["post"]["id"]
    comment = await bob.api.call("POST", f"/api/posts/{pid}/comments", {"body": "c"})
    cid = comment["post"]["id"]
    await alice.api.call("DELETE", f"/api/posts/{pid}")
    for method, path, body in (
        ("GET", f"/api/posts/{cid}", None),
        ("GET", f"/api/posts/{cid}/likes", None),
        ("POST", f"/api/posts/{cid}/comments", {"body": "reply"}),
        ("PUT", f"/api/posts/{cid}/like", {}),
        ("PATCH", f"/api/posts/{cid}", {"body": "edited"}),
        ("DELETE", f"/api/posts/{cid}", None),
    ):
        answer = await bob.api.raw(method, path, body)
        assert answer.status_code == 404, (method, path, answer.text)


async def test_who_leaves_out_deactivated_members(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    live = await Live.connect(company.server, alice.token)
    before = await live.request({"op": "who", "channel": eng["id"]})
    assert bob.id in {u["user"] for u in before["users"]}
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"is_active": False})
    after = await live.request({"op": "who", "channel": eng["id"]})
    assert bob.id not in {u["user"] for u in after["users"]}
    members = await alice.api.call("GET", f"/api/channels/{eng['id']}/members")
    assert bob.id not in {m["id"] for m in members}
    await live.close()


# A client on another machine, seen through a trusted reverse proxy on loopback.
FROM_ELSEWHERE = {"x-forwarded-for": "203.0.113.5"}


async def test_metrics_answer_loopback_only_unless_a_token_says_otherwise(
    settings: Settings,
) -> None:
    proxied = dataclasses.replace(settings, trusted_proxies=("127.0.0.1",))
    async with serve(proxied) as server:
        here = Api(server.http)
        assert (await here.raw("GET", "/metrics")).status_code == 200
        refused = await here.raw("GET", "/metrics", headers=FROM_ELSEWHERE)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        await here.close()
    with_token = dataclasses.replace(proxied, metrics_token="s3cret-scraper")
    async with serve(with_token) as server:
        elsewhere = Api(server.http)
        assert (await elsewhere.raw("GET", "/metrics", headers=FROM_ELSEWHERE)).status_code == 401
        scraper = Api(server.http, "s3cret-scraper")
        answer = await scraper.raw("GET", "/metrics", headers=FROM_ELSEWHERE)
        assert answer.status_code == 200 and "kaisha_ws_connections" in answer.text
        for api in (elsewhere, scraper):
            await api.close()
