"""Terms of use and the word check, end to end on both backends: nothing is
asked before terms are published; once they are, a person who has not
accepted them cannot post, comment, edit or like (HTTP and socket) until they
do; every open tab hears of a new version; admins see who accepted what. The
word list refuses block words and asks about warn words on every write kind
that carries text, records what was sent anyway, and refuses bad lists
without changing the one in force."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text

from server.db import Database
from server.settings import Settings
from tests.support.clients import Api, Company, Live, Person, department_channel
from tests.unit import test_words as word_cases

WORDS = [
    {"word": "バカ", "level": "warn"},
    {"word": "社外秘", "level": "warn"},
    {"word": "死ね", "level": "block"},
    {"word": "ass", "level": "warn"},
]


async def _error(api: Api, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    r = await api.raw(method, path, body)
    return r.status_code, r.json()["error"] if r.status_code >= 400 else r.json()


async def _public_terms(company: Company) -> dict[str, Any]:
    """GET /api/terms without signing in."""
    anonymous = Api(company.server.http)
    try:
        terms: dict[str, Any] = await anonymous.call("GET", "/api/terms")
        return terms
    finally:
        await anonymous.close()


async def _own_events(company: Company, person: Person) -> list[dict[str, Any]]:
    """Every event of the person's own stream, replayed from its start."""
    live = await Live.connect(company.server, person.token)
    try:
        head = await live.request({"op": "sub_me"})
        if head["seq"] == 0:
            return []
        await live.request({"op": "sub_me", "epoch": head["epoch"], "seq": 0})
        await live.wait(lambda f: f["type"] == "personal" and f["seq"] == head["seq"])
        return [f for f in live.frames if f["type"] == "personal"]
    finally:
        await live.close()


async def _kinds(db_url: str, kind: str) -> list[tuple[int, int | None, Any]]:
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT user_id, actor_id, data FROM person_event WHERE kind = :k"
                        " ORDER BY user_id, seq"
                    ),
                    {"k": kind},
                )
            ).all()
    finally:
        await db.close()
    return [(r[0], r[1], json.loads(r[2]) if isinstance(r[2], str) else r[2]) for r in rows]


async def test_nothing_is_asked_before_terms_are_published(company: Company) -> None:
    alice = company.people["alice"]
    assert (await _public_terms(company))["version"] == 0
    session = await company.admin.call("GET", "/api/session")
    assert session["terms"] == {"version": 0, "accepted": 0, "needed": False}
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "hello"})
    overview = await company.admin.call("GET", "/api/terms/versions")
    assert overview["versions"] == [] and overview["people"] == 4


