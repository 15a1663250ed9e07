"""Taking data away, on both backends: a person's own export holds their data
and nobody else's private data; an admin's export of the whole network,
imported into a fresh installation, equals the original (every record, every
file's bytes); a corrupted or hostile file is refused with a clear error and
leaves the fresh installation as it was; an installation that is not fresh
refuses any import (audited); members reach none of the admins' routes."""

from __future__ import annotations

import dataclasses
import io
import json
import secrets
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.records import RECORDS, to_json
from server.db import Database
from server.settings import Settings
from tests.integration.test_files import stored, upload
from tests.support.backends import ADMIN_EMAIL, ADMIN_PASSWORD, fresh_database
from tests.support.clients import Api, Company, department_channel
from tests.support.samples import PDF, screenshot_png
from tests.support.servers import Running, describe, serve, server_errors


async def _seed(company: Company) -> dict[str, Any]:
    """A little of everything: departments, people, a private group, posts,
    comments, likes, files, direct messages, a mention."""
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = (await department_channel(alice.api, company.departments["Engineering"]))["id"]
    pdf = await upload(alice.api, PDF, "規程.pdf")
    png = await upload(alice.api, screenshot_png(), "画面.png")
    post = await alice.api.call(
        "POST",
        f"/api/channels/{eng}/posts",
        {"body": "alicepost 新しい規程です", "files": [pdf["id"], png["id"]]},
    )
    pid = post["post"]["id"]
    await bob.api.call("POST", f"/api/posts/{pid}/comments", {"body": f"@{alice.id} bobcomment"})
    await alice.api.call("POST", f"/api/posts/{pid}/comments", {"body": "alicecomment"})
    await bob.api.call("PUT", f"/api/posts/{pid}/like", {})
    await alice.api.call("PUT", f"/api/posts/{pid}/like", {})
    secret = await carol.api.call("POST", "/api/channels", {"name": "秘密", "is_private": True})
    await carol.api.call("POST", f"/api/channels/{secret['id']}/posts", {"body": "carolsecret"})
    await carol.api.call("POST", f"/api/channels/{secret['id']}/invite", {"user_ids": [bob.id]})
    ab = await alice.api.call("POST", "/api/direct", {"user_ids": [bob.id]})
    await alice.api.call("POST", f"/api/channels/{ab['id']}/posts", {"body": "alicedm"})
    await bob.api.call("POST", f"/api/channels/{ab['id']}/posts", {"body": "bobdm"})
    bc = await bob.api.call("POST", "/api/direct", {"user_ids": [carol.id]})
    await bob.api.call("POST", f"/api/channels/{bc['id']}/posts", {"body": "bobcarolsecret"})
    await company.admin.call("PUT", f"/api/channels/{eng}/retention", {"days": 365})
    # Company life: a poll both vote in, an event alice goes to.
    poll = await alice.api.call(
        "POST",
        f"/api/channels/{eng}/posts",
        {"body": "お昼は?", "poll": {"options": ["alicechoice", "bobchoice"]}},
    )
    options = [o["id"] for o in poll["post"]["poll"]["options"]]
    poll_id = poll["post"]["id"]
    await alice.api.call("PUT", f"/api/posts/{poll_id}/vote", {"options": [options[0]]})
    await bob.api.call("PUT", f"/api/posts/{poll_id}/vote", {"options": [options[1]]})
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = await alice.api.call(
        "POST",
        "/api/gatherings",
        {
            "channel_id": eng,
            "title": "aliceevent 勉強会",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
    )
    await alice.api.call("PUT", f"/api/gatherings/{event['id']}/answer", {"answer": "going"})
    return {"eng": eng, "post": pid, "files": [pdf, png], "dm": ab["id"], "poll": poll_id}


async def test_my_data_holds_mine_and_nobody_elses_private_data(company: Company) -> None:
    seeded = await _seed(company)
    alice = company.people["alice"]
    r = await alice.api.raw("GET", "/api/me/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    mine = r.json()
    assert mine["profile"]["email"] == alice.email and mine["profile"]["id"] == alice.id
    assert {p["body"] for p in mine["posts"]} == {
        "alicepost 新しい規程です",
        "alicecomment",
        "alicedm",
        "お昼は?",
    }
    assert [like["post_id"] for like in mine["likes"]] == [seeded["post"]]
    files = {f["id"]: f for f in mine["files"]}
    assert set(files) == {f["id"] for f in seeded["files"]}
    got = await alice.api.raw("GET", files[seeded["files"][0]["id"]]["url"])
    assert got.content == PDF
    (dm,) = mine["direct_messages"]
    assert [m["body"] for m in dm["messages"]] == ["alicedm", "bobdm"]
    assert {p["id"] for p in dm["people"]} == {alice.id, company.people["bob"].id}
    assert [n["kind"] for n in mine["notifications"]]  # bob's mention, comment, like
    assert {c["channel_id"] for c in mine["preferences"]["channels"]} >= {seeded["eng"]}
    assert [(v["post_id"], v["option"]) for v in mine["poll_votes"]] == [
        (seeded["poll"], "alicechoice")
    ]
    assert [(e["title"], e["answer"]) for e in mine["event_answers"]] == [
        ("aliceevent 勉強会", "going")
    ]
    assert mine["announcements_confirmed"] == [] and mine["surveys_answered"] == []
    text = r.text
    hidden = ("carolsecret", "bobcarolsecret", "秘密", "bob@example.com", "carol@example.com")
    for absent in (*hidden, "bobchoice"):
        assert absent not in text, absent
    assert "argon2" not in text and "password" not in text
    stranger = Api(company.server.http)
    assert (await stranger.raw("GET", "/api/me/export")).status_code == 401
    await stranger.close()


# ---- the whole network ------------------------------------------------------------------


@pytest.fixture
async def fresh(settings: Settings, tmp_path: Path) -> AsyncIterator[Running]:
    """A second installation, on an empty database of the same backend, with
    its own files; its first administrator comes from ADMIN_EMAIL."""
    async with fresh_database(settings) as url:
        other = dataclasses.replace(
            settings,
            database_url=url,
            files_dir=tmp_path / "fresh-files",
            bus_prefix="t" + secrets.token_hex(4),
            import_max_bytes=3 * 1024 * 1024,
        )
        with server_errors() as errors:
            async with serve(other) as running:
                yield running
        assert not errors, describe(errors)


async def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            found = {}
            for record in RECORDS:
                table = record.table
                rows = await conn.execute(select(table).order_by(*[table.c[k] for k in record.key]))
                found[record.name] = [
                    {k: to_json(v) for k, v in row._mapping.items()} for row in rows
                ]
            return found
    finally:
        await db.close()


def _rezip(original: bytes, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(original)) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in change(entries).items():
            zf.writestr(name, data)
    return out.getvalue()


def _lines(entries: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in entries["records.jsonl"].splitlines()]


def _with_lines(entries: dict[str, bytes], lines: list[Any]) -> dict[str, bytes]:
    body = b"\n".join(
        x if isinstance(x, bytes) else json.dumps(x, ensure_ascii=False).encode() for x in lines
    )
    return {**entries, "records.jsonl": body}


def _hostile(export: bytes) -> dict[str, tuple[bytes, int, str]]:
    """Bad import files made from a good one: (file, status, error code)."""

    def bad_json(e: dict[str, bytes]) -> dict[str, bytes]:
        return _with_lines(e, [*_lines(e), b'{"type": "post", "data": {'])

    def unknown_type(e: dict[str, bytes]) -> dict[str, bytes]:
        return _with_lines(e, [*_lines(e), {"type": "rootkit", "data": {}}])

    def missing_reference(e: dict[str, bytes]) -> dict[str, bytes]:
        lines = _lines(e)
        post = next(x for x in lines if x["type"] == "post")
        post["data"]["channel_id"] = 999_999
        return _with_lines(e, lines)

    def unknown_field(e: dict[str, bytes]) -> dict[str, bytes]:
        lines = _lines(e)
        next(x for x in lines if x["type"] == "account")["data"]["is_root"] = True
        return _with_lines(e, lines)

    def same_email_twice(e: dict[str, bytes]) -> dict[str, bytes]:
        lines = _lines(e)
        people = [x for x in lines if x["type"] == "account"]
        people[1]["data"]["email"] = people[0]["data"]["email"]
        return _with_lines(e, lines)

    def traversal(e: dict[str, bytes]) -> dict[str, bytes]:
        return {**e, "files/../../../etc/cron.d/evil": b"* * * * * root sh"}

    def absolute(e: dict[str, bytes]) -> dict[str, bytes]:
        return {**e, "/tmp/evil": b"x"}

    def bomb(e: dict[str, bytes]) -> dict[str, bytes]:
        key = next(n for n in e if n.startswith("files/"))
        return {**e, key: bytes(10 * 1024 * 1024)}

    def no_file_bytes(e: dict[str, bytes]) -> dict[str, bytes]:
        return {n: d for n, d in e.items() if not n.startswith("files/")}

    def cut_short(e: dict[str, bytes]) -> dict[str, bytes]:
        return _with_lines(e, _lines(e)[:-3])

    made = {
        name: (_rezip(export, change), status, code)
        for name, change, status, code in (
            ("bad json", bad_json, 400, "import_invalid"),
            ("unknown record type", unknown_type, 400, "import_invalid"),
            ("reference to a missing id", missing_reference, 400, "import_invalid"),
            ("unknown field", unknown_field, 400, "import_invalid"),
            ("one email twice", same_email_twice, 400, "import_invalid"),
            ("path traversal", traversal, 400, "import_invalid"),
            ("absolute path", absolute, 400, "import_invalid"),
            ("zip bomb", bomb, 400, "import_invalid"),
            ("file bytes missing", no_file_bytes, 400, "import_invalid"),
            ("cut short", cut_short, 400, "import_invalid"),
        )
    }
    made["not a zip"] = (b"PK\x03\x04 this is no zip" + bytes(100), 400, "import_invalid")
    made["oversized"] = (secrets.token_bytes(3 * 1024 * 1024 + 1), 413, "too_large")
    return made


async def test_an_export_imported_into_a_fresh_installation_equals_the_original(
    company: Company, settings: Settings, fresh: Running
) -> None:
    seeded = await _seed(company)
    admin = company.admin
    original = await _dump(settings.database_url)
    r = await admin.raw("GET", "/api/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    export = r.content
    assert original["post"] and original["attachment"] and original["channel_retention"]

    newcomer = Api(fresh.http)
    await newcomer.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    fresh_url = fresh.app.state.services.settings.database_url
    before = await _dump(fresh_url)
    zip_headers = {"content-type": "application/zip"}
    for name, (body, status, code) in _hostile(export).items():
        r = await newcomer.raw("POST", "/api/import", content=body, headers=zip_headers)
        assert r.status_code == status, (name, r.text)
        error = r.json()["error"]
        assert error["code"] == code and error["message"], (name, error)
        # Nothing half imported: rows as they were (but the audit log), no bytes.
        after = await _dump(fresh_url)
        assert {k: v for k, v in after.items() if k != "audit_entry"} == {
            k: v for k, v in before.items() if k != "audit_entry"
        }, name
        assert stored(fresh.app.state.services.settings) == [], name
    assert (
        await company.people["alice"].api.raw(
            "POST", "/api/import", content=export, headers=zip_headers
        )
    ).status_code == 403

    r = await newcomer.raw("POST", "/api/import", content=export, headers=zip_headers)
    assert r.status_code == 201, r.text
    assert r.json()["records"]["post"] == len(original["post"])
    imported = await _dump(fresh_url)
    for record in RECORDS:
        if record.name == "audit_entry":
            continue
        assert imported[record.name] == original[record.name], record.name
    entries = imported["audit_entry"]
    assert entries[: len(original["audit_entry"])] == original["audit_entry"]
    assert entries[-1]["action"] == "network.imported"
    assert entries[-1]["details"]["by"].endswith(f"<{ADMIN_EMAIL}>")
    # The fresh installation's administrator was replaced: signed out.
    assert (await newcomer.raw("GET", "/api/me")).status_code == 401

    # People sign in with their own passwords; files have the same bytes.
    alice = Api(fresh.http)
    await alice.sign_in("alice@example.com", "password-alice")
    pdf, png = seeded["files"]
    assert (await alice.raw("GET", f"/api/files/{pdf['id']}/content")).content == PDF
    old_png = await company.people["alice"].api.raw("GET", f"/api/files/{png['id']}/content")
    assert (await alice.raw("GET", f"/api/files/{png['id']}/content")).content == old_png.content
    hits = await alice.call("GET", "/api/search", params={"q": "規程"})
    assert [h["post"]["id"] for h in hits["results"]] == [seeded["post"]]
    # New ids follow the imported ones (PostgreSQL's sequences moved).
    made = await alice.call("POST", f"/api/channels/{seeded['eng']}/posts", {"body": "after"})
    assert made["post"]["id"] > max(p["id"] for p in original["post"])

    # Not fresh any more: a second import is refused, and audited.
    again_admin = Api(fresh.http)
    await again_admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = await again_admin.raw("POST", "/api/import", content=export, headers=zip_headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_empty"
    assert "fresh installation" in r.json()["error"]["message"]
    log = await again_admin.call("GET", "/api/audit", params={"action": "network.import_refused"})
    assert log["entries"][0]["details"]["reason"] == "not_empty"
    for client in (newcomer, alice, again_admin):
        await client.close()


async def test_members_cannot_export_or_import_the_network(company: Company) -> None:
    bob = company.people["bob"]
    assert (await bob.api.raw("GET", "/api/export")).status_code == 403
    assert (await bob.api.raw("GET", "/api/retention")).status_code == 403
