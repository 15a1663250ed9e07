"""Announcements, on both backends: a must-read one pinned on its recipients'
home (and live in their stream) until confirmed, the rates and the list of
who has not confirmed for its author and admins, the reminder; invisible to
everyone else in every route, and to a person moved out of its department
from that moment; edits marked updated, confirmations asked again or not;
scheduled ones published by the job once; announcers; bad input refused with
nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bus.memory import MemoryBus
from server.announce_schedule import AnnounceSchedule
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, ApiError, Company, Live


async def _publish(api: Api, **body: Any) -> dict[str, Any]:
    made: dict[str, Any] = await api.call(
        "POST", "/api/announcements", {"title": "全社集会", "body": "**明日**です", **body}
    )
    return made


async def _pinned(api: Api) -> list[int]:
    return [a["id"] for a in (await api.call("GET", "/api/home"))["must_read"]]


async def _status(api: Api, method: str, path: str, body: Any = None) -> int:
    return (await api.raw(method, path, body)).status_code


async def test_must_read_is_pinned_confirmed_counted_and_reminded(company: Company) -> None:
    admin, eng, sales = (
        company.admin,
        company.departments["Engineering"],
        company.departments["Sales"],
    )
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    live = await Live.connect(company.server, alice.token)
    await live.request({"op": "sub_me"})

    made = await _publish(admin, departments=[eng], must_read=True)
    a = made["id"]
    assert made["html"] == "<p><strong>明日</strong>です</p>"
    assert made["published_at"] and made["can_manage"] and not made["recipient"]
    told = await live.wait(lambda f: f.get("kind") == "announcement.published")
    assert told["data"]["announcement"]["id"] == a
    assert told["data"]["announcement"]["recipient"] is True
    assert await _pinned(alice.api) == [a] == await _pinned(bob.api)

    # Sales' carol: not in any route, list, feed or count.
    assert await _pinned(carol.api) == []
    assert (await carol.api.call("GET", "/api/announcements"))["announcements"] == []
    for method, path in (
        ("GET", f"/api/announcements/{a}"),
        ("POST", f"/api/announcements/{a}/confirm"),
        ("GET", f"/api/announcements/{a}/confirmations"),
        ("POST", f"/api/announcements/{a}/remind"),
    ):
        assert await _status(carol.api, method, path) == 404, path
    assert await _status(carol.api, "PATCH", f"/api/announcements/{a}", {"title": "x"}) == 404
    # A recipient reads it but sees no rates and edits nothing.
    assert await _status(bob.api, "GET", f"/api/announcements/{a}/confirmations") == 404
    assert await _status(bob.api, "POST", f"/api/announcements/{a}/remind") == 404
    assert await _status(bob.api, "PATCH", f"/api/announcements/{a}", {"title": "x"}) == 404

    rate = await admin.call("GET", f"/api/announcements/{a}/confirmations")
    assert (rate["recipients"], rate["confirmed"], rate["pending_count"]) == (2, 0, 2)
    assert [(d["id"], d["recipients"], d["confirmed"]) for d in rate["departments"]] == [
        (eng, 2, 0)
    ]

    confirmed = await alice.api.call("POST", f"/api/announcements/{a}/confirm")
    assert confirmed["confirmed"] is True
    again = await alice.api.call("POST", f"/api/announcements/{a}/confirm")  # no change
    assert again["confirmed"] is True
    await live.wait(lambda f: f.get("kind") == "announcement.confirmed")
    assert await _pinned(alice.api) == [] and await _pinned(bob.api) == [a]
    rate = await admin.call("GET", f"/api/announcements/{a}/confirmations")
    assert (rate["confirmed"], [p["id"] for p in rate["pending"]]) == (1, [bob.id])

    assert await admin.call("POST", f"/api/announcements/{a}/remind") == {"reminded": 1}
    bobs = (await bob.api.call("GET", "/api/notifications"))["notifications"]
    assert [(n["kind"], n["excerpt"]) for n in bobs] == [("announcement", "全社集会")]
    alices = (await alice.api.call("GET", "/api/notifications"))["notifications"]
    assert not [n for n in alices if n["kind"] == "announcement"]

    # Company-wide: everyone, per department.
    wide = await _publish(admin, title="全員へ", must_read=True)
    rate = await admin.call("GET", f"/api/announcements/{wide['id']}/confirmations")
    by_dept = {d["id"]: d["recipients"] for d in rate["departments"]}
    assert by_dept[eng] == 2 and by_dept[sales] == 1
    assert await _pinned(carol.api) == [wide["id"]]
    await live.close()


async def test_a_person_moved_out_of_the_department_loses_it_at_once(company: Company) -> None:
    admin, eng, sales = (
        company.admin,
        company.departments["Engineering"],
        company.departments["Sales"],
    )
    bob = company.people["bob"]
    a = (await _publish(admin, departments=[eng], must_read=True))["id"]
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub_me"})
    assert await _pinned(bob.api) == [a]

    await admin.call("PATCH", f"/api/users/{bob.id}", {"department_id": sales})
    moved = await live.wait(lambda f: f.get("kind") == "account.updated")
    assert moved["data"]["department_id"] == sales
    assert await _pinned(bob.api) == []
    assert await _status(bob.api, "GET", f"/api/announcements/{a}") == 404
    assert await _status(bob.api, "POST", f"/api/announcements/{a}/confirm") == 404
    assert (await bob.api.call("GET", "/api/announcements"))["announcements"] == []
    rate = await admin.call("GET", f"/api/announcements/{a}/confirmations")
    assert rate["recipients"] == 1 and bob.id not in [p["id"] for p in rate["pending"]]
    await live.close()


async def test_edits_mark_it_updated_and_ask_again_only_when_told(company: Company) -> None:
    admin, alice = company.admin, company.people["alice"]
    a = (await _publish(admin, must_read=True))["id"]
    await alice.api.call("POST", f"/api/announcements/{a}/confirm")

    edited = await admin.call("PATCH", f"/api/announcements/{a}", {"body": "変更しました"})
    assert edited["updated"] is True and edited["round"] == 1
    assert (await alice.api.call("GET", f"/api/announcements/{a}"))["confirmed"] is True
    assert await _pinned(alice.api) == []

    asked = await admin.call("PATCH", f"/api/announcements/{a}", {"ask_again": True})
    assert asked["round"] == 2
    mine = await alice.api.call("GET", f"/api/announcements/{a}")
    assert mine["confirmed"] is False and mine["html"] == "<p>変更しました</p>"
    assert await _pinned(alice.api) == [a]
    rate = await admin.call("GET", f"/api/announcements/{a}/confirmations")
    assert (rate["round"], rate["confirmed"]) == (2, 0)


async def test_scheduled_ones_wait_and_the_job_publishes_each_once(
    company: Company, settings: Settings
) -> None:
    admin, alice = company.admin, company.people["alice"]
    later = datetime.now(UTC) + timedelta(hours=2)
    made = await _publish(admin, must_read=True, publish_at=later.isoformat())
    a = made["id"]
    assert made["published_at"] is None
    assert await _status(alice.api, "GET", f"/api/announcements/{a}") == 404
    assert await _pinned(alice.api) == []
    assert await _status(admin, "POST", f"/api/announcements/{a}/remind") == 400

    db = Database(settings.database_url)
    try:
        job = AnnounceSchedule(db, MemoryBus())
        assert await job.run_once(datetime.now(UTC)) == 0
        assert await job.run_once(later + timedelta(seconds=1)) == 1
        assert await job.run_once(later + timedelta(seconds=2)) == 0
    finally:
        await db.close()
    assert await _pinned(alice.api) == [a]
    assert (await alice.api.call("GET", f"/api/announcements/{a}"))["published_at"]


async def test_announcers_may_announce_to_their_departments_only(company: Company) -> None:
    admin, eng, sales = (
        company.admin,
        company.departments["Engineering"],
        company.departments["Sales"],
    )
    alice, carol = company.people["alice"], company.people["carol"]
    assert (
        await _status(
            carol.api,
            "POST",
            "/api/announcements",
            {"title": "t", "body": "b", "departments": [sales]},
        )
        == 403
    )
    named = await admin.call(
        "POST", "/api/announcers", {"person_id": carol.id, "department_id": sales}
    )
    assert [(x["user"]["id"], x["department"]["id"]) for x in named["announcers"]] == [
        (carol.id, sales)
    ]
    rights = await carol.api.call("GET", "/api/announcements/rights")
    assert rights == {"company": False, "departments": [{"id": sales, "name": "Sales"}]}
    mine = await _publish(carol.api, departments=[sales])
    assert mine["can_manage"] and mine["recipient"]
    for departments in ([eng], [sales, eng], []):
        body = {"title": "t", "body": "b", "departments": departments}
        assert await _status(carol.api, "POST", "/api/announcements", body) == 403
    # Her own announcement's rates are hers; an admin's are not.
    assert await _status(carol.api, "GET", f"/api/announcements/{mine['id']}/confirmations") == 200
    await admin.call("DELETE", f"/api/announcers/{sales}/{carol.id}")
    body = {"title": "t", "body": "b", "departments": [sales]}
    assert await _status(carol.api, "POST", "/api/announcements", body) == 403
    assert await _status(alice.api, "GET", "/api/announcers") == 403
    assert (
        await _status(
            alice.api, "POST", "/api/announcers", {"person_id": alice.id, "department_id": eng}
        )
        == 403
    )


BAD_ANNOUNCEMENTS: list[Any] = [
    {"title": "", "body": "b"},
    {"title": "   ", "body": "b"},
    {"title": "t", "body": ""},
    {"title": "t" * 201, "body": "b"},
    {"title": "t", "body": "b", "departments": [999999]},
    {"title": "t", "body": "b", "departments": ["sales"]},
    {"title": "t", "body": "b", "departments": [0]},
    {"title": 5, "body": "b"},
    {"title": "t", "body": "b", "must_read": "yes"},
    {"title": "t", "body": "b", "publish_at": "tomorrow"},
    {"title": "t", "body": "b", "publish_at": "2030-01-01T09:00:00"},
    {"title": "t", "body": "b", "audience": "all"},
    {"title": "t\x00", "body": "b"},
    ["t", "b"],
]


async def test_bad_input_is_refused_and_changes_nothing(company: Company) -> None:
    admin, alice = company.admin, company.people["alice"]
    for body in BAD_ANNOUNCEMENTS:
        r = await admin.raw("POST", "/api/announcements", body)
        assert r.status_code in (400, 422), (body, r.text)
        assert r.json()["error"]
    assert (await admin.call("GET", "/api/announcements"))["announcements"] == []

    a = (await _publish(admin, must_read=True))["id"]
    kept = await admin.call("GET", f"/api/announcements/{a}")
    for body in ({}, {"title": ""}, {"ask_again": "no"}, {"title": "x", "extra": 1}):
        r = await admin.raw("PATCH", f"/api/announcements/{a}", body)
        assert r.status_code in (400, 422), (body, r.text)
    assert await admin.call("GET", f"/api/announcements/{a}") == kept
    assert await _status(admin, "PATCH", "/api/announcements/999999", {"title": "x"}) == 404
    assert await _status(admin, "POST", "/api/announcements/999999/confirm") == 404
    for body in (
        {"person_id": alice.id, "department_id": 999999},
        {"person_id": 999999, "department_id": 1},
    ):
        r = await admin.raw("POST", "/api/announcers", body)
        assert r.status_code == 400, r.text
    assert (await admin.call("GET", "/api/announcers"))["announcers"] == []
    with pytest.raises(ApiError):
        await admin.call("DELETE", f"/api/announcers/1/{alice.id}")