async def test_terms_gate_every_write_until_accepted(company: Company, settings: Settings) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = (await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "before"}))[
        "post"
    ]
    live = await Live.connect(company.server, alice.token)
    await live.request({"op": "sub_me"})

    starting = await company.admin.call("GET", "/api/terms/starting")
    assert "ハラスメント" in starting["ja"] and "Harassment" in starting["en"]
    assert "ミュート" in starting["ja"] and "Suspend" in starting["en"]
    published = await company.admin.call("POST", "/api/terms/versions", {"body": starting["ja"]})
    assert published["version"] == 1 and "<strong>" in published["html"]
    # Alice's open tab hears of it at once.
    heard = await live.wait(lambda f: f["type"] == "personal" and f["kind"] == "terms.published")
    assert heard["data"] == {"version": 1}

    # Not accepted: every write refused, over HTTP and the socket; nothing stored.
    refused = [
        ("POST", f"/api/channels/{eng['id']}/posts", {"body": "after"}),
        ("POST", f"/api/posts/{post['id']}/comments", {"body": "after"}),
        ("PATCH", f"/api/posts/{post['id']}", {"body": "after"}),
        ("PUT", f"/api/posts/{post['id']}/like", {}),
    ]
    for method, path, body in refused:
        status, error = await _error(alice.api, method, path, body)
        assert (status, error["code"]) == (403, "terms_not_accepted"), (method, path)
    for frame in (
        {"op": "post", "channel": eng["id"], "body": "after"},
        {"op": "comment", "post": post["id"], "body": "after"},
        {"op": "edit", "post": post["id"], "body": "after"},
        {"op": "like", "post": post["id"]},
    ):
        answer = await live.request(frame)
        assert (answer["type"], answer["code"]) == ("error", "terms_not_accepted"), frame
    page = await bob.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert [p["body"] for p in page["posts"]] == ["before"]
    assert page["posts"][0]["like_count"] == 0 and page["posts"][0]["comment_count"] == 0

    # Reading is not gated, and the terms are there to read without signing in.
    assert (await _public_terms(company))["version"] == 1
    me = Api(company.server.http)
    await me.sign_in(alice.email, "password-alice")
    assert (await me.call("GET", "/api/session"))["terms"] == {
        "version": 1,
        "accepted": 0,
        "needed": True,
    }

    # Accepting an older version than the one in force is a conflict.
    status, error = await _error(alice.api, "POST", "/api/terms/accept", {"version": 2})
    assert (status, error["code"]) == (409, "conflict")
    accepted = await alice.api.call("POST", "/api/terms/accept", {"version": 1})
    assert accepted == {"version": 1, "accepted": 1, "needed": False}
    heard = await live.wait(lambda f: f["type"] == "personal" and f["kind"] == "terms.accepted")
    assert heard["data"] == {"version": 1}
    await alice.api.call("POST", "/api/terms/accept", {"version": 1})  # again: nothing new
    answer = await live.request({"op": "post", "channel": eng["id"], "body": "after"})
    assert answer["type"] == "ack"
    await alice.api.call("PUT", f"/api/posts/{post['id']}/like", {})

    # Admins see who accepted which version when, with counts.
    overview = await company.admin.call("GET", "/api/terms/versions")
    assert overview["people"] == 4 and overview["current_accepted"] == 1
    assert [(v["version"], v["accepted"]) for v in overview["versions"]] == [(1, 1)]
    listed = await company.admin.call("GET", "/api/terms/acceptances?version=1")
    assert [a["user_id"] for a in listed["accepted"]] == [alice.id]
    assert {a["user_id"] for a in listed["pending"]} == {
        bob.id,
        company.people["carol"].id,
        company.admin.user["id"],
    }

    # A new version: alice is asked again.
    await company.admin.call("POST", "/api/terms/versions", {"body": starting["en"]})
    await live.wait(
        lambda f: (
            f["type"] == "personal" and f["kind"] == "terms.published" and f["data"]["version"] == 2
        )
    )
    status, error = await _error(
        alice.api, "POST", f"/api/channels/{eng['id']}/posts", {"body": "again"}
    )
    assert (status, error["code"]) == (403, "terms_not_accepted")
    await alice.api.call("POST", "/api/terms/accept", {"version": 2})
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "again"})
    await live.close()
    await me.close()

    # Recorded for the audit: who published (the admin, in everyone's stream) and
    # who accepted (in their own).
    published_rows = await _kinds(settings.database_url, "terms.published")
    assert {actor for _, actor, _ in published_rows} == {company.admin.user["id"]}
    assert len(published_rows) == 8  # two versions, four people
    accepted_rows = await _kinds(settings.database_url, "terms.accepted")
    assert [(u, a, d["version"]) for u, a, d in accepted_rows] == [
        (alice.id, alice.id, 1),
        (alice.id, alice.id, 2),
    ]


