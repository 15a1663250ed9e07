"""A change of rights made through one node takes effect at once on the other:
signing out closes that session's sockets there, a demoted moderator can no
longer moderate there (socket or HTTP), and leaving a private group ends its
feed there. Also: a mass reconnect of 500 sockets loses no presence update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.backends import check_redis, clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Api, Company, Live, department_channel, make_company
from tests.support.servers import Node
from tests.support.timing import deadline, wait_for


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[list[Node], Company]]:
    await prepare_postgres()
    await clean_postgres()
    await check_redis()
    # A long heal interval and credential check: what happens, happens by the bus.
    settings = settings_for("postgres", tmp_path, heal_interval=60.0)
    nodes = [Node(settings) for _ in range(2)]
    try:
        for node in nodes:
            await node.start()
        company = await make_company(nodes[0].running)
        yield nodes, company
        await company.close()
    finally:
        for node in nodes:
            await node.kill()


async def test_rights_changed_on_one_node_hold_at_once_on_the_other(
    cluster: tuple[list[Node], Company],
) -> None:
    nodes, company = cluster
    a, b = (n.running for n in nodes)
    alice, bob = company.people["alice"], company.people["bob"]

    # Signing out through A closes that session's socket on B.
    browser = Api(a.http)
    await browser.sign_in(alice.email, "password-alice")
    cookie = browser.http.cookies.get("kaisha_session")
    on_b = await Live.connect(b, None, additional_headers={"cookie": f"kaisha_session={cookie}"})
    await browser.call("DELETE", "/api/session")
    code, _ = await asyncio.wait_for(on_b.closed, deadline(5))
    assert code == 4001
    await on_b.close()
    await browser.close()

    # A moderator demoted through A moderates nothing more through B.
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"role": "moderator"})
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "mine"})
    pid = post["post"]["id"]
    bob_b = Api(b.http, bob.token)
    await bob_b.call("PATCH", f"/api/posts/{pid}", {"body": "moderated once"})  # warms B's cache
    bob_socket = await Live.connect(b, bob.token)
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"role": "member"})
    over_http = await bob_b.raw("PATCH", f"/api/posts/{pid}", {"body": "again"})
    assert over_http.status_code == 403
    over_socket = await bob_socket.request({"op": "edit", "post": pid, "body": "again"})
    assert over_socket["type"] == "error" and over_socket["code"] == "forbidden"

    # Leaving a private group through A ends its feed on B.
    group = await alice.api.call("POST", "/api/channels", {"name": "Inner", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    await bob_socket.request({"op": "sub", "channel": group["id"]})
    bob_a = Api(a.http, bob.token)
    await bob_a.call("POST", f"/api/channels/{group['id']}/leave")
    await bob_a.close()
    told = await bob_socket.wait(lambda f: f["type"] == "unsubbed", seconds=5)
    assert told["channel"] == group["id"] and told["reason"] == "access_lost"
    await bob_socket.close()
    await bob_b.close()
    assert [node.errors() for node in nodes] == [[], []]


PEOPLE, SOCKETS_EACH = 100, 5


async def test_a_mass_reconnect_of_500_sockets_loses_no_presence_update(
    cluster: tuple[list[Node], Company],
) -> None:
    nodes, company = cluster
    a, b = (n.running for n in nodes)
    eng = company.departments["Engineering"]
    tokens: dict[int, str] = {}
    for n in range(PEOPLE):
        email = f"p{n}@example.com"
        made = await company.admin.call(
            "POST",
            "/api/users",
            {
                "email": email,
                "display_name": f"Person {n}",
                "password": f"quiet meadow {n} lantern",
                "department_id": eng,
            },
        )
        browser = Api(a.http)
        await browser.sign_in(email, f"quiet meadow {n} lantern")
        tokens[made["id"]] = await browser.new_token()
        await browser.close()

    async def statuses() -> dict[int, str]:
        people = await company.admin.call("GET", "/api/users")
        return {p["id"]: p["status"] for p in people if p["id"] in tokens}

    sockets = await asyncio.gather(
        *[Live.connect(b, token) for token in tokens.values() for _ in range(SOCKETS_EACH)]
    )
    assert len(sockets) == PEOPLE * SOCKETS_EACH

    async def everyone(status: str) -> bool:
        return set((await statuses()).values()) == {status}

    await wait_for(lambda: everyone("online"), 30, "500 sockets' people online")
    await asyncio.gather(*[s.close() for s in sockets])
    await wait_for(lambda: everyone("offline"), 30, "everyone offline again")
    assert [node.errors() for node in nodes] == [[], []]
