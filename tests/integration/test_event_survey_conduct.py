"""Events and surveys follow the rules of posting, on both backends: the word
check (a block word refused, a warn word asked about and then written when
acknowledged, recorded as ``wordcheck.overridden``), the terms of use (not
accepted: refused) and mutes (refused with the mute's end). Every refusal
stores nothing: no event, no change to one, no survey."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, Company, Person

WORDS = [
    {"word": "社外秘", "level": "warn"},
    {"word": "死ね", "level": "block"},
]


def _event(channel_id: int, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    return {
        "channel_id": channel_id,
        "title": "読書会",
        "description": "",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "3F",
        **extra,
    }


def _survey(**extra: Any) -> dict[str, Any]:
    return {
        "title": "社内アンケート",
        "closes_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "questions": [
            {"kind": "single", "text": "どの拠点?", "options": ["東京", "大阪"]},
            {"kind": "scale", "text": "How useful?"},
        ],
        **extra,
    }


async def _error(api: Api, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    r = await api.raw(method, path, body)
    return r.status_code, r.json()["error"] if r.status_code >= 400 else r.json()


async def _overridden(settings: Settings) -> list[dict[str, Any]]:
    db = Database(settings.database_url)
    try:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT data FROM person_event WHERE kind = 'wordcheck.overridden'"
                        " ORDER BY user_id, seq"
                    )
                )
            ).all()
    finally:
        await db.close()
    return [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]


async def _events(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await api.call("GET", "/api/gatherings"))["gatherings"]
    return found


async def _surveys(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await api.call("GET", "/api/surveys"))["surveys"]
    return found


async def _group(p: Person) -> dict[str, Any]:
    made: dict[str, Any] = await p.api.call("POST", "/api/channels", {"name": "読書部"})
    return made


async def test_an_events_words_are_checked_on_create_and_edit(
    company: Company, settings: Settings
) -> None:
    admin, alice = company.admin, company.people["alice"]
    group = await _group(alice)
    kept = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    await admin.call("PUT", "/api/words", {"entries": WORDS})

    for field in ("title", "description", "place"):
        body = _event(group["id"], **{field: "お前 死ね"})
        status, error = await _error(alice.api, "POST", "/api/gatherings", body)
        assert (status, error["code"], error["field"]) == (422, "word_blocked", field)
        body["acknowledge_warning"] = True  # a block word stays refused
        status, error = await _error(alice.api, "POST", "/api/gatherings", body)
        assert (status, error["code"]) == (422, "word_blocked")
        body = _event(group["id"], **{field: "これは社外秘"})
        status, error = await _error(alice.api, "POST", "/api/gatherings", body)
        assert (status, error["code"], error["field"]) == (422, "word_warning", field)
        assert error["matches"] == [{"start": 3, "end": 6, "level": "warn"}]
    assert [g["id"] for g in await _events(alice.api)] == [kept["id"]]

    # Sent anyway: written, and recorded.
    body = _event(group["id"], description="社外秘の話", acknowledge_warning=True)
    made = await alice.api.call("POST", "/api/gatherings", body, expect=201)
    assert made["description"] == "社外秘の話"

    # Editing: refused, the event unchanged; acknowledged, changed.
    path = f"/api/gatherings/{kept['id']}"
    status, error = await _error(alice.api, "PATCH", path, {"place": "死ね"})
    assert (status, error["code"], error["field"]) == (422, "word_blocked", "place")
    status, error = await _error(alice.api, "PATCH", path, {"title": "社外秘の会"})
    assert (status, error["code"], error["field"]) == (422, "word_warning", "title")
    unchanged = await alice.api.call("GET", path)
    assert (unchanged["title"], unchanged["place"]) == ("読書会", "3F")
    assert unchanged["updated_at"] == kept["updated_at"]
    # Only a flag: nothing to change.
    status, error = await _error(alice.api, "PATCH", path, {"acknowledge_warning": True})
    assert status == 422
    edited = await alice.api.call(
        "PATCH", path, {"title": "社外秘の会", "acknowledge_warning": True}
    )
    assert edited["title"] == "社外秘の会"
    # Fields the edit leaves alone are not asked about again.
    again = await alice.api.call("PATCH", path, {"capacity": 5})
    assert again["capacity"] == 5

    recorded = await _overridden(settings)
    assert [(d["what"], d["words"], d["channel_id"]) for d in recorded] == [
        ("event", ["社外秘"], group["id"]),
        ("event", ["社外秘"], group["id"]),
    ]


async def test_a_surveys_words_are_checked(company: Company, settings: Settings) -> None:
    admin = company.admin
    await admin.call("PUT", "/api/words", {"entries": WORDS})
    bad: list[tuple[dict[str, Any], str]] = [
        ({"title": "死ね"}, "title"),
        ({"description": "死ね"}, "description"),
        ({"questions": [{"kind": "scale", "text": "死ね"}]}, "questions[0].text"),
        (
            {"questions": [{"kind": "single", "text": "x", "options": ["東京", "死ね"]}]},
            "questions[0].options[1]",
        ),
    ]
    for extra, field in bad:
        status, error = await _error(admin, "POST", "/api/surveys", _survey(**extra))
        assert (status, error["code"], error["field"]) == (422, "word_blocked", field)
    body = _survey(questions=[{"kind": "single", "text": "x", "options": ["社外秘", "公開"]}])
    status, error = await _error(admin, "POST", "/api/surveys", body)
    assert (status, error["code"], error["field"]) == (
        422,
        "word_warning",
        "questions[0].options[0]",
    )
    assert await _surveys(admin) == []

    made = await admin.call(
        "POST", "/api/surveys", {**body, "acknowledge_warning": True}, expect=201
    )
    assert [s["id"] for s in await _surveys(admin)] == [made["id"]]
    recorded = await _overridden(settings)
    assert [(d["what"], d["words"]) for d in recorded] == [("survey", ["社外秘"])]


async def test_the_terms_gate_events_and_surveys(company: Company) -> None:
    admin, alice = company.admin, company.people["alice"]
    group = await _group(alice)
    kept = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    starting = await admin.call("GET", "/api/terms/starting")
    await admin.call("POST", "/api/terms/versions", {"body": starting["ja"]})

    status, error = await _error(alice.api, "POST", "/api/gatherings", _event(group["id"]))
    assert (status, error["code"]) == (403, "terms_not_accepted")
    path = f"/api/gatherings/{kept['id']}"
    status, error = await _error(alice.api, "PATCH", path, {"title": "変更"})
    assert (status, error["code"]) == (403, "terms_not_accepted")
    status, error = await _error(admin, "POST", "/api/surveys", _survey())
    assert (status, error["code"]) == (403, "terms_not_accepted")
    assert [g["id"] for g in await _events(alice.api)] == [kept["id"]]
    assert (await alice.api.call("GET", path))["title"] == "読書会"
    assert await _surveys(admin) == []

    # Accepted: written.
    await alice.api.call("POST", "/api/terms/accept", {"version": 1})
    await admin.call("POST", "/api/terms/accept", {"version": 1})
    await alice.api.call("POST", "/api/gatherings", _event(group["id"]), expect=201)
    assert (await alice.api.call("PATCH", path, {"title": "変更"}))["title"] == "変更"
    await admin.call("POST", "/api/surveys", _survey(), expect=201)


async def test_a_muted_person_makes_no_event_or_survey(company: Company) -> None:
    admin, alice, bob = company.admin, company.people["alice"], company.people["bob"]
    group = await _group(alice)
    kept = await alice.api.call("POST", "/api/gatherings", _event(group["id"]))
    await admin.call("PUT", f"/api/surveys/makers/{alice.id}")
    report = await bob.api.call("POST", "/api/reports", {"user_id": alice.id, "reason": "spam"})
    await admin.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "mute", "reason": "連投", "duration_seconds": 3600},
    )

    status, error = await _error(alice.api, "POST", "/api/gatherings", _event(group["id"]))
    assert (status, error["code"]) == (403, "muted")
    assert error["until"].endswith("Z")
    path = f"/api/gatherings/{kept['id']}"
    status, error = await _error(alice.api, "PATCH", path, {"title": "変更"})
    assert (status, error["code"]) == (403, "muted")
    status, error = await _error(alice.api, "POST", "/api/surveys", _survey())
    assert (status, error["code"]) == (403, "muted")
    assert [g["id"] for g in await _events(alice.api)] == [kept["id"]]
    assert (await alice.api.call("GET", path))["title"] == "読書会"
    assert await _surveys(admin) == []
