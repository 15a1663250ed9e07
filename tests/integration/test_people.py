"""People: one's own profile, the directory's search and order by reading,
who sees email addresses, and names that cannot pass for someone else's."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.settings import Settings
from tests.support.clients import Company, Live, add_person, department_channel, make_company
from tests.support.servers import serve


async def test_a_person_edits_their_own_profile(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    mine = await alice.api.call(
        "PATCH",
        "/api/me",
        {"display_name": "鈴木 有紗", "reading": "スズキ アリサ", "bio": "Go と将棋が好きです。"},
    )
    assert (mine["display_name"], mine["reading"], mine["bio"]) == (
        "鈴木 有紗",
        "スズキ アリサ",
        "Go と将棋が好きです。",
    )
    card = await bob.api.call("GET", f"/api/users/{alice.id}")
    assert (card["display_name"], card["reading"], card["bio"]) == (
        "鈴木 有紗",
        "スズキ アリサ",
        "Go と将棋が好きです。",
    )
    assert (await alice.api.call("GET", "/api/me"))["email"] == alice.email
    # What she writes from now on carries the new name and reading.
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = await alice.api.call(
        "POST", f"/api/channels/{eng['id']}/posts", {"body": "改名しました"}
    )
    assert post["post"]["author"] == {
        "id": alice.id,
        "display_name": "鈴木 有紗",
        "department": "Engineering",
        "reading": "スズキ アリサ",
        "newcomer": False,
        "anonymous": False,
    }
    # Half-width katakana is stored as ordinary katakana.
    again = await alice.api.call("PATCH", "/api/me", {"reading": "ｽｽﾞｷ ｱﾘｻ"})
    assert again["reading"] == "スズキ アリサ"
    # Only one's own: no field to change someone else, role or department.
    for body in ({"role": "admin"}, {"department_id": 2}, {"email": "x@example.com"}):
        r = await alice.api.raw("PATCH", "/api/me", body)
        assert r.status_code == 422, body
    assert (await alice.api.call("GET", "/api/me"))["role"] == "member"


BAD_NAMES = [
    ("Bob\u200b", "name_invisible"),  # zero-width space: looks exactly like "Bob"
    ("\u202eboB", "name_invisible"),  # right-to-left override
    ("Bo\u2066b", "name_invisible"),  # bidi isolate
    ("\u3164", "name_invisible"),  # Hangul filler: a "letter" that shows nothing
    ("管理者\u115f", "name_invisible"),
    ("Bob\ufeff", "name_invisible"),
    ("Bo\u00adb", "name_invisible"),  # soft hyphen
    ("B\nob", "name_invisible"),  # a control character
    ("   ", "name_blank"),  # only spaces
    ("\u3000\u3000", "name_blank"),  # only ideographic spaces
]


async def test_names_that_could_pass_for_someone_elses_are_refused_everywhere(
    company: Company,
) -> None:
    alice = company.people["alice"]
    eng = company.departments["Engineering"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Go club"})
    invite = await company.admin.call("POST", "/api/invites", {})
    places: list[tuple[str, str, str, dict[str, Any]]] = [
        ("PATCH", "/api/me", "display_name", {}),
        ("PATCH", f"/api/users/{alice.id}", "display_name", {}),
        (
            "POST",
            "/api/users",
            "display_name",
            {"email": "x@example.com", "password": "long enough"},
        ),
        ("POST", "/api/departments", "name", {}),
        ("PATCH", f"/api/departments/{eng}", "name", {}),
        ("POST", "/api/channels", "name", {}),
        ("PATCH", f"/api/channels/{group['id']}", "name", {}),
        (
            "POST",
            f"/api/invites/{invite['token']}/accept",
            "display_name",
            {"email": "y@example.com", "password": "long enough"},
        ),
    ]
    for method, path, field, rest in places:
        for name, code in BAD_NAMES:
            api_ = (
                alice.api
                if path == "/api/me" or path.startswith("/api/channels")
                else company.admin
            )
            r = await api_.raw(method, path, {**rest, field: name})
            assert r.status_code == 422, (path, repr(name), r.text)
            error = r.json()["error"]
            assert error["code"] == "invalid"
            assert error["fields"][0]["type"] == code, (path, repr(name), error)
    for path, field in (("/api/me", "reading"), (f"/api/users/{alice.id}", "reading")):
        api_ = alice.api if path == "/api/me" else company.admin
        for reading, code in (("鈴木", "reading_not_kana"), ("すず\u200bき", "name_invisible")):
            r = await api_.raw("PATCH", path, {field: reading})
            assert r.json()["error"]["fields"][0]["type"] == code, r.text
    # Nothing was stored by any of it.
    me = await alice.api.call("GET", "/api/me")
    assert (me["display_name"], me["reading"]) == ("Alice", "ありす")
    names = {p["display_name"] for p in await company.admin.call("GET", "/api/users")}
    assert names == {"Administrator", "Alice", "Bob", "Carol"}
    departments = {d["name"] for d in await company.admin.call("GET", "/api/departments")}
    assert departments == {"Engineering", "Sales"}
    channels = {c["name"] for c in await alice.api.call("GET", "/api/channels")}
    assert channels == {"Engineering", "Sales", "Go club"}
    # Japanese names with ideographic spaces, kana, Latin and emoji are fine.
    for name in ("鈴木\u3000一郎", "Zoë O'Brien", "たなか🎉"):
        await alice.api.call("PATCH", "/api/me", {"display_name": name})


async def test_the_directory_finds_people_by_name_reading_and_latin_spelling(
    company: Company,
) -> None:
    sales = company.departments["Sales"]
    suzuki = await add_person(company, "suzuki", sales, "すずき いちろう")
    await company.admin.call("PATCH", f"/api/users/{suzuki.id}", {"display_name": "鈴木 一郎"})
    sato = await add_person(company, "sato", sales, "サトウ ハナコ")
    await company.admin.call("PATCH", f"/api/users/{sato.id}", {"display_name": "佐藤 花子"})
    carol = company.people["carol"]

    async def found(who: Any, q: str) -> list[str]:
        from urllib.parse import quote

        people = await who.call("GET", f"/api/users?q={quote(q)}")
        return [p["display_name"] for p in people]

    for q in (
        "鈴木",
        "すずき",
        "スズキ",
        "ｽｽﾞｷ",
        "suzuki",
        "Suzuki",
        "ＳＵＺＵＫＩ",
        "ichirou",
        "ichiro",
    ):
        assert await found(carol.api, q) == ["鈴木 一郎"], q
    for q in ("さとう", "サトウ", "satou", "sato", "hanako", "佐藤"):
        assert await found(carol.api, q) == ["佐藤 花子"], q
    # Spaces do not matter; wildcards are letters like any other.
    assert await found(carol.api, "鈴木一郎") == ["鈴木 一郎"]
    assert await found(carol.api, "suzuki ichiro") == ["鈴木 一郎"]
    assert await found(carol.api, "%") == []
    assert await found(carol.api, "_") == []
    # Emails are matched only for those who see them.
    assert await found(carol.api, "suzuki@") == []
    assert await found(company.admin, "suzuki@") == ["鈴木 一郎"]
    # A mention's list asks for the first few only (by kana, as typed).
    everyone = await carol.api.call("GET", "/api/users")
    first = await carol.api.call("GET", "/api/users?limit=2")
    assert [p["id"] for p in first] == [p["id"] for p in everyone[:2]]
    assert [
        p["display_name"] for p in await carol.api.call("GET", "/api/users?q=%E3%81%95&limit=1")
    ] == ["佐藤 花子"]
    for bad in ("0", "501", "-1", "x"):
        await carol.api.call("GET", f"/api/users?limit={bad}", expect=400)


async def test_people_are_listed_in_reading_order_in_the_directory_and_the_members_panel(
    company: Company,
) -> None:
    sales = company.departments["Sales"]
    for name, reading in (("tanaka", "たなか"), ("aikawa", "アイカワ"), ("ueno", "うえの")):
        await add_person(company, name, sales, reading)
    carol = company.people["carol"]
    everyone = [p["display_name"] for p in await carol.api.call("GET", "/api/users")]
    # Readings in gojūon order; the administrator has none and sorts by name.
    assert everyone == ["Administrator", "Aikawa", "Alice", "Ueno", "Carol", "Tanaka", "Bob"]
    channel = await department_channel(carol.api, sales)
    members = await carol.api.call("GET", f"/api/channels/{channel['id']}/members")
    assert [m["display_name"] for m in members] == ["Aikawa", "Ueno", "Carol", "Tanaka"]


@pytest.fixture
async def open_emails(settings: Settings) -> AsyncIterator[Company]:
    async with serve(dataclasses.replace(settings, show_emails=True)) as running:
        company = await make_company(running)
        yield company
        await company.close()


async def _emails_seen(company: Company) -> dict[str, Any]:
    carol, alice = company.people["carol"], company.people["alice"]
    sales = await department_channel(carol.api, company.departments["Sales"])
    seen: dict[str, Any] = {}
    seen["directory"] = {
        p["display_name"]: p["email"] for p in await carol.api.call("GET", "/api/users")
    }
    seen["card"] = (await carol.api.call("GET", f"/api/users/{alice.id}"))["email"]
    seen["own card"] = (await carol.api.call("GET", f"/api/users/{carol.id}"))["email"]
    seen["members"] = {
        p["display_name"]: p["email"]
        for p in await alice.api.call("GET", f"/api/channels/{sales['id']}/members")
    }
    seen["admin"] = {
        p["display_name"]: p["email"] for p in await company.admin.call("GET", "/api/users")
    }
    return seen


async def test_emails_are_shown_to_admins_and_oneself_only(company: Company) -> None:
    seen = await _emails_seen(company)
    assert seen["directory"] == {
        "Administrator": None,
        "Alice": None,
        "Bob": None,
        "Carol": "carol@example.com",
    }
    assert seen["card"] is None and seen["own card"] == "carol@example.com"
    assert seen["members"] == {"Carol": None}
    assert None not in seen["admin"].values()
    # Events never carried them.
    carol = company.people["carol"]
    live = await Live.connect(company.server, company.people["alice"].token)
    eng = await department_channel(carol.api, company.departments["Engineering"])
    await live.request(
        {"op": "sub", "channel": eng["id"], "epoch": eng["epoch"], "seq": eng["seq"]}
    )
    await company.admin.call(
        "PATCH", f"/api/users/{carol.id}", {"department_id": company.departments["Engineering"]}
    )
    joined = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "member.joined")
    assert "@" not in str(joined)
    await live.close()


async def test_show_emails_shows_them_to_everyone(open_emails: Company) -> None:
    seen = await _emails_seen(open_emails)
    assert seen["directory"]["Alice"] == "alice@example.com"
    assert seen["card"] == "alice@example.com"
    assert seen["members"] == {"Carol": "carol@example.com"}
    # And the email is then also what a search matches.
    found = await open_emails.people["carol"].api.call("GET", "/api/users?q=bob@")
    assert [p["display_name"] for p in found] == ["Bob"]


async def test_start_dates_are_kept_and_shown_to_admins_and_oneself(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    await company.admin.call("PATCH", f"/api/users/{alice.id}", {"start_date": "2024-04-01"})
    assert (await alice.api.call("GET", "/api/me"))["start_date"] == "2024-04-01"
    assert (await company.admin.call("GET", f"/api/users/{alice.id}"))["start_date"] == "2024-04-01"
    assert (await bob.api.call("GET", f"/api/users/{alice.id}"))["start_date"] is None
    r = await company.admin.raw("PATCH", f"/api/users/{alice.id}", {"start_date": "2024-13-01"})
    assert r.status_code == 422
    assert (await alice.api.call("GET", "/api/me"))["start_date"] == "2024-04-01"
    await company.admin.call("PATCH", f"/api/users/{alice.id}", {"start_date": None})
    assert (await alice.api.call("GET", "/api/me"))["start_date"] is None
