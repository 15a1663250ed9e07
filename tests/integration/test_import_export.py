"""Bulk accounts: an admin previews a CSV file (every row judged, nothing
made), imports it (everyone or nobody, each with a one-time link to choose a
password), and exports the accounts (UTF-8 with BOM, formulas neutralised)."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlmodel import func, select

from bus.memory import MemoryBus
from channels.actions.people import import_people
from core.errors import ConflictError
from org.models import PasswordReset
from org.roster import RosterRow
from server.db import Database
from server.settings import Settings
from streams.unit import run
from tests.support.clients import Api, Company, Live, department_channel

HEADER = "email,name,reading,department,role,start_date\r\n"
CSV = {"content-type": "text/csv"}


async def _send(api: Api, path: str, data: bytes) -> httpx.Response:
    return await api.raw("POST", path, content=data, headers=CSV)


async def _accounts(company: Company) -> list[tuple[str, str]]:
    people = await company.admin.call("GET", "/api/users")
    return sorted((p["email"], p["display_name"]) for p in people)


async def _heads(company: Company) -> dict[str, int]:
    found = {}
    for name, dept in company.departments.items():
        found[name] = (await department_channel(company.admin, dept))["seq"]
    return found


async def test_preview_judges_every_row_and_makes_nothing(company: Company) -> None:
    before = await _accounts(company)
    data = (
        HEADER
        + "suzuki@example.co.jp,鈴木 一郎,すずき いちろう,Sales,member,2024-04-01\r\n"
        + "alice@example.com,Alice Again,,,,\r\n"
        + "x@example.co.jp,X,,Marketing,,\r\n"
        + "suzuki@example.co.jp,Twin,,,,\r\n"
    ).encode()
    r = await _send(company.admin, "/api/users/import/preview", data)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["encoding"] == "utf-8" and preview["invalid"] == 3
    rows = {row["row"]: row for row in preview["rows"]}
    assert rows[2]["errors"] == [] and rows[2]["department_id"] == company.departments["Sales"]
    assert rows[2]["start_date"] == "2024-04-01" and rows[2]["reading"] == "すずき いちろう"
    assert rows[3]["errors"] == [{"field": "email", "code": "email_taken"}]
    assert rows[4]["errors"] == [{"field": "department", "code": "department_unknown"}]
    assert rows[5]["errors"] == [{"field": "email", "code": "email_duplicate", "row": 2}]
    assert await _accounts(company) == before


async def test_import_makes_everyone_with_a_link_to_choose_a_password(company: Company) -> None:
    sales = company.departments["Sales"]
    channel = await department_channel(company.people["carol"].api, sales)
    watcher = await Live.connect(company.server, company.people["carol"].token)
    await watcher.request(
        {"op": "sub", "channel": channel["id"], "epoch": channel["epoch"], "seq": channel["seq"]}
    )
    rows = [
        f"p{i:03}@example.co.jp,社員 {i:03},しゃいん,Sales,member,2024-04-01\r\n"
        for i in range(300)
    ]
    data = (HEADER + "".join(rows) + "boss@example.co.jp,部長,ぶちょう,,管理者,\r\n").encode()
    preview = (await _send(company.admin, "/api/users/import/preview", data)).json()
    assert preview["invalid"] == 0 and len(preview["rows"]) == 301
    r = await _send(company.admin, "/api/users/import", data)
    assert r.status_code == 201, r.text
    created = r.json()["created"]
    assert len(created) == 301 and created[0]["row"] == 2
    assert all(c["url"].startswith(company.server.http + "/#/reset/") for c in created)
    assert len({c["url"] for c in created}) == 301

    people = {p["email"]: p for p in await company.admin.call("GET", "/api/users")}
    assert people["boss@example.co.jp"]["role"] == "admin"
    assert people["p000@example.co.jp"]["start_date"] == "2024-04-01"
    assert people["p000@example.co.jp"]["pending"] is True
    # Their department channel took them in, with its events.
    await watcher.wait(
        lambda f: f["type"] == "event" and f["seq"] == channel["seq"] + 300, seconds=30
    )
    joined = watcher.events(channel["id"], "member.joined")
    assert len(joined) == 300 and joined[0]["data"]["user"]["reading"] == "しゃいん"
    await watcher.close()

    # A link: whose it is, then a password, then an ordinary sign-in. Once.
    token = created[0]["url"].rsplit("/", 1)[1]
    anon = Api(company.server.http)
    info = await anon.call("GET", f"/api/resets/{token}")
    assert info == {"email": "p000@example.co.jp", "display_name": "社員 000", "first": True}
    r = await anon.raw("POST", "/api/session", {"email": "p000@example.co.jp", "password": "x" * 8})
    assert r.status_code == 401  # no password yet: nobody signs in as them
    r = await anon.raw("POST", f"/api/resets/{token}", {"password": "short"})
    assert r.status_code == 422
    # Choosing it signs in, as a reset does.
    chosen = await anon.call("POST", f"/api/resets/{token}", {"password": "my own password"})
    assert chosen["user"]["email"] == "p000@example.co.jp"
    await anon.close()
    anon = Api(company.server.http)
    session = await anon.sign_in("p000@example.co.jp", "my own password")
    assert session["user"]["department"] == "Sales"
    mine = await anon.call("GET", "/api/channels?joined=1")
    assert [c["id"] for c in mine] == [channel["id"]]
    again = Api(company.server.http)
    assert (await again.raw("GET", f"/api/resets/{token}")).status_code == 404
    r = await again.raw("POST", f"/api/resets/{token}", {"password": "taken over!"})
    assert r.status_code == 404
    await again.close()
    await anon.close()

    # A new link for someone who lost theirs retires the old one.
    person = people["p001@example.co.jp"]
    old = created[1]["url"].rsplit("/", 1)[1]
    fresh = await company.admin.call("POST", f"/api/users/{person['id']}/reset-link")
    assert fresh["expires_in_hours"] == 14 * 24  # a first password may wait two weeks
    stranger = Api(company.server.http)
    assert (await stranger.raw("GET", f"/api/resets/{old}")).status_code == 404
    new = fresh["url"].rsplit("/", 1)[1]
    assert (await stranger.call("GET", f"/api/resets/{new}"))["email"] == "p001@example.co.jp"
    await stranger.close()
    # Once a password is chosen, a link is a reset (a day); admins only.
    reset = await company.admin.call(
        "POST", f"/api/users/{people['p000@example.co.jp']['id']}/reset-link"
    )
    assert reset["expires_in_hours"] == 24
    r = await company.people["carol"].api.raw("POST", f"/api/users/{person['id']}/reset-link")
    assert r.status_code == 403


async def test_one_bad_row_and_nobody_is_imported(company: Company) -> None:
    before, heads = await _accounts(company), await _heads(company)
    rows = [f"n{i}@example.co.jp,N{i},,Sales,,\r\n" for i in range(50)]
    rows.insert(25, "bad@example.co.jp,Bad,,Sales,emperor,\r\n")
    r = await _send(company.admin, "/api/users/import", (HEADER + "".join(rows)).encode())
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert error["rows"][0]["row"] == 27
    assert error["rows"][0]["errors"] == [{"field": "role", "code": "role_unknown"}]
    assert await _accounts(company) == before and await _heads(company) == heads


async def test_a_failure_halfway_leaves_nothing_imported(
    company: Company, settings: Settings
) -> None:
    """Rows judged valid, then the 551st clashes with an account made meanwhile
    (as a concurrent import or invitation would): the first 500 accounts were
    already written in the transaction; none of them, nor any event or link,
    remains."""
    before, heads = await _accounts(company), await _heads(company)
    sales = company.departments["Sales"]
    rows = [
        RosterRow(row=i + 2, email=f"h{i}@example.co.jp", name=f"H{i}", department_id=sales)
        for i in range(600)
    ]
    rows[550].email = "alice@example.com"
    db, bus = Database(settings.database_url), MemoryBus()
    await bus.start()
    try:
        async with db.writer() as session:
            with pytest.raises(ConflictError):
                await run(session, bus, lambda unit: import_people(unit, rows, created_by=None))
        async with db.reader() as session:
            assert (await session.exec(select(func.count()).select_from(PasswordReset))).one() == 0
    finally:
        await bus.close()
        await db.close()
    assert await _accounts(company) == before and await _heads(company) == heads


BAD_FILES: list[tuple[bytes, str]] = [
    (b"\xff\xfee\x00m\x00a\x00i\x00l\x00", "encoding"),
    (b"email,reading\r\na@example.com,x\r\n", "missing_columns"),
    (b"email,name,salary\r\na@example.com,A,100\r\n", "unknown_columns"),
    (b"", "empty"),
    (HEADER.encode(), "no_rows"),
]


async def test_files_that_cannot_be_read_are_refused_clearly(company: Company) -> None:
    before = await _accounts(company)
    for data, reason in BAD_FILES:
        for path in ("/api/users/import/preview", "/api/users/import"):
            r = await _send(company.admin, path, data)
            assert r.status_code == 400, (reason, r.text)
            error = r.json()["error"]
            assert (error["code"], error["csv"]) == ("invalid", reason)
    r = await _send(company.admin, "/api/users/import", b"email,name,salary,bonus\r\nx,y,1,2\r\n")
    assert r.json()["error"]["columns"] == ["salary", "bonus"]
    # Too many rows: refused whole, with the limit.
    many = HEADER + "".join(f"m{i}@example.co.jp,M{i},,,,\r\n" for i in range(10_000))
    r = await _send(company.admin, "/api/users/import", many.encode())
    assert r.status_code == 400 and r.json()["error"]["csv"] == "too_many_rows"
    assert r.json()["error"]["limit"] == 5000
    # Too many bytes: refused before reading it all.
    r = await _send(company.admin, "/api/users/import", b"x" * (4 * 1024 * 1024 + 1))
    assert r.status_code == 413
    # Not CSV at all.
    r = await company.admin.raw("POST", "/api/users/import", {"email": "a@b.c"})
    assert r.status_code == 415
    assert await _accounts(company) == before


async def test_a_shift_jis_file_from_excel_is_read(company: Company) -> None:
    data = (
        HEADER + "sato@example.co.jp,佐藤 花子,サトウ ハナコ,Sales,メンバー,2024/04/01\r\n"
    ).encode("cp932")
    preview = (await _send(company.admin, "/api/users/import/preview", data)).json()
    assert preview["encoding"] == "shift_jis"
    assert preview["rows"][0]["name"] == "佐藤 花子" and preview["invalid"] == 0
    await _send(company.admin, "/api/users/import", data)
    found = await company.admin.call("GET", "/api/users?q=さとう")
    assert [(p["display_name"], p["reading"]) for p in found] == [("佐藤 花子", "サトウ ハナコ")]


async def test_members_cannot_import_or_export(company: Company) -> None:
    carol = company.people["carol"].api
    data = (HEADER + "z@example.co.jp,Z,,,,\r\n").encode()
    for path in ("/api/users/import/preview", "/api/users/import"):
        assert (await _send(carol, path, data)).status_code == 403
    assert (await carol.raw("GET", "/api/users/export")).status_code == 403
    assert "z@example.co.jp" not in [e for e, _ in await _accounts(company)]


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_the_export_opens_in_excel_and_runs_nothing(company: Company) -> None:
    admin = company.admin
    hostile = ["=cmd|' /C calc'!A0", "+81-3-0000", "-2+3", "@SUM(A1:A9)"]
    for i, name in enumerate(hostile):
        await admin.call(
            "POST",
            "/api/users",
            {"email": f"h{i}@example.com", "display_name": name, "password": "long enough"},
        )
    r = await admin.raw("GET", "/api/users/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = _rows(r.content)
    assert rows[0] == ["email", "name", "reading", "department", "role", "start_date", "active"]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["alice@example.com"][1:5] == ["Alice", "ありす", "Engineering", "member"]
    assert [by_email[f"h{i}@example.com"][1] for i in range(4)] == ["'" + n for n in hostile]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    # Read back (as new people), the names are what they were.
    header = rows[0][:6]
    moved = [[f"new{i}@example.com", *by_email[f"h{i}@example.com"][1:6]] for i in range(4)]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *moved])
    preview = (await _send(admin, "/api/users/import/preview", out.getvalue().encode())).json()
    assert [row["name"] for row in preview["rows"]] == hostile
    assert preview["invalid"] == 0
