"""What is deleted or replaced is gone from every replay: the socket's ``sub``
from seq 0 and HTTP's ``/events`` show no earlier text of a deleted post, its
comments, or what an edit replaced; a moderator's edit says who made it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import text

from server.db import Database, alembic_config
from server.settings import Settings
from tests.support.backends import fresh_database
from tests.support.clients import Company, Live, department_channel


async def _replays(
    company: Company, token: str, api: Any, channel: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """What HTTP's replay and the socket's hold, as text."""
    events = await api.call(
        "GET", f"/api/channels/{channel['id']}/events?epoch={channel['epoch']}&seq=0"
    )
    live = await Live.connect(company.server, token)
    head = (await api.call("GET", f"/api/channels/{channel['id']}"))["seq"]
    await live.request({"op": "sub", "channel": channel["id"], "epoch": channel["epoch"], "seq": 0})
    await live.wait(lambda f: f["type"] == "event" and f["seq"] == head)
    frames = [json.dumps(f, ensure_ascii=False) for f in live.frames if f["type"] == "event"]
    await live.close()
    return [json.dumps(e, ensure_ascii=False) for e in events["events"]], frames


async def test_deleted_and_replaced_text_is_gone_from_every_replay(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    path = f"/api/channels/{eng['id']}/posts"
    secret = await alice.api.call("POST", path, {"body": "給与の表は共有フォルダ PW=hunter2"})
    sid = secret["post"]["id"]
    comment = await bob.api.call("POST", f"/api/posts/{sid}/comments", {"body": "見えた: hunter2"})
    await bob.api.call("PATCH", f"/api/posts/{comment['post']['id']}", {"body": "見えた: hunter2!"})
    typo = await alice.api.call("POST", path, {"body": "会議は 15時 in 会議室A (old)"})
    await alice.api.call("PATCH", f"/api/posts/{typo['post']['id']}", {"body": "会議は 16時"})
    await alice.api.call("DELETE", f"/api/posts/{sid}")

    over_http, over_socket = await _replays(company, bob.token, bob.api, eng)
    assert len(over_http) == len(over_socket) >= 7  # every event is still there, in place
    for replay in (over_http, over_socket):
        everything = "\n".join(replay)
        assert "hunter2" not in everything
        assert "(old)" not in everything and "15時" not in everything
        assert "16時" in everything  # what is still there still replays


async def test_a_moderators_edit_says_who_made_it(company: Company) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    admin = company.admin
    eng = await department_channel(alice.api, company.departments["Engineering"])
    posted = await alice.api.call("POST", f"/api/channels/{eng['id']}/posts", {"body": "x"})
    pid = posted["post"]["id"]
    live = await Live.connect(company.server, bob.token)
    await live.request({"op": "sub", "channel": eng["id"]})
    await alice.api.call("PATCH", f"/api/posts/{pid}", {"body": "mine, edited"})
    own = await live.wait(lambda f: f["type"] == "event" and f["kind"] == "post.edited")
    assert own["data"]["post"]["edited_by"] is None  # the author's own edit
    me = await admin.call("GET", "/api/session")
    await admin.call("PATCH", f"/api/posts/{pid}", {"body": "moderated"})
    edited = await live.wait(
        lambda f: f["type"] == "event" and f["data"].get("post", {}).get("body") == "moderated"
    )
    editor = {"id": me["user"]["id"], "display_name": me["user"]["display_name"]}
    assert edited["data"]["post"]["edited_by"] == editor
    page = await bob.api.call("GET", f"/api/channels/{eng['id']}/posts")
    assert [p["edited_by"] for p in page["posts"] if p["id"] == pid] == [editor]
    thread = await bob.api.call("GET", f"/api/posts/{pid}")
    assert thread["post"]["edited_by"] == editor
    await live.close()


async def test_the_upgrade_cleans_logs_written_before_it(settings: Settings) -> None:
    """Logs written before migration 0004 held deleted and replaced text; the
    upgrade takes it out and says which post each event is about."""
    async with fresh_database(settings) as url:
        await _upgrade_and_check(url)


async def _upgrade_and_check(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0003")
            now = "2026-01-01 00:00:00"
            at = datetime(2026, 1, 1, tzinfo=UTC)
            for sql in (
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq)"
                f" VALUES (1, 'a@x', 'A', 'member', TRUE, '{now}', 'e', 0)",
                f"INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                f" created_at) VALUES (1, 'group', 'g', '', FALSE, 'e', 3, '{now}')",
                f"INSERT INTO post (id, channel_id, author_id, body, html, created_at, deleted_at,"
                f" like_count, comment_count) VALUES (1, 1, 1, 'gone', '<p>gone</p>', '{now}',"
                f" '{now}', 0, 0)",
                f"INSERT INTO post (id, channel_id, author_id, body, html, created_at, edited_at,"
                f" like_count, comment_count) VALUES (2, 1, 1, 'new', '<p>new</p>', '{now}',"
                f" '{now}', 0, 0)",
            ):
                await conn.execute(text(sql))
            for seq, kind, data in (
                (1, "post.created", _post(1, "secret")),
                (2, "post.created", _post(2, "old")),
                (3, "post.edited", _post(2, "new")),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO channel_event (channel_id, seq, kind, data, created_at)"
                        " VALUES (1, :seq, :kind, :data, :at)"
                    ),
                    {"seq": seq, "kind": kind, "data": json.dumps(data), "at": at},
                )
            await conn.run_sync(_upgrade_to, "head")
            rows = (
                await conn.execute(
                    text("SELECT seq, post_id, data FROM channel_event ORDER BY seq")
                )
            ).all()
    finally:
        await db.close()
    bodies = [
        (seq, post_id, (d if isinstance(d, dict) else json.loads(d))["post"]["body"])
        for seq, post_id, d in rows
    ]
    assert bodies == [(1, 1, ""), (2, 2, "new"), (3, 2, "new")]


def _post(post_id: int, body: str) -> dict[str, Any]:
    return {
        "post": {
            "id": post_id,
            "channel_id": 1,
            "parent_id": None,
            "author": {"id": 1, "display_name": "A", "department": None},
            "body": body,
            "html": f"<p>{body}</p>",
            "created_at": "2026-01-01T00:00:00.000Z",
            "edited_at": None,
            "like_count": 0,
            "comment_count": 0,
        }
    }


def _upgrade_to(connection: Any, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
