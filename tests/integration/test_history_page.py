"""History pages, read as columns, answer what the rows say: checked against
posts loaded as ORM objects and built by the same ``post_public`` the writes use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel import col, select

from channels.models import Like, PersonRef, Post
from channels.reads import get_channel, history_page, post_public
from org.models import Department, User
from server.db import Database
from server.settings import Settings
from tests.support.clients import Company


async def expected_posts(db: Database, channel_id: int, viewer: int) -> list[dict[str, Any]]:
    """Every live top-level post of the channel, oldest first, as the API should show it."""
    out = []
    async with db.reader() as session:
        posts = (
            await session.exec(
                select(Post)
                .where(
                    Post.channel_id == channel_id,
                    col(Post.parent_id).is_(None),
                    col(Post.deleted_at).is_(None),
                )
                .order_by(col(Post.id))
            )
        ).all()
        for post in posts:
            author = await session.get(User, post.author_id)
            assert author is not None
            dept = (
                await session.get(Department, author.department_id)
                if author.department_id
                else None
            )
            liked = await session.get(Like, (post.id, viewer)) is not None
            assert author.id is not None
            ref = PersonRef(
                id=author.id,
                display_name=author.display_name,
                department=dept.name if dept else None,
                reading=author.reading,
            )
            public = post_public(post, ref, liked_by_me=liked)
            out.append(public.model_dump(mode="json"))
    return out


async def test_pages_answer_what_the_rows_say(company: Company, settings: Settings) -> None:
    alice, bob, admin = company.people["alice"], company.people["bob"], company.admin
    group = await alice.api.call("POST", "/api/channels", {"name": "Lunch ☕", "description": "d"})
    cid = group["id"]
    await bob.api.call("POST", f"/api/channels/{cid}/join")
    await admin.call("POST", f"/api/channels/{cid}/join")  # the admin has no department
    ids = []
    for i in range(63):
        who = (alice.api, bob.api, admin)[i % 3]
        body = ("**bold** <b>x</b> 日本語 🎉", 'quote " and \\ and \u2028', f"n{i}")[i % 3]
        written = await who.call("POST", f"/api/channels/{cid}/posts", {"body": f"{body} {i}"})
        ids.append(written["post"]["id"])
    for pid in ids[::4]:
        await bob.api.call("PUT", f"/api/posts/{pid}/like", {})
    for pid in ids[1::5]:
        await alice.api.call("PUT", f"/api/posts/{pid}/like", {})
    for pid in ids[2:40:6]:
        await alice.api.call("POST", f"/api/posts/{pid}/comments", {"body": "a comment"})
    await alice.api.call("PATCH", f"/api/posts/{ids[3]}", {"body": "edited *now*"})
    await bob.api.call("DELETE", f"/api/posts/{ids[4]}")

    db = Database(settings.database_url)
    try:
        want = await expected_posts(db, cid, bob.id)
    finally:
        await db.close()
    assert len(want) == 62
    header = await bob.api.call("GET", f"/api/channels/{cid}")
    assert header["member_count"] == 3 and header["is_member"] is True

    latest = await bob.api.call("GET", f"/api/channels/{cid}/posts")
    # The page's header is the channel without one's read state and level (the hot path
    # reads no more than the page: the list and GET /api/channels/{id} have it).
    assert latest["channel"] == {**header, "read_seq": None, "unread": 0, "notify": None}
    assert latest["posts"] == want[-50:]
    assert latest["before"] == want[-50]["id"]
    older = await bob.api.call("GET", f"/api/channels/{cid}/posts?before={latest['before']}")
    assert older["posts"] == want[:-50] and older["before"] is None
    some = await bob.api.call("GET", f"/api/channels/{cid}/posts?before={ids[30]}&limit=5")
    assert some["posts"] == [p for p in want if p["id"] < ids[30]][-5:]
    assert some["before"] == some["posts"][0]["id"]


async def test_a_page_on_a_bare_connection_is_three_statements(
    company: Company, settings: Settings
) -> None:
    """The route reads pages on a connection, not a session: the same three
    statements (access with the member count, the page, its polls) whatever the
    page's size."""
    alice = company.people["alice"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Counted"})
    for i in range(30):
        await alice.api.call("POST", f"/api/channels/{group['id']}/posts", {"body": f"n{i}"})
    db = Database(settings.database_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    try:
        async with db.reader() as session:
            user = await session.get(User, alice.id)
        assert user is not None
        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        async with db.engine.connect() as conn:
            page = await history_page(conn, user, group["id"], before=10**9, limit=20)
            channel = await get_channel(conn, user, group["id"])
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    finally:
        await db.close()
    assert len(page.posts) == 20
    assert page.channel == channel.model_copy(
        update={"read_seq": None, "unread": 0, "notify": None}
    )
    # The page: three. The channel alone: one, and two for one's read state.
    assert len(statements) == 6, statements