async def test_only_admins_manage_terms(company: Company) -> None:
    alice = company.people["alice"]
    for method, path, body in (
        ("POST", "/api/terms/versions", {"body": "mine now"}),
        ("GET", "/api/terms/versions", None),
        ("GET", "/api/terms/acceptances", None),
        ("GET", "/api/terms/starting", None),
    ):
        status, error = await _error(alice.api, method, path, body)
        assert (status, error["code"]) == (403, "forbidden"), path
    assert (await alice.api.call("GET", "/api/terms"))["version"] == 0
    bad: list[dict[str, Any]] = [{"body": ""}, {"body": "x" * 20_001}, {"body": "ok", "x": 1}, {}]
    for wrong in bad:
        status, error = await _error(company.admin, "POST", "/api/terms/versions", wrong)
        assert (status, error["code"]) == (422, "invalid"), wrong
    for query in ("version=7", "version=x", "version=0"):
        status, _ = await _error(company.admin, "GET", f"/api/terms/acceptances?{query}")
        assert status == 400, query
    assert (await alice.api.call("GET", "/api/terms"))["version"] == 0


async def test_the_word_list_refuses_bad_input_and_changes_nothing(
    company: Company, settings: Settings
) -> None:
    admin, alice = company.admin, company.people["alice"]
    assert (await admin.call("GET", "/api/words"))["in_force"] is False
    status, error = await _error(alice.api, "PUT", "/api/words", {"entries": WORDS})
    assert (status, error["code"]) == (403, "forbidden")
    status, _ = await _error(alice.api, "GET", "/api/words")
    assert status == 403
    saved = await admin.call("PUT", "/api/words", {"entries": WORDS})
    assert saved["in_force"] is True and saved["entries"] == WORDS
    assert saved["max_entries"] == 5000 and saved["max_word_chars"] == 50

    too_many = [{"word": f"w{i}", "level": "warn"} for i in range(5001)]
    huge = [{"word": f"w{i}", "level": "warn"} for i in range(100_000)]
    for entries in (
        [{"word": "ばか", "level": "danger"}],
        [{"word": "", "level": "warn"}],
        [{"word": "!!!", "level": "warn"}],
        [{"word": "あ" * 51, "level": "warn"}],
        [{"word": "ばか"}],
        too_many,
    ):
        status, error = await _error(admin, "PUT", "/api/words", {"entries": entries})
        assert (status, error["code"]) == (422, "invalid"), entries[:1]
    status, error = await _error(admin, "PUT", "/api/words", {"entries": huge})
    assert (status, error["code"]) == (413, "too_large")
    assert (await admin.call("GET", "/api/words"))["entries"] == WORDS

    # The starting lists are offered, and a full list of them can be saved.
    offered = await admin.call("GET", "/api/words/starting")
    assert {"word": "死ね", "level": "block"} in offered["ja"]
    assert {"word": "idiot", "level": "warn"} in offered["en"]
    full = [{"word": f"語{i:04d}", "level": "warn"} for i in range(4990)]
    saved = await admin.call("PUT", "/api/words", {"entries": full + WORDS})
    assert len(saved["entries"]) == 4994
    changes = await _kinds(settings.database_url, "wordlist.changed")
    assert [(u, a, d["count"]) for u, a, d in changes] == [
        (admin.user["id"], admin.user["id"], 4),
        (admin.user["id"], admin.user["id"], 4994),
    ]
    assert sorted(changes[0][2]["added"]) == sorted(w["word"] for w in WORDS)


async def test_every_way_of_writing_a_listed_word_is_caught_and_ordinary_words_pass(
    company: Company,
) -> None:
    """The unit cases of the matcher (tests/unit/test_words.py), each posted
    through the server: every spelling of a listed word is asked about (warn)
    or refused (block) with that level, and every ordinary word holding a
    listed one is posted as it is."""
    admin, alice = company.admin, company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    entries = [{"word": e.word, "level": e.level} for e in word_cases.ENTRIES]
    await admin.call("PUT", "/api/words", {"entries": entries})
    level = {e.word: e.level for e in word_cases.ENTRIES}
    path = f"/api/channels/{eng['id']}/posts"
    for written, word in word_cases.WRITTEN_OTHERWISE:
        status, error = await _error(alice.api, "POST", path, {"body": written})
        code = "word_blocked" if level[word] == "block" else "word_warning"
        assert (status, error["code"], error["level"]) == (422, code, level[word]), written
    posted = []
    for ordinary in filter(None, word_cases.ORDINARY):
        status, answer = await _error(alice.api, "POST", path, {"body": ordinary})
        assert status == 201, (ordinary, answer)
        posted.append(ordinary)
    page = await alice.api.call("GET", path)
    assert sorted(p["body"] for p in page["posts"]) == sorted(posted)


