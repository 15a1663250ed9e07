"""Notifications about an event, an announcement or a survey name it
(``subject_id``), on both backends: in the page and in the live
``notification.added``, so opening one opens that event, announcement or
survey. Opening what one may no longer see (one left the event's private
group) answers 404 like anything else one may not see, and the notification
itself leaves one's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from channels.mentions import write as mention
from tests.support.clients import Api, Company, Live


def _event(channel_id: int, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    return {
        "channel_id": channel_id,
        "title": "読書会",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **extra,
    }


async def _notes(api: Api, kind: str) -> list[dict[str, Any]]:
    page = await api.call("GET", "/api/notifications")
    return [n for n in page["notifications"] if n["kind"] == kind]


async def test_moved_up_names_its_event_and_leaving_takes_it_away(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await alice.api.call("POST", "/api/channels", {"name": "読書部", "is_private": True})
    await alice.api.call(
        "POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id, carol.id]}
    )
    gid = (await alice.api.call("POST", "/api/gatherings", _event(group["id"], capacity=1)))["id"]
    await bob.api.call("PUT", f"/api/gatherings/{gid}/answer", {"answer": "going"})
    await carol.api.call("PUT", f"/api/gatherings/{gid}/answer", {"answer": "going"})
    live = await Live.connect(company.server, carol.token)
    await live.request({"op": "sub_me"})

    await bob.api.call("PUT", f"/api/gatherings/{gid}/answer", {"answer": "no"})
    told = await live.wait(lambda f: f.get("kind") == "notification.added")
    assert told["data"]["notification"]["kind"] == "event_moved_up"
    assert told["data"]["notification"]["subject_id"] == gid
    [moved] = await _notes(carol.api, "event_moved_up")
    assert (moved["subject_id"], moved["post_id"]) == (gid, None)
    opened = await carol.api.call("GET", f"/api/gatherings/{moved['subject_id']}")
    assert (opened["id"], opened["my_answer"]) == (gid, "going")

    # Carol leaves the private group: the event is not found for her, and the
    # notification about it is gone from her list and her count.
    await carol.api.call("POST", f"/api/channels/{group['id']}/leave")
    gone = await carol.api.raw("GET", f"/api/gatherings/{moved['subject_id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    page = await carol.api.call("GET", "/api/notifications")
    assert [n["id"] for n in page["notifications"] if n["kind"] == "event_moved_up"] == []
    await live.close()


async def test_an_announcements_reminder_names_it(company: Company) -> None:
    admin, bob = company.admin, company.people["bob"]
    eng = company.departments["Engineering"]
    made = await admin.call(
        "POST",
        "/api/announcements",
        {"title": "健康診断", "body": "来週です", "departments": [eng], "must_read": True},
    )
    await admin.call("POST", f"/api/announcements/{made['id']}/remind")
    [reminder] = await _notes(bob.api, "announcement")
    assert (reminder["subject_id"], reminder["excerpt"]) == (made["id"], "健康診断")
    opened = await bob.api.call("GET", f"/api/announcements/{reminder['subject_id']}")
    assert opened["title"] == "健康診断"


async def test_a_surveys_notification_names_it(company: Company) -> None:
    bob = company.people["bob"]
    closes = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    body = {
        "title": "Usage",
        "closes_at": closes,
        "questions": [{"kind": "scale", "text": "How useful?"}],
    }
    made = await company.admin.call("POST", "/api/surveys", body, expect=201)
    [told] = await _notes(bob.api, "survey")
    assert told["subject_id"] == made["id"]


async def test_other_notifications_name_no_subject(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "雑談"})
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    body = {"body": f"{mention('Bob', bob.id)} hello"}
    await alice.api.call("POST", f"/api/channels/{group['id']}/posts", body)
    mentions = await _notes(bob.api, "mention")
    assert mentions and all(n["subject_id"] is None for n in mentions)
