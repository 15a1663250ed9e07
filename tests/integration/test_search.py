"""Search (``GET /api/search`` and the ``search`` op), on both backends: a fixed
corpus of Japanese and English with known answers, edits and deletes seen at
once, the read rule inside the query (closed departments, private groups:
no result, no count, pages still full), filters and paging, and bad input
answered clearly with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, literal_column
from sqlalchemy import select as sa_select

from channels import search
from core.fulltext import parse_query
from org.models import User
from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, Company, Live, Person, add_person, department_channel

# What each post says; the tests below know what each query must find.
CORPUS = {
    "meeting": "明日の会議は10時からです",
    "room": "会議室Aを予約しました",
    "expense": "経費精算の締め切りは月末です",
    "newbie": "新人研修のスケジュールを共有します",
    "sns": "社内SNSの活用について話しましょう",
    "api": "ＡＰＩの仕様書を更新しました",
    "halfwidth": "ｶｲｷﾞの資料はこちら",
    "deploy": "Deploying the new build to staging today",
    "notes": "Quarterly MEETING notes are in the wiki",
    "march": "3月の予定を確認してください",
    "weather": "今日はいい天気ですね",
}
ANSWERS = {
    # 2-character words inside unspaced sentences, and longer ones
    "会議": {"meeting", "room"},
    "会議室": {"room"},
    "経費": {"expense"},
    "精算": {"expense"},
    "経費精算": {"expense"},
    "新人": {"newbie"},
    "天気": {"weather"},
    "議会": set(),  # the same characters, the other way round
    # one character: a prefix of a token, so anywhere in a run
    "会": {"meeting", "room"},
    "月": {"expense", "march"},
    "d": {"deploy"},
    # mixed scripts
    "SNSの活用": {"sns"},
    "SNS": {"sns"},
    "活用": {"sns"},
    "3月": {"march"},
    "会議室A": {"room"},
    "会議 10時": {"meeting"},  # every term
    "会議 経費": set(),
    # full-width and half-width forms alike
    "ＳＮＳ": {"sns"},
    "API": {"api"},
    "api": {"api"},
    "ＡＰＩ": {"api"},
    "３月": {"march"},
    "カイギ": {"halfwidth"},
    "ｶｲｷﾞ": {"halfwidth"},
    # English, whole words, any case
    "meeting": {"notes"},
    "MEETING": {"notes"},
    "Meeting Notes": {"notes"},
    "deploying": {"deploy"},
    "deploy": set(),
    "wiki staging": set(),
}


async def _corpus(person: Person, channel_id: int) -> dict[str, int]:
    ids = {}
    for name, body in CORPUS.items():
        made = await person.api.call("POST", f"/api/channels/{channel_id}/posts", {"body": body})
        ids[name] = made["post"]["id"]
    return ids


async def _found(api: Api, **params: Any) -> list[int]:
    page = await api.call("GET", "/api/search", params=params)
    return [r["post"]["id"] for r in page["results"]]


async def _eng(company: Company) -> dict[str, Any]:
    return await department_channel(company.people["alice"].api, company.departments["Engineering"])


async def test_finds_japanese_and_english_as_people_write_them(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    ids = await _corpus(alice, (await _eng(company))["id"])
    names = {v: k for k, v in ids.items()}
    wrong = {}
    for q, want in ANSWERS.items():
        # carol (Sales) reads Engineering's open channel like anyone.
        got = {names[i] for i in await _found(carol.api, q=q)}
        if got != want:
            wrong[q] = (sorted(got), sorted(want))
    assert wrong == {}


async def test_a_result_is_a_post_with_its_channel_and_marked_snippet(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await _eng(company)
    post = await alice.api.call(
        "POST", f"/api/channels/{eng['id']}/posts", {"body": "**経費精算**の<b>ルール</b>"}
    )
    comment = await bob.api.call(
        "POST", f"/api/posts/{post['post']['id']}/comments", {"body": "経費は\n月末まで"}
    )
    page = await bob.api.call("GET", "/api/search", params={"q": "経費"})
    assert page["terms"] == ["経費"] and page["before"] is None and page["offset"] is None
    first, second = page["results"]  # newest first: the comment, then the post
    thread = await bob.api.call("GET", f"/api/posts/{post['post']['id']}")
    assert first["post"] == thread["comments"][0]
    assert second["post"] == thread["post"]
    assert first["post"]["parent_id"] == post["post"]["id"]  # opens in its thread
    assert first["channel"] == {"id": eng["id"], "name": eng["name"], "kind": "department"}
    assert first["snippet"] == [
        {"text": "経費", "hit": True},
        {"text": "は 月末まで", "hit": False},
    ]
    # The snippet is the text as written, never markup: a client shows it as text.
    assert second["snippet"] == [
        {"text": "**", "hit": False},
        {"text": "経費", "hit": True},
        {"text": "精算**の<b>ルール</b>", "hit": False},
    ]
    assert comment["post"]["id"] == first["post"]["id"]

    # A long post: the part around the first match, with … where it goes on.
    long = "前置き。" * 100 + "ここでＡＰＩの話をします。" + "後書き。" * 100
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": long})
    (hit,) = (await bob.api.call("GET", "/api/search", params={"q": "api"}))["results"]
    parts = hit["snippet"]
    assert parts[0]["text"].startswith("…") and parts[-1]["text"].endswith("…")
    assert [p["text"] for p in parts if p["hit"]] == ["ＡＰＩ"]
    assert sum(len(p["text"]) for p in parts) <= 162


async def test_edits_and_deletes_are_searched_at_once(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await _eng(company)
    post = (
        await alice.api.call(
            "POST", f"/api/channels/{eng['id']}/posts", {"body": "来週の定例会議について"}
        )
    )["post"]
    comment = (
        await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": "定例の議事録"})
    )["post"]
    assert await _found(bob.api, q="定例") == [comment["id"], post["id"]]

    await alice.api.call("PATCH", f"/api/posts/{post['id']}", {"body": "再来週の全体朝会"})
    assert await _found(bob.api, q="定例") == [comment["id"]]
    assert await _found(bob.api, q="全体朝会") == [post["id"]]
    await bob.api.call("PATCH", f"/api/posts/{comment['id']}", {"body": "朝会の議事録"})
    assert await _found(bob.api, q="定例") == []
    assert await _found(bob.api, q="朝会") == [comment["id"], post["id"]]

    # An edit over the socket is the same action.
    live = await Live.connect(company.server, bob.token)
    ack = await live.request({"op": "edit", "post": comment["id"], "body": "夕会の議事録"})
    assert ack["type"] == "ack"
    assert await _found(bob.api, q="朝会") == [post["id"]]
    await live.close()

    # Deleting a comment takes it out; deleting a post takes its comments too.
    other = (await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": "朝会了解"}))[
        "post"
    ]
    await bob.api.call("DELETE", f"/api/posts/{other['id']}")
    assert await _found(bob.api, q="朝会") == [post["id"]]
    assert await _found(bob.api, q="夕会") == [comment["id"]]
    await alice.api.call("DELETE", f"/api/posts/{post['id']}")
    for q in ("朝会", "夕会", "議事録", "会"):
        assert await _found(bob.api, q=q) == [], q


async def test_closed_departments_and_private_groups_show_nothing_to_others(
    company: Company,
) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    legal = await company.admin.call("POST", "/api/departments", {"name": "Legal"})
    dave = await add_person(company, "dave", legal["id"])
    closed = await department_channel(dave.api, legal["id"])
    secret = (
        await dave.api.call(
            "POST", f"/api/channels/{closed['id']}/posts", {"body": "極秘の合併計画 merger"}
        )
    )["post"]
    group = await alice.api.call(
        "POST", "/api/channels", {"name": "Skunkworks", "is_private": True}
    )
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    hidden = (
        await alice.api.call(
            "POST", f"/api/channels/{group['id']}/posts", {"body": "合併の噂 merger rumours"}
        )
    )["post"]
    hidden_comment = (
        await bob.api.call("POST", f"/api/posts/{hidden['id']}/comments", {"body": "合併?"})
    )["post"]

    assert await _found(dave.api, q="合併") == [secret["id"]]
    assert await _found(bob.api, q="合併") == [hidden_comment["id"], hidden["id"]]
    assert await _found(alice.api, q="merger") == [hidden["id"]]
    # Carol may read neither: nothing, however asked, and no count of anything.
    nothing = {"terms": ["合併"], "results": [], "before": None, "offset": None}
    for params in (
        {"q": "合併"},
        {"q": "合併", "channel": closed["id"]},
        {"q": "合併", "channel": group["id"]},
        {"q": "合併", "author": dave.id},
        {"q": "合併", "in": "comments"},
        {"q": "合併", "order": "best"},
    ):
        page = await carol.api.call("GET", "/api/search", params=params)
        assert page == nothing, params
        # An unknown channel answers alike.
    missing = await carol.api.call(
        "GET", "/api/search", params={"q": "合併", "channel": 2_000_000_000}
    )
    assert missing == nothing
    live = await Live.connect(company.server, carol.token)
    answer = await live.request({"op": "search", "q": "合併 merger"})
    assert answer["results"] == [] and answer["type"] == "search"
    await live.close()

    # Pages stay full: what carol may not read is left out inside the query.
    eng = await _eng(company)
    public = []
    for i in range(3):
        made = await alice.api.call(
            "POST", f"/api/channels/{eng['id']}/posts", {"body": f"合併の説明会 {i}"}
        )
        public.append(made["post"]["id"])
    for _ in range(3):  # newer than the public ones
        await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": "合併の件"})
    first = await carol.api.call("GET", "/api/search", params={"q": "合併", "limit": 2})
    assert [r["post"]["id"] for r in first["results"]] == [public[2], public[1]]
    rest = await carol.api.call(
        "GET", "/api/search", params={"q": "合併", "limit": 2, "before": first["before"]}
    )
    assert [r["post"]["id"] for r in rest["results"]] == [public[0]] and rest["before"] is None

    # Leaving the group: its posts are gone from one's search at once.
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    assert hidden["id"] not in await _found(bob.api, q="合併")
    # Closing an open department: the same, for outsiders.
    await company.admin.call(
        "PATCH", f"/api/departments/{company.departments['Engineering']}", {"closed": True}
    )
    assert await _found(carol.api, q="合併") == []
    assert len(await _found(bob.api, q="合併")) == 3


async def test_filters_and_pages(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await _eng(company)
    club = await alice.api.call("POST", "/api/channels", {"name": "Board games"})
    await bob.api.call("POST", f"/api/channels/{club['id']}/join")
    posts = []
    for i in range(7):
        who, where = ((alice, eng), (bob, club))[i % 2]
        made = await who.api.call(
            "POST", f"/api/channels/{where['id']}/posts", {"body": f"週報 その{i}"}
        )
        posts.append(made["post"]["id"])
    comment = (
        await bob.api.call("POST", f"/api/posts/{posts[0]}/comments", {"body": "週報ありがとう"})
    )["post"]
    newest = [comment["id"], *reversed(posts)]
    assert await _found(carol.api, q="週報") == newest
    assert await _found(carol.api, q="週報", channel=club["id"]) == list(reversed(posts[1::2]))
    assert await _found(carol.api, q="週報", channel=eng["id"]) == [
        comment["id"],
        *reversed(posts[0::2]),
    ]
    assert await _found(carol.api, q="週報", author=alice.id) == list(reversed(posts[0::2]))
    assert await _found(carol.api, q="週報", **{"in": "comments"}) == [comment["id"]]
    assert await _found(carol.api, q="週報", **{"in": "posts"}) == list(reversed(posts))

    today = datetime.now(UTC).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert await _found(carol.api, q="週報", since=today.isoformat()) == newest
    assert await _found(carol.api, q="週報", until=today.isoformat()) == newest  # its end
    assert await _found(carol.api, q="週報", since=tomorrow.isoformat()) == []
    assert await _found(carol.api, q="週報", until=yesterday.isoformat()) == []
    soon = (datetime.now(UTC) + timedelta(hours=1)).astimezone().isoformat()
    assert await _found(carol.api, q="週報", until=soon) == newest
    assert await _found(carol.api, q="週報", since=soon) == []

    # Newest first, a page at a time: every result once.
    seen: list[int] = []
    before = None
    while True:
        params: dict[str, Any] = {"q": "週報", "limit": 3}
        if before is not None:
            params["before"] = before
        page = await carol.api.call("GET", "/api/search", params=params)
        seen += [r["post"]["id"] for r in page["results"]]
        before = page["before"]
        if before is None:
            break
    assert seen == newest

    # Best first: the post that says it most, in the fewest words, comes first.
    strong = (
        await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "週報 週報 週報"})
    )["post"]["id"]
    ranked: list[int] = []
    offset = None
    while True:
        params = {"q": "週報", "order": "best", "limit": 4}
        if offset is not None:
            params["offset"] = offset
        page = await carol.api.call("GET", "/api/search", params=params)
        ranked += [r["post"]["id"] for r in page["results"]]
        assert page["before"] is None
        offset = page["offset"]
        if offset is None:
            break
    assert ranked[0] == strong and sorted(ranked) == sorted([strong, *newest])


@pytest.mark.parametrize("encoding", ["json", "msgpack"])
async def test_the_socket_answers_as_http_does(company: Company, encoding: str) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await _eng(company)
    await _corpus(alice, eng["id"])
    live = await Live.connect(company.server, bob.token, encoding)
    for params in (
        {"q": "会議"},
        {"q": "会議", "in": "posts", "order": "best", "limit": 1},
        {"q": "meeting", "channel": eng["id"], "author": alice.id, "since": "2020-01-01"},
    ):
        http = await bob.api.call("GET", "/api/search", params=params)
        frame = await live.request({"op": "search", **params})
        assert frame.pop("type") == "search" and isinstance(frame.pop("id"), int)
        assert frame == http, params
    await live.close()


# What a person might type, or a client send, that is no search at all.
SILLY_QUERIES = [
    '"*OR NEAR(',
    'a" OR "b',
    "' OR 1=1 --",
    "NOT",
    "col:value",
    "^*",
    "会議*",
    "(会議) & !経費 | <-> :* \\",
    "!!!???",
    "　",  # an ideographic space only
    "🎉🎉",
    "\u200b\u202e",
    "A" * 200,
    "会" * 200,
    " ".join("会議の件"[i % 4] for i in range(19)),
]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await _eng(company)
    await _corpus(alice, eng["id"])
    before = await bob.api.call("GET", f"/api/channels/{eng['id']}/posts")
    for q in SILLY_QUERIES:
        r = await bob.api.raw("GET", "/api/search", params={"q": q})
        assert r.status_code == 200, (q, r.text)
        page = r.json()
        assert page["terms"] == [t.text for t in parse_query(q).terms], q
    assert (await bob.api.call("GET", "/api/search", params={"q": "!!!"}))["terms"] == []
    # "or" and "near" are words like any other.
    made = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "near or far"})
    assert await _found(bob.api, q='"*OR NEAR(') == [made["post"]["id"]]
    await alice.api.call("DELETE", f"/api/posts/{made['post']['id']}")

    refused = [
        ({}, "q"),
        ({"q": "x" * 10_000}, "q"),
        ({"q": "a b c d e f g h i j k"}, "q"),
        ({"q": "会議\x00"}, "q"),
        ({"q": "会議", "in": "threads"}, "in"),
        ({"q": "会議", "order": "random"}, "order"),
        ({"q": "会議", "limit": "0"}, "limit"),
        ({"q": "会議", "limit": "51"}, "limit"),
        ({"q": "会議", "limit": "-1"}, "limit"),
        ({"q": "会議", "offset": "201"}, "offset"),
        ({"q": "会議", "before": "x"}, "before"),
        ({"q": "会議", "channel": "99999999999"}, "channel"),
        ({"q": "会議", "author": "1.5"}, "author"),
        ({"q": "会議", "since": "yesterday"}, "since"),
        ({"q": "会議", "since": "2026-02-30"}, "since"),
        ({"q": "会議", "until": "9999-12-31T23:59:59-23:59"}, "until"),
        ({"q": "会議", "until": "0000-01-01"}, "until"),
        ({"q": "会議", "since": "2026-01-01T00:00:00+99:00"}, "since"),
    ]
    for params, name in refused:
        r = await bob.api.raw("GET", "/api/search", params=params)
        assert r.status_code == 400, (params, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid" and error["message"].startswith(name), (params, error)

    live = await Live.connect(company.server, bob.token)
    for frame, code in (
        ({"op": "search"}, "invalid"),
        ({"op": "search", "q": "x" * 201}, "invalid"),
        ({"op": "search", "q": 5}, "invalid"),
        ({"op": "search", "q": "会議", "in": "threads"}, "invalid"),
        ({"op": "search", "q": "会議", "within": "posts"}, "invalid"),
        ({"op": "search", "q": "会議", "limit": 51}, "invalid"),
        ({"op": "search", "q": "会議", "since": "soon"}, "invalid"),
        ({"op": "search", "q": "会議\x00"}, "invalid"),
    ):
        answer = await live.request(frame)
        assert (answer["type"], answer.get("code")) == ("error", code), (frame, answer)
    for q in SILLY_QUERIES:
        answer = await live.request({"op": "search", "q": q})
        assert answer["type"] == "search", (q, answer)
    await live.close()
    assert await bob.api.call("GET", f"/api/channels/{eng['id']}/posts") == {
        **before,
        "channel": {**before["channel"], "seq": before["channel"]["seq"] + 2},  # near or far
    }


async def test_a_search_costs_the_same_statements_whatever_the_page(
    company: Company, settings: Settings
) -> None:
    """The matching ids, the page's posts as history reads them, their polls,
    their channels (and on PostgreSQL, the search's own settings first): no
    query per result."""
    alice = company.people["alice"]
    eng = await _eng(company)
    for i in range(30):
        await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": f"案件{i}"})
    db = Database(settings.database_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    try:
        async with db.reader() as session:
            user = await session.get(User, alice.id)
        assert user is not None
        counts = []
        for order, limit in (("newest", 1), ("newest", 20), ("best", 20)):
            statements.clear()
            event.listen(db.engine.sync_engine, "before_cursor_execute", record)
            async with db.engine.connect() as conn:
                page = await search.search(conn, user, search.ask("案件", order=order, limit=limit))
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
            assert len(page.results) == limit
            counts.append(len(statements))
    finally:
        await db.close()
    # One more for the page's polls (channels/polls.py).
    assert counts == [4 if settings.is_sqlite else 5] * 3, statements


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
async def test_a_search_that_takes_too_long_answers_503(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL cancels a search past its time limit: 503 ``search_timeout``
    over HTTP, the same code over the socket, and the next search works."""
    bob = company.people["bob"]
    monkeypatch.setattr(search, "SEARCH_TIMEOUT", 0.05)
    monkeypatch.setattr(
        search, "_page", lambda shape: sa_select(literal_column("1")).select_from(func.pg_sleep(1))
    )
    r = await bob.api.raw("GET", "/api/search", params={"q": "会議"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "search_timeout", r.text
    live = await Live.connect(company.server, bob.token)
    answer = await live.request({"op": "search", "q": "会議"})
    assert (answer["type"], answer["code"]) == ("error", "search_timeout")
    await live.close()
    monkeypatch.undo()
    assert (await bob.api.call("GET", "/api/search", params={"q": "会議"}))["results"] == []
