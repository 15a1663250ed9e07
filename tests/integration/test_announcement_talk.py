"""Announcements' comments and files, on both backends: who may read a
sales-only announcement may read its comments and download its files, and
nobody else in any route (404, as for what does not exist), a person moved out
of sales losing both at once; a scheduled one's files are its author's and
admins'; the live ``commented`` frame reaches its readers' sockets and no
outsider's; the word check, the terms and a mute apply to publishing, editing
and commenting; closed comments; who may delete one; an edit's dropped files
are gone; bad input refused with nothing changed; one's comments in one's
data export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.test_files import upload
from tests.support.clients import Api, Company, Live, add_person
from tests.support.moderation import add_moderator
from tests.support.samples import PDF, screenshot_png

WORDS = [
    {"word": "バカ", "level": "warn"},
    {"word": "死ね", "level": "block"},
]


async def _status(api: Api, method: str, path: str, body: Any = None) -> int:
    return (await api.raw(method, path, body)).status_code


async def _error(api: Api, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    r = await api.raw(method, path, body)
    assert r.status_code >= 400, r.text
    return r.status_code, r.json()["error"]


def _file_routes(file_id: str) -> list[str]:
    return [f"/api/files/{file_id}", f"/api/files/{file_id}/content", f"/api/files/{file_id}/thumb"]


async def _sees_file(api: Api, file_id: str, image: bool) -> bool:
    """Every route of the file answers 200 (404 every one: False; else fail)."""
    routes = _file_routes(file_id) if image else _file_routes(file_id)[:2]
    codes = {await _status(api, "GET", path) for path in routes}
    assert len(codes) == 1 and codes <= {200, 404}, codes
    return codes == {200}


async def test_comments_and_files_follow_the_audience_and_live(company: Company) -> None:
    admin, sales = company.admin, company.departments["Sales"]
    alice, carol = company.people["alice"], company.people["carol"]
    image = await upload(admin, screenshot_png(), "画面.png")
    pdf = await upload(admin, PDF, "手順書.pdf")
    made = await admin.call(
        "POST",
        "/api/announcements",
        {
            "title": "販売部へ",
            "body": "資料です",
            "departments": [sales],
            "files": [image["id"], pdf["id"]],
        },
    )
    a = made["id"]
    assert [f["id"] for f in made["files"]] == [image["id"], pdf["id"]]
    assert made["files"][0]["image"] and made["files"][1]["name"] == "手順書.pdf"
    assert made["comments_enabled"] is True and made["comment_count"] == 0
    # The files are the announcement's now: no post may take them.
    eng = company.departments["Engineering"]
    assert a and eng

    carols = await Live.connect(company.server, carol.token)
    alices = await Live.connect(company.server, alice.token)
    for live in (carols, alices):
        await live.request({"op": "ping"})

    # Carol (sales) reads it all; Alice (engineering) nothing, in every route.
    card = await carol.api.call("GET", f"/api/announcements/{a}")
    assert [f["name"] for f in card["files"]] == ["画面.png", "手順書.pdf"]
    assert await _sees_file(carol.api, image["id"], True)
    assert await _sees_file(carol.api, pdf["id"], False)
    said = await carol.api.call(
        "POST", f"/api/announcements/{a}/comments", {"body": "**了解**です @alice"}
    )
    assert said["html"].startswith("<p><strong>了解</strong>です")
    assert said["mine"] and said["can_delete"] and said["author"]["id"] == carol.id
    heard = await carols.wait(lambda f: f["type"] == "commented")
    assert heard == {"type": "commented", "announcement": a, "count": 1}
    await alices.request({"op": "ping"})  # after anything offered in the same round
    assert not [f for f in alices.frames if f["type"] == "commented"]

    listed = await carol.api.call("GET", f"/api/announcements/{a}/comments")
    assert [c["id"] for c in listed["comments"]] == [said["id"]]
    assert (listed["count"], listed["can_comment"], listed["after"]) == (1, True, None)
    assert (await carol.api.call("GET", f"/api/announcements/{a}"))["comment_count"] == 1

    outsider = [
        ("GET", f"/api/announcements/{a}/comments", None),
        ("POST", f"/api/announcements/{a}/comments", {"body": "見えない"}),
        ("DELETE", f"/api/announcements/{a}/comments/{said['id']}", None),
    ]
    for method, path, body in outsider:
        assert await _status(alice.api, method, path, body) == 404, path
    assert not await _sees_file(alice.api, image["id"], True)
    assert not await _sees_file(alice.api, pdf["id"], False)
    # The admin (its author) reads them; an admin comment reaches Carol live.
    assert await _sees_file(admin, image["id"], True)
    await admin.call("POST", f"/api/announcements/{a}/comments", {"body": "よろしく"})
    heard = await carols.wait(lambda f: f["type"] == "commented" and f["count"] == 2)
    await alices.request({"op": "ping"})
    assert not [f for f in alices.frames if f["type"] == "commented"]

    # Carol moves to engineering: both gone at once, and no more frames.
    await admin.call("PATCH", f"/api/users/{carol.id}", {"department_id": eng})
    for method, path, body in outsider:
        assert await _status(carol.api, method, path, body) == 404, path
    assert not await _sees_file(carol.api, image["id"], True)
    assert not await _sees_file(carol.api, pdf["id"], False)
    dan = await add_person(company, "dan", sales)
    dans = await Live.connect(company.server, dan.token)
    await dans.request({"op": "ping"})
    seen = len(carols.frames)
    await admin.call("POST", f"/api/announcements/{a}/comments", {"body": "三つ目"})
    # Dan (sales) hears it; Carol, connected since before her move, does not.
    await dans.wait(lambda f: f["type"] == "commented" and f["count"] == 3)
    await carols.request({"op": "ping"})
    assert not [f for f in carols.frames[seen:] if f["type"] == "commented"]
    for live in (carols, alices, dans):
        await live.close()


async def test_a_scheduled_announcements_files_are_its_authors_and_admins(
    company: Company,
) -> None:
    admin, sales = company.admin, company.departments["Sales"]
    carol = company.people["carol"]
    await admin.call("POST", "/api/announcers", {"person_id": carol.id, "department_id": sales})
    pdf = await upload(carol.api, PDF, "予定.pdf")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = await carol.api.call(
        "POST",
        "/api/announcements",
        {
            "title": "来週",
            "body": "予定",
            "departments": [sales],
            "publish_at": later,
            "files": [pdf["id"]],
        },
    )
    dan = await add_person(company, "dan", sales)
    assert await _sees_file(carol.api, pdf["id"], False)
    assert await _sees_file(admin, pdf["id"], False)
    assert not await _sees_file(dan.api, pdf["id"], False)
    # Nor its comments, before it is published.
    assert await _status(dan.api, "GET", f"/api/announcements/{made['id']}/comments") == 404


async def test_the_word_check_terms_and_mutes_apply_to_announcements(company: Company) -> None:
    admin, sales = company.admin, company.departments["Sales"]
    carol = company.people["carol"]
    await admin.call("PUT", "/api/words", {"entries": WORDS})
    base = {"title": "お知らせ", "body": "本文", "departments": [sales]}
    for field in ("title", "body"):
        status, error = await _error(admin, "POST", "/api/announcements", {**base, field: "死ね"})
        assert (status, error["code"], error["field"]) == (422, "word_blocked", field)
        status, error = await _error(
            admin,
            "POST",
            "/api/announcements",
            {**base, field: "死ね", "acknowledge_warning": True},
        )
        assert error["code"] == "word_blocked"
        status, error = await _error(admin, "POST", "/api/announcements", {**base, field: "バカ"})
        assert (status, error["code"], error["field"]) == (422, "word_warning", field)
        assert error["matches"] == [{"start": 0, "end": 2, "level": "warn"}]
    assert (await admin.call("GET", "/api/announcements"))["announcements"] == []
    made = await admin.call(
        "POST", "/api/announcements", {**base, "body": "バカ", "acknowledge_warning": True}
    )
    a = made["id"]
    path = f"/api/announcements/{a}"
    status, error = await _error(admin, "PATCH", path, {"title": "バカ"})
    assert (status, error["code"]) == (422, "word_warning")
    await admin.call("PATCH", path, {"title": "バカ", "acknowledge_warning": True})

    comments = f"{path}/comments"
    status, error = await _error(carol.api, "POST", comments, {"body": "死ね"})
    assert (status, error["code"]) == (422, "word_blocked")
    status, error = await _error(carol.api, "POST", comments, {"body": "バカ"})
    assert (status, error["code"]) == (422, "word_warning")
    assert (await carol.api.call("GET", comments))["count"] == 0
    await carol.api.call("POST", comments, {"body": "バカ", "acknowledge_warning": True})
    overridden = [
        f["data"]
        for who in (admin, carol.api)
        for f in await _own_events(company, who)
        if f["kind"] == "wordcheck.overridden"
    ]
    assert [(d["what"], d["words"]) for d in overridden] == [
        ("announcement", ["バカ"]),
        ("announcement", ["バカ"]),
        ("announcement_comment", ["バカ"]),
    ]

    # Terms in force and not accepted: no comment, no announcement.
    starting = await admin.call("GET", "/api/terms/starting")
    await admin.call("POST", "/api/terms/versions", {"body": starting["ja"]})
    status, error = await _error(carol.api, "POST", comments, {"body": "はい"})
    assert (status, error["code"]) == (403, "terms_not_accepted")
    status, error = await _error(admin, "POST", "/api/announcements", base)
    assert (status, error["code"]) == (403, "terms_not_accepted")
    for who in (admin, carol.api):
        await who.call("POST", "/api/terms/accept", {"version": 1})
    await carol.api.call("POST", comments, {"body": "はい"})

    # Muted: reads, writes nothing.
    mona = await add_moderator(company)
    report = await mona.api.call("POST", "/api/reports", {"user_id": carol.id, "reason": "spam"})
    await mona.api.call("POST", "/api/terms/accept", {"version": 1})
    await mona.api.call(
        "POST",
        f"/api/moderation/reports/{report['id']}/decision",
        {"action": "mute", "reason": "連投", "duration_seconds": 600},
    )
    status, error = await _error(carol.api, "POST", comments, {"body": "まだ?"})
    assert (status, error["code"]) == (403, "muted")
    assert (await carol.api.call("GET", comments))["count"] == 2


async def _own_events(company: Company, api: Api) -> list[dict[str, Any]]:
    token = api.token or await api.new_token()
    live = await Live.connect(company.server, token)
    try:
        head = await live.request({"op": "sub_me"})
        if head["seq"] == 0:
            return []
        await live.request({"op": "sub_me", "epoch": head["epoch"], "seq": 0})
        await live.wait(lambda f: f["type"] == "personal" and f["seq"] == head["seq"])
        return [f for f in live.frames if f["type"] == "personal"]
    finally:
        await live.close()


async def test_closed_comments_and_who_may_delete(company: Company) -> None:
    admin, sales = company.admin, company.departments["Sales"]
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    closed = await admin.call(
        "POST", "/api/announcements", {"title": "閉", "body": "b", "comments_enabled": False}
    )
    path = f"/api/announcements/{closed['id']}/comments"
    assert closed["comments_enabled"] is False
    status, error = await _error(alice.api, "POST", path, {"body": "あの"})
    assert (status, error["code"], error["message"]) == (
        403,
        "comments_closed",
        "comments are closed on this announcement",
    )
    assert (await alice.api.call("GET", path))["can_comment"] is False
    opened = await admin.call(
        "PATCH", f"/api/announcements/{closed['id']}", {"comments_enabled": True}
    )
    assert opened["comments_enabled"] and not opened["updated"]  # not an edit of its text
    await alice.api.call("POST", path, {"body": "開いた"})

    # A department announcer's one: its author, the writer, moderators, admins delete.
    await admin.call("POST", "/api/announcers", {"person_id": carol.id, "department_id": sales})
    a = (
        await carol.api.call(
            "POST", "/api/announcements", {"title": "t", "body": "b", "departments": [sales]}
        )
    )["id"]
    path = f"/api/announcements/{a}/comments"
    dan = await add_person(company, "dan", sales)
    mona = await add_moderator(company)  # in Sales
    ids = [(await dan.api.call("POST", path, {"body": f"#{i}"}))["id"] for i in range(4)]
    listed = await mona.api.call("GET", path)
    assert [c["can_delete"] for c in listed["comments"]] == [True] * 4
    eve = await add_person(company, "eve", sales)
    assert [c["can_delete"] for c in (await eve.api.call("GET", path))["comments"]] == [False] * 4
    status, error = await _error(eve.api, "DELETE", f"{path}/{ids[0]}")
    assert (status, error["code"]) == (403, "forbidden")
    assert await _status(bob.api, "DELETE", f"{path}/{ids[0]}") == 404  # not its audience
    assert await _status(eve.api, "DELETE", f"{path}/999999") == 404
    # A comment of another announcement is not found under this one.
    other = (await alice.api.call("GET", f"/api/announcements/{closed['id']}/comments"))[
        "comments"
    ][0]["id"]
    assert await _status(admin, "DELETE", f"{path}/{other}") == 404
    for who, comment in zip((dan.api, carol.api, mona.api, admin), ids, strict=True):
        left = await who.call("DELETE", f"{path}/{comment}")
        assert comment not in [c["id"] for c in left["comments"]]
    assert (await eve.api.call("GET", path))["count"] == 0
    assert (await eve.api.call("GET", f"/api/announcements/{a}"))["comment_count"] == 0


async def test_an_edit_replaces_the_files_and_drops_the_rest(company: Company) -> None:
    admin, carol = company.admin, company.people["carol"]
    one, two, three = [await upload(admin, PDF, f"{n}.pdf") for n in ("one", "two", "three")]
    a = (
        await admin.call(
            "POST",
            "/api/announcements",
            {"title": "t", "body": "b", "files": [one["id"], two["id"]]},
        )
    )["id"]
    edited = await admin.call(
        "PATCH", f"/api/announcements/{a}", {"files": [three["id"], one["id"]]}
    )
    assert [f["name"] for f in edited["files"]] == ["three.pdf", "one.pdf"]
    assert edited["updated"] is True
    assert not await _sees_file(admin, two["id"], False)  # dropped: gone for everyone
    assert await _sees_file(carol.api, three["id"], False)
    # A file on an announcement cannot be put on a post.
    group = await carol.api.call("POST", "/api/channels", {"name": "x"})
    status, error = await _error(
        admin, "POST", f"/api/channels/{group['id']}/posts", {"files": [one["id"]]}
    )
    assert status in (400, 403, 404), error


async def test_bad_input_is_refused_and_changes_nothing(company: Company) -> None:
    admin, alice = company.admin, company.people["alice"]
    mine = await upload(admin, PDF, "mine.pdf")
    theirs = await upload(alice.api, PDF, "theirs.pdf")
    a = (await admin.call("POST", "/api/announcements", {"title": "t", "body": "b"}))["id"]
    before = await admin.call("GET", "/api/announcements")
    base = {"title": "t", "body": "b"}
    for body in (
        {**base, "files": [theirs["id"]]},
        {**base, "files": [mine["id"], theirs["id"]]},
        {**base, "files": [mine["id"], mine["id"]]},
        {**base, "files": ["x" * 22] * 11},
        {**base, "files": ["../../etc"]},
        {**base, "files": "abc"},
        {**base, "comments_enabled": "yes"},
        {**base, "acknowledge_warning": 1},
        {**base, "surprise": True},
    ):
        status, _ = await _error(admin, "POST", "/api/announcements", body)
        assert status in (400, 422), body
    edits: list[dict[str, Any]] = [
        {"files": [theirs["id"]]},
        {"comments_enabled": None, "files": ["x" * 22] * 11},
        {"comments_enabled": 0},
        {"unknown": 1},
    ]
    for edit in edits:
        status, _ = await _error(admin, "PATCH", f"/api/announcements/{a}", edit)
        assert status in (400, 422), edit
    assert await admin.call("GET", "/api/announcements") == before
    # The uploads are still their uploaders' alone, attached to nothing.
    assert (await admin.call("GET", f"/api/files/{mine['id']}"))["announcement_id"] is None
    assert await _status(admin, "GET", f"/api/files/{theirs['id']}") == 404

    path = f"/api/announcements/{a}/comments"
    comments: list[dict[str, Any]] = [
        {},
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 4001},
        {"body": 5},
        {"body": "ok", "files": []},
        {"body": "ok", "acknowledge_warning": "yes"},
        {"body": "a\x00b"},
    ]
    for comment in comments:
        status, _ = await _error(alice.api, "POST", path, comment)
        assert status in (400, 422), comment
    assert (await alice.api.call("GET", path))["count"] == 0
    assert await _status(alice.api, "GET", f"{path}?after=x") == 400
    assert await _status(alice.api, "GET", "/api/announcements/999999/comments") == 404


async def test_ones_comments_are_in_ones_data_export(company: Company) -> None:
    admin, alice = company.admin, company.people["alice"]
    a = (await admin.call("POST", "/api/announcements", {"title": "全員", "body": "b"}))["id"]
    said = await alice.api.call("POST", f"/api/announcements/{a}/comments", {"body": "はい"})
    await admin.call("POST", f"/api/announcements/{a}/comments", {"body": "他人"})
    mine = await alice.api.call("GET", "/api/me/export")
    assert [(c["id"], c["title"], c["body"]) for c in mine["announcement_comments"]] == [
        (said["id"], "全員", "はい")
    ]


async def test_a_comment_tells_its_announcements_author_and_the_readers_it_names(
    company: Company,
) -> None:
    """The author hears of a comment; a person named in it hears of it if they
    may read the announcement, and nobody outside its audience does (not even
    that it exists); nobody hears of their own. Each opens the announcement."""
    admin, sales = company.admin, company.departments["Sales"]
    alice, carol = company.people["alice"], company.people["carol"]
    dan = await add_person(company, "dan", sales)
    a = (
        await admin.call(
            "POST", "/api/announcements", {"title": "棚卸し", "body": "b", "departments": [sales]}
        )
    )["id"]
    dans = await Live.connect(company.server, dan.token)
    await dans.request({"op": "sub_me"})

    def named(*people: Any) -> str:
        return " ".join(f"@[{p.email.split('@')[0]}]({p.id})" for p in people)

    body = f"確認します {named(alice, dan, carol)}"
    await carol.api.call("POST", f"/api/announcements/{a}/comments", {"body": body})

    async def notes(api: Api) -> list[tuple[str, int | None, str]]:
        page = await api.call("GET", "/api/notifications")
        return [(n["kind"], n["subject_id"], n["excerpt"]) for n in page["notifications"]]

    assert await notes(admin) == [("announcement_comment", a, "棚卸し")]
    assert await notes(dan.api) == [("announcement_mention", a, "棚卸し")]
    told = await dans.wait(lambda f: f.get("kind") == "notification.added")
    assert told["data"]["notification"]["kind"] == "announcement_mention"
    assert told["data"]["notification"]["actors"][0]["id"] == carol.id
    assert await notes(alice.api) == []  # named, but not of its audience
    assert await notes(carol.api) == []  # her own comment
    # The author's own comment naming Carol tells Carol only.
    await admin.call("POST", f"/api/announcements/{a}/comments", {"body": named(carol)})
    assert await notes(carol.api) == [("announcement_mention", a, "棚卸し")]
    assert len(await notes(admin)) == 1
    await dans.close()
