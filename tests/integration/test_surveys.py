"""Surveys, on both backends: an anonymous survey answered by its audience,
whose stored answers (read from the database itself) name nobody and cannot
be joined back to anyone; results and the CSV for its author and admins only,
no department cell under five respondents; a survey for one department
invisible to everyone else, in every route; moving out of the department
ends the right to answer; bad answers refused clearly, changing nothing;
reminders to those who have not answered; the ready-made usage survey in one
click; leave to make surveys granted and taken back; the opening job telling
an audience once."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bus.memory import MemoryBus
from server.db import Database
from server.settings import Settings
from streams.unit import Unit, run
from surveys import pool
from surveys.actions import do_announce_opened
from tests.support.clients import Api, Company, Live, add_person


def _later(days: float = 7) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


QUESTIONS = [
    {"kind": "single", "text": "どの拠点?", "options": ["東京", "大阪"]},
    {"kind": "multiple", "text": "Which parts?", "options": ["=cmd()", "Search", "Groups"]},
    {"kind": "scale", "text": "How useful?"},
    {"kind": "text", "text": "Anything else?", "required": False},
]


async def _make(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"title": "Usage", "questions": QUESTIONS, "closes_at": _later(), **extra}
    made: dict[str, Any] = await api.call("POST", "/api/surveys", body, expect=201)
    return made


def _answers(survey: dict[str, Any], pick: int, scale: int, words: str = "") -> dict[str, Any]:
    single, multiple, scale_q, free = survey["questions"]
    return {
        "answers": [
            {"question_id": single["id"], "option_ids": [single["options"][pick]["id"]]},
            {"question_id": multiple["id"], "option_ids": [o["id"] for o in multiple["options"]]},
            {"question_id": scale_q["id"], "value": scale},
            {"question_id": free["id"], "text": words},
        ]
    }


async def _rows(settings: Settings, sql: str) -> list[Any]:
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await db.close()


async def test_an_anonymous_survey_cannot_be_joined_back_to_anyone(
    company: Company, settings: Settings
) -> None:
    admin, alice, bob, carol = (
        company.admin,
        *(company.people[n] for n in ("alice", "bob", "carol")),
    )
    eng = company.departments["Engineering"]
    live = await Live.connect(company.server, (await admin.new_token("live")))
    await live.request({"op": "sub_me"})
    try:
        survey = await _make(admin, anonymous=True, audience="departments", department_ids=[eng])
        sid = survey["id"]
        assert survey["anonymous"] and survey["state"] == "open" and survey["can_manage"]

        # The audience sees it, with a notification; Sales sees nothing of it anywhere.
        mine = await alice.api.call("GET", "/api/surveys")
        assert [s["id"] for s in mine["surveys"]] == [sid] and mine["surveys"][0]["can_answer"]
        note = (await alice.api.call("GET", "/api/notifications"))["notifications"][0]
        assert (note["kind"], note["excerpt"]) == ("survey", "Usage")
        assert (await carol.api.call("GET", "/api/surveys"))["surveys"] == []
        for method, path, body in (
            ("GET", f"/api/surveys/{sid}", None),
            ("POST", f"/api/surveys/{sid}/answers", _answers(survey, 0, 3)),
            ("GET", f"/api/surveys/{sid}/results", None),
            ("GET", f"/api/surveys/{sid}/export", None),
            ("POST", f"/api/surveys/{sid}/remind", {}),
        ):
            r = await carol.api.raw(method, path, body)
            missing = await carol.api.raw(method, path.replace(f"/{sid}", "/999999"), body)
            assert r.status_code == 404 and r.json() == missing.json(), (method, path)
        carol_notes = (await carol.api.call("GET", "/api/notifications"))["notifications"]
        assert all(n["kind"] != "survey" for n in carol_notes)

        # Alice and Bob answer; the author hears the count live.
        await alice.api.call("POST", f"/api/surveys/{sid}/answers", _answers(survey, 0, 5, "良い"))
        await bob.api.call("POST", f"/api/surveys/{sid}/answers", _answers(survey, 1, 2, "=1+1"))
        frame = await live.wait(
            lambda f: (
                f["type"] == "personal"
                and f["kind"] == "survey.answered"
                and f["data"]["respondents"] == 2
            )
        )
        assert frame["data"] == {"survey_id": sid, "respondents": 2}
        again = await alice.api.raw("POST", f"/api/surveys/{sid}/answers", _answers(survey, 1, 1))
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
        assert not (await alice.api.call("GET", f"/api/surveys/{sid}"))["can_answer"]

        # Results: the author's and admins' only; no department cell under five.
        denied = await alice.api.raw("GET", f"/api/surveys/{sid}/results")
        assert denied.status_code == 403
        res = await admin.call("GET", f"/api/surveys/{sid}/results")
        assert (res["audience"], res["respondents"], res["rate"]) == (2, 2, 1.0)
        (dept,) = res["departments"]
        assert (dept["name"], dept["audience"], dept["respondents"], dept["hidden"]) == (
            "Engineering",
            2,
            None,
            True,
        )
        single, multiple, scale, free = res["questions"]
        assert [o["count"] for o in single["options"]] == [1, 1]
        assert [o["count"] for o in multiple["options"]] == [2, 2, 2]
        assert scale["scale"] == [0, 1, 0, 0, 1] and scale["average"] == 3.5
        assert sorted(free["texts"]) == ["=1+1", "良い"]

        # The CSV: UTF-8 with a BOM, formulas neutralised, nobody named.
        r = await admin.raw("GET", f"/api/surveys/{sid}/export")
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0] == ["#", "どの拠点?", "Which parts?", "How useful?", "Anything else?"]
        assert sorted(row[4] for row in rows[1:]) == ["'=1+1", "良い"]
        assert all(row[2].startswith("'=cmd()") for row in rows[1:])
        assert "Alice" not in r.text and "Bob" not in r.text

        # The database itself: who answered is in survey_respondent (for
        # reminders and usage figures); what was answered is in the pool, with
        # no person, no time, no id and no order of its own.
        who = await _rows(settings, f"SELECT user_id FROM survey_respondent WHERE survey_id={sid}")
        assert sorted(r[0] for r in who) == sorted([alice.id, bob.id])
        for table in ("survey_pool", "survey_question", "survey_option"):
            names = {
                r[0]
                for r in await _rows(
                    settings,
                    f"SELECT name FROM pragma_table_info('{table}')"
                    if settings.is_sqlite
                    else "SELECT column_name FROM information_schema.columns"
                    f" WHERE table_name = '{table}'",
                )
            }
            assert not names & {"user_id", "person_id", "created_at", "answered_at", "at"}, table
        ((responses, count),) = await _rows(
            settings, f"SELECT responses, count FROM survey_pool WHERE survey_id = {sid}"
        )
        stored = json.loads(responses) if isinstance(responses, str) else responses
        assert count == 2 and len(stored) == 2
        assert all(set(r) == {"answers"} for r in stored), stored  # no person, time or id
        asked = {str(q["id"]) for q in survey["questions"]}
        assert all(set(r["answers"]) <= asked for r in stored)
        # One row per survey: nothing that has a position, a time or a
        # transaction of its own per response (surveys/pool.py).
        assert len(await _rows(settings, "SELECT survey_id FROM survey_pool")) == 1
    finally:
        await live.close()


async def test_a_survey_for_a_department_follows_its_people_and_bad_answers_change_nothing(
    company: Company, settings: Settings
) -> None:
    admin, alice, bob = company.admin, company.people["alice"], company.people["bob"]
    eng, sales = company.departments["Engineering"], company.departments["Sales"]
    survey = await _make(admin, audience="departments", department_ids=[eng])
    other = await _make(admin)
    sid = survey["id"]
    single, multiple, scale, free = survey["questions"]
    good = _answers(survey, 0, 3)

    def replace(i: int, answer: dict[str, Any]) -> dict[str, Any]:
        answers = list(good["answers"])
        answers[i] = answer
        return {"answers": answers}

    bad = [
        (
            replace(0, {"question_id": other["questions"][0]["id"], "option_ids": [1]}),
            400,
            "unknown_question",
        ),
        (
            replace(0, {"question_id": single["id"], "option_ids": [multiple["options"][0]["id"]]}),
            400,
            "option_unknown",
        ),
        (
            replace(
                0, {"question_id": single["id"], "option_ids": [o["id"] for o in single["options"]]}
            ),
            400,
            "one_option",
        ),
        (replace(2, {"question_id": scale["id"], "value": 6}), 400, "out_of_range"),
        (replace(2, {"question_id": scale["id"], "value": 0}), 400, "out_of_range"),
        (replace(2, {"question_id": scale["id"], "text": "5"}), 400, "wrong_kind"),
        ({"answers": good["answers"][1:]}, 400, "required"),
        ({"answers": [*good["answers"], good["answers"][0]]}, 400, "duplicate"),
        (replace(2, {"question_id": scale["id"], "value": "3"}), 422, "invalid"),
        ({**good, "extra": 1}, 422, "invalid"),
        (replace(3, {"question_id": free["id"], "text": "x", "mood": "happy"}), 422, "invalid"),
        ({"answers": "all of them"}, 422, "invalid"),
    ]
    for body, status, code in bad:
        r = await alice.api.raw("POST", f"/api/surveys/{sid}/answers", body)
        assert r.status_code == status, (body, r.text)
        error = r.json()["error"]
        assert error["code"] == (code if status == 422 else "answer_invalid"), (body, error)
        if status == 400:
            assert error["reason"] == code, (body, error)
    # The admin sees it but is not asked.
    r = await admin.raw("POST", f"/api/surveys/{sid}/answers", good)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_in_audience")

    async def nothing_changed() -> None:
        res = await admin.call("GET", f"/api/surveys/{sid}/results")
        assert (res["respondents"], res["responses"]) == (0, 0)

    await nothing_changed()

    # Moved out of Engineering: the survey is gone for Bob, at once.
    await admin.call("PATCH", f"/api/users/{bob.id}", {"department_id": sales})
    r = await bob.api.raw("POST", f"/api/surveys/{sid}/answers", good)
    assert r.status_code == 404
    assert (await bob.api.raw("GET", f"/api/surveys/{sid}")).status_code == 404
    await nothing_changed()

    # Not open yet (an admin, who sees it, is told so), and closed.
    later = await _make(admin, opens_at=_later(1), closes_at=_later(2))
    assert later["state"] == "scheduled"
    assert (await alice.api.raw("GET", f"/api/surveys/{later['id']}")).status_code == 404
    r = await admin.raw("POST", f"/api/surveys/{later['id']}/answers", _answers(later, 0, 3))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "survey_not_open")
    past = datetime.now(UTC) - timedelta(minutes=1)
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE survey SET closes_at = :at WHERE id = :id"), {"at": past, "id": sid}
            )
    finally:
        await db.close()
    r = await alice.api.raw("POST", f"/api/surveys/{sid}/answers", good)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "survey_closed")
    await nothing_changed()

    # Making one: dates, departments, questions that do not fit.
    for body, status in (
        ({"closes_at": _later(-1)}, 400),
        ({"opens_at": _later(3), "closes_at": _later(2)}, 400),
        ({"audience": "departments", "department_ids": [999999]}, 404),
        ({"audience": "departments"}, 422),
        ({"questions": []}, 422),
        ({"questions": [{"kind": "single", "text": "x", "options": ["only"]}]}, 422),
        ({"questions": [{"kind": "scale", "text": "x", "options": ["a", "b"]}]}, 422),
        ({"questions": [{"kind": "rank", "text": "x"}]}, 422),
        ({"closes_at": "tomorrow"}, 422),
    ):
        full = {"title": "Bad", "questions": QUESTIONS, "closes_at": _later(), **body}
        r = await admin.raw("POST", "/api/surveys", full)
        assert r.status_code == status, (body, r.text)
    # A member may not make one until an admin allows it.
    r = await alice.api.raw(
        "POST", "/api/surveys", {"title": "x", "questions": QUESTIONS, "closes_at": _later()}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    titles = {s["title"] for s in (await admin.call("GET", "/api/surveys"))["surveys"]}
    assert titles == {"Usage"}


async def test_reminders_the_usage_template_and_leave_to_make_surveys(
    company: Company, settings: Settings
) -> None:
    admin, alice, bob, carol = (
        company.admin,
        *(company.people[n] for n in ("alice", "bob", "carol")),
    )
    # An admin lets Alice make surveys; she does, named, for the company.
    await admin.call("PUT", f"/api/surveys/makers/{alice.id}")
    makers = await admin.call("GET", "/api/surveys/makers")
    assert [m["person"]["id"] for m in makers] == [alice.id]
    assert (await alice.api.call("GET", "/api/surveys"))["can_make"]
    survey = await _make(alice.api)
    sid = survey["id"]
    await bob.api.call("POST", f"/api/surveys/{sid}/answers", _answers(survey, 1, 4, "ok"))
    told = await alice.api.call("POST", f"/api/surveys/{sid}/remind", {})
    assert told["reminded"] == 2  # carol and the admin; bob answered, alice asked
    kinds = [
        n["kind"] for n in (await carol.api.call("GET", "/api/notifications"))["notifications"]
    ]
    assert kinds[:2] == ["survey_reminder", "survey"]
    assert "survey_reminder" not in [
        n["kind"] for n in (await bob.api.call("GET", "/api/notifications"))["notifications"]
    ]
    again = await alice.api.raw("POST", f"/api/surveys/{sid}/remind", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "reminded_recently")
    assert (await bob.api.raw("POST", f"/api/surveys/{sid}/remind", {})).status_code == 403
    # A named survey's results and CSV name who answered what.
    res = await alice.api.call("GET", f"/api/surveys/{sid}/results")
    assert res["respondents"] == 1 and not any(d["hidden"] for d in res["departments"])
    exported = (await alice.api.raw("GET", f"/api/surveys/{sid}/export")).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[1][:3] == ["1", "Bob", "Engineering"]

    # Taken back: she can make no more, her survey stays hers.
    await admin.call("DELETE", f"/api/surveys/makers/{alice.id}")
    assert not (await alice.api.call("GET", "/api/surveys"))["can_make"]
    r = await alice.api.raw(
        "POST", "/api/surveys", {"title": "x", "questions": QUESTIONS, "closes_at": _later()}
    )
    assert r.status_code == 403
    assert (await alice.api.call("GET", f"/api/surveys/{sid}/results"))["respondents"] == 1
    r = await alice.api.raw("PUT", f"/api/surveys/makers/{bob.id}")
    assert r.status_code == 403

    # The ready-made usage survey, in one click, to everyone; found by its key.
    (template,) = await admin.call("GET", "/api/surveys/templates")
    assert template["key"] == "network_usage" and template["title"]["ja"]
    sent = await admin.call("POST", "/api/surveys/from-template", {"language": "ja"}, expect=201)
    assert sent["template"] == "network_usage" and sent["anonymous"]
    assert sent["title"] == template["title"]["ja"] and sent["audience"] == "company"
    found = await carol.api.call("GET", "/api/surveys", params={"template": "network_usage"})
    assert [s["id"] for s in found["surveys"]] == [sent["id"]]
    assert (await admin.call("GET", "/api/surveys/templates"))[0]["sent"] == [sent["id"]]
    r = await carol.api.raw("POST", "/api/surveys/from-template", {})
    assert r.status_code == 403
    r = await carol.api.raw("GET", "/api/surveys", params={"template": "nope"})
    assert r.status_code == 400

    # Usage figures: who made or answered surveys, with times.
    used = await _rows(
        settings,
        "SELECT created_by AS who FROM survey UNION SELECT user_id FROM survey_respondent",
    )
    assert sorted(r[0] for r in used) == sorted([admin.user["id"], alice.id, bob.id])


async def test_a_survey_opening_later_is_told_once(company: Company, settings: Settings) -> None:
    admin, carol = company.admin, company.people["carol"]
    survey = await _make(admin, opens_at=_later(1), closes_at=_later(3))
    assert (await carol.api.call("GET", "/api/surveys"))["surveys"] == []
    db = Database(settings.database_url)
    try:
        for when, expected in (
            (datetime.now(UTC), 0),
            (datetime.now(UTC) + timedelta(days=1, hours=1), 3),
            (datetime.now(UTC) + timedelta(days=1, hours=2), 0),
        ):
            async with db.writer() as session:
                assert await do_announce_opened(session, MemoryBus(), when) == expected
    finally:
        await db.close()
    notes = (await carol.api.call("GET", "/api/notifications"))["notifications"]
    assert [(n["kind"], n["excerpt"]) for n in notes] == [("survey", survey["title"])]
    nina = await add_person(company, "nina", company.departments["Sales"])
    assert (await nina.api.call("GET", "/api/notifications"))["notifications"] == []


async def test_the_pool_keeps_no_order_of_arrival(company: Company, settings: Settings) -> None:
    """Eight responses added in order come out in an order of their own (a
    uniform random one: the same as arrival once in 40,320)."""
    survey = await _make(company.admin)
    db = Database(settings.database_url)
    try:
        for n in range(8):

            async def add(unit: Unit, n: int = n) -> int:
                return await pool.add(unit.db, survey["id"], {"answers": {"n": n}})

            async with db.writer() as session:
                assert await run(session, MemoryBus(), add) == n + 1
        async with db.reader() as session:
            kept = [r["answers"]["n"] for r in await pool.responses_of(session, survey["id"])]
    finally:
        await db.close()
    assert sorted(kept) == list(range(8)) and kept != list(range(8))