async def test_block_and_warn_on_every_write_kind(company: Company, settings: Settings) -> None:
    admin, alice = company.admin, company.people["alice"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = (await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "hi"}))[
        "post"
    ]
    group = await alice.api.call("POST", "/api/channels", {"name": "Lunch"})
    await admin.call("PUT", "/api/words", {"entries": WORDS})

    # The check a composer asks first: levels and places.
    check = await alice.api.call("POST", "/api/wordcheck", {"text": " ﾊﾞｶ とバカンス"})
    assert check == {"level": "warn", "matches": [{"start": 1, "end": 4, "level": "warn"}]}
    check = await alice.api.call("POST", "/api/wordcheck", {"text": "クラスの社外秘、死ね"})
    assert check["level"] == "block"
    assert [m["level"] for m in check["matches"]] == ["warn", "block"]

    writes: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", f"/api/channels/{eng['id']}/posts", {}, "body"),
        ("POST", f"/api/posts/{post['id']}/comments", {}, "body"),
        ("PATCH", f"/api/posts/{post['id']}", {}, "body"),
        ("PATCH", "/api/me", {}, "display_name"),
        ("PATCH", "/api/me", {}, "bio"),
        ("POST", "/api/channels", {"is_private": False}, "name"),
        ("PATCH", f"/api/channels/{group['id']}", {}, "description"),
    ]
    before = await alice.api.call("GET", f"/api/channels/{eng['id']}/posts")
    for method, path, extra, field in writes:
        status, error = await _error(alice.api, method, path, {**extra, field: "お前 死ね"})
        assert (status, error["code"], error["level"]) == (422, "word_blocked", "block"), path
        status, error = await _error(alice.api, method, path, {**extra, field: "これはﾊﾞｶな案"})
        assert (status, error["code"], error["level"]) == (422, "word_warning", "warn"), path
        assert error["field"] == field
        assert error["matches"] == [{"start": 3, "end": 6, "level": "warn"}]  # ﾊﾞｶ
        # Block stays refused even when acknowledged.
        status, error = await _error(
            alice.api, method, path, {**extra, field: "死ね", "acknowledge_warning": True}
        )
        assert (status, error["code"]) == (422, "word_blocked"), path
    assert await alice.api.call("GET", f"/api/channels/{eng['id']}/posts") == before
    assert (await alice.api.call("GET", "/api/me"))["display_name"] == "Alice"

    # Over the socket, alike.
    live = await Live.connect(company.server, alice.token)
    for frame in (
        {"op": "post", "channel": eng["id"], "body": "バカ"},
        {"op": "comment", "post": post["id"], "body": "バカ"},
        {"op": "edit", "post": post["id"], "body": "バカ"},
    ):
        answer = await live.request(frame)
        assert (answer["type"], answer["code"], answer["level"]) == (
            "error",
            "word_warning",
            "warn",
        )
        assert answer["matches"] == [{"start": 0, "end": 2, "level": "warn"}]
        answer = await live.request({**frame, "body": "死ね"})
        assert (answer["code"], answer["level"]) == ("word_blocked", "block")
    # Sent anyway: written, and recorded in the author's own stream.
    for frame in (
        {"op": "post", "channel": eng["id"], "body": "社外秘です", "acknowledge_warning": True},
        {"op": "comment", "post": post["id"], "body": "バカ", "acknowledge_warning": True},
        {"op": "edit", "post": post["id"], "body": "ass", "acknowledge_warning": True},
    ):
        assert (await live.request(frame))["type"] == "ack"
    await live.close()
    await alice.api.call(
        "POST",
        f"/api/channels/{eng['id']}/posts",
        {"body": "バカ", "acknowledge_warning": True},
    )
    await alice.api.call("PATCH", "/api/me", {"bio": "バカ", "acknowledge_warning": True})
    await alice.api.call(
        "PATCH", f"/api/channels/{group['id']}", {"name": "社外秘", "acknowledge_warning": True}
    )
    # Words inside other words go through without asking.
    await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "バカンスのクラス"})
    overridden = [d for u, a, d in await _kinds(settings.database_url, "wordcheck.overridden")]
    assert [(d["what"], d["words"]) for d in overridden] == [
        ("post", ["社外秘"]),
        ("comment", ["バカ"]),
        ("edit", ["ass"]),
        ("post", ["バカ"]),
        ("profile", ["バカ"]),
        ("channel", ["社外秘"]),
    ]
    assert overridden[0]["channel_id"] == eng["id"] and overridden[0]["post_id"] is not None
    mine = await _own_events(company, alice)
    assert [f["kind"] for f in mine].count("wordcheck.overridden") == 6


