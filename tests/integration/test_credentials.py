"""What one signs in with: sessions and tokens one can see and end (their
sockets close at once), passwords one can change or reset, setup links that
die with the first account, throttling that never locks an owner out, and no
credential in a log."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
from pathlib import Path

import pytest

from server.settings import Settings
from tests.support.backends import ADMIN_EMAIL, settings_for
from tests.support.clients import Api, Company, Live
from tests.support.servers import Running, free_port, serve
from tests.support.timing import deadline


async def _browser(server: Running, email: str, password: str, **kw: str) -> Api:
    api = Api(server.http, **kw)
    await api.sign_in(email, password)
    return api


async def _socket_of(api: Api, server: Running) -> Live:
    """A live connection opened with this browser session's cookie."""
    cookie = api.http.cookies.get("kaisha_session")
    return await Live.connect(
        server, None, additional_headers={"cookie": f"kaisha_session={cookie}"}
    )


async def test_signing_out_ends_that_sessions_sockets_and_nothing_else(company: Company) -> None:
    server, alice = company.server, company.people["alice"]
    tab_a = await _browser(server, alice.email, "password-alice")
    tab_b = await _browser(server, alice.email, "password-alice")
    live_a, live_b = await _socket_of(tab_a, server), await _socket_of(tab_b, server)
    await tab_a.call("DELETE", "/api/session")
    code, _ = await asyncio.wait_for(live_a.closed, deadline(5))
    assert code == 4001  # sign in again
    assert (await tab_a.raw("GET", "/api/session")).status_code == 401
    pong = await live_b.request({"op": "ping"})  # the other session carries on
    assert pong["type"] == "pong"
    await tab_b.call("GET", "/api/session")
    await live_b.close()
    for api in (tab_a, tab_b):
        await api.close()


async def test_a_person_sees_their_sessions_and_ends_one(company: Company) -> None:
    server, bob = company.server, company.people["bob"]
    here = await _browser(server, bob.email, "password-bob")
    there = await _browser(server, bob.email, "password-bob", address="127.0.0.2")
    live_there = await _socket_of(there, server)
    sessions = await here.call("GET", "/api/me/sessions")
    mine = [s for s in sessions if s["current"]]
    others = [s for s in sessions if s["address"] == "127.0.0.2"]
    assert len(mine) == 1 and len(others) == 1
    assert others[0]["user_agent"] and others[0]["last_used_at"]
    assert all(len(s["id"]) == 16 for s in sessions)  # a name, not the secret or its digest
    await here.call("DELETE", f"/api/me/sessions/{others[0]['id']}")
    code, _ = await asyncio.wait_for(live_there.closed, deadline(5))
    assert code == 4001
    assert (await there.raw("GET", "/api/session")).status_code == 401
    # Another person's session cannot be named.
    carol = await _browser(server, company.people["carol"].email, "password-carol")
    assert (await carol.raw("DELETE", f"/api/me/sessions/{mine[0]['id']}")).status_code == 404
    await here.call("GET", "/api/session")
    for api in (here, there, carol):
        await api.close()


async def test_tokens_are_listed_revoked_expire_and_die_with_deactivation(
    company: Company,
) -> None:
    server, carol = company.server, company.people["carol"]
    browser = await _browser(server, carol.email, "password-carol")
    issued = await browser.call("POST", "/api/tokens", {"name": "bot", "expires_in_days": 7})
    assert issued["expires_at"] and issued["token"].startswith("kt_")
    listed = await browser.call("GET", "/api/tokens")
    assert {t["name"] for t in listed} >= {"bot", "test"}
    assert all("token" not in t for t in listed)
    bot = await Live.connect(server, issued["token"])
    await browser.call("DELETE", f"/api/tokens/{issued['id']}")
    code, _ = await asyncio.wait_for(bot.closed, deadline(5))
    assert code == 4001
    await bot.close()
    revoked = Api(server.http, issued["token"])
    assert (await revoked.raw("GET", "/api/session")).status_code == 401
    await revoked.close()
    # A limit on how many.
    made = len(await browser.call("GET", "/api/tokens"))
    for n in range(made, 20):
        await browser.call("POST", "/api/tokens", {"name": f"t{n}"})
    over = await browser.raw("POST", "/api/tokens", {"name": "one too many"})
    assert over.status_code == 409
    # Deactivated then reactivated: the old token is dead for good.
    await company.admin.call("PATCH", f"/api/users/{carol.id}", {"is_active": False})
    await company.admin.call("PATCH", f"/api/users/{carol.id}", {"is_active": True})
    assert (await carol.api.raw("GET", "/api/session")).status_code == 401
    await browser.close()


