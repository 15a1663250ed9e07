"""Events (gatherings/), on both backends: a capacity's waitlist moving up
(the person notified, everyone watching the channel told live), the last
seat taken by two people at once, reminders a day and an hour before (the
job run with a moved clock, each once), the .ics file and the calendar feed
parsed back (title, UTC-correct times, place, UID; revoked and renewed),
access (an event of a private group or a closed department exists for
nobody else, in every route and in the feed, and leaving the channel takes
it away), the company's time zone, and bad input answered clearly, changing
nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
from sqlalchemy import text

from bus.memory import MemoryBus
from gatherings.reminders import do_remind
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, ApiError, Company, Live, Person, add_person

HOUR = timedelta(hours=1)


def _at(delta: timedelta) -> datetime:
    return (datetime.now(UTC) + delta).replace(microsecond=0)


def _event(channel_id: int | None, **extra: Any) -> dict[str, Any]:
    start = _at(timedelta(days=3))
    body: dict[str, Any] = {
        "title": "ボルダリング部 初心者会",
        "description": "靴は貸し出しあり",
        "starts_at": start.isoformat(),
        "ends_at": (start + 2 * HOUR).isoformat(),
        "place": "渋谷 B-Pump",
        **extra,
    }
    if channel_id is not None:
        body["channel_id"] = channel_id
    return body


async def _group(company: Company, name: str, *, private: bool = False) -> dict[str, Any]:
    alice = company.people["alice"]
    group: dict[str, Any] = await alice.api.call(
        "POST", "/api/channels", {"name": name, "is_private": private}
    )
    return group


async def _answer(p: Person, gathering_id: int, answer: str) -> dict[str, Any]:
    found: dict[str, Any] = await p.api.call(
        "PUT", f"/api/gatherings/{gathering_id}/answer", {"answer": answer}
    )
    return found


async def _notes(api: Api, kind: str) -> list[dict[str, Any]]:
    page = await api.call("GET", "/api/notifications")
    return [n for n in page["notifications"] if n["kind"] == kind]


async def test_a_full_event_waitlists_and_moves_people_up_live(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "ボルダリング部")
    for p in (bob, carol):
        await p.api.call("POST", f"/api/channels/{group['id']}/join")
    watcher = await Live.connect(company.server, carol.token)
    await watcher.request({"op": "sub", "channel": group["id"]})

    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"], capacity=1))
    gid = made["id"]
    assert (made["going"], made["capacity"], made["organiser"]["id"]) == (0, 1, alice.id)
    assert made["can_edit"] is True and made["my_answer"] is None

    first = await _answer(bob, gid, "going")
    assert (first["my_answer"], first["going"]) == ("going", 1)
    second = await _answer(carol, gid, "going")
    assert (second["my_answer"], second["place_in_line"]) == ("waitlist", 1)
    assert (second["going"], second["waitlist"]) == (1, 1)
    assert [a["person"]["id"] for a in second["attendees"]] == [bob.id, carol.id]
    await watcher.wait(
        lambda f: f.get("kind") == "gathering.updated" and f["data"]["gathering"]["waitlist"] == 1
    )

    # Going again changes nothing; bob gives up his seat: carol moves up, is told.
    again = await _answer(carol, gid, "going")
    assert again["my_answer"] == "waitlist"
    await _answer(bob, gid, "no")
    now = await carol.api.call("GET", f"/api/gatherings/{gid}")
    assert (now["my_answer"], now["going"], now["waitlist"]) == ("going", 1, 0)
    assert [a["person"]["id"] for a in now["attendees"]] == [carol.id]  # "no" is not listed
    await watcher.wait(
        lambda f: (
            f.get("kind") == "gathering.updated"
            and f["data"]["gathering"]["going"] == 1
            and f["data"]["gathering"]["waitlist"] == 0
        )
    )
    moved = await _notes(carol.api, "event_moved_up")
    assert len(moved) == 1 and moved[0]["excerpt"].startswith("ボルダリング部 初心者会 · ")
    assert moved[0]["channel_id"] == group["id"]
    listed = await carol.api.call("GET", "/api/gatherings")
    assert [(g["id"], g["my_answer"]) for g in listed["gatherings"]] == [(gid, "going")]
    await watcher.close()


async def test_two_people_taking_the_last_seat_at_once_get_one_seat(company: Company) -> None:
    alice = company.people["alice"]
    group = await _group(company, "Climbing")
    people = [company.people["bob"], company.people["carol"]]
    people += [await add_person(company, f"climber{i}", None) for i in range(4)]
    for p in people:
        await p.api.call("POST", f"/api/channels/{group['id']}/join")
    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"], capacity=2))
    answers = await asyncio.gather(*(_answer(p, made["id"], "going") for p in people))
    assert sorted(a["my_answer"] for a in answers) == ["going"] * 2 + ["waitlist"] * 4
    final = await alice.api.call("GET", f"/api/gatherings/{made['id']}")
    assert (final["going"], final["waitlist"]) == (2, 4)
    lines = sorted(a["place_in_line"] for a in answers if a["my_answer"] == "waitlist")
    assert lines == [1, 2, 3, 4]


async def _shift(settings: Settings, gathering_id: int, starts_at: datetime) -> None:
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE gathering SET starts_at = :s, ends_at = :e WHERE id = :id"),
                {"s": starts_at, "e": starts_at + HOUR, "id": gathering_id},
            )
    finally:
        await db.close()


async def _remind(settings: Settings, now: datetime) -> int:
    db = Database(settings.database_url)
    try:
        async with db.writer() as session:
            return await do_remind(session, MemoryBus(), now)
    finally:
        await db.close()


async def test_reminders_a_day_and_an_hour_before_each_once_to_those_going(
    company: Company, settings: Settings
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "読書会")
    for p in (bob, carol):
        await p.api.call("POST", f"/api/channels/{group['id']}/join")
    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    gid = made["id"]
    await _answer(bob, gid, "going")
    await _answer(carol, gid, "maybe")
    start = datetime.now(UTC) + timedelta(days=2)
    await _shift(settings, gid, start)

    assert await _remind(settings, start - timedelta(hours=25)) == 0
    assert await _remind(settings, start - timedelta(hours=23)) == 1  # bob only: going
    assert await _remind(settings, start - timedelta(hours=22)) == 0  # once
    assert await _remind(settings, start - timedelta(minutes=59)) == 1
    assert await _remind(settings, start - timedelta(minutes=30)) == 0
    assert await _remind(settings, start + timedelta(minutes=1)) == 0
    day = await _notes(bob.api, "event_reminder_day")
    hour = await _notes(bob.api, "event_reminder_hour")
    assert len(day) == 1 and len(hour) == 1
    # The company's zone (Asia/Tokyo unless set) in the text.
    tokyo = start.astimezone(tz=None).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert day[0]["excerpt"].endswith(f"{tokyo:%Y-%m-%d %H:%M} (Asia/Tokyo)")
    assert await _notes(carol.api, "event_reminder_day") == []

    # A cancelled event reminds nobody.
    other = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    await _answer(bob, other["id"], "going")
    await _shift(settings, other["id"], start)
    await alice.api.call("POST", f"/api/gatherings/{other['id']}/cancel")
    assert await _remind(settings, start - timedelta(minutes=30)) == 0


def _feed_url(company: Company, feed: dict[str, Any]) -> str:
    """The feed's URL on the test's server (the one given out names PUBLIC_URL)."""
    url: str = feed["url"]
    assert url.startswith("http")
    return company.server.http + urlsplit(url).path


def _parse(body: bytes) -> list[icalendar.Component]:
    cal = icalendar.Calendar.from_ical(body)
    return list(cal.walk("VEVENT"))


async def test_ics_and_the_calendar_feed_parse_back(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await _group(company, "写真部")
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    body = _event(group["id"], link="https://meet.example.com/abc")
    made = await alice.api.call("POST", "/api/gatherings", body)
    raw = await bob.api.raw("GET", f"/api/gatherings/{made['id']}/ics")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/calendar")
    (ev,) = _parse(raw.content)
    assert str(ev["summary"]) == body["title"]
    assert str(ev["location"]) == body["place"]
    start = datetime.fromisoformat(body["starts_at"])
    assert ev.decoded("dtstart").astimezone(UTC) == start
    assert ev.decoded("dtend").astimezone(UTC) == start + 2 * HOUR
    assert str(ev["dtstart"].params["TZID"]) == "Asia/Tokyo"
    uid = str(ev["uid"])

    # The feed: no session, the token in the URL; what one answered going or maybe.
    unanswered = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    assert (await bob.api.call("GET", "/api/calendar/feed"))["exists"] is False
    made_feed = await bob.api.call("POST", "/api/calendar/feed")
    assert made_feed["exists"] is True
    feed = {"url": _feed_url(company, made_feed)}
    await _answer(bob, made["id"], "maybe")
    async with httpx.AsyncClient() as anonymous:
        got = await anonymous.get(feed["url"])
        assert got.status_code == 200
        events = _parse(got.content)
        assert [str(e["uid"]) for e in events] == [uid]
        assert events[0].decoded("dtstart").astimezone(UTC) == start
        assert str(events[0]["status"]) == "TENTATIVE"
        assert unanswered["id"] != made["id"]

        # Renewed: the old URL stops; revoked: the new one too.
        renewed = {"url": _feed_url(company, await bob.api.call("POST", "/api/calendar/feed"))}
        assert (await anonymous.get(feed["url"])).status_code == 404
        assert (await anonymous.get(renewed["url"])).status_code == 200
        await bob.api.call("DELETE", "/api/calendar/feed")
        assert (await anonymous.get(renewed["url"])).status_code == 404
        assert (await bob.api.call("GET", "/api/calendar/feed"))["exists"] is False


async def test_a_private_groups_event_exists_for_its_members_only(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "人事プロジェクト", private=True)
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"], title="極秘会議"))
    gid = made["id"]
    await _answer(bob, gid, "going")
    feed = {"url": _feed_url(company, await bob.api.call("POST", "/api/calendar/feed"))}
    carol_feed = {"url": _feed_url(company, await carol.api.call("POST", "/api/calendar/feed"))}
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub_me"})

    async def hidden_from(p: Person) -> None:
        for method, path, payload in (
            ("GET", f"/api/gatherings/{gid}", None),
            ("GET", f"/api/gatherings/{gid}/ics", None),
            ("PUT", f"/api/gatherings/{gid}/answer", {"answer": "going"}),
            ("PATCH", f"/api/gatherings/{gid}", {"title": "x"}),
            ("POST", f"/api/gatherings/{gid}/cancel", None),
        ):
            r = await p.api.raw(method, path, payload)
            assert r.status_code == 404, (method, path, r.text)
        listed = await p.api.call("GET", "/api/gatherings")
        assert gid not in [g["id"] for g in listed["gatherings"]]
        by_channel = await p.api.raw("GET", f"/api/gatherings?channel={group['id']}")
        assert gid not in [g["id"] for g in by_channel.json()["gatherings"]]

    await hidden_from(carol)
    async with httpx.AsyncClient() as anonymous:
        assert "極秘会議".encode() not in (await anonymous.get(carol_feed["url"])).content
        assert "極秘会議" in (await anonymous.get(feed["url"])).content.decode()

        # Bob leaves: the event is gone for him everywhere, his feed included.
        await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
        await live.wait(lambda f: f.get("kind") == "membership.removed")
        await hidden_from(bob)
        assert "極秘会議" not in (await anonymous.get(feed["url"])).content.decode()
    await live.close()
    # Still there for its members.
    assert (await alice.api.call("GET", f"/api/gatherings/{gid}"))["title"] == "極秘会議"


async def test_a_closed_departments_event_is_its_peoples(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    eng = company.departments["Engineering"]
    await company.admin.call("PATCH", f"/api/departments/{eng}", {"closed": True})
    channels = await alice.api.call("GET", "/api/channels")
    channel = next(c for c in channels if c["department_id"] == eng)
    made = await alice.api.call("POST", "/api/gatherings", _event(channel["id"], title="勉強会"))
    assert (await carol.api.raw("GET", f"/api/gatherings/{made['id']}")).status_code == 404
    assert (await carol.api.call("GET", "/api/gatherings"))["gatherings"] == []
    # Opened again: everyone may see it (the change of rights, both ways).
    await company.admin.call("PATCH", f"/api/departments/{eng}", {"closed": False})
    assert (await carol.api.call("GET", f"/api/gatherings/{made['id']}"))["title"] == "勉強会"


async def test_company_wide_events_are_admins_and_reach_everyone_live(company: Company) -> None:
    bob, carol = company.people["bob"], company.people["carol"]
    refused = await bob.api.raw("POST", "/api/gatherings", _event(None))
    assert refused.status_code == 403
    # Named an announcer (of his department), he may: announcers address everyone too.
    eng = company.departments["Engineering"]
    await company.admin.call("POST", "/api/announcers", {"person_id": bob.id, "department_id": eng})
    by_announcer = await bob.api.call("POST", "/api/gatherings", _event(None, title="Town hall"))
    await company.admin.call("DELETE", f"/api/announcers/{eng}/{bob.id}")
    assert (await bob.api.raw("POST", "/api/gatherings", _event(None))).status_code == 403
    await bob.api.call("POST", f"/api/gatherings/{by_announcer['id']}/cancel", {})
    live = await Live.connect(company.server, carol.token)
    await live.request({"op": "sub_me"})
    made = await company.admin.call("POST", "/api/gatherings", _event(None, title="全社会議"))
    assert made["channel_id"] is None
    await live.wait(
        lambda f: (
            f.get("kind") == "gathering.changed" and f["data"]["gathering"]["title"] == "全社会議"
        )
    )
    await _answer(bob, made["id"], "going")
    await live.wait(
        lambda f: f.get("kind") == "gathering.changed" and f["data"]["gathering"]["going"] == 1
    )
    await live.close()
    listed = await carol.api.call("GET", "/api/gatherings")
    assert [g["title"] for g in listed["gatherings"]] == ["全社会議"]


async def test_the_company_time_zone_is_a_setting_of_admins(company: Company) -> None:
    bob = company.people["bob"]
    assert (await bob.api.call("GET", "/api/timezone")) == {"timezone": "Asia/Tokyo"}
    r = await bob.api.raw("PUT", "/api/timezone", {"timezone": "UTC"})
    assert r.status_code == 403
    r = await company.admin.raw("PUT", "/api/timezone", {"timezone": "Mars/Olympus"})
    assert r.status_code == 422
    await company.admin.call("PUT", "/api/timezone", {"timezone": "Europe/Paris"})
    assert (await bob.api.call("GET", "/api/timezone")) == {"timezone": "Europe/Paris"}
    made = await company.admin.call("POST", "/api/gatherings", _event(None))
    raw = await bob.api.raw("GET", f"/api/gatherings/{made['id']}/ics")
    (ev,) = _parse(raw.content)
    assert str(ev["dtstart"].params["TZID"]) == "Europe/Paris"
    assert ev.decoded("dtstart").astimezone(UTC) == datetime.fromisoformat(made["starts_at"])


async def test_bad_input_is_refused_and_changes_nothing(
    company: Company, settings: Settings
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await _group(company, "Running")
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    start = _at(timedelta(days=1))
    past_end = _at(-HOUR).isoformat()
    cases: list[tuple[dict[str, Any], int]] = [
        (_event(group["id"], ends_at=(start - HOUR).isoformat(), starts_at=start.isoformat()), 400),
        (_event(group["id"], ends_at=_event(None)["starts_at"]), 400),  # ends as it starts
        (_event(group["id"], capacity=0), 422),
        (_event(group["id"], capacity=-3), 422),
        (_event(group["id"], capacity=10_000_000), 422),
        (_event(group["id"], capacity="ten"), 422),
        (_event(group["id"], starts_at="tomorrow"), 422),
        (_event(group["id"], starts_at="2030-01-01T10:00:00"), 422),  # no zone
        (_event(group["id"], title=""), 422),
        (_event(group["id"], title="x" * 201), 422),
        (_event(group["id"], link="javascript:alert(1)"), 422),
        (_event(group["id"], colour="red"), 422),
        (_event(999_999), 404),  # no such channel
        ({**_event(group["id"]), "channel_id": "one"}, 422),
        (_event(group["id"], starts_at=_at(-3 * HOUR).isoformat(), ends_at=past_end), 400),
    ]
    for body, status in cases:
        r = await bob.api.raw("POST", "/api/gatherings", body)
        assert r.status_code == status, (body, r.text)
    # A channel one is not a member of (an open one: readable, not one's own).
    r = await carol.api.raw("POST", "/api/gatherings", _event(group["id"]))
    assert r.status_code == 403
    assert (await alice.api.call("GET", "/api/gatherings"))["gatherings"] == []

    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"], capacity=5))
    gid = made["id"]
    for body, status in (
        ({"answer": "yes"}, 422),
        ({"answer": "going", "plus": 1}, 422),
        ({}, 422),
    ):
        r = await bob.api.raw("PUT", f"/api/gatherings/{gid}/answer", body)
        assert r.status_code == status, (body, r.text)
    for body, status in (
        ({"ends_at": _at(-HOUR).isoformat()}, 400),  # before its start
        ({"capacity": 0}, 422),
        ({}, 422),
    ):
        r = await alice.api.raw("PATCH", f"/api/gatherings/{gid}", body)
        assert r.status_code == status, (body, r.text)
    r = await bob.api.raw("PATCH", f"/api/gatherings/{gid}", {"title": "mine now"})
    assert r.status_code == 403  # not its organiser
    same = await alice.api.call("GET", f"/api/gatherings/{gid}")
    assert (same["title"], same["capacity"], same["going"]) == (made["title"], 5, 0)

    # Past and cancelled events take no answers.
    past = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    await _shift(settings, past["id"], datetime.now(UTC) - 3 * HOUR)
    r = await bob.api.raw("PUT", f"/api/gatherings/{past['id']}/answer", {"answer": "going"})
    assert r.status_code == 409
    await alice.api.call("POST", f"/api/gatherings/{gid}/cancel")
    r = await bob.api.raw("PUT", f"/api/gatherings/{gid}/answer", {"answer": "going"})
    assert r.status_code == 409
    gone = await alice.api.call("GET", f"/api/gatherings/{gid}")
    assert (gone["cancelled"], gone["going"], gone["attendees"]) == (True, 0, [])
    assert (await bob.api.call("GET", "/api/gatherings"))["gatherings"] == []
    try:
        await alice.api.call("POST", f"/api/gatherings/{gid}/cancel")
        raise AssertionError("cancelled twice")
    except ApiError as exc:
        assert "409" in str(exc)


async def test_answers_are_kept_with_who_and_when(company: Company, settings: Settings) -> None:
    """Usage figures count people who used events by ``rsvp.user_id`` and
    ``rsvp.answered_at``."""
    alice, bob = company.people["alice"], company.people["bob"]
    group = await _group(company, "Tea")
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    made = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    before = datetime.now(UTC) - timedelta(seconds=5)
    await _answer(bob, made["id"], "maybe")
    db = Database(settings.database_url)
    try:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT count(DISTINCT user_id) FROM rsvp WHERE answered_at >= :since"),
                    {"since": before},
                )
            ).scalar_one()
    finally:
        await db.close()
    assert rows == 1