async def test_display_names_set_anywhere_go_through_the_word_check(
    company: Company, settings: Settings
) -> None:
    """Not only one's profile: the name chosen when accepting an invitation
    (block refused, warn asks again), names an admin sets and the names of a
    CSV import (block refused with the field or row named, warn taken and
    recorded as the admin's). A refusal stores nothing."""
    admin, alice = company.admin, company.people["alice"]
    await admin.call("PUT", "/api/words", {"entries": WORDS})

    async def emails() -> set[str]:
        return {p["email"] for p in await admin.call("GET", "/api/users")}

    before = await emails()

    # Accepting an invitation: one's own name, as on one's profile.
    token = (await admin.call("POST", "/api/invites", {"email": "kana@example.com"}))["token"]
    newcomer = Api(company.server.http)
    accept = f"/api/invites/{token}/accept"
    body = {"email": "kana@example.com", "password": "welcome-aboard"}
    status, error = await _error(newcomer, "POST", accept, {**body, "display_name": "死ね 太郎"})
    assert (status, error["code"], error["field"]) == (422, "word_blocked", "display_name")
    status, error = await _error(
        newcomer,
        "POST",
        accept,
        {**body, "display_name": "死ね 太郎", "acknowledge_warning": True},
    )
    assert (status, error["code"]) == (422, "word_blocked")
    status, error = await _error(newcomer, "POST", accept, {**body, "display_name": "山田 バカ"})
    assert (status, error["code"], error["field"]) == (422, "word_warning", "display_name")
    assert error["matches"] == [{"start": 3, "end": 5, "level": "warn"}]
    # Nothing stored: no account, and the invitation still works.
    assert await emails() == before
    assert (await newcomer.call("GET", f"/api/invites/{token}"))["email"] == "kana@example.com"
    session = await newcomer.call(
        "POST", accept, {**body, "display_name": "山田 バカ", "acknowledge_warning": True}
    )
    assert session["user"]["display_name"] == "山田 バカ"
    await newcomer.close()
    kana = session["user"]["id"]

    # An admin creating an account: a block word is refused, with its field.
    made = {"email": "new@example.com", "password": "pw-new-new-1"}
    status, error = await _error(admin, "POST", "/api/users", {**made, "display_name": "死ね"})
    assert (status, error["code"], error["field"]) == (422, "word_blocked", "display_name")
    assert await emails() == before | {"kana@example.com"}
    # A warn word is the admin's choice: taken, and recorded as theirs.
    created = await admin.call("POST", "/api/users", {**made, "display_name": "社外秘 花子"})
    assert created["display_name"] == "社外秘 花子"

    # An admin renaming someone: alike; the name stays on refusal.
    status, error = await _error(
        admin, "PATCH", f"/api/users/{alice.id}", {"display_name": "死ね 太郎"}
    )
    assert (status, error["code"], error["field"]) == (422, "word_blocked", "display_name")
    assert (await alice.api.call("GET", "/api/me"))["display_name"] == "Alice"
    await admin.call("PATCH", f"/api/users/{alice.id}", {"display_name": "Ass Hat"})
    assert (await alice.api.call("GET", "/api/me"))["display_name"] == "Ass Hat"

    # A CSV import: a blocked name fails its row (named), and nothing is imported.
    csv_type = {"content-type": "text/csv"}
    rows = (
        "email,name\n"
        "ok@example.com,普通 一郎\n"
        "warned@example.com,社外秘 次郎\n"
        "blocked@example.com,死ね 三郎\n"
    ).encode()
    r = await admin.raw("POST", "/api/users/import/preview", content=rows, headers=csv_type)
    preview = r.json()
    assert preview["invalid"] == 1
    by_row = {row["row"]: row for row in preview["rows"]}
    assert by_row[4]["errors"] == [{"field": "name", "code": "word_blocked"}]
    assert (by_row[2]["warned"], by_row[3]["warned"]) == (False, True)
    assert by_row[3]["errors"] == []
    r = await admin.raw("POST", "/api/users/import", content=rows, headers=csv_type)
    assert r.status_code == 400, r.text
    refused = r.json()["error"]["rows"]
    assert [(x["row"], x["errors"]) for x in refused] == [
        (4, [{"field": "name", "code": "word_blocked"}])
    ]
    assert "blocked@example.com" not in await emails()
    # Without it, the warned name is imported, and recorded.
    kept = rows.rsplit(b"\n", 2)[0] + b"\n"
    r = await admin.raw("POST", "/api/users/import", content=kept, headers=csv_type)
    assert r.status_code == 201, r.text
    assert {"ok@example.com", "warned@example.com"} <= await emails()

    overridden = await _kinds(settings.database_url, "wordcheck.overridden")
    assert [(u, d["what"], d["words"]) for u, _, d in overridden] == sorted(
        [
            (kana, "profile", ["バカ"]),
            (admin.user["id"], "account", ["社外秘"]),
            (admin.user["id"], "account", ["ass"]),
            (admin.user["id"], "import", ["社外秘"]),
        ],
        key=lambda x: x[0],
    )