async def test_changing_ones_password_ends_every_other_session(company: Company) -> None:
    server, alice = company.server, company.people["alice"]
    here = await _browser(server, alice.email, "password-alice")
    elsewhere = await _browser(server, alice.email, "password-alice")
    live_elsewhere = await _socket_of(elsewhere, server)
    live_here = await _socket_of(here, server)
    wrong = await here.raw("POST", "/api/me/password", {"current": "nope", "new": "x" * 12})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_password"
    weak = await here.raw(
        "POST", "/api/me/password", {"current": "password-alice", "new": "password"}
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    new = "窓の外に白い猫が三匹"
    await here.call("POST", "/api/me/password", {"current": "password-alice", "new": new})
    code, _ = await asyncio.wait_for(live_elsewhere.closed, deadline(5))
    assert code == 4001
    assert (await elsewhere.raw("GET", "/api/session")).status_code == 401
    assert (await live_here.request({"op": "ping"}))["type"] == "pong"
    refused = Api(server.http)
    assert (
        await refused.raw(
            "POST", "/api/session", {"email": alice.email, "password": "password-alice"}
        )
    ).status_code == 401
    await (await _browser(server, alice.email, new)).close()
    await live_here.close()
    for api in (here, elsewhere, refused):
        await api.close()


async def test_an_admin_reset_link_sets_a_new_password_once(company: Company) -> None:
    server, bob = company.server, company.people["bob"]
    member = await _browser(server, bob.email, "password-bob")
    assert (await member.raw("POST", f"/api/users/{bob.id}/reset-link")).status_code == 403
    issued = await company.admin.call("POST", f"/api/users/{bob.id}/reset-link")
    token = issued["url"].rsplit("/", 1)[1]
    anyone = Api(server.http)
    info = await anyone.call("GET", f"/api/resets/{token}")
    assert info["email"] == bob.email
    weak = await anyone.raw("POST", f"/api/resets/{token}", {"password": "12345678"})
    assert weak.status_code == 400  # and the link still works
    await anyone.call("POST", f"/api/resets/{token}", {"password": "blue kettle on the stove"})
    assert (await member.raw("GET", "/api/session")).status_code == 401  # old sessions end
    later = Api(server.http)  # (``anyone`` is signed in now)
    again = await later.raw("POST", f"/api/resets/{token}", {"password": "another long one"})
    assert again.status_code == 404
    for api in (member, anyone, later):
        await api.close()


async def test_forgot_password_mails_a_link_when_mail_is_on(
    settings: Settings, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller  # a real SMTP server, on loopback

    received: list[str] = []

    class Keep:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            received.append(envelope.content.decode())  # type: ignore[attr-defined]
            return "250 OK"

    port = free_port()
    mail = Controller(Keep(), hostname="127.0.0.1", port=port)
    mail.start()
    try:
        on = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port)
        async with serve(on) as server:
            anyone = Api(server.http)
            answer = await anyone.call("POST", "/api/password/forgot", {"email": ADMIN_EMAIL})
            assert answer == {"mailed": True}
            unknown = await anyone.call("POST", "/api/password/forgot", {"email": "no@example.com"})
            assert unknown == {"mailed": True}  # the same answer: nothing to learn
            assert len(received) == 1
            message = email.message_from_string(received[0], policy=email.policy.default)
            assert message["To"] == ADMIN_EMAIL and "パスワード" in message["Subject"]
            body = message.get_body()
            assert body is not None
            text = body.get_content()
            link = next(line for line in text.splitlines() if "/#/reset/" in line)
            token = link.rsplit("/", 1)[1].strip()
            await anyone.call("POST", f"/api/resets/{token}", {"password": "plum tree at noon"})
            await (await _browser(server, ADMIN_EMAIL, "plum tree at noon")).close()
            await anyone.close()
    finally:
        mail.stop()
    async with serve(settings) as server:  # mail off: the person is told to ask an admin
        anyone = Api(server.http)
        assert await anyone.call("POST", "/api/password/forgot", {"email": ADMIN_EMAIL}) == {
            "mailed": False
        }
        await anyone.close()


async def test_setup_links_die_the_moment_an_account_exists(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    empty = dataclasses.replace(
        settings_for("sqlite", tmp_path), admin_email=None, admin_password=None
    )
    links = []
    for _ in range(2):  # two starts, two links
        async with serve(empty):
            pass
        links.append(capfd.readouterr().err.split("/#/invite/", 1)[1].split()[0])
    async with serve(empty) as server:
        anyone = Api(server.http)
        body = {
            "email": "boss@example.com",
            "display_name": "Boss",
            "password": "long and rare words",
        }
        await anyone.call("POST", f"/api/invites/{links[1]}/accept", body)
        stranger = Api(server.http)
        late = await stranger.raw(
            "POST", f"/api/invites/{links[0]}/accept", {**body, "email": "intruder@example.com"}
        )
        assert late.status_code == 404
        assert (await stranger.raw("GET", f"/api/invites/{links[0]}")).status_code == 404
        for api in (anyone, stranger):
            await api.close()
    capfd.readouterr()
    async with serve(empty):
        pass
    assert "/#/invite/" not in capfd.readouterr().err  # nothing printed once set up


async def test_wrong_passwords_slow_the_guesser_never_the_owner(company: Company) -> None:
    server, alice = company.server, company.people["alice"]
    guesser = Api(server.http, address="127.0.0.2")
    answers = await asyncio.gather(
        *[
            guesser.raw(
                "POST",
                "/api/session",
                {"email": alice.email, "password": f"guess{n}"},
                # A forged header changes nothing: no proxy is trusted here.
                headers={"x-forwarded-for": f"10.0.0.{n}"},
            )
            for n in range(40)
        ]
    )
    codes = sorted(r.status_code for r in answers)
    # Five tries, then a wait: 40 parallel guesses cannot slip in before it.
    assert codes == [401] * 5 + [429] * 35, codes
    assert all(int(r.headers["retry-after"]) >= 1 for r in answers if r.status_code == 429)
    right = await guesser.raw(
        "POST", "/api/session", {"email": alice.email, "password": "password-alice"}
    )
    assert right.status_code == 429  # from that address: wait, even with the right one
    owner = Api(server.http, address="127.0.0.3")
    await owner.sign_in(alice.email, "password-alice")  # the owner, elsewhere: never held up
    for api in (guesser, owner):
        await api.close()


async def test_invitations_are_listed_and_revoked(company: Company) -> None:
    admin = company.admin
    issued = await admin.call("POST", "/api/invites", {"email": "new@example.com"})
    listed = await admin.call("GET", "/api/invites")
    mine = [i for i in listed if i["email"] == "new@example.com"]
    assert len(mine) == 1 and len(mine[0]["id"]) == 16
    bob = company.people["bob"].api
    assert (await bob.raw("GET", "/api/invites")).status_code == 403
    assert (await bob.raw("DELETE", f"/api/invites/{mine[0]['id']}")).status_code == 403
    await admin.call("DELETE", f"/api/invites/{mine[0]['id']}")
    stranger = Api(company.server.http)
    body = {"email": "new@example.com", "display_name": "New", "password": "lantern by the sea"}
    late = await stranger.raw("POST", f"/api/invites/{issued['token']}/accept", body)
    assert late.status_code == 404
    await stranger.close()


async def test_api_answers_are_never_cached(company: Company) -> None:
    answer = await company.people["bob"].api.raw("GET", "/api/channels")
    assert answer.headers["cache-control"] == "no-store"
    stranger = Api(company.server.http)
    refused = await stranger.raw("GET", "/api/channels")
    assert refused.headers["cache-control"] == "no-store"
    await stranger.close()
