"""Questions, on both backends: the waiting alerts (the job run with a moved
clock, never sleeping) to the mentor, then to moderators, and to nobody when
answered in time, in working hours and days; an anonymous asker absent from
every payload a member can reach (the bytes, not the screen); the open
questions page, counts and figures; bad input answered clearly, changing
nothing; and direct conversations notifying every message by default."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bus.memory import MemoryBus
from questions.alerts import do_alert_waiting
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, ApiError, Company, Live, Person, add_person

JST = timedelta(hours=9)
# Friday 8 May 2026, 17:00 in Tokyo: 4 working hours later is Monday 12:00.
FRIDAY_17 = datetime(2026, 5, 8, 17, tzinfo=UTC) - JST


def _jst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=UTC) - JST


class Setting:
    """A newcomer in Engineering (nina) mentored by carol (Sales), a moderator,
    and the Q&A channel 新人の質問箱 everyone is in."""

    def __init__(self, company: Company) -> None:
        self.company = company

    async def build(self) -> Setting:
        c = self.company
        made = await c.admin.call(
            "POST",
            "/api/users",
            {
                "email": "nina@example.com",
                "display_name": "Ninasecret",
                "reading": "にーなひみつ",
                "password": "password-nina",
                "department_id": c.departments["Engineering"],
                "start_date": date.today().isoformat(),
            },
        )
        self.nina_id: int = made["id"]
        session = Api(c.server.http)
        await session.sign_in("nina@example.com", "password-nina")
        token = await session.new_token()
        await session.close()
        self.nina = Person("nina@example.com", Api(c.server.http, token), token, self.nina_id)
        c.people["nina"] = self.nina  # closed with the company's other people
        self.alice, self.bob, self.carol = (c.people[n] for n in ("alice", "bob", "carol"))
        await c.admin.call(
            "PUT", f"/api/users/{self.nina_id}/mentors", {"mentor_ids": [self.carol.id]}
        )
        self.mod = await add_person(c, "mod", c.departments["Sales"])
        await c.admin.call("PATCH", f"/api/users/{self.mod.id}", {"role": "moderator"})
        self.qa = await self.alice.api.call(
            "POST", "/api/channels", {"name": "新人の質問箱", "qa": True}
        )
        assert self.qa["qa"] is True
        for p in (self.nina, self.bob, self.carol, self.mod):
            await p.api.call("POST", f"/api/channels/{self.qa['id']}/join")
        return self

    async def ask(self, body: str, **extra: Any) -> dict[str, Any]:
        made = await self.nina.api.call(
            "POST", f"/api/channels/{self.qa['id']}/posts", {"body": body, **extra}
        )
        post: dict[str, Any] = made["post"]
        return post


async def _set_asked_at(settings: Settings, post_ids: list[int], at: datetime) -> None:
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            for post_id in post_ids:
                await conn.execute(
                    text("UPDATE question SET asked_at = :at WHERE post_id = :id"),
                    {"at": at, "id": post_id},
                )
    finally:
        await db.close()


async def _run(settings: Settings, now: datetime) -> int:
    db = Database(settings.database_url)
    try:
        async with db.writer() as session:
            return await do_alert_waiting(session, MemoryBus(), now)
    finally:
        await db.close()


async def _waiting(api: Api) -> list[dict[str, Any]]:
    page = await api.call("GET", "/api/notifications")
    return [n for n in page["notifications"] if n["kind"] == "question_waiting"]


async def test_waiting_questions_alert_the_mentor_then_moderators_in_working_hours(
    company: Company, settings: Settings
) -> None:
    s = await Setting(company).build()
    waiting = await s.ask("経費精算はどこで申請しますか?")
    answered = await s.ask("社内Wi-Fiのパスワードは?")
    talk = await s.nina.api.call("POST", "/api/direct", {"user_ids": [s.carol.id]})
    direct = (
        await s.nina.api.call(
            "POST",
            f"/api/channels/{talk['id']}/posts",
            {"body": "カロルさん、質問です", "question": True},
        )
    )["post"]
    assert direct["question"] == {
        "state": "unanswered",
        "answer_id": None,
        "anonymous": False,
        "direct": True,
    }
    await _set_asked_at(settings, [waiting["id"], answered["id"], direct["id"]], FRIDAY_17)
    await s.bob.api.call("POST", f"/api/posts/{answered['id']}/comments", {"body": "総務に"})

    assert await _run(settings, _jst(9, 12)) == 0  # Saturday: no working time
    assert await _run(settings, _jst(11, 11, 59)) == 0  # Monday, a minute early
    assert await _run(settings, _jst(11, 12)) == 2  # the mentor: the Q&A one, the direct one
    assert await _run(settings, _jst(11, 12, 30)) == 0  # once
    told = await _waiting(s.carol.api)
    assert sorted(n["post_id"] for n in told) == sorted([waiting["id"], direct["id"]])
    assert all(n["actors"][0]["id"] == s.nina_id for n in told)
    assert await _waiting(s.mod.api) == []

    # 8 working hours after Friday 17:00: Monday 16:00, to moderators and admins
    # (never for the direct question: its conversation has none).
    assert await _run(settings, _jst(11, 15, 59)) == 0
    assert await _run(settings, _jst(11, 16)) == 2
    assert [n["post_id"] for n in await _waiting(s.mod.api)] == [waiting["id"]]
    assert [n["post_id"] for n in await _waiting(company.admin)] == [waiting["id"]]
    assert len(await _waiting(s.carol.api)) == 2
    assert await _run(settings, _jst(12, 18)) == 0
    # Answered in time: nobody heard of it.
    for api in (s.carol.api, s.mod.api, company.admin, s.alice.api):
        assert answered["id"] not in [n["post_id"] for n in await _waiting(api)]


def _about(value: Any, post_ids: set[int]) -> list[Any]:
    """Every object of a payload about these posts: the posts themselves (in
    pages, threads, events, search hits, the feed), events and notifications
    naming them."""
    found = []
    if isinstance(value, dict):
        if (value.get("id") in post_ids and "author" in value) or any(
            value.get(k) in post_ids for k in ("post_id", "thread_id")
        ):
            found.append(value)
        for v in value.values():
            found += _about(v, post_ids)
    elif isinstance(value, list):
        for v in value:
            found += _about(v, post_ids)
    return found


def _people_in(value: Any, person_id: int) -> list[Any]:
    """Every person-shaped object (an id with a name) of ``person_id`` in a payload."""
    found = []
    if isinstance(value, dict):
        if value.get("id") == person_id and "display_name" in value:
            found.append(value)
        for v in value.values():
            found += _people_in(v, person_id)
    elif isinstance(value, list):
        for v in value:
            found += _people_in(v, person_id)
    return found


async def test_an_anonymous_asker_is_absent_from_every_member_payload(company: Company) -> None:
    s = await Setting(company).build()
    item = await company.admin.call(
        "POST", "/api/onboarding/checklist", {"kind": "ask_question", "title": "Ask"}
    )
    await s.alice.api.call("POST", f"/api/channels/{s.qa['id']}/join")
    await s.alice.api.call("PUT", f"/api/channels/{s.qa['id']}/notify", {"level": "all"})
    bob_live = await Live.connect(company.server, s.bob.token)
    channel = await s.bob.api.call("GET", f"/api/channels/{s.qa['id']}")
    await bob_live.request(
        {"op": "sub", "channel": s.qa["id"], "epoch": channel["epoch"], "seq": channel["seq"]}
    )
    await bob_live.request({"op": "sub_me"})

    asked = await s.ask(f"こっそり質問 ぷりんたー @[Bob]({s.bob.id})", anonymous=True)
    assert asked["author"]["anonymous"] is True and asked["author"]["id"] == 0
    assert asked["mine"] is True  # the asker's own answer says it is theirs
    mine = (await s.nina.api.call("GET", f"/api/posts/{asked['id']}"))["post"]
    assert mine["mine"] is True and mine["author"]["id"] == 0
    welcome = await s.nina.api.call("GET", "/api/me/welcome")
    assert next(i for i in welcome["checklist"]["items"] if i["id"] == item["id"])["done"]

    own = (
        await s.nina.api.call(
            "POST", f"/api/posts/{asked['id']}/comments", {"body": "補足です ぷりんたー"}
        )
    )["post"]
    assert own["author"]["anonymous"] is True
    answer = (
        await s.bob.api.call(
            "POST", f"/api/posts/{asked['id']}/comments", {"body": "二階です @[Alice](2)"}
        )
    )["post"]
    await s.alice.api.call("PUT", f"/api/posts/{asked['id']}/like", {})
    await s.nina.api.call(
        "PATCH",
        f"/api/posts/{asked['id']}",
        {"body": f"こっそり質問 ぷりんたー @[Bob]({s.bob.id})!"},
    )
    await s.nina.api.call("PUT", f"/api/posts/{asked['id']}/answer", {"answer_id": answer["id"]})
    with pytest.raises(ApiError, match="403"):  # a like would show her name
        await s.nina.api.call("PUT", f"/api/posts/{answer['id']}/like", {})
    await bob_live.wait(
        lambda f: (
            f.get("kind") == "question.updated" and f["data"]["question"]["state"] == "resolved"
        )
    )

    qa = s.qa["id"]
    payloads: list[Any] = []
    for api in (s.bob.api, s.alice.api, s.carol.api, s.mod.api):
        for path in (
            f"/api/channels/{qa}/posts",
            f"/api/posts/{asked['id']}",
            f"/api/posts/{own['id']}",
            f"/api/channels/{qa}/events?epoch={channel['epoch']}&seq=0",
            "/api/search?q=ぷりんたー",
            f"/api/search?q=ぷりんたー&author={s.nina_id}",
            "/api/home",
            "/api/notifications",
            "/api/questions?state=resolved",
            "/api/questions",
            f"/api/channels/{qa}/files",
            f"/api/users/{s.nina_id}/files",
        ):
            payloads.append(await api.call("GET", path))
    likers = [
        await s.bob.api.call("GET", f"/api/posts/{i}/likes") for i in (asked["id"], own["id"])
    ]
    by_author = await s.bob.api.call("GET", f"/api/search?q=ぷりんたー&author={s.nina_id}")
    assert by_author["results"] == []
    assert len((await s.bob.api.call("GET", "/api/search?q=ぷりんたー"))["results"]) == 2
    # Replay over the socket, and what arrived live (channel and own stream).
    replay = await Live.connect(company.server, s.bob.token)
    await replay.request({"op": "sub", "channel": qa, "epoch": channel["epoch"], "seq": 0})
    await replay.wait(
        lambda f: (
            f.get("kind") == "question.updated" and f["data"]["question"]["state"] == "resolved"
        )
    )
    payloads += bob_live.frames + replay.frames
    await bob_live.close()
    await replay.close()

    # Nina is a member everyone sees (she joined, she was welcomed): what must
    # not name her is everything about her anonymous question and comment.
    about = _about(payloads, {asked["id"], own["id"]}) + likers
    assert len(about) > 20
    raw = json.dumps(about, ensure_ascii=False)
    for secret in ("Ninasecret", "にーなひみつ", "nina@example.com"):
        assert secret not in raw, secret
    assert _people_in(about, s.nina_id) == []
    notes = [n for p in payloads if isinstance(p, dict) for n in p.get("notifications", [])]
    assert {n["kind"] for n in notes} >= {"mention", "post"}
    assert all(a["id"] == 0 for n in notes if n["post_id"] == asked["id"] for a in n["actors"])

    # Admins see who asked (moderation); the asker can delete it.
    thread = await company.admin.call("GET", f"/api/posts/{asked['id']}")
    assert thread["post"]["anonymous_author"]["id"] == s.nina_id
    assert thread["comments"][0]["id"] == answer["id"]  # the accepted answer first
    await s.nina.api.call("DELETE", f"/api/posts/{asked['id']}")


async def test_bad_input_is_refused_clearly_and_changes_nothing(company: Company) -> None:
    s = await Setting(company).build()
    q = await s.ask("質問です")
    a1 = (await s.bob.api.call("POST", f"/api/posts/{q['id']}/comments", {"body": "一"}))["post"]
    a2 = (await s.alice.api.call("POST", f"/api/posts/{q['id']}/comments", {"body": "二"}))["post"]
    other = await s.ask("別の質問")
    other_c = (await s.bob.api.call("POST", f"/api/posts/{other['id']}/comments", {"body": "x"}))[
        "post"
    ]

    async def state() -> Any:
        return (await s.bob.api.call("GET", f"/api/posts/{q['id']}"))["post"]["question"]

    before = await state()
    assert before["state"] == "answered"
    with pytest.raises(ApiError, match="403"):  # someone else's question
        await s.alice.api.call("PUT", f"/api/posts/{q['id']}/answer", {"answer_id": a1["id"]})
    with pytest.raises(ApiError, match="400"):  # not a comment of this question
        await s.nina.api.call("PUT", f"/api/posts/{q['id']}/answer", {"answer_id": other_c["id"]})
    with pytest.raises(ApiError, match="400"):  # a comment is not a question
        await s.bob.api.call("PUT", f"/api/posts/{a1['id']}/answer", {"answer_id": a1["id"]})
    assert await state() == before

    # The mentor resolves; the same answer again changes nothing; another: 409.
    done = await s.carol.api.call("PUT", f"/api/posts/{q['id']}/answer", {"answer_id": a1["id"]})
    again = await s.nina.api.call("PUT", f"/api/posts/{q['id']}/answer", {"answer_id": a1["id"]})
    assert again["seq"] == done["seq"] and again["post"] is None
    with pytest.raises(ApiError, match="409"):
        await s.nina.api.call("PUT", f"/api/posts/{q['id']}/answer", {"answer_id": a2["id"]})
    assert (await state())["answer_id"] == a1["id"]
    # Deleting the accepted answer opens the question again.
    await s.bob.api.call("DELETE", f"/api/posts/{a1['id']}")
    assert await state() == {**before, "state": "answered"}

    page = await s.bob.api.call("GET", f"/api/channels/{s.qa['id']}/posts")
    eng = next(
        c
        for c in await s.nina.api.call("GET", "/api/channels")
        if c["department_id"] == company.departments["Engineering"]
    )
    with pytest.raises(ApiError, match="403"):  # anonymous, by someone not new
        await s.alice.api.call(
            "POST", f"/api/channels/{s.qa['id']}/posts", {"body": "x", "anonymous": True}
        )
    with pytest.raises(ApiError, match="400"):  # anonymous outside a Q&A channel
        await s.nina.api.call(
            "POST", f"/api/channels/{eng['id']}/posts", {"body": "x", "anonymous": True}
        )
    with pytest.raises(ApiError, match="400"):  # a question outside Q&A and direct
        await s.nina.api.call(
            "POST", f"/api/channels/{eng['id']}/posts", {"body": "x", "question": True}
        )
    assert await s.bob.api.call("GET", f"/api/channels/{s.qa['id']}/posts") == page
    anon = await s.ask("匿名の質問", anonymous=True)
    with pytest.raises(ApiError, match="403"):  # a mentor would learn whose it is
        await s.carol.api.call("PUT", f"/api/posts/{anon['id']}/answer", {"answer_id": 1})

    # Settings: admins only, and a change that does not hold together changes nothing.
    with pytest.raises(ApiError, match="403"):
        await s.alice.api.call("PATCH", "/api/questions/settings", {"first_delay_hours": 1})
    kept = await company.admin.call("GET", "/api/questions/settings")
    assert kept["time_zone"] == "Asia/Tokyo" and kept["first_delay_hours"] == 4
    with pytest.raises(ApiError, match="400"):
        await company.admin.call("PATCH", "/api/questions/settings", {"first_delay_hours": 9})
    with pytest.raises(ApiError, match="400"):
        await company.admin.call("PATCH", "/api/questions/settings", {"time_zone": "Mars/Base"})
    assert await company.admin.call("GET", "/api/questions/settings") == kept
    changed = await company.admin.call(
        "PATCH", "/api/questions/settings", {"first_delay_hours": 2, "work_days": [0, 1, 2]}
    )
    assert (changed["first_delay_hours"], changed["work_days"]) == (2, [0, 1, 2])


async def test_open_questions_waiting_counts_and_figures(company: Company) -> None:
    s = await Setting(company).build()
    first = await s.ask("一つ目")
    second = await s.ask("二つ目")
    await s.ask("匿名です", anonymous=True)
    await s.bob.api.call("POST", f"/api/posts/{second['id']}/comments", {"body": "答え"})
    page = await s.alice.api.call("GET", "/api/questions?limit=2")
    assert [q["post"]["id"] for q in page["questions"]] == [first["id"], second["id"]]
    rest = await s.alice.api.call("GET", f"/api/questions?after={page['after']}")
    assert len(rest["questions"]) == 1 and rest["after"] is None
    unanswered = await s.alice.api.call("GET", "/api/questions?state=unanswered")
    assert second["id"] not in [q["post"]["id"] for q in unanswered["questions"]]
    with pytest.raises(ApiError, match="400"):
        await s.alice.api.call("GET", "/api/questions?state=maybe")
    # A private Q&A group's questions are its members' only.
    secret = await s.bob.api.call(
        "POST", "/api/channels", {"name": "秘密の質問箱", "qa": True, "is_private": True}
    )
    await s.bob.api.call("POST", f"/api/channels/{secret['id']}/posts", {"body": "内緒"})
    listed = await s.carol.api.call("GET", "/api/questions")
    assert secret["id"] not in {q["channel"]["id"] for q in listed["questions"]}

    # Waiting: the mentor counts the newcomer's named unanswered one; a
    # moderator every unanswered one they may read; others nothing.
    assert (await s.carol.api.call("GET", "/api/questions/waiting"))["count"] == 1
    assert (await s.mod.api.call("GET", "/api/questions/waiting"))["count"] == 2
    assert (await s.alice.api.call("GET", "/api/questions/waiting"))["count"] == 0

    with pytest.raises(ApiError, match="403"):
        await s.alice.api.call("GET", "/api/questions/figures")
    quiet = await company.admin.call(
        "POST",
        "/api/users",
        {
            "email": "quiet@example.com",
            "display_name": "Quiet",
            "password": "password-quiet",
            "department_id": company.departments["Sales"],
            "start_date": (date.today() - timedelta(days=20)).isoformat(),
        },
    )
    figures = await company.admin.call("GET", "/api/questions/figures")
    assert len(figures["weeks"]) == 12
    # One asker: merged into "other", and too few to show figures.
    (other,) = figures["departments"]
    assert other["label"] == "other" and other["suppressed"] is True
    assert other["median_hours_to_first_answer"] is None
    assert other["questions"] == 4  # the private group's too
    assert [p["id"] for p in figures["quiet_newcomers"]] == [quiet["id"]]


async def _set_question_times(
    settings: Settings, post_id: int, asked_at: datetime, first_answer_at: datetime | None
) -> None:
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE question SET asked_at = :asked, first_answer_at = :answered"
                    " WHERE post_id = :id"
                ),
                {"asked": asked_at, "answered": first_answer_at, "id": post_id},
            )
    finally:
        await db.close()


async def test_figures_give_the_median_and_the_share_answered_within_a_day(
    company: Company, settings: Settings
) -> None:
    """Eight questions asked at one known moment and first answered at known
    delays: Engineering (five askers) is shown with its own figures, Sales (one
    asker) is folded into "other" and suppressed; the week holds all eight."""
    s = await Setting(company).build()
    dan = await add_person(company, "dan", company.departments["Engineering"])
    erin = await add_person(company, "erin", company.departments["Engineering"])
    # (asker, who answers, hours from asking to the first answer; None: unanswered)
    plan: list[tuple[Person, Person | None, float | None]] = [
        (s.alice, s.bob, 0.25),
        (s.bob, s.alice, 2),
        (s.nina, s.carol, 5),
        (dan, s.bob, 24),  # exactly a day still counts as within a day
        (erin, s.alice, 30),
        (s.alice, s.carol, 49),
        (s.bob, None, None),
        (s.carol, s.bob, 1),  # Sales: one asker
    ]
    for p in (s.alice, dan, erin):
        await p.api.call("POST", f"/api/channels/{s.qa['id']}/join")
    asked_at = (datetime.now(UTC) - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    for i, (asker, answerer, hours) in enumerate(plan):
        made = await asker.api.call(
            "POST", f"/api/channels/{s.qa['id']}/posts", {"body": f"質問 {i}"}
        )
        post_id = made["post"]["id"]
        if answerer is not None:
            await asker.api.call("POST", f"/api/posts/{post_id}/comments", {"body": "補足"})
            await answerer.api.call("POST", f"/api/posts/{post_id}/comments", {"body": "答え"})
        answered_at = None if hours is None else asked_at + timedelta(hours=hours)
        await _set_question_times(settings, post_id, asked_at, answered_at)

    figures = await company.admin.call("GET", "/api/questions/figures")
    by_label = {f["label"]: f for f in figures["departments"]}
    assert set(by_label) == {"Engineering", "other"}
    # Waits 0.25, 2, 5, 24, 30, 49 hours: median (5 + 24) / 2; within a day
    # 4 of 7 questions (the unanswered one counts as not answered in a day).
    assert by_label["Engineering"] == {
        "label": "Engineering",
        "questions": 7,
        "askers": 5,
        "suppressed": False,
        "median_hours_to_first_answer": 14.5,
        "answered_within_day": 0.571,
    }
    assert by_label["other"] == {
        "label": "other",
        "questions": 1,
        "askers": 1,
        "suppressed": True,
        "median_hours_to_first_answer": None,
        "answered_within_day": None,
    }
    # The week of asking (Monday in Tokyo): all eight, six askers; waits
    # 0.25, 1, 2, 5, 24, 30, 49: median 5; within a day 5 of 8.
    local = (asked_at + JST).date()
    monday = (local - timedelta(days=local.weekday())).isoformat()
    busy = [w for w in figures["weeks"] if w["questions"]]
    assert busy == [
        {
            "label": monday,
            "questions": 8,
            "askers": 6,
            "suppressed": False,
            "median_hours_to_first_answer": 5.0,
            "answered_within_day": 0.625,
        }
    ]


async def test_an_anonymous_question_alerts_moderators_at_the_first_delay_never_the_mentor(
    company: Company, settings: Settings
) -> None:
    """Telling the mentor would tell them whose question it is: an anonymous
    question goes to the moderators at the first delay instead, while a named
    one goes to the mentor first and to moderators only at the second."""
    s = await Setting(company).build()
    hidden = await s.ask("匿名の質問です", anonymous=True)
    named = await s.ask("名前つきの質問です")
    await _set_asked_at(settings, [hidden["id"], named["id"]], FRIDAY_17)

    assert await _run(settings, _jst(11, 11, 59)) == 0
    # Monday 12:00: the named one to carol (her mentor); the anonymous one to
    # the moderator and the admin, not to carol.
    assert await _run(settings, _jst(11, 12)) == 3
    assert [n["post_id"] for n in await _waiting(s.carol.api)] == [named["id"]]
    (to_mod,) = await _waiting(s.mod.api)
    assert to_mod["post_id"] == hidden["id"]
    assert [a["id"] for a in to_mod["actors"]] == [0]  # the moderator is not told whose
    assert "Ninasecret" not in json.dumps(to_mod, ensure_ascii=False)
    assert [n["post_id"] for n in await _waiting(company.admin)] == [hidden["id"]]

    # Monday 16:00: the named one reaches the moderators; the anonymous one
    # never reaches the mentor and is not told twice.
    assert await _run(settings, _jst(11, 16)) == 2
    assert [n["post_id"] for n in await _waiting(s.carol.api)] == [named["id"]]
    assert sorted(n["post_id"] for n in await _waiting(s.mod.api)) == sorted(
        [hidden["id"], named["id"]]
    )
    assert await _run(settings, _jst(12, 18)) == 0


async def test_direct_conversations_notify_every_message_by_default(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    talk = await alice.api.call("POST", "/api/direct", {"user_ids": [bob.id]})
    mine = await bob.api.call("GET", f"/api/channels/{talk['id']}")
    assert mine["notify"] == "all"
    await alice.api.call("POST", f"/api/channels/{talk['id']}/posts", {"body": "お昼どう?"})
    page = await bob.api.call("GET", "/api/notifications")
    assert [(n["kind"], n["channel_id"]) for n in page["notifications"]] == [("post", talk["id"])]
    # Groups keep "mentions": a post there notifies nobody.
    group = await alice.api.call("POST", "/api/channels", {"name": "Lunch"})
    await bob.api.call("POST", f"/api/channels/{group['id']}/join")
    assert (await bob.api.call("GET", f"/api/channels/{group['id']}"))["notify"] == "mentions"
