"""Files in posts and comments, over the HTTP API and the socket, on both
backends: upload, attach, download (whole, ranged, conditional, thumbnails),
who may see a file as rights change, edits and deletes, the lists, the
admins' rules and figures, the sweeper, and bad input leaving nothing behind."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

from server.settings import Settings
from tests.support.backends import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.clients import Api, Company, Live, department_channel
from tests.support.samples import (
    HTML_AS_PNG,
    PDF,
    animated_gif,
    noisy_jpeg,
    photo_with_orientation_6,
    png_bomb,
    screenshot_png,
)
from tests.support.servers import Node


async def upload(api: Api, data: bytes, name: str, expect: int = 201) -> Any:
    r = await api.raw("POST", "/api/files", content=data, params={"name": name})
    assert r.status_code == expect, r.text
    return r.json()


def stored(settings: Settings) -> list[str]:
    """Every object the local store holds."""
    root = settings.files_dir
    if not root.exists():
        return []
    return sorted(
        str(Path(d, f).relative_to(root))
        for d, _, names in os.walk(root)
        for f in names
        if not f.startswith(".")
    )


async def group_with(company: Company, owner: str, *members: str, private: bool = True) -> int:
    owner_api = company.people[owner].api
    group = await owner_api.call("POST", "/api/channels", {"name": "Files", "is_private": private})
    ids = [company.people[m].id for m in members]
    if ids:
        await owner_api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": ids})
    return int(group["id"])


async def test_a_pdf_shared_in_a_post_downloads_under_its_japanese_name(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    made = await upload(alice.api, PDF, "経費精算ルール 2026.pdf")
    assert made["name"] == "経費精算ルール 2026.pdf" and made["type"] == "application/pdf"
    assert made["size"] == len(PDF) and made["image"] is False and made["post_id"] is None
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": channel["id"]})
    receipt = await alice.api.call(
        "POST",
        f"/api/channels/{channel['id']}/posts",
        {"body": "新しい規程です", "files": [made["id"]]},
    )
    event = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    (shown,) = event["data"]["post"]["files"]
    assert shown == {
        "id": made["id"],
        "name": "経費精算ルール 2026.pdf",
        "type": "application/pdf",
        "size": len(PDF),
        "image": False,
        "width": None,
        "height": None,
        "animated": False,
    }
    assert receipt["post"]["files"] == [shown]
    page = await bob.api.call("GET", f"/api/channels/{channel['id']}/posts")
    assert page["posts"][0]["files"] == [shown]

    r = await bob.api.raw("GET", f"/api/files/{made['id']}/content")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"_______ 2026.pdf\"; filename*=UTF-8''"
        + quote("経費精算ルール 2026.pdf", safe="")
    )
    assert "no-store" not in r.headers["cache-control"]
    await live.close()


async def test_an_image_is_served_upright_without_metadata_with_a_thumbnail(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    photo = photo_with_orientation_6()
    made = await upload(alice.api, photo, "IMG_0001.JPG")
    # Stored 300 x 200 with "turn a quarter": shown 200 x 300.
    assert (made["image"], made["width"], made["height"]) == (True, 200, 300)
    await alice.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "", "files": [made["id"]]}
    )
    full = await bob.api.raw("GET", f"/api/files/{made['id']}/content")
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["content-disposition"].startswith("inline;")
    shown = Image.open(io.BytesIO(full.content))
    assert shown.size == (200, 300)
    assert len(shown.getexif()) == 0 and b"Kaisha Camera" not in full.content
    assert full.content != photo
    thumb = await bob.api.raw("GET", f"/api/files/{made['id']}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (200, 300)  # within 480: as is
    forced = await bob.api.raw("GET", f"/api/files/{made['id']}/content?download=1")
    assert forced.headers["content-disposition"].startswith("attachment;")


async def test_an_animated_gif_stays_animated(company: Company) -> None:
    alice = company.people["alice"]
    made = await upload(alice.api, animated_gif(5), "party.gif")
    assert made["type"] == "image/gif" and made["animated"] is True
    r = await alice.api.raw("GET", f"/api/files/{made['id']}/content")
    assert getattr(Image.open(io.BytesIO(r.content)), "n_frames", 1) == 5
    assert b"secret comment" not in r.content


async def test_downloads_answer_ranges_and_etags(company: Company) -> None:
    alice = company.people["alice"]
    data = bytes(range(256)) * 400  # 100 KiB of "other"
    made = await upload(alice.api, data, "dump.bin")
    url = f"/api/files/{made['id']}/content"
    part = await alice.api.raw("GET", url, headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    tail = await alice.api.raw("GET", url, headers={"range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    past = await alice.api.raw("GET", url, headers={"range": f"bytes={len(data)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(data)}"
    whole = await alice.api.raw("GET", url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "application/octet-stream"
    again = await alice.api.raw("GET", url, headers={"if-none-match": whole.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = await alice.api.raw(
        "GET", url, headers={"range": "bytes=0-9", "if-range": '"something-else"'}
    )
    assert stale.status_code == 200 and stale.content == data


async def test_who_may_see_a_file_follows_the_channel_now(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    group = await group_with(company, "alice", "bob")
    made = await upload(alice.api, screenshot_png(), "bug.png")
    paths = [f"/api/files/{made['id']}", f"/api/files/{made['id']}/content"]
    paths.append(f"/api/files/{made['id']}/thumb")
    # Not on a post yet: the uploader's only.
    for path in paths:
        assert (await bob.api.raw("GET", path)).status_code == 404
        assert (await alice.api.raw("GET", path)).status_code == 200
    post = await alice.api.call(
        "POST", f"/api/channels/{group}/posts", {"body": "this bug", "files": [made["id"]]}
    )
    for path in paths:
        assert (await bob.api.raw("GET", path)).status_code == 200
        outsider = await carol.api.raw("GET", path)
        assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "not_found"
    guessed = made["id"][:-1] + ("A" if made["id"][-1] != "A" else "B")
    assert (await bob.api.raw("GET", f"/api/files/{guessed}/content")).status_code == 404
    meta = await bob.api.call("GET", f"/api/files/{made['id']}")
    assert meta["channel_id"] == group and meta["post_id"] == post["post"]["id"]
    assert meta["uploader"]["display_name"] == "Alice"

    await bob.api.call("POST", f"/api/channels/{group}/leave")
    for path in paths:
        assert (await bob.api.raw("GET", path)).status_code == 404

    await alice.api.call("DELETE", f"/api/posts/{post['post']['id']}")
    for path in paths:
        assert (await alice.api.raw("GET", path)).status_code == 404


async def test_a_closed_departments_files_stay_inside_it(company: Company) -> None:
    alice, carol = company.people["alice"], company.people["carol"]
    admin = company.admin
    dept = await admin.call("POST", "/api/departments", {"name": "人事部", "closed": True})
    await admin.call("PATCH", f"/api/users/{alice.id}", {"department_id": dept["id"]})
    channel = await department_channel(alice.api, dept["id"])
    made = await upload(alice.api, PDF, "給与テーブル.pdf")
    await alice.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "", "files": [made["id"]]}
    )
    assert (await carol.api.raw("GET", f"/api/files/{made['id']}/content")).status_code == 404
    page = await carol.api.raw("GET", f"/api/channels/{channel['id']}/files")
    assert page.status_code == 404
    listed = await carol.api.call("GET", f"/api/users/{alice.id}/files")
    assert listed["files"] == []
    own = await alice.api.call("GET", f"/api/users/{alice.id}/files")
    assert [f["id"] for f in own["files"]] == [made["id"]]


async def test_a_deactivated_persons_links_stop_working(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    made = await upload(alice.api, PDF, "plan.pdf")
    await alice.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "plan", "files": [made["id"]]}
    )
    url = f"/api/files/{made['id']}/content"
    assert (await bob.api.raw("GET", url)).status_code == 200
    await company.admin.call("PATCH", f"/api/users/{bob.id}", {"is_active": False})
    assert (await bob.api.raw("GET", url)).status_code == 401
    # What Bob shared before stays for the others.
    assert (await alice.api.raw("GET", url)).status_code == 200


async def test_a_post_carries_only_its_authors_unattached_uploads(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    posts = f"/api/channels/{channel['id']}/posts"
    mine = await upload(alice.api, PDF, "a.pdf")
    theirs = await upload(bob.api, PDF, "b.pdf")
    taken = await bob.api.raw("POST", posts, {"body": "x", "files": [mine["id"]]})
    assert taken.status_code == 400 and taken.json()["error"]["code"] == "file_unavailable"
    await alice.api.call("POST", posts, {"body": "first", "files": [mine["id"]]})
    twice = await alice.api.raw("POST", posts, {"body": "again", "files": [mine["id"]]})
    assert twice.json()["error"]["code"] == "file_unavailable"
    eleven = await alice.api.raw("POST", posts, {"body": "x", "files": [theirs["id"]] * 11})
    assert eleven.status_code == 422
    empty = await alice.api.raw("POST", posts, {"body": "", "files": []})
    assert empty.status_code == 422
    page = await alice.api.call("GET", posts)
    assert [p["body"] for p in page["posts"]] == ["first"]  # nothing else was written


async def test_comments_carry_files_and_the_socket_takes_them(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    live = await Live.connect(company.server, alice.token, encoding="msgpack")
    await live.request({"op": "sub", "channel": channel["id"]})
    pic = await upload(alice.api, screenshot_png(), "screen.png")
    ack = await live.request(
        {"op": "post", "channel": channel["id"], "body": "", "files": [pic["id"]], "cid": "p1"}
    )
    assert ack["type"] == "ack", ack
    post_id = ack["post"]["id"]
    assert ack["post"]["files"][0]["id"] == pic["id"]
    doc = await upload(bob.api, PDF, "answer.pdf")
    bad = await live.request({"op": "comment", "post": post_id, "body": "", "files": [doc["id"]]})
    assert bad["type"] == "error" and bad["code"] == "file_unavailable"
    await bob.api.call("POST", f"/api/posts/{post_id}/comments", {"files": [doc["id"]]})
    event = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "comment.created")
    assert event["data"]["post"]["files"][0]["name"] == "answer.pdf"
    thread = await alice.api.call("GET", f"/api/posts/{post_id}")
    assert thread["comments"][0]["files"][0]["id"] == doc["id"]
    files = await alice.api.call("GET", f"/api/channels/{channel['id']}/files")
    assert [(f["id"], f["thread_id"]) for f in files["files"]] == [
        (doc["id"], post_id),
        (pic["id"], None),
    ]
    await live.close()


async def test_editing_adds_and_removes_files_and_replays_agree(company: Company) -> None:
    alice = company.people["alice"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    first = await upload(alice.api, PDF, "v1.pdf")
    second = await upload(alice.api, screenshot_png(), "v2.png")
    made = await alice.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "docs", "files": [first["id"]]}
    )
    post_id = made["post"]["id"]
    log_url = f"/api/channels/{channel['id']}/events?epoch={channel['epoch']}&seq=0"
    edited = await alice.api.call("PATCH", f"/api/posts/{post_id}", {"files": [second["id"]]})
    assert [f["id"] for f in edited["post"]["files"]] == [second["id"]]
    assert edited["post"]["body"] == "docs"  # left out: unchanged
    assert (await alice.api.raw("GET", f"/api/files/{first['id']}/content")).status_code == 404
    events = await alice.api.call("GET", log_url)
    created = next(e for e in events["events"] if e["kind"] == "post.created")
    assert [f["name"] for f in created["data"]["post"]["files"]] == ["v2.png"]
    # A post keeps some text or a file.
    emptied = await alice.api.raw("PATCH", f"/api/posts/{post_id}", {"body": "", "files": []})
    assert emptied.status_code == 400
    await alice.api.call("DELETE", f"/api/posts/{post_id}")
    events = await alice.api.call("GET", log_url)
    assert all(not e["data"].get("post", {}).get("files") for e in events["events"])


async def test_the_files_view_pages_and_filters(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    ids = []
    for i in range(3):
        pic = await upload(alice.api, screenshot_png((50 + i, 40)), f"p{i}.png")
        doc = await upload(alice.api, PDF, f"d{i}.pdf")
        await alice.api.call(
            "POST",
            f"/api/channels/{channel['id']}/posts",
            {"body": f"#{i}", "files": [pic["id"], doc["id"]]},
        )
        ids += [pic["id"], doc["id"]]
    newest_first = ids[::-1]
    url = f"/api/channels/{channel['id']}/files"
    page = await bob.api.call("GET", url)
    assert [f["id"] for f in page["files"]] == newest_first and page["before"] is None
    images = await bob.api.call("GET", url + "?kind=image")
    assert [f["name"] for f in images["files"]] == ["p2.png", "p1.png", "p0.png"]
    documents = await bob.api.call("GET", url + "?kind=document")
    assert {f["type"] for f in documents["files"]} == {"application/pdf"}
    bad = await bob.api.raw("GET", url + "?kind=video")
    assert bad.status_code == 400


async def test_admins_set_the_rules_and_see_the_figures(
    company: Company, settings: Settings
) -> None:
    alice, admin = company.people["alice"], company.admin
    channel = await department_channel(alice.api, company.departments["Engineering"])
    rules = await alice.api.call("GET", "/api/files/rules")
    assert rules == {"max_file_mb": 50, "allowed": ["image", "pdf", "office", "text", "other"]}
    refused = await alice.api.raw("PUT", "/api/files/rules", {"max_file_mb": 1, "allowed": []})
    assert refused.status_code == 403
    assert (await alice.api.raw("GET", "/api/files/usage")).status_code == 403

    await admin.call("PUT", "/api/files/rules", {"max_file_mb": 1, "allowed": ["image", "pdf"]})
    before = stored(settings)
    big = await alice.api.raw(
        "POST", "/api/files", content=b"%PDF-" + b"0" * (1024 * 1024), params={"name": "big.pdf"}
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
    zipped = await alice.api.raw(
        "POST", "/api/files", content=b"PK\x03\x04" + b"\x00" * 100, params={"name": "a.zip"}
    )
    assert zipped.status_code == 415 and zipped.json()["error"]["code"] == "type_not_allowed"
    assert stored(settings) == before

    pdf = await upload(alice.api, PDF, "ok.pdf")
    await alice.api.call(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "", "files": [pdf["id"]]}
    )
    await upload(alice.api, PDF, "draft.pdf")  # never attached
    usage = await admin.call("GET", "/api/files/usage")
    assert usage["total_files"] == 2 and usage["total_bytes"] == 2 * len(PDF)
    assert usage["unattached_bytes"] == len(PDF)
    assert usage["channels"] == [
        {"id": channel["id"], "name": "Engineering", "files": 1, "bytes": len(PDF)}
    ]
    assert usage["people"] == [{"id": alice.id, "name": "Alice", "files": 2, "bytes": 2 * len(PDF)}]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "empty_file"),
        (png_bomb(), 422, "image_too_large"),
        (noisy_jpeg()[:3000], 422, "corrupt_image"),
    ],
    ids=["zero-bytes", "bomb", "truncated-jpeg"],
)
async def test_bad_images_are_refused_and_leave_nothing(
    company: Company, settings: Settings, data: bytes, status: int, code: str
) -> None:
    alice = company.people["alice"]
    before = stored(settings)
    r = await alice.api.raw("POST", "/api/files", content=data, params={"name": "x.png"})
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert stored(settings) == before
    usage = await company.admin.call("GET", "/api/files/usage")
    assert usage["total_files"] == 0


async def test_html_called_a_png_is_never_served_as_a_page(company: Company) -> None:
    alice = company.people["alice"]
    made = await upload(alice.api, HTML_AS_PNG, "cute-cat.png")
    assert made["image"] is False and made["type"] == "text/html"
    r = await alice.api.raw("GET", f"/api/files/{made['id']}/content")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert (await alice.api.raw("GET", f"/api/files/{made['id']}/thumb")).status_code == 404


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\報告書.docx", "報告書.docx"),
        ("a\x01b\u202ecod.exe", "abcod.exe"),
        ("", "file"),
        ("あ" * 300 + ".pdf", "あ" * 196 + ".pdf"),
    ],
    ids=["dotdot", "windows-path", "controls-and-rtl", "empty", "300-chars"],
)
async def test_hostile_names_are_kept_as_text(company: Company, raw: str, shown: str) -> None:
    alice = company.people["alice"]
    r = await alice.api.raw(
        "POST", "/api/files", content=PDF, headers={"x-file-name": quote(raw)}, params={}
    )
    # The name goes in the query, or (percent-encoded) in X-File-Name.
    assert r.status_code == 201, r.text
    assert r.json()["name"] == shown


async def test_a_nul_in_a_name_is_refused(company: Company) -> None:
    r = await company.people["alice"].api.raw(
        "POST", "/api/files", content=PDF, params={"name": "a\x00b.pdf"}
    )
    assert r.status_code == 400


async def test_uploads_need_a_signed_in_person(company: Company) -> None:
    async with httpx.AsyncClient(base_url=company.server.http) as anonymous:
        r = await anonymous.post("/api/files", content=PDF, params={"name": "a.pdf"})
    assert r.status_code == 401


async def test_an_upload_cut_off_midway_leaves_nothing_and_logs_no_error(
    settings: Settings,
) -> None:
    """A cancelled upload (the browser's abort) or a dropped connection, on a
    node of its own (a process, as deployed): it logs no error, keeps nothing."""
    node = Node(settings)
    await node.start()
    admin = Api(node.running.http)
    try:
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        token = await admin.new_token()
        for body in (PDF + b"x" * 200_000, screenshot_png((1200, 900))):
            _, writer = await asyncio.open_connection("127.0.0.1", node.port)
            head = (
                f"POST /api/files?name=cut HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(body) * 4}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
            # Let the node take in what came (the upload has begun), then hang up.
            await asyncio.sleep(0.5)
            writer.close()
            await writer.wait_closed()
        # The node let go of both: a whole upload after them works, and only it is kept.
        await upload(admin, PDF, "whole.pdf")
        usage = await admin.call("GET", "/api/files/usage")
        assert usage["total_files"] == 1
        assert len(stored(settings)) == 1
        assert node.errors() == []
    finally:
        await admin.close()
        await node.kill()


async def test_the_sweeper_removes_deleted_and_forgotten_files(
    company: Company, settings: Settings
) -> None:
    """The sweep itself, run in the test's process on the server's database and
    store (the server's own timer is the same function every ten minutes)."""
    from datetime import timedelta

    from sqlalchemy import update

    from bus import make_bus
    from channels.attachments import Attachment
    from core.clock import utcnow
    from server.db import Database
    from server.files import FileService

    alice = company.people["alice"]
    channel = await department_channel(alice.api, company.departments["Engineering"])
    kept = await upload(alice.api, PDF, "kept.pdf")
    gone = await upload(alice.api, screenshot_png(), "gone.png")
    forgotten = await upload(alice.api, PDF, "forgotten.pdf")
    fresh = await upload(alice.api, PDF, "fresh.pdf")
    made = await alice.api.call(
        "POST",
        f"/api/channels/{channel['id']}/posts",
        {"body": "x", "files": [kept["id"], gone["id"]]},
    )
    await alice.api.call("PATCH", f"/api/posts/{made['post']['id']}", {"files": [kept["id"]]})
    db = Database(settings.database_url)
    bus = make_bus(settings.redis_url, prefix=settings.bus_prefix)
    await bus.start()
    service = FileService(settings, db, bus)
    try:
        async with db.writer() as session:
            await session.exec(
                update(Attachment)
                .where(Attachment.id == forgotten["id"])
                .values(created_at=utcnow() - timedelta(days=2))
            )
            await session.commit()
        assert len(stored(settings)) == 5  # two for the image
        assert await service.sweep() == 2
        left = stored(settings)
        assert sorted(left) == sorted([f"f/{kept['id']}/original", f"f/{fresh['id']}/original"])
        assert await service.sweep() == 0
    finally:
        await service.close()
        await bus.close()
        await db.close()
    assert (await alice.api.raw("GET", f"/api/files/{kept['id']}/content")).status_code == 200
    late = await alice.api.raw(
        "POST", f"/api/channels/{channel['id']}/posts", {"body": "x", "files": [forgotten["id"]]}
    )
    assert late.json()["error"]["code"] == "file_unavailable"
