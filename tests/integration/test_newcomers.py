"""Newcomers and mentors, as people use them, on both backends: who is a
newcomer and where the badge shows (directory, profile, posts), the mentor
suggestions' order, who sees a pairing, the checklist (ticked by what the
newcomer does, live to them and their mentor, and by hand), the welcome post
(once), and bad input that changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bus.memory import MemoryBus
from onboarding.welcome import do_welcome_due
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, ApiError, Company, Live, Person, add_person
from tests.support.clients import department_channel as dept_channel

TODAY = date.today()


async def _newcomer(
    company: Company, name: str, department: str, start: date = TODAY, sign_in: bool = False
) -> dict[str, Any]:
    """An account made by the admin with a start date; signed in only if asked."""
    made: dict[str, Any] = await company.admin.call(
        "POST",
        "/api/users",
        {
            "email": f"{name}@example.com",
            "display_name": name.title(),
            "password": "password-" + name,
            "department_id": company.departments[department],
            "start_date": start.isoformat(),
        },
    )
    return made


async def _signed_in(company: Company, name: str) -> tuple[Api, dict[str, Any]]:
    api = Api(company.server.http)
    answer = await api.sign_in(f"{name}@example.com", "password-" + name)
    return api, answer


async def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        await call
    return {"text": str(caught.value)}


async def test_newcomers_carry_a_badge_in_the_directory_profile_and_posts(
    company: Company,
) -> None:
    await _newcomer(company, "nina", "Engineering")
    old = await _newcomer(company, "olga", "Engineering", TODAY - timedelta(days=200))
    soon = await _newcomer(company, "sam", "Engineering", TODAY + timedelta(days=10))
    nina_api, answer = await _signed_in(company, "nina")
    nina = answer["user"]["id"]
    assert answer["welcome"] is True  # her first sign-in: the browser opens the welcome page
    alice = company.people["alice"]

    people = {p["id"]: p for p in await alice.api.call("GET", "/api/users")}
    assert people[nina]["newcomer"] is True
    assert people[old["id"]]["newcomer"] is False  # started 200 days ago: 90 days by default
    assert people[soon["id"]]["newcomer"] is False  # not started yet
    assert people[alice.id]["newcomer"] is False
    assert (await alice.api.call("GET", f"/api/users/{nina}"))["newcomer"] is True

    eng = await dept_channel(nina_api, company.departments["Engineering"])
    made = await nina_api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "よろしく"})
    assert made["post"]["author"]["newcomer"] is True
    page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
    mine = next(p for p in page["posts"] if p["id"] == made["post"]["id"])
    assert mine["author"]["newcomer"] is True
    others = [p for p in page["posts"] if p["author"]["id"] != nina]
    assert all(p["author"]["newcomer"] is False for p in others)
    home = await alice.api.call("GET", "/api/home")
    theirs = [i["post"] for i in home["posts"] if i["post"]["author"]["id"] == nina]
    assert theirs and all(p["author"]["newcomer"] for p in theirs)

    # The period is a company setting: at 300 days Olga is new again; back at 90 she is not.
    await company.admin.call("PATCH", "/api/onboarding/settings", {"newcomer_days": 300})
    assert (await alice.api.call("GET", f"/api/users/{old['id']}"))["newcomer"] is True
    await company.admin.call("PATCH", "/api/onboarding/settings", {"newcomer_days": 90})
    assert (await alice.api.call("GET", f"/api/users/{old['id']}"))["newcomer"] is False
    # Only admins see or change it.
    await _error(alice.api.call("PATCH", "/api/onboarding/settings", {"newcomer_days": 5}))
    await _error(alice.api.call("GET", "/api/onboarding/settings"))
    settings = await company.admin.call("GET", "/api/onboarding/settings")
    assert settings["newcomer_days"] == 90
    await nina_api.close()


async def test_invitations_carry_the_start_date(company: Company) -> None:
    invite = await company.admin.call(
        "POST",
        "/api/invites",
        {"department_id": company.departments["Sales"], "start_date": TODAY.isoformat()},
    )
    listed = await company.admin.call("GET", "/api/invites")
    assert TODAY.isoformat() in [i["start_date"] for i in listed]
    guest = Api(company.server.http)
    answer = await guest.call(
        "POST",
        f"/api/invites/{invite['token']}/accept",
        {"email": "ivy@example.com", "display_name": "Ivy", "password": "ivy-is-a-newcomer-1"},
    )
    assert answer["welcome"] is True
    me = await guest.call("GET", "/api/me")
    assert (me["start_date"], me["newcomer"]) == (TODAY.isoformat(), True)
    await guest.close()


async def test_bad_start_dates_are_refused_and_change_nothing(company: Company) -> None:
    admin = company.admin
    before = await admin.call("GET", "/api/users")
    for bad in ("1900-04-01", (TODAY + timedelta(days=3 * 365)).isoformat(), "2026-02-30"):
        body = {
            "email": "x@example.com",
            "display_name": "X",
            "password": "a-long-password-9",
            "start_date": bad,
        }
        r = await admin.raw("POST", "/api/users", body)
        assert r.status_code == 422, r.text
        assert "start_date" in r.text
        r = await admin.raw("PATCH", f"/api/users/{company.people['bob'].id}", {"start_date": bad})
        assert r.status_code == 422, r.text
        r = await admin.raw("POST", "/api/invites", {"start_date": bad})
        assert r.status_code == 422, r.text
    assert await admin.call("GET", "/api/users") == before
    assert (await admin.call("GET", f"/api/users/{company.people['bob'].id}"))["start_date"] is None


async def test_mentor_suggestions_put_other_departments_shared_groups_and_light_loads_first(
    company: Company,
) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dave = await add_person(company, "dave", company.departments["Sales"])
    erin = await add_person(company, "erin", company.departments["Sales"])
    nina = await _newcomer(company, "nina", "Engineering")
    nina_api, _ = await _signed_in(company, "nina")
    # Nina shares two groups with Dave, one with Erin and Alice, none with Carol.
    go = await dave.api.call("POST", "/api/channels", {"name": "Go"})
    tea = await dave.api.call("POST", "/api/channels", {"name": "Tea"})
    for group in (go, tea):
        await nina_api.call("POST", f"/api/channels/{group['id']}/join")
    for person in (erin, alice):
        await person.api.call("POST", f"/api/channels/{go['id']}/join")

    found = await admin.call("GET", f"/api/users/{nina['id']}/mentor-suggestions")
    order = [s["person"]["id"] for s in found]
    ids = {s["person"]["id"]: s for s in found}
    # Other departments first, by shared groups; then Engineering (Alice before Bob: a group).
    assert order[:2] == [dave.id, erin.id]
    assert order.index(alice.id) < order.index(bob.id)
    assert order.index(carol.id) < order.index(alice.id)
    assert (ids[dave.id]["other_department"], ids[dave.id]["shared_groups"]) == (True, 2)
    assert (ids[alice.id]["other_department"], ids[alice.id]["shared_groups"]) == (False, 1)
    assert nina["id"] not in ids  # never oneself
    assert all(s["mentoring"] == 0 for s in found)

    # Dave mentors two newcomers already: Erin (one shared group, no load) comes first now.
    for name in ("pia", "quinn"):
        other = await _newcomer(company, name, "Sales")
        await admin.call("PUT", f"/api/users/{other['id']}/mentors", {"mentor_ids": [dave.id]})
    again = await admin.call("GET", f"/api/users/{nina['id']}/mentor-suggestions")
    ids = {s["person"]["id"]: s for s in again}
    assert ids[dave.id]["mentoring"] == 2
    assert [s["person"]["id"] for s in again][:2] == [erin.id, dave.id]
    # Newcomers (Pia, Quinn) are not suggested: they do not mentor yet.
    newcomer_ids = {p["id"] for p in await admin.call("GET", "/api/users") if p["newcomer"]}
    assert not newcomer_ids & set(ids)
    # Only admins ask.
    await _error(alice.api.call("GET", f"/api/users/{nina['id']}/mentor-suggestions"))
    await nina_api.close()


async def test_who_may_mentor_and_who_sees_the_pairing(company: Company) -> None:
    admin = company.admin
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    nina = await _newcomer(company, "nina", "Engineering")
    pia = await _newcomer(company, "pia", "Sales")
    moderator = await add_person(company, "moriko", company.departments["Sales"])
    await admin.call("PATCH", f"/api/users/{moderator.id}", {"role": "moderator"})
    url = f"/api/users/{nina['id']}/mentors"

    # Bad choices: clear errors, nothing changed.
    cases = [
        ([nina["id"]], "self"),
        ([pia["id"]], "newcomer"),
        ([carol.id, 999999], "unknown"),
    ]
    await admin.call("PATCH", f"/api/users/{bob.id}", {"is_active": False})
    cases.append(([bob.id], "inactive"))
    for ids, reason in cases:
        r = await admin.raw("PUT", url, {"mentor_ids": ids})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert (error["code"], error["reason"]) == ("mentor_invalid", reason)
    r = await alice.api.raw("PUT", url, {"mentor_ids": [carol.id]})
    assert r.status_code == 403
    r = await moderator.api.raw("PUT", url, {"mentor_ids": [carol.id]})
    assert r.status_code == 403
    r = await admin.raw("PUT", f"/api/users/{alice.id}/mentors", {"mentor_ids": [carol.id]})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "not_a_newcomer")
    assert await admin.call("GET", url) == []

    chosen = await admin.call("PUT", url, {"mentor_ids": [carol.id, alice.id]})
    assert [m["id"] for m in chosen] == [carol.id, alice.id]
    nina_api, _ = await _signed_in(company, "nina")
    # The newcomer, the mentors and admins see it; a moderator and others do not.
    for api in (nina_api, carol.api, alice.api, admin):
        assert [m["id"] for m in await api.call("GET", url)] == [carol.id, alice.id]
    for api in (moderator.api,):
        r = await api.raw("GET", url)
        assert r.status_code == 404
    welcome = await nina_api.call("GET", "/api/me/welcome")
    assert [m["id"] for m in welcome["mentors"]] == [carol.id, alice.id]
    assert (welcome["newcomer"], welcome["department"]) == (True, "Engineering")
    mine = await carol.api.call("GET", "/api/me/newcomers")
    assert [n["person"]["id"] for n in mine] == [nina["id"]]
    assert await moderator.api.call("GET", "/api/me/newcomers") == []
    # Replacing the list removes who is left out.
    await admin.call("PUT", url, {"mentor_ids": [carol.id]})
    assert await alice.api.call("GET", "/api/me/newcomers") == []
    assert (await alice.api.raw("GET", url)).status_code == 404
    await nina_api.close()


async def test_the_checklist_ticks_itself_live_and_by_hand(company: Company) -> None:
    admin = company.admin
    carol = company.people["carol"]
    eng_id = company.departments["Engineering"]
    items = {}
    for kind, title, extra in (
        ("join_groups", "Join two interest groups", {"count": 2}),
        ("introduce", "Introduce yourself", {}),
        ("ask_question", "Ask your mentor a first question", {}),
        ("manual", "Read the must-read announcements", {}),
    ):
        made = await admin.call(
            "POST",
            "/api/onboarding/checklist",
            {"department_id": eng_id, "kind": kind, "title": title, **extra},
        )
        items[kind] = made["id"]
    everyone = await admin.call(
        "POST", "/api/onboarding/checklist", {"kind": "manual", "title": "Set your photo"}
    )
    sales_only = await admin.call(
        "POST",
        "/api/onboarding/checklist",
        {"department_id": company.departments["Sales"], "kind": "manual", "title": "Sales"},
    )
    # An unknown kind, or a non-admin: refused, nothing added.
    r = await admin.raw(
        "POST",
        "/api/onboarding/checklist",
        {"kind": "dance", "title": "x", "department_id": eng_id},
    )
    assert r.status_code == 422 and "kind" in r.text
    r = await carol.api.raw("POST", "/api/onboarding/checklist", {"kind": "manual", "title": "x"})
    assert r.status_code == 403
    assert len(await admin.call("GET", "/api/onboarding/checklist")) == 6

    nina = await _newcomer(company, "nina", "Engineering")
    await admin.call("PUT", f"/api/users/{nina['id']}/mentors", {"mentor_ids": [carol.id]})
    nina_api, _ = await _signed_in(company, "nina")
    token = await nina_api.new_token()
    welcome = await nina_api.call("GET", "/api/me/welcome")
    shown = [i["id"] for i in welcome["checklist"]["items"]]
    assert shown == [everyone["id"], *items.values()]  # everyone's first; not Sales'
    assert sales_only["id"] not in shown
    assert welcome["checklist"]["done"] == 0 and welcome["checklist"]["total"] == 5

    newcomer_live = await Live.connect(company.server, token)
    mentor_live = await Live.connect(company.server, carol.token)
    for live in (newcomer_live, mentor_live):
        await live.request({"op": "sub_me"})

    async def ticked(live: Live, item: int) -> None:
        def done(f: dict[str, Any]) -> bool:
            if f.get("type") != "personal" or f["kind"] != "checklist.updated":
                return False
            entries = {i["id"]: i["done"] for i in f["data"]["checklist"]["items"]}
            return f["data"]["newcomer_id"] == nina["id"] and entries.get(item) is True

        await live.wait(done)

    go = await carol.api.call("POST", "/api/channels", {"name": "Go"})
    tea = await carol.api.call("POST", "/api/channels", {"name": "Tea"})
    await nina_api.call("POST", f"/api/channels/{go['id']}/join")
    progress = await nina_api.call("GET", "/api/me/welcome")
    assert progress["checklist"]["done"] == 0  # one group of two
    await nina_api.call("POST", f"/api/channels/{tea['id']}/join")
    for live in (newcomer_live, mentor_live):
        await ticked(live, items["join_groups"])

    eng = await dept_channel(nina_api, eng_id)
    await nina_api.call("POST", f"/api/channels/{go['id']}/posts", {"body": "not here"})
    assert not _done(await nina_api.call("GET", "/api/me/welcome"), items["introduce"])
    await nina_api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "はじめまして"})
    await ticked(mentor_live, items["introduce"])

    # A comment mentioning her mentor asks a first question.
    post = await carol.api.call("POST", f"/api/channels/{go['id']}/posts", {"body": "ようこそ"})
    await nina_api.call(
        "POST",
        f"/api/posts/{post['post']['id']}/comments",
        {"body": f"@[Carol]({carol.id}) 質問です"},
    )
    await ticked(newcomer_live, items["ask_question"])

    # Manual items are hers to tick and untick; the others are not.
    r = await nina_api.raw("PUT", f"/api/me/checklist/{items['introduce']}", {"done": False})
    assert r.status_code == 400
    r = await nina_api.raw("PUT", f"/api/me/checklist/{sales_only['id']}", {"done": True})
    assert r.status_code == 404
    r = await nina_api.raw("PUT", f"/api/me/checklist/{items['manual']}", {"done": "yes"})
    assert r.status_code == 422
    after = await nina_api.call("PUT", f"/api/me/checklist/{items['manual']}", {"done": True})
    assert _done({"checklist": after}, items["manual"])
    await ticked(mentor_live, items["manual"])
    mine = await carol.api.call("GET", "/api/me/newcomers")
    assert (mine[0]["checklist"]["done"], mine[0]["checklist"]["total"]) == (4, 5)
    await nina_api.call("PUT", f"/api/me/checklist/{items['manual']}", {"done": False})
    assert (await carol.api.call("GET", "/api/me/newcomers"))[0]["checklist"]["done"] == 3

    # An item added later is ticked at once for what she already did.
    more = await admin.call(
        "POST",
        "/api/onboarding/checklist",
        {"department_id": eng_id, "kind": "join_groups", "title": "One group", "count": 1},
    )
    assert _done(await nina_api.call("GET", "/api/me/welcome"), more["id"])
    await admin.call("DELETE", f"/api/onboarding/checklist/{more['id']}")
    assert more["id"] not in [
        i["id"] for i in (await nina_api.call("GET", "/api/me/welcome"))["checklist"]["items"]
    ]
    for live in (newcomer_live, mentor_live):
        await live.close()
    await nina_api.close()


def _done(welcome: dict[str, Any], item: int) -> bool:
    return any(i["id"] == item and i["done"] for i in welcome["checklist"]["items"])


async def test_the_welcome_post_is_made_once(company: Company) -> None:
    admin = company.admin
    carol = company.people["carol"]
    await admin.call(
        "PATCH",
        "/api/onboarding/settings",
        {"welcome_template": "Welcome {name} to {department}! Mentors: {mentors}. {unknown}"},
    )
    nina = await _newcomer(company, "nina", "Engineering")
    await admin.call("PUT", f"/api/users/{nina['id']}/mentors", {"mentor_ids": [carol.id]})
    later = await _newcomer(company, "luke", "Engineering", TODAY + timedelta(days=3))
    alice = company.people["alice"]
    eng = await dept_channel(alice.api, company.departments["Engineering"])

    async def welcomes() -> list[dict[str, Any]]:
        page = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
        return [p for p in page["posts"] if p["body"].startswith("Welcome ")]

    assert await welcomes() == []  # not before she signs in (her mentors are named)
    # She signs in from two browsers at once, and again: one post.
    first, second = Api(company.server.http), Api(company.server.http)
    await first.sign_in("nina@example.com", "password-nina")
    await second.sign_in("nina@example.com", "password-nina")
    again, answer = await _signed_in(company, "nina")
    assert answer["welcome"] is False  # no longer her first sign-in
    found = await welcomes()
    assert len(found) == 1
    assert found[0]["body"] == (
        f"Welcome @[Nina]({nina['id']}) to Engineering! Mentors: @[Carol]({carol.id}). {{unknown}}"
    )
    assert f'data-user="{nina["id"]}"' in found[0]["html"]  # she is mentioned: notified
    # Luke starts in three days: signing in now welcomes nobody.
    early, _ = await _signed_in(company, "luke")
    assert len(await welcomes()) == 1
    assert later["id"] != nina["id"]
    for api in (first, second, again, early):
        await api.close()


async def test_the_sweep_welcomes_who_did_not_sign_in(company: Company, settings: Settings) -> None:
    """Someone who started yesterday and has not signed in is welcomed by the
    nodes' sweep (run here as a node runs it), once; someone who started long
    ago (imported with an old start date) is not."""
    started = await _newcomer(company, "yuki", "Sales", TODAY - timedelta(days=1))
    long_ago = await _newcomer(company, "zed", "Sales", TODAY - timedelta(days=400))
    db = Database(settings.database_url)
    try:
        bus = MemoryBus()
        async with db.writer() as session:
            assert await do_welcome_due(session, bus) == 1
        async with db.writer() as session:
            assert await do_welcome_due(session, bus) == 0
    finally:
        await db.close()
    carol = company.people["carol"]
    sales = await dept_channel(carol.api, company.departments["Sales"])
    page = await carol.api.call("GET", f"/api/channels/{sales['id']}/posts")
    bodies = [p["body"] for p in page["posts"]]
    assert sum(f"]({started['id']})" in b for b in bodies) == 1
    assert not any(f"]({long_ago['id']})" in b for b in bodies)


async def test_deeds_of_non_newcomers_tick_nothing(company: Company) -> None:
    """Posts and joins of people who are not new cost the checklist nothing."""
    alice: Person = company.people["alice"]
    await company.admin.call(
        "POST", "/api/onboarding/checklist", {"kind": "introduce", "title": "Hello"}
    )
    eng = await dept_channel(alice.api, company.departments["Engineering"])
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "hi"})
    welcome = await alice.api.call("GET", "/api/me/welcome")
    assert welcome["newcomer"] is False
    assert welcome["checklist"]["done"] == 0