async def test_published_terms_are_made_safe_whatever_html_they_hold(company: Company) -> None:
    """Terms are Markdown for everyone to read at sign-in: raw HTML an admin
    pastes (a script, an event handler, a javascript: link) is shown as text or
    dropped, never run."""
    body = (
        "# 利用規約\n\n"
        "<script>alert('terms')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[相談窓口](javascript:alert(2)) と "
        '<a href="javascript:alert(3)">こちら</a>\n\n'
        '<div onclick="alert(4)" style="background:url(javascript:alert(5))">第1条</div>'
    )
    await company.admin.call("POST", "/api/terms/versions", {"body": body})
    for terms in (
        await _public_terms(company),
        await company.people["alice"].api.call("GET", "/api/terms"),
    ):
        html = terms["html"].lower()
        assert terms["body"] == body  # the text as written, for the next version's editor
        assert "<script" not in html and "<img" not in html and "<div" not in html
        # Only the posts' light Markdown makes elements; the pasted ones are text.
        assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"p", "strong", "em", "br", "a"}, html
        assert "&lt;script&gt;" in html
        # No live element carries a handler or a javascript: address.
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html), html
        assert not re.search(r"""<[a-z][^>]*(href|src)\s*=\s*["']?\s*javascript:""", html), html
        assert "相談窓口" in terms["html"] and "第1条" in terms["html"]
